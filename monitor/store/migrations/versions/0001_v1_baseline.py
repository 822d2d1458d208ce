"""The v1 schema, the baseline: runs, agent runs, LLM calls, files, the event log.

As voc wrote it with `voc_schema` version 1 (monitor/schema.py at commit 9163d60). Types
are spelled here rather than taken from schema.py, so this revision stays what it was
when schema.py changes: money is an integer count of 10^-12 dollars.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the v1 tables and their indexes, and mark the store v1 for older vocs."""
    version = op.create_table("voc_schema", sa.Column("version", sa.Integer, nullable=False))
    op.bulk_insert(version, [{"version": 1}])
    _runs()
    _agent_runs()
    _llm_calls()
    op.create_table(
        "voc_files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), sa.ForeignKey("voc_runs.id"), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.UniqueConstraint("run_id", "path", name="uq_voc_files_run_path"),
    )
    op.create_table(
        "voc_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_voc_events_run_id", "voc_events", ["run_id", "id"])


def _runs() -> None:
    text, short = sa.Text, sa.String
    op.create_table(
        "voc_runs",
        sa.Column("id", short(64), primary_key=True),
        sa.Column("command", short(64), nullable=False),
        sa.Column("status", short(16), nullable=False),
        sa.Column("error", text),
        sa.Column("window_start", sa.Date),
        sa.Column("window_end", sa.Date),
        sa.Column("source", text),
        sa.Column("provider", short(32)),
        sa.Column("model", short(128)),
        sa.Column("parameters", sa.JSON),
        sa.Column("flow_run_name", short(128)),
        sa.Column("deployment_id", short(64)),
        sa.Column("deployment_name", short(256)),
        sa.Column("output_dir", text),
        sa.Column("gamma_url", text),
        sa.Column("summary", sa.JSON),
        sa.Column("agents_total", sa.Integer, nullable=False),
        sa.Column("resume_key", short(64)),
        sa.Column("resumed_from", short(64)),
        sa.Column("failure_reason", short(32)),
        sa.Column("host", short(255)),
        sa.Column("pid", sa.Integer),
        sa.Column("heartbeat_at", TIME),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("ended_at", TIME),
    )
    for name, columns in (
        ("ix_voc_runs_started_at", ["started_at"]),
        ("ix_voc_runs_command_status", ["command", "status", "window_start"]),
        ("ix_voc_runs_status", ["status"]),
        ("ix_voc_runs_resume_key", ["resume_key"]),
    ):
        op.create_index(name, "voc_runs", columns)


def _agent_runs() -> None:
    op.create_table(
        "voc_agent_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), sa.ForeignKey("voc_runs.id"), nullable=False),
        sa.Column("key", sa.String(256), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("task_run_id", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("cached_from", sa.String(64)),
        sa.Column("started_at", TIME),
        sa.Column("ended_at", TIME),
        sa.UniqueConstraint("run_id", "key", name="uq_voc_agent_runs_run_key"),
    )


def _llm_calls() -> None:
    count = sa.Integer
    op.create_table(
        "voc_llm_calls",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), sa.ForeignKey("voc_runs.id"), nullable=False),
        sa.Column("agent_key", sa.String(256), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("task_run_id", sa.String(64)),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("input_tokens", count, nullable=False),
        sa.Column("output_tokens", count, nullable=False),
        sa.Column("cached_tokens", count, nullable=False),
        sa.Column("cache_write_tokens", count, nullable=False, server_default="0"),
        sa.Column("estimated", sa.Boolean, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("attempt", count, nullable=False),
        sa.Column("cost", sa.BigInteger, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_voc_llm_calls_run_agent", "voc_llm_calls", ["run_id", "agent"])
    op.create_index("ix_voc_llm_calls_created_at", "voc_llm_calls", ["created_at"])


def downgrade() -> None:
    """Not supported: an older voc refuses a newer store rather than be handed it back."""
    raise NotImplementedError("the results store is never downgraded")
