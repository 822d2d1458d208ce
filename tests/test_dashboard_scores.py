"""Evaluated runs on the dashboard: their scores in the API, the run page and the compare
view's cost-against-accuracy chart, in a real uvicorn and a real headless Chromium."""

from datetime import date
from pathlib import Path

import httpx
import pytest

from monitor.store import ResultsStore
from tests.dashboard_helpers import LiveServer, llm_call, start_run, voc_dashboard

WEEK = date(2026, 11, 16)
SCRIPT = "<script>window.__xss = 1</script>"
IMG = '<img src=x onerror="window.__xss = 2">'
CONFUSION = {
    "negative": {"negative": 40, "neutral": 5, "positive": 1},
    "neutral": {"negative": 3, "neutral": 50, "positive": 2},
    "positive": {"negative": 0, "neutral": 4, "positive": 30},
}


def evaluated_run(
    store: ResultsStore, source: str, model: str, cost: str, topic: float, labels: str
) -> str:
    """A completed run that cost `cost`, scored as `voc eval` scores one."""
    run_id = start_run(store, WEEK, source=source, model=model)
    store.agent_started(run_id, "topic_detection", "t1")
    store.record_llm_call(run_id, "topic_detection", None, *llm_call(cost))
    store.agent_finished(run_id, "topic_detection", "completed")
    store.finish_run(run_id, "completed", summary={"conversations": 176, "topic_mix": {}})
    scores = [
        {"metric": "topic_accuracy", "value": topic, "detail": {"conversations": 176}},
        {"metric": "topic_macro_f1", "value": topic - 0.05, "detail": {}},
        {"metric": "sub_topic_accuracy", "value": 0.8, "detail": {}},
        {"metric": "sentiment_accuracy", "value": 0.77, "detail": {"confusion": CONFUSION}},
        {"metric": "quote_relevance", "value": None, "detail": {"quotes": 0}},
        {"metric": "topic_mix_max_error", "value": 1.7, "detail": {"points": {}}},
    ]
    store.record_scores(run_id, scores, labels, "evaluation-1")
    return run_id


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> ResultsStore:
    return ResultsStore(f"sqlite:///{tmp_path_factory.mktemp('scores') / 'voc.db'}")


@pytest.fixture(scope="module")
def runs(store: ResultsStore) -> dict[str, str]:
    """Three models on the sample; one hostile set and model; one run never evaluated."""
    labels = "tasks/data/sample_conversations.labels.json"
    return {
        "local": evaluated_run(store, "sample", "voc-local-1", "0", 1.0, labels),
        "mini": evaluated_run(store, "sample", "gpt-4o-mini", "0.0199", 0.97, labels),
        "haiku": evaluated_run(store, "sample", "claude-haiku-4-5", "0.0625", 0.95, labels),
        "hostile": evaluated_run(store, f"/data/{IMG}.json", SCRIPT, "0.01", 0.5, f"{SCRIPT}.json"),
        "plain": start_run(store, WEEK, source="sample"),
    }


@pytest.fixture(scope="module")
def server(store: ResultsStore, runs: dict[str, str]):
    with LiveServer(voc_dashboard(store)) as live:
        yield live


def test_the_api_reads_scores_with_each_run(server, runs):
    one = httpx.get(f"{server.url}/api/runs/{runs['mini']}").json()
    assert [(s["metric"], s["value"]) for s in one["scores"]][:2] == [
        ("topic_accuracy", 0.97),
        ("topic_macro_f1", pytest.approx(0.92)),
    ]
    assert one["scores"][3]["detail"] == {"confusion": CONFUSION}
    assert one["scores"][4]["value"] is None
    listed = {r["id"]: r["scores"] for r in httpx.get(f"{server.url}/api/runs").json()}
    assert listed[runs["haiku"]]["topic_accuracy"] == 0.95
    assert listed[runs["plain"]] == {}
    (week,) = httpx.get(f"{server.url}/api/compare").json()["weeks"]
    assert week["scores"]["topic_accuracy"] == 0.5  # the newest completed run of the week


