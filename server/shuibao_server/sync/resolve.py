"""Resolving a conflict: keep the server value, or write the client's (or another) value.

Writing a value is an ordinary change through the applier, so it passes the same rules as a
push and gets its own sequence number and history entry.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import db, problems
from ..auth import Principal
from . import conflicts
from .applier import Applier
from .outcomes import RetryLater


def resolve_conflict(
    engine: sa.Engine, principal: Principal, conflict_id: int, resolution: str, value: Any
) -> dict | None:
    """The resolved conflict (with the record's new `rev` if a value was written); None if not visible."""
    with db.write_tx(engine) as conn:
        row = conflicts.read(conn, conflict_id)
        if row is None or not principal.can_see(row["county_code"]):
            return None
        if row["status"] != "open":
            raise problems.conflict_closed()
        written = None
        if resolution in ("client", "value") and row["field"] != "*":
            written = _write_value(conn, principal, row, row["client"] if resolution == "client" else value)
        conflicts.close(conn, conflict_id, resolution, principal.username)
        row = conflicts.read(conn, conflict_id)
    out = conflicts.view(row or {})
    out["rev"] = written["rev"] if written else None
    return out


def _write_value(conn: sa.Connection, principal: Principal, row: dict, new: Any) -> dict:
    applier = Applier(conn, principal, 100_000)
    name = row["field"]
    change = {"kind": row["kind"], "uuid": row["uuid"], "op": "update", "fields": {name: {"old": None, "new": new}}}
    applier.preload([change])  # the record, and a photo blob the value may name
    applier.lock_counties({row["county_code"]})
    rec = applier.records.get(row["uuid"])
    if rec is None:
        raise problems.record_gone()
    change["base_rev"], change["fields"][name]["old"] = rec.rev, rec.value(name)
    try:
        written = applier.apply(change, None)
    except RetryLater as e:
        raise problems.resolution_retry(e.errors) from None
    if written["status"] == "rejected":
        raise problems.invalid_resolution(written["errors"])
    applier.flush()
    return written
