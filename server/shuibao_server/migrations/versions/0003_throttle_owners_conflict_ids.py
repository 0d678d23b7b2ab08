"""Login throttling, who uploaded each photo, per-county conflict numbers.

* `login_throttle`: failed logins per account and per address, and until when each must wait.
* `blob_owners`: the users who uploaded a blob's bytes (backfilled from `blobs.created_by`);
  only they, and users of a county whose photo record an owner made, may read it. An index on
  the hash of photo records (`ix_records_photo_sha`) answers "which counties show this photo".
* `county_seq.last_conflict` and explicit `conflicts.id`: a conflict id is the county's own
  number times 10^6 plus the county code, so ids say nothing about other counties. Existing ids
  stay; each county's numbers start above the largest of them.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
CONFLICT_ID_BASE = 1_000_000  # shuibao_server.sync.conflicts.ID_BASE


def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(160), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_failure_at", TZ, nullable=False),
        sa.Column("blocked_until", TZ),
    )
    op.create_table(
        "blob_owners",
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.execute(
        "INSERT INTO blob_owners (sha256, user_id, created_at) "
        "SELECT b.sha256, u.id, b.created_at FROM blobs b JOIN users u ON u.username = b.created_by"
    )
    # Counties (also those added later) number their conflicts above every existing id.
    highest = bind.execute(sa.text("SELECT MAX(id) FROM conflicts")).scalar() or 0
    start = highest // CONFLICT_ID_BASE  # the next number n gives n * 10^6 + county > highest
    op.add_column("county_seq", sa.Column("last_conflict", sa.BigInteger, nullable=False, server_default=str(start)))
    if pg:
        op.execute("ALTER TABLE conflicts ALTER COLUMN id DROP DEFAULT")
        op.execute("ALTER TABLE conflicts ALTER COLUMN id TYPE bigint")
    # Who may read a photo is decided by the photo records naming its hash (blobs/catalog.py).
    sha = "(data ->> 'sha256')" if pg else "json_extract(data, '$.sha256')"
    op.execute(f"CREATE INDEX ix_records_photo_sha ON records ({sha}) WHERE kind = 'photo'")


def downgrade() -> None:
    op.drop_index("ix_records_photo_sha", "records")
    op.drop_column("county_seq", "last_conflict")
    op.drop_table("blob_owners")
    op.drop_table("login_throttle")
