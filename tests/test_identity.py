"""The user is the logged-in user: the login dialog sets who acts (name, role, counties), the docks
and forms follow, a new login switches it, and the last identity stays for offline work."""

from __future__ import annotations

import pytest
from qgis.core import QgsExpressionContextUtils, QgsProject, QgsSettings
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication, QDialogButtonBox
from shuibao import settings
from shuibao.layers.project import open_store_in_project
from shuibao.ui import actions
from shuibao.ui.docks import DamDock
from shuibao_sync_harness import PASSWORD, Server
from shuibao_ui_harness import click, form_of, open_dock, press_ok, shown_text, wait_until
from shuibao_ui_harness import log_in as dialog_log_in


def _answer_login(username: str, password: str, url: str | None = None):
    """When the login dialog opens (modal), type the user and password and press 登录, as a person does."""

    def fill():
        dialog = QApplication.activeModalWidget()
        assert dialog is not None and dialog.objectName() == "ShuibaoLoginDialog"
        if url is not None:
            dialog.url_edit.setText(url)
        dialog.user_edit.setText(username)
        dialog.password_edit.setText(password)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(0, fill)


def test_login_sets_who_acts_and_a_new_login_switches_it(plugin, iface, small_store, demo_server, auth_db):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    dock = open_dock(DamDock, iface)
    button = plugin.sync_ui.identity_button
    try:
        dam = next(layers["dam"].getFeatures())
        dock.select_fid(dam.id())
        assert button.text().endswith("Not logged in")
        assert not [name for name in dock.buttons if name.startswith(("create:", "step:"))]  # nobody: no step

        _answer_login("demo_inspector", "demo-inspector-pass", demo_server.url)
        button.click()  # the toolbar's who-is-logged-in button opens the login dialog
        who = settings.identity()
        assert (who.username, who.role, who.counties) == ("demo_inspector", "inspector", ("360704",))
        assert "demo_inspector" in button.text() and "Inspector" in button.text()
        assert "create:dam_inspection" in dock.buttons and "step:dam:delisted" not in dock.buttons
        scope = QgsExpressionContextUtils.projectScope(QgsProject.instance())
        assert scope.variable("shuibao_user") == "demo_inspector"

        dock.show()
        click(dock, "create:dam_inspection")
        form = form_of(dock)
        assert shown_text(form, "inspector") == "demo_inspector"
        press_ok(form)
        inspection = actions.get_feature(layers["dam_inspection"], dock.last_outcome.fid)
        assert inspection["inspector"] == "demo_inspector"  # the logged-in user, not the computer's account

        _answer_login("demo_tech", "demo-tech-pass")
        plugin.sync_ui.login_action.trigger()  # 服务器与登录… as someone else
        assert (settings.identity().username, settings.role()) == ("demo_tech", "technician")
        assert "demo_tech" in button.text() and "Technician" in button.text()
        assert "step:dam:delisted" in dock.buttons  # the dock rebuilt its buttons for the technician
        scope = QgsExpressionContextUtils.projectScope(QgsProject.instance())
        assert scope.variable("shuibao_user") == "demo_tech"
        values = [str(QgsSettings().value(k)) for k in QgsSettings().allKeys()]
        assert not any("demo-tech-pass" in v or "demo-inspector-pass" in v for v in values)
    finally:
        dock.disconnect_all()
        dock.deleteLater()


def test_identity_is_kept_offline_and_per_server(iface, small_store, tmp_path, auth_db):
    servers = []
    for name, user, role in (("a", "ann", "inspector"), ("b", "bob", "technician")):
        (tmp_path / name).mkdir()
        server = Server(tmp_path / name)
        server.add_user(user, role, counties=("360704",))
        servers.append(server.start())
    a, b = servers
    try:
        dialog_log_in(a.url, "ann", PASSWORD, small_store)
        a.stop()  # the laptop goes to the field: no server
        open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
        dock = open_dock(DamDock, iface)  # as after a restart of QGIS
        try:
            dock.select_fid(next(dock.layer.getFeatures()).id())
            assert settings.identity().username == "ann" and "create:dam_inspection" in dock.buttons

            dialog_log_in(b.url, "bob", PASSWORD)  # another server, another account
            assert settings.identity().username == "bob" and "step:dam:delisted" in dock.buttons
            assert settings.identity(a.url).username == "ann"  # each server keeps its own

            from shuibao.ui.login_dialog import LoginDialog

            login = LoginDialog(None)
            login.url_edit.setText(a.url + "/")
            assert login.who_label.text().startswith("ann")  # typing a server shows who was last logged in there
            login.deleteLater()
        finally:
            dock.disconnect_all()
            dock.deleteLater()
    finally:
        for server in servers:
            server.stop()


