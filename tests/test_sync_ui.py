"""The sync UI against a real server: actions and unload, a sync from the UI, conflicts on the map
and in the dialog, the login dialog's use of the auth DB, and the demo server."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsProject, QgsSettings
from qgis.PyQt.QtWidgets import QToolBar
from shuibao_ui_harness import wait_until


def _load(name: str, path: Path):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


HERE = Path(__file__).resolve().parent
h = _load("shuibao_sync_harness", HERE / "sync_harness.py")
PASSWORD, Server, dam, new_store, update = h.PASSWORD, h.Server, h.dam, h.new_store, h.update


@pytest.fixture
def server(tmp_path):
    (tmp_path / "server").mkdir()
    srv = Server(tmp_path / "server")
    for name in ("ann", "bob"):
        srv.add_user(name)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def ui(iface, message_bar):
    from shuibao.ui.sync_ui import SyncUi

    toolbar = QToolBar("t", iface.mainWindow())
    sync_ui = SyncUi(iface, iface.mainWindow())
    sync_ui.init_gui(toolbar=toolbar)
    yield sync_ui
    sync_ui.unload()
    toolbar.deleteLater()


def test_init_and_unload_leave_nothing(iface, flush_deletes):
    from shuibao.ui.sync_ui import SyncUi

    toolbar = QToolBar("t", iface.mainWindow())
    registry = QgsApplication.processingRegistry()
    sync_ui = SyncUi(iface, iface.mainWindow())
    sync_ui.init_gui(toolbar=toolbar)
    sync_ui.init_processing()
    names = [a.objectName() for a in toolbar.actions()]
    assert names == ["ShuibaoSyncAction", "ShuibaoLoginAction", "ShuibaoConflictsAction", "ShuibaoIdentityAction"]
    menu = [a.objectName() for a in iface.plugin_menus[SyncUi.MENU].actions()]
    assert menu == [*names[:3], "ShuibaoRejectedAction"]  # refused edits: in the menu and the sync summary
    assert registry.providerById("shuibao") is not None
    sync_action = sync_ui.sync_action
    connected = sync_action.receivers(sync_action.triggered)
    assert connected >= 1
    sync_ui.unload()
    assert toolbar.actions() == []
    assert SyncUi.MENU not in iface.plugin_menus
    assert registry.providerById("shuibao") is None
    assert sync_ui.actions == [] and sync_ui._connections == [] and sync_ui.task is None
    assert sync_action.receivers(sync_action.triggered) < connected  # our slot is gone
    flush_deletes()


def test_sync_from_ui_reports_counts(server, ui, tmp_path, qgis_new_project):
    from shuibao.layers.project import open_store_in_project

    path = tmp_path / "ann.gpkg"
    store = new_store(path)
    store.insert_records("dam", [dam(name="一号坝"), dam(name="二号坝")])
    layers = open_store_in_project(str(path), QgsProject.instance())
    synced = []
    ui.on_synced = lambda p, s: synced.append((p, s))
    assert ui.current_store() == str(path)
    assert ui.start_sync(str(path), server.url, "ann", PASSWORD)
    assert ui.progress_bar is not None  # the progress bar in the message bar
    wait_until(lambda: ui.task is None)
    assert ui.progress_bar is None
    assert "2 sent" in ui.last_message and "0 conflicts" in ui.last_message, ui.last_message
    assert synced and synced[0][1].sent == 2
    assert layers["dam"].featureCount() == 2
    assert store.pending_changes() == []


def test_sync_errors_are_clear(server, ui, tmp_path, qgis_new_project):
    path = tmp_path / "ann.gpkg"
    new_store(path)
    assert ui.start_sync(str(path), server.url, "ann", "wrong password")
    wait_until(lambda: ui.task is None)
    assert "wrong user name or password" in ui.last_message
    assert ui.start_sync(str(path), "http://127.0.0.1:9", "ann", PASSWORD)
    ui.task.settings.batch_size = 10
    wait_until(lambda: ui.task is None, 60)
    assert "Cannot reach the server" in ui.last_message


def _conflicted_store(server, tmp_path):
    """bob's store with two open conflicts on one dam (name, and the enum hazard_status)."""
    s1, s2 = new_store(tmp_path / "ann.gpkg"), new_store(tmp_path / "bob.gpkg")
    d = dam(name="石门坝", hazard_status="normal")
    s1.insert_records("dam", [d])
    assert h.sync(s1, server, "ann").sent == 1
    h.sync(s2, server, "bob")
    update(s1, "dam", d["uuid"], name="甲", hazard_status="dangerous")
    assert h.sync(s1, server, "ann").sent == 1
    update(s2, "dam", d["uuid"], name="乙", hazard_status="reinforcing")
    assert h.sync(s2, server, "bob").conflicts == 2
    return s2, d


