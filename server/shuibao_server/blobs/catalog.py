"""The `blobs` and `blob_owners` tables: which photos the server holds, and who may see one.

A blob counts as stored only when its row exists and its file is in the store. Photos belong to
counties: a user may read (and reference in a photo record) a blob that they uploaded
themselves, or that a photo record of one of their counties references. A photo record can only
reference a blob its writer may read (the push checks it), so a hash learnt from another county
opens nothing. To anyone else the blob does not exist: every route answers as for a missing hash.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from .. import db
from .. import tables as t
from ..auth import Principal
from .store import BlobStore


def photo_sha(conn: sa.Connection):
    """The sha256 of a photo record, spelt as the partial index ix_records_photo_sha (revision 0003)."""
    data = t.records.c.data
    if db.is_pg(conn):
        return data.op("->>")(sa.literal_column("'sha256'"))
    return sa.func.json_extract(data, sa.literal_column("'$.sha256'"))


def _photos(conn: sa.Connection):
    return t.records.c.kind == sa.literal_column("'photo'")


def usable(conn: sa.Connection, principal: Principal, shas: Iterable[str]) -> dict[str, dict]:
    """{sha: blob row} of these hashes that are stored and that `principal` may read."""
    wanted = sorted(set(shas))
    if not wanted:
        return {}
    b = t.blobs.c
    rows = {r.sha256: dict(r._mapping) for r in conn.execute(sa.select(t.blobs).where(b.sha256.in_(wanted)))}
    if not rows or principal.user_id == 0:  # the server's own loader (seed-demo, import) uses every blob
        return rows
    return {sha: row for sha, row in rows.items() if sha in _allowed(conn, principal, list(rows))}


def _allowed(conn: sa.Connection, principal: Principal, shas: list[str]) -> set[str]:
    o, r = t.blob_owners.c, t.records.c
    owned = sa.select(o.sha256).where(o.user_id == principal.user_id, o.sha256.in_(shas))
    sha = photo_sha(conn)
    seen = sa.select(sha).where(
        _photos(conn), sha.in_(shas), r.county_code.in_(principal.counties), r.deleted.is_(False)
    )
    return set(conn.execute(owned).scalars()) | set(conn.execute(seen).scalars())


def readable(engine: sa.Engine, store: BlobStore, principal: Principal, sha256: str) -> dict | None:
    """The blob's row when it is stored and `principal` may read it; None otherwise (as if missing)."""
    with db.read_tx(engine) as conn:
        row = usable(conn, principal, [sha256]).get(sha256)
    return row if row is not None and store.exists(sha256) else None


def record(engine: sa.Engine, sha256: str, size: int, mime: str, principal: Principal) -> None:
    """Note a committed upload and its uploader (the same content again adds only the uploader)."""
    now = db.utcnow()
    with db.write_tx(engine) as conn:
        db.insert_ignore(
            conn,
            t.blobs,
            [
                {
                    "sha256": sha256,
                    "size_bytes": size,
                    "mime_type": mime,
                    "created_at": now,
                    "created_by": principal.username,
                }
            ],
            ["sha256"],
        )
        owner = {"sha256": sha256, "user_id": principal.user_id, "created_at": now}
        db.insert_ignore(conn, t.blob_owners, [owner], ["sha256", "user_id"])
