"""Targets travel like every record: a technician sets one, everyone in the county receives it, an
inspector's local change of it is refused by the server without stopping the queue; a store made
before the target kind gets its table when it is synced or opened in QGIS."""

from __future__ import annotations

import sqlite3

import pytest
import shuibao_sync_harness as h
from qgis.core import QgsProject
from shuibao.layers import store as store_module
from shuibao.layers.project import open_store_in_project
from shuibao.model import RECORD_KINDS
from shuibao.sync.api import ApiClient
from shuibao.sync.engine import SyncEngine


@pytest.fixture
def server(tmp_path):
    (tmp_path / "server").mkdir()
    srv = h.Server(tmp_path / "server")
    srv.add_user("tech", role="technician")
    srv.add_user("insp")
    srv.start()
    yield srv
    srv.stop()


def sync(server, store, user):
    api = ApiClient(server.url)
    try:
        with SyncEngine(store, api, username=user, password=h.PASSWORD) as engine:
            return engine.sync()
    finally:
        api.close()


def target(**over) -> dict:
    values = {"county_code": h.A, "indicator": "benggang_treated", "year_from": 2022, "year_to": 2025,
              "value": 1000.0, "unit": "item", "source_document": "赣县区水土保持规划"}  # fmt: skip
    return {**values, **over}


def test_a_technicians_target_reaches_inspectors_who_cannot_change_it(server, tmp_path):
    tech, insp = h.new_store(tmp_path / "tech.gpkg"), h.new_store(tmp_path / "insp.gpkg")
    tech.insert_records("target", [target()])
    assert sync(server, tech, "tech").sent == 1
    assert sync(server, insp, "insp").received == 1
    conn = sqlite3.connect(insp.path)
    uuid, value = conn.execute("SELECT uuid, value FROM target").fetchone()
    assert value == 1000.0
    h.update(insp, "target", uuid, value=1.0)
    insp.insert_records("dam", [h.dam(name="照常同步的坝")])
    summary = sync(server, insp, "insp")
    assert summary.rejected == 1 and summary.sent == 1  # the target refused, the dam applied
    assert "technician" in summary.errors[0]
    server_view = server.contents("tech")
    assert server_view[("target", uuid)]["value"] == 1000.0
    assert any(v.get("name") == "照常同步的坝" for (kind, _u), v in server_view.items() if kind == "dam")


def test_an_older_store_gets_the_target_table_when_it_syncs(server, tmp_path, monkeypatch):
    tech = h.new_store(tmp_path / "tech.gpkg")
    tech.insert_records("target", [target(township="田村镇", value=94.0)])
    sync(server, tech, "tech")
    old = tmp_path / "old.gpkg"
    with monkeypatch.context() as m:  # the previous plugin made this store: no target kind
        m.delitem(RECORD_KINDS, "target")
        m.setattr(store_module, "MODEL_VERSION", "1.0")
        made = store_module.create_store(old)
        made.insert_records("dam", [h.dam(name="旧库里的坝")])
    summary = sync(server, str(old), "insp")
    assert summary.errors == [] and summary.sent == 1, summary  # the dam edited offline goes out
    assert sqlite3.connect(old).execute("SELECT township, value FROM target").fetchall() == [("田村镇", 94.0)]


def test_qgis_opens_an_older_store_with_its_target_layer(tmp_path, monkeypatch, qgis_new_project):
    old = tmp_path / "old.gpkg"
    with monkeypatch.context() as m:
        m.delitem(RECORD_KINDS, "target")
        m.setattr(store_module, "MODEL_VERSION", "1.0")
        made = store_module.create_store(old)
        made.insert_records("dam", [h.dam(name="待同步的坝")])
    layers = open_store_in_project(str(old), QgsProject.instance(), language="zh")
    assert "target" in layers and layers["target"].isValid() and not layers["target"].isSpatial()
    assert layers["target"].fields().indexFromName("source_document") >= 0
    assert [c.kind for c in store_module.Store(old).pending_changes()] == ["dam"]
