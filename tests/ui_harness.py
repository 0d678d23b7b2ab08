"""Helpers for tests that use the docks as a person does: click a button, type into the form that
opens, press OK, answer a question (hand-written; loaded by conftest as ``shuibao_ui_harness``)."""

from __future__ import annotations

import re
import time

from qgis.gui import QgsEditorWidgetWrapper
from qgis.PyQt.QtCore import QCoreApplication, QDate, QDateTime, Qt, QTimer
from qgis.PyQt.QtGui import QInputMethodEvent
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QLineEdit,
    QPlainTextEdit,
    QStyle,
    QStyleOptionButton,
    QTableWidget,
    QTabWidget,
    QTextEdit,
    QWidget,
)
from shuibao.ui.docks import ITEM_ROLE


def open_dock(cls, iface):
    """A dock in Chinese, acting for whoever logged in (log_in)."""
    dock = cls(iface, lang="zh")
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


def wait_until(condition, timeout: float = 30.0) -> None:
    """Run the event loop (QGIS's task manager reports on it) until condition() holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        QCoreApplication.processEvents()
        time.sleep(0.01)


def arrange(kind: str, fid: int, **values) -> None:
    """Put a record into the state a test starts from (data set-up, not something a person does)."""
    from shuibao.model import RECORD_KINDS
    from shuibao.ui import actions

    assert actions.write_values(actions.layer_of(kind), RECORD_KINDS[kind], fid, values)


# -- the dock's buttons --------------------------------------------------------------------------
def click(dock, name: str) -> None:
    """Click one of the dock's buttons (by its object name: create:…, step:…, form:…)."""
    QCoreApplication.processEvents()
    assert name in dock.buttons, f"{name} not offered: {sorted(dock.buttons)}"
    # New buttons show on a later turn of the event loop (and a reload may rebuild them meanwhile).
    wait_until(lambda: name in dock.buttons and dock.buttons[name].isVisible(), 5)
    button = dock.buttons[name]
    assert button.isEnabled(), name
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    QCoreApplication.processEvents()


def press(button) -> None:
    """Click a push button with the mouse."""
    wait_until(button.isVisible, 5)
    assert button.isEnabled(), button.text()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    QCoreApplication.processEvents()


def pick_object(dock, fid: int) -> None:
    """Click the object's row in the dock's list (scrolled into view first)."""
    view = dock.contents.tableView
    index = dock.row_for_fid(fid)
    assert index is not None, f"feature {fid} is not listed"
    view.scrollTo(index)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    QCoreApplication.processEvents()
    assert dock._current_fid == fid


def pick_record(dock, kind: str, fid: int) -> str:
    """Click a record in the selected object's timeline; returns its text."""
    lst = dock.contents.childList
    for i in range(lst.count()):
        item = lst.item(i)
        if tuple(item.data(ITEM_ROLE)) == (kind, fid):
            lst.scrollToItem(item)
            QTest.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, pos=lst.visualItemRect(item).center())
            QCoreApplication.processEvents()
            assert dock.selected_child() == (kind, fid)
            return item.text()
    raise AssertionError(f"{kind} {fid} is not in the timeline")


def timeline(dock) -> list[str]:
    lst = dock.contents.childList
    return [lst.item(i).text() for i in range(lst.count())]


def labels(dock) -> list[str]:
    return [b.text() for b in dock.buttons.values()]


# -- the record form -----------------------------------------------------------------------------
def form_of(dock):
    """The record form the last click opened (shown, window-modal)."""
    wait_until(lambda: dock.form is not None and dock.form.isVisible(), 10)
    return dock.form


def wrapper(form, field: str) -> QgsEditorWidgetWrapper:
    """QGIS's editor wrapper of `field` in the form (its widget, value and constraint result)."""
    box = form.attributeForm().findChild(QWidget, field)  # QGIS names each field's widget after it
    assert box is not None, f"no widget for {field}"
    for child in box.findChildren(QWidget):
        found = QgsEditorWidgetWrapper.fromWidget(child)
        if found is not None and found.field().name() == field:
            return found
    raise AssertionError(f"no editor for {field}")


def editor(form, field: str) -> QWidget:
    """The editor widget QGIS made for `field` in the form (a line edit, combo box, check box…)."""
    return wrapper(form, field).widget()


def shown_text(form, field: str) -> str:
    """What a person reads in a field's widget (a reference's combo box, a line edit)."""
    w = editor(form, field)
    combos = [w] if isinstance(w, QComboBox) else w.findChildren(QComboBox)
    if combos:
        return combos[0].currentText()
    lines = [w] if isinstance(w, QLineEdit) else w.findChildren(QLineEdit)
    return lines[0].text() if lines else ""


def current_tab(form) -> str:
    tabs = form.attributeForm().findChildren(QTabWidget)
    return tabs[0].tabText(tabs[0].currentIndex()).replace("&", "") if tabs else ""


def show_tab(form, title: str) -> None:
    """Click the form's tab with this title."""
    for tabs in form.attributeForm().findChildren(QTabWidget):
        for i in range(tabs.count()):
            if tabs.tabText(i).replace("&", "") == title:
                QTest.mouseClick(tabs.tabBar(), Qt.MouseButton.LeftButton, pos=tabs.tabBar().tabRect(i).center())
                assert tabs.currentIndex() == i, title
                return
    raise AssertionError(f"no tab {title}")


def tab_titles(form) -> list[str]:
    tabs = form.attributeForm().findChildren(QTabWidget)
    return [tabs[0].tabText(i).replace("&", "") for i in range(tabs[0].count())] if tabs else []


