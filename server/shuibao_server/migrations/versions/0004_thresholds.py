"""Thresholds per province, prefecture or county (the model's regional values set on the server).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "thresholds",
        sa.Column("scope", sa.String(6), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("basis", sa.String(500), nullable=False),
        sa.Column("mark", sa.String(1), nullable=False),
        sa.Column("scope_name", sa.String(64)),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("thresholds")
