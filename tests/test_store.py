"""The offline store without QGIS: layout, blobs, change capture, sync apply, durability."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import struct
import subprocess
import sys
import textwrap
import time

import pytest
import sqlite_utils
from shuibao.layers import gpkg, sync_local
from shuibao.layers.store import (
    SCHEMA_VERSION,
    Store,
    StoreError,
    StoreTooNew,
    collapse,
    create_store,
    open_store,
)
from shuibao.model import RECORD_KINDS


def point(x: float, y: float) -> bytes:
    return struct.pack("<BI2d", 1, 1, x, y)


def multipolygon(ring: list[tuple[float, float]]) -> bytes:
    ring = [*ring, ring[0]]
    body = struct.pack("<BI", 1, 6) + struct.pack("<I", 1) + struct.pack("<BI", 1, 3) + struct.pack("<I", 1)
    body += struct.pack("<I", len(ring)) + b"".join(struct.pack("<2d", *p) for p in ring)
    return body


def square(x: float, y: float, d: float = 0.01) -> bytes:
    return multipolygon([(x, y), (x + d, y), (x + d, y + d), (x, y + d)])


@pytest.fixture
def store(tmp_path) -> Store:
    return create_store(tmp_path / "s.gpkg")


def _dams(n: int, start: int = 0) -> list[dict]:
    return [
        {
            "code": f"D{i}",
            "name": f"坝{i}",
            "county_code": "360702",
            "dam_height": 10.0 + i,
            "downstream_exposure": ["school", "road"],
            "has_spillway": True,
            "geom": point(114.5 + i * 0.001, 25.5),
        }
        for i in range(start, start + n)
    ]


# --- blobs -----------------------------------------------------------------------------------------


def test_blob_round_trip_and_gdal_identical():
    from osgeo import ogr

    for wkb in (point(114.5, 25.5), square(114.0, 25.0), point(float("nan"), float("nan"))):
        blob = gpkg.encode(wkb)
        assert gpkg.decode(blob) == wkb
        assert gpkg.srs_id(blob) == 4490
    blob = gpkg.encode(square(114.0, 25.0, 0.5))
    assert gpkg.envelope(blob) == (114.0, 114.5, 25.0, 25.5)
    assert gpkg.geometry_type(blob) == "MULTIPOLYGON"
    assert gpkg.is_empty(gpkg.encode(point(float("nan"), float("nan"))))
    # a big-endian WKB is normalised to what GDAL writes
    be = ogr.CreateGeometryFromWkb(square(114.0, 25.0)).ExportToIsoWkb(ogr.wkbXDR)
    assert gpkg.decode(gpkg.encode(bytes(be))) == square(114.0, 25.0)


def test_blob_matches_gdal_bytes(tmp_path):
    """A blob we write is byte-identical to GDAL's, so QGIS rewriting a record does not look like an edit."""
    from osgeo import ogr

    path = tmp_path / "g.gpkg"
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    lyr = ds.CreateLayer("t", None, ogr.wkbUnknown, options=["GEOMETRY_NAME=geom"])
    wkbs = [point(114.5, 25.5), square(114.0, 25.0), point(float("nan"), float("nan"))]
    for wkb in wkbs:
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetGeometry(ogr.CreateGeometryFromWkb(wkb))
        lyr.CreateFeature(f)
    ds = None
    blobs = [r[0] for r in sqlite3.connect(path).execute("SELECT geom FROM t ORDER BY fid")]
    assert blobs == [gpkg.encode(w)[:4] + struct.pack("<i", 0) + gpkg.encode(w)[8:] for w in wkbs]


# --- layout ----------------------------------------------------------------------------------------


def test_layout(store):
    conn = store.connect()
    assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 10200
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT count(*) FROM gpkg_spatial_ref_sys WHERE srs_id = 4490").fetchone()[0] == 1
    contents = dict(conn.execute("SELECT table_name, data_type FROM gpkg_contents"))
    for name, kind in RECORD_KINDS.items():
        assert contents[name] == ("features" if kind.geometry else "attributes")
        cols = {r[1]: r for r in conn.execute(f'PRAGMA table_info("{name}")')}
        assert cols["fid"][5] == 1
        for f in kind.fields:
            assert f.name in cols, (name, f.name)
        if kind.geometry:
            assert conn.execute(
                "SELECT geometry_type_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ? AND column_name = 'geom'",
                (name,),
            ).fetchone() == (kind.geometry.upper(), 4490)
            for suffix in ("insert", "update1", "update2", "update3", "update4", "delete"):
                assert conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", (f"rtree_{name}_geom_{suffix}",)
                ).fetchone()
    assert store.schema_version == SCHEMA_VERSION
    assert len(store.device_id) == 36
    assert store.model_version


