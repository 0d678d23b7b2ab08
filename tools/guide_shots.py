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

import argparse
import os
import subprocess  # nosec B404 - fixed argv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "guide"

# Runs inside QGIS (its own Python): the steps run one after another on the event loop.
SHOTS = r'''
import traceback
from pathlib import Path

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QTimer, Qt
from qgis.PyQt.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLineEdit
from qgis.utils import iface, plugins

OUT = Path({out!r})
WORK = Path({work!r})
URL = {url!r}
USERS = {users!r}
READY = WORK / "ready"
LOG = WORK / "log.txt"
_keep = []
STEPS = []


def log(text):
    with LOG.open("a", encoding="utf-8") as f:
        f.write(str(text) + "\n")


def step(fn):
    STEPS.append(fn)
    return fn


def run_next(delay=800):
    def go():
        if not STEPS:
            READY.write_text("done")
            return
        fn = STEPS.pop(0)
        log("step " + fn.__name__)
        try:
            fn()
        except Exception:  # noqa: BLE001 - report, never hang
            log(traceback.format_exc())
            READY.write_text("failed")
    QTimer.singleShot(delay, go)


def when(condition, then, timeout=120000, every=250):
    waited = [0]
    def poll():
        if condition():
            then()
        elif waited[0] > timeout:
            log("timed out waiting")
            READY.write_text("failed")
        else:
            waited[0] += every
            QTimer.singleShot(every, poll)
    poll()


def save(widget, name):
    widget.grab().save(str(OUT / name))
    log("saved " + name)


def screen(name):
    import subprocess
    subprocess.run(["import", "-window", "root", str(WORK / name)], check=False)


def plugin():
    return plugins["shuibao"]


def on_modal(handler, kind=None):
    """Answer the next modal dialog (of `kind`), as a person typing into it."""
    def poll():
        widget = QApplication.activeModalWidget()
        if widget is None or (kind is not None and not isinstance(widget, kind)):
            QTimer.singleShot(100, poll)
        else:
            try:
                handler(widget)
            except Exception:  # noqa: BLE001
                log(traceback.format_exc())
    QTimer.singleShot(100, poll)


def type_login(user, shot=None):
    name, password = USERS[user]
    def handle(dialog):
        dialog.url_edit.setText(URL)
        dialog.user_edit.setText(name)
        dialog.password_edit.setText(password)
        if shot:
            save(dialog, shot)
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
    window = iface.mainWindow()
    window.setGeometry(0, 0, 1600, 1000)
    window.showMaximized()
    manager = QgsApplication.authManager()
    if not manager.masterPasswordIsSet():
        manager.setMasterPassword("guide-master-password", True)
    dock = plugin().dock("ShuibaoDamDock")
    dock.setUserVisible(True)
    dock.raise_()
    window.resizeDocks([dock], [440], Qt.Horizontal)
    run_next(1500)


@step
def first_minutes():
    dock = plugin().dock("ShuibaoDamDock")
    save(dock, "start.png")
    screen("screen-start.png")
    pages = plugin().pages[plugin().docks.index(dock)]
    on_modal(type_login("inspector", "login-first.png"))
    on_modal(type_file(WORK / "inspector.gpkg"), QFileDialog)
    pages.panel.download_button.click()
    when(lambda: not pages.showing_start() and plugin().sync_ui.task is None, lambda: run_next(3000))


@step
def logged_in():
    screen("screen-logged-in.png")
    from shuibao.ui.login_dialog import LoginDialog
    dialog = LoginDialog(iface.mainWindow())
    dialog.show()
    _keep.append(dialog)
    QTimer.singleShot(500, lambda: (save(dialog, "login.png"), open_password(dialog)))


def open_password(login):
    from shuibao.ui.login_dialog import PasswordDialog
    dialog = PasswordDialog(login, URL, login.user_edit.text(), "")
    dialog.old_edit.setText("not-my-password")
    dialog.new_edit.setText("绿水青山-2026")
    dialog.repeat_edit.setText("绿水青山-2026")
    dialog.show()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()  # the server says: wrong password
    _keep.append(dialog)
    when(lambda: dialog.task is None, lambda: QTimer.singleShot(300, lambda: (
        save(dialog, "password.png"), dialog.close(), login.close(), run_next())))


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
    when(lambda: plugin().sync_ui.task is None, lambda: QTimer.singleShot(1000, open_conflicts))


def open_conflicts():
    screen("screen-conflict-summary.png")
    def handle(dialog):
        row = dialog.model_rows()[0]
        dialog.set_choice(row["id"], "theirs")
        QTimer.singleShot(500, lambda: (save(dialog, "conflict.png"), dialog.close(), run_next()))
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
    when(lambda: plugin().sync_ui.task is None, lambda: QTimer.singleShot(1000, open_rejected))


def open_rejected():
    screen("screen-rejected-summary.png")
    def handle(dialog):
        dialog.resize(1100, 300)
        QTimer.singleShot(500, lambda: (save(dialog, "rejected.png"), dialog.close(), run_next()))
    on_modal(handle)
    plugin().sync_ui.show_rejected()


@step
def help_window():
    plugin().show_help()
    dialog = plugin().help_dialog
    QTimer.singleShot(800, lambda: (save(dialog, "help.png"), dialog.close(), run_next()))


run_next(1500)
'''


def _load(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"shuibao_tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "guide")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        argv = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, __file__, "--out", str(args.out)]
        return subprocess.call(argv)  # noqa: S603
    demo, server = _load("demo"), _load("demo_server")
    BUILD.mkdir(parents=True, exist_ok=True)
    for old in BUILD.glob("*.gpkg*"):
        old.unlink()
    (BUILD / "ready").unlink(missing_ok=True)
    (BUILD / "log.txt").unlink(missing_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    process, url, users = server.start_demo_server(BUILD / "server", demo._free_port(8775), small=True)
    try:
        demo.build_translations()
        demo.write_profile(url)
        roles = {}
        for name, role, password in users:
            roles.setdefault(role, (name, password))
            roles[name] = (name, password)
        script = BUILD / "shots.py"
        script.write_text(SHOTS.format(out=str(args.out), work=str(BUILD), url=url, users=roles), encoding="utf-8")
        qgis = subprocess.Popen(demo.qgis_command(script), env=demo.qgis_env(), cwd=ROOT)  # noqa: S603
        try:
            deadline = time.monotonic() + 300
            while not (BUILD / "ready").exists() and qgis.poll() is None and time.monotonic() < deadline:
                time.sleep(0.5)
        finally:
            qgis.terminate()
            try:
                qgis.wait(20)
            except subprocess.TimeoutExpired:
                qgis.kill()
    finally:
        server.stop_server(process)
    if (BUILD / "log.txt").exists():
        print((BUILD / "log.txt").read_text(encoding="utf-8").strip())
    return 0 if (BUILD / "ready").exists() and (BUILD / "ready").read_text() == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
