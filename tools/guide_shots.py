"""Screenshots for the user guide (docs/guide/): the first minutes, the login, the password, the
rejected edits, the conflicts and the guide itself, taken in real QGIS in Chinese.

    .venv/bin/python tools/guide_shots.py [--out DIR]     # default docs/guide; look at every PNG

Starts the demo sync server with the small demo county (data in build/guide/server), runs QGIS
(under Xvfb when there is no display) with a fresh Chinese profile, and drives the plugin the way
a person does: the dock's 连接服务器并下载本县数据 with the login dialog typed in, a second
inspector's edit of the same field for a conflict, an edit the server refuses. Each picture is a
grab of the dialog or dock a person is looking at, plus a full-screen shot (screen-*.png) to check
the toolbar.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shotkit

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "guide"

# Runs inside QGIS (its own Python, with shotkit): the steps run one after another on the event loop.
SHOTS = r'''
from qgis.PyQt.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLineEdit
from qgis.utils import iface


def on_modal(handler, kind=None):
    """Answer the next modal dialog (of `kind`), as a person typing into it."""
    def poll():
        widget = QApplication.activeModalWidget()
        if widget is None or (kind is not None and not isinstance(widget, kind)):
            later(100, poll)
        else:
            handler(widget)
    later(100, poll)


def type_login(user, shot=None):
    name, password = USERS[user]
    def handle(dialog):
        dialog.url_edit.setText(URL)
        dialog.user_edit.setText(name)
        dialog.password_edit.setText(password)
        if shot:
            save(dialog, OUT / shot)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    return handle


def type_file(path):
    def handle(dialog):
        dialog.findChild(QLineEdit, "fileNameEdit").setText(str(path))
        box = dialog.findChild(QDialogButtonBox, "buttonBox")
        (box.button(QDialogButtonBox.StandardButton.Save) or box.button(QDialogButtonBox.StandardButton.Open)).click()
    return handle


@step
def start():
    main_window()
    master_password("guide-master-password")
    show_dock("ShuibaoDamDock", 440)
    run_next(1500)


@step
def first_minutes():
    dock = plugin().dock("ShuibaoDamDock")
    save(dock, OUT / "start.png")
    grab_screen(WORK / "screen-start.png")
    pages = plugin().pages[plugin().docks.index(dock)]
    on_modal(type_login("inspector", "login-first.png"))
    on_modal(type_file(WORK / "inspector.gpkg"), QFileDialog)
    pages.panel.download_button.click()
    when(lambda: not pages.showing_start() and plugin().sync_ui.task is None, lambda: run_next(3000))


@step
def logged_in():
    grab_screen(WORK / "screen-logged-in.png")
    from shuibao.ui.login_dialog import LoginDialog
    dialog = LoginDialog(iface.mainWindow())
    dialog.show()
    keep(dialog)
    later(500, lambda: (save(dialog, OUT / "login.png"), open_password(dialog)))


def open_password(login):
    from shuibao.ui.login_dialog import PasswordDialog
    dialog = PasswordDialog(login, URL, login.user_edit.text(), "")
    dialog.old_edit.setText("not-my-password")
    dialog.new_edit.setText("绿水青山-2026")
    dialog.repeat_edit.setText("绿水青山-2026")
    dialog.show()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()  # the server says: wrong password
    keep(dialog)
    when(lambda: dialog.task is None, lambda: later(300, lambda: (
        save(dialog, OUT / "password.png"), dialog.close(), login.close(), run_next())))


def type_into_form(layer, fid, field, text):
    """As in QGIS: editing on, the feature's form, the value typed, OK, the layer's edits saved."""
    from qgis.gui import QgsAttributeDialog, QgsAttributeEditorContext, QgsEditorWidgetWrapper
    from qgis.PyQt.QtWidgets import QWidget
    layer.startEditing()
    dialog = QgsAttributeDialog(layer, layer.getFeature(fid), False, None, True, QgsAttributeEditorContext())
    box = dialog.attributeForm().findChild(QWidget, field)
    wrapper = next(w for w in (QgsEditorWidgetWrapper.fromWidget(c) for c in [box] + box.findChildren(QWidget)) if w)
    wrapper.setValues(text, [])
    dialog.accept()
    layer.commitChanges()


def other_inspector_edits(code, value):
    """The second inspector's laptop: downloads, types the value, syncs (before this one does)."""
    from shuibao.layers.store import Store
    from shuibao.sync.run import run_sync

    name, password = USERS["demo_inspector2"]
    path = WORK / "other.gpkg"
    run_sync(path, URL, username=name, password=password, first=True)
    conn = Store(path).connect()
    conn.execute("UPDATE dam SET current_silt_elevation = ? WHERE code = ?", (value, code))
    conn.commit()
    conn.close()
    run_sync(path, URL, username=name, password=password)


def dam_fids(n):
    layer = plugin().dock("ShuibaoDamDock").layer
    return layer, [f.id() for f in layer.getFeatures()][:n]


@step
def conflict():
    layer, (fid, *_rest) = dam_fids(1)
    code = layer.getFeature(fid)["code"]
    other_inspector_edits(code, 1205.9)
    type_into_form(layer, fid, "current_silt_elevation", 1206.4)
    plugin().sync_ui.sync_action.trigger()
    when(lambda: plugin().sync_ui.task is None, lambda: later(1000, open_conflicts))


def open_conflicts():
    grab_screen(WORK / "screen-conflict-summary.png")
    def handle(dialog):
        row = dialog.model_rows()[0]
        dialog.set_choice(row["id"], "theirs")
        later(500, lambda: (save(dialog, OUT / "conflict.png"), dialog.close(), run_next()))
    on_modal(handle)
    plugin().sync_ui.show_conflicts()


@step
def rejected():
    layer, fids = dam_fids(4)
    type_into_form(layer, fids[2], "dam_height", 150.0)  # meant 15.0
    layer.startEditing()
    layer.deleteFeature(fids[3])  # an inspector deletes a dam with QGIS's own tool
    layer.commitChanges()
    plugin().sync_ui.sync_action.trigger()
    when(lambda: plugin().sync_ui.task is None, lambda: later(1000, open_rejected))


def open_rejected():
    grab_screen(WORK / "screen-rejected-summary.png")
    def handle(dialog):
        dialog.resize(1100, 300)
        later(500, lambda: (save(dialog, OUT / "rejected.png"), dialog.close(), run_next()))
    on_modal(handle)
    plugin().sync_ui.show_rejected()


@step
def help_window():
    plugin().show_help()
    dialog = plugin().help_dialog
    later(800, lambda: (save(dialog, OUT / "help.png"), dialog.close(), run_next()))


run_next(1500)
'''


def main() -> int:
    args = shotkit.arguments(shotkit.parser(__doc__, ROOT / "docs" / "guide"))
    shotkit.cleared(BUILD, "*.gpkg*")
    with shotkit.demo_server(BUILD / "server", 8775, small=True) as (url, users):
        roles = {}
        for name, role, password in users:
            roles.setdefault(role, (name, password))
            roles[name] = (name, password)
        ok = shotkit.run_qgis(BUILD, SHOTS, timeout=300, server_url=url, out=args.out, work=BUILD, url=url, users=roles)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
