"""The plugin's report entries: the statistics panel (a dock, toolbar toggle), and from the menu the
ledgers and the forms of the whole store. ``plugin.py`` creates it in initGui and unloads it."""

from __future__ import annotations

from pathlib import Path

from qgis.core import Qgis
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from . import tr
from .report_ui import ReportDialog, ReportJobs, current_store
from .stats_dock import StatsDock

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"


class ReportsUi:
    def __init__(self, iface, menu: str, toolbar=None):
        self.iface, self.menu, self.toolbar = iface, menu, toolbar
        self.jobs = ReportJobs(iface)
        self.dialog: ReportDialog | None = None
        self.dock = StatsDock(iface, iface.mainWindow())
        self.actions: list[QAction] = []
        toggle = self._action(tr("Statistics and targets"), None, "stats.svg", checkable=True)
        toggle.setObjectName("ShuibaoStatsDockAction")
        self.dock.setToggleVisibilityAction(toggle)
        iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self._action(tr("Export ledgers to Excel…"), lambda: self.open_dialog("ledgers"))
        self._action(tr("Print forms to PDF…"), lambda: self.open_dialog("forms"))

    def _action(self, text: str, slot, icon: str | None = None, checkable: bool = False) -> QAction:
        action = QAction(QIcon(str(ICONS / icon)) if icon else QIcon(), text, self.iface.mainWindow())
        action.setCheckable(checkable)
        if slot is not None:
            action.triggered.connect(slot)
        self.iface.addPluginToMenu(self.menu, action)
        if icon and self.toolbar is not None:
            self.toolbar.addAction(action)
        self.actions.append(action)
        return action

    def open_dialog(self, mode: str) -> ReportDialog | None:
        store = current_store()
        if store is None:
            self.jobs.message(tr("Open a store first."), Qgis.MessageLevel.Info, 5)
            return None
        self.dialog = ReportDialog(store, mode, self.jobs, self.iface.mainWindow())
        self.dialog.open()
        return self.dialog

    def unload(self) -> None:
        self.dock.disconnect_all()
        self.iface.removeDockWidget(self.dock)
        self.dock.setParent(None)
        self.dock.deleteLater()
        for action in self.actions:
            self.iface.removePluginMenu(self.menu, action)
            if self.toolbar is not None:
                self.toolbar.removeAction(action)
            action.deleteLater()
        self.actions.clear()
