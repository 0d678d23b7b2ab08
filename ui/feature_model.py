"""A read-only table model of one layer's features: code, name, status.

Rows are plain tuples filled from one QgsFeatureRequest without geometry and with only the
needed attributes, so 100,000 features load in well under a second and no widget exists per row.
"""

from __future__ import annotations

from typing import Any

from qgis.core import QgsFeatureRequest, QgsVectorLayer
from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, Qt
from qgis.PyQt.QtGui import QColor

from ..layers.styles import status_colour
from ..model import RecordKind
from . import tr

FID_ROLE = Qt.ItemDataRole.UserRole + 1


def _text(value: Any) -> str:
    if value is None or value.__class__ is not str and hasattr(value, "isNull") and value.isNull():
        return ""
    return value if value.__class__ is str else str(value)


class FeatureTableModel(QAbstractTableModel):
    """Columns: code, title, status label. The feature id of a row is under FID_ROLE."""

    def __init__(self, kind: RecordKind, lang: str = "zh", parent=None):
        super().__init__(parent)
        self.kind = kind
        self.lang = lang
        self._rows: list[tuple[int, str, str, str]] = []
        status = kind.field(kind.status_field) if kind.status_field else None
        self._status_enum = status.enum if status is not None else None
        self._colours: dict[str, QColor] = {}
        if self._status_enum is not None:
            for i, choice in enumerate(self._status_enum.choices):
                self._colours[choice.code] = QColor(status_colour(kind, choice.code, i))
        self._headers = (
            kind.field(kind.code_field).label(lang) if kind.code_field else tr("Code"),
            kind.field(kind.title_field).label(lang) if kind.title_field else tr("Name"),
            status.label(lang) if status is not None else tr("Status"),
        )

    # -- loading -----------------------------------------------------------------------------
    def load(self, layer: QgsVectorLayer | None) -> None:
        self.beginResetModel()
        self._rows = [] if layer is None else self._fetch(layer)
        self.endResetModel()

    def _fetch(self, layer: QgsVectorLayer) -> list[tuple[int, str, str, str]]:
        names = [self.kind.code_field, self.kind.title_field, self.kind.status_field]
        fields = layer.fields()
        idx = [fields.indexFromName(n) if n else -1 for n in names]
        request = QgsFeatureRequest()
        request.setFlags(QgsFeatureRequest.Flag.NoGeometry)
        request.setSubsetOfAttributes([i for i in idx if i >= 0])
        ci, ti, si = idx
        rows = []
        append = rows.append
        for feature in layer.getFeatures(request):
            append(
                (
                    feature.id(),
                    _text(feature[ci]) if ci >= 0 else "",
                    _text(feature[ti]) if ti >= 0 else "",
                    _text(feature[si]) if si >= 0 else "",
                )
            )
        return rows

    # -- Qt model ----------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else 3

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == FID_ROLE:
            return row[0]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if col == 2 and self._status_enum is not None and row[3]:
                return self._status_enum.label(row[3], self.lang)
            return row[col + 1]
        if role == Qt.ItemDataRole.DecorationRole and col == 2:
            return self._colours.get(row[3])
        return None

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < 3:
            return self._headers[section]
        return None

    def fid(self, row: int) -> int:
        return self._rows[row][0]

    def row_of_fid(self, fid: int) -> int:
        for i, row in enumerate(self._rows):
            if row[0] == fid:
                return i
        return -1
