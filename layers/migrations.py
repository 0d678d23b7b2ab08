"""Store schema: the change-capture tables and triggers, and the migrations between schema versions.

Schema history (``sb_meta.schema_version``):

1. ``sb_meta``, ``sb_sync_state``, ``sb_change`` + ``sb_change_field`` and the capture triggers.
2. ``sb_base``: the last server values of each record (SYNC.md), seeded from the data.
3. Cheaper capture (QGIS edit+commit with capture was 1.6x the time without): ``sb_change.seq`` is a
   plain ``INTEGER PRIMARY KEY`` (AUTOINCREMENT read and rewrote ``sqlite_sequence`` on every edit);
   numbers still never repeat because new ones are max(seq) + 1 and :meth:`Store.purge_synced`
   always keeps the newest entry (the migration leaves a marker entry at the old high-water mark
   when the log was purged past it). The ``op`` CHECK uses ``=``/``OR`` (``IN (…)`` built a
   temporary index on every insert). ``sb_change_field`` lost its foreign key to ``sb_change``:
   GDAL turns ``foreign_keys`` on, which made every field row look its parent up; nothing used the
   cascade. The update trigger no longer sets ``updated_at`` with a second ``UPDATE`` (which rewrote
   the row and fired every trigger again): it is the server's audit field; the local edit time is
   ``sb_change.changed_at``.

``sb_change`` deliberately has no secondary index: each costs every edit ~8 µs (a third of the log
row); readers scan the (purged) log instead.

Triggers are derived objects: after every migration they are dropped and made again from the current
model (:func:`install_capture`), and the tables of record kinds and the columns the model gained since
the store was made are added (:func:`add_missing_tables`, :func:`add_missing_columns`), so a model
upgrade never strands queued edits. A store that gains a kind pulls everything again on its next sync:
the older plugin had skipped that kind's records and moved its cursor past them.

The capture triggers (``sb_<kind>_log_insert|update|delete``) are ``AFTER`` row triggers that run in
the writer's transaction, so a committed edit and its log entry are durable together, whichever
program made the edit (QGIS/OGR, sqlite3, sqlite-utils, another tool). They are skipped while
``sb_sync_state.applying`` is 1, which only the sync apply sets, inside its own transaction.
"""

from __future__ import annotations

import json
import sqlite3
import uuid as uuidlib
from collections.abc import Callable

from ..model import RECORD_KINDS
from ..model.schema import STORAGE_TYPES, RecordKind

NOW_SQL = "strftime('%Y-%m-%dT%H:%M:%fZ','now')"

# Random uuid v4 in SQL. The insert trigger gives it to a record written without uuid (e.g. a feature
# digitized in QGIS). It is not a column DEFAULT: GDAL reports a non-literal DEFAULT as a quoted string,
# which QGIS would then copy into every new feature.
UUID4_SQL = (
    "(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))"
)

_V1_DDL = (
    "CREATE TABLE sb_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT)",
    "CREATE TABLE sb_sync_state (id INTEGER PRIMARY KEY CHECK (id = 1), applying INTEGER NOT NULL DEFAULT 0)",
    "INSERT INTO sb_sync_state (id, applying) VALUES (1, 0)",
    "CREATE TABLE sb_change ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),"
    " kind TEXT NOT NULL,"
    " uuid TEXT NOT NULL,"
    " fid INTEGER,"
    " changed_at TEXT NOT NULL,"
    " synced_at TEXT)",
    "CREATE TABLE sb_change_field ("
    " seq INTEGER NOT NULL REFERENCES sb_change (seq) ON DELETE CASCADE,"
    " field TEXT NOT NULL,"
    " old,"
    " new,"
    " PRIMARY KEY (seq, field)) WITHOUT ROWID",
)

_V2_DDL = (
    "CREATE TABLE sb_base ("
    " kind TEXT NOT NULL,"
    " uuid TEXT NOT NULL,"
    " server_rev INTEGER,"
    " data TEXT NOT NULL,"
    " geom BLOB,"
    " PRIMARY KEY (kind, uuid)) WITHOUT ROWID",
)


# v3: the log without AUTOINCREMENT, IN-list CHECK or foreign key (see the module docstring).
_V3_DDL = (
    "CREATE TABLE sb_change_v3 ("
    " seq INTEGER PRIMARY KEY,"
    " op TEXT NOT NULL CHECK (op = 'insert' OR op = 'update' OR op = 'delete'),"
    " kind TEXT NOT NULL,"
    " uuid TEXT NOT NULL,"
    " fid INTEGER,"
    " changed_at TEXT NOT NULL,"
    " synced_at TEXT)",
    "CREATE TABLE sb_change_field_v3 ("
    " seq INTEGER NOT NULL,"
    " field TEXT NOT NULL,"
    " old,"
    " new,"
    " PRIMARY KEY (seq, field)) WITHOUT ROWID",
)

