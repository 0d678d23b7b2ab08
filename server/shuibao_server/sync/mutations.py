"""The per-device mutation log: the last mutation id and the stored result of each mutation.

A resent mutation (id at or below the last one) gets its stored result back, so a push whose
answer was lost can be sent again without applying anything twice.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import db
from .. import tables as t


def last_id(conn: sa.Connection, device_pk: int, lock: bool = False) -> int:
    """The device's last mutation id; `lock` holds the device row until commit (PostgreSQL)."""
    q = sa.select(t.devices.c.last_mutation_id).where(t.devices.c.id == device_pk)
    if lock and db.is_pg(conn):
        q = q.with_for_update()
    return int(conn.execute(q).scalar() or 0)


def current_last_id(engine: sa.Engine, device_pk: int) -> int:
    with db.read_tx(engine) as conn:
        return last_id(conn, device_pk)


def stored_results(conn: sa.Connection, device_pk: int, ids: list[int]) -> dict[int, dict]:
    m = t.mutations.c
    out: dict[int, dict] = {}
    for i in range(0, len(ids), 500):
        q = sa.select(m.mutation_id, m.result).where(m.device_id == device_pk, m.mutation_id.in_(ids[i : i + 500]))
        out.update({r.mutation_id: dict(r.result) for r in conn.execute(q).all()})
    return out


def save(conn: sa.Connection, device_pk: int, results: list[dict], at: Any) -> None:
    """Store the results of newly judged mutations and advance the device's last id."""
    if not results:
        return
    rows = [
        {"device_id": device_pk, "mutation_id": r["mutation_id"], "status": r["status"], "result": r, "at": at}
        for r in results
    ]
    conn.execute(t.mutations.insert(), rows)
    last = results[-1]["mutation_id"]
    conn.execute(t.devices.update().where(t.devices.c.id == device_pk).values(last_mutation_id=last))
