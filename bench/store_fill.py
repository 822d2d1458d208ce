"""Shared by the store benchmarks: a history filled in bulk, and scratch databases.

The history is shaped like real runs (16 agent rows each, LLM calls spread over the
LLM agents) and written with SQLAlchemy Core executemany into the real schema, so a
million calls load in a minute or two rather than the hours the write path would take.
"""

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import create_engine, insert, text

from monitor.store import ResultsStore, add_up_history
from monitor.store.schema import agent_runs, llm_calls, runs

AGENTS = [
    "load_conversations", "preprocess", "segmentation", "topic_detection",
    "sub_topic_detection", "topic_sentiment", "example_quotes", "fin_performance",
    "correlation", "quality_insights", "churn_risk", "confidence", "trend", "validation",
    "output_formatting", "gamma_presentation",
]  # fmt: skip
CHUNK = 5000
POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def fill(store: ResultsStore, count: int, calls_per_run: int) -> None:
    """`count` completed runs, an hour apart, with their agents and calls, in bulk."""
    start = datetime(2000, 1, 1, tzinfo=UTC)
    run_rows: list[dict] = []
    agent_rows: list[dict] = []
    call_rows: list[dict] = []
    tables = ((runs, run_rows), (agent_runs, agent_rows), (llm_calls, call_rows))

    def flush(force: bool = False) -> None:
        if not force and len(call_rows) + len(agent_rows) < CHUNK:
            return
        with store.engine.begin() as conn:  # runs first: the others refer to them
            for table, rows in tables:
                if rows:
                    conn.execute(insert(table), rows)
                    rows.clear()

    for n in range(count):
        run_id = str(uuid.uuid4())
        began = start + timedelta(hours=n)
        window = date(2000, 1, 3) + timedelta(days=n)
        run_rows.append(
            {
                "id": run_id, "command": "voice-of-customer", "status": "completed",
                "window_start": window, "window_end": window + timedelta(days=6),
                "source": "sample", "provider": "openai", "model": "gpt-4o-mini",
                "parameters": {"source": "sample"}, "output_dir": f"/srv/voc/run-{n}",
                "summary": {"conversations": 180, "topic_mix": {"Billing": 60.0, "Bugs": 40.0}},
                "agents_total": 16, "started_at": began, "ended_at": began + timedelta(seconds=3),
            }
        )  # fmt: skip
        for i, agent in enumerate(AGENTS):
            agent_rows.append(
                {
                    "run_id": run_id, "key": agent, "agent": agent, "status": "completed",
                    "attempts": 1, "started_at": began + timedelta(milliseconds=100 * i),
                    "ended_at": began + timedelta(milliseconds=100 * i + 90),
                }
            )  # fmt: skip
        for c in range(calls_per_run):
            agent = AGENTS[3 + c % 9]
            call_rows.append(
                {
                    "run_id": run_id, "agent_key": agent, "agent": agent, "provider": "openai",
                    "model": "gpt-4o-mini", "purpose": "bench", "input_tokens": 900,
                    "output_tokens": 200, "cached_tokens": 0, "estimated": False,
                    "latency_ms": 450.0, "attempt": 1, "cost": Decimal("0.000255"),
                    "error": None, "created_at": began + timedelta(seconds=1),
                }
            )  # fmt: skip
        flush()
    flush(force=True)
    with store.engine.begin() as conn:  # the totals the store keeps as it records calls
        add_up_history(conn)
    analyze(store)


def analyze(store: ResultsStore) -> None:
    """On PostgreSQL, what autovacuum does for a store that grew week by week: straight
    after a bulk load the planner would still take the tables for tiny ones."""
    if store.engine.dialect.name == "postgresql":
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


@contextmanager
def scratch_store_url(database: str) -> Iterator[str]:
    """A fresh store's URL: a SQLite file in a temporary directory, or a PostgreSQL
    database of its own on 127.0.0.1:5432, dropped afterwards."""
    if database == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/voc.db"
        return
    name = f"voc_bench_{uuid.uuid4().hex[:10]}"
    server = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        with server.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        server.dispose()