def type_text(widget: QWidget, text: str) -> None:
    """Type as a person does: keys for ASCII, the input method's committed text for Chinese (what an
    IME such as fcitx sends when a word is chosen)."""
    widget.setFocus()
    for run in re.findall(r"[\x20-\x7e]+|[^\x20-\x7e]+", text):
        if run.isascii():
            QTest.keyClicks(widget, run)
        else:
            event = QInputMethodEvent()
            event.setCommitString(run)
            QCoreApplication.sendEvent(widget, event)


def _bring_tab_forward(form, widget: QWidget) -> None:
    """Click the tab that holds `widget`, as a person does before typing into it."""
    for tabs in form.attributeForm().findChildren(QTabWidget):
        for i in range(tabs.count()):
            if tabs.widget(i).isAncestorOf(widget):
                if tabs.currentIndex() != i:
                    QTest.mouseClick(tabs.tabBar(), Qt.MouseButton.LeftButton, pos=tabs.tabBar().tabRect(i).center())
                return


def type_into(form, field: str, value) -> None:
    """Fill one field as a person does: on its tab, type text and numbers, pick a label, tick a box, set a date."""
    w = editor(form, field)
    if form.isVisible() and not w.isVisible():
        _bring_tab_forward(form, w)
        assert w.isVisible(), f"{field} is not on a tab one can click"
    assert w.isEnabled(), f"{field} is greyed out"
    if isinstance(w, QTableWidget):  # a multi-choice field: tick the labels in `value`, untick the others
        tick(w, field, value)
    elif isinstance(w, QComboBox):
        index = w.findText(str(value))
        assert index >= 0, f"{field}: no choice {value!r} in {[w.itemText(i) for i in range(w.count())]}"
        w.setCurrentIndex(index)
    elif isinstance(w, QCheckBox):
        if w.isChecked() != bool(value):
            option = QStyleOptionButton()
            option.initFrom(w)
            box = w.style().subElementRect(QStyle.SubElement.SE_CheckBoxClickRect, option, w)
            QTest.mouseClick(w, Qt.MouseButton.LeftButton, pos=box.center())
        assert w.isChecked() == bool(value), field
    elif isinstance(w, QDateTimeEdit):
        if isinstance(value, QDate):
            w.setDate(value)
        else:
            w.setDateTime(value if isinstance(value, QDateTime) else QDateTime.fromString(str(value), Qt.ISODate))
    elif isinstance(w, (QTextEdit, QPlainTextEdit)):
        w.clear()
        type_text(w, str(value))
    else:
        line = w if isinstance(w, QLineEdit) else w.findChild(QLineEdit)
        assert line is not None, f"{field}: {type(w).__name__}"
        line.selectAll()
        QTest.keyClick(line, Qt.Key.Key_Delete)
        type_text(line, str(value))
        if isinstance(w, QAbstractSpinBox):
            w.interpretText()
    QCoreApplication.processEvents()


def ticked(form, field: str) -> list[str]:
    """The labels ticked in a multi-choice field's list."""
    return ticked_in(editor(form, field))


def tick(table: QTableWidget, field: str, labels) -> None:
    """Tick `labels` in a multi-choice list as a person does: the cell made current, then Space."""
    items = [table.item(r, c) for r in range(table.rowCount()) for c in range(table.columnCount())]
    items = [i for i in items if i is not None and i.text()]
    assert set(labels) <= {i.text() for i in items}, f"{field}: {[i.text() for i in items]}"
    for item in items:
        if (item.checkState() == Qt.CheckState.Checked) != (item.text() in labels):
            table.setFocus()
            table.setCurrentItem(item)
            QTest.keyClick(table.viewport(), Qt.Key.Key_Space)
    assert sorted(ticked_in(table)) == sorted(labels), field


def ticked_in(table: QTableWidget) -> list[str]:
    items = [table.item(r, c) for r in range(table.rowCount()) for c in range(table.columnCount())]
    return [i.text() for i in items if i is not None and i.checkState() == Qt.CheckState.Checked]


def fill(form, **values) -> None:
    for field, value in values.items():
        type_into(form, field, value)


def press_ok(form) -> None:
    QTest.mouseClick(form.ok_button(), Qt.MouseButton.LeftButton)
    QCoreApplication.processEvents()


def press_cancel(form) -> None:
    from qgis.PyQt.QtWidgets import QDialogButtonBox

    box = form.findChild(QDialogButtonBox)
    QTest.mouseClick(box.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    QCoreApplication.processEvents()


def on_tab(title: str) -> str:
    """How the form's panel says which tab a field is on (in the language the plugin runs in)."""
    from shuibao.ui import tr

    return "（" + tr("on the “{0}” tab").format(title) + "）"


def panel_text(form) -> str:
    form.refresh_problems()
    return form.panel.text() if form.panel.isVisible() or not form.isVisible() else ""


def choose_file_when_asked(path) -> None:
    """When a file dialog opens (modal), type the file's path into it and press Enter, as a person does."""
    from qgis.PyQt.QtCore import QTimer
    from qgis.PyQt.QtWidgets import QApplication, QFileDialog

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(50, answer)
            return
        name = dialog.findChild(QLineEdit, "fileNameEdit")
        name.setText(str(path))
        QTest.keyClick(name, Qt.Key.Key_Return)

    QTimer.singleShot(50, answer)


# -- questions -----------------------------------------------------------------------------------
def confirmation(dock):
    wait_until(lambda: dock.confirmation is not None and dock.confirmation.isVisible(), 10)
    return dock.confirmation


def answer(dock, yes: bool = True) -> str:
    """Answer the dock's question before an irreversible step; returns what it said."""
    box = confirmation(dock)
    said = box.text() + "\n" + box.informativeText()
    button = box.findChild(QWidget, "ShuibaoConfirmYes") if yes else box.button(box.StandardButton.Cancel)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    QCoreApplication.processEvents()
    return said


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
