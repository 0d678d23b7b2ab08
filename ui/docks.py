"""The three object docks: check dams, gully-erosion patches, small watersheds.

Each dock lists its layer's features (found in the project by the ``shuibao/kind`` custom
property), shows how many there are, and zooms the map to a feature on double-click.
It follows the project: layers added or removed, and the layer's data changing.
"""

from __future__ import annotations

from qgis.core import QgsProject, QgsVectorLayer
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import QSortFilterProxyModel, Qt, QTimer
from qgis.PyQt.QtWidgets import QAbstractItemView, QHeaderView, QWidget

from ..layers.project import KIND_PROPERTY
from ..model import OBJECT_KINDS, RECORD_KINDS
from ..settings import language
from . import load_ui, tr
from .feature_model import FID_ROLE, FeatureTableModel

FORM_CLASS = load_ui("object_dock.ui")
REFRESH_DELAY_MS = 200


class _Contents(QWidget, FORM_CLASS):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setupUi(self)


class ObjectDock(QgsDockWidget):
    """A dock listing the features of one object kind (``dam``, ``patch`` or ``watershed``)."""

    OBJECT = ""
    OBJECT_NAME = ""

    def __init__(self, iface, parent=None, project: QgsProject | None = None, lang: str | None = None):
        super().__init__(parent)
        self.iface = iface
        self.project = project or QgsProject.instance()
        self.kind = RECORD_KINDS[OBJECT_KINDS[self.OBJECT][0]]
        self.lang = lang or language()
        self.layer: QgsVectorLayer | None = None
        self._connections: list[tuple[object, object]] = []
        self._layer_connections: list[tuple[object, object]] = []

        self.setObjectName(self.OBJECT_NAME)
        self.setWindowTitle(self.title())
        self.contents = _Contents(self)
        self.setWidget(self.contents)
        self.contents.filterEdit.setPlaceholderText(tr("Filter by code, name or status…"))

        self.model = FeatureTableModel(self.kind, self.lang, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        view = self.contents.tableView
        view.setModel(self.proxy)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 6)
        view.sortByColumn(0, Qt.SortOrder.AscendingOrder)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)

        self._connect(self._timer.timeout, self.reload)
        self._connect(view.doubleClicked, self._on_double_clicked)
        self._connect(self.contents.filterEdit.textChanged, self._on_filter)
        self._connect(self.project.layersAdded, self._on_layers_changed)
        self._connect(self.project.layersRemoved, self._on_layers_changed)
        self._connect(self.project.layersWillBeRemoved, self._on_layers_will_be_removed)
        self.reload()

    # -- titles ------------------------------------------------------------------------------
    def title(self) -> str:
        raise NotImplementedError

    # -- signal bookkeeping ------------------------------------------------------------------
    def _connect(self, signal, slot) -> None:
        signal.connect(slot)
        self._connections.append((signal, slot))

    def _connect_layer(self, layer: QgsVectorLayer) -> None:
        # QGIS 3.22 does not emit dataChanged for edits: listen to the edit signals too.
        signals = (
            layer.dataChanged,
            layer.subsetStringChanged,
            layer.featureAdded,
            layer.featureDeleted,
            layer.attributeValueChanged,
            layer.afterCommitChanges,
            layer.afterRollBack,
        )
        for signal in signals:
            signal.connect(self.schedule_reload)
            self._layer_connections.append((signal, self.schedule_reload))

    def _disconnect_layer(self) -> None:
        for signal, slot in self._layer_connections:
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass  # the layer is already gone
        self._layer_connections.clear()

    def disconnect_all(self) -> None:
        """Undo every connection this dock made (called by the plugin's unload)."""
        self._timer.stop()
        self._disconnect_layer()
        for signal, slot in self._connections:
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass  # the sender was deleted before us
        self._connections.clear()
        self.layer = None

    # -- refresh -----------------------------------------------------------------------------
    def find_layer(self) -> QgsVectorLayer | None:
        for layer in self.project.mapLayers().values():
            if isinstance(layer, QgsVectorLayer) and layer.customProperty(KIND_PROPERTY) == self.kind.name:
                return layer
        return None

    def schedule_reload(self, *args) -> None:
        self._timer.start()

    def reload(self) -> None:
        """Find the layer again and reload the list now."""
        layer = self.find_layer()
        if layer is not self.layer:
            self._disconnect_layer()
            self.layer = layer
            if layer is not None:
                self._connect_layer(layer)
        self.model.load(self.layer)
        self._fit_columns()
        self._update_count()

    def _fit_columns(self) -> None:
        """Size the columns to a sample of rows: resizeColumnsToContents reads every row."""
        view = self.contents.tableView
        metrics = view.fontMetrics()
        rows = min(self.model.rowCount(), 200)
        for col in (0, 1):
            texts = [str(self.model.headerData(col, Qt.Orientation.Horizontal) or "")]
            texts += [str(self.model.index(r, col).data() or "") for r in range(rows)]
            width = max(metrics.horizontalAdvance(t) for t in texts) + 24
            view.horizontalHeader().resizeSection(col, min(width, 260))

    def _on_layers_changed(self, *args) -> None:
        self.schedule_reload()

    def _on_layers_will_be_removed(self, layer_ids) -> None:
        if self.layer is not None and self.layer.id() in layer_ids:
            self._disconnect_layer()
            self.layer = None
            self.model.load(None)
            self._update_count()
        self.schedule_reload()

    def _on_filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self._update_count()

    def _update_count(self) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        if self.layer is None:
            text = tr("No layer: open a Shuibao store first")
        elif shown == total:
            text = tr("{0} features").format(total)
        else:
            text = tr("{0} of {1} features shown").format(shown, total)
        self.contents.countLabel.setText(text)

    def count(self) -> int:
        return self.model.rowCount()

    # -- zoom ---------------------------------------------------------------------------------
    def _on_double_clicked(self, index) -> None:
        fid = self.proxy.data(index, FID_ROLE)
        if fid is not None:
            self.zoom_to(int(fid))

    def zoom_to(self, fid: int) -> None:
        if self.layer is None or self.iface is None:
            return
        canvas = self.iface.mapCanvas()
        self.layer.selectByIds([fid])
        canvas.zoomToFeatureIds(self.layer, [fid])
        canvas.flashFeatureIds(self.layer, [fid])

    def row_for_fid(self, fid: int):
        """The view index (first column) of a feature, for tests and later selection sync."""
        row = self.model.row_of_fid(fid)
        return self.proxy.mapFromSource(self.model.index(row, 0)) if row >= 0 else None


class DamDock(ObjectDock):
    OBJECT = "dam"
    OBJECT_NAME = "ShuibaoDamDock"

    def title(self) -> str:
        return tr("Check dams")


class PatchDock(ObjectDock):
    OBJECT = "patch"
    OBJECT_NAME = "ShuibaoPatchDock"

    def title(self) -> str:
        return tr("Gully-erosion patches")


class WatershedDock(ObjectDock):
    OBJECT = "watershed"
    OBJECT_NAME = "ShuibaoWatershedDock"

    def title(self) -> str:
        return tr("Small watersheds")


DOCK_CLASSES = (PatchDock, DamDock, WatershedDock)
