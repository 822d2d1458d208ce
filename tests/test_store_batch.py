"""Writes batched into one transaction, and the totals the store keeps as it writes."""

import threading
import uuid
from contextlib import nullcontext
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import case, create_engine, event, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from monitor.store import DONE, ResultsStore
from monitor.store.schema import (
    SCHEMA_VERSION,
    agent_durations,
    agent_runs,
    events,
    llm_calls,
    schema_version,
)
from monitor.writer import StoreWriter
from tasks.llm.types import LLMCall, Usage


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, store_url) -> ResultsStore:
    if request.param == "sqlite":
        return ResultsStore(store_url)
    return ResultsStore(request.getfixturevalue("postgres_url"))


def llm_call(tokens: int, cost: str, **fields) -> tuple[LLMCall, Decimal]:
    """A call using `tokens` and what it cost; `fields` replace the call's own."""
    usage = Usage(tokens, tokens // 10, tokens // 2, estimated=tokens % 2 == 1)
    call = LLMCall("openai", "gpt-4o-mini", "test", usage, latency_ms=3.0, attempt=1)
    return replace(call, **fields), Decimal(cost)


def start(store: ResultsStore, resume_key: str | None = None) -> str:
    run_id = str(uuid.uuid4())
    store.start_run(
        {
            "id": run_id,
            "command": "voice-of-customer",
            "window_start": date(2026, 11, 16),
            "agents_total": 16,
            "resume_key": resume_key,
        }
    )
    return run_id


def commits(store: ResultsStore) -> list[int]:
    """A list that grows by one at each commit on the store's engine."""
    seen: list[int] = []
    event.listen(store.engine, "commit", lambda conn: seen.append(1))
    return seen


def held_writer(name: str) -> tuple[StoreWriter, threading.Event]:
    """A writer busy until the event is set: what is submitted meanwhile queues up."""
    writer, release = StoreWriter(name), threading.Event()
    writer.submit(release.wait)
    return writer, release


def run_events(store: ResultsStore, run_id: str) -> list[dict]:
    return store.events_after(run_id, 0, limit=10_000)


def test_a_batch_is_one_transaction_and_keeps_the_order_of_its_events(store):
    run_id = start(store)
    committed = commits(store)
    with store.batch():
        for n in range(5):
            key = f"agent{n}"
            store.agent_started(run_id, key, f"t{n}")
            store.record_llm_call(run_id, key, None, *llm_call(100 * (n + 1), "0.001"))
            store.agent_finished(run_id, key, "completed")
    assert len(committed) == 1
    logged = run_events(store, run_id)[1:]  # after the run's start
    ids = [e["id"] for e in logged]
    assert ids == sorted(ids) and len(ids) == 15
    expected = [
        (kind, f"agent{n}")
        for n in range(5)
        for kind in ("agent", "log", "agent")  # started, its call, finished
    ]
    assert [(e["kind"], e["payload"]["key"]) for e in logged] == expected
    assert store.run(run_id)["calls"] == 5


def test_a_batch_that_fails_keeps_nothing(store):
    run_id = start(store)
    with pytest.raises(IntegrityError), store.batch():
        store.agent_started(run_id, "trend", "t")
        store.record_llm_call(run_id, "trend", None, *llm_call(100, "0.001"))
        store.record_llm_call(run_id, "trend", None, *llm_call(100, "0.001", provider=None))
    run = store.run(run_id)
    assert (run["agents"], run["calls"], len(run_events(store, run_id))) == ([], 0, 1)


def test_the_writer_writes_what_queued_in_one_transaction(store):
    run_id = start(store)
    writer, release = held_writer("test-writer")
    for n in range(20):
        writer.submit(store.record_llm_call, run_id, "trend", None, *llm_call(n, "0.001"))
    committed = commits(store)
    release.set()
    writer.close()
    assert len(committed) == 1
    rows = store.llm_calls(run_id)
    assert [row["input_tokens"] for row in rows] == list(range(20))


def test_one_bad_write_in_a_batch_loses_only_itself(store, caplog):
    run_id = start(store)
    writer, release = held_writer("test-writer")
    writer.submit(store.agent_started, run_id, "trend", "t")
    for n in range(6):
        bad = {"provider": None} if n == 3 else {}  # NOT NULL: the database refuses it
        writer.submit(store.record_llm_call, run_id, "trend", None, *llm_call(n, "0.001", **bad))
    writer.submit(store.agent_finished, run_id, "trend", "completed")
    release.set()
    writer.close()
    assert [row["input_tokens"] for row in store.llm_calls(run_id)] == [0, 1, 2, 4, 5]
    run = store.run(run_id)
    assert (run["calls"], run["agents"][0]["status"]) == (5, "completed")
    logged = run_events(store, run_id)
    assert [e["id"] for e in logged] == sorted(e["id"] for e in logged)
    assert [e["kind"] for e in logged] == ["run", "agent"] + ["log"] * 5 + ["agent"]
    assert "results store write failed: record_llm_call" in caplog.text


def recomputed(store: ResultsStore, run_ids: list[str]) -> dict:
    """What the kept totals must equal: the same figures added up from the rows."""
    with store.engine.connect() as conn:
        per_run = conn.execute(
            select(
                llm_calls.c.run_id,
                func.count(),
                func.sum(llm_calls.c.input_tokens),
                func.sum(llm_calls.c.output_tokens),
                func.sum(llm_calls.c.cached_tokens),
                func.sum(llm_calls.c.cost),
                func.sum(case((llm_calls.c.estimated, 1), else_=0)),
            )
            .where(llm_calls.c.run_id.in_(run_ids))
            .group_by(llm_calls.c.run_id)
        ).all()
        done = conn.execute(
            select(agent_runs.c.agent, func.count())
            .where(
                agent_runs.c.run_id.in_(run_ids),
                agent_runs.c.status.in_(DONE),
                agent_runs.c.key == agent_runs.c.agent,
            )
            .group_by(agent_runs.c.agent)
        ).all()
    return {
        "runs": {
            row[0]: tuple(int(v) for v in row[1:5]) + (row[5], int(row[6])) for row in per_run
        },
        "agents": {agent: count for agent, count in done},
    }


def kept(store: ResultsStore, run_ids: list[str]) -> dict:
    names = ("calls", "input_tokens", "output_tokens", "cached_tokens", "cost", "estimated_calls")
    runs = {run["id"]: run for run in store.runs(1000) if run["id"] in run_ids}
    return {
        "runs": {
            run_id: tuple(run[n] for n in names) for run_id, run in runs.items() if run["calls"]
        },
        "agents": {a["agent"]: a["runs"] for a in store.stats()["agents"]},
    }


def grown(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    """What each count gained (a PostgreSQL store is shared with other tests)."""
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}


def calls_by_agent(store: ResultsStore) -> dict[str, int]:
    by_agent: dict[str, int] = {}
    for used in store.metrics()["usage"]:
        by_agent[used["agent"]] = by_agent.get(used["agent"], 0) + used["calls"]
    return by_agent


def write_history(store: ResultsStore) -> list[str]:
    """Runs with retries, per-topic agents, a cached agent, a failed one, a crash."""
    resume = str(uuid.uuid4())
    first, second, third = start(store, resume), start(store, resume), start(store)
    for key in ("trend", "topic_sentiment", "topic_sentiment[Billing]", "churn_risk"):
        store.agent_started(first, key, "t")
        store.record_llm_calls(first, key, None, [llm_call(101, "0.0015"), llm_call(40, "0.0002")])
        store.agent_finished(first, key, "completed")
    store.agent_started(first, "trend", "t2")  # the flow run retried: trend runs again
    store.agent_finished(first, "trend", "completed")
    store.finish_run(first, "completed")
    store.agent_finished(second, "trend", "cached")
    store.agent_finished(second, "trend", "cached")  # told twice: counted once
    with store.batch():
        store.agent_started(second, "churn_risk", "t3")
        store.record_llm_call(second, "churn_risk", None, *llm_call(7, "0.0001"))
        store.agent_finished(second, "churn_risk", "failed", "boom")
    store.finish_run(second, "failed", error="boom")
    store.agent_started(third, "validation", "t4")
    store.record_llm_call(third, "validation", None, *llm_call(3, "0.00003"))
    store.finish_run(third, "crashed", error="gone")
    return [first, second, third]


def test_kept_totals_equal_the_rows_added_up(store):
    agents_before, calls_before = kept(store, [])["agents"], calls_by_agent(store)
    run_ids = write_history(store)
    expected = recomputed(store, run_ids)
    actual = kept(store, run_ids)
    assert actual["runs"] == expected["runs"]
    assert len(actual["runs"]) == 3
    assert grown(actual["agents"], agents_before) == expected["agents"]
    assert expected["agents"] == {"trend": 2, "topic_sentiment": 1, "churn_risk": 1}
    assert grown(calls_by_agent(store), calls_before) == {
        "trend": 2,
        "topic_sentiment": 4,
        "churn_risk": 3,
        "validation": 1,
    }


def make_v1(url: str) -> None:
    """Make the store look as a v1 voc left it: no totals, no new indexes, no scores, no
    columns added since, version 1, and no Alembic revision (v1 had none)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        for name in ("voc_usage", "voc_agent_durations", "voc_scores"):
            conn.execute(text(f"DROP TABLE {name}"))
        for name in ("ix_voc_runs_status_window", "ix_voc_runs_command_status_started"):
            conn.execute(text(f"DROP INDEX {name}"))
        for name in ("calls", "input_tokens", "output_tokens", "cached_tokens", "cost"):
            conn.execute(text(f"ALTER TABLE voc_runs DROP COLUMN {name}"))
        conn.execute(text("ALTER TABLE voc_runs DROP COLUMN estimated_calls"))
        conn.execute(text("ALTER TABLE voc_llm_calls DROP COLUMN cache_write_1h_tokens"))
        conn.execute(schema_version.update().values(version=1))
    engine.dispose()


def test_a_v1_store_gains_its_totals_and_indexes_when_opened(store_url):
    old = ResultsStore(store_url)
    run_ids = write_history(old)
    expected = kept(old, run_ids)
    old.engine.dispose()
    make_v1(store_url)
    upgraded = ResultsStore(store_url)
    assert kept(upgraded, run_ids) == expected
    indexes = {index["name"] for index in inspect(upgraded.engine).get_indexes("voc_runs")}
    assert {"ix_voc_runs_status_window", "ix_voc_runs_command_status_started"} <= indexes
    with upgraded.engine.connect() as conn:
        assert conn.scalar(select(func.max(schema_version.c.version))) == SCHEMA_VERSION
        assert conn.scalar(select(func.count()).select_from(events)) > 0


def write_agent_changes(store: ResultsStore, run_id: str) -> None:
    """An agent's row changing several times, the way retries and caching change it."""
    store.agent_started(run_id, "trend", "t1")
    store.agent_started(run_id, "trend", "t1")  # a retry within the task run: keeps its start
    store.agent_finished(run_id, "trend", "completed")
    store.agent_started(run_id, "trend", "t2")  # the flow run retried: it runs again
    store.agent_finished(run_id, "trend", "completed")
    store.agent_finished(run_id, "churn_risk", "cached")
    store.agent_finished(run_id, "churn_risk", "cached")  # told twice: counted once
    store.agent_started(run_id, "topic_sentiment[Billing]", "t3")
    store.agent_finished(run_id, "topic_sentiment[Billing]", "completed")


def kept_durations(store: ResultsStore) -> dict[str, tuple[int, float]]:
    with store.engine.connect() as conn:
        return {row.agent: (row.runs, row.seconds) for row in conn.execute(select(agent_durations))}


@pytest.mark.parametrize("batched", [False, True], ids=["one by one", "one batch"])
def test_agent_rows_and_their_kept_seconds_agree_batched_or_not(store, batched):
    run_id = start(store)
    before = kept_durations(store)
    with store.batch() if batched else nullcontext():
        write_agent_changes(store, run_id)
    agents = {a["key"]: a for a in store.run(run_id)["agents"]}
    assert [(k, a["status"], a["attempts"], a["task_run_id"]) for k, a in agents.items()] == [
        ("trend", "completed", 3, "t2"),
        ("churn_risk", "cached", 1, None),
        ("topic_sentiment[Billing]", "completed", 1, "t3"),
    ]
    after = kept_durations(store)
    gained = {
        agent: (runs - before.get(agent, (0, 0.0))[0], seconds - before.get(agent, (0, 0.0))[1])
        for agent, (runs, seconds) in after.items()
        if (runs, seconds) != before.get(agent)
    }
    # Top-level agents only, each once, with its row's seconds: trend's first completion
    # was taken back when it ran again, churn_risk's first cached row when told again.
    assert gained == {
        key: (1, pytest.approx(agents[key]["duration_s"], abs=1e-3))
        for key in ("trend", "churn_risk")
    }


def test_a_run_writer_writes_its_store_callers_in_its_transaction_and_calls_back_after(store):
    run_id = start(store)
    writer, release = StoreWriter("test-writer", store), threading.Event()
    writer.after_commit(release.wait)  # holds the writer: what follows queues up
    seen: list[dict] = []

    def record_outputs() -> None:  # not a store method, but it writes through the store
        store.update_run(run_id, output_dir="/out")
        store.record_file(run_id, "report.md", 10, "0" * 64)

    writer.submit(store.agent_started, run_id, "report", "t")
    writer.submit(record_outputs)
    writer.after_commit(lambda: seen.append(ResultsStore(store.url).run(run_id)))
    writer.submit(store.agent_finished, run_id, "report", "completed")
    committed = commits(store)
    release.set()
    writer.close()
    assert len(committed) == 1
    # Called once everything queued with it was committed, seen from another engine.
    [run] = seen
    assert run["output_dir"] == "/out" and [f["path"] for f in run["files"]] == ["report.md"]
    assert run["agents"][0]["status"] == "completed"
    kinds = [e["kind"] for e in run_events(store, run_id)]
    assert kinds == ["run", "agent", "file", "agent"]
