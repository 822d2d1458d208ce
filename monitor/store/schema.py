"""The results store's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

What lives here: the tables as this voc reads and writes them, and the vocabulary of
their values: money as `Money`, times in UTC (`now`, `utc`), the statuses that end a run
(`FINAL`) or count an agent done (`DONE`), and the usage totals kept on write (`TOTALS`).
How the database gets to this shape is `migrations/`'s job: a change here goes with a
new revision there (its test compares the two).
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.types import TypeDecorator

# What a voc from before Alembic reads in `voc_schema` and refuses when it is greater than
# its own: v2 added totals kept on write, which a v1 voc would not keep. A revision that an
# older voc could not write correctly raises it.
SCHEMA_VERSION = 2
PICO = Decimal(10) ** 12
FINAL = ("completed", "failed", "crashed", "cancelled")
DONE = ("completed", "cached", "skipped")
TOTALS = ("calls", "input_tokens", "output_tokens", "cached_tokens", "cost", "estimated_calls")
USAGE_KEY = ("agent", "provider", "model")


def now() -> datetime:
    """The time a row is written, in UTC."""
    return datetime.now(UTC)


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without a zone; they were written in UTC."""
    if value is None or value.tzinfo:
        return value
    return value.replace(tzinfo=UTC)


def seconds_sql(conn: Connection, started: Any, ended: Any) -> Any:
    """`ended - started` in seconds as SQL: each dialect subtracts times its own way."""
    if conn.dialect.name == "sqlite":
        return (func.julianday(ended) - func.julianday(started)) * 86400.0
    return func.extract("epoch", ended - started)


class Money(TypeDecorator):
    """US dollars kept exact as an integer count of 10^-12 dollars, so SQL can sum them."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: object) -> int | None:
        return None if value is None else int(Decimal(value) * PICO)

    def process_result_value(self, value: int | None, dialect: object) -> Decimal | None:
        return None if value is None else Decimal(int(value)) / PICO


metadata = MetaData()


def usage_totals() -> list[Column]:
    """What LLM calls add up to: a run's, or an agent's on one provider and model."""
    return [
        Column(name, kind, nullable=False, default=0, server_default="0")
        for name, kind in (
            ("calls", BigInteger),
            ("input_tokens", BigInteger),
            ("output_tokens", BigInteger),
            ("cached_tokens", BigInteger),
            ("cost", Money),
            ("estimated_calls", BigInteger),
        )
    ]


# Kept at SCHEMA_VERSION by the migrations for vocs from before Alembic, which check it;
# this voc goes by Alembic's `alembic_version`.
schema_version = Table("voc_schema", metadata, Column("version", Integer, nullable=False))

runs = Table(
    "voc_runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("command", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("error", Text),
    Column("window_start", Date),
    Column("window_end", Date),
    Column("source", Text),
    Column("provider", String(32)),
    Column("model", String(128)),
    Column("parameters", JSON),
    Column("flow_run_name", String(128)),
    Column("deployment_id", String(64)),
    Column("deployment_name", String(256)),
    Column("output_dir", Text),
    Column("gamma_url", Text),
    Column("summary", JSON),
    Column("agents_total", Integer, nullable=False),
    # Runs that share a resume key reuse each other's completed agents.
    Column("resume_key", String(64)),
    Column("resumed_from", String(64)),
    Column("failure_reason", String(32)),
    # Who runs it, and when it last said so: how a killed run is found.
    Column("host", String(255)),
    Column("pid", Integer),
    Column("heartbeat_at", DateTime(timezone=True)),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    # The run's LLM calls added up as they are recorded: the history reads these, not
    # the calls, which grow by a hundred or so a run.
    *usage_totals(),
    Index("ix_voc_runs_started_at", "started_at"),
    Index("ix_voc_runs_command_status", "command", "status", "window_start"),
    Index("ix_voc_runs_status", "status"),
    # The week-over-week comparison: the newest completed windows, newest run first.
    Index("ix_voc_runs_status_window", "status", "window_start", "started_at"),
    # The newest completed run of a command (the run page's agent order).
    Index("ix_voc_runs_command_status_started", "command", "status", "started_at"),
    Index("ix_voc_runs_resume_key", "resume_key"),
)

agent_runs = Table(
    "voc_agent_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), ForeignKey("voc_runs.id"), nullable=False),
    Column("key", String(256), nullable=False),
    Column("agent", String(64), nullable=False),
    Column("task_run_id", String(64)),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=1),
    Column("error", Text),
    # For a cached agent: the run that executed it and paid for its calls.
    Column("cached_from", String(64)),
    Column("started_at", DateTime(timezone=True)),
    Column("ended_at", DateTime(timezone=True)),
    UniqueConstraint("run_id", "key", name="uq_voc_agent_runs_run_key"),
)

llm_calls = Table(
    "voc_llm_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), ForeignKey("voc_runs.id"), nullable=False),
    Column("agent_key", String(256), nullable=False),
    Column("agent", String(64), nullable=False),
    Column("task_run_id", String(64)),
    Column("provider", String(32), nullable=False),
    Column("model", String(128), nullable=False),
    Column("purpose", String(64), nullable=False),
    Column("input_tokens", Integer, nullable=False),
    Column("output_tokens", Integer, nullable=False),
    Column("cached_tokens", Integer, nullable=False),
    Column("cache_write_tokens", Integer, nullable=False, default=0, server_default="0"),
    Column("estimated", Boolean, nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("cost", Money, nullable=False),
    Column("error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Of the cache writes, those kept an hour (Anthropic's dearer ones). Last, as revision
    # 0003 added it: the export's columns keep their places.
    Column("cache_write_1h_tokens", Integer, nullable=False, default=0, server_default="0"),
    Index("ix_voc_llm_calls_run_agent", "run_id", "agent"),
    Index("ix_voc_llm_calls_created_at", "created_at"),
)

# All LLM calls added up by agent, provider and model, as they are recorded: what the
# statistics and /metrics report, without reading every call ever made.
usage = Table(
    "voc_usage",
    metadata,
    Column("agent", String(64), primary_key=True),
    Column("provider", String(32), primary_key=True),
    Column("model", String(128), primary_key=True),
    *usage_totals(),
)

# Per agent, its top-level runs that ended done (completed, cached, skipped) and their
# seconds, kept in step as agent rows change: the statistics' averages.
agent_durations = Table(
    "voc_agent_durations",
    metadata,
    Column("agent", String(64), primary_key=True),
    Column("runs", BigInteger, nullable=False, default=0, server_default="0"),
    Column("seconds", Float, nullable=False, default=0.0, server_default="0"),
)

files = Table(
    "voc_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), ForeignKey("voc_runs.id"), nullable=False),
    Column("path", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("run_id", "path", name="uq_voc_files_run_path"),
)

# Append-only: ids only grow, so a reader tails it with `id > last seen`.
events = Table(
    "voc_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_voc_events_run_id", "run_id", "id"),
)

# How right a run's findings were against a labelled set (`voc eval`): one row per metric.
scores = Table(
    "voc_scores",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), ForeignKey("voc_runs.id"), nullable=False),
    Column("metric", String(64), nullable=False),
    Column("value", Float),  # NULL: nothing to score (no quote, say)
    Column("detail", JSON),
    Column("labels", Text),  # the labels file scored against
    Column("evaluation_id", String(64)),  # the evaluation's Prefect flow run
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("run_id", "metric", name="uq_voc_scores_run_metric"),
)
