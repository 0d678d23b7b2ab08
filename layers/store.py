"""The offline store: one GeoPackage per laptop, made from the model, with change capture in the file.

Layout
    One table per record kind (table/layer name = kind name), ``fid INTEGER PRIMARY KEY AUTOINCREMENT``,
    geometry column ``geom`` in EPSG:4490 with GDAL's R-tree index; model columns with their
    ``STORAGE_TYPES`` SQLite type; ``uuid`` UNIQUE and never NULL (the insert trigger gives a record
    written without one, e.g. digitized in QGIS, a fresh uuid v4; changing it later is refused);
    ``created_at`` NOT NULL, a NULL becomes the current UTC time (``ON CONFLICT REPLACE`` default).
    ``updated_at``/``updated_by`` are the server's audit fields: local edits leave them alone (the
    time of a local edit is ``sb_change.changed_at``).

Change log (see :mod:`.migrations` for the triggers)
    ``sb_change(seq, op, kind, uuid, fid, changed_at, synced_at)``: one row per edit, ``seq`` =
    max(seq) + 1 and numbers never repeat (:meth:`Store.purge_synced` keeps the newest entry);
    ``sb_change_field(seq, field, old, new)``: one row per changed field with the exact SQLite
    values (geometry as its GeoPackage blob). Inserts log every non-NULL field, updates only the
    fields whose value changed (``IS NOT``), deletes only the uuid. Entries are marked synced
    (``synced_at``), never dropped silently; :meth:`Store.purge_synced` removes confirmed ones on
    request.

Journal mode
    WAL, set by every connection this module opens: bulk writes cost several times less than with a
    rollback journal, and QGIS reads while a sync writes. QGIS's OGR provider resets a GeoPackage to
    DELETE when it first opens it, and its layers can read nothing after another connection switched
    the file back to WAL under them, so ``layers.project.open_store_in_project`` switches to WAL and
    reloads the layers right after adding them. ``synchronous=FULL``: a commit survives a process
    kill and a power cut (field laptops run out of battery). Writers queue on the busy timeout.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import uuid as uuidlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..model import MODEL_VERSION, RECORD_KINDS
from ..model.schema import ENUM, INT, REAL, REF, TEXT, RecordKind
from ..model.version import parse as parse_version
from . import gpkg, migrations
from .codec import to_sql, utc_now
from .migrations import q

log = logging.getLogger(__name__)
SCHEMA_VERSION: int = migrations.LATEST
BUSY_TIMEOUT_S = 30.0
GPKG_APPLICATION_ID = 0x47504B47  # 'GPKG'


class StoreError(Exception):
    """A store that cannot be opened or written; the message is meant for the user."""


class StoreTooNew(StoreError):
    """The store was made by a newer plugin than this one."""


@dataclass(frozen=True)
class Change:
    """One logged edit. ``fields`` maps a field name to ``(old, new)``; geometry as a GeoPackage blob."""

    seq: int
    op: str
    kind: str
    uuid: str
    fid: int | None
    changed_at: str
    synced_at: str | None
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def _kind(name: str) -> RecordKind:
    try:
        return RECORD_KINDS[name]
    except KeyError:
        raise StoreError(f"unknown record kind {name!r}") from None


_PASSTHROUGH = frozenset((TEXT, INT, REAL, ENUM, REF))


@cache
def _field_types(kind: str) -> dict[str, str]:
    types = {f.name: f.type for f in RECORD_KINDS[kind].fields}
    types["geom"] = "geometry"
    return types


def _prepare(kind: RecordKind, record: dict[str, Any], fill: bool) -> tuple[tuple[str, ...], list[Any], Any]:
    """Column names, values and XY envelope of one record dict."""
    types = _field_types(kind.name)
    if not record.keys() <= types.keys():
        unknown = set(record) - set(types)
        raise StoreError(f"{kind.name}: unknown fields {sorted(unknown)}")
    values = dict(record)
    if fill:
        if values.get("uuid") is None:
            values["uuid"] = str(uuidlib.uuid4())
        if values.get("created_at") is None:
            values["created_at"] = utc_now()
    env = None
    out = []
    for name, value in values.items():
        if name == "geom":
            if not kind.geometry:
                raise StoreError(f"{kind.name} has no geometry")
            blob = gpkg.encode(value)
            env = gpkg.envelope(blob) if blob is not None else None
            out.append(blob)
        else:
            ftype = types[name]
            out.append(value if value is None or ftype in _PASSTHROUGH else to_sql(ftype, value))
    return tuple(values), out, env


class _Extent:
    def __init__(self) -> None:
        self.box: list[float] = []

    def add(self, env: Sequence[float] | None) -> None:
        if env is None:
            return
        if not self.box:
            self.box = list(env)
        else:
            b = self.box
            b[0], b[1], b[2], b[3] = min(b[0], env[0]), max(b[1], env[1]), min(b[2], env[2]), max(b[3], env[3])

    def write(self, conn: sqlite3.Connection, table: str) -> None:
        if not self.box:
            return
        minx, maxx, miny, maxy = self.box
        conn.execute(
            "UPDATE gpkg_contents SET"
            " min_x = CASE WHEN min_x IS NULL OR min_x > ? THEN ? ELSE min_x END,"
            " max_x = CASE WHEN max_x IS NULL OR max_x < ? THEN ? ELSE max_x END,"
            " min_y = CASE WHEN min_y IS NULL OR min_y > ? THEN ? ELSE min_y END,"
            " max_y = CASE WHEN max_y IS NULL OR max_y < ? THEN ? ELSE max_y END,"
            " last_change = ? WHERE table_name = ?",
            (minx, minx, maxx, maxx, miny, miny, maxy, maxy, utc_now(), table),
        )


class _Batches:
    """Runs statements in the given order, each run of one statement text as one ``executemany``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.sql: str | None = None
        self.params: list[Sequence[Any]] = []

    def add(self, sql: str, params: Sequence[Any]) -> None:
        if sql != self.sql:
            self.flush()
            self.sql = sql
        self.params.append(params)

    def flush(self) -> None:
        if self.sql is not None and self.params:
            self.conn.executemany(self.sql, self.params)
        self.sql, self.params = None, []


