"""The `records` table: one row per record of any kind, read into `Rec` and written back.

`RecordSet` holds every record a push needs, loaded once at the start of its transaction:
the records the changes touch and the records they refer to (`related.py` says which).
Rules that need other records look them up here, never with their own queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from .. import db
from .. import geometry as g
from .. import tables as t
from ..auth import Principal

_WRITE_ONCE = ("uuid", "kind", "county_code", "created_at", "created_by")


@dataclass
class Rec:
    uuid: str
    kind: str
    county_code: str
    rev: int
    version: int
    data: dict[str, Any]
    field_meta: dict[str, list]
    wkb: bytes | None
    geom_hash: str | None
    deleted: bool
    last_op: str
    created_at: Any
    created_by: str
    updated_at: Any
    updated_by: str
    is_new: bool = False
    dirty: bool = False

    def geom_hex(self) -> str | None:
        return g.to_hex(self.wkb)

    def value(self, name: str) -> Any:
        """The server's value of a field (geometry as hex WKB)."""
        return self.geom_hex() if name == "geom" else self.data.get(name)

    def values(self) -> dict[str, Any]:
        """The full values as the API shows them: model fields, audit fields, geom."""
        out = dict(self.data)
        out["created_at"] = db.iso(self.created_at)
        out["created_by"] = self.created_by
        out["updated_at"] = db.iso(self.updated_at)
        out["updated_by"] = self.updated_by
        out["server_rev"] = self.rev
        out["geom"] = self.geom_hex()
        return out

    def item(self) -> dict[str, Any]:
        """The record as a pull item (also the answer of GET /records/{uuid})."""
        return {
            "kind": self.kind, "uuid": self.uuid, "county_code": self.county_code, "rev": self.rev,
            "op": self.last_op, "deleted": self.deleted, "updated_by": self.updated_by,
            "updated_at": db.iso(self.updated_at), "values": self.values(),
        }  # fmt: skip

    def row(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid, "kind": self.kind, "county_code": self.county_code, "rev": self.rev,
            "version": self.version, "data": self.data, "field_meta": self.field_meta, "geom_hash": self.geom_hash,
            "deleted": self.deleted, "last_op": self.last_op, "created_at": self.created_at,
            "created_by": self.created_by, "updated_at": self.updated_at, "updated_by": self.updated_by,
            "wkb": self.wkb,
        }  # fmt: skip


def select(conn: sa.Connection):
    """SELECT of every column a Rec needs (geometry as WKB on both databases)."""
    r = t.records.c
    return sa.select(
        r.uuid, r.kind, r.county_code, r.rev, r.version, r.data, r.field_meta, db.geom_column(conn), r.geom_hash,
        r.deleted, r.last_op, r.created_at, r.created_by, r.updated_at, r.updated_by,
    )  # fmt: skip


def from_row(row) -> Rec:
    return Rec(
        row.uuid, row.kind, row.county_code, row.rev, row.version, dict(row.data), dict(row.field_meta),
        bytes(row.geom) if row.geom is not None else None, row.geom_hash, row.deleted, row.last_op,
        row.created_at, row.created_by, row.updated_at, row.updated_by,
    )  # fmt: skip


def load(conn: sa.Connection, uuids: set[str]) -> dict[str, Rec]:
    out: dict[str, Rec] = {}
    ids = sorted(uuids)
    for i in range(0, len(ids), 500):
        rows = conn.execute(select(conn).where(t.records.c.uuid.in_(ids[i : i + 500]))).all()
        out.update({row.uuid: from_row(row) for row in rows})
    return out


def read_one(conn: sa.Connection, uuid: str) -> Rec | None:
    row = conn.execute(select(conn).where(t.records.c.uuid == uuid)).first()
    return from_row(row) if row is not None else None


def county_of(conn: sa.Connection, uuid: str) -> str | None:
    return conn.execute(sa.select(t.records.c.county_code).where(t.records.c.uuid == uuid)).scalar()


def changed_since(conn: sa.Connection, county: str, after: int, limit: int) -> list[Rec]:
    """The county's records changed after sequence `after`, oldest first."""
    q = select(conn).where(t.records.c.county_code == county, t.records.c.rev > after)
    return [from_row(row) for row in conn.execute(q.order_by(t.records.c.rev).limit(limit)).all()]


@dataclass
class RecordSet:
    """The records of one write transaction, loaded once, changed in memory, written at the end."""

    conn: sa.Connection
    principal: Principal
    recs: dict[str, Rec] = field(default_factory=dict)

    def load(self, uuids: set[str]) -> None:
        self.recs.update(load(self.conn, set(uuids) - set(self.recs)))

    def get(self, uuid: Any) -> Rec | None:
        """Any loaded record, of any county (only for deciding; never shown to the user)."""
        return self.recs.get(uuid) if isinstance(uuid, str) else None

    def visible(self, uuid: Any) -> Rec | None:
        """A loaded record of one of the user's counties."""
        rec = self.get(uuid)
        return rec if rec is not None and self.principal.can_see(rec.county_code) else None

    def add(self, rec: Rec) -> None:
        self.recs[rec.uuid] = rec

    def write(self) -> None:
        """Insert the new records and update the changed ones."""
        dirty = [r for r in self.recs.values() if r.dirty]
        new = [r.row() for r in dirty if r.is_new]
        old = [r.row() for r in dirty if not r.is_new]
        if new:
            cols = {c: sa.bindparam(c) for c in new[0] if c != "wkb"}
            self.conn.execute(t.records.insert().values(**cols, geom=self._geom_param()), new)
        if old:
            cols = {c: sa.bindparam("v_" + c) for c in old[0] if c not in ("wkb", *_WRITE_ONCE)}
            stmt = t.records.update().where(t.records.c.uuid == sa.bindparam("v_uuid"))
            params = [{**{"v_" + k: v for k, v in d.items() if k != "wkb"}, "wkb": d["wkb"]} for d in old]
            self.conn.execute(stmt.values(**cols, geom=self._geom_param()), params)
        for r in dirty:
            r.dirty = r.is_new = False

    def _geom_param(self):
        wkb = sa.bindparam("wkb", type_=sa.LargeBinary)
        return sa.func.ST_GeomFromWKB(wkb, 4490) if db.is_pg(self.conn) else wkb
