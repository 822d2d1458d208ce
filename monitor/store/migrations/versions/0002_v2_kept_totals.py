"""v2: usage totals kept on write, so the history reads a few rows rather than every call.

Adds a run's totals to `voc_runs`, the `voc_usage` (by agent, provider and model) and
`voc_agent_durations` tables and the history's two indexes, then adds up the calls and
agent runs already recorded, and marks the store v2 for older vocs (a v1 voc would
write calls without adding them up, so it must refuse the store).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TOTALS = ("calls", "input_tokens", "output_tokens", "cached_tokens", "cost", "estimated_calls")
DONE = ("completed", "cached", "skipped")


def _totals() -> list[sa.Column]:
    return [sa.Column(name, sa.BigInteger, nullable=False, server_default="0") for name in TOTALS]


def upgrade() -> None:
    """Add the totals, their tables and indexes; fill them from the rows; mark v2."""
    for column in _totals():
        op.add_column("voc_runs", column)
    op.create_index(
        "ix_voc_runs_status_window", "voc_runs", ["status", "window_start", "started_at"]
    )
    op.create_index(
        "ix_voc_runs_command_status_started", "voc_runs", ["command", "status", "started_at"]
    )
    op.create_table(
        "voc_usage",
        sa.Column("agent", sa.String(64), primary_key=True),
        sa.Column("provider", sa.String(32), primary_key=True),
        sa.Column("model", sa.String(128), primary_key=True),
        *_totals(),
    )
    op.create_table(
        "voc_agent_durations",
        sa.Column("agent", sa.String(64), primary_key=True),
        sa.Column("runs", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("seconds", sa.Float, nullable=False, server_default="0"),
    )
    _add_up(op.get_bind())
    op.execute(sa.text("UPDATE voc_schema SET version = 2"))


def _table(name: str, *columns: str) -> sa.TableClause:
    """The columns of a table as this revision knows them (not as schema.py may later)."""
    return sa.table(name, *(sa.column(column) for column in columns))


def _add_up(conn: sa.Connection) -> None:
    """Each run's calls into its totals, all calls into `voc_usage`, and each top-level
    agent's done runs into `voc_agent_durations`."""
    calls = _table("voc_llm_calls", "run_id", "agent", "provider", "model", "estimated", *TOTALS)
    sums = [sa.func.count(), *(sa.func.sum(calls.c[name]) for name in TOTALS[1:-1])]
    sums.append(sa.func.sum(sa.case((calls.c.estimated, 1), else_=0)))
    runs = _table("voc_runs", "id", *TOTALS)
    per_run = conn.execute(sa.select(calls.c.run_id, *sums).group_by(calls.c.run_id)).all()
    if per_run:
        totals = {name: sa.bindparam(f"new_{name}") for name in TOTALS}
        conn.execute(
            sa.update(runs).where(runs.c.id == sa.bindparam("run")).values(totals),
            [
                {"run": run_id} | {f"new_{n}": int(v) for n, v in zip(TOTALS, added, strict=True)}
                for run_id, *added in per_run
            ],
        )
    keys = [calls.c.agent, calls.c.provider, calls.c.model]
    usage = _table("voc_usage", "agent", "provider", "model", *TOTALS)
    conn.execute(usage.insert().from_select(usage.c, sa.select(*keys, *sums).group_by(*keys)))
    agents = _table("voc_agent_runs", "agent", "key", "status", "started_at", "ended_at")
    started, ended = agents.c.started_at, agents.c.ended_at
    if conn.dialect.name == "sqlite":
        seconds = (sa.func.julianday(ended) - sa.func.julianday(started)) * 86400.0
    else:
        seconds = sa.func.extract("epoch", ended - started)
    durations = _table("voc_agent_durations", "agent", "runs", "seconds")
    done = (
        sa.select(agents.c.agent, sa.func.count(), sa.func.coalesce(sa.func.sum(seconds), 0.0))
        .where(agents.c.status.in_(DONE), agents.c.key == agents.c.agent)
        .group_by(agents.c.agent)
    )
    conn.execute(durations.insert().from_select(durations.c, done))


def downgrade() -> None:
    """Not supported: an older voc refuses a newer store rather than be handed it back."""
    raise NotImplementedError("the results store is never downgraded")
