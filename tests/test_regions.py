"""Thresholds follow the region in the plugin: the dam dock's due and overdue patrols under each
county's flood seasons, the erosion intensity a form derives under the county's tolerable loss, the
set a sync brings from the server and keeps for offline use, and the read-only viewer of the
thresholds in force with their sources, opened from the plugin menu."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
import requests
import shuibao
import shuibao_sync_harness as h
from qgis.core import QgsProject, QgsVectorLayerUtils
from qgis.PyQt.QtWidgets import QAction
from shuibao.layers import thresholds as local_thresholds
from shuibao.layers.project import open_store_in_project
from shuibao.sync.api import ApiClient
from shuibao.sync.engine import SyncEngine
from shuibao.ui import feature_model
from shuibao.ui.docks import DamDock

UTC = dt.timezone.utc
MAY_5 = dt.datetime(2026, 5, 5, 10, 0, tzinfo=UTC)
# 赣县 (Jiangxi: main flood season since 1 April), 保德 (忻州, Shanxi: before the flood season),
# 雅安 (Sichuan: flood season since 1 May, assumed), 南阳 (Henan: before the flood season)
COUNTIES = {"360704": "赣县坝", "140931": "保德坝", "511802": "雨城坝", "411302": "宛城坝"}


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(feature_model, "utc_now", lambda: MAY_5)
    local_thresholds._known.clear()  # the session's sets: every test reads its own store
    return MAY_5


def _patrolled(store, hours_ago: float, counties=COUNTIES) -> None:
    at = (MAY_5 - dt.timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    # 一坝一人 dams (a village downstream): the intervals of the thresholds are theirs; ordinary dams
    # have their own, longer ones (patrol_interval_*_ordinary)
    store.insert_records("dam", [h.dam(c, name=name, last_inspected_at=at, downstream_exposure='["residents"]',
                                       dedicated_patroller=True, patrol_phone="13907970001",
                                       patrol_class="dedicated") for c, name in counties.items()])  # fmt: skip


def _overdue(dock: DamDock) -> list[str]:
    c = dock.contents
    c.dueCombo.setCurrentIndex(c.dueCombo.findData("overdue"))  # the user picks 逾期 in the filter
    names = sorted(dock.model.index(r, 1).data() for r in range(dock.model.rowCount()))
    c.dueCombo.setCurrentIndex(c.dueCombo.findData(""))
    return names


def test_a_dam_patrolled_30_hours_ago_on_5_may_is_overdue_in_ganxian_not_in_xinzhou(iface, tmp_path, clock):
    store = h.new_store(tmp_path / "dams.gpkg")
    _patrolled(store, 30)
    open_store_in_project(str(store.path), QgsProject.instance(), language="zh")
    dock = DamDock(iface, lang="zh")
    try:
        # Jiangxi: main flood season, twice a day; Sichuan: flood season, daily; north: twice a week
        assert _overdue(dock) == ["赣县坝", "雨城坝"]
        assert dock.due_counts() == (2, 2)  # the two northern dams are due within the week
        assert "overdue 2" in dock.contents.summaryLabel.text()
    finally:
        dock.disconnect_all()
        dock.deleteLater()


def test_erosion_intensity_in_a_form_uses_the_countys_tolerable_loss(tmp_path, clock):
    store = h.new_store(tmp_path / "patches.gpkg")
    layers = open_store_in_project(str(store.path), QgsProject.instance(), language="zh")
    layer = layers["patch_survey"]
    idx = layer.fields().indexFromName("erosion_intensity")
    got = {}
    for county in ("360704", "140931", "411302"):
        feature = QgsVectorLayerUtils.createFeature(layer, attributes={
            layer.fields().indexFromName("county_code"): county,
            layer.fields().indexFromName("erosion_modulus"): 800.0,
        })  # fmt: skip
        got[county] = layer.defaultValue(idx, feature)
    # 800 t/(km²·a): light on red soil (500) and in Henan (200, assumed), slight on the loess (1000)
    assert got == {"360704": "light", "140931": "slight", "411302": "light"}


@pytest.fixture
def server(tmp_path):
    (tmp_path / "server").mkdir()
    srv = h.Server(tmp_path / "server")
    srv.add_user("insp", counties=("360704",))
    srv.add_user("adm", role="admin", counties=("360704",))
    srv.start()
    yield srv
    srv.stop()


def _set_on_server(server, scope: str, name: str, value: float, basis: str, mark: str = "V") -> None:
    api = ApiClient(server.url)
    try:
        api.login("adm", h.PASSWORD, "admin-desk")
        body = {"value": value, "basis": basis, "mark": mark, "scope_name": "赣县区"}
        api.request("PUT", f"/api/v1/thresholds/settings/{scope}/{name}", json=body)
    finally:
        api.close()


def _sync(server, store):
    api = ApiClient(server.url)
    try:
        with SyncEngine(store, api, username="insp", password=h.PASSWORD) as engine:
            return engine.sync()
    finally:
        api.close()


def test_the_sync_brings_the_countys_set_and_it_holds_offline(iface, server, tmp_path, clock):
    store = h.new_store(tmp_path / "field.gpkg")
    _patrolled(store, 10, {"360704": "赣县坝"})
    _set_on_server(server, "360704", "patrol_interval_main_flood", 8, "赣县区防汛预案（2026）")
    summary = _sync(server, store)
    assert summary.errors == [] and summary.thresholds == ["360704"], summary
    server.stop()  # back in the field: no network
    [delivered] = local_thresholds.read(store.path)
    assert delivered.received_at is not None
    assert delivered.thresholds["patrol_interval_main_flood"] == 8
    assert delivered.thresholds.origin("patrol_interval_main_flood").by == "adm"
    open_store_in_project(str(store.path), QgsProject.instance(), language="zh")
    dock = DamDock(iface, lang="zh")
    try:
        assert _overdue(dock) == ["赣县坝"]  # 10 h ago: overdue under the county's 8 h, not Jiangxi's 12 h
    finally:
        dock.disconnect_all()
        dock.deleteLater()
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/api/v1/health", timeout=2)


def test_a_server_that_predates_thresholds_leaves_the_stored_set(tmp_path, server, monkeypatch):
    store = h.new_store(tmp_path / "field.gpkg")
    _set_on_server(server, "360704", "patrol_interval_flood", 20, "县防汛预案")
    _sync(server, store)
    real = ApiClient.request

    def old_server(self, method, path, **kw):
        if path.endswith("/thresholds"):
            kw["ok"] = (200, 404)
            path = "/api/v1/no-such-route"  # what an older server answers: 404
        return real(self, method, path, **kw)

    monkeypatch.setattr(ApiClient, "request", old_server)
    summary = _sync(server, store)
    assert summary.errors == [] and summary.thresholds == []
    assert local_thresholds.read(store.path)[0].thresholds["patrol_interval_flood"] == 20


def test_the_viewer_shows_the_thresholds_in_force_with_sources(iface, server, tmp_path, flush_deletes):
    store = h.new_store(tmp_path / "field.gpkg")
    _set_on_server(server, "360704", "patrol_interval_main_flood", 8, "赣县区防汛预案（2026）")
    _sync(server, store)
    other = h.new_store(tmp_path / "north.gpkg")  # never synced: the built-in regional set
    other.insert_records("dam", [h.dam("140931", name="保德坝")])
    plugin = shuibao.classFactory(iface)
    plugin.initGui()
    try:
        dialog = plugin.show_thresholds()  # no store yet: the defaults and the built-in regional sets
        assert [dialog.countyCombo.itemText(i) for i in range(dialog.countyCombo.count())] == [
            "Model default", "江西省 360000", "山西省 140000", "河南省 410000", "四川省 510000",
        ]  # fmt: skip
        assert dialog.row_of("tolerable_loss")["From"] == "Model default"
        dialog.countyCombo.setCurrentIndex(dialog.countyCombo.findData("410000"))  # the user picks 河南省
        assert dialog.row_of("tolerable_loss")["Value"] == "200 t/(km²·a)"
        assert dialog.row_of("tolerable_loss")["Mark"] == "inference" and dialog.highlighted("tolerable_loss")
        dialog.close()
        open_store_in_project(str(store.path), QgsProject.instance(), language="zh")
        iface.mainWindow().findChild(QAction, "ShuibaoThresholdsAction").trigger()
        dialog = plugin.thresholds_dialog
        assert dialog.countyCombo.currentData() == "360704" and "赣县区" in dialog.countyCombo.currentText()
        row = dialog.row_of("patrol_interval_main_flood")
        assert (row["Value"], row["From"], row["Mark"]) == ("8 h", "赣县区 (set on the server by adm)", "verified")
        assert row["Basis"] == "赣县区防汛预案（2026）"
        season = dialog.row_of("main_flood_end")
        assert (season["Value"], season["From"]) == ("6/30", "江西省 (built in)")
        assert "4月1日至6月30日是主汛期" in season["Basis"] and season["Mark"] == "verified"
        assert dialog.row_of("visit_max_distance")["Mark"] == "inference"
        assert dialog.highlighted("visit_max_distance") and not dialog.highlighted("main_flood_end")
        assert "Delivered by the server" in dialog.deliveryLabel.text()
        dialog.close()
        QgsProject.instance().clear()
        open_store_in_project(str(other.path), QgsProject.instance(), language="zh")
        dialog = plugin.show_thresholds()
        assert dialog.countyCombo.currentData() == "140931"
        loss = dialog.row_of("tolerable_loss")
        assert (loss["Value"], loss["From"], loss["Mark"]) == (
            "1000 t/(km²·a)",
            "山西省 (built in)",
            "unofficial source",
        )
        assert "黄土高原" in loss["Basis"]
        assert "Not yet received from the server" in dialog.deliveryLabel.text()
        dialog.close()
    finally:
        plugin.unload()
        flush_deletes()


def test_a_stored_set_that_cannot_be_read_falls_back_to_the_region(tmp_path):
    store = h.new_store(tmp_path / "damaged.gpkg")
    store.insert_records("dam", [h.dam("360704")])
    conn = sqlite3.connect(store.path)
    with conn:
        local_thresholds.save(conn, "360704", {"county_code": "360704", "thresholds": []})
        conn.execute("UPDATE sbs_thresholds SET payload = 'not json'")
    conn.close()
    [d] = local_thresholds.read(store.path)
    assert d.received_at is None and d.thresholds["main_flood_end"] == 630  # Jiangxi's, built in


def test_the_dam_form_warns_about_a_storage_above_check_dam_scale(tmp_path, clock):
    """SL 289-2003: above 500万 m³ it is no 淤地坝. The form's constraint says so beside the field, and
    the record can still be saved (a warning, not a refusal)."""
    from shuibao.layers import forms
    from shuibao.model import RECORD_KINDS

    store = h.new_store(tmp_path / "dams.gpkg")
    layer = open_store_in_project(str(store.path), QgsProject.instance(), language="zh")["dam"]
    idx = layer.fields().indexFromName
    feature = QgsVectorLayerUtils.createFeature(layer, attributes={
        idx("county_code"): "360704", idx("code"): "D-620", idx("name"): "大库容坝", idx("total_storage"): 620.0,
    })  # fmt: skip
    [warning] = forms.record_problems(RECORD_KINDS["dam"], feature)["total_storage"]
    assert warning.code == "warning" and "超出淤地坝范围（SL 289-2003）" in warning.zh
    feature.setAttribute(idx("total_storage"), 300.0)
    assert "total_storage" not in forms.record_problems(RECORD_KINDS["dam"], feature)
