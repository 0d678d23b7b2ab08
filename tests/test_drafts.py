"""Mistakes can be undone: a draft is deleted from the dock by its author (any draft by a
technician), after a confirmation; the delete is synced like any edit and the server drops it."""

from __future__ import annotations

import pytest
from qgis.core import QgsProject
from qgis.gui import QgsMessageBar
from qgis.PyQt.QtWidgets import QMessageBox, QToolBar
from shuibao.layers.project import open_store_in_project
from shuibao.layers.store import Store
from shuibao.model import rules
from shuibao.ui import actions
from shuibao.ui.docks import DamDock
from shuibao_ui_harness import Dialogs, click, fill, form_of, open_dock, panel_text, press_ok, wait_until


@pytest.mark.parametrize(
    "kind, values, role, user, allowed",
    [
        ("dam_inspection", {"step": "draft", "created_by": "ann"}, "inspector", "ann", True),
        ("dam_inspection", {"step": "draft", "created_by": None}, "inspector", "ann", True),  # never synced
        ("dam_inspection", {"step": "draft", "created_by": "bob"}, "inspector", "ann", False),
        ("dam_inspection", {"step": "draft", "created_by": "bob"}, "technician", "tom", True),
        ("dam_inspection", {"step": "submitted", "created_by": "ann"}, "inspector", "ann", False),
        ("dam_inspection", {"step": "submitted", "created_by": "ann"}, "technician", "tom", False),
        ("dam_hazard", {"step": "open", "created_by": "ann"}, "inspector", "ann", True),
        ("dam_hazard", {"step": "rectified", "created_by": "ann"}, "inspector", "ann", False),
        ("watershed_acceptance", {"step": "draft", "created_by": "amy"}, "acceptor", "amy", True),
        ("watershed_spot", {"step": "planned", "created_by": "tom"}, "technician", "tom", True),
        ("dam", {"register_status": "registered"}, "inspector", "ann", False),  # de-list it instead
        ("dam", {"register_status": "registered", "created_by": "tom"}, "technician", "tom", True),
        ("dam", {"register_status": "delisted", "created_by": "tom"}, "technician", "tom", False),
        ("patch_acceptance", {"step": "signed", "created_by": "amy"}, "admin", "root", True),
    ],
)
def test_who_may_delete_a_draft(kind, values, role, user, allowed):
    problem = rules.check_delete(kind, values, role, user)
    assert (problem is None) == allowed, problem
    if problem is not None:
        assert problem.zh and problem.en


def _sync(ui) -> None:
    ui.sync_action.trigger()
    wait_until(lambda: ui.task is None, 60)
    assert ui.last_summary is not None and not ui.last_summary.errors, ui.last_message


def _answer_yes(box):
    assert isinstance(box, QMessageBox), type(box)
    assert "photos are deleted with it" in box.text() or "cannot be undone" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()


@pytest.mark.display
def test_delete_a_draft_from_the_dock_and_sync_it(iface, demo_server, tool, log_in, tmp_path, qgis_new_project):
    from shuibao.ui.sync_ui import SyncUi

    path = tmp_path / "ann.gpkg"
    tool("demo_server").first_sync_store(demo_server.url, *demo_server.users["inspector"], path)
    layers = open_store_in_project(str(path), QgsProject.instance(), language="en")
    bar = QgsMessageBar(iface.mainWindow())
    iface.messageBar = lambda: bar
    toolbar = QToolBar("t", iface.mainWindow())
    ui = SyncUi(iface, iface.mainWindow())
    ui.init_gui(toolbar=toolbar)
    dock = open_dock(DamDock, iface)
    try:
        log_in("inspector", path)
        dam = next(layers["dam"].getFeatures())
        dock.select_fid(dam.id())
        dock.show()
        click(dock, "create:dam_inspection")
        press_ok(form_of(dock))  # the new inspection's form, saved as a draft
        draft = dock.last_outcome.fid
        uuid = actions.get_feature(layers["dam_inspection"], draft)["uuid"]
        _sync(ui)  # the draft reaches the server
        assert ("dam_inspection", uuid) in _server_records(demo_server, "demo_tech")

        log_in("demo_inspector2", path)  # another inspector on this laptop: not theirs to delete
        dock.select_fid(dam.id())
        assert dock.select_child("dam_inspection", draft)
        assert "delete:dam_inspection" not in dock.buttons

        log_in("technician", path)  # a technician may delete any draft
        dock.select_child("dam_inspection", draft)
        dialogs = Dialogs(_answer_yes)
        dock.buttons["delete:dam_inspection"].click()
        assert dialogs.done()
        assert actions.get_feature(layers["dam_inspection"], draft) is None
        pending = [c for c in Store(path).pending_changes() if c.uuid == uuid]
        assert [c.op for c in pending] == ["delete"]  # captured like any edit
        assert not dock.select_child("dam_inspection", draft)  # gone from the timeline
        _sync(ui)
        assert ("dam_inspection", uuid) not in _server_records(demo_server, "demo_tech")
        assert ui.last_summary.rejected == 0
    finally:
        dock.disconnect_all()
        dock.deleteLater()
        ui.unload()
        toolbar.deleteLater()


