"""Push and pull between one offline store and the server (plain Python + sqlite3, no QGIS).

Order of one :meth:`SyncEngine.sync`:

1. check the server's model version (nothing is written when it is incompatible), log in;
2. upload photo blobs the server lacks (resumable, by content hash; ``sync.photos``);
3. push: first resend every outbox mutation not yet answered (same ids), then claim the unsynced
   change-log entries, collapse them to one net change per record, queue them in the outbox with
   fresh mutation ids *in the same transaction*, and send them in batches. An entry is marked
   synced only when the server's answer for its mutation is stored;
4. pull pages since the cursor; each page is applied with ``Store.apply_remote`` (not logged)
   and the cursor saved in the same transaction. Local edits not yet pushed stay on top; a field
   changed on both sides to different values becomes a conflict row (the server value is shown,
   the local value is kept in the conflict);
5. close on the server the conflicts resolved locally; download photos when configured.

The engine decides; the store (``layers.store``: record tables, change log) and the sync tables
(``layers.sync_local``: outbox, base copies, conflicts) own their SQL. Ordering is by server
sequence numbers only; laptop clocks are never compared.
"""

from __future__ import annotations

import logging
import socket
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..layers import sync_local as local
from ..layers.codec import same, to_record, to_wire
from ..layers.store import Change, Store, collapse, open_store, transaction
from ..model import DELIST_FIELDS, RECORD_KINDS
from ..model.schema import RecordKind
from . import photos, thresholds
from .api import AnswerMismatch, ApiClient, AuthError, DeviceCopied, MutationGap

log = logging.getLogger(__name__)

SERVER_OWNED = frozenset({"server_rev", "created_at", "created_by", "updated_at", "updated_by", "uuid"})
FINAL = ("applied", "conflict", "rejected", "unknown")


class Cancelled(Exception):
    """The caller cancelled the sync between two batches or pages."""