def test_conflict_on_map_and_in_dialog(server, tmp_path, qgis_new_project):
    from shuibao.layers.conflicts import add_conflict_layer, refresh_conflict_layers
    from shuibao.layers.project import open_store_in_project
    from shuibao.ui.conflict_dialog import ConflictDialog

    s2, d = _conflicted_store(server, tmp_path)
    project = QgsProject.instance()
    open_store_in_project(str(s2.path), project, language="en")
    layers = add_conflict_layer(str(s2.path), project, language="en")
    again = add_conflict_layer(str(s2.path), project, language="en")  # idempotent
    assert {k: v.id() for k, v in again.items()} == {k: v.id() for k, v in layers.items()}
    assert layers["point"].featureCount() == 1 and layers["area"].featureCount() == 0
    (feature,) = list(layers["point"].getFeatures())
    assert feature["uuid"] == d["uuid"] and int(feature["conflicts"]) == 2

    dialog = ConflictDialog(str(s2.path), language="en")
    rows = {r["name"]: r for r in dialog.model_rows()}
    assert set(rows) == {"name", "hazard_status"}
    assert (rows["name"]["mine"], rows["name"]["theirs"], rows["name"]["base"]) == ("乙", "甲", "石门坝")
    assert rows["name"]["field"] == "Dam name" and rows["name"]["who"].startswith("ann")
    assert rows["hazard_status"]["theirs"] != "dangerous"  # enum codes shown as labels
    assert rows["name"]["record"].startswith("Check dam D-")
    dialog.set_choice(rows["name"]["id"], "value", "丙")
    dialog.set_choice(rows["hazard_status"]["id"], "theirs")
    assert dialog.apply() == 2
    assert dialog.model_rows() == []
    assert refresh_conflict_layers(str(s2.path), project) == 0
    dialog.deleteLater()

    summary = h.sync(s2, server, "bob")
    assert summary.sent == 1 and summary.conflicts == 0
    values = server.contents("ann")[("dam", d["uuid"])]
    assert values["name"] == "丙" and values["hazard_status"] == "dangerous"
    assert server.conflicts("bob") == []


