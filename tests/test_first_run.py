"""The first minutes: with no store the docks offer the download of one's county; the last store
reopens when QGIS starts; a GeoPackage that is not a store is refused and never takes over the
docks; one store at a time; counts follow the township; 帮助 opens the guide."""

from __future__ import annotations

import shutil

from qgis.core import QgsProject, QgsVectorFileWriter, QgsVectorLayer
from qgis.PyQt.QtCore import QObject, pyqtSignal
from shuibao import classFactory, settings
from shuibao.layers.project import store_layers
from shuibao_ui_harness import Dialogs, fill_login, open_dock, pick_file, wait_until


def _bar_texts(iface) -> list[str]:
    return [item.text() for item in iface.messageBar().items()]


def test_no_store_offers_the_download_of_my_county(plugin, iface, demo_server, auth_db, tmp_path):
    dock = plugin.dock("ShuibaoDamDock")
    pages = plugin.pages[plugin.docks.index(dock)]
    assert pages.showing_start() and dock.widget() is pages
    target = tmp_path / "field" / "my-county.gpkg"
    target.parent.mkdir()
    dialogs = Dialogs(fill_login(demo_server.url, "demo_inspector", "demo-inspector-pass"), pick_file(target))
    pages.panel.download_button.click()  # 连接服务器并下载本县数据…: login, where to keep it, download
    assert dialogs.done(), dialogs.seen
    wait_until(lambda: plugin.sync_ui.task is None, 120)
    wait_until(lambda: not pages.showing_start())
    assert settings.identity().username == "demo_inspector"
    assert settings.last_store_path() == str(target)
    dock.reload()
    assert dock.count() > 0  # the docks fill from the new store
    assert str(target) in store_layers(QgsProject.instance())["dam"].source()


def _county_file(path) -> str:
    """A county's own GeoPackage that happens to have a `dam` table (not a Shuibao store)."""
    layer = QgsVectorLayer("Point?crs=EPSG:4490&field=name:string&field=uuid:string", "dam", "memory")
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName, options.layerName = "GPKG", "dam"
    from qgis.core import QgsCoordinateTransformContext

    error = QgsVectorFileWriter.writeAsVectorFormatV3(layer, str(path), QgsCoordinateTransformContext(), options)
    assert error[0] == QgsVectorFileWriter.WriterError.NoError, error
    return str(path)


def test_a_geopackage_that_is_not_a_store_is_refused(plugin, iface, small_store, tmp_path):
    county = _county_file(tmp_path / "county.gpkg")
    assert plugin.open_store(path=county) == {}
    assert any("is not a Shuibao store" in t for t in _bar_texts(iface))
    assert QgsProject.instance().mapLayers() == {}  # nothing added: the docks keep offering the first steps
    assert all(p.showing_start() for p in plugin.pages)

    layers = plugin.open_store(path=str(small_store))
    dock = plugin.dock("ShuibaoDamDock")
    dock.reload()
    listed = dock.count()
    assert listed == layers["dam"].featureCount() > 0
    assert plugin.open_store(path=county) == {}  # refused again: the real store stays in the docks
    dock.reload()
    assert dock.layer is layers["dam"] and dock.count() == listed


def test_a_second_store_replaces_the_first(plugin, small_store, tmp_path):
    other = tmp_path / "other.gpkg"
    shutil.copy(small_store, other)
    first = plugin.open_store(path=str(small_store))["dam"].id()
    second = plugin.open_store(path=str(other))
    dock = plugin.dock("ShuibaoDamDock")
    dock.reload()
    assert dock.layer is second["dam"] and first not in QgsProject.instance().mapLayers()
    assert [g.name() for g in QgsProject.instance().layerTreeRoot().children()] == ["水保巡检 other.gpkg"]


class _Started(QObject):
    initializationCompleted = pyqtSignal()


def test_the_last_store_reopens_when_qgis_starts(iface, small_store, flush_deletes, qgis_new_project):
    settings.set_last_store_path(str(small_store))
    started = _Started()
    iface.initializationCompleted = started.initializationCompleted
    iface.mainWindow().hide()
    plugin = classFactory(iface)
    plugin.initGui()
    try:
        assert not store_layers(QgsProject.instance())
        started.initializationCompleted.emit()  # QGIS has started with an empty project
        wait_until(lambda: bool(store_layers(QgsProject.instance())))
        assert str(small_store) in store_layers(QgsProject.instance())["dam"].source()
        assert not any(p.showing_start() for p in plugin.pages)
    finally:
        del iface.initializationCompleted
        plugin.unload()
        flush_deletes()


def test_counts_follow_the_township(iface, small_store):
    from shuibao.layers.project import open_store_in_project
    from shuibao.ui.docks import DamDock

    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    dock = open_dock(DamDock, iface)
    try:
        combo = dock.contents.townshipCombo
        assert sum(dock.status_counts().values()) == layers["dam"].featureCount()
        township = combo.itemData(1)
        combo.setCurrentIndex(1)
        in_township = [f for f in layers["dam"].getFeatures() if f["township"] == township]
        assert 0 < len(in_township) < layers["dam"].featureCount()
        assert sum(dock.status_counts().values()) == len(in_township)
        week, overdue = dock.due_counts()
        assert week + overdue <= len(in_township)
        assert f"{len(in_township)} of {layers['dam'].featureCount()}" in dock.contents.countLabel.text()
    finally:
        dock.disconnect_all()
        dock.deleteLater()


def test_help_opens_the_guide_offline(plugin, iface):
    from qgis.PyQt.QtCore import QUrl
    from qgis.PyQt.QtGui import QTextDocument

    action = next(a for a in iface.plugin_menus["Shuibao 水保巡检"].actions() if a.objectName() == "ShuibaoHelpAction")
    action.trigger()
    dialog = plugin.help_dialog
    assert dialog.isVisible() and dialog.page().endswith("docs/guide/index.md")
    text = dialog.browser.toPlainText()
    assert "连接服务器并下载本县数据" in text and "修改密码" in text
    dialog.browser.anchorClicked.emit(QUrl("#修改密码"))  # a link of the contents
    assert dialog.browser.textCursor().block().text() == "修改密码"
    dialog.browser.anchorClicked.emit(QUrl("import.md"))  # another page of the guide
    assert dialog.page().endswith("docs/guide/import.md") and "导入" in dialog.browser.toPlainText()
    dialog.browser.backward()
    assert dialog.page().endswith("docs/guide/index.md")
    picture = dialog.browser.loadResource(QTextDocument.ResourceType.ImageResource, QUrl("start.png"))
    assert picture is not None and not picture.isEmpty()  # the screenshot is beside the page
