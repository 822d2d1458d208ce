"""Links out of a run: Gamma and file-download link artifacts, `voc show`'s Prefect UI link."""

import asyncio
from datetime import date

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from monitor.hooks import wait_for_publishing
from monitor.links import file_artifact_key, file_url, flow_run_url
from monitor.store import ResultsStore
from tests.servers.gamma import FakeGamma
from tests.test_flow import run_small_week

DASHBOARD = "http://voc.example:8787/"


def read_artifacts(flow_run_id: str) -> dict:
    """The run's artifacts, once the monitor has published them (after the flow returned)."""
    assert wait_for_publishing()

    async def read() -> list:
        async with get_client() as client:
            runs = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            return await client.read_artifacts(flow_run_filter=runs)

    return {artifact.key: artifact for artifact in asyncio.run(read())}


def run_week_with_gamma(gamma: FakeGamma, tmp_path, output_dir, store_url, monkeypatch):
    """A small week's run, its deck made by the loopback Gamma; its final state."""
    monkeypatch.setenv("GAMMA_API_KEY", gamma.api_key)
    monkeypatch.setenv("GAMMA_BASE_URL", gamma.url)
    return run_small_week(tmp_path, output_dir, store_url)


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_links_its_deck_and_each_file_on_the_dashboard(
    tmp_path, output_dir, store_url, monkeypatch
):
    monkeypatch.setenv("VOC_DASHBOARD_URL", DASHBOARD)
    with FakeGamma(pending_polls=0) as gamma:
        state = run_week_with_gamma(gamma, tmp_path, output_dir, store_url, monkeypatch)
    assert state.is_completed()
    run_id = str(state.state_details.flow_run_id)
    run = ResultsStore(store_url).run(run_id)
    found = read_artifacts(run_id)

    assert run["gamma_url"] == "https://gamma.app/docs/voc-gen0001"
    assert found["voc-gamma"].type == "markdown"  # a link artifact reads back as markdown
    assert "[Gamma presentation](https://gamma.app/docs/voc-gen0001)" in found["voc-gamma"].data
    for recorded in run["files"]:
        link = found[file_artifact_key(recorded["path"])]
        url = f"http://voc.example:8787/api/runs/{run_id}/files/{recorded['path']}"
        assert f"[{recorded['path']}]({url})" in link.data
        assert link.description.startswith(f"{recorded['size']:,} bytes, sha256 ")


def test_download_links_quote_paths_and_keys_stay_artifact_keys():
    assert file_url("http://d:8787/", "r1", "charts/topic mix.png") == (
        "http://d:8787/api/runs/r1/files/charts/topic%20mix.png"
    )
    assert file_artifact_key("charts/Topic Mix.PNG") == "voc-file-charts-topic-mix-png"
    assert flow_run_url("http://127.0.0.1:4200/", "r1") == "http://127.0.0.1:4200/runs/flow-run/r1"


def test_voc_show_names_the_deployment_and_links_the_flow_run(tmp_path, voc):
    # A process of its own: Prefect reads its settings (PREFECT_UI_URL) once, at import.
    store_url = f"sqlite:///{tmp_path / 'voc.db'}"
    ResultsStore(store_url).start_run(
        {
            "id": "6f1d2c3b-0000-4000-8000-000000000001",
            "command": "voice-of-customer",
            "window_start": date(2026, 11, 16),
            "window_end": date(2026, 11, 22),
            "source": "sample",
            "agents_total": 16,
            "deployment_id": "9a8b7c6d-0000-4000-8000-000000000002",
            "deployment_name": "weekly",
        }
    )
    env = {"VOC_STORE_URL": store_url, "PREFECT_UI_URL": "http://prefect.example:4200"}
    shown = voc("show", "6f1d2c3b", **env)
    assert shown.returncode == 0, shown.stderr
    assert "deployment voice-of-customer/weekly" in shown.stdout
    link = "http://prefect.example:4200/runs/flow-run/6f1d2c3b-0000-4000-8000-000000000001"
    assert f"Prefect UI: {link}" in shown.stdout
    as_json = voc("show", "6f1d2c3b", "--json", **env)
    assert f'"prefect_url": "{link}"' in as_json.stdout
    assert '"deployment_name": "weekly"' in as_json.stdout

    env["PREFECT_UI_URL"] = ""
    plain = voc("show", "6f1d2c3b", **env)
    assert "Prefect UI" not in plain.stdout
    assert '"prefect_url": null' in voc("show", "6f1d2c3b", "--json", **env).stdout
