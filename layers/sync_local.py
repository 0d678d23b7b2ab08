"""The sync client's own tables in the store, and every SQL statement on them.

``sbs_outbox``      one row per mutation sent (or to be sent) to the server, with its id, the change
                    it carries (JSON) and, after the answer, its status and result. Written in the
                    transaction that claims the change-log entries, so a resend after a lost answer
                    or a kill repeats the same mutation ids.
``sbs_outbox_seq``  which change-log entries (``sb_change.seq``) a mutation covers.
``sbs_held``        records taken out of the outbox because the server cannot take them yet (a photo
                    whose file it does not have): unrelated edits keep flowing; they are tried again
                    at the next sync and shown to the user with the reason meanwhile.
``sbs_conflict``    conflicts found on push (reported by the server) or on pull, with base, mine,
                    theirs, and who/when/revision on the server; resolved locally.
``sbs_photo``       upload state of photo blobs by sha256.
``sb_base``         the last server values of each record (SYNC.md), made by schema migration 2.
Two views, ``sbs_conflict_point`` and ``sbs_conflict_area``, give the records with open conflicts and
their geometry, so QGIS draws them (``layers.conflicts``) without any copy to keep up to date.

Metadata (cursor, client id, next mutation id, server, user) lives in ``sb_meta`` under keys
starting with ``sync.``. The tables are created on demand (``ensure``). Plain Python, no QGIS.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..model import RECORD_KINDS, RecordKind
from . import gpkg
from .codec import dumps, loads, to_record, to_storage, utc_now
from .migrations import q
from .store import Store, read_meta, transaction, write_meta

DDL = (
    "CREATE TABLE IF NOT EXISTS sbs_outbox ("
    " mutation_id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL, uuid TEXT NOT NULL, op TEXT NOT NULL,"
    " change TEXT NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'pending',"
    " result TEXT,"
    " created_at TEXT NOT NULL,"
    " done_at TEXT)",
    "CREATE INDEX IF NOT EXISTS sbs_outbox_pending ON sbs_outbox (mutation_id) WHERE status = 'pending'",
    # refused edits by record: every pull page asks for them (keep_rejected_on_top)
    "CREATE INDEX IF NOT EXISTS sbs_outbox_rejected ON sbs_outbox (uuid) WHERE status = 'rejected'",
    "CREATE TABLE IF NOT EXISTS sbs_outbox_seq (seq INTEGER PRIMARY KEY, mutation_id INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS sbs_outbox_seq_mid ON sbs_outbox_seq (mutation_id)",
    "CREATE TABLE IF NOT EXISTS sbs_held ("
    " kind TEXT NOT NULL, uuid TEXT NOT NULL, op TEXT NOT NULL, change TEXT NOT NULL, errors TEXT NOT NULL,"
    " held_at TEXT NOT NULL, tries INTEGER NOT NULL DEFAULT 1, released INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (kind, uuid))",
    "CREATE TABLE IF NOT EXISTS sbs_conflict ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " kind TEXT NOT NULL, uuid TEXT NOT NULL, field TEXT NOT NULL, reason TEXT NOT NULL,"
    " base TEXT, mine TEXT, theirs TEXT,"
    " server_rev INTEGER, server_by TEXT, server_at TEXT, server_conflict_id INTEGER,"
    " source TEXT NOT NULL, mutation_id INTEGER,"
    " status TEXT NOT NULL DEFAULT 'open', resolution TEXT, resolved_value TEXT,"
    " created_at TEXT NOT NULL, resolved_at TEXT, server_closed INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS sbs_photo ("
    " sha256 TEXT PRIMARY KEY, size INTEGER, status TEXT NOT NULL DEFAULT 'pending', offset INTEGER DEFAULT 0,"
    " updated_at TEXT)",
)
TABLES = frozenset({"sbs_outbox", "sbs_outbox_seq", "sbs_held", "sbs_conflict", "sbs_photo"})
INDEXES = {"sbs_outbox_rejected"}  # added after the tables: made in stores that lack it
# Columns added after the first release: (table, column, declaration).
ADDED_COLUMNS = (("sbs_photo", "error", "TEXT"), ("sbs_photo", "tries", "INTEGER NOT NULL DEFAULT 0"))

K_CURSOR = "sync.cursor"
K_CLIENT = "sync.client_id"
K_NONCE = "sync.file_nonce"  # what the server last confirmed to this file (SyncEngine.claim_device)
K_NEXT_ID = "sync.next_mutation_id"
K_SERVER = "sync.server_url"
K_USER = "sync.username"

CONFLICT_VIEWS = {"point": ("sbs_conflict_point", "POINT"), "area": ("sbs_conflict_area", "MULTIPOLYGON")}
SRS_ID = 4490


# ------------------------------------------------------------------------------------------
# Schema and metadata
# ------------------------------------------------------------------------------------------
def ensure(conn: sqlite3.Connection) -> None:
    """Create what is missing: tables, later columns, the conflict views (idempotent, one transaction)."""
    have = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'view', 'index')").fetchall())
    views = {name: f"CREATE VIEW {q(name)} AS {view_sql(family)}" for family, (name, _t) in CONFLICT_VIEWS.items()}
    if (
        TABLES | INDEXES <= have.keys()
        and all(have.get(n) == sql for n, sql in views.items())
        and not _missing_columns(conn)
    ):
        return
    with transaction(conn):
        for sql in DDL:
            conn.execute(sql)
        for table, column, decl in _missing_columns(conn):
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
        _ensure_views(conn, have, views)


def _missing_columns(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    cols = {t: {r[1] for r in conn.execute(f"PRAGMA table_info({t})")} for t in {a[0] for a in ADDED_COLUMNS}}
    return [a for a in ADDED_COLUMNS if cols[a[0]] and a[1] not in cols[a[0]]]


def get(conn: sqlite3.Connection, key: str) -> str | None:
    return read_meta(conn, key)


def put(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    write_meta(conn, key, value)


@contextmanager
def opened(store: Store | str | Path) -> Iterator[tuple[Store, sqlite3.Connection]]:
    """A store and a connection with the sync tables present; the connection is closed after."""
    store = store if isinstance(store, Store) else Store(store)
    conn = store.connect()
    try:
        ensure(conn)
        yield store, conn
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------
# Outbox
# ------------------------------------------------------------------------------------------
def outbox_batch(conn: sqlite3.Connection, limit: int) -> list[tuple[int, dict]]:
    """The first ``limit`` unanswered mutations: (mutation id, change with its ``mutation_id``)."""
    rows = conn.execute(
        "SELECT mutation_id, change FROM sbs_outbox WHERE status = 'pending' ORDER BY mutation_id LIMIT ?", (limit,)
    ).fetchall()
    return [(mid, {**json.loads(change), "mutation_id": mid}) for mid, change in rows]


def has_unanswered(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sbs_outbox WHERE status = 'pending' LIMIT 1").fetchone() is not None


def next_mutation_id(conn: sqlite3.Connection) -> int:
    return int(get(conn, K_NEXT_ID) or 1)


def add_mutations(conn: sqlite3.Connection, mutations: list[tuple[int, dict, list[int]]], next_id: int) -> None:
    """Queue mutations (id, change, change-log seqs covered) in the caller's transaction."""
    now = utc_now()
    conn.executemany(
        "INSERT INTO sbs_outbox (mutation_id, kind, uuid, op, change, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [(mid, ch["kind"], ch["uuid"], ch["op"], dumps(ch), now) for mid, ch, _seqs in mutations],
    )
    conn.executemany(
        "INSERT OR REPLACE INTO sbs_outbox_seq (seq, mutation_id) VALUES (?, ?)",
        [(s, mid) for mid, _ch, seqs in mutations for s in seqs],
    )
    put(conn, K_NEXT_ID, str(next_id))


