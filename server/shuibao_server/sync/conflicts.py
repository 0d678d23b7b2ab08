"""The `conflicts` table: a field changed on both sides keeps the server value and is noted here.

A row holds the base (the client's old value), the server's value and who set it, and the
client's value, until someone resolves it (`resolve.py`). Its id is the county's own conflict
number times 10^6 plus the county code: a user learns nothing from it about other counties.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import db
from .. import tables as t
from ..auth import Principal
from .records import Rec

ID_BASE = 1_000_000  # county codes have six digits

_VIEW_KEYS = (
    "id", "kind", "uuid", "county_code", "field", "reason", "base", "server", "client", "server_rev",
    "server_by", "server_at", "client_by", "mutation_id", "status", "resolution", "resolved_by",
)  # fmt: skip


def conflict_id(number: int, county: str) -> int:
    """The id of the county's conflict `number`."""
    return number * ID_BASE + int(county)


def entry(
    rec: Rec, name: str, reason: str, base: Any, server: Any, client: Any, *,
    number: int, principal: Principal, mutation_id: int | None, at: Any, meta: list | None = None,
) -> dict:  # fmt: skip
    """A new open conflict on field `name` of `rec`, the county's conflict `number`;
    `meta` is [rev, user, time] of the server value."""
    meta = meta or rec.field_meta.get(name) or [rec.rev, rec.updated_by, db.iso(rec.updated_at)]
    return {
        "id": conflict_id(number, rec.county_code), "county_code": rec.county_code, "kind": rec.kind, "uuid": rec.uuid, "field": name, "reason": reason,
        "base": base, "server": server, "client": client, "server_rev": meta[0], "server_by": meta[1],
        "server_at": meta[2], "client_by": principal.username, "device_id": principal.device_pk,
        "mutation_id": mutation_id, "created_at": at, "status": "open",
    }  # fmt: skip


def write(conn: sa.Connection, rows: list[dict]) -> list[int]:
    """Insert new conflict rows (ids made by `entry`)."""
    if rows:
        conn.execute(t.conflicts.insert(), rows)
    return [row["id"] for row in rows]


def view(row: dict) -> dict:
    """A conflict as the API shows it."""
    out = {k: row.get(k) for k in _VIEW_KEYS}
    out["created_at"] = db.iso(row.get("created_at"))
    out["resolved_at"] = db.iso(row.get("resolved_at"))
    return out


def listing(engine: sa.Engine, principal: Principal, status: str, after_id: int, limit: int) -> dict:
    """Conflicts of the user's counties after `after_id`, by id."""
    c = t.conflicts.c
    q = sa.select(t.conflicts).where(c.county_code.in_(principal.counties), c.id > after_id)
    if status != "all":
        q = q.where(c.status == status)
    with db.read_tx(engine) as conn:
        rows = conn.execute(q.order_by(c.id).limit(limit + 1)).mappings().all()
    return {"items": [view(dict(r)) for r in rows[:limit]], "has_more": len(rows) > limit}


def read(conn: sa.Connection, conflict_id: int) -> dict | None:
    row = conn.execute(sa.select(t.conflicts).where(t.conflicts.c.id == conflict_id)).mappings().first()
    return dict(row) if row is not None else None


def close(conn: sa.Connection, conflict_id: int, resolution: str, username: str) -> None:
    conn.execute(
        t.conflicts.update()
        .where(t.conflicts.c.id == conflict_id)
        .values(status="resolved", resolution=resolution, resolved_by=username, resolved_at=db.utcnow())
    )