def test_role_change_on_the_server_shows_after_a_sync(iface, message_bar, tmp_path, auth_db, qgis_new_project):
    from qgis.PyQt.QtWidgets import QToolBar
    from shuibao.ui.sync_ui import SyncUi
    from shuibao_sync_harness import new_store

    (tmp_path / "srv").mkdir()
    server = Server(tmp_path / "srv").start()
    server.add_user("cai", "inspector", counties=("360704",))
    path = tmp_path / "cai.gpkg"
    new_store(path)
    open_store_in_project(str(path), QgsProject.instance())
    toolbar = QToolBar("t", iface.mainWindow())
    ui = SyncUi(iface, iface.mainWindow())
    ui.init_gui(toolbar=toolbar)
    try:
        dialog_log_in(server.url, "cai", PASSWORD, path)
        assert settings.role() == "inspector"
        engine = server._engine()
        with engine.begin() as conn:  # the county centre makes cai a technician
            from shuibao_server import tables as t

            conn.execute(t.users.update().where(t.users.c.username == "cai").values(role="technician"))
        engine.dispose()
        ui.sync_action.trigger()
        wait_until(lambda: ui.task is None)
        assert settings.role() == "technician" and "Technician" in ui.identity_button.text()
    finally:
        ui.unload()
        toolbar.deleteLater()
        server.stop()


def test_change_password_in_the_login_dialog(tmp_path, auth_db):
    from qgis.PyQt.QtWidgets import QDialogButtonBox
    from shuibao.sync import credentials
    from shuibao.sync.api import ApiClient, AuthError
    from shuibao.ui.login_dialog import LoginDialog
    from shuibao_sync_harness import new_store
    from shuibao_ui_harness import Dialogs

    (tmp_path / "srv").mkdir()
    server = Server(tmp_path / "srv")
    server.add_user("dan", "inspector", counties=("360704",))
    server.start()
    store = tmp_path / "dan.gpkg"
    new_store(store)
    other = ApiClient(server.url)
    other.login("dan", PASSWORD, "dan-second-laptop")  # dan is also logged in on another laptop
    new = "绿水青山-2026"
    said = []

    def change(dialog):
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        for old, first, second in (("wrong-password", new, new), (PASSWORD, new, new + "x"), (PASSWORD, PASSWORD, PASSWORD),
                                   (PASSWORD, new, new)):  # fmt: skip
            dialog.old_edit.setText(old)
            dialog.new_edit.setText(first)
            dialog.repeat_edit.setText(second)
            ok.click()
            wait_until(lambda: dialog.task is None)
            said.append(dialog.status_label.text())

    try:
        login = LoginDialog(None, store_path=str(store))
        login.url_edit.setText(server.url)
        login.user_edit.setText("dan")
        dialogs = Dialogs(change)
        login.password_button.click()  # 修改密码…
        assert dialogs.done()
        wrong, differ, weak = said[:3]
        assert "current password is wrong" in wrong
        assert "differ" in differ
        assert "新密码不能与原密码相同" in weak  # the server's reason, in Chinese
        assert "Password changed" in login.status_label.text()
        assert login.password_edit.text() == new and settings.identity().username == "dan"
        login.deleteLater()

        token = credentials.load()["token"]
        with pytest.raises(AuthError):
            other.me()  # the other laptop must log in again
        mine = ApiClient(server.url, token)
        assert mine.me()["username"] == "dan"  # this laptop stays logged in, bound to its store
        mine.close()
        with pytest.raises(AuthError):
            ApiClient(server.url).login("dan", PASSWORD, "x")
        assert ApiClient(server.url).login("dan", new, "x")["user"]["username"] == "dan"
    finally:
        other.close()
        server.stop()


def test_log_out_forgets_the_login_on_this_computer(tmp_path, auth_db):
    from qgis.PyQt.QtWidgets import QMessageBox
    from shuibao.sync import credentials
    from shuibao.sync.api import ApiClient, AuthError
    from shuibao.ui.login_dialog import LoginDialog
    from shuibao_sync_harness import dam, new_store
    from shuibao_ui_harness import Dialogs

    (tmp_path / "srv").mkdir()
    server = Server(tmp_path / "srv")
    server.add_user("eve", "inspector", counties=("360704",))
    server.start()
    try:
        store = new_store(tmp_path / "eve.gpkg")
        dialog_log_in(server.url, "eve", PASSWORD, store.path)
        store.insert_records("dam", [dam(county="360704")])  # an edit not synced yet
        token = credentials.load()["token"]
        said = []

        def yes(box):
            said.append(box.text())
            box.button(QMessageBox.StandardButton.Yes).click()

        login = LoginDialog(None, store_path=str(store.path))
        assert login.who_label.text().startswith("eve") and not login.logout_button.isHidden()
        dialogs = Dialogs(yes)
        login.logout_button.click()
        assert dialogs.done()
        wait_until(lambda: login.task is None)
        assert "1 edits in the open store are not synced yet" in said[0]
        assert not settings.identity().known and settings.role() == ""
        assert credentials.load()["token"] == "" and login.logout_button.isHidden()
        with pytest.raises(AuthError):
            ApiClient(server.url, token).me()  # revoked on the server too
        login.deleteLater()
    finally:
        server.stop()