# The entry a migration leaves at the old AUTOINCREMENT high-water mark when the log was purged past
# it, so that new seq numbers stay above every number ever handed out. Synced, no fields, kind ''.
MARKER_KIND = ""


def q(name: str) -> str:
    """Quote an identifier from the model."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """Quote a string literal from the model (kind and field names only)."""
    return "'" + text.replace("'", "''") + "'"


def record_kinds() -> dict[str, RecordKind]:
    return dict(RECORD_KINDS)


def column_sql(kind: RecordKind) -> list[str]:
    """Column definitions of a record table after ``fid`` and ``geom``."""
    cols = []
    for f in kind.fields:
        sql_type = STORAGE_TYPES[f.type][0]
        if f.name == "uuid":
            # NOT NULL is enforced by the triggers: filled on insert, never set back to NULL.
            cols.append(f"{q(f.name)} {sql_type} UNIQUE")
        elif f.name == "created_at":
            cols.append(f"{q(f.name)} {sql_type} NOT NULL ON CONFLICT REPLACE DEFAULT ({NOW_SQL})")
        else:
            cols.append(f"{q(f.name)} {sql_type}")
    return cols


def table_sql(kind: RecordKind) -> str:
    cols = ["fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"]
    if kind.geometry:
        cols.append(f"geom {kind.geometry.upper()}")
    cols += column_sql(kind)
    return f"CREATE TABLE {q(kind.name)} ({', '.join(cols)})"


def build_tables(conn: sqlite3.Connection) -> None:
    """Replace the GDAL-made skeleton tables with the model's, keeping GDAL's own triggers verbatim."""
    for kind in record_kinds().values():
        gdal_triggers = [
            r[0]
            for r in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (kind.name,))
        ]
        conn.execute(f"DROP TABLE {q(kind.name)}")
        conn.execute(table_sql(kind))
        for sql in gdal_triggers:
            conn.execute(sql)


def _logged_fields(kind: RecordKind) -> list[str]:
    names = [f.name for f in kind.fields if f.name != "uuid"]
    if kind.geometry:
        names.append("geom")
    return names


def capture_triggers(kind: RecordKind) -> list[str]:
    """SQL of the change-capture triggers of one record table."""
    t, k = q(kind.name), lit(kind.name)
    when_local = "NOT EXISTS (SELECT 1 FROM sb_sync_state WHERE applying = 1)"
    fields = _logged_fields(kind)
    seq = "(SELECT max(seq) FROM sb_change)"
    inserted = " UNION ALL ".join(f"SELECT {lit(f)} AS field, NEW.{q(f)} AS v" for f in fields)
    changed = " UNION ALL ".join(
        f"SELECT {lit(f)}, OLD.{q(f)}, NEW.{q(f)} WHERE OLD.{q(f)} IS NOT NEW.{q(f)}" for f in fields
    )
    any_change = " OR ".join(f"OLD.{q(f)} IS NOT NEW.{q(f)}" for f in fields)
    name = kind.name
    return [
        f"CREATE TRIGGER {q(f'sb_{name}_log_insert')} AFTER INSERT ON {t} WHEN {when_local} BEGIN"
        f" UPDATE {t} SET uuid = {UUID4_SQL} WHERE fid = NEW.fid AND NEW.uuid IS NULL;"
        f" INSERT INTO sb_change (op, kind, uuid, fid, changed_at)"
        f" VALUES ('insert', {k}, coalesce(NEW.uuid, (SELECT uuid FROM {t} WHERE fid = NEW.fid)), NEW.fid, {NOW_SQL});"
        f" INSERT INTO sb_change_field (seq, field, old, new)"
        f" SELECT {seq}, field, NULL, v FROM ({inserted}) WHERE v IS NOT NULL;"
        f" END",
        # One log row and one INSERT … SELECT for the changed fields; no second UPDATE of the row.
        f"CREATE TRIGGER {q(f'sb_{name}_log_update')} AFTER UPDATE ON {t}"
        f" WHEN {when_local} AND ({any_change}) BEGIN"
        f" INSERT INTO sb_change (op, kind, uuid, fid, changed_at)"
        f" VALUES ('update', {k}, NEW.uuid, NEW.fid, {NOW_SQL});"
        f" INSERT INTO sb_change_field (seq, field, old, new) SELECT {seq}, * FROM ({changed});"
        f" END",
        f"CREATE TRIGGER {q(f'sb_{name}_log_delete')} AFTER DELETE ON {t} WHEN {when_local} BEGIN"
        f" INSERT INTO sb_change (op, kind, uuid, fid, changed_at)"
        f" VALUES ('delete', {k}, OLD.uuid, OLD.fid, {NOW_SQL});"
        f" END",
        f"CREATE TRIGGER {q(f'sb_{name}_uuid_fill')} AFTER INSERT ON {t}"
        f" WHEN NEW.uuid IS NULL AND EXISTS (SELECT 1 FROM sb_sync_state WHERE applying = 1) BEGIN"
        f" UPDATE {t} SET uuid = {UUID4_SQL} WHERE fid = NEW.fid; END",
        f"CREATE TRIGGER {q(f'sb_{name}_uuid_immutable')} BEFORE UPDATE OF uuid ON {t}"
        f" WHEN OLD.uuid IS NOT NULL AND NEW.uuid IS NOT OLD.uuid BEGIN"
        f" SELECT RAISE(ABORT, 'uuid is immutable (uuid 不可修改)'); END",
    ]


def drop_capture(conn: sqlite3.Connection) -> None:
    """Drop every Shuibao trigger (GDAL's triggers stay)."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sb\\_%' ESCAPE '\\'"
        )
    ]
    for name in names:
        conn.execute(f"DROP TRIGGER IF EXISTS {q(name)}")


