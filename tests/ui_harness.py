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