def seqs_of(conn: sqlite3.Connection, mutation_id: int) -> list[int]:
    return [r[0] for r in conn.execute("SELECT seq FROM sbs_outbox_seq WHERE mutation_id = ?", (mutation_id,))]


def finish(conn: sqlite3.Connection, mutation_id: int, status: str, result: dict) -> None:
    """Store the server's answer of a mutation (applied, conflict, rejected, unknown)."""
    conn.execute(
        "UPDATE sbs_outbox SET status = ?, result = ?, done_at = ? WHERE mutation_id = ?",
        (status, dumps(result), utc_now(), mutation_id),
    )


def renumber(conn: sqlite3.Connection, start: int) -> None:
    """Give the unanswered mutations consecutive ids from ``start`` (a new client id, a gap, a hold).

    Answered ones in the way move below every id in use (their numbers belong to an old sequence).
    """
    pending = [r[0] for r in conn.execute("SELECT mutation_id FROM sbs_outbox WHERE status = 'pending' ORDER BY 1")]
    low = min(conn.execute("SELECT coalesce(min(mutation_id), 0) - 1 FROM sbs_outbox").fetchone()[0], -1)
    in_the_way = "SELECT mutation_id FROM sbs_outbox WHERE status != 'pending' AND mutation_id >= ?"
    conn.execute(f"UPDATE sbs_outbox_seq SET mutation_id = ? - mutation_id WHERE mutation_id IN ({in_the_way})",
                 (low, start))  # fmt: skip
    conn.execute(f"UPDATE sbs_outbox SET mutation_id = ? - mutation_id WHERE mutation_id IN ({in_the_way})",
                 (low, start))  # fmt: skip
    off = 1 << 40
    for table in ("sbs_outbox", "sbs_outbox_seq"):
        conn.executemany(f"UPDATE {table} SET mutation_id = ? WHERE mutation_id = ?", [(m + off, m) for m in pending])
        conn.executemany(
            f"UPDATE {table} SET mutation_id = ? WHERE mutation_id = ?",
            [(start + i, m + off) for i, m in enumerate(pending)],
        )
    put(conn, K_NEXT_ID, str(start + len(pending)))