def _server_records(demo_server, user: str) -> set[tuple[str, str]]:
    from shuibao.sync.api import ApiClient

    api = ApiClient(demo_server.url)
    api.login(*demo_server.users[user], "inspect-drafts")
    seen: dict[tuple[str, str], bool] = {}
    cursor = None
    while True:
        page = api.pull(cursor, 5000)
        for item in page["items"]:
            seen[(item["kind"], item["uuid"])] = not item["deleted"]
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    api.close()
    return {key for key, alive in seen.items() if alive}


@pytest.mark.display
def test_cancel_keeps_the_draft(iface, small_store, log_in):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="en")
    log_in("inspector", small_store)
    dock = open_dock(DamDock, iface)
    try:
        dam = next(layers["dam"].getFeatures())
        dock.select_fid(dam.id())
        dock.show()
        click(dock, "create:dam_inspection")
        press_ok(form_of(dock))  # the new inspection's form, saved as a draft
        draft = dock.last_outcome.fid
        dock.select_child("dam_inspection", draft)
        dialogs = Dialogs(lambda box: box.button(QMessageBox.StandardButton.No).click())
        assert not dock.delete_draft("dam_inspection", draft)
        assert dialogs.done() and actions.get_feature(layers["dam_inspection"], draft) is not None
    finally:
        dock.disconnect_all()
        dock.deleteLater()


def test_the_server_refuses_a_delete_the_model_forbids(tmp_path):
    import uuid as uuidlib

    from shuibao_sync_harness import Server, dam, delete, new_store, sync

    (tmp_path / "srv").mkdir()
    server = Server(tmp_path / "srv")
    for name in ("ann", "bob"):
        server.add_user(name)
    server.start()
    try:
        ann, bob = new_store(tmp_path / "ann.gpkg"), new_store(tmp_path / "bob.gpkg")
        d = dam()
        draft = {"uuid": str(uuidlib.uuid4()), "county_code": d["county_code"], "dam_uuid": d["uuid"],
                 "kind": "flood_patrol", "inspected_at": "2026-07-01T09:00:00", "inspector": "ann", "step": "draft",
                 "position_source": "map", "geom": d["geom"]}  # fmt: skip
        ann.insert_records("dam", [d])
        ann.insert_records("dam_inspection", [draft])
        assert sync(ann, server, "ann").sent == 2
        sync(bob, server, "bob")
        delete(bob, "dam_inspection", draft["uuid"])  # bob deletes ann's draft behind the dock's back
        assert sync(bob, server, "bob").rejected == 1
    finally:
        server.stop()


@pytest.mark.display
def test_a_new_hazard_is_named_by_its_first_step_not_as_a_draft(iface, small_store, log_in):
    """A hazard has no draft step: it starts 待整改, and its form and the dock's delete say so."""
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    log_in("inspector", small_store)
    dock = open_dock(DamDock, iface)
    try:
        dam = next(layers["dam"].getFeatures())
        dock.select_fid(dam.id())
        dock.show()
        click(dock, "create:dam_hazard")
        form = form_of(dock)
        said = panel_text(form)
        assert "a draft" not in said and "before it can be saved" in said, said  # 待整改 needs them
        fill(form, description="坝坡裂缝", severity="一般隐患", measure="灌浆封闭", responsible_person="张三",
             deadline="2026-12-31")  # fmt: skip
        press_ok(form)
        assert dock.form is None, form.panel.text()
        wait_until(lambda: dock.form is None)
        hazard = dock.last_outcome.fid
        dock.select_child("dam_hazard", hazard)
        assert dock.buttons["delete:dam_hazard"].text() == "Delete this record (待整改)"
        said = []
        dialogs = Dialogs(lambda box: (said.append(box.text()), box.button(QMessageBox.StandardButton.No).click()))
        assert not dock.delete_draft("dam_hazard", hazard)
        assert dialogs.done() and "draft" not in said[0] and "(Open)" in said[0], said  # the plugin runs in English
    finally:
        dock.disconnect_all()
        dock.deleteLater()
    problem = rules.check_delete("dam_hazard", {"step": "open", "created_by": "bob"}, "inspector", "ann")
    assert "“待整改”的记录" in problem.zh and "草稿" not in problem.zh
