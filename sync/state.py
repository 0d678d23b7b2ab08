"""The sync client's own tables inside the store (created on demand, ``CREATE TABLE IF NOT EXISTS``).

``sbs_outbox``      one row per mutation sent (or to be sent) to the server, with its id, the change
                    it carries (JSON) and, after the answer, its status and result. Written in the
                    transaction that claims the change-log entries, so a resend after a lost answer
                    or a kill repeats the same mutation ids.
``sbs_outbox_seq``  which change-log entries (``sb_change.seq``) a mutation covers.
``sbs_conflict``    conflicts found on push (reported by the server) or on pull, with base, mine,
                    theirs, and who/when/revision on the server; resolved locally.
``sbs_photo``       upload state of photo blobs by sha256.
Metadata (cursor, client id, next mutation id, where the store was last synced from) lives in
``sb_meta`` under keys starting with ``sync.``.
"""

from __future__ import annotations

import sqlite3

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
    "CREATE TABLE IF NOT EXISTS sbs_outbox_seq (seq INTEGER PRIMARY KEY, mutation_id INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS sbs_outbox_seq_mid ON sbs_outbox_seq (mutation_id)",
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

K_CURSOR = "sync.cursor"
K_CLIENT = "sync.client_id"
K_NEXT_ID = "sync.next_mutation_id"
K_PLACE = "sync.place"
K_SERVER = "sync.server_url"
K_USER = "sync.username"


def ensure(conn: sqlite3.Connection) -> None:
    """Create the sync tables if missing (idempotent; joins the caller's transaction)."""
    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'sbs\\_%' ESCAPE '\\'")}
    if {"sbs_outbox", "sbs_outbox_seq", "sbs_conflict", "sbs_photo"} <= have:
        return
    for sql in DDL:
        conn.execute(sql)
    if not conn.in_transaction:
        conn.commit()


def get(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM sb_meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def put(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    conn.execute("INSERT OR REPLACE INTO sb_meta (key, value) VALUES (?, ?)", (key, value))