def dots(page) -> list[tuple[str, str]]:
    """Each dot's model and tooltip."""
    found = page.evaluate(
        """() => [...document.querySelectorAll('#accuracy svg circle.dot')]
            .map((c) => [c.dataset.group, c.querySelector('title').textContent])"""
    )
    return [tuple(dot) for dot in found]


def test_the_compare_view_draws_cost_against_accuracy_per_labelled_set(page, server, runs):
    page.goto(f"{server.url}/#/compare")
    page.wait_for_selector("#accuracy svg circle.dot")
    assert page.evaluate("[...document.querySelectorAll('#accuracy-set option')].length") == 2
    page.select_option("#accuracy-set", "sample")
    page.wait_for_function("document.querySelectorAll('#accuracy svg circle.dot').length === 3")
    assert sorted(dots(page)) == [
        ("claude-haiku-4-5", f"claude-haiku-4-5 · run {runs['haiku'][:8]}: $0.0625, 0.950"),
        ("gpt-4o-mini", f"gpt-4o-mini · run {runs['mini'][:8]}: $0.0199, 0.970"),
        ("voc-local-1", f"voc-local-1 · run {runs['local'][:8]}: $0.0000, 1.000"),
    ]
    # A score no run has (no quote was chosen) draws no dot; the mix error is in points.
    page.select_option("#accuracy-metric", "quote_relevance")
    page.wait_for_function("document.querySelectorAll('#accuracy svg circle.dot').length === 0")
    page.select_option("#accuracy-metric", "topic_mix_max_error")
    page.wait_for_function("document.querySelectorAll('#accuracy svg circle.dot').length === 3")
    assert all(title.endswith("1.70 pts") for _, title in dots(page))
    # The hostile set and model are text.
    page.select_option("#accuracy-set", f"/data/{IMG}.json")
    page.wait_for_function("document.querySelectorAll('#accuracy svg circle.dot').length === 1")
    assert dots(page)[0][0] == SCRIPT
    assert page.text_content("#weekly-accuracy h3").startswith("Topic accuracy per week")
    assert_nothing_ran(page)


def test_the_run_page_shows_a_runs_scores_and_its_confusion_matrix(page, server, runs):
    page.goto(f"{server.url}/#/runs/{runs['hostile']}")
    page.wait_for_selector("#scores tr[data-metric]")
    rows = page.evaluate(
        """() => [...document.querySelectorAll('#scores tr[data-metric]')]
            .map((tr) => [tr.dataset.metric, tr.querySelector('td.num').textContent])"""
    )
    assert [tuple(row) for row in rows] == [
        ("topic_accuracy", "0.500"),
        ("topic_macro_f1", "0.450"),
        ("sub_topic_accuracy", "0.800"),
        ("sentiment_accuracy", "0.770"),
        ("quote_relevance", "n/a"),
        ("topic_mix_max_error", "1.70 pts"),
    ]
    assert page.text_content("#scores h3 small") == f" against {SCRIPT}.json"
    cells = page.evaluate(
        "[...document.querySelectorAll('#confusion tbody tr')].map((tr) => tr.textContent)"
    )
    assert cells == ["negative4051", "neutral3502", "positive0430"]
    assert_nothing_ran(page)


def assert_nothing_ran(page) -> None:
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert page.evaluate("document.scripts.length") == 1  # app.js itself
    assert page.problems == []


def test_an_unscored_store_says_so(page, tmp_path: Path):
    empty = ResultsStore(f"sqlite:///{tmp_path / 'voc.db'}")
    with LiveServer(voc_dashboard(empty)) as live:
        page.goto(f"{live.url}/#/compare")
        assert page.text_content("#no-scores", timeout=15_000).startswith("No evaluated runs yet")
    assert page.problems == []
