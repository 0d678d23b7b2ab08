"""The store seen from QGIS: it opens, and every kind of QGIS edit lands in the change log."""

from __future__ import annotations

import os
import signal
import sqlite3
import struct
import subprocess
import sys
import textwrap

import pytest
from qgis.core import (
    QgsExpression,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsFeature,
    QgsFeatureRequest,
    QgsGeometry,
    QgsPointXY,
    QgsRectangle,
    QgsVectorLayer,
    QgsVectorLayerUtils,
)
from shuibao.layers import gpkg
from shuibao.layers.store import create_store, open_store
from shuibao.model import RECORD_KINDS


def point(x: float, y: float) -> bytes:
    return struct.pack("<BI2d", 1, 1, x, y)


def square(x: float, y: float, d: float = 0.01) -> bytes:
    ring = [(x, y), (x + d, y), (x + d, y + d), (x, y + d), (x, y)]
    return (
        struct.pack("<BIIBII", 1, 6, 1, 1, 3, 1)
        + struct.pack("<I", len(ring))
        + b"".join(struct.pack("<2d", *p) for p in ring)
    )


@pytest.fixture
def store(tmp_path, qgis_app):
    s = create_store(tmp_path / "q.gpkg")
    s.insert_records(
        "dam",
        [
            {
                "code": f"D{i}",
                "name": f"坝{i}",
                "dam_height": 5.0 + i,
                "downstream_exposure": ["school"],
                "has_spillway": i % 2 == 0,
                "last_inspected_at": "2024-06-01T08:30:00+08:00",
                "delist_date": "2024-01-02",
                "geom": point(114.5 + i * 0.01, 25.5),
            }
            for i in range(5)
        ],
    )
    s.insert_records("patch", [{"code": "P1", "area": 100.0, "geom": square(115.0, 26.0)}])
    s.insert_records("dam_hazard", [{"description": "裂缝"}])
    s.mark_synced(max(c.seq for c in s.changes()))
    return s


def layer(store, kind: str) -> QgsVectorLayer:
    lyr = QgsVectorLayer(f"{store.path}|layername={kind}", kind, "ogr")
    assert lyr.isValid(), kind
    return lyr


def fid_of(lyr: QgsVectorLayer, code: str) -> int:
    return next(lyr.getFeatures(QgsFeatureRequest().setFilterExpression(f"\"code\" = '{code}'"))).id()


def test_every_layer_opens_in_qgis(store):
    counts = {"dam": 5, "patch": 1, "dam_hazard": 1}
    for kind, rk in RECORD_KINDS.items():
        lyr = layer(store, kind)
        assert lyr.featureCount() == counts.get(kind, 0), kind
        if rk.geometry:
            assert lyr.crs().authid() == "EPSG:4490"
            assert lyr.geometryType() == (0 if rk.geometry == "Point" else 2)
        else:
            assert not lyr.isSpatial()
        assert lyr.fields().indexOf("uuid") >= 0


def test_attribute_change_logs_only_that_field(store):
    lyr = layer(store, "dam")
    fid = fid_of(lyr, "D1")
    assert lyr.startEditing()
    assert lyr.changeAttributeValue(fid, lyr.fields().indexOf("name"), "QGIS改名")
    assert lyr.commitChanges(), lyr.commitErrors()
    pending = store.pending_changes()
    assert len(pending) == 1
    assert pending[0].op == "update"
    # OGR rewrites the whole row: geometry, datetimes, booleans and JSON come back byte-identical
    assert pending[0].fields == {"name": ("坝1", "QGIS改名")}
    assert pending[0].changed_at  # the local edit time; updated_at stays the server's
    assert store.get_record("dam", pending[0].uuid)["updated_at"] is None


def test_geometry_change(store):
    lyr = layer(store, "dam")
    fid = fid_of(lyr, "D2")
    lyr.startEditing()
    assert lyr.changeGeometry(fid, QgsGeometry.fromPointXY(QgsPointXY(115.9, 26.9)))
    assert lyr.commitChanges(), lyr.commitErrors()
    (ch,) = store.pending_changes()
    assert set(ch.fields) == {"geom"}
    assert gpkg.decode(ch.fields["geom"][1]) == point(115.9, 26.9)
    # the R-tree follows: a spatial filter finds it at its new place only
    again = layer(store, "dam")
    hits = [
        f["code"] for f in again.getFeatures(QgsFeatureRequest().setFilterRect(QgsRectangle(115.8, 26.8, 116.0, 27.0)))
    ]
    assert hits == ["D2"]


def test_polygon_geometry_change(store):
    lyr = layer(store, "patch")
    fid = fid_of(lyr, "P1")
    lyr.startEditing()
    geom = QgsGeometry.fromWkt("MultiPolygon(((114.1 25.1, 114.2 25.1, 114.2 25.2, 114.1 25.1)))")
    assert lyr.changeGeometry(fid, geom)
    assert lyr.commitChanges(), lyr.commitErrors()
    (ch,) = store.pending_changes()
    assert set(ch.fields) == {"geom"}
    assert gpkg.envelope(ch.fields["geom"][1]) == pytest.approx((114.1, 114.2, 25.1, 25.2))


