"""Photo blobs table, token last use, geometry hash per record (backfilled).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from shuibao_server.geometry import geom_hash

    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("mime_type", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
    )
    op.add_column("tokens", sa.Column("last_used_at", sa.DateTime(timezone=True)))
    op.add_column("records", sa.Column("geom_hash", sa.String(64)))
    # Backfill the hash of every stored geometry (the conflict rule compares geometries by it).
    records = sa.table("records", sa.column("uuid"), sa.column("geom"), sa.column("geom_hash"))
    geom = sa.func.ST_AsBinary(records.c.geom) if pg else records.c.geom
    rows = bind.execute(sa.select(records.c.uuid, geom.label("wkb")).where(records.c.geom.is_not(None))).all()
    for uuid, wkb in rows:
        bind.execute(records.update().where(records.c.uuid == uuid).values(geom_hash=geom_hash(bytes(wkb))))


def downgrade() -> None:
    op.drop_column("records", "geom_hash")
    op.drop_column("tokens", "last_used_at")
    op.drop_table("blobs")