def install_capture(conn: sqlite3.Connection, kinds: dict[str, RecordKind] | None = None) -> None:
    """(Re)create the capture triggers of every record table from the model."""
    drop_capture(conn)
    for kind in (kinds or record_kinds()).values():
        for sql in capture_triggers(kind):
            conn.execute(sql)


def add_missing_columns(conn: sqlite3.Connection, kinds: dict[str, RecordKind] | None = None) -> list[str]:
    """Add columns for model fields a record table lacks (a newer model minor version)."""
    added = []
    for kind in (kinds or record_kinds()).values():
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({q(kind.name)})")}
        for f in kind.fields:
            if f.name not in have:
                conn.execute(f"ALTER TABLE {q(kind.name)} ADD COLUMN {q(f.name)} {STORAGE_TYPES[f.type][0]}")
                added.append(f"{kind.name}.{f.name}")
    return added


def add_missing_tables(conn: sqlite3.Connection, kinds: dict[str, RecordKind] | None = None) -> list[str]:
    """Create the tables of record kinds the model gained since the store was made.

    GDAL makes each new layer in a scratch GeoPackage; its registrations (gpkg_contents,
    gpkg_geometry_columns, gpkg_extensions, gpkg_ogr_contents), R-tree and triggers are copied
    verbatim, then the table gets the model's columns, as in :func:`build_tables`. The capture
    triggers follow in :func:`migrate`.
    """
    import tempfile
    from pathlib import Path

    from . import gpkg

    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [k for k in (kinds or record_kinds()).values() if k.name not in have]
    if not missing:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = str(Path(tmp) / "new-kinds.gpkg")
        gpkg.create_skeleton(scratch, [(k.name, k.geometry, k.zh) for k in missing])
        src = sqlite3.connect(scratch)
        try:
            for kind in missing:
                _copy_gdal_layer(src, conn, kind)
        finally:
            src.close()
    return [k.name for k in missing]


def _copy_gdal_layer(src: sqlite3.Connection, conn: sqlite3.Connection, kind: RecordKind) -> None:
    made = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in ("gpkg_contents", "gpkg_geometry_columns", "gpkg_extensions", "gpkg_ogr_contents"):
        if table not in made:
            continue  # GDAL makes gpkg_extensions only with a spatial index
        cur = src.execute(f"SELECT * FROM {table} WHERE table_name = ?", (kind.name,))
        cols = ", ".join(q(d[0]) for d in cur.description)
        rows = cur.fetchall()
        conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(cur.description))})", rows)
    rtree = src.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ? AND sql LIKE 'CREATE VIRTUAL TABLE%'",
        (f"rtree_{kind.name}_geom",),
    ).fetchone()
    if rtree:
        conn.execute(rtree[0])
    conn.execute(table_sql(kind))
    for (sql,) in src.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (kind.name,)):
        conn.execute(sql)


def create_v1_schema(conn: sqlite3.Connection) -> None:
    """Schema version 1 exactly as first shipped (kept frozen: tests build v1 stores with it)."""
    for sql in _V1_DDL:
        conn.execute(sql)
    conn.execute("INSERT INTO sb_meta (key, value) VALUES ('schema_version', '1')")
    install_capture(conn)