# One writer at a time in this process. QGIS's OGR provider commits in a deferred transaction that
# reads before it writes: a commit by another connection in between makes SQLite refuse the write at
# once (SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out). So every write transaction here takes
# the gate, and while a sync runs QGIS takes it around each commit of the store's layers (sync.task).
WRITE_GATE = threading.RLock()
# Each holder keeps the gate for one bounded write (a page, a batch, a QGIS commit); a machine under
# load can stretch that well past SQLite's busy timeout, and writing without the gate risks a QGIS
# commit over a row read before a sync wrote it. So wait long; a minute only guards against a bug.
GATE_TIMEOUT_S = 60.0


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (rollback on error) holding ``WRITE_GATE``; joins a transaction already open."""
    if conn.in_transaction:
        yield conn
        return
    gated = WRITE_GATE.acquire(timeout=GATE_TIMEOUT_S)  # never wait forever on a forgotten gate
    if not gated:
        log.warning("the write gate was not free within %s s: writing without it", GATE_TIMEOUT_S)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
    finally:
        if gated:
            WRITE_GATE.release()


def use_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL (a no-op when it is). Bulk writes (a sync page, a 10k-record apply)
    cost several times less than with a rollback journal."""
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        # Switching needs the file to itself: try briefly, never wait out the busy timeout for it.
        conn.execute("PRAGMA busy_timeout = 250")
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
        except sqlite3.OperationalError:
            pass  # another program is reading in rollback mode; we work in its mode
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")


def read_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM sb_meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def write_meta(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    """Set a metadata value in the caller's transaction."""
    conn.execute("INSERT OR REPLACE INTO sb_meta (key, value) VALUES (?, ?)", (key, value))


def connect_read_only(path: str | Path, timeout: float = 5.0) -> sqlite3.Connection:
    """A connection that never writes (the docks' lists); it waits up to ``timeout`` s for a lock."""
    return sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, timeout=timeout)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
    gpkg.register_functions(conn)
    use_wal(conn)
    conn.execute("PRAGMA synchronous = FULL")
    return conn


