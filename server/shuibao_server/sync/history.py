"""The `history` table: the audit trail of every accepted change (who, device, when, old/new)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import db
from .. import tables as t
from ..auth import Principal
from .records import Rec, county_of


def entry(rec: Rec, op: str, old: dict, new: dict, principal: Principal, mutation_id: int | None, at: Any) -> dict:
    """The history row of a change just applied to `rec` (its rev is the change's sequence)."""
    return {
        "county_code": rec.county_code, "seq": rec.rev, "kind": rec.kind, "uuid": rec.uuid, "op": op,
        "username": principal.username, "device_id": principal.device_pk, "mutation_id": mutation_id,
        "at": at, "old": old, "new": new,
    }  # fmt: skip


def write(conn: sa.Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(t.history.insert(), rows)


def of_record(engine: sa.Engine, principal: Principal, uuid: str) -> list[dict] | None:
    """A record's history, oldest first; None when the user may not see the record."""
    h = t.history.c
    with db.read_tx(engine) as conn:
        county = county_of(conn, uuid)
        if county is None or not principal.can_see(county):
            return None
        rows = conn.execute(sa.select(t.history).where(h.uuid == uuid, h.county_code == county).order_by(h.seq))
        return [_view(r) for r in rows.mappings()]


def _view(r) -> dict:
    return {
        "seq": r["seq"], "op": r["op"], "username": r["username"], "at": db.iso(r["at"]),
        "mutation_id": r["mutation_id"], "old": r["old"], "new": r["new"],
    }  # fmt: skip