def test_ogrinfo_clean(store):
    store.insert_records("dam", _dams(3))
    store.insert_records("patch", [{"code": "P1", "geom": square(115.0, 26.0)}])
    out = subprocess.run(["ogrinfo", "-al", "-so", str(store.path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert out.stderr.strip() == ""
    assert "Feature Count: 3" in out.stdout
    # every layer is listed, the sb_ tables are not
    listed = subprocess.run(["ogrinfo", "-ro", "-q", str(store.path)], capture_output=True, text=True, timeout=60)
    assert listed.stderr.strip() == ""
    for name in RECORD_KINDS:
        assert f": {name} (" in listed.stdout
    assert "sb_change" not in listed.stdout


def test_connect_does_not_wait_for_a_rollback_mode_reader(store):
    """A reader in rollback-journal mode (QGIS after closing its edit session) does not stall us:
    we work in its mode and switch to WAL once it is gone."""
    store.insert_records("dam", _dams(2))
    conn = store.connect()
    conn.execute("PRAGMA journal_mode = DELETE").fetchone()
    conn.close()
    reader = sqlite3.connect(store.path)
    reader.execute("BEGIN")
    reader.execute("SELECT * FROM dam").fetchone()  # holds a SHARED lock
    other = store.connect()
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert store.count("dam", conn=other) == 2
    reader.rollback()
    store.insert_records("dam", _dams(1), conn=other)
    other.commit()
    other.close()
    assert store.count("dam") == 3
    assert store.connect().execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_create_refuses_existing_and_overwrites(store):
    with pytest.raises(FileExistsError):
        create_store(store.path)
    store.insert_records("dam", _dams(1))
    again = create_store(store.path, overwrite=True)
    assert again.count("dam") == 0


# --- change capture from sqlite3 / sqlite-utils ----------------------------------------------------


def test_insert_records_logged(store):
    assert store.insert_records("dam", _dams(2)) == 2
    changes = store.pending_changes()
    assert [c.op for c in changes] == ["insert", "insert"]
    rec = store.get_record("dam", changes[0].uuid)
    assert rec["code"] == "D0" and json.loads(rec["downstream_exposure"]) == ["school", "road"]
    assert rec["geom"] == point(114.5, 25.5)
    assert changes[0].fields["code"] == (None, "D0")
    assert changes[0].fields["geom"][1] == gpkg.encode(point(114.5, 25.5))
    assert changes[0].fields["has_spillway"] == (None, 1)
    assert "uuid" not in changes[0].fields
    assert changes[0].seq < changes[1].seq


def test_update_logs_only_changed_fields(store):
    store.insert_records("dam", _dams(1))
    uuid = store.pending_changes()[0].uuid
    conn = store.connect()
    with conn:
        conn.execute("UPDATE dam SET name = '新名', dam_height = 10, code = 'D0' WHERE uuid = ?", (uuid,))
    last = store.changes()[-1]
    assert last.op == "update" and last.uuid == uuid
    assert last.fields == {"name": ("坝0", "新名")}  # dam_height 10 == 10.0 and code unchanged
    assert last.changed_at.endswith("Z") and len(last.changed_at) == 24  # the local edit time
    # updated_at is the server's audit field: the edit leaves it (and the row) otherwise alone
    assert store.get_record("dam", uuid)["updated_at"] is None
    # an update that changes nothing is not logged
    n = len(store.changes())
    with conn:
        conn.execute("UPDATE dam SET name = name WHERE uuid = ?", (uuid,))
    assert len(store.changes()) == n


def test_raw_sqlite_geometry_and_rtree(store):
    """Plain sqlite3 with register_functions drives GDAL's R-tree triggers."""
    conn = store.connect()
    with conn:
        conn.execute("INSERT INTO dam (code, geom) VALUES ('R1', ?)", (gpkg.encode(point(114.2, 25.2)),))
    fid, uuid = conn.execute("SELECT fid, uuid FROM dam WHERE code = 'R1'").fetchone()
    assert len(uuid) == 36 and uuid[14] == "4"
    assert conn.execute("SELECT minx, miny FROM rtree_dam_geom WHERE id = ?", (fid,)).fetchone() == pytest.approx(
        (114.2, 25.2)
    )
    with conn:
        conn.execute("UPDATE dam SET geom = ? WHERE fid = ?", (gpkg.encode(point(115.7, 26.7)), fid))
    assert conn.execute("SELECT maxx, maxy FROM rtree_dam_geom WHERE id = ?", (fid,)).fetchone() == pytest.approx(
        (115.7, 26.7)
    )
    last = store.changes()[-1]
    assert set(last.fields) == {"geom"}
    assert gpkg.decode(last.fields["geom"][1]) == point(115.7, 26.7)
    with conn:
        conn.execute("DELETE FROM dam WHERE fid = ?", (fid,))
    assert conn.execute("SELECT count(*) FROM rtree_dam_geom WHERE id = ?", (fid,)).fetchone()[0] == 0
    assert store.changes()[-1].op == "delete" and store.changes()[-1].uuid == uuid


def test_plain_connection_without_functions_is_refused(store):
    """Without the functions the R-tree trigger fails loudly instead of leaving a stale index."""
    conn = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.OperationalError, match="ST_IsEmpty"):
        conn.execute("INSERT INTO dam (code, geom) VALUES ('X', ?)", (gpkg.encode(point(114, 25)),))
    conn.rollback()
    conn.close()
    assert store.count("dam") == 0


def test_sqlite_utils(store):
    db = sqlite_utils.Database(store.connect())
    db["patch"].insert({"code": "SU1", "area": 1.5, "geom": gpkg.encode(square(114.9, 25.9))})
    fid = db.execute("SELECT fid FROM patch WHERE code = 'SU1'").fetchone()[0]
    db["patch"].update(fid, {"area": 2.5, "geom": gpkg.encode(square(115.1, 26.1))})
    db.conn.commit()
    rt = db.execute("SELECT minx, miny FROM rtree_patch_geom WHERE id = ?", [fid]).fetchone()
    assert rt == pytest.approx((115.1, 26.1))
    ops = [(c.op, set(c.fields) - {"created_at"}) for c in store.changes()]
    assert ops[0][0] == "insert" and {"code", "area", "geom"} <= ops[0][1]
    assert ops[1] == ("update", {"area", "geom"})


def test_uuid_is_immutable_and_never_null(store):
    store.insert_records("dam", _dams(1))
    conn = store.connect()
    with pytest.raises(sqlite3.IntegrityError, match="immutable"), conn:
        conn.execute("UPDATE dam SET uuid = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="immutable"), conn:
        conn.execute("UPDATE dam SET uuid = NULL")
    with conn:
        conn.execute("INSERT INTO dam (code, uuid, created_at) VALUES ('N', NULL, NULL)")
    row = conn.execute("SELECT uuid, created_at FROM dam WHERE code = 'N'").fetchone()
    assert row[0] and row[1]
    assert store.changes()[-1].uuid == row[0]


def test_log_seq_never_reused(store):
    store.insert_records("dam", _dams(3))
    conn = store.connect()
    seqs = [c.seq for c in store.changes()]
    store.mark_synced(max(seqs))
    assert store.purge_synced() == 2  # the newest entry stays: new numbers are max(seq) + 1
    assert [c.seq for c in store.changes()] == [max(seqs)]
    with conn:
        conn.execute("DELETE FROM dam")
    new = [c.seq for c in store.pending_changes()]
    assert len(new) == 3 and min(new) > max(seqs)
    store.mark_synced(max(new))
    store.purge_synced()
    with conn:
        conn.execute("INSERT INTO dam (code) VALUES ('again')")
    assert store.pending_changes()[0].seq > max(new)


# --- sync side -------------------------------------------------------------------------------------


def _apply(store: Store, kind: str, rows: list[dict], complete: bool = False, conn=None) -> dict:
    """Server rows written as the sync client writes them: records and base copies together."""
    own = conn or store.connect()
    try:
        return sync_local.apply_server_records(store, own, kind, rows, complete=complete)
    finally:
        if conn is None:
            own.close()


def _base(store: Store, kind: str, uuid: str) -> dict | None:
    conn = store.connect()
    try:
        return sync_local.base(conn, kind, uuid)
    finally:
        conn.close()


def test_apply_remote_not_logged_and_base_kept(store):
    rows = [dict(r, uuid=f"00000000-0000-4000-8000-00000000000{i}", server_rev=5) for i, r in enumerate(_dams(3))]
    assert len(_apply(store, "dam", rows)) == 3
    assert store.count("dam") == 3
    assert store.pending_changes() == []
    base = _base(store, "dam", rows[0]["uuid"])
    assert (
        base["server_rev"] == 5
        and base["code"] == "D0"
        and json.loads(base["downstream_exposure"]) == ["school", "road"]
    )
    assert gpkg.decode(base["geom"]) == rows[0]["geom"]
    conn = store.connect()
    assert conn.execute("SELECT applying FROM sb_sync_state").fetchone()[0] == 0
    # an update from the server: upsert by uuid, still not logged
    _apply(store, "dam", [{"uuid": rows[0]["uuid"], "server_rev": 6, "name": "服务器名"}])
    assert store.get_record("dam", rows[0]["uuid"])["name"] == "服务器名"
    assert _base(store, "dam", rows[0]["uuid"])["server_rev"] == 6
    assert store.pending_changes() == []
    # tombstone
    _apply(store, "dam", [{"uuid": rows[2]["uuid"], "_deleted": True}])
    assert store.count("dam") == 2 and _base(store, "dam", rows[2]["uuid"]) is None
    assert store.pending_changes() == []


def test_apply_remote_rebases_local_edits(store):
    uid = "00000000-0000-4000-8000-000000000001"
    _apply(store, "dam", [{"uuid": uid, "server_rev": 1, "name": "a", "code": "C1"}])
    conn = store.connect()
    with conn:
        conn.execute("UPDATE dam SET name = 'local' WHERE uuid = ?", (uid,))
    _apply(store, "dam", [{"uuid": uid, "server_rev": 2, "name": "a", "code": "C2"}])
    rec = store.get_record("dam", uid)
    assert (rec["name"], rec["code"]) == ("local", "C2")
    assert [c.fields for c in store.pending_changes()] == [{"name": ("a", "local")}]
    assert _base(store, "dam", uid)["code"] == "C2"


def _rtree_consistent(conn, table: str) -> None:
    assert (
        conn.execute(f"SELECT count(*) FROM rtree_{table}_geom").fetchone()[0]
        == conn.execute(f"SELECT count(*) FROM {table} WHERE geom IS NOT NULL").fetchone()[0]
    )
    assert conn.execute(f"SELECT count(*) FROM rtree_{table}_geom r LEFT JOIN {table} t ON t.fid = r.id"
                        " WHERE t.fid IS NULL").fetchone()[0] == 0  # fmt: skip


def _in_box(conn, table: str, minx: float, miny: float, maxx: float, maxy: float) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            f"SELECT t.uuid FROM {table} t JOIN rtree_{table}_geom r ON r.id = t.fid"
            " WHERE r.maxx >= ? AND r.minx <= ? AND r.maxy >= ? AND r.miny <= ?",
            (minx, maxx, miny, maxy),
        )
    ]


@pytest.mark.parametrize("table", ["dam", "patch"])
def test_apply_remote_upserts_existing_geometry_in_place(store, table):
    """A server update of a record that exists with geometry: UPDATE in place, fid kept, R-tree right."""
    shape = point if table == "dam" else square
    uids = [f"00000000-0000-4000-8000-00000000010{i}" for i in range(3)]
    _apply(store, table, [{"uuid": u, "server_rev": 1, "code": f"C{i}", "geom": shape(114.0 + i, 25.0)}
                               for i, u in enumerate(uids)])  # fmt: skip
    conn = store.connect()
    fids = dict(conn.execute(f"SELECT uuid, fid FROM {table}").fetchall())
    # the first moves, the second loses its geometry, the third is new on the server and the local
    # copy keeps one local-only record
    store.insert_records(table, [{"code": "L1", "geom": shape(113.0, 24.0)}])
    local = [c.uuid for c in store.pending_changes()]
    store.mark_synced(max(c.seq for c in store.changes()))
    logged = len(store.changes())
    _apply(
        store,
        table,
        [
            {"uuid": uids[0], "server_rev": 2, "code": "C0", "geom": shape(116.5, 26.5)},
            {"uuid": uids[1], "server_rev": 2, "code": "C1", "geom": None},
            {"uuid": uids[2], "server_rev": 2, "code": "C2x", "geom": shape(114.2, 25.2)},
        ],
    )
    assert dict(conn.execute(f"SELECT uuid, fid FROM {table} WHERE uuid IN (?, ?, ?)", uids).fetchall()) == fids
    assert store.get_record(table, uids[0])["geom"] == shape(116.5, 26.5)
    assert store.get_record(table, uids[1])["geom"] is None
    assert store.get_record(table, uids[2])["code"] == "C2x"
    _rtree_consistent(conn, table)
    assert _in_box(conn, table, 116.4, 26.4, 116.6, 26.6) == [uids[0]]
    assert _in_box(conn, table, 113.9, 24.9, 114.1, 25.1) == []  # the old place is empty
    assert _in_box(conn, table, 114.15, 25.15, 114.25, 25.25) == [uids[2]]
    assert _in_box(conn, table, 112.9, 23.9, 113.1, 24.1) == local
    # nothing logged
    assert store.pending_changes() == [] and len(store.changes()) == logged
    assert gpkg.decode(_base(store, table, uids[0])["geom"]) == shape(116.5, 26.5)
    assert "geom" not in _base(store, table, uids[1])
    # and a QGIS-style spatial filter through OGR sees the new position
    from osgeo import ogr

    ds = ogr.Open(str(store.path))
    lyr = ds.GetLayerByName(table)
    lyr.SetSpatialFilterRect(116.4, 26.4, 116.6, 26.6)
    assert [f.GetField("uuid") for f in lyr] == [uids[0]]
    ds = None


def test_apply_remote_partial_and_complete_rows(store):
    """A row with some fields changes only those; a complete row (a pull item) NULLs absent fields."""
    uid = "00000000-0000-4000-8000-000000000201"
    full = dict(_dams(1)[0], uuid=uid, server_rev=1, crest_width=3.5)
    _apply(store, "dam", [full])
    _apply(store, "dam", [{"uuid": uid, "server_rev": 2, "name": "新"}])
    rec = store.get_record("dam", uid)
    assert (rec["name"], rec["crest_width"], rec["code"], rec["server_rev"]) == ("新", 3.5, "D0", 2)
    assert rec["geom"] == full["geom"]
    base = _base(store, "dam", uid)
    assert (base["name"], base["crest_width"], base["server_rev"]) == ("新", 3.5, 2)  # merged
    assert gpkg.decode(base["geom"]) == full["geom"]
    _apply(store, "dam", [{"uuid": uid, "server_rev": 3, "code": "D0", "name": "再"}], complete=True)
    rec = store.get_record("dam", uid)
    assert (rec["name"], rec["code"], rec["crest_width"], rec["geom"]) == ("再", "D0", None, None)
    assert rec["created_at"]  # NOT NULL: the column default
    base = _base(store, "dam", uid)
    assert base["crest_width"] is None and "geom" not in base and base["server_rev"] == 3
    conn = store.connect()
    _rtree_consistent(conn, "dam")
    assert store.pending_changes() == []


def test_apply_remote_keeps_order_within_a_page(store):
    uid = "00000000-0000-4000-8000-000000000301"
    n = _apply(
        store,
        "dam",
        [
            {"uuid": uid, "server_rev": 1, "name": "a", "geom": point(114.0, 25.0)},
            {"uuid": uid, "server_rev": 2, "code": "b"},
            {"uuid": uid, "_deleted": True},
            {"uuid": uid, "server_rev": 4, "name": "c", "geom": point(115.0, 26.0)},
        ],
    )
    assert list(n) == [uid]
    rec = store.get_record("dam", uid)
    assert (rec["name"], rec["code"], rec["server_rev"]) == ("c", None, 4)
    assert _base(store, "dam", uid)["server_rev"] == 4
    _rtree_consistent(store.connect(), "dam")
    assert store.pending_changes() == []


def test_drop_pending_fields(store):
    uid = "00000000-0000-4000-8000-000000000401"
    _apply(store, "dam", [{"uuid": uid, "server_rev": 1, "name": "a", "code": "C"}])
    conn = store.connect()
    with conn:
        conn.execute("UPDATE dam SET name = 'x' WHERE uuid = ?", (uid,))
        conn.execute("UPDATE dam SET name = 'y', code = 'D' WHERE uuid = ?", (uid,))
    first, second = store.pending_changes()
    store.drop_pending_fields("dam", uid, ["name"])
    assert [c.seq for c in store.pending_changes()] == [second.seq]
    assert store.pending_changes()[0].fields == {"code": ("C", "D")}
    assert [c.seq for c in store.changes()] == [first.seq, second.seq]  # marked synced, not deleted


def test_applying_flag_is_invisible_to_other_connections(store):
    a, b = store.connect(), store.connect()
    with store.applying_remote(a):
        a.execute("INSERT INTO dam (code) VALUES ('S')")
        assert b.execute("SELECT applying FROM sb_sync_state").fetchone()[0] == 0
    assert a.execute("SELECT applying FROM sb_sync_state").fetchone()[0] == 0
    assert store.pending_changes() == []
    # an error inside the block rolls everything back, flag included
    with pytest.raises(RuntimeError), store.applying_remote(a):
        a.execute("INSERT INTO dam (code) VALUES ('T')")
        raise RuntimeError
    assert store.count("dam") == 1
    with a:
        a.execute("INSERT INTO dam (code) VALUES ('U')")
    assert len(store.pending_changes()) == 1


def test_cursor_and_page_in_one_transaction(store):
    conn = store.connect()
    with store.applying_remote(conn):
        _apply(store, "dam", [{"uuid": "00000000-0000-4000-8000-000000000009", "server_rev": 1}], conn=conn)
        store.set_meta("pull_cursor", "42", conn=conn)
    assert store.get_meta("pull_cursor") == "42" and store.count("dam") == 1


def test_mark_synced_and_changes_since(store):
    store.insert_records("dam", _dams(4))
    seqs = [c.seq for c in store.pending_changes()]
    assert store.mark_synced(seqs[:2]) == 2
    assert [c.seq for c in store.pending_changes()] == seqs[2:]
    assert [c.seq for c in store.changes(seqs[0])] == seqs[1:]
    assert all(c.synced_at for c in store.changes()[:2])
    assert store.mark_synced(seqs[-1]) == 2
    assert store.pending_changes() == []
    assert len(store.changes()) == 4  # marked, not deleted
    assert store.purge_synced() == 3 and [c.seq for c in store.changes()] == seqs[-1:]  # the newest stays


def test_collapse(store):
    store.insert_records("dam", _dams(2))
    a, b = (c.uuid for c in store.pending_changes())
    conn = store.connect()
    with conn:
        conn.execute("UPDATE dam SET name = 'x' WHERE uuid = ?", (a,))
        conn.execute("UPDATE dam SET name = 'y' WHERE uuid = ?", (a,))
        conn.execute("DELETE FROM dam WHERE uuid = ?", (b,))
    net = collapse(store.pending_changes())
    assert [(c.op, c.uuid) for c in net] == [("insert", a)]
    assert net[0].fields["name"] == (None, "y")
    store.mark_synced(max(c.seq for c in store.pending_changes()))
    with conn:
        conn.execute("UPDATE dam SET name = 'z', code = 'c' WHERE uuid = ?", (a,))
        conn.execute("UPDATE dam SET name = 'y' WHERE uuid = ?", (a,))
    net = collapse(store.pending_changes())
    assert [(c.op, c.fields) for c in net] == [("update", {"code": ("D0", "c")})]


# --- reopen, durability, versions ------------------------------------------------------------------


def test_reopen_keeps_log(store):
    store.insert_records("dam", _dams(2))
    before = store.changes()
    again = open_store(store.path)
    assert again.changes() == before
    assert again.device_id == store.device_id


def test_open_refuses_newer_and_foreign(store, tmp_path):
    conn = store.connect()
    with conn:
        conn.execute("UPDATE sb_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StoreTooNew, match="update the plugin"):
        open_store(store.path)
    other = tmp_path / "x.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (a)")
    with pytest.raises(StoreError):
        open_store(other)
    with pytest.raises(StoreError):
        open_store(tmp_path / "missing.gpkg")


CHILD = textwrap.dedent(
    """
    import sys
    from shuibao.layers.store import open_store
    store = open_store(sys.argv[1])
    conn = store.connect()
    with conn:
        conn.execute("UPDATE dam SET name = 'after-kill' WHERE code = 'D0'")
    print("committed", flush=True)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE dam SET name = 'uncommitted' WHERE code = 'D1'")
    import time
    time.sleep(60)
    """
)


def test_sigkill_after_commit_loses_nothing(store):
    store.insert_records("dam", _dams(2))
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(store.path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "committed"
        time.sleep(0.2)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    again = open_store(store.path)
    last = again.changes()[-1]
    assert last.op == "update" and last.fields == {"name": ("坝0", "after-kill")}
    names = {r["code"]: r["name"] for r in (again.get_record("dam", c.uuid) for c in again.changes()[:2])}
    assert names == {"D0": "after-kill", "D1": "坝1"}
    assert sqlite3.connect(again.path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
