"""Store schema migrations: an older store with data and a log is upgraded in place."""

from __future__ import annotations

import json
import sqlite3
import struct

import pytest
from shuibao.layers import gpkg, migrations, sync_local
from shuibao.layers.store import SCHEMA_VERSION, open_store

UID = "00000000-0000-4000-8000-000000000001"


def point(x: float, y: float) -> bytes:
    return struct.pack("<BI2d", 1, 1, x, y)


@pytest.fixture
def v1_path(tmp_path):
    """A version-1 store holding a server record with a local edit, and a local record."""
    path = tmp_path / "v1.gpkg"
    migrations.create_v1_store(str(path))
    conn = sqlite3.connect(path)
    gpkg.register_functions(conn)
    with conn:
        conn.execute("UPDATE sb_sync_state SET applying = 1")
        conn.execute(
            "INSERT INTO dam (uuid, code, name, server_rev, geom) VALUES (?, 'S1', 'server', 3, ?)",
            (UID, gpkg.encode(point(114.5, 25.5))),
        )
        conn.execute("UPDATE sb_sync_state SET applying = 0")
    with conn:
        conn.execute("UPDATE dam SET name = 'local', geom = ? WHERE uuid = ?", (gpkg.encode(point(114.6, 25.6)), UID))
        conn.execute("UPDATE dam SET name = 'local2' WHERE uuid = ?", (UID,))
        conn.execute("INSERT INTO patch (code, area) VALUES ('P1', 12.5)")
    conn.close()
    return path


def _log(path):
    conn = sqlite3.connect(path)
    return conn.execute(
        "SELECT c.seq, c.op, c.kind, c.uuid, f.field, f.old, f.new FROM sb_change c"
        " LEFT JOIN sb_change_field f USING (seq) ORDER BY c.seq, f.field"
    ).fetchall()


def test_v1_store_is_v1(v1_path):
    conn = sqlite3.connect(v1_path)
    assert conn.execute("SELECT value FROM sb_meta WHERE key = 'schema_version'").fetchone()[0] == "1"
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sb_base'").fetchone()[0] == 0
    assert len({r[0] for r in _log(v1_path)}) == 3


def test_migrate_v1_to_current_keeps_data_and_log(v1_path):
    log_before = _log(v1_path)
    store = open_store(v1_path)
    assert store.schema_version == SCHEMA_VERSION == 3
    assert _log(v1_path) == log_before
    rec = store.get_record("dam", UID)
    assert (rec["name"], rec["geom"]) == ("local2", point(114.6, 25.6))
    assert store.count("patch") == 1
    # the base copy is what the server last said: local edits undone
    conn = store.connect()
    base = sync_local.base(conn, "dam", UID)
    assert base["name"] == "server" and base["server_rev"] == 3 and base["code"] == "S1"
    assert gpkg.decode(base["geom"]) == point(114.5, 25.5)
    # only records from the server have a base
    assert conn.execute("SELECT count(*) FROM sb_base").fetchone()[0] == 1
    # triggers still capture, and seq numbers go on
    with conn:
        conn.execute("UPDATE patch SET area = 13 WHERE code = 'P1'")
    last = store.changes()[-1]
    assert last.fields == {"area": (12.5, 13.0)} and last.seq > max(r[0] for r in log_before)
    # sync apply works on the migrated store
    sync_local.apply_server_records(
        store, conn, "dam", [{"uuid": UID, "server_rev": 4, "name": "server", "code": "S2"}], complete=False
    )
    assert json.loads(conn.execute("SELECT data FROM sb_base").fetchone()[0])["code"] == "S2"
    assert store.get_record("dam", UID)["name"] == "local2"
    # opening again is a no-op
    assert open_store(v1_path).schema_version == SCHEMA_VERSION


@pytest.fixture
def v2_path(v1_path):
    """A version-2 store whose log was purged past its newest entry (AUTOINCREMENT kept the number)."""
    conn = sqlite3.connect(v1_path)
    gpkg.register_functions(conn)
    with conn:
        migrations.MIGRATIONS[1](conn)
        conn.execute("UPDATE sb_meta SET value = '2' WHERE key = 'schema_version'")
        conn.execute("UPDATE patch SET area = 20 WHERE code = 'P1'")
        top = conn.execute("SELECT max(seq) FROM sb_change").fetchone()[0]
        conn.execute("UPDATE sb_change SET synced_at = '2024-01-01T00:00:00.000Z' WHERE seq = ?", (top,))
        conn.execute("DELETE FROM sb_change_field WHERE seq = ?", (top,))
        conn.execute("DELETE FROM sb_change WHERE seq = ?", (top,))
    assert conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'sb_change'").fetchone()[0] == top
    conn.close()
    return v1_path, top