def test_dock_badges_show_each_sync_state(server, tmp_path, qgis_new_project):
    from qgis.PyQt.QtCore import Qt
    from shuibao.layers.project import open_store_in_project
    from shuibao.ui.docks import DamDock
    from shuibao.ui.feature_model import CONFLICT, PENDING, SYNC_COLOURS, SYNC_COLUMN, SYNCED, UUID, sync_label

    s2, conflicted = _conflicted_store(server, tmp_path)
    synced, edited, local = dam(name="已同步坝"), dam(name="改过坝"), dam(name="新坝")
    s2.insert_records("dam", [synced, edited])
    assert h.sync(s2, server, "bob").sent == 2
    update(s2, "dam", edited["uuid"], name="又改过坝")
    s2.insert_records("dam", [local])  # a new dam stays "pending" until it is pushed
    open_store_in_project(str(s2.path), QgsProject.instance(), language="en")
    dock = DamDock(None, lang="en")
    try:
        model = dock.model
        shown = {model.row_values(r)[UUID]: model.index(r, SYNC_COLUMN).data() for r in range(model.rowCount())}
        assert shown == {
            conflicted["uuid"]: sync_label(CONFLICT),
            synced["uuid"]: sync_label(SYNCED),
            edited["uuid"]: sync_label(PENDING),
            local["uuid"]: sync_label(PENDING),
        }
        model.sort(SYNC_COLUMN, Qt.SortOrder.AscendingOrder)
        states = [model.sync_state(model.row_values(r)) for r in range(model.rowCount())]
        assert states == [CONFLICT, PENDING, PENDING, SYNCED]
        colours = [model.index(r, SYNC_COLUMN).data(Qt.ItemDataRole.DecorationRole).name() for r in range(4)]
        assert colours == [SYNC_COLOURS[s] for s in states]
        # After a sync that sends them, the two edited dams read as synced; the conflict stays.
        assert h.sync(s2, server, "bob").sent == 2
        dock.reload()
        states = sorted(model.sync_state(model.row_values(r)) for r in range(model.rowCount()))
        assert states == [CONFLICT, SYNCED, SYNCED, SYNCED]
    finally:
        dock.disconnect_all()
        dock.deleteLater()


def test_login_dialog_keeps_secrets_in_auth_db(server, auth_db, tmp_path):
    from shuibao.sync import credentials
    from shuibao.ui.login_dialog import LoginDialog

    path = tmp_path / "ann.gpkg"
    new_store(path)
    dialog = LoginDialog(None, store_path=str(path))
    dialog.url_edit.setText(server.url + "/")
    dialog.test_connection()
    wait_until(lambda: dialog.task is None)
    assert "compatible with this plugin" in dialog.status_label.text()
    dialog.user_edit.setText("ann")
    dialog.password_edit.setText("wrong")
    dialog.log_in()
    wait_until(lambda: dialog.task is None)
    assert "wrong user name or password" in dialog.status_label.text()
    dialog.password_edit.setText(PASSWORD)
    dialog.remember_box.setChecked(False)
    dialog.log_in()
    wait_until(lambda: dialog.task is None)
    assert dialog.result() == LoginDialog.DialogCode.Accepted
    saved = credentials.load()
    assert saved["username"] == "ann" and saved["token"] and saved["password"] == ""
    assert credentials.server_url() == server.url
    settings = QgsSettings()
    values = [str(settings.value(k)) for k in settings.allKeys()]
    assert not any(saved["token"] in v or PASSWORD in v for v in values)
    # the token works for a sync of that store, without the password
    from shuibao.sync.api import ApiClient
    from shuibao.sync.engine import SyncEngine

    api = ApiClient(server.url, saved["token"])
    with SyncEngine(path, api) as engine:
        assert engine.sync().errors == []
    api.close()
    dialog.deleteLater()


def test_demo_server_and_first_sync(tmp_path):
    demo = _load("shuibao_tools_demo_server", HERE.parent / "tools" / "demo_server.py")
    from shuibao.layers.store import Store

    process, url, users = demo.start_demo_server(tmp_path / "srv", h.free_port(), small=True)
    try:
        name, _role, password = users[0]
        summary = demo.first_sync_store(url, name, password, tmp_path / "first.gpkg")
        assert summary.received > 0 and not summary.errors
        store = Store(tmp_path / "first.gpkg")
        data = demo._demo_data().generate(size=demo._demo_data().DemoSize.small())
        for kind in ("dam", "patch", "watershed"):
            assert store.count(kind) == len(data[kind]) > 0
        with pytest.raises(Exception):  # noqa: B017 - never overwrites a store
            demo.first_sync_store(url, name, password, tmp_path / "first.gpkg")
    finally:
        demo.stop_server(process)
    assert process.poll() is not None
