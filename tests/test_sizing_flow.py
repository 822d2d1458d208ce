"""A whole run against a provider whose context is smaller than the model's table says.

Its first requests are refused for context; each refused batch is split and sent
again; the run completes, every attempt is a call row in the store, and every
conversation still gets its sub-topic and sentiment.
"""

import json
from pathlib import Path

import pytest

from monitor.store import ResultsStore
from tests.sample_week import run_sample_week
from tests.servers.openai import FakeOpenAI

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_refused_batches_are_split_recorded_and_the_run_completes(
    output_dir, store_url, monkeypatch
):
    with FakeOpenAI(context=3_000) as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.api_key)
        state = run_sample_week(server.base_url, output_dir, store_url)
    assert state.is_completed(), state.message
    store = ResultsStore(store_url)
    run_id = str(state.state_details.flow_run_id)
    rows = store.llm_calls(run_id)
    assert len(rows) == len(server.requests)  # every attempt, refused ones too, is a row
    refused = [r for r in rows if r["error"]]
    assert len(refused) == server.refused_for_context > 0
    assert all("This model's maximum context length is 3000 tokens" in r["error"] for r in refused)
    assert {r["agent"] for r in refused} >= {"sub_topic_detection", "topic_sentiment"}
    assert all(r["attempt"] == 1 for r in rows)  # halves are new calls, not retries

    results = json.loads(Path(store.run(run_id)["output_dir"], "results.json").read_text())
    week = results["summary"]["conversations"]
    for agent in ("sub_topic_detection", "topic_sentiment"):
        topics = results[agent]["topics"]
        assert sum(len(t["labels"]) for t in topics) == week
        assert sum(s["count"] for t in topics for s in t["mix"]) == week