def test_add_feature_gets_uuid_and_is_logged(store):
    lyr = layer(store, "dam")
    lyr.startEditing()
    feat = QgsVectorLayerUtils.createFeature(
        lyr, QgsGeometry.fromPointXY(QgsPointXY(114.3, 25.3)), {lyr.fields().indexOf("code"): "NEW"}
    )
    assert lyr.addFeature(feat)
    bare = QgsFeature(lyr.fields())  # every attribute NULL, as a script might do
    bare.setAttribute("code", "BARE")
    bare.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(114.4, 25.4)))
    assert lyr.addFeature(bare)
    assert lyr.commitChanges(), lyr.commitErrors()
    pending = store.pending_changes()
    assert [c.op for c in pending] == ["insert", "insert"]
    for ch in pending:
        rec = store.get_record("dam", ch.uuid)
        assert len(ch.uuid) == 36 and rec["created_at"]
        assert ch.fields["code"][1] in ("NEW", "BARE")
        assert ch.fields["geom"][1] is not None
    assert len({c.uuid for c in pending}) == 2


def test_delete_feature(store):
    lyr = layer(store, "dam")
    fid = fid_of(lyr, "D3")
    uuid = next(lyr.getFeatures(QgsFeatureRequest(fid)))["uuid"]
    lyr.startEditing()
    assert lyr.deleteFeature(fid)
    assert lyr.commitChanges(), lyr.commitErrors()
    (ch,) = store.pending_changes()
    assert (ch.op, ch.uuid) == ("delete", uuid)


def test_attribute_table_on_non_spatial_layer(store):
    lyr = layer(store, "dam_hazard")
    fid = next(lyr.getFeatures()).id()
    lyr.startEditing()
    lyr.changeAttributeValue(fid, lyr.fields().indexOf("severity"), "major")
    assert lyr.commitChanges(), lyr.commitErrors()
    (ch,) = store.pending_changes()
    assert ch.kind == "dam_hazard" and ch.fields == {"severity": (None, "major")}


def test_field_calculator_bulk_update(store):
    lyr = layer(store, "dam")
    expr = QgsExpression('"dam_height" * 2')
    ctx = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(lyr))
    idx = lyr.fields().indexOf("dam_height")
    lyr.startEditing()
    for f in lyr.getFeatures():
        ctx.setFeature(f)
        lyr.changeAttributeValue(f.id(), idx, expr.evaluate(ctx))
    assert lyr.commitChanges(), lyr.commitErrors()
    pending = store.pending_changes()
    assert len(pending) == 5
    assert sorted(c.fields["dam_height"] for c in pending) == [(5.0 + i, 2 * (5.0 + i)) for i in range(5)]
    assert all(set(c.fields) == {"dam_height"} for c in pending)


def test_sqlite_moved_feature_found_by_qgis_spatial_filter(store):
    conn = store.connect()
    with conn:
        conn.execute("UPDATE dam SET geom = ? WHERE code = 'D4'", (gpkg.encode(point(115.5, 26.5)),))
    lyr = layer(store, "dam")
    hits = [
        f["code"] for f in lyr.getFeatures(QgsFeatureRequest().setFilterRect(QgsRectangle(115.4, 26.4, 115.6, 26.6)))
    ]
    assert hits == ["D4"]
    old = [
        f["code"]
        for f in lyr.getFeatures(QgsFeatureRequest().setFilterRect(QgsRectangle(114.535, 25.49, 114.545, 25.51)))
    ]
    assert old == []


def test_pulled_update_keeps_the_qgis_feature(store):
    """A server update of a record QGIS shows: same fid, found at its new place, not logged."""
    uid = "00000000-0000-4000-8000-0000000000bb"
    store.apply_remote("patch", [{"uuid": uid, "server_rev": 1, "code": "SP", "geom": square(114.2, 25.2)}])
    fid = fid_of(layer(store, "patch"), "SP")
    store.apply_remote("patch", [{"uuid": uid, "server_rev": 2, "code": "SP2", "geom": square(115.7, 26.7)}])
    lyr = layer(store, "patch")
    feature = lyr.getFeature(fid)  # a selection or form holding this fid still means this record
    assert feature["uuid"] == uid
    assert feature["code"] == "SP2" and feature.geometry().boundingBox().xMinimum() == pytest.approx(115.7)
    box = QgsRectangle(115.69, 26.69, 115.72, 26.72)
    assert [f.id() for f in lyr.getFeatures(QgsFeatureRequest().setFilterRect(box))] == [fid]
    assert not list(lyr.getFeatures(QgsFeatureRequest().setFilterRect(QgsRectangle(114.19, 25.19, 114.22, 25.22))))
    assert store.pending_changes() == []