def test_migrate_v2_to_v3_keeps_log_and_seq_numbers(v2_path):
    path, top = v2_path
    log_before = _log(path)
    assert log_before and max(r[0] for r in log_before) < top
    store = open_store(path)
    assert store.schema_version == SCHEMA_VERSION == 3
    conn = store.connect()
    # the log as it was, plus a synced marker at the old high-water mark that readers do not see
    log_after = _log(path)
    assert [r for r in log_after if r[2] != ""] == log_before
    assert [r[:4] for r in log_after if r[2] == ""] == [(top, "update", "", "")]
    assert [c.seq for c in store.changes()] == sorted({r[0] for r in log_before})
    assert [c.seq for c in store.pending_changes()] == sorted({r[0] for r in log_before})
    # the cheaper v3 log: no AUTOINCREMENT, no IN-list CHECK, no foreign key
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'sb_change'").fetchone()[0]
    assert "AUTOINCREMENT" not in sql and " IN " not in sql.upper()
    assert conn.execute("SELECT count(*) FROM sqlite_sequence WHERE name LIKE 'sb%'").fetchone()[0] == 0
    assert conn.execute("PRAGMA foreign_key_list(sb_change_field)").fetchall() == []
    with pytest.raises(sqlite3.IntegrityError), conn:
        conn.execute("INSERT INTO sb_change (op, kind, uuid, changed_at) VALUES ('bogus', 'dam', 'u', 'now')")
    # edits (also from a connection with foreign keys on, as GDAL opens it) go on above the old numbers
    conn.execute("PRAGMA foreign_keys = ON")
    with conn:
        conn.execute("UPDATE dam SET name = 'v3' WHERE uuid = ?", (UID,))
        conn.execute("UPDATE patch SET area = 21 WHERE code = 'P1'")
    new = store.changes()[-2:]
    assert all(c.seq > top for c in new) and new[0].seq < new[1].seq
    assert new[0].fields == {"name": ("local2", "v3")} and new[1].fields == {"area": (20.0, 21.0)}
    assert store.get_record("dam", UID)["updated_at"] is None  # no trigger writes it any more
    # purging keeps the newest entry, so numbers never come back
    store.mark_synced(new[1].seq)
    store.purge_synced()
    assert [c.seq for c in store.changes()] == [new[1].seq]
    with conn:
        conn.execute("DELETE FROM patch")
    assert store.pending_changes()[0].seq > new[1].seq
    # sync apply still works and is not logged
    n = len(store.changes())
    store.apply_remote("dam", [{"uuid": UID, "server_rev": 4, "name": "server", "code": "S2"}])
    assert len(store.changes()) == n and store.get_record("dam", UID)["code"] == "S2"


def test_failed_migration_leaves_store_untouched(v1_path, monkeypatch):
    def broken(conn):
        conn.execute("CREATE TABLE sb_base (x)")
        raise RuntimeError("boom")

    monkeypatch.setitem(migrations.MIGRATIONS, 1, broken)
    with pytest.raises(RuntimeError):
        open_store(v1_path)
    conn = sqlite3.connect(v1_path)
    assert conn.execute("SELECT value FROM sb_meta WHERE key = 'schema_version'").fetchone()[0] == "1"
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sb_base'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM dam").fetchone()[0] == 1


def test_model_fields_added_on_open(v1_path):
    """A store made before the model gained a field gets the column and triggers that log it."""
    conn = sqlite3.connect(v1_path)
    with conn:
        migrations.drop_capture(conn)
        conn.execute("ALTER TABLE photo DROP COLUMN caption")
    conn.close()
    store = open_store(v1_path)
    conn = store.connect()
    assert "caption" in {r[1] for r in conn.execute("PRAGMA table_info(photo)")}
    with conn:
        conn.execute("INSERT INTO photo (caption, geom) VALUES ('坝体裂缝', ?)", (gpkg.encode(point(114.1, 25.1)),))
    assert store.changes()[-1].fields["caption"] == (None, "坝体裂缝")


def test_fresh_store_equals_migrated_v1(v1_path, tmp_path):
    """Creating new and migrating v1 give the same schema objects."""
    from shuibao.layers.store import create_store

    fresh = create_store(tmp_path / "fresh.gpkg")
    open_store(v1_path)

    def objects(path):
        conn = sqlite3.connect(path)
        return sorted(
            (t, n, s) for t, n, s in conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'sb%'")
        )

    assert objects(fresh.path) == objects(v1_path)
