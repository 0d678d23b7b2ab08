"""Helpers for tests that drive the docks and wait for QGIS tasks (hand-written; loaded by conftest
as ``shuibao_ui_harness``)."""

from __future__ import annotations

import time

from qgis.PyQt.QtCore import QCoreApplication
from shuibao.model import RECORD_KINDS
from shuibao.ui import actions


def open_dock(cls, iface):
    """A dock in Chinese acting for whoever logged in, with forms and questions switched off (no modal dialogs)."""
    dock = cls(iface, lang="zh")
    dock.open_forms = False
    dock.ask = lambda kind, name: None
    dock.reload()
    return dock


def log_in(url: str, username: str, password: str, store_path=None):
    """Log in as a person does: the login dialog, URL, user, password, press 登录. Returns the identity."""
    from qgis.PyQt.QtWidgets import QDialogButtonBox
    from shuibao import settings
    from shuibao.ui.login_dialog import LoginDialog

    dialog = LoginDialog(None, store_path=str(store_path) if store_path else None)
    try:
        dialog.url_edit.setText(url)
        dialog.user_edit.setText(username)
        dialog.password_edit.setText(password)
        dialog.remember_box.setChecked(False)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        wait_until(lambda: dialog.task is None)
        assert dialog.result() == LoginDialog.DialogCode.Accepted, dialog.status_label.text()
    finally:
        dialog.deleteLater()
    return settings.identity()


def set_values(kind: str, fid: int, **values) -> None:
    """Write values through the QGIS layer, as a form would."""
    assert actions.write_values(actions.layer_of(kind), RECORD_KINDS[kind], fid, values)


def wait_until(condition, timeout: float = 30.0) -> None:
    """Run the event loop (QGIS's task manager reports on it) until condition() holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        QCoreApplication.processEvents()
        time.sleep(0.01)


class Dialogs:
    """Answers the modal dialogs a test's click opens, in order, as a person would.

    ``Dialogs(fill_login, pick_file)`` polls for the active modal window; each handler gets it,
    types and presses a button. ``done()`` says whether every handler ran.
    """

    def __init__(self, *handlers):
        from qgis.PyQt.QtCore import QTimer

        self.handlers = list(handlers)
        self.seen: list[str] = []
        self._last = None
        self.timer = QTimer()
        self.timer.setInterval(50)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    def _poll(self) -> None:
        from qgis.PyQt.QtWidgets import QApplication

        widget = QApplication.activeModalWidget()
        if widget is None or widget is self._last or not self.handlers:
            return
        self._last = widget
        self.seen.append(widget.objectName() or type(widget).__name__)
        self.handlers.pop(0)(widget)
        if not self.handlers:
            self.timer.stop()

    def done(self) -> bool:
        return not self.handlers


def fill_login(url: str, username: str, password: str):
    """A handler for Dialogs: the login dialog, filled and 登录 pressed."""
    from qgis.PyQt.QtWidgets import QDialogButtonBox

    def handle(dialog):
        assert dialog.objectName() == "ShuibaoLoginDialog", dialog.objectName()
        dialog.url_edit.setText(url)
        dialog.user_edit.setText(username)
        dialog.password_edit.setText(password)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    return handle


def pick_file(path):
    """A handler for Dialogs: Qt's file dialog, the path typed into its file name box, Save/Open pressed."""

    def handle(dialog):
        from qgis.PyQt.QtWidgets import QDialogButtonBox, QFileDialog, QLineEdit

        assert isinstance(dialog, QFileDialog), type(dialog)
        dialog.findChild(QLineEdit, "fileNameEdit").setText(str(path))
        box = dialog.findChild(QDialogButtonBox, "buttonBox")
        ok = box.button(QDialogButtonBox.StandardButton.Save) or box.button(QDialogButtonBox.StandardButton.Open)
        ok.click()

    return handle
