"""The plugin loads through classFactory, adds its GUI, and unload() leaves nothing behind."""

from __future__ import annotations

import configparser
from pathlib import Path

import shuibao
from qgis.core import Qgis, QgsApplication
from qgis.PyQt.QtWidgets import QDockWidget, QToolBar
from shuibao.plugin import MENU, TOOLBAR_NAME

ROOT = Path(__file__).resolve().parent.parent
DOCK_NAMES = {"ShuibaoDamDock", "ShuibaoPatchDock", "ShuibaoWatershedDock", "ShuibaoRsSpotDock", "ShuibaoStatsDock"}
REQUIRED = (
    "name", "qgisMinimumVersion", "description", "about", "version", "author", "email",
    "repository", "tracker", "homepage", "category", "tags", "icon", "experimental", "hasProcessingProvider",
)  # fmt: skip


def _metadata() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "metadata.txt", encoding="utf-8")
    return parser["general"]


def _version_int(text: str) -> int:
    parts = [int(p) for p in text.split(".")] + [0, 0]
    return parts[0] * 10000 + parts[1] * 100 + parts[2]


def test_metadata_complete():
    meta = _metadata()
    missing = [k for k in REQUIRED if not meta.get(k, "").strip()]
    assert missing == []
    assert _version_int(meta["qgisMinimumVersion"]) <= Qgis.QGIS_VERSION_INT
    assert meta["version"] == "0.1.0"
    assert (ROOT / meta["icon"]).is_file()
    assert (ROOT / "LICENSE").is_file() and "GNU GENERAL PUBLIC LICENSE" in (ROOT / "LICENSE").read_text()
    assert meta["repository"].startswith("https://") and meta["tracker"].endswith("/issues")
    assert "淤地坝" in meta["tags"] and "崩岗" in meta["tags"]


def _leftovers(window) -> tuple[set, set, list]:
    docks = {d.objectName() for d in window.findChildren(QDockWidget) if d.objectName().startswith("Shuibao")}
    bars = {t.objectName() for t in window.findChildren(QToolBar) if t.objectName() == TOOLBAR_NAME}
    menus = [a.text() for a in window.menuBar().actions() if a.text() == MENU]
    return docks, bars, menus


def test_load_unload_twice(iface, flush_deletes):
    window = iface.mainWindow()
    for _ in range(2):
        plugin = shuibao.classFactory(iface)
        plugin.initGui()
        docks, bars, menus = _leftovers(window)
        assert docks == DOCK_NAMES
        assert bars == {TOOLBAR_NAME}
        assert menus == [MENU]
        assert len(plugin.actions) == 7  # open store, the four dock toggles, import registers, help
        toolbar = window.findChild(QToolBar, TOOLBAR_NAME)
        names = {a.objectName() for a in toolbar.actions()}
        assert {"ShuibaoSyncAction", "ShuibaoLoginAction", "ShuibaoConflictsAction", "ShuibaoIdentityAction"} <= names
        menu = [a.objectName() for a in iface.plugin_menus[MENU].actions()]
        assert menu[-1] == "ShuibaoHelpAction" and "ShuibaoHelpAction" not in names  # 帮助: the menu's last entry
        plugin.initProcessing()
        assert QgsApplication.processingRegistry().algorithmById("shuibao:sync") is not None
        plugin.unload()
        assert QgsApplication.processingRegistry().algorithmById("shuibao:sync") is None
        flush_deletes()
        assert _leftovers(window) == (set(), set(), [])
        assert plugin.docks == [] and plugin.actions == [] and plugin.toolbar is None


def test_dock_toggle_actions(iface, flush_deletes):
    plugin = shuibao.classFactory(iface)
    plugin.initGui()
    try:
        dock = plugin.dock("ShuibaoDamDock")
        toggle = next(a for a in plugin.actions if a.objectName() == "ShuibaoDamDockAction")
        assert toggle.isCheckable()
        iface.mainWindow().show()  # QgsDockWidget only hides what the user can see
        toggle.setChecked(True)
        assert dock.isUserVisible()
        toggle.setChecked(False)
        assert not dock.isUserVisible()
        toggle.setChecked(True)
        assert dock.isUserVisible()
    finally:
        iface.mainWindow().hide()
        plugin.unload()
        flush_deletes()


def test_open_store_action_loads_layers(iface, small_store, flush_deletes):
    plugin = shuibao.classFactory(iface)
    plugin.initGui()
    try:
        layers = plugin.open_store(path=str(small_store))
        assert "dam" in layers
        dock = plugin.dock("ShuibaoDamDock")
        dock.reload()
        assert dock.count() == layers["dam"].featureCount()
    finally:
        plugin.unload()
        flush_deletes()


def test_translator_follows_qgis_locale(iface, tool, flush_deletes):
    from qgis.core import QgsSettings

    tool("build_zip").release_translations()
    settings = QgsSettings()
    saved = {k: settings.value(k) for k in ("locale/userLocale", "locale/overrideFlag")}
    settings.setValue("locale/userLocale", "zh_CN")
    settings.setValue("locale/overrideFlag", True)
    try:
        plugin = shuibao.classFactory(iface)
        plugin.initGui()
        assert plugin.translator is not None
        assert plugin.dock("ShuibaoDamDock").windowTitle() == "淤地坝"
        assert plugin.dock("ShuibaoPatchDock").windowTitle() == "侵蚀沟·崩岗图斑"
        plugin.unload()
        flush_deletes()
        assert plugin.translator is None
        from shuibao.ui import tr

        assert tr("Check dams") == "Check dams"  # the translator is gone
    finally:
        for key, value in saved.items():
            if value is None:
                settings.remove(key)
            else:
                settings.setValue(key, value)


def test_docks_in_tabs_on_first_start_only(iface, flush_deletes):
    from qgis.core import QgsSettings
    from shuibao.plugin import DOCKS_ARRANGED_KEY

    settings = QgsSettings()
    settings.remove(DOCKS_ARRANGED_KEY)
    plugin = shuibao.classFactory(iface)
    plugin.initGui()
    try:
        window = iface.mainWindow()
        plugin.arrange_docks_once()
        dam = plugin.dock("ShuibaoDamDock")
        tabbed = {d.objectName() for d in window.tabifiedDockWidgets(dam)}
        assert tabbed == DOCK_NAMES - {"ShuibaoDamDock", "ShuibaoStatsDock"}  # the object docks in tabs
        assert settings.value(DOCKS_ARRANGED_KEY, False, type=bool)
        from qgis.PyQt.QtCore import Qt

        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, plugin.dock("ShuibaoPatchDock"))  # user's move
        plugin.arrange_docks_once()
        assert "ShuibaoPatchDock" not in {d.objectName() for d in window.tabifiedDockWidgets(dam)}
    finally:
        settings.remove(DOCKS_ARRANGED_KEY)
        plugin.unload()
        flush_deletes()
