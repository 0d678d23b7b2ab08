"""A store made under an older major model, brought to this one with its unsent edits (model.version).

Run by ``migrations.migrate`` when the store's ``model_version`` has an older major than the plugin's,
inside the opening transaction, with the capture triggers dropped (its writes are not the user's):

* renamed fields: the column, the change log, the base copies and the unsent outbox mutations;
* completed fields (values the old ones determine, e.g. a dam's de-listing cause from its reason):
  records and base copies get them as the server's Alembic migration gives them to its records, and
  a record with unsent edits gets them in its pending change, so the next push carries them;
* fields the model now derives: a pending typed value is not sent (the server computes the field);
  it is kept in ``sb_upgrade_note`` with the record, for the user to see after the upgrade.

Nothing else of the queue changes: every pending log entry and outbox mutation stays, and the next
sync pushes them under the new model.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..model import RECORD_KINDS
from ..model.schema import RecordKind
from ..model.version import Upgrade, upgrades_between
from .migrations import NOW_SQL, add_missing_columns, add_missing_tables, drop_capture, q

NOTES_DDL = (
    "CREATE TABLE IF NOT EXISTS sb_upgrade_note ("
    " id INTEGER PRIMARY KEY, version TEXT NOT NULL, kind TEXT NOT NULL, uuid TEXT NOT NULL, field TEXT NOT NULL,"
    " value, zh TEXT NOT NULL, en TEXT NOT NULL, noted_at TEXT NOT NULL, seen INTEGER NOT NULL DEFAULT 0)"
)


def upgrade(conn: sqlite3.Connection, old_model: str | None) -> int:
    """Apply every upgrade between ``old_model`` and this model; returns how many notes were left."""
    steps = upgrades_between(old_model)
    if not steps:
        return 0
    drop_capture(conn)  # made again from the model at the end of the migration
    notes = 0
    for step in steps:
        for kind in RECORD_KINDS.values():
            _rename(conn, kind, step.renames(kind.name))
        add_missing_tables(conn)
        add_missing_columns(conn)
        for kind in RECORD_KINDS.values():
            if _has_table(conn, kind.name):
                _complete(conn, kind, step)
                notes += _now_derived(conn, kind, step)
    return notes


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _outbox(conn: sqlite3.Connection) -> bool:
    return _has_table(conn, "sbs_outbox")


def _pending_outbox(conn: sqlite3.Connection, kind: str) -> list[tuple[int, str, dict]]:
    if not _outbox(conn):
        return []
    rows = conn.execute(
        "SELECT mutation_id, uuid, change FROM sbs_outbox WHERE status = 'pending' AND kind = ?", (kind,)
    ).fetchall()
    return [(mid, uuid, json.loads(change)) for mid, uuid, change in rows]


def _save_outbox(conn: sqlite3.Connection, mutation_id: int, change: dict) -> None:
    conn.execute(
        "UPDATE sbs_outbox SET change = ? WHERE mutation_id = ?",
        (json.dumps(change, ensure_ascii=False), mutation_id),
    )


# -- renamed fields ----------------------------------------------------------------------------------
def _rename(conn: sqlite3.Connection, kind: RecordKind, renames: dict[str, str]) -> None:
    if not renames or not _has_table(conn, kind.name):
        return
    have = {r[1] for r in conn.execute(f"PRAGMA table_info({q(kind.name)})")}
    for old, new in renames.items():
        if old in have and new not in have:
            conn.execute(f"ALTER TABLE {q(kind.name)} RENAME COLUMN {q(old)} TO {q(new)}")
        conn.execute(
            "UPDATE sb_change_field SET field = ? WHERE field = ? AND seq IN (SELECT seq FROM sb_change WHERE kind = ?)",
            (new, old, kind.name),
        )
    for uuid, data in conn.execute("SELECT uuid, data FROM sb_base WHERE kind = ?", (kind.name,)).fetchall():
        values = json.loads(data)
        if set(values) & set(renames):
            values = {renames.get(k, k): v for k, v in values.items()}
            conn.execute(
                "UPDATE sb_base SET data = ? WHERE kind = ? AND uuid = ?",
                (json.dumps(values, ensure_ascii=False), kind.name, uuid),
            )
    for mid, _uuid, change in _pending_outbox(conn, kind.name):
        fields = change.get("fields") or {}
        if set(fields) & set(renames):
            change["fields"] = {renames.get(k, k): v for k, v in fields.items()}
            _save_outbox(conn, mid, change)


# -- completed fields --------------------------------------------------------------------------------
def _rows(conn: sqlite3.Connection, kind: RecordKind) -> list[dict[str, Any]]:
    cur = conn.execute(f"SELECT * FROM {q(kind.name)}")  # noqa: S608 - a model name
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur]


def _complete(conn: sqlite3.Connection, kind: RecordKind, step: Upgrade) -> None:
    if step.complete is None:
        return
    bases = {u: json.loads(d) for u, d in conn.execute("SELECT uuid, data FROM sb_base WHERE kind = ?", (kind.name,))}
    for uuid, base in bases.items():  # as the server's migration completes its records
        extra = step.complete(kind.name, base)
        if extra:
            conn.execute(
                "UPDATE sb_base SET data = ? WHERE kind = ? AND uuid = ?",
                (json.dumps({**base, **extra}, ensure_ascii=False), kind.name, uuid),
            )
            bases[uuid] = {**base, **extra}
    outbox = {uuid: (mid, change) for mid, uuid, change in _pending_outbox(conn, kind.name)}
    for row in _rows(conn, kind):
        extra = step.complete(kind.name, row)
        if not extra:
            continue
        sets = ", ".join(f"{q(k)} = ?" for k in extra)
        conn.execute(f"UPDATE {q(kind.name)} SET {sets} WHERE fid = ?", [*extra.values(), row["fid"]])  # noqa: S608
        base = bases.get(row["uuid"], {})
        unsent = {k: v for k, v in extra.items() if base.get(k) != v}
        if unsent:
            _add_to_pending(conn, kind, row["uuid"], unsent, base, outbox.get(row["uuid"]))


def _add_to_pending(
    conn: sqlite3.Connection, kind: RecordKind, uuid: str, values: dict, base: dict, outbox: tuple | None
) -> None:
    """Put completed values into the record's pending change: its last unsent log entry, or its unsent
    outbox mutation, or a new log entry (a record changed only by the upgrade)."""
    entry = conn.execute(
        "SELECT c.seq FROM sb_change c WHERE c.kind = ? AND c.uuid = ? AND c.synced_at IS NULL"
        + (" AND c.seq NOT IN (SELECT seq FROM sbs_outbox_seq)" if _has_table(conn, "sbs_outbox_seq") else "")
        + " ORDER BY c.seq DESC LIMIT 1",
        (kind.name, uuid),
    ).fetchone()
    if entry is None and outbox is not None:
        mid, change = outbox
        fields = change.setdefault("fields", {})
        for k, v in values.items():
            fields.setdefault(k, {"old": base.get(k), "new": v})
        _save_outbox(conn, mid, change)
        return
    if entry is None:
        fid = conn.execute(f"SELECT fid FROM {q(kind.name)} WHERE uuid = ?", (uuid,)).fetchone()  # noqa: S608
        op = "update" if base else "insert"
        conn.execute(
            f"INSERT INTO sb_change (op, kind, uuid, fid, changed_at) VALUES (?, ?, ?, ?, {NOW_SQL})",
            (op, kind.name, uuid, fid[0] if fid else None),
        )
        entry = (conn.execute("SELECT max(seq) FROM sb_change").fetchone()[0],)
    conn.executemany(
        "INSERT OR REPLACE INTO sb_change_field (seq, field, old, new) VALUES (?, ?, ?, ?)",
        [(entry[0], k, base.get(k), v) for k, v in values.items()],
    )


# -- fields the model now derives ------------------------------------------------------------------
def _now_derived(conn: sqlite3.Connection, kind: RecordKind, step: Upgrade) -> int:
    names = [n for k, n in step.now_derived if k == kind.name and n in kind.field_names() and kind.field(n).derived]
    if not names:
        return 0
    marks = ", ".join("?" * len(names))
    rows = conn.execute(
        "SELECT c.uuid, f.field, f.new FROM sb_change c JOIN sb_change_field f ON f.seq = c.seq"
        f" WHERE c.kind = ? AND c.synced_at IS NULL AND f.field IN ({marks}) ORDER BY c.seq",  # noqa: S608
        (kind.name, *names),
    ).fetchall()
    last = {(uuid, name): value for uuid, name, value in rows}  # the latest typed value per record and field
    for _mid, uuid, change in _pending_outbox(conn, kind.name):
        for name in names:
            if name in (change.get("fields") or {}):
                last.setdefault((uuid, name), change["fields"][name].get("new"))
    if last:
        conn.execute(NOTES_DDL)  # only in a store that has something to tell
    for (uuid, name), value in last.items():
        f = kind.field(name)
        conn.execute(
            "INSERT INTO sb_upgrade_note (version, kind, uuid, field, value, zh, en, noted_at)"
            f" VALUES (?, ?, ?, ?, ?, ?, ?, {NOW_SQL})",
            (step.version, kind.name, uuid, name, value, *_derived_note(kind, f.zh, f.en, value)),
        )
    return len(last)


def _derived_note(kind: RecordKind, zh: str, en: str, value: Any) -> tuple[str, str]:
    return (
        f"{kind.zh}的“{zh}”改为自动计算，离线填写的值 {value} 未上传，请按新表单补填其依据数据",
        f"{kind.en} '{en}' is now computed: the value {value} typed offline was not sent; enter what it comes from",
    )


def notes(conn: sqlite3.Connection, unseen_only: bool = True) -> list[dict[str, Any]]:
    """What the upgrades left for the user to see (values typed offline into fields now computed)."""
    if not _has_table(conn, "sb_upgrade_note"):
        return []
    cur = conn.execute(
        "SELECT id, version, kind, uuid, field, value, zh, en FROM sb_upgrade_note"
        + (" WHERE seen = 0" if unseen_only else "")
        + " ORDER BY id"
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur]
