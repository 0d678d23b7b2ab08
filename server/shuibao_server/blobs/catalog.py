"""The `blobs` table: which photos the server holds, and who may read one.

A blob counts as stored only when its row exists and its file is in the store. Reading is
allowed when a photo record of one of the user's counties references the blob; per-county and
per-user blob access rules (issue 12 item 4) belong in `readable()`.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from .. import db
from .. import tables as t
from ..auth import Principal
from .store import BlobStore


def row(engine: sa.Engine, sha256: str) -> dict | None:
    with db.read_tx(engine) as conn:
        found = conn.execute(sa.select(t.blobs).where(t.blobs.c.sha256 == sha256)).mappings().first()
    return dict(found) if found else None


def stored(engine: sa.Engine, store: BlobStore, sha256: str) -> dict | None:
    """The blob's row when both the row and the file exist, else None."""
    found = row(engine, sha256)
    return found if found is not None and store.exists(sha256) else None


def known(conn: sa.Connection, shas: Iterable[str]) -> set[str]:
    """Which of these hashes have a row (inside a push transaction)."""
    wanted = sorted(set(shas))
    if not wanted:
        return set()
    return set(conn.execute(sa.select(t.blobs.c.sha256).where(t.blobs.c.sha256.in_(wanted))).scalars())


def record(engine: sa.Engine, sha256: str, size: int, mime: str, username: str) -> None:
    """Note a committed upload (a second upload of the same content changes nothing)."""
    with db.write_tx(engine) as conn:
        db.insert_ignore(
            conn, t.blobs,
            [{"sha256": sha256, "size_bytes": size, "mime_type": mime, "created_at": db.utcnow(), "created_by": username}],
            ["sha256"],
        )  # fmt: skip


def readable(engine: sa.Engine, principal: Principal, sha256: str) -> bool:
    """May this user download the blob? Only if a photo record of their counties references it."""
    r = t.records.c
    q = (
        sa.select(r.uuid)
        .where(r.kind == "photo", r.county_code.in_(principal.counties), r.data["sha256"].as_string() == sha256)
        .limit(1)
    )
    with db.read_tx(engine) as conn:
        return conn.execute(q).first() is not None
