"""The one-hour share of each call's cache writes, which Anthropic prices above the rest.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `voc_llm_calls.cache_write_1h_tokens`; calls recorded before it wrote none."""
    op.add_column(
        "voc_llm_calls",
        sa.Column("cache_write_1h_tokens", sa.Integer, nullable=False, server_default="0"),
    )
