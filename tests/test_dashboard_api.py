"""The dashboard's HTTP API on a real uvicorn over loopback, read with httpx."""

import csv
import html.parser
import http.client
import io
import json
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitor.dashboard.app import STATIC
from monitor.store import ResultsStore
from tests.dashboard_helpers import (
    LiveServer,
    finished_run,
    record_file,
    start_run,
    voc_dashboard,
)
from tests.test_cli import EXPORT_HEADER

WEEK1, WEEK2, WEEK3 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)
PREFECT_UI = "http://prefect.internal:4200"


@pytest.fixture(scope="module")
def output_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dashboard") / "outputs"


@pytest.fixture(scope="module")
def store(output_dir: Path) -> ResultsStore:
    return ResultsStore(f"sqlite:///{output_dir.parent / 'voc.db'}")


@pytest.fixture(scope="module")
def runs(store: ResultsStore, output_dir: Path) -> dict[str, str]:
    """Three weeks of runs (the middle one failed) and one still running."""
    return {
        "first": finished_run(store, output_dir, WEEK1, cost="0.01", topic_mix={"Billing": 100.0}),
        "failed": finished_run(store, output_dir, WEEK2, status="failed"),
        "second": finished_run(store, output_dir, WEEK3, cost="0.02"),
        "running": start_run(store, WEEK3),
    }


@pytest.fixture(scope="module")
def server(store: ResultsStore, runs: dict[str, str]):
    with LiveServer(voc_dashboard(store, prefect_ui_url=PREFECT_UI)) as live:
        yield live


@pytest.fixture
def client(server: LiveServer):
    with httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


def test_run_history_is_newest_first_in_stable_json(client, runs):
    answer = client.get("/api/runs", params={"limit": 3})
    assert answer.status_code == 200
    found = answer.json()
    assert [r["id"] for r in found] == [runs["running"], runs["second"], runs["failed"]]
    second = found[1]
    assert second["status"] == "completed" and second["agents_done"] == 3
    assert isinstance(second["id"], str) and second["cost"] == "0.022"
    assert datetime.fromisoformat(second["started_at"]).tzinfo is not None
    assert (second["window_start"], second["window_end"]) == ("2026-11-16", "2026-11-22")
    assert len(client.get("/api/runs").json()) == 4
    assert client.get("/api/runs", params={"limit": 0}).status_code == 422


def test_one_run_has_its_agent_rows_files_and_links(client, runs, store):
    run = client.get(f"/api/runs/{runs['second']}").json()
    assert run["prefect_url"] == f"{PREFECT_UI}/runs/flow-run/{runs['second']}"
    assert run["last_event_id"] == str(store.last_event_id(runs["second"]))
    rows = {row["agent"]: row for row in run["breakdown"]}
    assert list(rows) == ["load_conversations", "topic_detection", "example_quotes"]
    quotes = rows["example_quotes"]
    assert (quotes["topics"], quotes["calls"], quotes["cost"]) == (2, 2, "0.002")
    assert [t["key"] for t in quotes["topic_runs"]] == [
        "example_quotes[Billing]",
        "example_quotes[Bugs]",
    ]
    assert quotes["started_at"] <= quotes["ended_at"]
    assert run["expected_agents"] == list(rows)
    assert [f["path"] for f in run["files"]] == ["report.md", "topics.csv"]
    assert run["cost"] == "0.022" and run["input_tokens"] == 1600


def test_a_running_agent_has_no_end_on_the_time_axis(client, store, runs):
    run_id = runs["running"]
    store.agent_started(run_id, "load_conversations", "t9")
    (row,) = client.get(f"/api/runs/{run_id}").json()["breakdown"]
    assert row["status"] == "running" and row["started_at"] and row["ended_at"] is None