def hold(conn: sqlite3.Connection, mutation_id: int, errors: list[dict]) -> None:
    """Take a mutation the server cannot take yet out of the outbox; the ones after it move up.

    Its change-log entries stay unconfirmed; ``claim`` leaves them alone until ``release_held``.
    """
    row = conn.execute("SELECT kind, uuid, op, change FROM sbs_outbox WHERE mutation_id = ?", (mutation_id,)).fetchone()
    if row is None:
        return
    conn.execute(
        "INSERT INTO sbs_held (kind, uuid, op, change, errors, held_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (kind, uuid) DO UPDATE SET op = excluded.op, change = excluded.change,"
        " errors = excluded.errors, released = 0, tries = tries + 1",
        (*row, dumps(errors), utc_now()),
    )
    conn.execute("DELETE FROM sbs_outbox_seq WHERE mutation_id = ?", (mutation_id,))
    conn.execute("DELETE FROM sbs_outbox WHERE mutation_id = ?", (mutation_id,))
    renumber(conn, mutation_id)  # the server took nothing from this id on: it is the next it expects


def release_held(conn: sqlite3.Connection) -> int:
    """Let held records be claimed again (at the start of a sync). They stay listed until sent."""
    return conn.execute("UPDATE sbs_held SET released = 1 WHERE released = 0").rowcount


