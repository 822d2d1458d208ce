"""v4: the scores of evaluated runs (`voc eval`), one row per metric, in `voc_scores`.

An older voc neither reads nor writes this table, so `voc_schema` stays at 2: a voc from
before Alembic still opens the store.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create `voc_scores`."""
    op.create_table(
        "voc_scores",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), sa.ForeignKey("voc_runs.id"), nullable=False),
        sa.Column("metric", sa.String(64), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("detail", sa.JSON),
        sa.Column("labels", sa.Text),
        sa.Column("evaluation_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("run_id", "metric", name="uq_voc_scores_run_metric"),
    )


def downgrade() -> None:
    """Not supported: an older voc refuses a newer store rather than be handed it back."""
    raise NotImplementedError("the results store is never downgraded")
