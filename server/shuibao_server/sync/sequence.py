"""Per-county sequence numbers, taken from a counter row locked for the whole transaction.

Locking the county's counter row (`SELECT … FOR UPDATE` on PostgreSQL; SQLite has one writer)
makes commit order equal sequence order, so a pull that returned sequence N can never later
miss a change numbered below N. One row per county keeps counties from waiting on each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from .. import db
from .. import tables as t


@dataclass
class CountySequence:
    conn: sa.Connection
    last: dict[str, int] = field(default_factory=dict)

    def lock(self, counties: set[str]) -> None:
        """Lock the counter of every county not yet locked, in a fixed order (no deadlocks)."""
        todo = sorted(set(counties) - set(self.last))
        if not todo:
            return
        db.insert_ignore(self.conn, t.county_seq, [{"county_code": c, "last_seq": 0} for c in todo], ["county_code"])
        c = t.county_seq.c
        q = sa.select(c.county_code, c.last_seq).where(c.county_code.in_(todo))
        if db.is_pg(self.conn):
            q = q.order_by(c.county_code).with_for_update()
        for county, last in self.conn.execute(q).all():
            self.last[county] = int(last)

    def next(self, county: str) -> int:
        if county not in self.last:
            self.lock({county})
        self.last[county] += 1
        return self.last[county]

    def write(self) -> None:
        c = t.county_seq.c
        for county, last in self.last.items():
            self.conn.execute(t.county_seq.update().where(c.county_code == county).values(last_seq=last))
