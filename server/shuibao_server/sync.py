"""Push (apply a batch of client mutations) and pull (changes since a cursor).

The rules, in short (docs/API.md has the long version):

* Mutation ids are per device and consecutive. Ids at or below the device's last id return
  their stored result; a gap is refused before anything is applied; data, mutation results
  and the last id commit in one transaction.
* Each change is judged on its own: applied, conflict (some fields kept the server value,
  the others were applied), rejected (nothing applied, reason recorded, id advanced), or
  retry (a referenced photo blob is missing: nothing recorded, the batch stops there).
* Sequence numbers are per county, taken from a counter row locked for the whole push
  transaction, so commit order equals sequence order and a pull cursor never skips a change.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import re
import uuid as uuidlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import shapely
import sqlalchemy as sa
from shuibao.model import RECORD_KINDS, rules
from shuibao.model.schema import BOOL, MULTI_ENUM, REAL, RecordKind
from sqlalchemy.exc import DBAPIError, IntegrityError

from . import db
from . import geometry as g
from . import tables as t
from .auth import Principal
from .problems import ProblemError, error

log = logging.getLogger(__name__)

SERVER_OWNED = {"server_rev", "created_at", "created_by", "updated_at", "updated_by", "uuid"}
TOP_LEVEL_DELETE_ROLES = ("technician", "admin")
DELIST_FIELDS = {"register_status", "delist_reason", "delist_date"}
OPS = ("insert", "update", "delete")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SHA_RE = re.compile(r"^[0-9a-f]{64}$")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


# ------------------------------------------------------------------------------------------
# Value comparison
# ------------------------------------------------------------------------------------------
def _norm(kind: RecordKind, name: str, value: Any) -> Any:
    """A canonical form for comparing two values of a field (never stored)."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    try:
        ftype = kind.field(name).type
    except KeyError:
        return value
    if ftype == BOOL and value in (0, 1):
        return bool(value)
    if ftype == REAL and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if ftype == MULTI_ENUM:
        try:
            codes = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            return value
        if isinstance(codes, list):
            try:
                return tuple(sorted(codes))
            except TypeError:
                return value
        return value
    return value


def _hex_hash(value: Any) -> Any:
    """Geometry compared by the hash of its normalised WKB (an unparsable value compares as itself)."""
    if value is None or value == "":
        return None
    try:
        return g.geom_hash(binascii.unhexlify(value))
    except Exception:  # malformed client 'old' values compare unequal to everything valid
        return ("raw", str(value))


