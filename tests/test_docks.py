"""The docks list their layer's features, follow the project, and zoom to a double-clicked feature."""

from __future__ import annotations

from qgis.core import QgsCoordinateReferenceSystem, QgsFeatureRequest, QgsProject, QgsRectangle
from shuibao.layers.project import open_store_in_project
from shuibao.ui.docks import DamDock, PatchDock, WatershedDock
from shuibao.ui.feature_model import FID_ROLE


def _open(iface, path):
    layers = open_store_in_project(str(path), QgsProject.instance(), language="zh")
    canvas = iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4490"))
    canvas.resize(600, 400)
    canvas.setExtent(QgsRectangle(114.7, 25.5, 115.4, 26.2))
    return layers


def test_docks_have_stable_names_and_titles(iface):
    docks = [cls(iface) for cls in (DamDock, PatchDock, WatershedDock)]
    try:
        assert [d.objectName() for d in docks] == ["ShuibaoDamDock", "ShuibaoPatchDock", "ShuibaoWatershedDock"]
        assert all(d.windowTitle() for d in docks)
        assert all(d.count() == 0 for d in docks)
    finally:
        for d in docks:
            d.disconnect_all()
            d.deleteLater()


def test_dock_lists_features_and_follows_project(iface, small_store, small_data):
    dock = DamDock(iface, lang="zh")
    try:
        assert dock.count() == 0
        layers = _open(iface, small_store)
        dock.reload()  # the dock also reloads by itself after a short delay
        assert dock.count() == len(small_data["dam"])
        assert dock.layer is layers["dam"]
        assert str(len(small_data["dam"])) in dock.contents.countLabel.text()
        codes = {dock.model.index(r, 0).data() for r in range(dock.count())}
        assert codes == {r["code"] for r in small_data["dam"]}
        statuses = {dock.model.index(r, 3).data().split(" ⚠")[0].removesuffix("（销号）") for r in range(dock.count())}
        assert statuses <= {"正常", "病险", "除险加固中", "已除险"}

        dock.contents.filterEdit.setText(small_data["dam"][0]["code"])
        assert dock.model.rowCount() == 1
        dock.contents.filterEdit.clear()

        layer = layers["dam"]
        layer.startEditing()
        fid = next(layer.getFeatures()).id()
        layer.deleteFeature(fid)
        layer.commitChanges()
        dock.reload()
        assert dock.count() == len(small_data["dam"]) - 1

        QgsProject.instance().removeMapLayer(layer.id())
        assert dock.layer is None and dock.count() == 0
    finally:
        dock.disconnect_all()
        dock.deleteLater()


def test_double_click_zooms_to_feature(iface, small_store):
    layers = _open(iface, small_store)
    for dock_class, kind in ((PatchDock, "patch"), (DamDock, "dam"), (WatershedDock, "watershed")):
        dock = dock_class(iface)
        try:
            layer = layers[kind]
            feature = list(layer.getFeatures(QgsFeatureRequest().setLimit(3)))[-1]
            canvas = iface.mapCanvas()
            canvas.setExtent(QgsRectangle(100, 20, 101, 21))  # far away
            index = dock.row_for_fid(feature.id())
            assert dock.model.data(index, FID_ROLE) == feature.id()
            dock.contents.tableView.doubleClicked.emit(index)
            extent = canvas.extent()
            bbox = feature.geometry().boundingBox()
            assert extent.contains(bbox) or extent.contains(bbox.center()), (kind, extent.toString(), bbox.toString())
            assert extent.width() < 1.0
            assert layer.selectedFeatureIds() == [feature.id()]
        finally:
            dock.disconnect_all()
            dock.deleteLater()


def test_dock_refreshes_by_itself(iface, small_store, small_data):
    from qgis.PyQt.QtTest import QTest
    from shuibao.ui.docks import REFRESH_DELAY_MS

    dock = WatershedDock(iface)
    try:
        layers = _open(iface, small_store)
        QTest.qWait(REFRESH_DELAY_MS * 3)
        assert dock.count() == len(small_data["watershed"])
        layer = layers["watershed"]
        layer.startEditing()
        layer.deleteFeature(next(layer.getFeatures()).id())
        assert layer.commitChanges(), layer.commitErrors()
        assert dock.layer is layer, (dock.layer, layer)
        assert dock._layer_connections
        QTest.qWait(REFRESH_DELAY_MS * 3)
        assert layer.featureCount() == len(small_data["watershed"]) - 1
        assert dock.count() == len(small_data["watershed"]) - 1
    finally:
        dock.disconnect_all()
        dock.deleteLater()