def test_qgis_reader_and_sqlite_writer_coexist(store):
    lyr = layer(store, "dam")
    assert lyr.featureCount() == 5
    lyr.startEditing()
    lyr.changeAttributeValue(fid_of(lyr, "D0"), lyr.fields().indexOf("name"), "q")
    # the sync writes while QGIS has the layer open in edit mode
    store.apply_remote("dam", [{"uuid": "00000000-0000-4000-8000-0000000000aa", "server_rev": 1, "code": "S"}])
    assert lyr.commitChanges(), lyr.commitErrors()
    assert store.count("dam") == 6
    assert [c.fields for c in store.pending_changes()] == [{"name": ("坝0", "q")}]


CHILD = textwrap.dedent(
    """
    import sys, time
    from qgis.core import QgsApplication, QgsVectorLayer, QgsFeatureRequest
    app = QgsApplication([], False)
    app.initQgis()
    lyr = QgsVectorLayer(sys.argv[1] + "|layername=dam", "dam", "ogr")
    fid = next(lyr.getFeatures(QgsFeatureRequest().setFilterExpression("code = 'D0'"))).id()
    lyr.startEditing()
    lyr.changeAttributeValue(fid, lyr.fields().indexOf("name"), "killed")
    assert lyr.commitChanges()
    lyr.startEditing()
    lyr.changeAttributeValue(fid, lyr.fields().indexOf("name"), "never committed")
    print("committed", flush=True)
    time.sleep(60)
    """
)


def test_qgis_killed_after_commit_loses_nothing(store):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(store.path)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "committed"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    again = open_store(store.path)
    (ch,) = again.pending_changes()
    assert ch.fields == {"name": ("坝0", "killed")}
    assert again.get_record("dam", ch.uuid)["name"] == "killed"
    assert sqlite3.connect(again.path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_processing_algorithm_edits_in_place_are_logged(store):
    """A Processing algorithm that writes into the layer (Truncate table) is captured like any edit."""
    from qgis.analysis import QgsNativeAlgorithms
    from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingFeedback

    registry = QgsApplication.processingRegistry()
    if registry.providerById("native") is None:
        registry.addProvider(QgsNativeAlgorithms())
    alg = registry.createAlgorithmById("native:truncatetable")
    lyr = layer(store, "dam")
    uuids = {f["uuid"] for f in lyr.getFeatures()}
    _results, ok = alg.run({"INPUT": lyr}, QgsProcessingContext(), QgsProcessingFeedback())
    assert ok
    assert store.count("dam") == 0
    pending = store.pending_changes()
    assert {c.op for c in pending} == {"delete"}
    assert {c.uuid for c in pending} == uuids


def test_open_layers_keep_reading_while_the_store_is_written(qgis_new_project, tmp_path):
    """Sync and photos write through their own connection while QGIS has the layers open: QGIS's
    layers must keep seeing every feature, and the new values, without a reload, also while that
    connection stays open (a sync holds it for minutes). QGIS resets the file to DELETE when it
    opens it; the store's connections work in WAL."""
    from qgis.core import QgsProject
    from shuibao.layers.project import open_store_in_project

    store = create_store(tmp_path / "open.gpkg")
    store.insert_records(
        "dam", [{"code": f"D{i}", "name": f"坝{i}", "geom": point(114.5 + i / 100, 25.8)} for i in range(5)]
    )
    store.insert_records("patch", [{"code": "P1", "geom": square(114.6, 25.9)}])
    layers = open_store_in_project(str(store.path), QgsProject.instance(), language="zh")
    assert sum(1 for _ in layers["dam"].getFeatures()) == 5
    conn = store.connect()
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.execute("UPDATE dam SET name = '改名' WHERE code = 'D1'")
        conn.commit()
        assert sum(1 for _ in layers["dam"].getFeatures()) == 5
        assert sum(1 for _ in layers["patch"].getFeatures()) == 1
        assert [f["name"] for f in layers["dam"].getFeatures() if f["code"] == "D1"] == ["改名"]
    finally:
        conn.close()
    layer = layers["dam"]
    layer.startEditing()  # QGIS's own edit session, then ours again
    layer.changeAttributeValue(next(layer.getFeatures()).id(), layer.fields().indexOf("name"), "编辑")
    assert layer.commitChanges()
    with store.connect() as conn:
        conn.execute("UPDATE dam SET name = '再改' WHERE code = 'D2'")
    assert sum(1 for _ in layers["dam"].getFeatures()) == 5
    assert [f["name"] for f in layers["dam"].getFeatures() if f["code"] == "D2"] == ["再改"]


def test_layers_of_a_rollback_mode_store_survive_a_store_connection(qgis_new_project, small_store):
    """The fixture store is written by GDAL in DELETE mode: opening it in QGIS must leave it readable
    while the sync engine works on it (it switches to WAL)."""
    from qgis.core import QgsProject
    from shuibao.layers.project import open_store_in_project
    from shuibao.layers.store import Store

    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    n = sum(1 for _ in layers["dam"].getFeatures())
    conn = Store(small_store).connect()
    conn.execute("UPDATE dam SET name = name || 'x' WHERE fid = 1")
    conn.commit()
    assert sum(1 for _ in layers["dam"].getFeatures()) == n
    assert sum(1 for _ in layers["patch"].getFeatures()) > 0
    conn.close()
