"""The results store on a real SQLite file and a real PostgreSQL server."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from genai_prices import Usage as PriceUsage
from genai_prices import calc_price

from monitor.pricing import UnknownModelError, price
from monitor.store import ResultsStore
from tasks.llm.types import LLMCall, Usage


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, store_url) -> ResultsStore:
    if request.param == "sqlite":
        return ResultsStore(store_url)
    return ResultsStore(request.getfixturevalue("postgres_url"))


def call(model: str, usage: Usage, provider: str = "openai") -> LLMCall:
    return LLMCall(provider, model, "test", usage, latency_ms=12.5)


def start(store: ResultsStore) -> str:
    run_id = str(uuid.uuid4())
    store.start_run(
        {
            "id": run_id,
            "command": "voice-of-customer",
            "window_start": date(2026, 11, 16),
            "window_end": date(2026, 11, 22),
            "agents_total": 16,
        }
    )
    return run_id


def test_costs_are_genai_prices_own_and_totals_add_up_to_the_cent(store):
    run_id = start(store)
    usages = [
        ("gpt-4o-mini", Usage(1234, 567, cached_tokens=1000)),
        ("gpt-4o", Usage(98765, 4321)),
        ("gpt-4o-mini", Usage(7, 3)),
    ]
    store.agent_started(run_id, "topic_detection", "t1")
    for model, usage in usages:
        cost = price("openai", model, usage)
        store.record_llm_call(run_id, "topic_detection", None, call(model, usage), cost)
    store.agent_finished(run_id, "topic_detection", "completed")
    expected = [
        calc_price(
            PriceUsage(
                input_tokens=u.input_tokens,
                output_tokens=u.output_tokens,
                cache_read_tokens=u.cached_tokens or None,
            ),
            model_ref=m,
            provider_id="openai",
        ).total_price
        for m, u in usages
    ]
    rows = store.llm_calls(run_id)
    assert [r["cost"] for r in rows] == expected
    detail = store.run(run_id)
    assert detail["cost"] == sum(expected, Decimal(0))
    assert detail["agents"][0]["cost"] == sum(expected, Decimal(0))
    assert (detail["calls"], detail["input_tokens"]) == (3, 1234 + 98765 + 7)
    # Cached tokens are cheaper than fresh ones.
    assert price("openai", "gpt-4o-mini", Usage(1234, 567, 1000)) < price(
        "openai", "gpt-4o-mini", Usage(1234, 567)
    )


def test_one_row_per_agent_however_often_its_state_changes(store):
    run_id = start(store)
    store.agent_started(run_id, "trend", "t1")
    store.agent_started(run_id, "trend", "t2")  # a retry of the same agent
    store.agent_finished(run_id, "trend", "completed")
    store.agent_started(run_id, "sub_topic_detection[Billing]", "t3")
    store.agent_finished(run_id, "sub_topic_detection[Billing]", "completed")
    agents = store.run(run_id)["agents"]
    assert [(a["key"], a["agent"], a["status"], a["attempts"]) for a in agents] == [
        ("trend", "trend", "completed", 2),
        ("sub_topic_detection[Billing]", "sub_topic_detection", "completed", 1),
    ]
    assert store.agents_done(run_id) == 1


def test_finishing_a_run_ends_the_agents_still_running(store):
    run_id = start(store)
    store.agent_started(run_id, "churn_risk", "t1")
    store.finish_run(run_id, "crashed", error="process died")
    detail = store.run(run_id)
    assert detail["status"] == "crashed" and detail["ended_at"] is not None
    assert [(a["status"], a["error"]) for a in detail["agents"]] == [
        ("crashed", "the run ended crashed while it ran")
    ]


def test_history_is_newest_first_and_ids_resolve_by_prefix(store):
    first, second = start(store), start(store)
    newest = [r["id"] for r in store.runs(limit=500)]
    assert newest.index(second) < newest.index(first)
    assert store.resolve_run_id(second[:12]) == second


def test_a_model_without_a_price_is_refused():
    with pytest.raises(UnknownModelError, match="no price known for model 'gpt-9-imaginary'"):
        price("openai", "gpt-9-imaginary", Usage(1, 1))


def test_money_survives_the_round_trip_exactly(store):
    run_id = start(store)
    tiny = Decimal("0.000000000037")  # 37 pico-dollars
    store.record_llm_call(run_id, "trend", None, call("gpt-4o-mini", Usage(1, 1)), tiny)
    assert store.llm_calls(run_id)[0]["cost"] == tiny


def test_processes_opening_a_new_store_at_once_all_succeed(tmp_path):
    """Four processes create the schema of one new SQLite file at the same moment."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'race.db'}"
    code = f"from monitor.store import ResultsStore; ResultsStore({url!r})"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE) for _ in range(4)
    ]
    errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    assert ResultsStore(url).runs() == []


def test_stats_average_over_completed_runs(store):
    before = store.stats()
    costs = [Decimal("0.004"), Decimal("0.002")]
    for cost in costs:
        run_id = start(store)
        store.agent_started(run_id, "trend", "t")
        store.record_llm_call(run_id, "trend", None, call("gpt-4o-mini", Usage(1, 1)), cost)
        store.agent_finished(run_id, "trend", "completed")
        store.finish_run(run_id, "completed")
    store.finish_run(start(store), "failed", error="boom")
    stats = store.stats()
    assert stats["runs"] - before["runs"] == 3
    assert stats["completed"] - before["completed"] == 2
    if before["runs"] == 0:  # a fresh SQLite file: the figures are this test's alone
        assert stats["success_rate"] == 66.7
        assert stats["average_cost"] == Decimal("0.003")
        (trend,) = stats["agents"]
        assert (trend["agent"], trend["runs"], trend["calls"]) == ("trend", 2, 2)
        assert trend["average_cost"] == Decimal("0.003")
        assert trend["average_duration_s"] >= 0