class Store:
    """An open offline store. Cheap to keep around; open connections with :meth:`connect`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    # --- connections --------------------------------------------------------------------------

    def connect(self) -> sqlite3.Connection:
        """A sqlite3 connection with the GeoPackage SQL functions, WAL, FULL sync and a busy timeout.

        One connection per thread. Plain Python transaction handling; Store methods run their
        writes in ``BEGIN IMMEDIATE`` transactions or join the caller's open transaction.
        """
        return _connect(self.path)

    @contextmanager
    def _conn(self, conn: sqlite3.Connection | None) -> Iterator[sqlite3.Connection]:
        if conn is not None:
            yield conn
            return
        own = self.connect()
        try:
            yield own
        finally:
            own.close()

    # --- metadata -----------------------------------------------------------------------------

    def get_meta(self, key: str, *, conn: sqlite3.Connection | None = None) -> str | None:
        with self._conn(conn) as c:
            return read_meta(c, key)

    def set_meta(self, key: str, value: str | None, *, conn: sqlite3.Connection | None = None) -> None:
        """Set a metadata value (e.g. the pull cursor, inside the transaction that applied the page)."""
        with self._conn(conn) as c, transaction(c):
            write_meta(c, key, value)

    @property
    def schema_version(self) -> int:
        return int(self.get_meta("schema_version") or 0)

    @property
    def model_version(self) -> str | None:
        return self.get_meta("model_version")

    @property
    def device_id(self) -> str:
        return self.get_meta("device_id") or ""

    # --- records ------------------------------------------------------------------------------

    def count(self, kind: str, *, conn: sqlite3.Connection | None = None) -> int:
        k = _kind(kind)
        with self._conn(conn) as c:
            return c.execute(f"SELECT count(*) FROM {q(k.name)}").fetchone()[0]

    def insert_records(
        self, kind: str, records: Iterable[dict[str, Any]], *, conn: sqlite3.Connection | None = None
    ) -> int:
        """Insert records (a local edit: logged). ``geom`` is ISO WKB lon/lat EPSG:4490."""
        k = _kind(kind)
        extent = _Extent()
        groups: dict[tuple[str, ...], list[list[Any]]] = {}
        n = 0
        for rec in records:
            cols, vals, env = _prepare(k, rec, fill=True)
            extent.add(env)
            groups.setdefault(cols, []).append(vals)
            n += 1
        with self._conn(conn) as c, transaction(c):
            for cols, rows in groups.items():
                c.executemany(
                    f"INSERT INTO {q(k.name)} ({', '.join(q(x) for x in cols)}) VALUES ({', '.join('?' * len(cols))})",
                    rows,
                )
            extent.write(c, k.name)
        return n

    def update_records(
        self, kind: str, updates: dict[str, dict[str, Any]], *, conn: sqlite3.Connection | None = None
    ) -> int:
        """Change fields of records by uuid (a local edit: logged, field by field). ``geom`` as for
        :meth:`insert_records`. Returns the number of records updated."""
        k = _kind(kind)
        extent = _Extent()
        n = 0
        with self._conn(conn) as c, transaction(c):
            for uid, fields in updates.items():
                if not fields:
                    continue
                cols, vals, env = _prepare(k, dict(fields), fill=False)
                extent.add(env)
                sets = ", ".join(f"{q(x)} = ?" for x in cols)
                n += c.execute(f"UPDATE {q(k.name)} SET {sets} WHERE uuid = ?", (*vals, uid)).rowcount
            extent.write(c, k.name)
        return n

    def records(
        self, kind: str, where: dict[str, Iterable[Any]] | None = None, *, conn: sqlite3.Connection | None = None
    ) -> list[dict[str, Any]]:
        """Every record of a kind (``geom`` as ISO WKB), or those whose fields hold one of the given values."""
        k = _kind(kind)
        types = _field_types(k.name)
        clauses, params = [], []
        for name, wanted in (where or {}).items():
            if name not in types:
                raise StoreError(f"{k.name}: unknown field {name!r}")
            wanted = list(wanted)
            clauses.append(f"{q(name)} IN ({', '.join('?' * len(wanted))})" if wanted else "0")
            params += wanted
        sql = f"SELECT * FROM {q(k.name)}" + (f" WHERE {' AND '.join(clauses)}" if clauses else "")
        with self._conn(conn) as c:
            cur = c.execute(sql, params)
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r)) for r in cur]
        for rec in rows:
            if rec.get("geom") is not None:
                rec["geom"] = gpkg.decode(rec["geom"])
        return rows

    def get_record(self, kind: str, uuid: str, *, conn: sqlite3.Connection | None = None) -> dict[str, Any] | None:
        """Current values of one record (``geom`` as ISO WKB), or None."""
        k = _kind(kind)
        with self._conn(conn) as c:
            cur = c.execute(f"SELECT * FROM {q(k.name)} WHERE uuid = ?", (uuid,))
            row = cur.fetchone()
            if row is None:
                return None
            rec = dict(zip([d[0] for d in cur.description], row))
        if "geom" in rec:
            rec["geom"] = gpkg.decode(rec["geom"])
        return rec

    def row(self, kind: str, uuid: str, *, conn: sqlite3.Connection | None = None) -> dict[str, Any] | None:
        """One record exactly as stored (geometry as its GeoPackage blob), or None."""
        k = _kind(kind)
        with self._conn(conn) as c:
            cur = c.execute(f"SELECT * FROM {q(k.name)} WHERE uuid = ?", (uuid,))
            row = cur.fetchone()
            return None if row is None else dict(zip([d[0] for d in cur.description], row))

    def delete_record(self, kind: str, uuid: str, *, conn: sqlite3.Connection | None = None) -> bool:
        """Delete one record as a local edit (logged). False: no such record."""
        k = _kind(kind)
        with self._conn(conn) as c, transaction(c):
            return c.execute(f"DELETE FROM {q(k.name)} WHERE uuid = ?", (uuid,)).rowcount > 0

    # --- sync side ----------------------------------------------------------------------------

    @contextmanager
    def applying_remote(self, conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        """Write server data without logging it: the capture triggers are off inside the block.

        The flag is set and reset inside one transaction, so no other connection ever sees it set.
        Blocks nest: an inner block leaves the flag to the outer one.
        """
        with transaction(conn):
            if conn.execute("SELECT applying FROM sb_sync_state WHERE id = 1").fetchone()[0]:
                yield conn
                return
            conn.execute("UPDATE sb_sync_state SET applying = 1 WHERE id = 1")
            try:
                yield conn
            finally:
                conn.execute("UPDATE sb_sync_state SET applying = 0 WHERE id = 1")

    def apply_remote(
        self,
        kind: str,
        rows: Iterable[dict[str, Any]],
        *,
        conn: sqlite3.Connection | None = None,
        rebase: bool = True,
        complete: bool = False,
    ) -> dict[str, dict[str, Any] | None]:
        """Write server records by uuid without logging them.

        A row is a record dict as for :meth:`insert_records` (with ``server_rev``); a row with
        ``"_deleted": True`` is a tombstone and removes the record. A record that exists locally is
        updated in place (an ``UPDATE``, so its fid stays: QGIS layers and selections refer to fids,
        and GDAL's R-tree triggers see an ordinary update); a new one is inserted.

        ``complete``: the rows are whole records (a pull item carries the record's full current
        values, docs/API.md §5), so every field a row lacks is set to NULL. Otherwise a row carries
        only the fields to change: the others keep their local value.

        With ``rebase`` the record's pending local edits are put back on top of the server values
        (SYNC.md: server base, then local edits), and a record deleted locally stays deleted.

        Returns, per uuid, the stored values the server's rows set (geometry as its blob), None for
        a record removed: what the sync client keeps as the base copy.
        """
        k = _kind(kind)
        table = q(k.name)
        every = (*k.field_names(), "geom") if k.geometry else k.field_names()
        items: list[tuple[str, bool, tuple[str, ...], list[Any]]] = []
        extent = _Extent()
        for rec in rows:
            rec = dict(rec)
            deleted = bool(rec.pop("_deleted", False))
            uid = rec.get("uuid")
            if uid is None:
                raise StoreError(f"{k.name}: a server record without uuid")
            if deleted:
                items.append((uid, True, (), []))
                continue
            if complete:
                rec = {name: rec.get(name) for name in every} | rec
            cols, vals, env = _prepare(k, rec, fill=False)
            extent.add(env)
            items.append((uid, False, cols, vals))
        written: dict[str, dict[str, Any] | None] = {}
        with self._conn(conn) as c, self.applying_remote(c):
            present = self._existing(c, k, {it[0] for it in items})
            batch = _Batches(c)
            for uid, deleted, cols, vals in items:
                if deleted:
                    if uid in present:
                        batch.add(f"DELETE FROM {table} WHERE uuid = ?", (uid,))
                        present.discard(uid)
                    written[uid] = None
                    continue
                if uid in present:
                    sets = [x for x in cols if x != "uuid"]
                    if sets:
                        batch.add(
                            f"UPDATE {table} SET {', '.join(f'{q(x)} = ?' for x in sets)} WHERE uuid = ?",
                            [v for x, v in zip(cols, vals) if x != "uuid"] + [uid],
                        )
                else:
                    batch.add(
                        f"INSERT INTO {table} ({', '.join(q(x) for x in cols)}) VALUES ({', '.join('?' * len(cols))})",
                        vals,
                    )
                    present.add(uid)
                old = written.get(uid)
                new = dict(zip(cols, vals))
                written[uid] = new if complete or old is None else old | new
            batch.flush()
            if rebase and self.has_pending(c, k.name):
                self._rebase(c, k, {u for u, w in written.items() if w is not None})
            extent.write(c, k.name)
        return written

    @staticmethod
    def _existing(c: sqlite3.Connection, k: RecordKind, uuids: set[str]) -> set[str]:
        """Those of ``uuids`` that have a record locally."""
        found: set[str] = set()
        wanted = list(uuids)
        for i in range(0, len(wanted), 500):
            part = wanted[i : i + 500]
            found.update(
                r[0]
                for r in c.execute(f"SELECT uuid FROM {q(k.name)} WHERE uuid IN ({','.join('?' * len(part))})", part)
            )
        return found

    def _rebase(self, c: sqlite3.Connection, k: RecordKind, uuids: set[str]) -> None:
        """Put pending local edits of the given records back on top of the server values just written."""
        latest: dict[str, dict[str, Any]] = {}
        deleted: set[str] = set()
        for op, uuid, fname, new in c.execute(
            "SELECT c.op, c.uuid, f.field, f.new FROM sb_change c LEFT JOIN sb_change_field f ON f.seq = c.seq"
            " WHERE c.kind = ? AND c.synced_at IS NULL ORDER BY c.seq",
            (k.name,),
        ):
            if uuid not in uuids:
                continue
            if op == "delete":
                deleted.add(uuid)
            elif fname is not None and op == "update":
                latest.setdefault(uuid, {})[fname] = new
        for uuid in deleted:
            c.execute(f"DELETE FROM {q(k.name)} WHERE uuid = ?", (uuid,))
        for uuid, fields in latest.items():
            if uuid in deleted:
                continue
            sets = ", ".join(f"{q(f)} = ?" for f in fields)
            c.execute(f"UPDATE {q(k.name)} SET {sets} WHERE uuid = ?", (*fields.values(), uuid))

    def drop_pending_fields(
        self, kind: str, uuid: str, fields: Iterable[str], *, conn: sqlite3.Connection | None = None
    ) -> None:
        """Forget the unsynced local edits of some fields of one record, so they are never pushed.

        For a field changed on both sides whose local value now lives in a conflict row. Update
        entries left without any field are marked synced (never deleted: seq numbers stay).
        """
        names = list(fields)
        with self._conn(conn) as c, transaction(c):
            seqs = [
                r[0]
                for r in c.execute(
                    "SELECT seq FROM sb_change WHERE kind = ? AND uuid = ? AND synced_at IS NULL", (kind, uuid)
                )
            ]
            if not seqs or not names:
                return
            marks = ",".join("?" * len(seqs))
            c.executemany(
                f"DELETE FROM sb_change_field WHERE field = ? AND seq IN ({marks})", [(n, *seqs) for n in names]
            )
            empty = [
                r[0]
                for r in c.execute(
                    f"SELECT seq FROM sb_change c WHERE seq IN ({marks}) AND op = 'update'"
                    " AND NOT EXISTS (SELECT 1 FROM sb_change_field f WHERE f.seq = c.seq)",
                    seqs,
                )
            ]
            self.mark_synced(empty, conn=c)

    @staticmethod
    def photo_hashes(conn: sqlite3.Connection) -> list[str]:
        """The content hashes of the photo records, once each."""
        return [r[0] for r in conn.execute("SELECT DISTINCT sha256 FROM photo WHERE sha256 IS NOT NULL")]

    @staticmethod
    def has_pending(conn: sqlite3.Connection, kind: str | None = None) -> bool:
        """Any log entry (of ``kind``) not yet confirmed by the server."""
        if kind is None:
            return conn.execute("SELECT 1 FROM sb_change WHERE synced_at IS NULL LIMIT 1").fetchone() is not None
        sql = "SELECT 1 FROM sb_change WHERE synced_at IS NULL AND kind = ? LIMIT 1"
        return conn.execute(sql, (kind,)).fetchone() is not None

    @staticmethod
    def pending_count(conn: sqlite3.Connection) -> int:
        return conn.execute("SELECT count(*) FROM sb_change WHERE synced_at IS NULL").fetchone()[0]

    @staticmethod
    def pending_uuids(conn: sqlite3.Connection, kind: str) -> set[str]:
        """The records of a kind with edits not yet confirmed (one scan of the log)."""
        sql = "SELECT uuid FROM sb_change WHERE kind = ? AND synced_at IS NULL"
        return {r[0] for r in conn.execute(sql, (kind,))}

    @staticmethod
    def pending_fields(conn: sqlite3.Connection, uuids: list[str]) -> dict[str, dict]:
        """Unconfirmed local edits of these records: uuid → {"ops": set, "fields": {name: new stored value}}."""
        out: dict[str, dict] = {}
        if not uuids or not Store.has_pending(conn):
            return out
        for i in range(0, len(uuids), 500):
            part = uuids[i : i + 500]
            marks = ",".join("?" * len(part))
            for op, uuid, fname, new in conn.execute(
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

    def changes(self, since_seq: int = 0, *, conn: sqlite3.Connection | None = None) -> list[Change]:
        """Every log entry after ``since_seq`` (synced or not), oldest first."""
        return self._changes("c.seq > ?", (since_seq,), conn)

    def pending_changes(self, *, conn: sqlite3.Connection | None = None) -> list[Change]:
        """Log entries not yet confirmed by the server, oldest first."""
        return self._changes("c.synced_at IS NULL", (), conn)

    def pending_records(self, *, conn: sqlite3.Connection | None = None) -> list[tuple[str, str, list[int]]]:
        """Records with unconfirmed entries, oldest edit first, with their entries' seqs (one scan)."""
        out: dict[tuple[str, str], list[int]] = {}
        with self._conn(conn) as c:
            sql = "SELECT seq, kind, uuid FROM sb_change WHERE synced_at IS NULL AND kind <> '' ORDER BY seq"
            for seq, kind, uuid in c.execute(sql):
                out.setdefault((kind, uuid), []).append(seq)
        return [(k, u, seqs) for (k, u), seqs in out.items()]

    def changes_of(self, seqs: list[int], *, conn: sqlite3.Connection | None = None) -> list[Change]:
        """The unconfirmed entries among ``seqs`` (looked up by key: cheap at any log size)."""
        with self._conn(conn) as c:
            c.execute("CREATE TEMP TABLE IF NOT EXISTS sb_wanted (seq INTEGER PRIMARY KEY)")
            c.execute("DELETE FROM temp.sb_wanted")
            c.executemany("INSERT OR IGNORE INTO temp.sb_wanted VALUES (?)", [(s,) for s in seqs])
            return self._changes("c.synced_at IS NULL AND c.seq IN (SELECT seq FROM temp.sb_wanted)", (), c)

    def _changes(self, where: str, params: tuple[Any, ...], conn: sqlite3.Connection | None) -> list[Change]:
        out: dict[int, Change] = {}
        with self._conn(conn) as c:
            for seq, op, kind, uuid, fid, at, synced, fname, old, new in c.execute(
                "SELECT c.seq, c.op, c.kind, c.uuid, c.fid, c.changed_at, c.synced_at, f.field, f.old, f.new"
                " FROM sb_change c LEFT JOIN sb_change_field f ON f.seq = c.seq"
                f" WHERE ({where}) AND c.kind <> '' ORDER BY c.seq",  # kind '': the migration's seq marker
                params,
            ):
                ch = out.get(seq)
                if ch is None:
                    ch = out[seq] = Change(seq, op, kind, uuid, fid, at, synced)
                if fname is not None:
                    ch.fields[fname] = (old, new)
        return list(out.values())

    def mark_synced(self, seqs: int | Iterable[int], *, conn: sqlite3.Connection | None = None) -> int:
        """Mark entries confirmed by the server: every pending one up to ``seqs`` (an int) or those listed."""
        now = utc_now()
        with self._conn(conn) as c, transaction(c):
            if isinstance(seqs, int):
                cur = c.execute("UPDATE sb_change SET synced_at = ? WHERE synced_at IS NULL AND seq <= ?", (now, seqs))
                return cur.rowcount
            cur = c.executemany(
                "UPDATE sb_change SET synced_at = ? WHERE synced_at IS NULL AND seq = ?", [(now, s) for s in seqs]
            )
            return cur.rowcount

    def mark_unsynced(self, seqs: Iterable[int], *, conn: sqlite3.Connection | None = None) -> int:
        """Make confirmed entries pending again (an edit the server refused, fixed and sent again)."""
        with self._conn(conn) as c, transaction(c):
            cur = c.executemany("UPDATE sb_change SET synced_at = NULL WHERE seq = ?", [(s,) for s in seqs])
            return cur.rowcount

    def purge_synced(self, older_than: str | None = None, *, conn: sqlite3.Connection | None = None) -> int:
        """Delete log entries the server confirmed (before ``older_than``, an ISO UTC time, if given).

        The newest entry always stays, synced or not: new seq numbers are max(seq) + 1, so it keeps
        them from ever repeating (the outbox refers to entries by seq). The log has no secondary
        index, so the sync client should purge confirmed entries now and then to keep
        :meth:`pending_changes` fast.
        """
        cond = "synced_at IS NOT NULL AND synced_at < ?" if older_than else "synced_at IS NOT NULL"
        cond += " AND seq < (SELECT max(seq) FROM sb_change)"
        params = (older_than,) if older_than else ()
        with self._conn(conn) as c, transaction(c):
            c.execute(f"DELETE FROM sb_change_field WHERE seq IN (SELECT seq FROM sb_change WHERE {cond})", params)
            return c.execute(f"DELETE FROM sb_change WHERE {cond}", params).rowcount


def collapse(changes: Iterable[Change]) -> list[Change]:
    """One net change per record: the sync client's outbox view of a list of log entries.

    insert + updates → insert with the last values; insert … delete → nothing; updates → one update
    with the first old and last new value per field (fields back at their old value dropped);
    … delete → delete. The result carries the seq of the last entry it covers.
    """
    net: dict[tuple[str, str], Change] = {}
    for ch in changes:
        key = (ch.kind, ch.uuid)
        prev = net.get(key)
        if prev is None:
            net[key] = Change(ch.seq, ch.op, ch.kind, ch.uuid, ch.fid, ch.changed_at, ch.synced_at, dict(ch.fields))
            continue
        if ch.op == "delete":
            if prev.op == "insert":
                del net[key]
            else:
                net[key] = Change(ch.seq, "delete", ch.kind, ch.uuid, ch.fid, ch.changed_at, ch.synced_at, {})
            continue
        fields = dict(prev.fields)
        for name, (old, new) in ch.fields.items():
            fields[name] = (fields[name][0] if name in fields else old, new)
        op = "insert" if prev.op == "insert" else "update" if prev.op == "update" else "update"
        net[key] = Change(ch.seq, op, ch.kind, ch.uuid, ch.fid, ch.changed_at, ch.synced_at, fields)
    result = []
    for ch in sorted(net.values(), key=lambda c: c.seq):
        if ch.op == "update":
            fields = {k: v for k, v in ch.fields.items() if v[0] != v[1] or type(v[0]) is not type(v[1])}
            if not fields:
                continue
            ch = Change(ch.seq, ch.op, ch.kind, ch.uuid, ch.fid, ch.changed_at, ch.synced_at, fields)
        result.append(ch)
    return result


# --- creation and opening -------------------------------------------------------------------------


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        if p.exists():
            p.unlink()


def create_store(path: str | Path, *, overwrite: bool = False) -> Store:
    """Make an empty store at ``path`` (GeoPackage 1.2, EPSG:4490, every record kind, change capture)."""
    path = Path(path)
    if path.exists():
        if not overwrite:
            raise FileExistsError(f"store exists: {path}")
        _remove(path)
    gpkg.create_skeleton(str(path), [(k.name, k.geometry, k.zh) for k in RECORD_KINDS.values()])
    conn = _connect(path)
    try:
        with transaction(conn):
            migrations.build_tables(conn)
            migrations.create_schema(conn)
            conn.executemany(
                "INSERT OR REPLACE INTO sb_meta (key, value) VALUES (?, ?)",
                [("model_version", MODEL_VERSION), ("created_at", utc_now()), ("device_id", str(uuidlib.uuid4()))],
            )
    finally:
        conn.close()
    return Store(path)


def _refuse_newer_model(path: Path, model: str | None) -> None:
    """A store written by a plugin of a newer major model holds what this one cannot read right."""
    try:
        newer = model is not None and parse_version(model)[0] > parse_version(MODEL_VERSION)[0]
    except ValueError:
        newer = False
    if newer:
        raise StoreTooNew(
            f"{path} was written under model {model}, this plugin has {MODEL_VERSION}: update the plugin "
            f"(数据文件的数据模型版本 {model} 高于插件的 {MODEL_VERSION}，请升级插件)"
        )


def open_store(path: str | Path) -> Store:
    """Open a store, migrating an older one in place (one transaction); refuse a newer one."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"no store at {path}")
    conn = _connect(path)
    try:
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            row = conn.execute("SELECT value FROM sb_meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} is not a Shuibao store: {exc}") from exc
        if app_id != GPKG_APPLICATION_ID or row is None:
            raise StoreError(f"{path} is not a Shuibao store")
        version = int(row[0])
        if version > SCHEMA_VERSION:
            raise StoreTooNew(
                f"{path} has store schema {version}, this plugin knows up to {SCHEMA_VERSION}: update the plugin "
                f"(数据文件版本 {version} 高于插件支持的 {SCHEMA_VERSION}，请升级插件)"
            )
        model = conn.execute("SELECT value FROM sb_meta WHERE key = 'model_version'").fetchone()
        _refuse_newer_model(path, model[0] if model else None)
        if version < SCHEMA_VERSION or (model and model[0] != MODEL_VERSION):
            with transaction(conn):
                migrations.migrate(conn, version, SCHEMA_VERSION, old_model=model[0] if model else None)
                conn.execute(
                    "INSERT OR REPLACE INTO sb_meta (key, value) VALUES ('model_version', ?)", (MODEL_VERSION,)
                )
    finally:
        conn.close()
    return Store(path)
