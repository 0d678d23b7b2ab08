"""Applying changes to records inside one write transaction.

The applier loads every record a batch needs once (`preload`), judges each change on its own
(`apply`: applied, conflict or rejected; RetryLater for a missing photo blob), changes the
records in memory, and writes records, history, conflicts and counters at the end (`flush`).
The order of checks for one change: the envelope (kind, uuid, op), the values
(`values.py`), visibility, the role (`workflow.py`), the model's rules (`checks.py`).
A change that applies then updates the records whose values follow it (`_follow`: a dam's hazard
status after its hazards, an acceptance's figures after its spot checks), in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import shapely
import sqlalchemy as sa
from shuibao.model import DELIST_FIELDS, RECORD_KINDS, links, rules
from shuibao.model.schema import RecordKind

from .. import db, thresholds
from .. import geometry as g
from ..auth import Principal
from ..blobs import catalog
from ..problems import quote
from . import checks, conflicts, history, related, values, workflow
from .compare import same
from .ids import is_uuid
from .outcomes import Rejected, not_found, reject, result
from .records import Rec, RecordSet, parent_of
from .sequence import CountySequence

OPS = ("insert", "update", "delete")


@dataclass
class Applier:
    """Applies changes inside one write transaction; collects the rows to write at the end."""

    conn: sa.Connection
    principal: Principal
    max_vertices: int
    now: Any = field(default_factory=db.utcnow)
    blobs: dict[str, dict] = field(default_factory=dict)  # photo blobs the user may reference
    history_rows: list[dict] = field(default_factory=list)
    conflict_rows: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.records = RecordSet(self.conn, self.principal)
        self.seq = CountySequence(self.conn)
        self.thresholds = thresholds.Cache(self.conn)

    # -- preparation ---------------------------------------------------------------------
    def preload(self, changes: list[dict]) -> None:
        """Load the records and blob rows the changes need, once."""
        self.records.load(related.record_uuids(changes))
        self.records.load(_stored_parents(self.records, changes))  # an update need not resend its parent
        related.load_linked(self.records, changes)
        self.records.expect(changes)
        self.blobs.update(catalog.usable(self.conn, self.principal, related.photo_hashes(changes)))

    def counties_of(self, changes: list[dict]) -> set[str]:
        """The user's counties the changes write to (to lock their counters up front)."""
        out = set()
        for c in changes:
            rec = self.records.get(c.get("uuid"))
            county = (
                rec.county_code if rec is not None else ((c.get("fields") or {}).get("county_code") or {}).get("new")
            )
            if isinstance(county, str) and self.principal.can_see(county):
                out.add(county)
        return out

    def lock_counties(self, counties: set[str]) -> None:
        self.seq.lock(counties)

    # -- one change ----------------------------------------------------------------------
    def apply(self, c: dict, mutation_id: int | None) -> dict:
        """Apply one change; returns its result. Raises RetryLater."""
        try:
            status, extra = self._apply(c, mutation_id)
        except Rejected as e:
            return result(c, mutation_id, "rejected", errors=e.errors)
        finally:
            self.records.settled(c.get("uuid"))
        return result(c, mutation_id, status, **extra)

    def _apply(self, c: dict, mutation_id: int | None) -> tuple[str, dict]:
        kind, uuid, op = _envelope(c)
        workflow.check_writer(kind, self.principal.role)
        fields = values.clean_fields(kind, c.get("fields") or {}, g.max_hex_chars(self.max_vertices))
        rec = self.records.visible(uuid)
        if self.records.get(uuid) is not None and rec is None:
            raise not_found()
        if rec is not None and rec.kind != kind.name:
            raise reject(
                "kind", "kind_mismatch", "记录类型与服务器不一致", f"the record is a {rec.kind}, not a {kind.name}"
            )
        if rec is None:
            if op != "insert":
                raise not_found()
            return self._insert(kind, uuid, fields, mutation_id)
        base_rev = c.get("base_rev") or 0
        if op == "delete":
            return self._delete(kind, rec, base_rev, mutation_id)
        return self._update(kind, rec, base_rev, fields, mutation_id)

    # -- insert --------------------------------------------------------------------------
    def _insert(self, kind: RecordKind, uuid: str, fields: dict, mutation_id: int | None) -> tuple[str, dict]:
        county = fields.get("county_code", (None, None))[1]
        if not isinstance(county, str) or not self.principal.can_see(county):
            raise reject(
                "county_code", "county", "只能在您负责的县内新建记录", "you may only create records in your counties"
            )
        data = {k: v for k, v in rules.defaults(kind).items() if k not in values.SERVER_OWNED}
        data.update({name: new for name, (_old, new) in fields.items() if name != "geom"})
        data["uuid"], data["county_code"] = uuid, county
        wkb, geom = checks.parse_geom(kind, fields.get("geom", (None, None))[1], self.max_vertices)
        workflow.check_transitions(kind, {}, data, self.principal.role, insert=True)
        checks.check_refs(kind, data, county, self.records, self.blobs.keys())
        self._fill_from_blob(kind, data)
        t = self.thresholds.of(county)
        warnings = checks.check_values(kind, None, data, geom, self.records, t)
        checks.check_steps(kind, None, data, self.principal.role, self.records, t)
        rec = self._new_record(kind, uuid, county, data, wkb)
        new_vals = {**data, "geom": g.to_hex(wkb)}
        self._history(rec, "insert", {}, new_vals, mutation_id)
        self.records.settled(uuid)
        self._follow(rec, None, mutation_id)
        return "applied", {"rev": rec.rev, "applied": sorted(new_vals), "warnings": warnings}

    def _new_record(self, kind: RecordKind, uuid: str, county: str, data: dict, wkb: bytes | None) -> Rec:
        seq = self.seq.next(county)
        user = self.principal.username
        stamp = [seq, user, db.iso(self.now)]
        meta = {name: list(stamp) for name, v in data.items() if v is not None}
        if wkb is not None:
            meta["geom"] = list(stamp)
        rec = Rec(
            uuid, kind.name, county, seq, 1, data, meta, wkb, g.geom_hash(wkb), False, "insert",
            self.now, user, self.now, user, is_new=True, dirty=True,
        )  # fmt: skip
        self.records.add(rec)
        return rec

    def _fill_from_blob(self, kind: RecordKind, data: dict) -> None:
        """A photo's size and type are those of its stored blob, whatever the client said."""
        blob = self.blobs.get(data.get("sha256")) if kind.name == "photo" else None
        if blob is not None:
            data["size_bytes"], data["mime_type"] = blob["size_bytes"], blob["mime_type"]

    # -- delete --------------------------------------------------------------------------
    def _delete(self, kind: RecordKind, rec: Rec, base_rev: int, mutation_id: int | None) -> tuple[str, dict]:
        if rec.deleted:
            return "applied", {"rev": rec.rev}
        workflow.check_delete(kind, rec, self.principal)
        if base_rev != rec.rev:
            meta = [rec.rev, rec.updated_by, db.iso(rec.updated_at)]
            row = self._conflict(rec, "*", "delete", (None, None, "deleted"), mutation_id, meta=meta)
            return "conflict", {"rev": rec.rev, "conflicts": [row]}
        self._touch(rec, self.seq.next(rec.county_code), "delete")
        rec.deleted = True
        self._history(rec, "delete", {"deleted": False}, {"deleted": True}, mutation_id)
        self.records.settled(rec.uuid)
        self._follow(rec, rec.data, mutation_id)
        return "applied", {"rev": rec.rev, "applied": ["deleted"]}

    # -- update --------------------------------------------------------------------------
    def _update(
        self, kind: RecordKind, rec: Rec, base_rev: int, fields: dict, mutation_id: int | None
    ) -> tuple[str, dict]:
        if "county_code" in fields and fields["county_code"][1] != rec.county_code:
            raise reject(
                "county_code", "county_immutable", "记录的县级代码不能修改", "a record's county code cannot change"
            )
        fields.pop("county_code", None)
        if rec.deleted:
            self._check_kept(kind, {n: v for n, (_o, v) in fields.items()})
            rows = [
                self._conflict(rec, n, "deleted", (o, rec.value(n), v), mutation_id) for n, (o, v) in fields.items()
            ]
            return "conflict", {"rev": rec.rev, "conflicts": rows}
        if _blocked_by_delisting(kind, rec, fields):
            return self._conflicts_when_delisted(kind, rec, fields, mutation_id)
        changed = {n for n, (_old, new) in fields.items() if not same(kind, n, rec.value(n), new)}
        workflow.check_final(kind, rec.data, changed, self.principal.role)
        parent = self.records.original.get(parent_of(rec) or "")  # as it was before this batch
        if parent is not None and (frozen := rules.frozen_under(kind, parent)):
            raise Rejected([p.as_dict() for p in frozen])  # a signed acceptance's spot checks
        applied, clashes = self._merge(kind, rec, base_rev, fields)
        self._check_kept(kind, {n: c for n, _o, _s, c in clashes})
        data, wkb, geom = self._merged_values(kind, rec, applied)
        workflow.check_transitions(kind, rec.data, data, self.principal.role, insert=False)
        t = self.thresholds.of(rec.county_code)
        checks.check_steps(kind, rec.data, data, self.principal.role, self.records, t)
        if checks.references_changed(kind, applied):
            checks.check_refs(kind, data, rec.county_code, self.records, self.blobs.keys())
            self._fill_from_blob(kind, data)
        warnings = checks.check_values(kind, rec.data, data, geom, self.records, t)
        rows = [self._conflict(rec, n, "field", (o, s, c), mutation_id) for n, o, s, c in clashes]
        geom_changed = "geom" in applied and g.geom_hash(wkb) != rec.geom_hash
        before = rec.data
        new_vals = self._write_update(kind, rec, data, (geom_changed, wkb), mutation_id)
        self.records.settled(rec.uuid)
        if new_vals:
            self._follow(rec, before, mutation_id)
        status = "conflict" if rows else "applied"
        return status, {"rev": rec.rev, "applied": sorted(new_vals), "conflicts": rows, "warnings": warnings}

    def _merge(self, kind: RecordKind, rec: Rec, base_rev: int, fields: dict) -> tuple[dict, list]:
        """Three-way, per field: ({field: new} to apply, [(field, old, server, new)] conflicts)."""
        applied: dict[str, Any] = {}
        clashes: list[tuple[str, Any, Any, Any]] = []
        for name, (old, new) in fields.items():
            server = rec.value(name)
            if same(kind, name, server, new):
                continue  # same value on both sides: never a conflict
            if base_rev == rec.rev or same(kind, name, server, old):
                applied[name] = new
            else:
                clashes.append((name, old, server, new))
        return applied, clashes

    def _merged_values(self, kind: RecordKind, rec: Rec, applied: dict) -> tuple[dict, bytes | None, Any]:
        """The record's data and geometry with the applied fields."""
        data = {**rec.data, **{n: v for n, v in applied.items() if n != "geom"}}
        wkb, geom = rec.wkb, None
        if "geom" in applied:
            wkb, geom = checks.parse_geom(kind, applied["geom"], self.max_vertices)
        if geom is None and wkb is not None:
            geom = shapely.from_wkb(wkb)
        return data, wkb, geom

    def _write_update(self, kind: RecordKind, rec: Rec, data: dict, geom: tuple, mutation_id: int | None) -> dict:
        """Change `rec` to the new values, if any differ; `geom` is (changed, new WKB).

        Returns the new values of the changed fields."""
        changed = [n for n in data if not same(kind, n, rec.data.get(n), data[n])]
        geom_changed, wkb = geom
        if not changed and not geom_changed:
            return {}
        seq = self.seq.next(rec.county_code)
        old_vals = {n: rec.data.get(n) for n in changed}
        new_vals = {n: data[n] for n in changed}
        if geom_changed:
            old_vals["geom"], new_vals["geom"] = rec.geom_hex(), g.to_hex(wkb)
            rec.wkb, rec.geom_hash = wkb, g.geom_hash(wkb)
        stamp = [seq, self.principal.username, db.iso(self.now)]
        rec.field_meta.update({n: list(stamp) for n in new_vals})
        old_parent = parent_of(rec)
        rec.data = data
        if parent_of(rec) != old_parent:
            self.records.moved(rec, old_parent)
        self._touch(rec, seq, "update")
        self._history(rec, "update", old_vals, new_vals, mutation_id)
        return new_vals

    def _follow(self, rec: Rec, before: dict | None, mutation_id: int | None, depth: int = 0) -> None:
        """Update the records whose values follow `rec` (model.links), which was `before` (None: it
        is new), and in turn the records that follow those. A record at its final step (a signed
        acceptance, a de-listed dam) keeps its values."""
        if depth >= related.ROUNDS:
            return
        field = RECORD_KINDS[rec.kind].parent_field
        parents = {parent_of(rec), (before or {}).get(field) if field else None}  # both, when it moved
        for parent in {p for p in parents if isinstance(p, str)} or {None}:
            for dep in related.followers(self.records, rec.kind, rec.uuid, parent):
                if links.at_final_step(dep.kind, dep.data):
                    continue
                dkind = RECORD_KINDS[dep.kind]
                t = self.thresholds.of(dep.county_code)
                ctx = checks.context(dkind, dep.data, None, self.records, t)
                was = checks.context(dkind, dep.data, None, self.records, t, replace=(rec.kind, rec.uuid, before))
                changes = rules.refresh(dkind, dep.data, ctx, was)
                if changes:
                    old = dep.data
                    self._write_update(dkind, dep, {**dep.data, **changes}, (False, dep.wkb), mutation_id)
                    self._follow(dep, old, mutation_id, depth + 1)

    def _conflicts_when_delisted(self, kind: RecordKind, rec: Rec, fields: dict, mutation_id: int | None):
        """Edits to a de-listed record (other than re-registering it) become conflicts."""
        kept = {n: (o, rec.value(n), v) for n, (o, v) in fields.items() if not same(kind, n, rec.value(n), v)}
        self._check_kept(kind, {n: v for n, (_o, _s, v) in kept.items()})
        rows = [self._conflict(rec, n, "delisted", vals, mutation_id) for n, vals in kept.items()]
        return ("conflict" if rows else "applied"), {"rev": rec.rev, "conflicts": rows}

    def _check_kept(self, kind: RecordKind, kept: dict[str, Any]) -> None:
        """A client value kept in a conflict row must fit its field: resolving may write it."""
        if kept.get("geom") is not None:
            checks.parse_geom(kind, kept["geom"], self.max_vertices)
        values.check_fields(kind, {n: v for n, v in kept.items() if n != "geom"})

    # -- bookkeeping ---------------------------------------------------------------------
    def _touch(self, rec: Rec, seq: int, op: str) -> None:
        rec.rev = seq
        rec.version += 1
        rec.last_op = op
        rec.updated_at = self.now
        rec.updated_by = self.principal.username
        rec.dirty = True

    def _history(self, rec: Rec, op: str, old: dict, new: dict, mutation_id: int | None) -> None:
        self.history_rows.append(history.entry(rec, op, old, new, self.principal, mutation_id, self.now))

    def _conflict(self, rec: Rec, name: str, reason: str, vals: tuple, mutation_id: int | None, meta=None) -> dict:
        base, server, client = vals
        row = conflicts.entry(
            rec, name, reason, base, server, client, number=self.seq.next_conflict(rec.county_code),
            principal=self.principal, mutation_id=mutation_id, at=self.now, meta=meta,
        )  # fmt: skip
        self.conflict_rows.append(row)
        return row

    # -- writing -------------------------------------------------------------------------
    def settle(self, mutation_id: int | None = None) -> None:
        """Compute again, as the server now holds its related records, what was judged counting in
        later changes of the batch (one of them may have been refused)."""
        self.records.ahead.clear()
        for uuid in sorted(self.records.provisional):
            rec = self.records.get(uuid)
            if rec is None or rec.deleted or not rec.dirty:
                continue  # refused after all (nothing of it changed), or gone
            kind = RECORD_KINDS[rec.kind]
            ctx = checks.context(kind, rec.data, None, self.records, self.thresholds.of(rec.county_code))
            changes = rules.refresh(kind, rec.data, ctx)
            if changes:
                self._write_update(kind, rec, {**rec.data, **changes}, (False, rec.wkb), mutation_id)
        self.records.provisional.clear()

    def flush(self) -> list[int]:
        """Write records, history, conflicts and counters. Returns the new conflict ids."""
        self.settle()
        self.records.write()
        history.write(self.conn, self.history_rows)
        ids = conflicts.write(self.conn, self.conflict_rows)
        self.history_rows, self.conflict_rows = [], []
        self.seq.write()
        return ids


