"""A store made before the model gained a record kind gets that kind's table when it is opened.

The store is made by the previous model (the kinds removed from RECORD_KINDS, model version 1.0)
and holds edits not yet synced. Opening it with the current model adds the missing tables as GDAL
would make them (attribute table and geometry table with its R-tree), with change capture, and
keeps the queued edits. QGIS and GDAL then read and write the new layers.
"""

from __future__ import annotations

import sqlite3
import struct

import pytest
from osgeo import ogr
from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer
from shuibao.layers import migrations
from shuibao.layers import store as store_module
from shuibao.layers.store import create_store, open_store
from shuibao.model import MODEL_VERSION, RECORD_KINDS

NEW_KINDS = ("target", "spot_check")  # an attribute table and a point layer with geometry


def point(x: float, y: float) -> bytes:
    return struct.pack("<BI2d", 1, 1, x, y)


@pytest.fixture
def old_store(tmp_path, monkeypatch):
    """A store of the previous model with a synced dam, a local edit of it and a new local patch."""
    path = tmp_path / "old.gpkg"
    with monkeypatch.context() as m:
        for name in NEW_KINDS:
            m.delitem(RECORD_KINDS, name)
        m.setattr(store_module, "MODEL_VERSION", "1.0")
        store = create_store(path)
        conn = store.connect()
        store.apply_remote("dam", [{"uuid": "00000000-0000-4000-8000-000000000001", "county_code": "360704",
                                    "code": "D1", "name": "server", "server_rev": 4,
                                    "geom": point(115.0, 25.8)}], conn=conn)  # fmt: skip
        with conn:
            conn.execute("UPDATE dam SET name = 'edited offline' WHERE code = 'D1'")
            conn.execute("INSERT INTO patch (code, kind, county_code) VALUES ('P1', 'benggang', '360704')")
        conn.close()
    return path


def _tables(path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def test_old_store_lacks_the_new_kinds(old_store):
    assert not set(NEW_KINDS) & _tables(old_store)
    conn = sqlite3.connect(old_store)
    assert conn.execute("SELECT value FROM sb_meta WHERE key = 'model_version'").fetchone()[0] == "1.0"


def test_opening_adds_the_tables_and_keeps_pending_edits(old_store):
    before = [(c.op, c.kind, c.fields) for c in store_module.Store(old_store).pending_changes()]
    assert [(op, kind) for op, kind, _f in before] == [("update", "dam"), ("insert", "patch")]

    store = open_store(old_store)

    assert set(NEW_KINDS) <= _tables(old_store)
    assert store.model_version == MODEL_VERSION
    assert [(c.op, c.kind, c.fields) for c in store.pending_changes()] == before
    conn = sqlite3.connect(old_store)
    contents = dict(conn.execute("SELECT table_name, data_type FROM gpkg_contents"))
    assert contents["target"] == "attributes" and contents["spot_check"] == "features"
    assert conn.execute(
        "SELECT geometry_type_name, srs_id FROM gpkg_geometry_columns WHERE table_name = 'spot_check'"
    ).fetchone() == ("POINT", 4490)
    assert conn.execute("SELECT extension_name FROM gpkg_extensions WHERE table_name = 'spot_check'").fetchone() == (
        "gpkg_rtree_index",
    )
    columns = {r[1] for r in conn.execute("PRAGMA table_info(target)")}
    assert set(RECORD_KINDS["target"].field_names()) <= columns
    conn.close()
    assert migrations.add_missing_tables(store.connect()) == []  # a second open finds nothing to add


def test_new_tables_capture_edits_and_index_geometry(old_store):
    store = open_store(old_store)
    store.insert_records("target", [{"county_code": "360704", "indicator": "benggang_treated", "year_from": 2022,
                                     "year_to": 2025, "value": 1000.0, "unit": "item", "source_document": "规划"}])  # fmt: skip
    store.insert_records("spot_check", [{"county_code": "360704", "acceptance_uuid": "a", "spot_uuid": "s",
                                         "geom": point(115.01, 25.81)}])  # fmt: skip
    kinds = [(c.op, c.kind) for c in store.pending_changes()]
    assert kinds[-2:] == [("insert", "target"), ("insert", "spot_check")]
    conn = sqlite3.connect(old_store)
    assert conn.execute("SELECT count(*) FROM rtree_spot_check_geom").fetchone()[0] == 1
    conn.close()
    ds = ogr.Open(str(old_store))
    layer = ds.GetLayerByName("spot_check")
    assert layer.GetGeomType() == ogr.wkbPoint and layer.GetSpatialRef().GetAuthorityCode(None) == "4490"
    layer.SetSpatialFilterRect(115.0, 25.8, 115.02, 25.82)
    assert layer.GetFeatureCount() == 1
    assert ds.GetLayerByName("target").GetFeatureCount() == 1
    ds = None


def test_qgis_edits_the_new_layers(old_store, qgis_app):
    store = open_store(old_store)
    layer = QgsVectorLayer(f"{old_store}|layername=spot_check", "checks", "ogr")
    assert layer.isValid() and layer.isSpatial()
    feature = QgsFeature(layer.fields())
    feature["county_code"], feature["acceptance_uuid"], feature["spot_uuid"] = "360704", "a", "s"
    feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(115.0, 25.8)))
    assert layer.startEditing() and layer.addFeature(feature) and layer.commitChanges()
    table = QgsVectorLayer(f"{old_store}|layername=target", "targets", "ogr")
    assert table.isValid() and not table.isSpatial()
    assert [(c.op, c.kind) for c in store.pending_changes()][-1] == ("insert", "spot_check")
    assert [f["spot_uuid"] for f in QgsVectorLayer(layer.source(), "again", "ogr").getFeatures()] == ["s"]
