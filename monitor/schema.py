"""The results store's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL."""

from decimal import Decimal

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
    inspect,
)
from sqlalchemy.types import TypeDecorator

# v2: totals kept up to date on write (voc_runs' usage, voc_usage, voc_agent_durations):
# the history reads them rather than every call and agent row. A v1 voc
# would write calls without adding them up, so it must not open a v2 store.
SCHEMA_VERSION = 2
PICO = Decimal(10) ** 12


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


def add_missing_columns(conn: Connection) -> list[str]:
    """Add the columns a table made by an older voc lacks; returns the `table.column`s added.

    Only columns an older row can have: nullable ones, or ones with a plain default. An
    older voc reads such a store as before, so the schema version stays for changes it
    could not read.
    """
    inspector = inspect(conn)
    added = []
    for table in metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            default = getattr(column.server_default, "arg", None)
            if column.name in present or not (column.nullable or isinstance(default, str)):
                continue  # present, or existing rows could have no value for it
            ddl = f"{column.name} {column.type.compile(dialect=conn.dialect)}"
            if isinstance(default, str):
                ddl += f" DEFAULT {default}"
            if not column.nullable:
                ddl += " NOT NULL"
            conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {ddl}")
            added.append(f"{table.name}.{column.name}")
    return added


def add_missing_indexes(conn: Connection) -> list[str]:
    """Create the indexes a store made by an older voc lacks; returns their names.

    `create_all` makes a table's indexes only with the table.
    """
    inspector = inspect(conn)
    added = []
    for table in metadata.sorted_tables:
        present = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in present:
                index.create(conn)
                added.append(index.name)
    return added
