"""The store's schema migrations: a v1 or v2 store from before Alembic opens at head with
its data intact, a fresh one matches schema.py, and a newer one is refused; an evaluated
run's scores (revision 0004) are kept one row per metric."""

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, Boolean, Date, DateTime, column, create_engine, table, text

from monitor.store import ResultsStore, StoreError
from monitor.store.schema import metadata
from tests.conftest import POSTGRES_URL

HEAD = "0004"

# The v1 tables as voc created them (monitor/schema.py at 9163d60, with `voc_schema` 1).
V1_DDL = """
CREATE TABLE voc_schema (version INTEGER NOT NULL);
INSERT INTO voc_schema (version) VALUES (1);
CREATE TABLE voc_runs (
    id VARCHAR(64) NOT NULL PRIMARY KEY, command VARCHAR(64) NOT NULL,
    status VARCHAR(16) NOT NULL, error TEXT, window_start DATE, window_end DATE,
    source TEXT, provider VARCHAR(32), model VARCHAR(128), parameters JSON,
    flow_run_name VARCHAR(128), deployment_id VARCHAR(64), deployment_name VARCHAR(256),
    output_dir TEXT, gamma_url TEXT, summary JSON, agents_total INTEGER NOT NULL,
    resume_key VARCHAR(64), resumed_from VARCHAR(64), failure_reason VARCHAR(32),
    host VARCHAR(255), pid INTEGER, heartbeat_at {time},
    started_at {time} NOT NULL, ended_at {time});
CREATE INDEX ix_voc_runs_started_at ON voc_runs (started_at);
CREATE INDEX ix_voc_runs_command_status ON voc_runs (command, status, window_start);
CREATE INDEX ix_voc_runs_status ON voc_runs (status);
CREATE INDEX ix_voc_runs_resume_key ON voc_runs (resume_key);
CREATE TABLE voc_agent_runs (
    id {serial}, run_id VARCHAR(64) NOT NULL REFERENCES voc_runs (id),
    key VARCHAR(256) NOT NULL, agent VARCHAR(64) NOT NULL, task_run_id VARCHAR(64),
    status VARCHAR(16) NOT NULL, attempts INTEGER NOT NULL, error TEXT,
    cached_from VARCHAR(64), started_at {time}, ended_at {time},
    CONSTRAINT uq_voc_agent_runs_run_key UNIQUE (run_id, key));
CREATE TABLE voc_llm_calls (
    id {serial}, run_id VARCHAR(64) NOT NULL REFERENCES voc_runs (id),
    agent_key VARCHAR(256) NOT NULL, agent VARCHAR(64) NOT NULL, task_run_id VARCHAR(64),
    provider VARCHAR(32) NOT NULL, model VARCHAR(128) NOT NULL, purpose VARCHAR(64) NOT NULL,
    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
    cached_tokens INTEGER NOT NULL, cache_write_tokens INTEGER DEFAULT 0 NOT NULL,
    estimated BOOLEAN NOT NULL, latency_ms FLOAT NOT NULL, attempt INTEGER NOT NULL,
    cost BIGINT NOT NULL, error TEXT, created_at {time} NOT NULL);
CREATE INDEX ix_voc_llm_calls_run_agent ON voc_llm_calls (run_id, agent);
CREATE INDEX ix_voc_llm_calls_created_at ON voc_llm_calls (created_at);
CREATE TABLE voc_files (
    id {serial}, run_id VARCHAR(64) NOT NULL REFERENCES voc_runs (id), path TEXT NOT NULL,
    size BIGINT NOT NULL, sha256 VARCHAR(64) NOT NULL, created_at {time} NOT NULL,
    CONSTRAINT uq_voc_files_run_path UNIQUE (run_id, path));
CREATE TABLE voc_events (
    id {serial}, run_id VARCHAR(64) NOT NULL, kind VARCHAR(16) NOT NULL,
    payload JSON NOT NULL, created_at {time} NOT NULL);
CREATE INDEX ix_voc_events_run_id ON voc_events (run_id, id);
"""
DIALECT = {
    "sqlite": {"serial": "INTEGER NOT NULL PRIMARY KEY", "time": "DATETIME"},
    "postgresql": {"serial": "SERIAL NOT NULL PRIMARY KEY", "time": "TIMESTAMP WITH TIME ZONE"},
}
TIME = DateTime(timezone=True)
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# Rows as a v1 voc wrote them: only v1's columns, money in 10^-12 dollars.
V1_RUNS = table(
    "voc_runs",
    *map(column, ("id", "command", "status", "agents_total", "resume_key")),
    column("window_start", Date),
    column("summary", JSON),
    column("started_at", TIME),
    column("ended_at", TIME),
)
V1_AGENTS = table(
    "voc_agent_runs",
    *map(column, ("run_id", "key", "agent", "task_run_id", "status", "attempts")),
    column("started_at", TIME),
    column("ended_at", TIME),
)
V1_CALLS = table(
    "voc_llm_calls",
    *map(column, ("run_id", "agent_key", "agent", "provider", "model", "purpose")),
    *map(column, ("input_tokens", "output_tokens", "cached_tokens", "latency_ms", "attempt")),
    column("estimated", Boolean),
    column("cost"),
    column("created_at", TIME),
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path) -> Iterator[str]:
    """The URL of an empty database: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'voc.db'}"
        return
    request.getfixturevalue("postgres_url")  # skips when no PostgreSQL answers
    schema = f"voc_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def execute(url: str, *statements: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def make_v1_store(url: str) -> None:
    """A v1 store with one completed run: two agents, three LLM calls."""
    engine = create_engine(url)
    ddl = V1_DDL.format(**DIALECT[engine.dialect.name])
    with engine.begin() as conn:
        for statement in filter(str.strip, ddl.split(";")):
            conn.execute(text(statement))
        conn.execute(
            V1_RUNS.insert(),
            [
                {
                    "id": "r1",
                    "command": "voice-of-customer",
                    "status": "completed",
                    "agents_total": 16,
                    "resume_key": "k1",
                    "window_start": date(2026, 11, 16),
                    "summary": {"conversations": 120, "topic_mix": {"Billing": 100.0}},
                    "started_at": START,
                    "ended_at": START.replace(minute=5),
                }
            ],
        )
        conn.execute(
            V1_AGENTS.insert(),
            [
                {
                    "run_id": "r1",
                    "key": key,
                    "agent": key.split("[")[0],
                    "task_run_id": f"t-{key}",
                    "status": "completed",
                    "attempts": 1,
                    "started_at": START,
                    "ended_at": START.replace(second=seconds),
                }
                for key, seconds in (("topic_detection", 30), ("example_quotes[Billing]", 10))
            ],
        )
        conn.execute(
            V1_CALLS.insert(),
            [
                {
                    "run_id": "r1",
                    "agent_key": key,
                    "agent": key.split("[")[0],
                    "provider": "openai",
                    "model": "gpt-4o-mini",
                    "purpose": "test",
                    "input_tokens": tokens,
                    "output_tokens": tokens // 10,
                    "cached_tokens": 0,
                    "latency_ms": 12.5,
                    "attempt": 1,
                    "estimated": estimated,
                    "cost": pico,
                    "created_at": START,
                }
                for key, tokens, estimated, pico in (
                    ("topic_detection", 1000, False, 1_500_000_000),
                    ("topic_detection", 500, True, 250_000_000),
                    ("example_quotes[Billing]", 300, False, 37),
                )
            ],
        )
    engine.dispose()


def revision(store: ResultsStore) -> str | None:
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def legacy_version(store: ResultsStore) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(text("SELECT max(version) FROM voc_schema"))


def test_a_new_store_is_at_head_and_matches_the_tables_the_code_declares(empty_url):
    store = ResultsStore(empty_url)
    assert (revision(store), legacy_version(store)) == (HEAD, 2)
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_a_v1_store_is_migrated_to_head_with_its_data_intact(empty_url):
    make_v1_store(empty_url)
    store = ResultsStore(empty_url)
    assert (revision(store), legacy_version(store)) == (HEAD, 2)
    run = store.run("r1")
    assert (run["status"], run["resume_key"], run["summary"]["conversations"]) == (
        "completed",
        "k1",
        120,
    )
    assert [(a["key"], a["duration_s"]) for a in run["agents"]] == [
        ("topic_detection", 30.0),
        ("example_quotes[Billing]", 10.0),
    ]
    # The totals v2 keeps, added up from v1's rows.
    cost = Decimal("0.00175") + Decimal("0.000000000037")
    assert (run["calls"], run["input_tokens"], run["cost"], run["estimated_calls"]) == (
        3,
        1800,
        cost,
        1,
    )
    assert [(a["agent"], a["runs"], a["calls"]) for a in store.stats()["agents"]] == [
        ("topic_detection", 1, 2)
    ]
    assert store.stats()["agents"][0]["average_duration_s"] == 30.0
    # A new column of a row v1 wrote has its default; new rows are written as before.
    store.start_run({"id": "r2", "command": "voice-of-customer", "agents_total": 16})
    assert (store.run("r2")["calls"], store.run("r2")["cost"]) == (0, Decimal(0))
    assert [r["id"] for r in store.runs()] == ["r2", "r1"]


def test_a_v2_store_made_before_alembic_opens_without_loss(empty_url):
    store = ResultsStore(empty_url)
    store.start_run({"id": "r1", "command": "voice-of-customer", "agents_total": 16})
    store.agent_started("r1", "trend", "t1")
    store.agent_finished("r1", "trend", "completed")
    store.finish_run("r1", "completed")
    before = (store.runs(), store.run("r1"), store.stats(), store.last_event_id())
    store.engine.dispose()
    # As the code before Alembic left it: no revision, nor the tables and columns added since.
    execute(
        empty_url,
        "DROP TABLE alembic_version",
        "DROP TABLE voc_scores",
        "ALTER TABLE voc_llm_calls DROP COLUMN cache_write_1h_tokens",
    )
    reopened = ResultsStore(empty_url)
    assert (revision(reopened), legacy_version(reopened)) == (HEAD, 2)
    after = (reopened.runs(), reopened.run("r1"), reopened.stats(), reopened.last_event_id())
    assert after == before


@pytest.mark.parametrize(
    ("marking", "message"),
    [
        (
            "UPDATE alembic_version SET version_num = '0099'",
            "the results store has schema revision 0099; this voc knows up to 0004",
        ),
        (
            "DROP TABLE alembic_version; UPDATE voc_schema SET version = 3",
            "the results store has schema v3; this voc knows up to v2",
        ),
    ],
)
def test_a_store_newer_than_this_voc_is_refused_in_one_line(empty_url, marking, message):
    ResultsStore(empty_url).engine.dispose()
    execute(empty_url, *marking.split("; "))
    with pytest.raises(StoreError) as refused:
        ResultsStore(empty_url)
    assert str(refused.value) == message


def test_an_evaluated_runs_scores_are_kept_one_row_per_metric(empty_url):
    make_v1_store(empty_url)
    store = ResultsStore(empty_url)
    confusion = {"negative": {"negative": 3, "neutral": 1, "positive": 0}}
    first = [
        {"metric": "topic_accuracy", "value": 0.5, "detail": {"conversations": 4}},
        {"metric": "quote_relevance", "value": None, "detail": {"quotes": 0}},
    ]
    store.record_scores("r1", first, "sample.labels.json", "e1")
    again = [
        {"metric": "topic_accuracy", "value": 0.75, "detail": {"conversations": 4}},
        {"metric": "sentiment_accuracy", "value": 0.8, "detail": {"confusion": confusion}},
    ]
    store.record_scores("r1", again, "sample.labels.json", "e2")  # scored again: replaced
    assert store.run("r1")["scores"] == [
        {
            "metric": score["metric"],
            "value": score["value"],
            "detail": score["detail"],
            "labels": "sample.labels.json",
            "evaluation_id": "e2",
        }
        for score in again
    ]
    assert [r["scores"] for r in store.runs()] == [
        {"topic_accuracy": 0.75, "sentiment_accuracy": 0.8}
    ]
    assert store.compare()[0]["scores"] == {"topic_accuracy": 0.75, "sentiment_accuracy": 0.8}
    store.start_run({"id": "r2", "command": "voice-of-customer", "agents_total": 16})
    assert (store.run("r2")["scores"], store.runs()[0]["scores"]) == ([], {})
    (line,) = [e for e in store.events_after("r1", 0) if e["kind"] == "log"][-1:]
    assert line["payload"]["message"] == (
        "scored against sample.labels.json: topic_accuracy 0.750, sentiment_accuracy 0.800"
    )
