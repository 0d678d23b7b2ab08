"""Helpers for tests that drive the docks and wait for QGIS tasks (hand-written; loaded by conftest
as ``shuibao_ui_harness``)."""

from __future__ import annotations

import time

from qgis.PyQt.QtCore import QCoreApplication, QTimer
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
        self.handlers = list(handlers)
        self.seen: list[str] = []
        self.error: BaseException | None = None
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
        handler = self.handlers.pop(0)
        if not self.handlers:
            self.timer.stop()
        # Run it from a timer of its own: Qt does not fire this polling timer again while its slot
        # runs, and a handler's click may open the next dialog (a confirmation) that must be answered.
        QTimer.singleShot(0, lambda: self._run(handler, widget))

    def _run(self, handler, widget) -> None:
        try:
            handler(widget)
        except BaseException as exc:  # noqa: BLE001 - raised again by done(), outside Qt's event loop
            self.error = self.error or exc
            self.handlers.clear()
            self.timer.stop()
            widget.close()  # a failed check must not leave a modal dialog open (the test would hang)

    def done(self) -> bool:
        """Whether every handler ran; a handler's failed check is raised here."""
        if self.error is not None:
            raise self.error
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


def type_into_feature_form(layer, fid: int, field: str, text: str) -> None:
    """As in QGIS: switch on editing, open the feature's form, type the value, OK, save the layer's edits."""
    from qgis.gui import QgsAttributeDialog, QgsAttributeEditorContext, QgsEditorWidgetWrapper
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtTest import QTest
    from qgis.PyQt.QtWidgets import QAbstractSpinBox, QDialogButtonBox, QLineEdit, QWidget

    assert layer.startEditing()
    dialog = QgsAttributeDialog(layer, layer.getFeature(fid), False, None, True, QgsAttributeEditorContext())
    dialog.show()
    box = dialog.attributeForm().findChild(QWidget, field)  # QGIS names each field's widget after it
    wrapper = next(w for w in (QgsEditorWidgetWrapper.fromWidget(c) for c in [box, *box.findChildren(QWidget)]) if w)
    widget = wrapper.widget()
    line = widget if isinstance(widget, QLineEdit) else widget.findChild(QLineEdit)
    line.setFocus()
    line.selectAll()
    QTest.keyClick(line, Qt.Key.Key_Delete)
    QTest.keyClicks(line, text)
    if isinstance(widget, QAbstractSpinBox):
        widget.interpretText()
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    QTest.mouseClick(ok, Qt.MouseButton.LeftButton)
    QCoreApplication.processEvents()
    assert layer.commitChanges(), layer.commitErrors()  # 保存图层编辑


def press_sync(ui):
    """Press 同步 and wait for its summary (a sync that ran to its end; the test reads the counts)."""
    ui.sync_action.trigger()
    wait_until(lambda: ui.task is None, 60)
    summary = ui.last_summary
    assert summary is not None and not summary.cancelled, ui.last_message
    return summary


def bar_button(bar, text: str):
    """A button of the message bar's current message (e.g. 处理冲突… beside a sync summary)."""
    from qgis.PyQt.QtWidgets import QPushButton

    return next(b for b in bar.currentItem().findChildren(QPushButton) if b.text() == text)