def _envelope(c: dict) -> tuple[RecordKind, str, str]:
    """The change's kind, uuid and op, checked."""
    kind = RECORD_KINDS.get(c.get("kind"))
    if kind is None:
        shown = quote(c.get("kind"))
        raise reject("kind", "unknown_kind", f"未知记录类型：{shown}", f"unknown record kind: {shown}")
    uuid = c.get("uuid")
    if not is_uuid(uuid):
        raise reject("uuid", "uuid", "全局标识不是有效的UUID", "uuid is not a valid UUID")
    op = c.get("op")
    if op not in OPS:
        raise reject("op", "op", "操作应为 insert/update/delete", "op must be insert, update or delete")
    return kind, uuid, op


def _stored_parents(records: RecordSet, changes: list[dict]) -> set[str]:
    """The parents of the loaded records the changes touch (their references are checked again)."""
    out = set()
    for c in changes:
        rec = records.get(c.get("uuid"))
        kind = RECORD_KINDS.get(rec.kind) if rec is not None else None
        name = "parent_uuid" if rec is not None and rec.kind == "photo" else (kind.parent_field if kind else None)
        ref = rec.data.get(name) if rec is not None and name else None
        if isinstance(ref, str) and is_uuid(ref):
            out.add(ref)
    return out


def _blocked_by_delisting(kind: RecordKind, rec: Rec, fields: dict) -> bool:
    """A de-listed record takes only de-listing fields, unless the change re-registers it."""
    delisted = kind.delisting and rec.data.get("register_status") == "delisted"
    reregister = "register_status" in fields and fields["register_status"][1] not in (None, "delisted")
    return bool(delisted and not reregister and set(fields) - DELIST_FIELDS)
