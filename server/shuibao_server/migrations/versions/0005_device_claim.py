"""The nonce of the store file that syncs under each device (a copied file is told apart).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("devices", sa.Column("file_nonce", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("file_nonce")
