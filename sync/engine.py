"""Push, pull, conflicts and photos between one offline store and the server (plain Python + sqlite3).

Order of one :meth:`SyncEngine.sync`:

1. check the server's model version (nothing is written when it is incompatible), log in;
2. upload photo blobs the server lacks (resumable, by content hash);
3. push: first resend every outbox mutation not yet answered (same ids), then claim the unsynced
   change-log entries, collapse them to one net change per record, write them to the outbox
   with fresh mutation ids *in the same transaction*, and send them in batches. An entry is
   marked synced only when the server's answer for its mutation is stored;
4. pull pages since the cursor; each page is applied with ``Store.apply_remote`` (not logged)
   and the cursor saved in the same transaction. Local edits not yet pushed stay on top; a field
   changed on both sides to different values becomes a conflict row (the server value is shown,
   the local value is kept in the conflict);
5. close on the server the conflicts resolved locally; download photos when configured.

Ordering is by server sequence numbers only; laptop clocks are never compared.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import socket
import sqlite3
import tempfile
import uuid as uuidlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..layers import gpkg
from ..layers.migrations import q
from ..layers.store import Store, collapse, create_store, open_store, to_sql, transaction, utc_now
from ..model import RECORD_KINDS
from ..model import values as model_values
from ..model.schema import BOOL, MULTI_ENUM, RecordKind
from . import state, thresholds
from .api import ApiClient, AuthError, MutationGap, SyncError

log = logging.getLogger(__name__)

SERVER_OWNED = frozenset({"server_rev", "created_at", "created_by", "updated_at", "updated_by", "uuid"})
DELIST_FIELDS = frozenset({"register_status", "delist_reason", "delist_date"})
FINAL = ("applied", "conflict", "rejected", "unknown")


class Cancelled(Exception):
    """The caller cancelled the sync between two batches or pages."""


@dataclass
class SyncSettings:
    batch_size: int = 1000
    page_size: int = 5000
    download_photos: str = "on_demand"  # or "all"
    chunk_size: int = 1 << 20


@dataclass
class SyncSummary:
    sent: int = 0
    received: int = 0
    merged: int = 0
    conflicts: int = 0
    rejected: int = 0
    photos_up: int = 0
    photos_down: int = 0
    errors: list[str] = field(default_factory=list)
    cancelled: bool = False
    client_id: str = ""
    thresholds: list[str] = field(default_factory=list)  # counties whose thresholds were received

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ------------------------------------------------------------------------------------------
# Values: storage form (SQLite/GeoPackage) <-> wire form (JSON, geometry as hex ISO WKB)
# ------------------------------------------------------------------------------------------
def _ftype(kind: RecordKind, name: str) -> str | None:
    try:
        return kind.field(name).type
    except KeyError:
        return None


def to_wire(kind: RecordKind, name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "geom":
        return gpkg.decode(bytes(value)).hex()
    ftype = _ftype(kind, name)
    if ftype == BOOL:
        return bool(value)
    if ftype == MULTI_ENUM and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, bytes):
        return value.hex()
    return value


def to_storage(kind: RecordKind, name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "geom":
        return gpkg.encode(bytes.fromhex(value)) if isinstance(value, str) else gpkg.encode(bytes(value))
    ftype = _ftype(kind, name)
    return to_sql(ftype, value) if ftype else value


def canon(kind: RecordKind, name: str, value: Any) -> Any:
    """A comparable form of a value in either form (never stored): the geometry by its normalised WKB,
    every other field by the model's one comparison (model.values, which the server uses too)."""
    if name != "geom":
        return model_values.canon(kind, name, value)
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    try:
        if isinstance(value, str):
            wkb = bytes.fromhex(value)
        elif bytes(value[:2]) == b"GP":
            wkb = gpkg.decode(bytes(value))
        else:
            wkb = bytes(value)
        return gpkg.decode(gpkg.encode(wkb))
    except (ValueError, gpkg.GeometryError):
        return ("raw", str(value))


def same(kind: RecordKind, name: str, a: Any, b: Any) -> bool:
    return canon(kind, name, a) == canon(kind, name, b)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


# ------------------------------------------------------------------------------------------
# Photos on disk
# ------------------------------------------------------------------------------------------
def photo_dir(store: Store | str | Path) -> Path:
    path = store.path if isinstance(store, Store) else Path(store)
    return Path(f"{path}.photos")