@pytest.mark.parametrize(
    "path",
    [
        "/api/runs/no-such-run",
        "/api/runs/no-such-run/events",
        "/api/runs/no-such-run/files/report.md",
        "/api/export?run=no-such-run",
    ],
)
def test_an_unknown_run_is_404_json(client, path):
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {"detail": "no run with id 'no-such-run'"}


def test_a_file_downloads_as_an_attachment_that_is_never_a_page(client, runs, store):
    answer = client.get(f"/api/runs/{runs['second']}/files/report.md")
    assert answer.status_code == 200
    assert answer.text == "# Voice of Customer\n\nAll good.\n"
    assert answer.headers["content-type"] == "text/markdown; charset=utf-8"
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert answer.headers["content-security-policy"].startswith("sandbox")
    assert answer.headers["x-content-type-options"] == "nosniff"


def raw_get(server: LiveServer, path: str) -> tuple[int, bytes]:
    """GET exactly this path, with no client normalising dots or escapes."""
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


ESCAPES = [
    "../voc.db",
    "../../secret.txt",
    "..%2F..%2Fsecret.txt",
    "%2e%2e/%2e%2e/secret.txt",
    "%2E%2E%2F%2E%2E%2Fsecret.txt",
    "..%5C..%5Csecret.txt",
    "%2Fetc%2Fpasswd",
    "/etc/passwd",
    "./report.md",
    "sub/../report.md",
    "report.md%00.csv",
    "link-out.md",
    "link-to-dir/secret.txt",
    "unrecorded.md",
    "",
]


@pytest.fixture(scope="module")
def trap(store: ResultsStore, runs: dict[str, str], output_dir: Path) -> str:
    """A run whose directory holds symlinks out and an unrecorded file, next to a secret."""
    run_id = runs["running"]
    directory = output_dir / "trap"
    directory.mkdir()
    store.update_run(run_id, output_dir=str(directory))
    record_file(store, run_id, directory, "report.md", "# fine\n")
    secret = output_dir.parent / "secret.txt"
    secret.write_text("TOP SECRET")
    (directory / "link-out.md").symlink_to(secret)
    (directory / "link-to-dir").symlink_to(output_dir.parent, target_is_directory=True)
    (directory / "unrecorded.md").write_text("not recorded")
    for name in ("link-out.md", "link-to-dir/secret.txt"):
        store.record_file(run_id, name, 10, "0" * 64)  # recorded, yet outside
    return run_id


@pytest.mark.parametrize("path", ESCAPES)
def test_downloads_never_leave_the_run_directory(server, trap, path):
    status, body = raw_get(server, f"/api/runs/{trap}/files/{path}")
    assert status == 404, body
    assert b"TOP SECRET" not in body and b"not recorded" not in body
    assert json.loads(body) in (
        {"detail": "no such file in this run"},
        {"detail": "Not Found"},
    )
    assert raw_get(server, f"/api/runs/{trap}/files/report.md") == (200, b"# fine\n")


def test_a_file_in_a_subdirectory_downloads(server, trap, store):
    directory = Path(store.run(trap)["output_dir"])
    record_file(store, trap, directory, "charts/mix.csv", "a,b\n")
    status, body = raw_get(server, f"/api/runs/{trap}/files/charts/mix.csv")
    assert (status, body) == (200, b"a,b\n")


def test_stats_and_week_over_week(client, runs):
    stats = client.get("/api/stats").json()
    assert (stats["runs"], stats["completed"], stats["success_rate"]) == (3, 2, 66.7)
    assert stats["average_cost"] == "0.017"

    weeks = client.get("/api/compare", params={"weeks": 2}).json()["weeks"]
    assert [w["window_start"] for w in weeks] == ["2026-11-02", "2026-11-16"]
    assert [w["cost"] for w in weeks] == ["0.012", "0.022"]
    assert weeks[0]["topic_mix"] == {"Billing": 100.0}
    assert weeks[1]["conversations"] == 120 and weeks[1]["duration_s"] >= 0
    newest = client.get("/api/compare", params={"weeks": 1}).json()["weeks"]
    assert [w["run_id"] for w in newest] == [runs["second"]]
    assert client.get("/api/compare", params={"weeks": 0}).status_code == 422