# ------------------------------------------------------------------------------------------
# Cursor
# ------------------------------------------------------------------------------------------
def encode_cursor(positions: dict[str, int]) -> str:
    raw = json.dumps({k: v for k, v in sorted(positions.items()) if v}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=") or "0"


def decode_cursor(cursor: str | None) -> dict[str, int]:
    if not cursor or cursor == "0":
        return {}
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError
        out = {}
        for k, v in data.items():
            if not (isinstance(k, str) and len(k) == 6 and k.isdigit() and isinstance(v, int) and v >= 0):
                raise ValueError
            out[k] = v
        return out
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ProblemError(
            400, "bad-cursor", "Bad cursor", "the cursor is not one this server handed out",
            errors=[error("cursor", "cursor", "同步游标无效，请从头同步", "invalid cursor: pull again from the start")],
        ) from None  # fmt: skip


# ------------------------------------------------------------------------------------------
# Records in memory during a push
# ------------------------------------------------------------------------------------------
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

    def values(self) -> dict[str, Any]:
        return record_values(self)


def record_values(rec: Rec | dict) -> dict[str, Any]:
    """The full values of a record as the API shows them: model fields, audit fields, geom."""
    if isinstance(rec, Rec):
        data, wkb = rec.data, rec.wkb
        audit = (rec.created_at, rec.created_by, rec.updated_at, rec.updated_by, rec.rev)
    else:
        data, wkb = rec["data"], rec["geom"]
        audit = (rec["created_at"], rec["created_by"], rec["updated_at"], rec["updated_by"], rec["rev"])
    out = dict(data)
    out["created_at"] = db.iso(audit[0])
    out["created_by"] = audit[1]
    out["updated_at"] = db.iso(audit[2])
    out["updated_by"] = audit[3]
    out["server_rev"] = audit[4]
    out["geom"] = g.to_hex(bytes(wkb)) if wkb is not None else None
    return out


def _record_select(conn: sa.Connection):
    r = t.records.c
    return sa.select(
        r.uuid, r.kind, r.county_code, r.rev, r.version, r.data, r.field_meta, db.geom_column(conn), r.geom_hash,
        r.deleted, r.last_op, r.created_at, r.created_by, r.updated_at, r.updated_by,
    )  # fmt: skip


def _row_to_rec(row) -> Rec:
    return Rec(
        row.uuid, row.kind, row.county_code, row.rev, row.version, dict(row.data), dict(row.field_meta),
        bytes(row.geom) if row.geom is not None else None, row.geom_hash, row.deleted, row.last_op,
        row.created_at, row.created_by, row.updated_at, row.updated_by,
    )  # fmt: skip


def load_records(conn: sa.Connection, uuids: set[str]) -> dict[str, Rec]:
    out: dict[str, Rec] = {}
    ids = sorted(uuids)
    for i in range(0, len(ids), 500):
        rows = conn.execute(_record_select(conn).where(t.records.c.uuid.in_(ids[i : i + 500]))).all()
        out.update({row.uuid: _row_to_rec(row) for row in rows})
    return out


# ------------------------------------------------------------------------------------------
# Workflow transitions
# ------------------------------------------------------------------------------------------


def _reachable(workflow, source: str, target: str, role: str) -> bool:
    """Can `role` walk from `source` to `target` through transitions it may perform each?"""
    seen, todo = {source}, deque([source])
    while todo:
        step = todo.popleft()
        for tr in workflow.allowed(step, role):
            if tr.target == target:
                return True
            if tr.target not in seen:
                seen.add(tr.target)
                todo.append(tr.target)
    return False


def _transition_problems(kind: RecordKind, before: dict, after: dict, role: str, insert: bool) -> list[dict]:
    problems = []
    for wf in kind.workflows():
        name = wf.state_field
        src = wf.initial if insert else (before.get(name) or wf.initial)
        dst = after.get(name) or wf.initial
        if src == dst:
            continue
        if dst not in wf.step_codes():
            continue  # an unknown step is reported by validation as an enum problem
        if not _reachable(wf, src, dst, role):
            p = rules.check_transition(kind, src, dst, role, state_field=name)
            if p is None:  # a multi-step path whose first step the role may take, but not the rest
                p = rules.Problem(
                    name, "transition", f"不允许从“{src}”转到“{dst}”", f"no transition from '{src}' to '{dst}'"
                )
            problems.append(p.as_dict())
    return problems


# ------------------------------------------------------------------------------------------
# Applying changes
# ------------------------------------------------------------------------------------------
class RetryLater(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__("retry later")
        self.errors = errors


class Rejected(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__("rejected")
        self.errors = errors


def _reject(fieldname: str | None, code: str, zh: str, en: str) -> Rejected:
    return Rejected([error(fieldname, code, zh, en)])


@dataclass
class Applier:
    """Applies changes inside one write transaction; collects the rows to write at the end."""

    conn: sa.Connection
    principal: Principal
    max_vertices: int
    now: Any = field(default_factory=db.utcnow)
    cache: dict[str, Rec] = field(default_factory=dict)
    seqs: dict[str, int] = field(default_factory=dict)
    history_rows: list[dict] = field(default_factory=list)
    conflict_rows: list[dict] = field(default_factory=list)
    blobs_known: set[str] = field(default_factory=set)

    # -- preparation ---------------------------------------------------------------------
    def preload(self, changes: list[dict]) -> None:
        uuids = {c["uuid"] for c in changes if isinstance(c.get("uuid"), str)}
        for c in changes:
            kind = RECORD_KINDS.get(c.get("kind"))
            fields = c.get("fields") or {}
            if kind is not None and kind.parent_field and isinstance(fields.get(kind.parent_field), dict):
                ref = fields[kind.parent_field].get("new")
                if isinstance(ref, str):
                    uuids.add(ref)
            if c.get("kind") == "photo" and isinstance(fields.get("parent_uuid"), dict):
                ref = fields["parent_uuid"].get("new")
                if isinstance(ref, str):
                    uuids.add(ref)
        uuids = {u for u in uuids if UUID_RE.match(u)}
        self.cache.update(load_records(self.conn, uuids - set(self.cache)))
        shas = set()
        for c in changes:
            if c.get("kind") == "photo" and isinstance((c.get("fields") or {}).get("sha256"), dict):
                sha = c["fields"]["sha256"].get("new")
                if isinstance(sha, str) and SHA_RE.match(sha):
                    shas.add(sha)
        if shas:
            rows = self.conn.execute(sa.select(t.blobs.c.sha256).where(t.blobs.c.sha256.in_(sorted(shas)))).scalars()
            self.blobs_known.update(rows)

    def counties_of(self, changes: list[dict]) -> set[str]:
        out = set()
        for c in changes:
            rec = self.cache.get(c.get("uuid"))
            if rec is not None:
                county = rec.county_code
            else:
                county = ((c.get("fields") or {}).get("county_code") or {}).get("new")
            if isinstance(county, str) and self.principal.can_see(county):
                out.add(county)
        return out

    def lock_counties(self, counties: set[str]) -> None:
        """Lock the sequence counter of every county the batch touches, in a fixed order."""
        todo = sorted(set(counties) - set(self.seqs))
        if not todo:
            return
        db.insert_ignore(self.conn, t.county_seq, [{"county_code": c, "last_seq": 0} for c in todo], ["county_code"])
        q = sa.select(t.county_seq.c.county_code, t.county_seq.c.last_seq).where(t.county_seq.c.county_code.in_(todo))
        if db.is_pg(self.conn):
            q = q.order_by(t.county_seq.c.county_code).with_for_update()
        for county, last in self.conn.execute(q).all():
            self.seqs[county] = int(last)

    def next_seq(self, county: str) -> int:
        self.seqs[county] += 1
        return self.seqs[county]

    # -- one change ----------------------------------------------------------------------
    def apply(self, c: dict, mutation_id: int | None) -> dict:
        """Apply one change; returns its result. Raises RetryLater."""
        base = {"mutation_id": mutation_id, "kind": c.get("kind"), "uuid": c.get("uuid")}
        try:
            res = self._apply(c, mutation_id)
        except Rejected as e:
            return {**base, "status": "rejected", "rev": None, "applied": [], "conflicts": [], "errors": e.errors}
        return {**base, "errors": [], **res}

    def _visible(self, uuid: str) -> Rec | None:
        rec = self.cache.get(uuid)
        if rec is None or not self.principal.can_see(rec.county_code):
            return None
        return rec

    def _apply(self, c: dict, mutation_id: int | None) -> dict:
        kind = RECORD_KINDS.get(c.get("kind"))
        if kind is None:
            raise _reject("kind", "unknown_kind", f"未知记录类型：{c.get('kind')}", f"unknown record kind: {c.get('kind')}")
        writer = rules.check_writer(kind, self.principal.role)
        if writer is not None:
            raise Rejected([writer.as_dict()])
        uuid = c.get("uuid")
        try:
            if not isinstance(uuid, str) or not UUID_RE.match(uuid) or str(uuidlib.UUID(uuid)) != uuid:
                raise ValueError
        except ValueError:
            raise _reject("uuid", "uuid", "全局标识不是有效的UUID", "uuid is not a valid UUID") from None
        op = c.get("op")
        if op not in OPS:
            raise _reject("op", "op", "操作应为 insert/update/delete", "op must be insert, update or delete")
        base_rev = c.get("base_rev") or 0
        fields = self._clean_fields(kind, c.get("fields") or {})
        exists = self.cache.get(uuid)
        rec = self._visible(uuid)
        if exists is not None and rec is None:
            # Another county's record: indistinguishable from a missing one, for reads and writes.
            raise _reject(None, "not_found", "未找到该记录，或不在您负责的县内", "record not found or not in your counties")
        if rec is not None and rec.kind != kind.name:
            raise _reject("kind", "kind_mismatch", "记录类型与服务器不一致", f"the record is a {rec.kind}, not a {kind.name}")
        if op == "delete":
            if rec is None:
                raise _reject(None, "not_found", "未找到该记录，或不在您负责的县内", "record not found or not in your counties")
            return self._delete(kind, rec, base_rev, mutation_id)
        if rec is None:
            if op == "update":
                raise _reject(None, "not_found", "未找到该记录，或不在您负责的县内", "record not found or not in your counties")
            return self._insert(kind, uuid, fields, mutation_id)
        return self._update(kind, rec, base_rev, fields, mutation_id)

    def _clean_fields(self, kind: RecordKind, fields: Any) -> dict[str, tuple[Any, Any]]:
        if not isinstance(fields, dict):
            raise _reject("fields", "type", "fields 应为对象", "fields must be an object")
        known = set(kind.field_names()) | {"geom"}
        out: dict[str, tuple[Any, Any]] = {}
        errors = []
        for name, fv in fields.items():
            if name in SERVER_OWNED:
                continue  # server-owned: ignored
            if name not in known:
                errors.append(error(name, "unknown", f"未知字段：{name}", f"unknown field: {name}"))
                continue
            if name != "geom" and kind.field(name).derived:
                continue  # derived on the server
            if not isinstance(fv, dict) or "new" not in fv:
                errors.append(error(name, "type", f"{name}：应为 {{old, new}}", f"{name}: expected {{old, new}}"))
                continue
            new = fv.get("new")
            if _has_nul(new) or _has_nul(fv.get("old")):
                errors.append(error(name, "type", f"{name}：含有非法字符", f"{name}: contains a NUL character"))
                continue
            if isinstance(new, float) and not math.isfinite(new):
                errors.append(error(name, "type", f"{name}：数值无效", f"{name}: not a finite number"))
                continue
            out[name] = (fv.get("old"), new)
        if errors:
            raise Rejected(errors)
        return out

    def _geom(self, kind: RecordKind, hex_value: Any) -> tuple[bytes | None, Any]:
        if hex_value is None or hex_value == "":
            return None, None
        try:
            geom = g.parse(hex_value, kind.geometry, self.max_vertices)
        except g.GeomProblem as p:
            raise Rejected([p.as_dict()]) from None
        return g.to_wkb(geom), geom

    def _context(self, kind: RecordKind, data: dict, geom) -> rules.Context:
        ctx = rules.Context()
        if geom is not None and geom.geom_type in ("Polygon", "MultiPolygon"):
            ctx.polygons = g.polygons(geom)
        ctx.point = g.point(geom)
        if kind.parent_field:
            parent = self.cache.get(data.get(kind.parent_field) or "")
            if parent is not None and parent.wkb is not None:
                ctx.parent_point = g.point(shapely.from_wkb(parent.wkb))
        return ctx

    def _check_refs(self, kind: RecordKind, data: dict, county: str) -> None:
        refs = []
        if kind.parent_field:
            refs.append((kind.parent_field, kind.parent, data.get(kind.parent_field)))
        if kind.name == "photo":
            refs.append(("parent_uuid", data.get("parent_kind"), data.get("parent_uuid")))
        for name, parent_kind, ref in refs:
            if not ref:
                continue  # a missing value is reported by validation as required
            parent = self._visible(ref) if isinstance(ref, str) else None
            if parent is None or parent.kind != parent_kind or parent.deleted:
                raise _reject(name, "ref", "上级记录不存在或不在您负责的县内", f"parent {parent_kind} {ref} not found")
            if parent.county_code != county:
                raise _reject("county_code", "county", "子记录须与上级记录同县", "a child record must be in its parent's county")
        if kind.name == "photo":
            sha = data.get("sha256")
            if isinstance(sha, str) and sha not in self.blobs_known:
                raise RetryLater(
                    [error("sha256", "blob_missing", "照片文件尚未上传，请先上传后重试",
                           "the photo blob is not on the server yet: upload it, then push again")]
                )  # fmt: skip

    def _derive(self, kind: RecordKind, data: dict, geom) -> dict:
        try:
            return rules.derive(kind, data, self._context(kind, data, geom))
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise _reject(None, "derive", "无法计算派生字段，请检查数值", f"derived fields could not be computed: {exc}") from None

    def _validate(self, kind: RecordKind, before: dict | None, after: dict, check_required: bool = True) -> None:
        new_problems = [p.as_dict() for p in rules.validate(kind, after, check_required=check_required)]
        if new_problems and not check_required:  # report the missing values in the same answer
            check_required = True
            new_problems = [p.as_dict() for p in rules.validate(kind, after)]
        if before is not None and new_problems:
            old = {(p.field, p.code) for p in rules.validate(kind, before, check_required=check_required)}
            new_problems = [p for p in new_problems if (p["field"], p["code"]) not in old]
        if new_problems:
            raise Rejected(new_problems)

    def _insert(self, kind: RecordKind, uuid: str, fields: dict, mutation_id: int | None) -> dict:
        county = fields.get("county_code", (None, None))[1]
        if not isinstance(county, str) or not self.principal.can_see(county):
            raise _reject(
                "county_code", "county", "只能在您负责的县内新建记录", "you may only create records in your counties"
            )
        if county not in self.seqs:
            self.lock_counties({county})
        data = {k: v for k, v in rules.defaults(kind).items() if k not in SERVER_OWNED}
        for name, (_old, new) in fields.items():
            if name != "geom":
                data[name] = new
        data["uuid"], data["county_code"] = uuid, county
        wkb, geom = self._geom(kind, fields.get("geom", (None, None))[1])
        problems = _transition_problems(kind, {}, data, self.principal.role, insert=True)
        if problems:
            raise Rejected(problems)
        self._validate(kind, None, data, check_required=False)
        data.update(self._derive(kind, data, geom))
        self._validate(kind, None, data)
        self._check_refs(kind, data, county)
        seq = self.next_seq(county)
        user, at = self.principal.username, db.iso(self.now)
        meta = {name: [seq, user, at] for name, v in data.items() if v is not None}
        if wkb is not None:
            meta["geom"] = [seq, user, at]
        rec = Rec(
            uuid, kind.name, county, seq, 1, data, meta, wkb, g.geom_hash(wkb), False, "insert",
            self.now, user, self.now, user, is_new=True, dirty=True,
        )  # fmt: skip
        self.cache[uuid] = rec
        new_vals = dict(data)
        new_vals["geom"] = g.to_hex(wkb)
        self._history(rec, "insert", {}, new_vals, mutation_id)
        return {"status": "applied", "rev": seq, "applied": sorted(new_vals), "conflicts": []}

    def _delete(self, kind: RecordKind, rec: Rec, base_rev: int, mutation_id: int | None) -> dict:
        if kind.parent is None and kind.name != "photo" and self.principal.role not in TOP_LEVEL_DELETE_ROLES:
            raise _reject(None, "role", "只有技术员或管理员可以删除登记对象（请使用销号）",
                          "only a technician or an admin may delete a registered object (de-list it instead)")  # fmt: skip
        if rec.deleted:
            return {"status": "applied", "rev": rec.rev, "applied": [], "conflicts": []}
        if base_rev != rec.rev:
            row = self._conflict(rec, "*", "delete", None, None, "deleted", mutation_id, meta=[rec.rev, rec.updated_by, db.iso(rec.updated_at)])
            return {"status": "conflict", "rev": rec.rev, "applied": [], "conflicts": [row]}
        seq = self.next_seq(rec.county_code)
        self._touch(rec, seq, "delete")
        rec.deleted = True
        self._history(rec, "delete", {"deleted": False}, {"deleted": True}, mutation_id)
        return {"status": "applied", "rev": seq, "applied": ["deleted"], "conflicts": []}

    def _update(self, kind: RecordKind, rec: Rec, base_rev: int, fields: dict, mutation_id: int | None) -> dict:
        if "county_code" in fields and fields["county_code"][1] != rec.county_code:
            raise _reject("county_code", "county_immutable", "记录的县级代码不能修改", "a record's county code cannot change")
        fields.pop("county_code", None)
        if rec.deleted:
            rows = [
                self._conflict(rec, name, "deleted", old, self._server_value(rec, name), new, mutation_id)
                for name, (old, new) in fields.items()
            ]
            return {"status": "conflict", "rev": rec.rev, "applied": [], "conflicts": rows}
        delisted = kind.delisting and rec.data.get("register_status") == "delisted"
        reregister = "register_status" in fields and fields["register_status"][1] not in (None, "delisted")
        if delisted and not reregister and set(fields) - DELIST_FIELDS:
            rows = []
            for name, (old, new) in fields.items():
                server = self._server_value(rec, name)
                if self._same(kind, name, server, new):
                    continue
                rows.append(self._conflict(rec, name, "delisted", old, server, new, mutation_id))
            return {"status": "conflict" if rows else "applied", "rev": rec.rev, "applied": [], "conflicts": rows}

        applied: dict[str, Any] = {}
        conflicts: list[tuple[str, Any, Any, Any]] = []
        for name, (old, new) in fields.items():
            server = self._server_value(rec, name)
            if self._same(kind, name, server, new):
                continue  # same value on both sides: never a conflict
            if base_rev == rec.rev or self._same(kind, name, server, old):
                applied[name] = new
            else:
                conflicts.append((name, old, server, new))

        data = dict(rec.data)
        wkb, geom = rec.wkb, None
        for name, new in applied.items():
            if name == "geom":
                wkb, geom = self._geom(kind, new)
            else:
                data[name] = new
        if geom is None and wkb is not None:
            geom = shapely.from_wkb(wkb)
        problems = _transition_problems(kind, rec.data, data, self.principal.role, insert=False)
        if problems:
            raise Rejected(problems)
        self._validate(kind, rec.data, data, check_required=False)
        data.update(self._derive(kind, data, geom))
        self._validate(kind, rec.data, data)
        if any(name in applied for name in (kind.parent_field, "parent_uuid", "parent_kind", "sha256") if name):
            self._check_refs(kind, data, rec.county_code)

        changed = [n for n in data if not self._same(kind, n, rec.data.get(n), data[n])]
        geom_changed = "geom" in applied and g.geom_hash(wkb) != rec.geom_hash
        conflict_rows = [self._conflict(rec, n, "field", o, s, c, mutation_id) for n, o, s, c in conflicts]
        if not changed and not geom_changed:
            return {"status": "conflict" if conflict_rows else "applied", "rev": rec.rev, "applied": [], "conflicts": conflict_rows}
        seq = self.next_seq(rec.county_code)
        old_vals = {n: rec.data.get(n) for n in changed}
        new_vals = {n: data[n] for n in changed}
        if geom_changed:
            old_vals["geom"], new_vals["geom"] = rec.geom_hex(), g.to_hex(wkb)
        user, at = self.principal.username, db.iso(self.now)
        for n in new_vals:
            rec.field_meta[n] = [seq, user, at]
        rec.data = data
        if geom_changed:
            rec.wkb, rec.geom_hash = wkb, g.geom_hash(wkb)
        self._touch(rec, seq, "update")
        self._history(rec, "update", old_vals, new_vals, mutation_id)
        return {
            "status": "conflict" if conflict_rows else "applied",
            "rev": seq,
            "applied": sorted(new_vals),
            "conflicts": conflict_rows,
        }

    # -- helpers -------------------------------------------------------------------------
    def _server_value(self, rec: Rec, name: str) -> Any:
        return rec.geom_hex() if name == "geom" else rec.data.get(name)

    def _same(self, kind: RecordKind, name: str, a: Any, b: Any) -> bool:
        if name == "geom":
            return _hex_hash(a) == _hex_hash(b)
        return _norm(kind, name, a) == _norm(kind, name, b)

    def _touch(self, rec: Rec, seq: int, op: str) -> None:
        rec.rev = seq
        rec.version += 1
        rec.last_op = op
        rec.updated_at = self.now
        rec.updated_by = self.principal.username
        rec.dirty = True

    def _history(self, rec: Rec, op: str, old: dict, new: dict, mutation_id: int | None) -> None:
        self.history_rows.append(
            {
                "county_code": rec.county_code, "seq": rec.rev, "kind": rec.kind, "uuid": rec.uuid, "op": op,
                "username": self.principal.username, "device_id": self.principal.device_pk,
                "mutation_id": mutation_id, "at": self.now, "old": old, "new": new,
            }
        )  # fmt: skip

    def _conflict(self, rec, name, reason, base, server, client, mutation_id, meta=None) -> dict:
        meta = meta or rec.field_meta.get(name) or [rec.rev, rec.updated_by, db.iso(rec.updated_at)]
        row = {
            "county_code": rec.county_code, "kind": rec.kind, "uuid": rec.uuid, "field": name, "reason": reason,
            "base": base, "server": server, "client": client, "server_rev": meta[0], "server_by": meta[1],
            "server_at": meta[2], "client_by": self.principal.username, "device_id": self.principal.device_pk,
            "mutation_id": mutation_id, "created_at": self.now, "status": "open",
        }  # fmt: skip
        self.conflict_rows.append(row)
        return row

    # -- writing ----------------------------------------------------------------------------
    def flush(self) -> list[int]:
        """Write records, history, conflicts and counters. Returns the new conflict ids."""
        conn = self.conn
        pg = db.is_pg(conn)
        new = [r for r in self.cache.values() if r.dirty and r.is_new]
        old = [r for r in self.cache.values() if r.dirty and not r.is_new]

        def row(r: Rec) -> dict:
            return {
                "uuid": r.uuid, "kind": r.kind, "county_code": r.county_code, "rev": r.rev, "version": r.version,
                "data": r.data, "field_meta": r.field_meta, "geom_hash": r.geom_hash, "deleted": r.deleted,
                "last_op": r.last_op, "created_at": r.created_at, "created_by": r.created_by,
                "updated_at": r.updated_at, "updated_by": r.updated_by, "wkb": r.wkb,
            }  # fmt: skip

        geom_expr = (
            sa.func.ST_GeomFromWKB(sa.bindparam("wkb", type_=sa.LargeBinary), 4490)
            if pg
            else sa.bindparam("wkb", type_=sa.LargeBinary)
        )
        if new:
            cols = {c: sa.bindparam(c) for c in row(new[0]) if c != "wkb"}
            stmt = t.records.insert().values(**cols, geom=geom_expr)
            conn.execute(stmt, [row(r) for r in new])
        if old:
            cols = {c: sa.bindparam("v_" + c) for c in row(old[0]) if c not in ("wkb", "uuid", "kind", "county_code",
                                                                              "created_at", "created_by")}
            stmt = t.records.update().where(t.records.c.uuid == sa.bindparam("v_uuid")).values(**cols, geom=geom_expr)
            params = []
            for r in old:
                d = row(r)
                params.append({**{"v_" + k: v for k, v in d.items() if k != "wkb"}, "wkb": d["wkb"]})
            conn.execute(stmt, params)
        for r in new + old:
            r.dirty = r.is_new = False
        if self.history_rows:
            conn.execute(t.history.insert(), self.history_rows)
            self.history_rows = []
        ids = []
        for c in self.conflict_rows:
            ids.append(conn.execute(t.conflicts.insert().values(**c)).inserted_primary_key[0])
            c["id"] = ids[-1]
        self.conflict_rows = []
        for county, last in self.seqs.items():
            conn.execute(
                t.county_seq.update().where(t.county_seq.c.county_code == county).values(last_seq=last)
            )
        return ids


def conflict_view(row: dict) -> dict:
    keys = ("id", "kind", "uuid", "county_code", "field", "reason", "base", "server", "client", "server_rev",
            "server_by", "server_at", "client_by", "mutation_id", "status", "resolution", "resolved_by")  # fmt: skip
    out = {k: row.get(k) for k in keys}
    out["created_at"] = db.iso(row.get("created_at"))
    out["resolved_at"] = db.iso(row.get("resolved_at"))
    return out


# ------------------------------------------------------------------------------------------
# Push
# ------------------------------------------------------------------------------------------
def push(engine: sa.Engine, principal: Principal, changes: list[dict], max_vertices: int = 100_000) -> dict:
    ids = [c["mutation_id"] for c in changes]
    if any(b != a + 1 for a, b in zip(ids, ids[1:])):
        raise ProblemError(
            422, "mutation-order", "Mutation ids not consecutive",
            "the mutation ids of a batch must be consecutive and increasing",
            errors=[error("changes", "mutation_order", "批次内的变更编号必须连续递增", "mutation ids must be consecutive")],
        )  # fmt: skip
    for attempt in range(6):
        try:
            return _push_once(engine, principal, changes, max_vertices)
        except (IntegrityError, DBAPIError) as exc:
            # A concurrent insert of the same uuid, a deadlock or a serialisation failure: retry
            # the whole transaction (nothing of it was committed).
            if isinstance(exc, DBAPIError) and not isinstance(exc, IntegrityError) and not _retryable(exc):
                raise
            log.warning("push retry %d after %s", attempt + 1, type(exc.orig).__name__ if exc.orig else exc)
    return _push_once(engine, principal, changes, max_vertices)


def _retryable(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    return code in ("40001", "40P01", "55P03") or "database is locked" in str(exc.orig)


def _push_once(engine: sa.Engine, principal: Principal, changes: list[dict], max_vertices: int) -> dict:
    with db.write_tx(engine) as conn:
        q = sa.select(t.devices.c.last_mutation_id).where(t.devices.c.id == principal.device_pk)
        if db.is_pg(conn):
            q = q.with_for_update()
        last = int(conn.execute(q).scalar_one())
        fresh = [c for c in changes if c["mutation_id"] > last]
        if fresh and fresh[0]["mutation_id"] != last + 1:
            raise ProblemError(
                409, "mutation-gap", "Mutation id gap",
                f"expected mutation id {last + 1}, got {fresh[0]['mutation_id']}: nothing was applied",
                errors=[error("changes", "mutation_gap", f"变更编号不连续：服务器期待 {last + 1}",
                              f"mutation id gap: the server expects {last + 1}")],
                last_mutation_id=last, expected_mutation_id=last + 1,
            )  # fmt: skip
        replay_ids = [c["mutation_id"] for c in changes if c["mutation_id"] <= last]
        stored: dict[int, dict] = {}
        for i in range(0, len(replay_ids), 500):
            rows = conn.execute(
                sa.select(t.mutations.c.mutation_id, t.mutations.c.result).where(
                    t.mutations.c.device_id == principal.device_pk,
                    t.mutations.c.mutation_id.in_(replay_ids[i : i + 500]),
                )
            ).all()
            stored.update({r.mutation_id: dict(r.result) for r in rows})
        results = []
        for mid in replay_ids:
            res = stored.get(mid) or {"mutation_id": mid, "status": "unknown", "errors": []}
            results.append({**res, "replayed": True})
        applier = Applier(conn, principal, max_vertices)
        applier.preload(fresh)
        applier.lock_counties(applier.counties_of(fresh))
        mutation_rows = []
        stopped = None
        for c in fresh:
            try:
                res = applier.apply(c, c["mutation_id"])
            except RetryLater as e:
                stopped = {"mutation_id": c["mutation_id"], "kind": c.get("kind"), "uuid": c.get("uuid"),
                           "status": "retry", "rev": None, "applied": [], "conflicts": [], "errors": e.errors}  # fmt: skip
                break
            mutation_rows.append(res)
            results.append(res)
        applier.flush()
        for res in mutation_rows:
            res["conflicts"] = [conflict_view(r) for r in res["conflicts"]]
        if mutation_rows:
            conn.execute(
                t.mutations.insert(),
                [{"device_id": principal.device_pk, "mutation_id": r["mutation_id"], "status": r["status"],
                  "result": r, "at": applier.now} for r in mutation_rows],
            )  # fmt: skip
            last = mutation_rows[-1]["mutation_id"]
            conn.execute(t.devices.update().where(t.devices.c.id == principal.device_pk).values(last_mutation_id=last))
        if stopped is not None:
            results.append(stopped)
            idx = next(i for i, c in enumerate(changes) if c["mutation_id"] == stopped["mutation_id"])
            for c in changes[idx + 1 :]:
                results.append(
                    {"mutation_id": c["mutation_id"], "kind": c.get("kind"), "uuid": c.get("uuid"),
                     "status": "not_processed", "rev": None, "applied": [], "conflicts": [], "errors": []}
                )  # fmt: skip
    return {"last_mutation_id": last, "results": results}


# ------------------------------------------------------------------------------------------
# Pull
# ------------------------------------------------------------------------------------------
def pull(engine: sa.Engine, principal: Principal, cursor: str | None, limit: int) -> dict:
    positions = decode_cursor(cursor)
    items: list[dict] = []
    new_positions = dict(positions)
    has_more = False
    with db.read_tx(engine) as conn:
        for county in sorted(principal.counties):
            if len(items) >= limit:
                has_more = True
                break
            start = positions.get(county, 0)
            room = limit - len(items)
            rows = conn.execute(
                _record_select(conn)
                .where(t.records.c.county_code == county, t.records.c.rev > start)
                .order_by(t.records.c.rev)
                .limit(room + 1)
            ).all()
            if len(rows) > room:
                has_more = True
                rows = rows[:room]
            for row in rows:
                items.append(pull_item(row))
                new_positions[county] = row.rev
    return {"items": items, "cursor": encode_cursor(new_positions), "has_more": has_more}


def pull_item(row) -> dict:
    rec = _row_to_rec(row)
    return {
        "kind": rec.kind,
        "uuid": rec.uuid,
        "county_code": rec.county_code,
        "rev": rec.rev,
        "op": rec.last_op,
        "deleted": rec.deleted,
        "updated_by": rec.updated_by,
        "updated_at": db.iso(rec.updated_at),
        "values": rec.values(),
    }


def get_record(engine: sa.Engine, principal: Principal, uuid: str) -> dict | None:
    with db.read_tx(engine) as conn:
        row = conn.execute(_record_select(conn).where(t.records.c.uuid == uuid)).first()
    if row is None or not principal.can_see(row.county_code):
        return None
    return pull_item(row)


def record_history(engine: sa.Engine, principal: Principal, uuid: str) -> list[dict] | None:
    with db.read_tx(engine) as conn:
        county = conn.execute(sa.select(t.records.c.county_code).where(t.records.c.uuid == uuid)).scalar()
        if county is None or not principal.can_see(county):
            return None
        rows = conn.execute(
            sa.select(t.history).where(t.history.c.uuid == uuid, t.history.c.county_code == county).order_by(t.history.c.seq)
        ).mappings()
        return [
            {"seq": r["seq"], "op": r["op"], "username": r["username"], "at": db.iso(r["at"]),
             "mutation_id": r["mutation_id"], "old": r["old"], "new": r["new"]}
            for r in rows
        ]  # fmt: skip


# ------------------------------------------------------------------------------------------
# Conflicts
# ------------------------------------------------------------------------------------------
def list_conflicts(engine: sa.Engine, principal: Principal, status: str, after_id: int, limit: int) -> dict:
    q = sa.select(t.conflicts).where(
        t.conflicts.c.county_code.in_(principal.counties), t.conflicts.c.id > after_id
    )
    if status != "all":
        q = q.where(t.conflicts.c.status == status)
    with db.read_tx(engine) as conn:
        rows = conn.execute(q.order_by(t.conflicts.c.id).limit(limit + 1)).mappings().all()
    items = [conflict_view(dict(r)) for r in rows[:limit]]
    return {"items": items, "has_more": len(rows) > limit}


def resolve_conflict(engine: sa.Engine, principal: Principal, conflict_id: int, resolution: str, value: Any) -> dict:
    """Close a conflict: keep the server value, or write the client's (or another) value."""
    with db.write_tx(engine) as conn:
        row = conn.execute(sa.select(t.conflicts).where(t.conflicts.c.id == conflict_id)).mappings().first()
        if row is None or not principal.can_see(row["county_code"]):
            return None  # type: ignore[return-value]
        if row["status"] != "open":
            raise ProblemError(
                409, "conflict-closed", "Conflict already resolved", "this conflict was already resolved",
                errors=[error("status", "resolved", "该冲突已处理", "this conflict was already resolved")],
            )  # fmt: skip
        result = None
        if resolution in ("client", "value") and row["field"] != "*":
            new = row["client"] if resolution == "client" else value
            applier = Applier(conn, principal, 100_000)
            applier.preload([{"uuid": row["uuid"], "kind": row["kind"]}])
            applier.lock_counties({row["county_code"]})
            rec = applier.cache.get(row["uuid"])
            if rec is None:
                raise ProblemError(404, "not-found", "Not found", "the record no longer exists")
            server = rec.geom_hex() if row["field"] == "geom" else rec.data.get(row["field"])
            change = {"kind": row["kind"], "uuid": row["uuid"], "op": "update", "base_rev": rec.rev,
                      "fields": {row["field"]: {"old": server, "new": new}}}  # fmt: skip
            try:
                result = applier.apply(change, None)
            except RetryLater as e:
                raise ProblemError(409, "retry-later", "Retry later", "a referenced blob is missing", errors=e.errors) from None
            if result["status"] == "rejected":
                raise ProblemError(
                    422, "invalid-resolution", "Invalid resolution", "the chosen value does not pass validation",
                    errors=result["errors"],
                )  # fmt: skip
            applier.flush()
        conn.execute(
            t.conflicts.update().where(t.conflicts.c.id == conflict_id).values(
                status="resolved", resolution=resolution, resolved_by=principal.username, resolved_at=db.utcnow()
            )
        )
        row = conn.execute(sa.select(t.conflicts).where(t.conflicts.c.id == conflict_id)).mappings().first()
    out = conflict_view(dict(row))
    out["rev"] = result["rev"] if result else None
    return out
