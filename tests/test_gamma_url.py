"""A Gamma reply's URL becomes a link only if it is https on Gamma's host."""

import pytest

from monitor.store import ResultsStore
from tasks.gamma import checked_url
from tasks.services.errors import ServiceError
from tests.servers.gamma import FakeGamma
from tests.test_links import read_artifacts, run_week_with_gamma

API = "https://public-api.gamma.app"


@pytest.mark.parametrize(
    "url",
    ["https://gamma.app/docs/x", "https://exports.gamma.app/x.pdf", "https://127.0.0.1:9/x"],
)
def test_https_on_gamma_or_the_configured_host_is_kept(url):
    assert checked_url(url, API if "gamma" in url else "http://127.0.0.1:9") == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "http://gamma.app/docs/x",
        "https://gamma.app.evil.example/x",
        "https://evilgamma.app/x",
        "data:text/html,<script>alert(1)</script>",
        "//gamma.app/x",
    ],
)
def test_anything_else_is_refused_saying_why(url):
    with pytest.raises(ServiceError, match="gamma: the reply's URL is not an https link"):
        checked_url(url, API)


@pytest.mark.usefixtures("prefect_harness")
def test_a_hostile_deck_url_fails_the_gamma_agent_and_the_run_completes(
    tmp_path, output_dir, store_url, monkeypatch
):
    with FakeGamma(pending_polls=0) as gamma:
        gamma.gamma_url = "javascript:alert(1)//{generation_id}"
        state = run_week_with_gamma(gamma, tmp_path, output_dir, store_url, monkeypatch)
    assert state.is_completed()
    run_id = str(state.state_details.flow_run_id)
    run = ResultsStore(store_url).run(run_id)
    assert run["status"] == "completed" and run["gamma_url"] is None
    deck = next(a for a in run["agents"] if a["agent"] == "gamma_presentation")
    assert deck["status"] == "failed"
    assert "not an https link on gamma.app" in deck["error"]
    assert "voc-gamma" not in read_artifacts(run_id)
    assert "report.md" in {f["path"] for f in run["files"]}
