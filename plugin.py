"""The plugin class: wires actions, docks and the translator into QGIS, and undoes it all."""

from __future__ import annotations

from pathlib import Path

from qgis.core import Qgis, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, Qt, QTimer, QTranslator
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from .settings import qgis_locale
from .ui import tr

PLUGIN_DIR = Path(__file__).resolve().parent
ICONS = PLUGIN_DIR / "resources" / "icons"
I18N = PLUGIN_DIR / "resources" / "i18n"
MENU = "Shuibao 水保巡检"
TOOLBAR_NAME = "ShuibaoToolbar"
DOCKS_ARRANGED_KEY = "shuibao/ui/docks_arranged"
DOCK_ICONS = {"dam": "dam.svg", "patch": "patch.svg", "watershed": "watershed.svg"}


class ShuibaoPlugin:
    def __init__(self, iface):
        self.iface = iface
        self.translator: QTranslator | None = None
        self.toolbar = None
        self.actions: list[QAction] = []
        self.docks: list = []
        self.sync_ui = None
        self.reports_ui = None  # statistics panel, ledger and form menu entries (ui.reports_menu)
        self.import_dialog = None  # the register import dialog, while open
        self.provider = None  # the shuibao Processing provider
        self._connections: list[tuple[object, object]] = []
        self._install_translator()

    # -- translator ----------------------------------------------------------------------------
    def _install_translator(self) -> None:
        locale = qgis_locale()
        names = [locale, locale.replace("-", "_"), locale.split("_")[0]]
        if locale.lower() in ("zh", "zh-hans", "zh_hans", "zh_sg"):
            names.append("zh_CN")  # QGIS itself names Simplified Chinese zh-Hans
        for name in names:
            qm = I18N / f"shuibao_{name}.qm"
            if qm.is_file():
                translator = QTranslator()
                if translator.load(str(qm)):
                    QCoreApplication.installTranslator(translator)
                    self.translator = translator
                return

    # -- GUI -----------------------------------------------------------------------------------
    def _add_action(self, icon: str, text: str, slot=None, checkable: bool = False) -> QAction:
        action = QAction(QIcon(str(ICONS / icon)), text, self.iface.mainWindow())
        action.setCheckable(checkable)
        if slot is not None:
            action.triggered.connect(slot)
            self._connections.append((action.triggered, slot))
        self.iface.addPluginToMenu(MENU, action)
        self.toolbar.addAction(action)
        self.actions.append(action)
        return action

    def initGui(self) -> None:  # noqa: N802 - QGIS API
        from .ui.docks import DOCK_CLASSES

        self.toolbar = self.iface.addToolBar(tr("Shuibao"))
        self.toolbar.setObjectName(TOOLBAR_NAME)
        self.toolbar.setToolTip(MENU)
        action = self._add_action("open_store.svg", tr("Open store…"), self.open_store)
        action.setObjectName("ShuibaoOpenStoreAction")
        for dock_class in DOCK_CLASSES:
            dock = dock_class(self.iface, self.iface.mainWindow())
            toggle = self._add_action(DOCK_ICONS[dock_class.OBJECT], dock.windowTitle(), checkable=True)
            toggle.setObjectName(f"{dock_class.OBJECT_NAME}Action")
            dock.setToggleVisibilityAction(toggle)
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            self.docks.append(dock)
        # QGIS restores its saved window state after loading plugins at start-up: arrange after that.
        started = getattr(self.iface, "initializationCompleted", None)
        if started is not None and not self.iface.mainWindow().isVisible():
            started.connect(self.arrange_docks_once)
            self._connections.append((started, self.arrange_docks_once))
        else:
            QTimer.singleShot(0, self.arrange_docks_once)
        self._init_sync()
        from .ui.reports_menu import ReportsUi

        self.reports_ui = ReportsUi(self.iface, MENU, self.toolbar)
        self._init_import()

    def arrange_docks_once(self) -> None:
        """On the first start, put the three docks in tabs: each list gets the full height of the
        right dock area. Later starts keep whatever layout the user made (QGIS saves it)."""
        settings = QgsSettings()
        if not self.docks or settings.value(DOCKS_ARRANGED_KEY, False, type=bool):
            return
        window = self.iface.mainWindow()
        for dock in self.docks[1:]:
            window.tabifyDockWidget(self.docks[0], dock)
        dam = self.dock("ShuibaoDamDock")
        if dam is not None:
            dam.raise_()
        settings.setValue(DOCKS_ARRANGED_KEY, True)

    def _init_sync(self) -> None:
        from .ui.sync_ui import SyncUi

        if self.sync_ui is None:
            self.sync_ui = SyncUi(self.iface, self.iface.mainWindow(), on_synced=self._after_sync)
        self.sync_ui.init_gui(MENU, self.toolbar)

    # -- register import (issue 14) ---------------------------------------------------------
    def _init_import(self) -> None:
        action = self._add_action("import.svg", tr("Import registers…"), self.show_import)
        action.setObjectName("ShuibaoImportAction")

    def show_import(self, *args):
        """Open the import dialog on the project's store (the first one, when several are open)."""
        from .layers.project import opened_stores
        from .ui.import_dialog import ImportDialog

        stores = opened_stores()
        if not stores:
            self.iface.messageBar().pushMessage(tr("Shuibao"), tr("Open a store first: records are imported into it."),
                                                Qgis.MessageLevel.Warning, 6)  # fmt: skip
            return None
        if self.import_dialog is not None:
            self.import_dialog.close()
        self.import_dialog = ImportDialog(self.iface, stores[0], on_imported=self._after_import)
        self.import_dialog.show()
        return self.import_dialog

    def _after_import(self, store_path: str) -> None:
        if self.sync_ui is not None:
            self.sync_ui.reload_layers(store_path)
        for dock in self.docks:
            dock.schedule_reload()

    def initProcessing(self) -> None:  # noqa: N802 - QGIS API; qgis_process calls it with no iface
        from .sync.processing import register_provider

        if self.provider is None:
            self.provider = register_provider()

    def _after_sync(self, store_path: str, summary) -> None:
        for dock in self.docks:
            dock.schedule_reload()

    def open_store(self, *args, path: str | None = None) -> dict:
        from .ui.open_store import ask_and_open_store, open_store

        return open_store(self.iface, path) if path else ask_and_open_store(self.iface)

    def dock(self, object_name: str):
        return next((d for d in self.docks if d.objectName() == object_name), None)

    def unload(self) -> None:
        if self.reports_ui is not None:
            self.reports_ui.unload()
            self.reports_ui = None
        if self.import_dialog is not None:
            self.import_dialog.close()
            self.import_dialog = None
        if self.sync_ui is not None:
            self.sync_ui.unload()
            self.sync_ui = None
        if self.provider is not None:
            from .sync.processing import unregister_provider

            unregister_provider()
            self.provider = None
        for dock in self.docks:
            dock.disconnect_all()
            self.iface.removeDockWidget(dock)
            dock.setParent(None)
            dock.deleteLater()
        self.docks.clear()
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections.clear()
        for action in self.actions:
            self.iface.removePluginMenu(MENU, action)
            if self.toolbar is not None:
                self.toolbar.removeAction(action)
            action.deleteLater()
        self.actions.clear()
        if self.toolbar is not None:
            self.iface.mainWindow().removeToolBar(self.toolbar)
            self.toolbar.setParent(None)
            self.toolbar.deleteLater()
            self.toolbar = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