def create_v1_store(path: str) -> None:
    """A new, empty store at schema version 1 (frozen; for migration tests and support)."""
    from . import gpkg

    gpkg.create_skeleton(path, [(k.name, k.geometry, k.zh) for k in record_kinds().values()])
    conn = sqlite3.connect(path)
    gpkg.register_functions(conn)
    try:
        conn.execute("BEGIN IMMEDIATE")
        build_tables(conn)
        create_v1_schema(conn)
        conn.execute(
            "INSERT INTO sb_meta (key, value) VALUES ('model_version', '1.0'), ('device_id', ?)",
            (str(uuidlib.uuid4()),),
        )
        conn.commit()
    finally:
        conn.close()


def _v1_to_v2(conn: sqlite3.Connection) -> None:
    for sql in _V2_DDL:
        conn.execute(sql)
    # Seed the base copy of records that came from the server (server_rev set). Their pending local
    # edits are undone field by field with the oldest logged "old" value, which is what the server
    # last said.
    for name, kind in record_kinds().items():
        spatial = bool(kind.geometry)
        cols = [f.name for f in kind.fields] + (["geom"] if spatial else [])
        rows = conn.execute(
            f"SELECT {', '.join(q(c) for c in cols)} FROM {q(name)} WHERE server_rev IS NOT NULL"
        ).fetchall()
        if not rows:
            continue
        first_old: dict[tuple[str, str], object] = {}
        for uuid, field, old in conn.execute(
            "SELECT c.uuid, f.field, f.old FROM sb_change c JOIN sb_change_field f ON f.seq = c.seq"
            " WHERE c.kind = ? AND c.synced_at IS NULL AND c.op = 'update' ORDER BY c.seq",
            (name,),
        ):
            first_old.setdefault((uuid, field), old)
        base = []
        for row in rows:
            values = dict(zip(cols, row))
            for c in cols:
                if (values["uuid"], c) in first_old:
                    values[c] = first_old[(values["uuid"], c)]
            geom = values.pop("geom", None)
            base.append((name, values["uuid"], values["server_rev"], json.dumps(values, ensure_ascii=False), geom))
        conn.executemany("INSERT INTO sb_base (kind, uuid, server_rev, data, geom) VALUES (?, ?, ?, ?, ?)", base)


def _v2_to_v3(conn: sqlite3.Connection) -> None:
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'sb_change'").fetchone()
    high = row[0] if row else 0
    drop_capture(conn)  # they name sb_change; made again after the migration
    for sql in _V3_DDL:
        conn.execute(sql)
    conn.execute("INSERT INTO sb_change_v3 SELECT seq, op, kind, uuid, fid, changed_at, synced_at FROM sb_change")
    conn.execute("INSERT INTO sb_change_field_v3 SELECT seq, field, old, new FROM sb_change_field")
    conn.execute("DROP TABLE sb_change_field")
    conn.execute("DROP TABLE sb_change")
    conn.execute("ALTER TABLE sb_change_v3 RENAME TO sb_change")
    conn.execute("ALTER TABLE sb_change_field_v3 RENAME TO sb_change_field")
    if high > (conn.execute("SELECT coalesce(max(seq), 0) FROM sb_change").fetchone()[0]):
        conn.execute(
            "INSERT INTO sb_change (seq, op, kind, uuid, fid, changed_at, synced_at)"
            f" VALUES (?, 'update', ?, '', NULL, {NOW_SQL}, {NOW_SQL})",
            (high, MARKER_KIND),
        )


# from_version -> step that brings the store to from_version + 1
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3}
LATEST = max(MIGRATIONS) + 1


def create_schema(conn: sqlite3.Connection) -> None:
    """The current schema on a fresh store (v1 then every migration, so both paths give one result)."""
    create_v1_schema(conn)
    migrate(conn, 1, LATEST)


def migrate(conn: sqlite3.Connection, from_version: int, to_version: int = LATEST) -> None:
    """Run the migration steps; the caller holds the transaction."""
    for version in range(from_version, to_version):
        MIGRATIONS[version](conn)
    if add_missing_tables(conn):
        # The older plugin skipped the server's records of kinds it did not know, and its pull cursor
        # went past them: the next sync pulls everything again (edits not yet pushed stay on top).
        conn.execute("DELETE FROM sb_meta WHERE key = 'sync.cursor'")
    add_missing_columns(conn)
    install_capture(conn)
    conn.execute("UPDATE sb_meta SET value = ? WHERE key = 'schema_version'", (str(to_version),))
