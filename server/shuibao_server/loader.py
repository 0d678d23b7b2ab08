"""Server-side bulk loading (seed-demo, register import) through the same rules as a push.

Changes go through the push's `Applier` without mutation ids: the same value checks, role and
workflow rules, model validation, derived fields, references and county scoping, with history.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa
from shuibao.model import RECORD_KINDS

from . import db
from .auth import Principal
from .sync.applier import Applier
from .sync.outcomes import RetryLater, result

SEED_MAX_VERTICES = 1_000_000  # demo data is made here, not sent


def system_principal(username: str, counties: list[str] | set[str]) -> Principal:
    """An admin of ``counties`` that is no user: history and records name it ``username``."""
    return Principal(0, username, "admin", tuple(sorted(counties)), None, "server", 0)  # type: ignore[arg-type]


def insert_change(kind: str, uuid: str, values: dict) -> dict:
    """The insert change of a record given as model field values (geometry as WKB bytes or hex).

    Keys that are no field of the kind (a store's own columns) are left out."""
    known = set(RECORD_KINDS[kind].field_names())
    fields = {k: v for k, v in values.items() if k in known and v is not None}
    geom = values.get("geom")
    if geom is not None:
        fields["geom"] = bytes(geom).hex() if isinstance(geom, (bytes, bytearray, memoryview)) else geom
    return {"kind": kind, "uuid": uuid, "op": "insert", "base_rev": 0,
            "fields": {k: {"old": None, "new": v} for k, v in fields.items()}}  # fmt: skip


def apply_changes(engine: sa.Engine, principal: Principal, changes: list[dict], batch: int = 500) -> dict:
    """Apply insert/update changes, one transaction per batch. Returns counts per status and the rejects."""
    counts: dict[str, int] = {}
    rejects: list[dict] = []
    for i in range(0, len(changes), batch):
        with db.write_tx(engine) as conn:
            results = apply_in(conn, principal, changes[i : i + batch], SEED_MAX_VERTICES)
        for res in results:
            counts[res["status"]] = counts.get(res["status"], 0) + 1
            if res["status"] in ("rejected", "retry"):
                rejects.append(res)
    return {"counts": counts, "rejects": rejects}


def apply_in(conn: sa.Connection, principal: Principal, changes: list[dict], max_vertices: int) -> list[dict]:
    """Judge and apply changes inside the caller's write transaction; one result per change, in order.

    Every county's counter is locked up front, in order, as a push does: a load that spans counties
    never waits for one while holding another (no deadlock with a push)."""
    ap = Applier(conn, principal, max_vertices)
    ap.preload(changes)
    ap.lock_counties(ap.counties_of(changes))
    out = []
    for c in changes:
        try:
            out.append(ap.apply(c, None))
        except RetryLater as e:
            out.append(result(c, None, "retry", errors=e.errors))
    ap.flush()
    return out


@contextlib.contextmanager
def trial_tx(engine: sa.Engine, keep: bool) -> Iterator[sa.Connection]:
    """A write transaction that commits only when ``keep``; otherwise everything in it is rolled back."""
    with engine.connect().execution_options(write=True) as conn:
        tx = conn.begin()
        try:
            yield conn
        except BaseException:
            tx.rollback()
            raise
        if keep:
            tx.commit()
        else:
            tx.rollback()
