"""The `records` table: one row per record of any kind, read into `Rec` and written back.

`RecordSet` holds every record a push needs, loaded once at the start of its transaction:
the records the changes touch and the records they refer to (`related.py` says which).
Rules that need other records look them up here, never with their own queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from shuibao.model import RECORD_KINDS

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


def load_children(conn: sa.Connection, kind: str, parents: set[str]) -> dict[str, Rec]:
    """The records of `kind` whose parent field holds one of `parents` (deleted ones too)."""
    name = RECORD_KINDS[kind].parent_field
    ids = sorted(parents)
    out: dict[str, Rec] = {}
    for i in range(0, len(ids), 500):
        parent = t.records.c.data[name].as_string()
        q = select(conn).where(t.records.c.kind == kind, parent.in_(ids[i : i + 500]))
        out.update({row.uuid: from_row(row) for row in conn.execute(q).all()})
    return out


def parent_of(rec: Rec) -> str | None:
    """The uuid of a record's parent (None for an object, or a photo)."""
    name = RECORD_KINDS[rec.kind].parent_field if rec.kind in RECORD_KINDS else None
    value = rec.data.get(name) if name else None
    return value if isinstance(value, str) else None


def read_one(conn: sa.Connection, uuid: str) -> Rec | None:
    row = conn.execute(select(conn).where(t.records.c.uuid == uuid)).first()
    return from_row(row) if row is not None else None


def county_of(conn: sa.Connection, uuid: str) -> str | None:
    return conn.execute(sa.select(t.records.c.county_code).where(t.records.c.uuid == uuid)).scalar()


def of_kinds(conn: sa.Connection, kinds: list[str], counties: set[str] | None) -> list[Rec]:
    """The live (not deleted) records of ``kinds`` in ``counties`` (None: every county)."""
    r = t.records.c
    q = select(conn).where(r.kind.in_(kinds), r.deleted.is_(False))
    if counties is not None:
        q = q.where(r.county_code.in_(sorted(counties)))
    return [from_row(row) for row in conn.execute(q.order_by(r.county_code, r.rev)).all()]


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
    _by_parent: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (kind, parent) -> uuids
    _children_loaded: set[tuple[str, str]] = field(default_factory=set)
    # The records later changes of the batch will change: uuid -> (kind, values they will have; None: deleted).
    ahead: dict[str, tuple[str, dict | None]] = field(default_factory=dict)
    provisional: set[str] = field(default_factory=set)  # records judged with `ahead` values counted in
    original: dict[str, dict] = field(default_factory=dict)  # uuid -> values as loaded, before this batch

    def load(self, uuids: set[str]) -> None:
        for rec in load(self.conn, set(uuids) - set(self.recs)).values():
            self.add(rec)
            self.original[rec.uuid] = dict(rec.data)

    def load_children(self, kind: str, parents: set[str]) -> None:
        """Load every record of `kind` under each of `parents` (once per kind and parent)."""
        todo = {p for p in parents if (kind, p) not in self._children_loaded}
        if todo:
            for rec in load_children(self.conn, kind, todo).values():
                if rec.uuid not in self.recs:
                    self.add(rec)
                    self.original[rec.uuid] = dict(rec.data)
            self._children_loaded.update((kind, p) for p in todo)

    def children(self, kind: str, parent: str | None) -> list[Rec]:
        """The not deleted records of `kind` under `parent` (loaded now unless related.py did)."""
        if not parent:
            return []
        self.load_children(kind, {parent})
        uuids = self._by_parent.get((kind, parent), ())
        return [r for r in (self.recs[u] for u in sorted(uuids)) if not r.deleted]

    def expect(self, changes: list[dict]) -> None:
        """Note what the batch's changes will make of their records (values as sent, on top of the
        loaded ones), so that a record judged before its children sees them as the batch leaves them:
        an acceptance signed offline arrives before the spot checks it was signed with."""
        for c in changes:
            kind, uuid, fields = c.get("kind"), c.get("uuid"), c.get("fields")
            if kind not in RECORD_KINDS or not isinstance(uuid, str) or not isinstance(fields, dict):
                continue
            if c.get("op") == "delete":
                self.ahead[uuid] = (kind, None)
                continue
            rec = self.get(uuid)
            sent = {n: fv.get("new") for n, fv in fields.items() if isinstance(fv, dict) and n != "geom"}
            self.ahead[uuid] = (kind, {**(rec.data if rec is not None else {}), **sent})

    def settled(self, uuid: Any) -> None:
        """The change of `uuid` was judged: from now on the record is as the server holds it."""
        if isinstance(uuid, str):
            self.ahead.pop(uuid, None)

    def children_values(self, kind: str, parent: str | None) -> tuple[dict[str, dict], bool]:
        """The values of the records of `kind` under `parent` as the batch will leave them, and
        whether the batch's later changes were counted in."""
        out = {r.uuid: r.data for r in self.children(kind, parent)}
        name = RECORD_KINDS[kind].parent_field
        later = False
        for uuid, (k, values) in self.ahead.items():
            if k != kind or not parent:
                continue
            if values is None and uuid in out:
                del out[uuid]
                later = True
            elif values is not None and values.get(name) == parent:
                out[uuid] = values
                later = True
        return out, later

    def moved(self, rec: Rec, old_parent: str | None) -> None:
        """Keep the parent index right after a record's parent field changed."""
        self._by_parent.get((rec.kind, old_parent or ""), set()).discard(rec.uuid)
        self._index(rec)

    def _index(self, rec: Rec) -> None:
        parent = parent_of(rec)
        if parent:
            self._by_parent.setdefault((rec.kind, parent), set()).add(rec.uuid)

    def get(self, uuid: Any) -> Rec | None:
        """Any loaded record, of any county (only for deciding; never shown to the user)."""
        return self.recs.get(uuid) if isinstance(uuid, str) else None

    def visible(self, uuid: Any) -> Rec | None:
        """A loaded record of one of the user's counties."""
        rec = self.get(uuid)
        return rec if rec is not None and self.principal.can_see(rec.county_code) else None

    def add(self, rec: Rec) -> None:
        self.recs[rec.uuid] = rec
        self._index(rec)

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