def test_export_has_every_call_as_csv_or_json(client, runs):
    answer = client.get("/api/export", params={"format": "csv"})
    assert answer.headers["content-disposition"] == 'attachment; filename="voc-llm-calls.csv"'
    assert answer.text.split("\n", 1)[0] == EXPORT_HEADER  # the columns of `voc export`
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == 9 and rows[0]["model"] == "gpt-4o-mini"
    assert sum(Decimal(r["cost"]) for r in rows) == Decimal("0.0485")
    one = client.get("/api/export", params={"format": "json", "run": runs["second"]}).json()
    assert {r["run_id"] for r in one} == {runs["second"]} and len(one) == 3
    assert client.get("/api/export", params={"format": "xml"}).status_code == 422


def test_metrics_are_prometheus_text(client, runs):
    answer = client.get("/metrics")
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(answer.text)}
    by_status = {s.labels["status"]: s.value for s in families["voc_runs"].samples}
    assert by_status == {"completed": 2, "failed": 1, "running": 1}
    cost = families["voc_llm_cost_usd"].samples
    assert sum(s.value for s in cost) == pytest.approx(0.0485)
    assert {s.labels["agent"] for s in cost} == {"topic_detection", "example_quotes"}
    durations = {
        (s.name, s.labels["agent"]): s.value for s in families["voc_agent_duration_seconds"].samples
    }
    assert durations[("voc_agent_duration_seconds_count", "example_quotes")] == 3
    tokens = families["voc_llm_input_tokens"].samples
    assert sum(s.value for s in tokens) == 1000 * 3 + 300 * 6


class ScriptFinder(html.parser.HTMLParser):
    """Every <script> and every inline event-handler attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


def test_the_page_has_no_inline_script_and_a_csp_forbidding_it(client):
    page = client.get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy and "frame-ancestors 'none'" in policy
    finder = ScriptFinder()
    finder.feed(page.text)
    assert finder.scripts and all(s.get("src", "").startswith("static/") for s in finder.scripts)
    assert finder.handlers == []
    for script in finder.scripts:
        answer = client.get("/" + script["src"])
        assert answer.status_code == 200 and "javascript" in answer.headers["content-type"]
        assert "content-security-policy" in answer.headers


def test_no_script_turns_data_into_markup():
    # The page's second wall is CSP; the first is that no code path parses strings as HTML.
    sinks = re.compile(
        r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|Function\("
    )
    for script in STATIC.glob("*.js"):
        assert not sinks.search(script.read_text()), script.name


def test_a_token_guards_every_request_beyond_loopback(store, runs):
    app = voc_dashboard(store, token="s3cret-token", loopback_only=False)
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=10) as http:
        refused = http.get("/api/runs")
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert "content-security-policy" in refused.headers
        assert http.get("/", headers={"authorization": "Bearer wrong"}).status_code == 401
        bearer = {"authorization": "Bearer s3cret-token"}
        assert http.get("/api/runs", headers=bearer).status_code == 200
        assert http.get("/login", params={"token": "wrong"}).status_code == 401
        login = http.get("/login", params={"token": "s3cret-token"})
        assert login.status_code == 303 and login.headers["location"] == "/"
        cookie = login.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert "s3cret-token" not in cookie  # the cookie holds a value derived from it
        assert http.get("/api/runs").status_code == 200  # the client kept the cookie
        assert http.get("/").status_code == 200


def test_on_loopback_foreign_host_names_are_refused(server):
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.get("/api/runs", headers={"host": "evil.example"}).status_code == 400
        port = server.url.rsplit(":", 1)[1]
        assert http.get("/api/runs", headers={"host": f"localhost:{port}"}).status_code == 200
