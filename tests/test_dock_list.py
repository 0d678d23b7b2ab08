"""The dock's list model: the SQL due state, the list of a layer with unsaved edits, paging."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3

import pytest
from qgis.core import QgsProject
from qgis.PyQt.QtCore import Qt
from shuibao.layers.project import open_store_in_project
from shuibao.ui import feature_model
from shuibao.ui.docks import DamDock
from shuibao.ui.feature_model import DUE, FID, LAST, UUID, DueClock, due_state

UTC = dt.timezone.utc


def _stamps(now: dt.datetime, rng: random.Random) -> list[str | None]:
    """Patrol times around every cut-off, in the spellings a store may hold, and unreadable ones."""
    clock = DueClock(now)
    stamps: list[str | None] = [None, "", "never", "2026-11-20", "2026-11-20 08:00:00", "2026-11-20T08:00Z"]
    for _lo, _hi, over, week in clock.ranges:
        for cut in (over, week):
            at = dt.datetime.fromisoformat(cut).replace(tzinfo=UTC)
            for shift in (-1, 0, 1):
                stamps.append((at + dt.timedelta(seconds=shift)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    for _ in range(3000):
        at = now - dt.timedelta(hours=rng.uniform(-24, 24 * 12))
        spelling = rng.choice(("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.000Z", "%Y-%m-%dT%H:%M:%S+00:00"))
        stamps.append(at.strftime(spelling))
        local = at.astimezone(dt.timezone(dt.timedelta(hours=8)))  # Beijing time with its offset
        stamps.append(local.isoformat(timespec="seconds"))
    return stamps


@pytest.mark.parametrize(
    "now",
    [
        dt.datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        dt.datetime(2026, 6, 3, 0, 0, tzinfo=UTC),  # the flood season began two days ago
        dt.datetime(2026, 7, 16, 12, 0, tzinfo=UTC),  # the main flood season began yesterday
        dt.datetime(2027, 1, 2, 1, 0, tzinfo=UTC),  # across the year end
    ],
)
@pytest.mark.parametrize("patrol_class", ["dedicated", "ordinary"])
def test_due_sql_agrees_with_due_state(now, patrol_class):
    stamps = _stamps(now, random.Random(now.toordinal()))
    clock = DueClock(now, patrol_class)
    conn = sqlite3.connect(":memory:")
    clock.register(conn)
    conn.execute("CREATE TABLE t (i INTEGER PRIMARY KEY, last TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", enumerate(stamps))
    got = dict(conn.execute(f"SELECT i, {clock.sql('last')} FROM t"))  # noqa: S608
    week_end = now + dt.timedelta(days=7)
    wrong = [(s, got[i], due_state(s or "", now, week_end, patrol_class)) for i, s in enumerate(stamps)
             if got[i] != due_state(s or "", now, week_end, patrol_class)]  # fmt: skip
    assert wrong == []
    assert set(got.values()) == {0, 1, 2}


def test_an_ordinary_dam_is_due_later_than_a_dam_of_one_patroller():
    now = dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # outside the flood season
    four_days_ago = (now - dt.timedelta(days=4)).strftime("%Y-%m-%dT%H:%M:%SZ")
    week_end = now + dt.timedelta(days=7)
    assert due_state(four_days_ago, now, week_end, "dedicated") == feature_model.OVERDUE  # twice a week
    assert due_state(four_days_ago, now, week_end, "ordinary") == feature_model.DUE_WEEK  # weekly


def _rows(model) -> list[tuple]:
    return [model.row_values(r) for r in range(model.rowCount())]


def test_list_of_a_layer_with_unsaved_edits(iface, small_store, small_data):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    layer = layers["dam"]
    dock = DamDock(iface, lang="zh")
    try:
        from_store = _rows(dock.model)
        assert len(from_store) == len(small_data["dam"])
        # The same list read through QGIS (a subset string makes the model copy the features).
        layer.setSubsetString("fid > 0")
        dock.reload()
        through_qgis = _rows(dock.model)
        strip = lambda rows: [r[:LAST] + r[LAST + 1 :] for r in rows]  # noqa: E731 - timestamps are re-spelled
        assert strip(through_qgis) == strip(from_store)
        assert [r[DUE] for r in through_qgis] == [r[DUE] for r in from_store]
        layer.setSubsetString("")

        # An unsaved edit shows in the list, its filter and its counts.
        first = from_store[0]
        before = dock.status_counts()
        status = "dangerous" if first[feature_model.STATUS] != "dangerous" else "normal"
        assert layer.startEditing()
        layer.changeAttributeValue(first[FID], layer.fields().indexFromName("code"), "ZZ-未保存")
        layer.changeAttributeValue(first[FID], layer.fields().indexFromName("hazard_status"), status)
        dock.reload()
        assert dock.count() == len(from_store)
        dock.contents.filterEdit.setText("zz-未")  # case-blind on Latin letters
        assert [dock.model.row_values(r)[UUID] for r in range(dock.model.rowCount())] == [first[UUID]]
        dock.contents.filterEdit.clear()
        assert dock.status_counts()[status] == before.get(status, 0) + 1
        layer.rollBack()
        dock.reload()
        assert _rows(dock.model) == from_store
    finally:
        dock.disconnect_all()
        dock.deleteLater()


def test_rows_are_read_a_page_at_a_time(iface, small_store, small_data, monkeypatch):
    monkeypatch.setattr(feature_model, "PAGE", 4)
    open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    dock = DamDock(iface, lang="zh")
    try:
        model = dock.model
        model._cache.clear()
        last = model.rowCount() - 1
        assert model.index(last, 0).data()  # a row far from the first page
        assert len(model._cache) <= 4 + 1
        codes = [model.index(r, 0).data() for r in range(model.rowCount())]
        assert codes == sorted(d["code"] for d in small_data["dam"])
        model.sort(0, Qt.SortOrder.DescendingOrder)
        assert [model.index(r, 0).data() for r in range(model.rowCount())] == codes[::-1]

        # A dam filtered out of the list still has its values (the detail view asks for them).
        hidden = model.fids[0]
        dock.contents.filterEdit.setText(model.index(1, 0).data())
        assert model.row_of_fid(hidden) == -1
        assert model.values_of_fid(hidden)[FID] == hidden
    finally:
        dock.disconnect_all()
        dock.deleteLater()


def test_list_closes_the_store_when_the_layer_goes(iface, small_store):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    dock = DamDock(iface, lang="zh")
    try:
        assert dock.model._conn is not None
        QgsProject.instance().removeMapLayer(layers["dam"].id())
        assert dock.model._conn is None and dock.count() == 0 and dock.model.rowCount() == 0
    finally:
        dock.disconnect_all()
        dock.deleteLater()


def test_a_geopackage_the_list_cannot_read_directly_is_listed_through_qgis(iface, tmp_path):
    """A dam layer in a GeoPackage that is not a Shuibao store (no log, other columns)."""
    from qgis.core import QgsFeature, QgsField, QgsGeometry, QgsPointXY, QgsVectorFileWriter, QgsVectorLayer
    from qgis.PyQt.QtCore import QVariant
    from shuibao.layers.project import KIND_PROPERTY

    memory = QgsVectorLayer("Point?crs=EPSG:4490", "dam", "memory")
    memory.dataProvider().addAttributes([QgsField("code", QVariant.String), QgsField("name", QVariant.String)])
    memory.updateFields()
    for i in range(3):
        f = QgsFeature(memory.fields())
        f.setAttributes([f"D-{i}", f"坝{i}"])
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(115 + i / 10, 25.8)))
        memory.dataProvider().addFeature(f)
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName, options.layerName = "GPKG", "dam"
    path = str(tmp_path / "foreign.gpkg")
    QgsVectorFileWriter.writeAsVectorFormatV2(memory, path, QgsProject.instance().transformContext(), options)
    layer = QgsVectorLayer(f"{path}|layername=dam", "dams", "ogr")
    assert layer.isValid()
    layer.setCustomProperty(KIND_PROPERTY, "dam")
    QgsProject.instance().addMapLayer(layer)
    dock = DamDock(iface, lang="en")
    try:
        assert dock.count() == 3
        assert [dock.model.index(r, 0).data() for r in range(3)] == ["D-0", "D-1", "D-2"]
        assert "no such column" in dock.model.error
        assert "sync badges are missing" in dock.contents.countLabel.text()
    finally:
        dock.disconnect_all()
        dock.deleteLater()


def test_the_list_puts_each_dam_on_its_own_patrol_clock(iface, small_store):
    """Two dams patrolled at the same time: the 一坝一人 dam is overdue, the ordinary one is not yet
    (its interval is longer), from the store and through QGIS alike."""
    from shuibao.model import THRESHOLDS, rules

    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    layer = layers["dam"]
    now = dt.datetime.now(UTC)
    short = rules.patrol_interval_hours(now.date(), THRESHOLDS, patrol_class="dedicated")
    long = rules.patrol_interval_hours(now.date(), THRESHOLDS, patrol_class="ordinary")
    when = (now - dt.timedelta(hours=(short + long) / 2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    registered = [d for d in layer.getFeatures() if d["register_status"] == "registered"]
    dedicated = next(d for d in registered if d["patrol_class"] == "dedicated")
    ordinary = next(d for d in registered if d["patrol_class"] == "ordinary")
    assert layer.startEditing()
    for dam in (dedicated, ordinary):
        layer.changeAttributeValue(dam.id(), layer.fields().indexFromName("last_inspected_at"), when)
    assert layer.commitChanges()
    dock = DamDock(iface, lang="zh")
    try:
        for subset in ("", "fid > 0"):  # from the store, and through QGIS
            layer.setSubsetString(subset)
            dock.reload()
            due = {dock.model.row_values(r)[FID]: dock.model.row_values(r)[DUE] for r in range(dock.model.rowCount())}
            assert due[dedicated.id()] == feature_model.OVERDUE
            assert due[ordinary.id()] != feature_model.OVERDUE
        layer.setSubsetString("")
    finally:
        dock.disconnect_all()
        dock.deleteLater()