@dataclass
class SyncSettings:
    # Sizes bound the write transactions too: QGIS commits wait for the one in progress (see store.WRITE_GATE).
    batch_size: int = 500
    page_size: int = 1000
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
    stuck: int = 0  # edits held back (the server cannot take them yet); listed by sync_local.list_rejected
    errors: list[str] = field(default_factory=list)
    cancelled: bool = False
    client_id: str = ""
    thresholds: list[str] = field(default_factory=list)  # counties whose thresholds were received

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _reasons(errors: list[dict] | None) -> str:
    return "; ".join(f"{e.get('zh')} ({e.get('en')})" for e in errors or [])


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
    ):
        # A path is opened as the plugin opens it: an older store is upgraded (new kinds, new fields) first.
        self.store = store if isinstance(store, Store) else open_store(store)
        self.api = api
        self.username, self.password = username, password
        self.settings = settings or SyncSettings()
        self._progress = progress or (lambda _p: None)
        self._is_canceled = is_canceled or (lambda: False)
        self.summary = SyncSummary()
        self.server_last_id = 0
        self.counties: list[str] = []  # the user's counties (login)
        self._cid: str | None = None
        self._to_claim: list[tuple[str, str, list[int]]] = []  # records left to claim from the last log scan
        self._upload_failures: dict[str, photos.UploadStuck] = {}
        self.conn = self.store.connect()
        local.ensure(self.conn)

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
        """This store file's id for the server: random, made at its first sync or login."""
        if self._cid is None:
            with transaction(self.conn):
                self._cid = local.get(self.conn, local.K_CLIENT)
                if self._cid is None:
                    self._cid = str(uuidlib.uuid4())
                    local.put(self.conn, local.K_CLIENT, self._cid)
        return self._cid

    def claim_device(self) -> None:
        """Make sure no other copy of this file pushes under its client id.

        A copied file carries its client id and everything else, so the file cannot tell it is a
        copy; the server can. It keeps a nonce per client id that the file renews at every sync by
        compare-and-set: the file shows the nonce the server last confirmed to it and a fresh random
        one, made now and kept only once confirmed. Of two copies, the second to sync shows a nonce
        the server no longer has: it is a copy, and takes a new client id (its unanswered mutations
        renumbered under it), so nothing it queued is answered with the other file's results. A copy
        taken at any moment is caught, because the fresh nonces differ. (A file killed after the
        server confirmed but before it kept the nonce is taken for a copy too: harmless, it only
        gets a new id.)
        """
        c = self.conn
        fresh = str(uuidlib.uuid4())
        try:
            claimed = self.api.claim_device(self.client_id, local.get(c, local.K_NONCE), fresh)
        except DeviceCopied:
            with transaction(c):
                self._new_identity("a copy of a file that synced after it was copied")
            raise DeviceCopied(
                "this store file is a copy of one that synced: it now has its own device id, and its "
                "unsent edits are kept; log in again to send them",
                "此数据文件是另一份已同步文件的副本，已改用自己的设备标识，未发送的修改都已保留；请重新登录后同步",
            ) from None
        if claimed:
            with transaction(c):
                local.put(c, local.K_NONCE, fresh)

    def _new_identity(self, why: str) -> None:
        """A new client id for this file (in the caller's transaction): unanswered mutations renumbered from 1."""
        cid = str(uuidlib.uuid4())
        log.warning("store %s: new client id %s (%s)", self.store.path, cid, why)
        local.put(self.conn, local.K_CLIENT, cid)
        local.put(self.conn, local.K_NONCE, None)
        local.renumber(self.conn, 1)
        self._cid, self.server_last_id, self.api.token = cid, 0, None

    def login(self) -> None:
        """Log in (with the password, else the token), check the token's device, claim the device."""
        for attempt in range(2):
            cid = self.client_id
            if self.password is not None and self.username:
                self.api.login(self.username, self.password, cid, device_name=socket.gethostname())
            if not self.api.token:
                raise AuthError("no token: log in first", "尚未登录，请先登录")
            me = self.api.me()
            if me.get("client_id") != cid:
                raise AuthError(
                    "the token belongs to another device: log in again", "登录令牌属于另一台设备，请重新登录"
                )
            try:
                self.claim_device()
                break
            except DeviceCopied:
                if attempt or self.password is None:
                    raise  # a token belongs to the old device: the user logs in again
        self.server_last_id = int(me.get("last_mutation_id") or 0)
        self.username = me.get("username", self.username)
        self.counties = [c for c in me.get("counties") or () if isinstance(c, str)]
        with transaction(self.conn):
            local.put(self.conn, local.K_SERVER, self.api.base_url)
            local.put(self.conn, local.K_USER, self.username)

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
                self.summary.photos_down += photos.download_all(
                    self.store, self.conn, self.api, self._check, self.summary.errors
                )
            self._progress(100)
        except Cancelled:
            self.summary.cancelled = True
        return self.summary

    def upload_photos(self) -> None:
        uploader = photos.Uploader(self.store, self.conn, self.api, self.settings.chunk_size, self._check)
        self.summary.photos_up += uploader.upload_all()
        self._upload_failures = uploader.failed
        for sha, why in uploader.failed.items():
            self.summary.errors.append(f"photo {sha[:12]}: {why}")

    # -- push -------------------------------------------------------------------------------
    def pending_count(self) -> int:
        return self.store.pending_count(self.conn)

    def push(self) -> None:
        """Send the outbox, then claim and send new edits, until nothing is left (or a stop)."""
        with transaction(self.conn):
            local.release_held(self.conn)  # held records are tried once more in each sync
        for _round in range(100_000):
            self._check()
            batch = local.outbox_batch(self.conn, self.settings.batch_size)
            if not batch:
                if not self.claim():
                    return
                continue
            try:
                resp = self.api.push([change for _mid, change in batch], self.client_id)
            except MutationGap as gap:
                expected = int(gap.body.get("expected_mutation_id") or 0)
                if expected <= 0 or expected == batch[0][0]:
                    raise
                with transaction(self.conn):
                    local.renumber(self.conn, expected)
                continue
            if self._record_results(batch, resp.get("results", [])):
                return

    def claim(self) -> int:
        """Move the unsynced change-log entries of up to one batch of records into outbox mutations
        (one short transaction; only when every earlier mutation is answered). Returns how many.

        The log is scanned once and then taken a batch at a time; entries added meanwhile are found
        by the next scan. A record claimed without its newest entries is still right: a mutation
        carries the record's current values, and the later entries then make no change.
        """
        c = self.conn
        if not self._to_claim:
            self._to_claim = self.store.pending_records(conn=c)
        with transaction(c):
            if local.has_unanswered(c):
                return 0
            held = local.still_held(c)
            records = [r for r in self._to_claim[: self.settings.batch_size + len(held)] if r[:2] not in held]
            records = records[: self.settings.batch_size]
            del self._to_claim[: self.settings.batch_size + len(held)]
            entries = self.store.changes_of([s for _k, _u, seqs in records for s in seqs], conn=c)
            groups: dict[tuple[str, str], list[Change]] = {}
            for ch in entries:
                groups.setdefault((ch.kind, ch.uuid), []).append(ch)
            next_id = max(local.next_mutation_id(c), self.server_last_id + 1)
            queued: list[tuple[int, dict, list[int]]] = []
            noop: list[int] = []
            for (kname, uuid), chs in sorted(groups.items(), key=lambda kv: kv[1][0].seq):
                change = self._net_change(kname, uuid, chs)
                if change is None:
                    noop.extend(ch.seq for ch in chs)
                    continue
                queued.append((next_id, change, [ch.seq for ch in chs]))
                next_id += 1
            local.add_mutations(c, queued, next_id)
            if noop:
                self.store.mark_synced(noop, conn=c)
        return len(queued) + len(noop) or (1 if self._to_claim else 0)

    def _net_change(self, kname: str, uuid: str, chs: list[Change]) -> dict | None:
        """The wire change of one record's log entries against its base copy (None: nothing to send)."""
        kind = RECORD_KINDS.get(kname)
        if kind is None:
            return None
        c = self.conn
        net = collapse(chs)
        base = local.base(c, kname, uuid)
        base_rev = int(base["server_rev"] or 0) if base else 0
        row = self.store.row(kname, uuid, conn=c)
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

    def _record_results(self, batch: list[tuple[int, dict]], results: list[dict]) -> bool:
        """Store the server's answers (one transaction). True when the push must stop here.

        A mutation the server cannot take yet (``retry``: its photo is not on the server) is held
        out of the outbox with the reason, and the ones after it move up: they go out next.
        """
        by_id = {int(r["mutation_id"]): r for r in results if r.get("mutation_id") is not None}
        self._check_answers(batch, by_id)
        c = self.conn
        stop = False
        refetch: list[tuple[str, str]] = []
        with transaction(c):
            held = local.held_records(c)
            for mid, change in batch:
                res = by_id.get(mid) or {}
                status = res.get("status")
                if status == "retry":
                    self._hold(mid, change, res.get("errors") or [])
                    break
                if status not in FINAL:
                    stop = True
                    break
                kind = RECORD_KINDS[change["kind"]]
                if status in ("applied", "conflict", "unknown"):
                    local.advance_base(c, kind, change, res)
                    self.summary.sent += 1
                if status == "rejected":
                    self.summary.rejected += 1
                    self.summary.errors.append(f"{change['kind']} {change['uuid']}: {_reasons(res.get('errors'))}")
                for conf in res.get("conflicts") or []:
                    self._add_conflict(conf.get("uuid") or change["uuid"], kind, conf.get("field", "*"),
                                       conf.get("reason", "field"), base=conf.get("base"), mine=conf.get("client"),
                                       theirs=conf.get("server"),
                                       server=(conf.get("server_rev"), conf.get("server_by"), conf.get("server_at")),
                                       server_conflict_id=conf.get("id"), source="push", mutation_id=mid)  # fmt: skip
                if res.get("conflicts"):
                    refetch.append((change["kind"], change["uuid"]))
                seqs = local.seqs_of(c, mid)
                if seqs:
                    self.store.mark_synced(seqs, conn=c)
                local.finish(c, mid, status, res)
                if (change["kind"], change["uuid"]) in held:
                    local.unhold(c, change["kind"], change["uuid"])
        for kname, uuid in refetch:
            self._refetch(kname, uuid)
        return stop

    def _hold(self, mid: int, change: dict, errors: list[dict]) -> None:
        """Hold a mutation the server cannot take yet, with why (and why its photo did not upload)."""
        sha = (change.get("fields", {}).get("sha256") or {}).get("new")
        why = self._upload_failures.get(sha)
        if why is not None:
            errors = [*errors, {"code": "upload", "zh": why.zh, "en": why.en}]
        local.hold(self.conn, mid, errors)
        self.summary.stuck += 1
        self.summary.errors.append(
            f"{change['kind']} {change['uuid']}: 暂未发送，下次同步时重试（held, tried again at the next sync）: "
            + _reasons(errors)
        )

    def _check_answers(self, batch: list[tuple[int, dict]], by_id: dict[int, dict]) -> None:
        """Refuse a batch whose answers are about other records than what was sent under their ids.

        That happens only when another file pushed under this client id (a copy the device claim
        could not see): nothing of the batch is recorded, the file takes a new client id, and its
        edits stay queued for the next sync.
        """
        for mid, change in batch:
            res = by_id.get(mid) or {}
            if res.get("status") not in ("applied", "conflict", "rejected"):
                continue
            if (res.get("kind"), res.get("uuid")) != (change["kind"], change["uuid"]):
                with transaction(self.conn):
                    self._new_identity(f"the answer to mutation {mid} is about {res.get('kind')} {res.get('uuid')}")
                raise AnswerMismatch(
                    f"the server's answer to edit no. {mid} is about another record ({res.get('kind')} "
                    f"{res.get('uuid')}, sent: {change['kind']} {change['uuid']}): another copy of this file may "
                    "have synced under its device id. Nothing of this batch was marked as sent, the edits are kept "
                    "and this file now has its own device id: sync again",
                    f"服务器对第 {mid} 号修改的答复属于另一条记录（{res.get('kind')} {res.get('uuid')}，本机发送的是 "
                    f"{change['kind']} {change['uuid']}），可能另一份数据文件副本使用了本机的设备标识。本批修改未标记为已同步，"
                    "全部保留；本文件已改用自己的设备标识，请重新同步",
                )

    def _add_conflict(self, uuid: str, kind: RecordKind, fname: str, reason: str, **kw: Any) -> None:
        if local.add_conflict(self.conn, kind.name, uuid, fname, reason, **kw):
            self.summary.conflicts += 1

    def _refetch(self, kname: str, uuid: str) -> None:
        """Bring one record back to the server's state (after a conflict the server kept its values)."""
        item = self.api.get_record(uuid)
        with transaction(self.conn):
            self._apply_items([item or {"kind": kname, "uuid": uuid, "deleted": True}])

    # -- pull -------------------------------------------------------------------------------
    def pull(self) -> None:
        cursor = local.get(self.conn, local.K_CURSOR)
        for _page in range(1_000_000):
            self._check()
            page = self.api.pull(cursor, self.settings.page_size)
            items = page.get("items", [])
            with transaction(self.conn):
                self._apply_items(items)
                cursor = page.get("cursor") or cursor
                local.put(self.conn, local.K_CURSOR, cursor)
            self.summary.received += len(items)
            if not page.get("has_more"):
                return

    def _apply_items(self, items: list[dict]) -> None:
        """Apply pulled items inside the caller's transaction; find conflicts with unpushed edits.

        A field changed on both sides keeps the server value in the record (its unpushed local
        edit is dropped from the log) and the local value in a conflict row.
        """
        c = self.conn
        pending = self.store.pending_fields(c, [it["uuid"] for it in items])
        by_kind: dict[str, list[dict]] = {}
        shas = []
        for it in items:
            kind = RECORD_KINDS.get(it["kind"])
            if kind is None:
                continue
            uuid = it["uuid"]
            if it.get("deleted"):
                row = {"uuid": uuid, "_deleted": True}
            else:
                vals = it.get("values") or {}
                # the full state (docs/API.md §5): applied as complete rows
                row = {k: to_record(kind, k, vals[k]) for k in kind.field_names() if k in vals}
                row["uuid"] = uuid
                if kind.geometry and vals.get("geom"):
                    row["geom"] = to_record(kind, "geom", vals["geom"])
                if kind.name == "photo" and row.get("sha256"):
                    shas.append(row["sha256"])
            p = pending.get(uuid)
            if p:
                lost = self._pull_conflicts(kind, it, p)
                if lost:
                    self.store.drop_pending_fields(kind.name, uuid, lost, conn=c)
                else:
                    self.summary.merged += 1
            by_kind.setdefault(kind.name, []).append(row)
        for kname, rows in by_kind.items():
            local.apply_server_records(self.store, c, kname, rows, complete=True)
        local.keep_rejected_on_top(self.store, c, [it["uuid"] for it in items if not it.get("deleted")])
        if shas:
            local.photos_seen_on_server(c, shas)

    def _pull_conflicts(self, kind: RecordKind, item: dict, p: dict) -> list[str]:
        """Conflicts between a pulled record and unpushed local edits; returns the fields lost locally."""
        if "delete" in p["ops"]:
            return []  # a local delete stays; the push reports a conflict if the server changed it
        base = local.base(self.conn, kind.name, item["uuid"]) or {}
        vals = item.get("values") or {}
        server = (item.get("rev"), item.get("updated_by"), item.get("updated_at"))
        deleted = bool(item.get("deleted"))
        newly_delisted = (not deleted and kind.delisting and vals.get("register_status") == "delisted"
                          and base.get("register_status") != "delisted")  # fmt: skip
        lost = []
        for name, mine in p["fields"].items():
            if name in SERVER_OWNED or (not deleted and "insert" in p["ops"] and not base):
                continue
            theirs = None if deleted else vals.get(name)
            if deleted:
                reason = "deleted"
            elif same(kind, name, theirs, mine):
                continue
            elif newly_delisted and name not in DELIST_FIELDS:
                reason = "delisted"
            elif same(kind, name, theirs, base.get(name)):
                continue  # the server did not touch it: the local edit goes on top
            else:
                reason = "field"
            self._add_conflict(item["uuid"], kind, name, reason, base=to_wire(kind, name, base.get(name)),
                               mine=to_wire(kind, name, mine), theirs=theirs, server=server, source="pull")  # fmt: skip
            lost.append(name)
        return lost

    # -- conflicts resolved locally: close them on the server ----------------------------
    def close_resolved(self) -> None:
        for cid, server_id in local.resolved_to_close(self.conn):
            self._check()
            if server_id is not None:
                self.api.resolve_conflict(int(server_id), "server")
            with transaction(self.conn):
                local.mark_closed(self.conn, cid)