def held_records(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    return {(k, u) for k, u in conn.execute("SELECT kind, uuid FROM sbs_held")}


def still_held(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    """Held records not released in this sync."""
    return {(k, u) for k, u in conn.execute("SELECT kind, uuid FROM sbs_held WHERE released = 0")}


def unhold(conn: sqlite3.Connection, kind: str, uuid: str) -> None:
    conn.execute("DELETE FROM sbs_held WHERE kind = ? AND uuid = ?", (kind, uuid))


def list_rejected(store: Store | str | Path) -> list[dict[str, Any]]:
    """Edits the server did not take, for the user: refused (kept, never dropped) and stuck (held).

    Each: ``status`` ("rejected" or "stuck"), ``mutation_id`` (None when stuck), kind, uuid, op,
    ``change`` and ``errors`` (list of {code, zh, en}).
    """
    with opened(store) as (_s, conn):
        rejected = conn.execute(
            "SELECT mutation_id, kind, uuid, op, change, result FROM sbs_outbox WHERE status = 'rejected'"
            " ORDER BY mutation_id"
        ).fetchall()
        stuck = conn.execute("SELECT kind, uuid, op, change, errors FROM sbs_held ORDER BY kind, uuid").fetchall()
    out = [{"status": "rejected", "mutation_id": m, "kind": k, "uuid": u, "op": op, "change": loads(ch),
            "errors": (loads(res) or {}).get("errors", []), "result": loads(res)}
           for m, k, u, op, ch, res in rejected]  # fmt: skip
    out += [{"status": "stuck", "mutation_id": None, "kind": k, "uuid": u, "op": op, "change": loads(ch),
             "errors": loads(err), "result": None} for k, u, op, ch, err in stuck]  # fmt: skip
    return out


def keep_rejected_on_top(store: Store, conn: sqlite3.Connection, uuids: list[str]) -> None:
    """Put the values of refused edits back over records a pull just wrote (unlogged, not in the
    base copy): until the user sends a refused edit again or gives it up, the record shows what they
    typed, so that fixing it and sending it again sends it (a re-pull must not wipe it)."""
    if not uuids or not conn.execute("SELECT 1 FROM sbs_outbox WHERE status = 'rejected' LIMIT 1").fetchone():
        return  # the usual case, one index lookup
    rows: list[tuple[str, str, str, str]] = []
    for i in range(0, len(uuids), 500):
        part = uuids[i : i + 500]
        rows += conn.execute(
            "SELECT kind, uuid, op, change FROM sbs_outbox WHERE status = 'rejected'"  # nosec B608 - placeholders
            f" AND op <> 'delete' AND uuid IN ({','.join('?' * len(part))}) ORDER BY mutation_id",
            part,
        ).fetchall()
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for kname, uuid, _op, change in rows:
        kind = RECORD_KINDS.get(kname)
        if kind is None:
            continue
        values = by_kind.setdefault(kname, {}).setdefault(uuid, {"uuid": uuid})
        for name, fv in (json.loads(change).get("fields") or {}).items():
            if name == "geom" or name in kind.field_names():
                values[name] = to_record(kind, name, fv.get("new"))
    for kname, records in by_kind.items():
        store.apply_remote(kname, list(records.values()), conn=conn)


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
    with opened(store) as (st, conn), transaction(conn):
        _rejected(conn, mutation_id)
        seqs = seqs_of(conn, mutation_id)
        conn.execute("DELETE FROM sbs_outbox_seq WHERE mutation_id = ?", (mutation_id,))
        count = st.mark_unsynced(seqs, conn=conn)
        conn.execute("UPDATE sbs_outbox SET status = 'requeued', done_at = ? WHERE mutation_id = ?",
                     (utc_now(), mutation_id))  # fmt: skip
    return count


def discard_rejected(store: Store | str | Path, mutation_id: int) -> None:
    """Give up a refused edit: the record goes back to the server's values (a new record the server
    never took is removed; a refused delete brings the record back). Written as server values, not
    logged: nothing is sent for it."""
    with opened(store) as (st, conn), transaction(conn):
        kname, uuid, op, change = _rejected(conn, mutation_id)
        server = base(conn, kname, uuid)
        if server is None:
            st.apply_remote(kname, [{"uuid": uuid, "_deleted": True}], conn=conn, rebase=False)
        else:
            names = set(server) if op == "delete" else {*change.get("fields", {}), "server_rev"}
            row = {n: server.get(n) for n in names if n in server or n != "geom"}
            if row.get("geom") is not None:
                row["geom"] = gpkg.decode(row["geom"])
            st.apply_remote(kname, [{**row, "uuid": uuid}], conn=conn, rebase=False)
        conn.execute("UPDATE sbs_outbox SET status = 'discarded', done_at = ? WHERE mutation_id = ?",
                     (utc_now(), mutation_id))  # fmt: skip


def pending_mutations(store: Store | str | Path) -> list[dict]:
    """Mutations queued and not yet answered."""
    with opened(store) as (_s, conn):
        return [change for _mid, change in outbox_batch(conn, 1 << 31)]


# ------------------------------------------------------------------------------------------
# Base copies: the last server values of each record
# ------------------------------------------------------------------------------------------
def base(conn: sqlite3.Connection, kind: str, uuid: str) -> dict[str, Any] | None:
    """The last server values of a record (stored form, ``geom`` as blob), with ``server_rev``."""
    return bases(conn, kind, [uuid]).get(uuid)


def base_of(store: Store | str | Path, kind: str, uuid: str) -> dict[str, Any] | None:
    """:func:`base` on a store of its own connection (a record deleted here, named by the server's values)."""
    with opened(store) as (_s, conn):
        return base(conn, kind, uuid)


def bases(conn: sqlite3.Connection, kind: str, uuids: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(uuids), 500):
        part = uuids[i : i + 500]
        for uid, rev, data, geom in conn.execute(
            f"SELECT uuid, server_rev, data, geom FROM sb_base WHERE kind = ? AND uuid IN ({','.join('?' * len(part))})",
            (kind, *part),
        ):
            values = json.loads(data)
            values["server_rev"] = rev
            if geom is not None:
                values["geom"] = geom
            out[uid] = values
    return out


def put_bases(conn: sqlite3.Connection, kind: str, written: dict[str, dict[str, Any] | None], merge: bool) -> None:
    """Record server values as base copies (None: the record is gone). ``merge``: rows held only some fields."""
    old = bases(conn, kind, [u for u, w in written.items() if w is not None]) if merge else {}
    conn.executemany(
        "DELETE FROM sb_base WHERE kind = ? AND uuid = ?", [(kind, u) for u, w in written.items() if w is None]
    )
    rows = []
    for uid, values in written.items():
        if values is None:
            continue
        values = old.get(uid, {}) | values
        data = {k: v for k, v in values.items() if k not in ("geom", "server_rev")}
        rows.append((kind, uid, values.get("server_rev"), json.dumps(data, ensure_ascii=False), values.get("geom")))
    conn.executemany("INSERT OR REPLACE INTO sb_base (kind, uuid, server_rev, data, geom) VALUES (?, ?, ?, ?, ?)", rows)


def apply_server_records(
    store: Store, conn: sqlite3.Connection, kind: str, rows: list[dict], *, complete: bool = True
) -> dict[str, dict[str, Any] | None]:
    """Write server records (``Store.apply_remote``) and their base copies in one transaction."""
    with transaction(conn):
        written = store.apply_remote(kind, rows, conn=conn, complete=complete)
        put_bases(conn, kind, written, merge=not complete)
    return written


def advance_base(conn: sqlite3.Connection, kind: RecordKind, change: dict, result: dict) -> None:
    """After an acknowledged change the base copy holds what the server now has for its fields."""
    if change["op"] == "delete":
        if result.get("status") != "conflict":
            conn.execute("DELETE FROM sb_base WHERE kind = ? AND uuid = ?", (kind.name, change["uuid"]))
        return
    applied = set(result.get("applied") or [])
    old = base(conn, kind.name, change["uuid"])
    if old is None and (change["op"] != "insert" or result.get("status") == "rejected"):
        return
    values = old or {"server_rev": result.get("rev") or 0}
    for name, v in change["fields"].items():
        if name in applied:
            values[name] = to_storage(kind, name, v["new"])
    if values.get("geom") is None:
        values.pop("geom", None)
    put_bases(conn, kind.name, {change["uuid"]: values}, merge=False)


# ------------------------------------------------------------------------------------------
# Conflicts
# ------------------------------------------------------------------------------------------
CONFLICT_COLUMNS = ("id", "kind", "uuid", "field", "reason", "base", "mine", "theirs", "server_rev", "server_by",
                    "server_at", "server_conflict_id", "source", "mutation_id", "status", "resolution",
                    "resolved_value", "created_at", "resolved_at")  # fmt: skip


def add_conflict(conn: sqlite3.Connection, kind: str, uuid: str, field: str, reason: str, *, base: Any, mine: Any,
                 theirs: Any, server: tuple[Any, Any, Any] = (None, None, None), server_conflict_id: Any = None,
                 source: str, mutation_id: int | None = None) -> bool:  # fmt: skip
    """Record a conflict (values in wire form; ``server`` = revision, by, at). False: already known."""
    if (
        server_conflict_id is not None
        and conn.execute("SELECT 1 FROM sbs_conflict WHERE server_conflict_id = ?", (server_conflict_id,)).fetchone()
    ):
        return False
    conn.execute(
        "INSERT INTO sbs_conflict (kind, uuid, field, reason, base, mine, theirs, server_rev, server_by,"
        " server_at, server_conflict_id, source, mutation_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (kind, uuid, field, reason, dumps(base), dumps(mine), dumps(theirs), *server, server_conflict_id, source,
         mutation_id, utc_now()),
    )  # fmt: skip
    return True


def list_conflicts(store: Store | str | Path, status: str = "open") -> list[dict[str, Any]]:
    """Conflicts as dicts (values decoded from JSON; geometry as hex WKB). status: open/resolved/all."""
    with opened(store) as (_s, conn):
        sql = f"SELECT {', '.join(CONFLICT_COLUMNS)} FROM sbs_conflict"
        params: tuple = ()
        if status != "all":
            sql += " WHERE status = ?"
            params = (status,)
        rows = conn.execute(sql + " ORDER BY id", params).fetchall()
    out = []
    for row in rows:
        d = dict(zip(CONFLICT_COLUMNS, row))
        for k in ("base", "mine", "theirs", "resolved_value"):
            d[k] = loads(d[k])
        out.append(d)
    return out


class ConflictError(ValueError):
    """A conflict that cannot be resolved as asked; ``zh`` is for the user."""

    def __init__(self, en: str, zh: str):
        super().__init__(f"{zh}（{en}）")
        self.en, self.zh = en, zh


def resolve_conflict(store: Store | str | Path, conflict_id: int, choice: str, value: Any = None) -> dict[str, Any]:
    """Resolve a conflict: ``mine``, ``theirs`` or ``value`` (then ``value``, wire form, is written).

    The chosen value is written to the record as a normal local edit (logged, so the next sync
    pushes it based on the server's current revision); the conflict is marked resolved here, and
    closed on the server at the next sync.
    """
    if choice not in ("mine", "theirs", "value"):
        raise ValueError("choice must be mine, theirs or value")
    with opened(store) as (st, conn), transaction(conn):
        row = conn.execute(
            "SELECT kind, uuid, field, mine, status FROM sbs_conflict WHERE id = ?", (conflict_id,)
        ).fetchone()
        if row is None:
            raise KeyError(conflict_id)
        kname, uuid, fname, mine, status = row
        if status != "open":
            raise ConflictError("this conflict was already resolved", "该冲突已处理")
        chosen = loads(mine) if choice == "mine" else value
        if choice != "theirs":
            if fname == "*":  # a local delete against a server edit: delete again
                st.delete_record(kname, uuid, conn=conn)
            elif not st.update_records(
                kname, {uuid: {fname: to_record(RECORD_KINDS[kname], fname, chosen)}}, conn=conn
            ):
                raise ConflictError(
                    "the record no longer exists: only the server's version can be kept",
                    "记录已不存在，只能保留服务器版本",
                )
        conn.execute(
            "UPDATE sbs_conflict SET status = 'resolved', resolution = ?, resolved_value = ?, resolved_at = ?"
            " WHERE id = ?",
            (choice, dumps(chosen) if choice != "theirs" else None, utc_now(), conflict_id),
        )
    return next(c for c in list_conflicts(store, "all") if c["id"] == conflict_id)


def resolved_to_close(conn: sqlite3.Connection) -> list[tuple[int, int | None]]:
    """Conflicts resolved here and not yet closed on the server: (local id, server id)."""
    sql = "SELECT id, server_conflict_id FROM sbs_conflict WHERE status = 'resolved' AND server_closed = 0"
    return conn.execute(sql).fetchall()


def mark_closed(conn: sqlite3.Connection, conflict_id: int) -> None:
    conn.execute("UPDATE sbs_conflict SET server_closed = 1 WHERE id = ?", (conflict_id,))


def open_conflict_uuids(conn: sqlite3.Connection, kind: str) -> set[str]:
    """Records of a kind with open conflicts (works on a read-only connection to a never-synced store)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sbs_conflict'").fetchone():
        return set()
    sql = "SELECT DISTINCT uuid FROM sbs_conflict WHERE kind = ? AND status = 'open'"
    return {r[0] for r in conn.execute(sql, (kind,))}


def open_conflict_count(store: Store | str | Path) -> int:
    with opened(store) as (_s, conn):
        return int(conn.execute("SELECT count(*) FROM sbs_conflict WHERE status = 'open'").fetchone()[0])


def _geometry_source(kind: RecordKind) -> tuple[str, str, str] | None:
    """(geometry family, join clause defining alias ``r`` = the record, geometry alias) for a kind."""
    record = f"JOIN {q(kind.name)} r ON r.uuid = c.uuid"
    if kind.geometry:
        return ("point" if kind.geometry.endswith("Point") else "area"), record, "r"
    # A point-less child is shown at its parent's (or grandparent's) geometry.
    joins, alias, k = [record], "r", kind
    for depth in range(3):
        if not (k.parent and k.parent_field):
            return None
        parent = RECORD_KINDS[k.parent]
        nxt = f"p{depth}"
        joins.append(f"JOIN {q(parent.name)} {nxt} ON {nxt}.uuid = {alias}.{q(k.parent_field)}")
        if parent.geometry:
            return ("point" if parent.geometry.endswith("Point") else "area"), " ".join(joins), nxt
        alias, k = nxt, parent
    return None


def view_sql(family: str) -> str:
    """The SELECT of one conflicts view (one row per record with open conflicts)."""
    parts = []
    for kind in RECORD_KINDS.values():
        src = _geometry_source(kind)
        if src is None or src[0] != family:
            continue
        code = f"r.{q(kind.code_field)}" if kind.code_field else "NULL"
        title = f"r.{q(kind.title_field)}" if kind.title_field and kind.title_field != kind.code_field else "NULL"
        parts.append(
            "SELECT min(c.id) AS fid, c.kind AS kind, c.uuid AS uuid,"
            f" CAST({code} AS TEXT) AS code, CAST({title} AS TEXT) AS title,"
            f" count(*) AS conflicts, group_concat(c.field, ', ') AS fields, {src[2]}.geom AS geom"
            f" FROM sbs_conflict c {src[1]}"
            f" WHERE c.status = 'open' AND c.kind = '{kind.name}' AND {src[2]}.geom IS NOT NULL"
            " GROUP BY c.kind, c.uuid"
        )
    if not parts:  # keep the view valid (and empty) for a model without such kinds
        parts.append("SELECT NULL AS fid, NULL AS kind, NULL AS uuid, NULL AS code, NULL AS title,"
                     " 0 AS conflicts, NULL AS fields, NULL AS geom WHERE 0")  # fmt: skip
    return " UNION ALL ".join(parts)


def _ensure_views(conn: sqlite3.Connection, have: dict[str, str], views: dict[str, str]) -> None:
    """The views as GeoPackage feature layers (made again when the model changed them)."""
    for view, gtype in CONFLICT_VIEWS.values():
        if have.get(view) != views[view]:
            conn.execute(f"DROP VIEW IF EXISTS {q(view)}")
            conn.execute(views[view])
        conn.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)"
            " VALUES (?, 'features', ?, ?, ?)",
            (view, view, "Shuibao: records with open sync conflicts (view)", SRS_ID),
        )
        conn.execute(
            "INSERT OR IGNORE INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)"
            " VALUES (?, 'geom', ?, ?, 0, 0)",
            (view, gtype, SRS_ID),
        )


# ------------------------------------------------------------------------------------------
# Photo upload state
# ------------------------------------------------------------------------------------------
def not_uploaded(conn: sqlite3.Connection, shas: list[str]) -> list[str]:
    """Those of the blobs the server has not yet confirmed to this store."""
    done = {r[0] for r in conn.execute("SELECT sha256 FROM sbs_photo WHERE status IN ('uploaded', 'remote')")}
    return [s for s in shas if s not in done]


def photo_state(conn: sqlite3.Connection, sha256: str, status: str, *, size: int | None = None,
                offset: int = 0, error: str | None = None) -> None:  # fmt: skip
    """Record the upload state of a blob: pending (with the server's offset), uploaded, failed (with why)."""
    with transaction(conn):
        conn.execute(
            "INSERT INTO sbs_photo (sha256, size, status, offset, updated_at, error, tries)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET size = excluded.size,"
            " status = excluded.status, offset = excluded.offset, updated_at = excluded.updated_at,"
            " error = excluded.error, tries = tries + excluded.tries",
            (sha256, size, status, offset, utc_now(), error, int(status == "failed")),
        )


def photos_seen_on_server(conn: sqlite3.Connection, shas: list[str]) -> None:
    """Blobs of pulled photo records: the server has them (in the caller's transaction)."""
    conn.executemany(
        "INSERT OR IGNORE INTO sbs_photo (sha256, status, updated_at) VALUES (?, 'remote', ?)",
        [(s, utc_now()) for s in shas],
    )
