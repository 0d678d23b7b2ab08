"""The plugin class: wires actions, docks and the translator into QGIS, and undoes it all."""

from __future__ import annotations

from pathlib import Path

from qgis.core import Qgis, QgsApplication, QgsProject, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLibraryInfo, Qt, QTimer, QTranslator
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from . import settings
from .settings import qgis_locale
from .ui import tr

PLUGIN_DIR = Path(__file__).resolve().parent
ICONS = PLUGIN_DIR / "resources" / "icons"
I18N = PLUGIN_DIR / "resources" / "i18n"
MENU = "Shuibao 水保巡检"
TOOLBAR_NAME = "ShuibaoToolbar"
DOCKS_ARRANGED_KEY = "shuibao/ui/docks_arranged"
DOCK_ICONS = {"dam": "dam.svg", "patch": "patch.svg", "watershed": "watershed.svg", "rs_spot": "rs_spot.svg"}


class ShuibaoPlugin:
    def __init__(self, iface):
        self.iface = iface
        self.translator: QTranslator | None = None
        self.qt_translator: QTranslator | None = None
        self.toolbar = None
        self.actions: list[QAction] = []
        self.docks: list = []
        self.pages: list = []  # each dock's start panel / contents stack
        self.help_dialog = None
        self.project_user = None  # keeps the forms' user variable the logged-in user's name
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
                self._install_qt_translator(name)
                return

    def _install_qt_translator(self, name: str) -> None:
        """Qt's own buttons (Cancel, Save…) in the same language: QGIS looks for qt_zh-Hans, which
        Debian's qttranslations5-l10n names qt_zh_CN."""
        translator = QTranslator()
        if translator.load(f"qt_{name}", QLibraryInfo.location(QLibraryInfo.LibraryLocation.TranslationsPath)):
            QCoreApplication.installTranslator(translator)
            self.qt_translator = translator

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
            self._add_start_panel(dock)
        # QGIS restores its saved window state after loading plugins at start-up: arrange after that.
        started = getattr(self.iface, "initializationCompleted", None)
        if started is not None and not self.iface.mainWindow().isVisible():
            self._connect(started, self._started)
        else:
            QTimer.singleShot(0, self.arrange_docks_once)
        self._init_sync()
        from .ui.reports_menu import ReportsUi

        self.reports_ui = ReportsUi(self.iface, MENU, self.toolbar)
        self._init_import()
        help_action = QAction(QgsApplication.getThemeIcon("/mActionHelpContents.svg"), tr("Help"),
                              self.iface.mainWindow())  # fmt: skip
        help_action.setObjectName("ShuibaoHelpAction")
        self._connect(help_action.triggered, self.show_help)
        self.iface.addPluginToMenu(MENU, help_action)
        self.actions.append(help_action)
        from .ui.identity import ProjectUser

        self.project_user = ProjectUser(QgsProject.instance())

    def _add_start_panel(self, dock) -> None:
        """While no store is open the dock offers the first steps instead of an empty list."""
        from .ui.first_run import DockPages, StartPanel

        panel = StartPanel(lambda: self.sync_ui.download_county(), self.open_store, self.show_help)
        self.pages.append(DockPages(dock, panel))

    def _started(self) -> None:
        """QGIS has started (not: the plugin was switched on later)."""
        self.arrange_docks_once()
        QTimer.singleShot(0, self.reopen_last_store)  # after QGIS opened a project given on its command line

    def reopen_last_store(self) -> dict:
        """Open the store of the last session when QGIS starts with an empty project."""
        project = QgsProject.instance()
        path = settings.last_store_path()
        if not path or project.fileName() or project.mapLayers() or not Path(path).is_file():
            return {}
        return self.open_store(path=path)

    def show_help(self, *_args) -> None:
        from .ui.help_viewer import HelpDialog

        dialog = HelpDialog(self.iface.mainWindow())
        dialog.setModal(False)
        dialog.show()
        self.help_dialog = dialog  # kept while open; closed by unload

    def _connect(self, signal, slot) -> None:
        signal.connect(slot)
        self._connections.append((signal, slot))

    def arrange_docks_once(self) -> None:
        """On the first start, put the docks in tabs: each list gets the full height of the right
        dock area. Later starts keep whatever layout the user made (QGIS saves it); a dock added by
        a newer plugin joins the others' tabs once."""
        settings = QgsSettings()
        arranged = settings.value(DOCKS_ARRANGED_KEY, "", type=str)
        if arranged == "true":  # arranged by a plugin that had the first three docks
            arranged = "ShuibaoPatchDock,ShuibaoDamDock,ShuibaoWatershedDock"
        known = [name for name in arranged.split(",") if name]
        new = [d for d in self.docks if d.objectName() not in known]
        if not self.docks or not new:
            return
        window = self.iface.mainWindow()
        first = self.docks[0] if not known else next((d for d in self.docks if d not in new), self.docks[0])
        for dock in self.docks:
            if dock is not first and dock in new:
                window.tabifyDockWidget(first, dock)
        dam = self.dock("ShuibaoDamDock")
        if dam is not None and not known:
            dam.raise_()
        settings.setValue(DOCKS_ARRANGED_KEY, ",".join(d.objectName() for d in self.docks))

    def _init_sync(self) -> None:
        from .ui.sync_ui import SyncUi

        if self.sync_ui is None:
            self.sync_ui = SyncUi(self.iface, self.iface.mainWindow(), on_synced=self._after_sync)
            self.sync_ui.open_record = self.show_record
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

    def show_record(self, kind: str, uuid: str) -> bool:
        """A record in its dock: its object selected, the record chosen, its form opened."""
        from .ui.rejected_dialog import locate_record

        return locate_record(self.docks, kind, uuid)

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
        if self.help_dialog is not None:
            self.help_dialog.close()
            self.help_dialog.deleteLater()
            self.help_dialog = None
        if self.project_user is not None:
            self.project_user.disconnect_all()
            self.project_user = None
        for pages in self.pages:
            pages.disconnect_all()
        self.pages.clear()
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
        from .layers import follow, forms, splits

        forms.unload()  # the form constraints' expression function
        follow.unload()  # the commit followers of the store's layers
        splits.unload()  # the layers' split keepers
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
        if self.qt_translator is not None:
            QCoreApplication.removeTranslator(self.qt_translator)
            self.qt_translator = None