def photo_path(store: Store | str | Path, sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a sha256")
    return photo_dir(store) / sha256


def _sniff(head: bytes) -> str:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "image/heic"
    return "application/octet-stream"


def add_photo(
    store: Store | str | Path,
    parent_kind: str,
    parent_uuid: str,
    file_path: str | Path,
    *,
    caption: str | None = None,
    taken_at: str | None = None,
    geom: bytes | None = None,
) -> str:
    """Hash a photo, copy it beside the store and insert its ``photo`` record. Returns the record uuid."""
    store = store if isinstance(store, Store) else Store(store)
    h = hashlib.sha256()
    size = 0
    with open(file_path, "rb") as f:
        head = f.read(16)
        f.seek(0)
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    sha = h.hexdigest()
    target = photo_path(store, sha)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        os.close(fd)
        shutil.copyfile(file_path, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    parent = store.get_record(parent_kind, parent_uuid)
    if parent is None:
        raise SyncError(f"no {parent_kind} {parent_uuid}", f"找不到上级记录 {parent_uuid}")
    uid = str(uuidlib.uuid4())
    rec = {"uuid": uid, "county_code": parent["county_code"], "parent_kind": parent_kind, "parent_uuid": parent_uuid,
           "sha256": sha, "mime_type": _sniff(head), "size_bytes": size, "caption": caption, "taken_at": taken_at,
           "geom": geom if geom is not None else parent.get("geom")}  # fmt: skip
    store.insert_records("photo", [{k: v for k, v in rec.items() if v is not None}])
    return uid


# ------------------------------------------------------------------------------------------
# Conflicts (for the UI's dialog)
# ------------------------------------------------------------------------------------------
CONFLICT_COLUMNS = ("id", "kind", "uuid", "field", "reason", "base", "mine", "theirs", "server_rev", "server_by",
                    "server_at", "server_conflict_id", "source", "mutation_id", "status", "resolution",
                    "resolved_value", "created_at", "resolved_at")  # fmt: skip


def _open(store: Store | str | Path) -> tuple[Store, sqlite3.Connection]:
    store = store if isinstance(store, Store) else Store(store)
    conn = store.connect()
    state.ensure(conn)
    return store, conn


def list_conflicts(store: Store | str | Path, status: str = "open") -> list[dict[str, Any]]:
    """Conflicts as dicts (values decoded from JSON; geometry as hex WKB). status: open/resolved/all."""
    _store, conn = _open(store)
    try:
        sql = f"SELECT {', '.join(CONFLICT_COLUMNS)} FROM sbs_conflict"
        params: tuple = ()
        if status != "all":
            sql += " WHERE status = ?"
            params = (status,)
        rows = conn.execute(sql + " ORDER BY id", params).fetchall()
    finally:
        conn.close()
    out = []
    for row in rows:
        d = dict(zip(CONFLICT_COLUMNS, row))
        for k in ("base", "mine", "theirs", "resolved_value"):
            d[k] = _loads(d[k])
        out.append(d)
    return out


def resolve_conflict(store: Store | str | Path, conflict_id: int, choice: str, value: Any = None) -> dict[str, Any]:
    """Resolve a conflict: ``mine``, ``theirs`` or ``value`` (then ``value`` is written).

    The chosen value is written to the record as a normal local edit (logged, so the next sync
    pushes it based on the server's current revision); the conflict is marked resolved here, and
    closed on the server at the next sync.
    """
    if choice not in ("mine", "theirs", "value"):
        raise ValueError("choice must be mine, theirs or value")
    store, conn = _open(store)
    try:
        with transaction(conn):
            row = conn.execute(
                "SELECT kind, uuid, field, reason, mine, status FROM sbs_conflict WHERE id = ?", (conflict_id,)
            ).fetchone()
            if row is None:
                raise KeyError(conflict_id)
            kname, uuid, fname, reason, mine, status = row
            if status != "open":
                raise SyncError("this conflict was already resolved", "该冲突已处理")
            kind = RECORD_KINDS[kname]
            chosen = _loads(mine) if choice == "mine" else value
            if choice != "theirs":
                if fname == "*":  # local delete against a server edit: delete again
                    conn.execute(f"DELETE FROM {q(kname)} WHERE uuid = ?", (uuid,))
                else:
                    cur = conn.execute(
                        f"UPDATE {q(kname)} SET {q(fname)} = ? WHERE uuid = ?", (to_storage(kind, fname, chosen), uuid)
                    )
                    if cur.rowcount == 0:
                        raise SyncError(
                            "the record no longer exists: only the server's version can be kept",
                            "记录已不存在，只能保留服务器版本",
                        )
            conn.execute(
                "UPDATE sbs_conflict SET status = 'resolved', resolution = ?, resolved_value = ?, resolved_at = ?"
                " WHERE id = ?",
                (choice, _dumps(chosen) if choice != "theirs" else None, utc_now(), conflict_id),
            )
    finally:
        conn.close()
    return next(c for c in list_conflicts(store, "all") if c["id"] == conflict_id)


def list_rejected(store: Store | str | Path) -> list[dict[str, Any]]:
    """Mutations the server refused (kept and shown, never silently dropped)."""
    _store, conn = _open(store)
    try:
        rows = conn.execute(
            "SELECT mutation_id, kind, uuid, op, change, result FROM sbs_outbox WHERE status = 'rejected'"
            " ORDER BY mutation_id"
        ).fetchall()
    finally:
        conn.close()
    return [{"mutation_id": r[0], "kind": r[1], "uuid": r[2], "op": r[3], "change": _loads(r[4]),
             "result": _loads(r[5])} for r in rows]  # fmt: skip


def _rejected(conn: sqlite3.Connection, mutation_id: int) -> tuple[str, str, str, dict]:
    row = conn.execute(
        "SELECT kind, uuid, op, change FROM sbs_outbox WHERE mutation_id = ? AND status = 'rejected'", (mutation_id,)
    ).fetchone()
    if row is None:
        raise KeyError(mutation_id)
    return row[0], row[1], row[2], json.loads(row[3])


def requeue_rejected(store: Store | str | Path, mutation_id: int) -> int:
    """Send a refused edit again at the next sync, once the user fixed the record: its change-log
    entries are pending again, so the next push carries the record as it is now. Returns how many."""
    store, conn = _open(store)
    try:
        with transaction(conn):
            _rejected(conn, mutation_id)
            seqs = [r[0] for r in conn.execute("SELECT seq FROM sbs_outbox_seq WHERE mutation_id = ?", (mutation_id,))]
            conn.execute("DELETE FROM sbs_outbox_seq WHERE mutation_id = ?", (mutation_id,))
            count = store.mark_unsynced(seqs, conn=conn)
            conn.execute("UPDATE sbs_outbox SET status = 'requeued', done_at = ? WHERE mutation_id = ?",
                         (utc_now(), mutation_id))  # fmt: skip
    finally:
        conn.close()
    return count


def discard_rejected(store: Store | str | Path, mutation_id: int) -> None:
    """Give up a refused edit: the record goes back to the server's values (a new record the server
    never took is removed; a refused delete brings the record back). Written as server values, not
    logged: nothing is sent for it."""
    store, conn = _open(store)
    try:
        with transaction(conn):
            kname, uuid, op, change = _rejected(conn, mutation_id)
            base = store.base(kname, uuid, conn=conn)
            if base is None:
                store.apply_remote(kname, [{"uuid": uuid, "_deleted": True}], conn=conn, rebase=False)
            else:
                names = set(base) if op == "delete" else {*change.get("fields", {}), "server_rev"}
                row = {n: base.get(n) for n in names if n in base or n != "geom"}
                if row.get("geom") is not None:
                    row["geom"] = gpkg.decode(row["geom"])
                store.apply_remote(kname, [{**row, "uuid": uuid}], conn=conn, rebase=False)
            conn.execute("UPDATE sbs_outbox SET status = 'discarded', done_at = ? WHERE mutation_id = ?",
                         (utc_now(), mutation_id))  # fmt: skip
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------
# The engine
# ------------------------------------------------------------------------------------------
class SyncEngine:
    """Synchronise one store with one server. Not thread-safe: one engine per thread."""

    def __init__(
        self,
        store: Store | str | Path,
        api: ApiClient,
        *,
        username: str | None = None,
        password: str | None = None,
        settings: SyncSettings | None = None,
        progress: Callable[[float], None] | None = None,
        is_canceled: Callable[[], bool] | None = None,
        place: str | None = None,
    ):
        # A path is opened as the plugin opens it: an older store is upgraded (new kinds, new fields) first.
        self.store = store if isinstance(store, Store) else open_store(store)
        self.api = api
        self.username, self.password = username, password
        self.settings = settings or SyncSettings()
        self._progress = progress or (lambda _p: None)
        self._is_canceled = is_canceled or (lambda: False)
        self.place = place or f"{socket.gethostname()}:{self.store.path.resolve()}"
        self.summary = SyncSummary()
        self.server_last_id = 0
        self.counties: list[str] = []  # the user's counties (login)
        self._cid: str | None = None
        self.conn = self.store.connect()
        state.ensure(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SyncEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check(self) -> None:
        if self._is_canceled():
            raise Cancelled()

    # -- identity ---------------------------------------------------------------------------
    @property
    def client_id(self) -> str:
        """This installation's id for the server; a copied store (other host or path) gets a new one."""
        if self._cid is None:
            self._cid = self._client_id()
        return self._cid

    def _client_id(self) -> str:
        c = self.conn
        with transaction(c):
            cid = state.get(c, state.K_CLIENT)
            place = state.get(c, state.K_PLACE)
            if cid is None:
                cid = self.store.get_meta("device_id", conn=c) or str(uuidlib.uuid4())
                state.put(c, state.K_CLIENT, cid)
                state.put(c, state.K_PLACE, self.place)
            elif place != self.place:
                cid = str(uuidlib.uuid4())
                log.info("store moved from %s to %s: new client id %s", place, self.place, cid)
                state.put(c, state.K_CLIENT, cid)
                state.put(c, state.K_PLACE, self.place)
                self._renumber(1)
                if self.password is None:
                    self.api.token = None
        return cid

    def _renumber(self, start: int) -> None:
        """Give the unanswered outbox mutations consecutive ids from ``start`` (new device, or a gap)."""
        c = self.conn
        rows = [
            r[0] for r in c.execute("SELECT mutation_id FROM sbs_outbox WHERE status = 'pending' ORDER BY mutation_id")
        ]
        # Move the finished ones out of the way (below every id in use): the old numbering.
        low = c.execute("SELECT coalesce(min(mutation_id), 0) - 1 FROM sbs_outbox").fetchone()[0]
        low = min(low, -1)
        for sql in (
            "UPDATE sbs_outbox_seq SET mutation_id = ? - mutation_id WHERE mutation_id > 0 AND mutation_id IN"
            " (SELECT mutation_id FROM sbs_outbox WHERE status != 'pending')",
            "UPDATE sbs_outbox SET mutation_id = ? - mutation_id WHERE status != 'pending' AND mutation_id > 0",
        ):
            c.execute(sql, (low,))
        off = 1 << 40
        for mid in rows:
            c.execute("UPDATE sbs_outbox SET mutation_id = ? WHERE mutation_id = ?", (mid + off, mid))
            c.execute("UPDATE sbs_outbox_seq SET mutation_id = ? WHERE mutation_id = ?", (mid + off, mid))
        for i, mid in enumerate(rows):
            c.execute("UPDATE sbs_outbox SET mutation_id = ? WHERE mutation_id = ?", (start + i, mid + off))
            c.execute("UPDATE sbs_outbox_seq SET mutation_id = ? WHERE mutation_id = ?", (start + i, mid + off))
        state.put(c, state.K_NEXT_ID, str(start + len(rows)))

    def login(self) -> None:
        cid = self.client_id
        if self.password is not None and self.username:
            self.api.login(self.username, self.password, cid, device_name=socket.gethostname())
        if not self.api.token:
            raise AuthError("no token: log in first", "尚未登录，请先登录")
        me = self.api.me()
        if me.get("client_id") != cid:
            raise AuthError("the token belongs to another device: log in again", "登录令牌属于另一台设备，请重新登录")
        self.server_last_id = int(me.get("last_mutation_id") or 0)
        self.username = me.get("username", self.username)
        self.counties = [c for c in me.get("counties") or () if isinstance(c, str)]
        with transaction(self.conn):
            state.put(self.conn, state.K_SERVER, self.api.base_url)
            state.put(self.conn, state.K_USER, self.username)

    # -- the whole sync ---------------------------------------------------------------------
    def sync(self) -> SyncSummary:
        self.summary = SyncSummary()
        try:
            self.api.check_model()
            self.login()
            self.summary.client_id = self.client_id
            self._progress(5)
            self.upload_photos()
            self._progress(15)
            self.push()
            self._progress(50)
            self.pull()
            self.summary.thresholds = thresholds.fetch(self.api, self.conn, self.counties)
            self._progress(90)
            self.close_resolved()
            if self.settings.download_photos == "all":
                self.download_photos()
            self._progress(100)
        except Cancelled:
            self.summary.cancelled = True
        return self.summary

    # -- push -------------------------------------------------------------------------------
    def pending_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM sb_change WHERE synced_at IS NULL").fetchone()[0]

    def push(self) -> None:
        retried_blobs = False
        for _round in range(1000):
            self._check()
            batch = self._outbox_batch()
            if not batch:
                if not self.claim():
                    return
                continue
            try:
                resp = self.api.push([b[1] for b in batch], self.client_id)
            except MutationGap as gap:
                expected = int(gap.body.get("expected_mutation_id") or 0)
                if expected <= 0 or expected == batch[0][0]:
                    raise
                with transaction(self.conn):
                    self._renumber(expected)
                continue
            stop = self._record_results(batch, resp.get("results", []))
            if stop == "retry":
                if retried_blobs:
                    self.summary.errors.append("photo blobs missing on the server; will retry later")
                    return
                retried_blobs = True
                self.upload_photos()
            elif stop:
                return

    def _outbox_batch(self) -> list[tuple[int, dict, list[int]]]:
        rows = self.conn.execute(
            "SELECT mutation_id, change FROM sbs_outbox WHERE status = 'pending' ORDER BY mutation_id LIMIT ?",
            (self.settings.batch_size,),
        ).fetchall()
        out = []
        for mid, change in rows:
            ch = json.loads(change)
            ch["mutation_id"] = mid
            out.append((mid, ch, []))
        return out

    def claim(self) -> int:
        """Move unsynced change-log entries into outbox mutations (one transaction). Returns how many."""
        c = self.conn
        with transaction(c):
            if c.execute("SELECT 1 FROM sbs_outbox WHERE status = 'pending' LIMIT 1").fetchone():
                return 0
            claimed = {
                r[0]
                for r in c.execute(
                    "SELECT s.seq FROM sbs_outbox_seq s JOIN sb_change ch ON ch.seq = s.seq WHERE ch.synced_at IS NULL"
                )
            }
            entries = [ch for ch in self.store.pending_changes(conn=c) if ch.seq not in claimed]
            if not entries:
                return 0
            groups: dict[tuple[str, str], list] = {}
            for ch in entries:
                groups.setdefault((ch.kind, ch.uuid), []).append(ch)
            next_id = max(int(state.get(c, state.K_NEXT_ID) or 1), self.server_last_id + 1)
            outbox, links, noop = [], [], []
            now = utc_now()
            for (kname, uuid), chs in sorted(groups.items(), key=lambda kv: kv[1][0].seq):
                seqs = [ch.seq for ch in chs]
                change = self._net_change(c, kname, uuid, chs)
                if change is None:
                    noop.extend(seqs)
                    continue
                outbox.append((next_id, kname, uuid, change["op"], _dumps(change), now))
                links.extend((s, next_id) for s in seqs)
                next_id += 1
            c.executemany(
                "INSERT INTO sbs_outbox (mutation_id, kind, uuid, op, change, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                outbox,
            )
            c.executemany("INSERT OR REPLACE INTO sbs_outbox_seq (seq, mutation_id) VALUES (?, ?)", links)
            if noop:
                self.store.mark_synced(noop, conn=c)
            state.put(c, state.K_NEXT_ID, str(next_id))
        return len(outbox) + len(noop)

    def _row(self, c: sqlite3.Connection, kind: RecordKind, uuid: str) -> dict[str, Any] | None:
        cur = c.execute(f"SELECT * FROM {q(kind.name)} WHERE uuid = ?", (uuid,))
        row = cur.fetchone()
        return None if row is None else dict(zip([d[0] for d in cur.description], row))

    def _net_change(self, c: sqlite3.Connection, kname: str, uuid: str, chs: list) -> dict | None:
        kind = RECORD_KINDS.get(kname)
        if kind is None:
            return None
        net = collapse(chs)
        base = self.store.base(kname, uuid, conn=c)
        base_rev = int(base["server_rev"] or 0) if base else 0
        row = self._row(c, kind, uuid)
        op = net[0].op if net else ("delete" if row is None else "update")
        if row is None or op == "delete":
            if base is None:
                return None  # never reached the server
            return {"kind": kname, "uuid": uuid, "op": "delete", "base_rev": base_rev, "fields": {}}
        if op == "insert" and base is None:
            fields = {k: {"old": None, "new": to_wire(kind, k, v)} for k, v in row.items()
                      if k != "fid" and k not in SERVER_OWNED and v is not None}  # fmt: skip
            return {"kind": kname, "uuid": uuid, "op": "insert", "base_rev": 0, "fields": fields}
        names = set()
        for ch in chs:
            names.update(ch.fields)
        fields = {}
        for name in sorted(names - SERVER_OWNED):
            if name not in row:
                continue
            old = base.get(name) if base else None
            new = row[name]
            if base is not None and same(kind, name, old, new):
                continue
            fields[name] = {"old": to_wire(kind, name, old), "new": to_wire(kind, name, new)}
        if not fields:
            return None
        return {"kind": kname, "uuid": uuid, "op": "update" if base is not None else "insert",
                "base_rev": base_rev, "fields": fields}  # fmt: skip

    def _record_results(self, batch: list[tuple[int, dict, list[int]]], results: list[dict]) -> str | None:
        """Store the server's answers (one transaction). Returns 'retry'/'stop' when the batch stopped."""
        by_id = {int(r["mutation_id"]): r for r in results if r.get("mutation_id") is not None}
        c = self.conn
        stop = None
        refetch: list[tuple[str, str]] = []
        with transaction(c):
            for mid, change, _ in batch:
                res = by_id.get(mid)
                status = res.get("status") if res else None
                if status not in FINAL:
                    stop = "retry" if status == "retry" else (stop or "stop")
                    break
                assert res is not None  # nosec B101 - narrowed above
                seqs = [r[0] for r in c.execute("SELECT seq FROM sbs_outbox_seq WHERE mutation_id = ?", (mid,))]
                kind = RECORD_KINDS[change["kind"]]
                if status in ("applied", "conflict", "unknown"):
                    self._advance_base(c, kind, change, res)
                    self.summary.sent += 1
                if status == "rejected":
                    self.summary.rejected += 1
                    self.summary.errors.append(
                        f"{change['kind']} {change['uuid']}: "
                        + "; ".join(f"{e.get('zh')} ({e.get('en')})" for e in res.get("errors", []))
                    )
                for conf in res.get("conflicts") or []:
                    self._add_conflict(c, kind, conf.get("uuid") or change["uuid"], conf.get("field", "*"),
                                       conf.get("reason", "field"), conf.get("base"), conf.get("client"),
                                       conf.get("server"), conf.get("server_rev"), conf.get("server_by"),
                                       conf.get("server_at"), conf.get("id"), "push", mid)  # fmt: skip
                if res.get("conflicts"):
                    refetch.append((change["kind"], change["uuid"]))
                if seqs:
                    self.store.mark_synced(seqs, conn=c)
                c.execute(
                    "UPDATE sbs_outbox SET status = ?, result = ?, done_at = ? WHERE mutation_id = ?",
                    (status, _dumps(res), utc_now(), mid),
                )
        for kname, uuid in refetch:
            self._refetch(kname, uuid)
        return stop

    def _advance_base(self, c: sqlite3.Connection, kind: RecordKind, change: dict, res: dict) -> None:
        """After an acknowledged change the base copy holds what the server now has for its fields."""
        applied = set(res.get("applied") or [])
        fields = {k: v["new"] for k, v in change["fields"].items() if k in applied}
        row = c.execute("SELECT server_rev, data, geom FROM sb_base WHERE kind = ? AND uuid = ?",
                        (kind.name, change["uuid"])).fetchone()  # fmt: skip
        if change["op"] == "delete":
            if res.get("status") != "conflict":
                c.execute("DELETE FROM sb_base WHERE kind = ? AND uuid = ?", (kind.name, change["uuid"]))
            return
        if row is None:
            if change["op"] != "insert" or res.get("status") == "rejected":
                return
            rev, data, geom = res.get("rev") or 0, {}, None
        else:
            rev, data, geom = row[0], json.loads(row[1]), row[2]
        for name, new in fields.items():
            if name == "geom":
                geom = to_storage(kind, name, new)
            else:
                data[name] = to_storage(kind, name, new)
        c.execute("INSERT OR REPLACE INTO sb_base (kind, uuid, server_rev, data, geom) VALUES (?, ?, ?, ?, ?)",
                  (kind.name, change["uuid"], rev, _dumps(data), geom))  # fmt: skip

    def _add_conflict(
        self,
        c: sqlite3.Connection,
        kind: RecordKind,
        uuid: str,
        fname: str,
        reason: str,
        base: Any,
        mine: Any,
        theirs: Any,
        server_rev: Any,
        server_by: Any,
        server_at: Any,
        server_conflict_id: Any,
        source: str,
        mutation_id: int | None,
    ) -> None:
        if (
            server_conflict_id is not None
            and c.execute("SELECT 1 FROM sbs_conflict WHERE server_conflict_id = ?", (server_conflict_id,)).fetchone()
        ):
            return
        c.execute(
            "INSERT INTO sbs_conflict (kind, uuid, field, reason, base, mine, theirs, server_rev, server_by,"
            " server_at, server_conflict_id, source, mutation_id, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind.name, uuid, fname, reason, _dumps(base), _dumps(mine), _dumps(theirs), server_rev, server_by,
             server_at, server_conflict_id, source, mutation_id, utc_now()),
        )  # fmt: skip
        self.summary.conflicts += 1

    def _refetch(self, kname: str, uuid: str) -> None:
        """Bring one record back to the server's state (after a conflict the server kept its values)."""
        item = self.api.get_record(uuid)
        with transaction(self.conn):
            if item is None:
                self._apply_rows(self.conn, RECORD_KINDS[kname], [{"uuid": uuid, "_deleted": True}])
            else:
                self._apply_items([item])

    # -- pull -------------------------------------------------------------------------------
    def pull(self) -> None:
        cursor = state.get(self.conn, state.K_CURSOR)
        for _page in range(1_000_000):
            self._check()
            page = self.api.pull(cursor, self.settings.page_size)
            items = page.get("items", [])
            c = self.conn
            with transaction(c):
                self._apply_items(items)
                cursor = page.get("cursor") or cursor
                state.put(c, state.K_CURSOR, cursor)
            self.summary.received += len(items)
            if not page.get("has_more"):
                return

    def _pending_fields(self, c: sqlite3.Connection, uuids: list[str]) -> dict[str, dict]:
        """Unsynced local edits of these records: uuid → {ops, fields: {name: new}}."""
        out: dict[str, dict] = {}
        if not uuids or not c.execute("SELECT 1 FROM sb_change WHERE synced_at IS NULL LIMIT 1").fetchone():
            return out
        for i in range(0, len(uuids), 500):
            part = uuids[i : i + 500]
            marks = ",".join("?" * len(part))
            for op, uuid, fname, new in c.execute(
                "SELECT c.op, c.uuid, f.field, f.new FROM sb_change c"  # nosec B608 - placeholders only
                " LEFT JOIN sb_change_field f ON f.seq = c.seq"
                f" WHERE c.synced_at IS NULL AND c.uuid IN ({marks}) ORDER BY c.seq",
                part,
            ):
                p = out.setdefault(uuid, {"ops": set(), "fields": {}})
                p["ops"].add(op)
                if fname is not None and op != "delete":
                    p["fields"][fname] = new
        return out

    def _apply_items(self, items: list[dict]) -> None:
        """Apply pulled items inside the caller's transaction; find conflicts with unpushed edits."""
        c = self.conn
        pending = self._pending_fields(c, [it["uuid"] for it in items])
        by_kind: dict[str, list[dict]] = {}
        conflicted: list[tuple[RecordKind, str, dict[str, Any]]] = []
        photos = []
        for it in items:
            kind = RECORD_KINDS.get(it["kind"])
            if kind is None:
                continue
            uuid = it["uuid"]
            if it.get("deleted"):
                row = {"uuid": uuid, "_deleted": True}
            else:
                vals = it.get("values") or {}
                row = {k: vals[k] for k in kind.field_names() if k in vals}  # full state: apply_remote(complete)
                row["uuid"] = uuid
                if kind.geometry and vals.get("geom"):
                    row["geom"] = bytes.fromhex(vals["geom"])
                if kind.name == "photo" and row.get("sha256"):
                    photos.append(row["sha256"])
            p = pending.get(uuid)
            if p:
                lost = self._pull_conflicts(c, kind, it, p)
                if lost:
                    conflicted.append((kind, uuid, lost))
                else:
                    self.summary.merged += 1
            by_kind.setdefault(kind.name, []).append(row)
        for kname, rows in by_kind.items():
            self._apply_rows(c, RECORD_KINDS[kname], rows)
        for kind, uuid, lost in conflicted:
            self._drop_local(c, kind, uuid, lost)
        if photos:
            c.executemany(
                "INSERT OR IGNORE INTO sbs_photo (sha256, status, updated_at) VALUES (?, 'remote', ?)",
                [(s, utc_now()) for s in photos],
            )

    def _apply_rows(self, c: sqlite3.Connection, kind: RecordKind, rows: list[dict]) -> None:
        """Write pulled records (full states, docs/API.md §5) and tombstones; local edits stay on top."""
        if rows:
            self.store.apply_remote(kind.name, rows, conn=c, complete=True)

    def _pull_conflicts(self, c: sqlite3.Connection, kind: RecordKind, item: dict, p: dict) -> dict[str, Any]:
        """Conflicts between a pulled record and unpushed local edits; returns {field: server value}."""
        if "delete" in p["ops"]:
            return {}  # a local delete stays; the push reports a conflict if the server changed it
        base = self.store.base(kind.name, item["uuid"], conn=c) or {}
        vals = item.get("values") or {}
        who = (item.get("rev"), item.get("updated_by"), item.get("updated_at"))
        lost: dict[str, Any] = {}
        if item.get("deleted"):
            for name, mine in p["fields"].items():
                if name in SERVER_OWNED:
                    continue
                self._add_conflict(c, kind, item["uuid"], name, "deleted", to_wire(kind, name, base.get(name)),
                                   to_wire(kind, name, mine), None, *who, None, "pull", None)  # fmt: skip
                lost[name] = None
            return lost
        newly_delisted = (kind.delisting and vals.get("register_status") == "delisted"
                          and base.get("register_status") != "delisted")  # fmt: skip
        for name, mine in p["fields"].items():
            if name in SERVER_OWNED or "insert" in p["ops"] and not base:
                continue
            theirs = vals.get(name)
            if same(kind, name, theirs, mine):
                continue
            if newly_delisted and name not in DELIST_FIELDS:
                reason = "delisted"
            elif same(kind, name, theirs, base.get(name)):
                continue  # the server did not touch it: the local edit goes on top
            else:
                reason = "field"
            self._add_conflict(c, kind, item["uuid"], name, reason, to_wire(kind, name, base.get(name)),
                               to_wire(kind, name, mine), theirs, *who, None, "pull", None)  # fmt: skip
            lost[name] = theirs
        return lost

    def _drop_local(self, c: sqlite3.Connection, kind: RecordKind, uuid: str, lost: dict[str, Any]) -> None:
        """Show the server value of conflicted fields; the local value lives on in the conflict row."""
        self.store.drop_pending_fields(kind.name, uuid, lost, conn=c)
        settable = {n: v for n, v in lost.items() if n != "uuid"}
        if settable:
            with self.store.applying_remote(c):
                sets = ", ".join(f"{q(n)} = ?" for n in settable)
                c.execute(f"UPDATE {q(kind.name)} SET {sets} WHERE uuid = ?",  # nosec B608 - model names
                          (*(to_storage(kind, n, v) for n, v in settable.items()), uuid))  # fmt: skip

    # -- conflicts resolved locally: close them on the server ----------------------------
    def close_resolved(self) -> None:
        rows = self.conn.execute(
            "SELECT id, server_conflict_id FROM sbs_conflict WHERE status = 'resolved' AND server_closed = 0"
        ).fetchall()
        for cid, server_id in rows:
            self._check()
            if server_id is not None:
                self.api.resolve_conflict(int(server_id), "server")
            with transaction(self.conn):
                self.conn.execute("UPDATE sbs_conflict SET server_closed = 1 WHERE id = ?", (cid,))

    # -- photos -----------------------------------------------------------------------------
    def upload_photos(self) -> None:
        c = self.conn
        rows = c.execute(
            "SELECT DISTINCT p.sha256 FROM photo p LEFT JOIN sbs_photo s ON s.sha256 = p.sha256"
            " WHERE p.sha256 IS NOT NULL AND (s.sha256 IS NULL OR s.status = 'pending')"
        ).fetchall()
        for (sha,) in rows:
            self._check()
            path = photo_path(self.store, sha)
            if not path.is_file():
                continue  # a photo made elsewhere; its owner uploads it
            if self.upload_blob(sha, path):
                self.summary.photos_up += 1

    def upload_blob(self, sha: str, path: Path) -> bool:
        """Upload one blob resumably from the server's offset. True when it was sent now."""
        total = path.stat().st_size
        status = self.api.upload_status(sha)
        sent = False
        with open(path, "rb") as f:
            for _ in range(100_000):
                if status.get("complete"):
                    break
                offset = int(status.get("offset") or 0)
                if offset >= total:
                    offset = 0
                f.seek(offset)
                data = f.read(self.settings.chunk_size)
                status = self.api.put_chunk(sha, data, offset, total)
                sent = True
                with transaction(self.conn):
                    self.conn.execute(
                        "INSERT OR REPLACE INTO sbs_photo (sha256, size, status, offset, updated_at)"
                        " VALUES (?, ?, 'pending', ?, ?)",
                        (sha, total, int(status.get("offset") or 0), utc_now()),
                    )
                self._check()
        with transaction(self.conn):
            self.conn.execute(
                "INSERT OR REPLACE INTO sbs_photo (sha256, size, status, offset, updated_at)"
                " VALUES (?, ?, 'uploaded', ?, ?)",
                (sha, total, total, utc_now()),
            )
        return sent

    def fetch_photo(self, sha: str) -> Path:
        """The local file of a photo, downloaded (and verified) when missing."""
        target = photo_path(self.store, sha)
        if target.is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".dl-")
        h = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as f:
                for chunk in self.api.iter_blob(sha):
                    h.update(chunk)
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            if h.hexdigest() != sha:
                raise SyncError("downloaded photo does not match its hash", "下载的照片与哈希不符")
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self.summary.photos_down += 1
        return target

    def download_photos(self) -> None:
        for (sha,) in self.conn.execute("SELECT DISTINCT sha256 FROM photo WHERE sha256 IS NOT NULL").fetchall():
            self._check()
            if not photo_path(self.store, sha).is_file():
                try:
                    self.fetch_photo(sha)
                except SyncError as exc:
                    self.summary.errors.append(f"photo {sha[:12]}: {exc}")


# ------------------------------------------------------------------------------------------
# Convenience
# ------------------------------------------------------------------------------------------
def sync_store(store: Store | str | Path, api: ApiClient, **kw: Any) -> SyncSummary:
    with SyncEngine(store, api, **kw) as engine:
        return engine.sync()


def first_sync(store_path: str | Path, api: ApiClient, username: str, password: str, **kw: Any) -> SyncSummary:
    """Log in and download the user's counties into a new store (refuses to overwrite a file)."""
    api.check_model()  # before the file is made
    store = create_store(store_path)
    return sync_store(store, api, username=username, password=password, **kw)


def fetch_photo(store: Store | str | Path, api: ApiClient, sha256: str) -> Path:
    with SyncEngine(store, api) as engine:
        return engine.fetch_photo(sha256)


def pending_mutations(store: Store | str | Path) -> Iterable[dict]:
    _store, conn = _open(store)
    try:
        rows = conn.execute("SELECT mutation_id, change FROM sbs_outbox WHERE status = 'pending'").fetchall()
    finally:
        conn.close()
    return [{"mutation_id": r[0], **json.loads(r[1])} for r in rows]
