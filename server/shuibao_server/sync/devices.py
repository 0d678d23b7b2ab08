"""Which store file syncs as a device: a copied file is told apart from the original.

A store file carries its client id, so two copies of one file would push under one device and
get each other's stored results for their mutation ids. The file renews a nonce at every sync by
compare-and-set: it shows the nonce last confirmed to it and a fresh one. The server takes it when
it still holds the shown one (or none yet, or the fresh one: a resent claim); otherwise another copy
renewed it first and this file must take a new client id (409 device-copied).
"""

from __future__ import annotations

import sqlalchemy as sa

from .. import db, problems
from .. import tables as t


def claim(engine: sa.Engine, device_pk: int, file_nonce: str | None, next_nonce: str) -> str:
    """Renew the device's file nonce to ``next_nonce``; raises device_copied() for a copy."""
    with db.write_tx(engine) as conn:
        q = sa.select(t.devices.c.file_nonce).where(t.devices.c.id == device_pk)
        if db.is_pg(conn):
            q = q.with_for_update()
        held = conn.execute(q).scalar()
        if held is not None and held not in (file_nonce, next_nonce):
            raise problems.device_copied()
        conn.execute(t.devices.update().where(t.devices.c.id == device_pk).values(file_nonce=next_nonce))
    return next_nonce
