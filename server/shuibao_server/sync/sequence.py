"""Per-county sequence numbers, taken from a counter row locked for the whole transaction.

Locking the county's counter row (`SELECT … FOR UPDATE` on PostgreSQL; SQLite has one writer)
makes commit order equal sequence order, so a pull that returned sequence N can never later
miss a change numbered below N. One row per county keeps counties from waiting on each other.
The same row numbers the county's conflicts, so a conflict id tells nothing of other counties.
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
    last_conflict: dict[str, int] = field(default_factory=dict)

    def lock(self, counties: set[str]) -> None:
        """Lock the counter of every county not yet locked, in a fixed order (no deadlocks)."""
        todo = sorted(set(counties) - set(self.last))
        if not todo:
            return
        db.insert_ignore(self.conn, t.county_seq, [{"county_code": c, "last_seq": 0} for c in todo], ["county_code"])
        c = t.county_seq.c
        q = sa.select(c.county_code, c.last_seq, c.last_conflict).where(c.county_code.in_(todo))
        if db.is_pg(self.conn):
            q = q.order_by(c.county_code).with_for_update()
        for county, last, last_conflict in self.conn.execute(q).all():
            self.last[county] = int(last)
            self.last_conflict[county] = int(last_conflict)

    def next(self, county: str) -> int:
        if county not in self.last:
            self.lock({county})
        self.last[county] += 1
        return self.last[county]

    def next_conflict(self, county: str) -> int:
        """The county's next conflict number."""
        if county not in self.last:
            self.lock({county})
        self.last_conflict[county] += 1
        return self.last_conflict[county]

    def write(self) -> None:
        c = t.county_seq.c
        for county, last in self.last.items():
            values = {"last_seq": last, "last_conflict": self.last_conflict[county]}
            self.conn.execute(t.county_seq.update().where(c.county_code == county).values(**values))
