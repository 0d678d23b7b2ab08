"""The thresholds in force, read only: each value with where it comes from, its basis and mark.

A technician sees which flood season, patrol intervals and tolerable soil loss the docks, forms and
reports of the county use, whether the server delivered them (and when) or the model's built-in
regional set holds, and which values are only assumptions ([I]) to be checked against local rules.
"""

from __future__ import annotations

import sqlite3
from fnmatch import fnmatch

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QBrush, QColor
from qgis.PyQt.QtWidgets import QDialog, QHeaderView, QTableWidgetItem

from ..layers import thresholds as local_thresholds
from ..model import regions
from ..model.schema import Thresholds
from . import load_ui, tr

FORM_CLASS = load_ui("thresholds_dialog.ui")
ASSUMED = QColor("#fff3cd")  # [I] rows: an assumption, to be checked
# Rows in the order a technician looks for them, by group (patterns take in thresholds added later);
# the labels are in group_label.
GROUPS = (
    ("flood_season_*", "main_flood_*", "patrol_interval_*", "rain_*", "storm_*", "visit_max_distance"),
    ("tolerable_loss",),
    ("dam_*", "crack_flag_width", "settlement_flag"),
    ("benggang_*", "gully_*"),
    ("watershed_*", "acceptance_*", "clean_*"),
)


def group_of(name: str) -> tuple[int, int]:
    """(group, pattern) of a threshold name in GROUPS: the row order; (len(GROUPS), 0) for the rest."""
    for i, pats in enumerate(GROUPS):
        for j, pattern in enumerate(pats):
            if fnmatch(name, pattern):
                return i, j
    return len(GROUPS), 0


def group_label(place: tuple[int, int]) -> str:
    labels = [tr("Flood season and patrols"), tr("Soil erosion"), tr("Check dams"), tr("Gullies"),
              tr("Watersheds and acceptance"), tr("Other")]  # fmt: skip
    return labels[place[0]]


def show_value(value: float, unit: str | None, lang: str) -> str:
    """A value as a person reads it: month-days as dates, numbers with their unit."""
    if unit == "MMDD":
        month, day = int(value) // 100, int(value) % 100
        return f"{month}月{day}日" if lang == "zh" else f"{month}/{day}"
    if unit == "%" or unit is None:
        return f"{value:g}{unit or ''}"
    return f"{value:g} {unit}"


def mark_label(mark: str, lang: str) -> str:
    zh, en = regions.MARKS.get(mark, (mark, mark))
    return zh if lang == "zh" else en


class ThresholdsDialog(QDialog, FORM_CLASS):
    """The sets of the counties of one store (or the model's defaults when no store is open)."""

    def __init__(self, store: str | None, lang: str = "zh", parent=None):
        super().__init__(parent)
        self.setupUi(self)
        self.lang = lang
        self.setWindowTitle(tr("Thresholds in force"))
        self.countyLabel.setText(tr("County"))
        self.legendLabel.setText(
            tr(
                "Marks: verified = seen in an official source; unofficial source = from an unofficial copy of a "
                "standard or common practice; inference = an assumption of this software (highlighted), not found "
                "in any source: check it against your local rules. The server's administrator sets values per "
                "province, prefecture or county; the sync brings them, and they hold offline until the next sync."
            )
        )
        self.sets = self._read(store)
        self.built_in = not self.sets  # no store: the model's default and the built-in regional sets
        if self.built_in:
            self.sets = [local_thresholds.Delivered(r.scope, regions.resolve(r.scope), None) for r in regions.BUILTIN]
            self.countyCombo.addItem(tr("Model default"), "")
        for d in self.sets:
            name = regions.place_name(d.county)
            self.countyCombo.addItem(f"{name} {d.county}" if name else d.county, d.county)
        self.countyCombo.currentIndexChanged.connect(self.show_county)
        self.buttonBox.rejected.connect(self.reject)
        self.buttonBox.accepted.connect(self.accept)
        self.show_county()

    def _read(self, store: str | None) -> list[local_thresholds.Delivered]:
        if store:
            try:
                found = local_thresholds.read(store)
            except sqlite3.Error:  # an unreadable store: the model's defaults are shown
                found = []
            if found:
                return found
        return []

    def show_county(self, *_args) -> None:
        i = self.countyCombo.currentIndex() - (1 if self.built_in else 0)
        d = self.sets[i] if 0 <= i < len(self.sets) else None
        if self.built_in:
            self.deliveryLabel.setText(
                tr("No store with objects is open: the model's defaults and built-in regional values are shown.")
            )
            self.fill(d.thresholds if d is not None else regions.resolve(""))
        elif d.received_at:
            self.deliveryLabel.setText(
                tr("Delivered by the server at the last sync ({0} UTC); they hold offline until the next sync.").format(
                    d.received_at[:16].replace("T", " ")
                )
            )
            self.fill(d.thresholds)
        else:
            self.deliveryLabel.setText(
                tr(
                    "Not yet received from the server: the model's built-in values for the region are used until "
                    "the next sync."
                )
            )
            self.fill(d.thresholds)

    def fill(self, t: Thresholds) -> None:
        headers = [tr("Group"), tr("Threshold"), tr("Value"), tr("From"), tr("Mark"), tr("Basis")]
        table = self.table
        table.clear()
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(t.defaults))
        order = sorted(t.defaults, key=lambda n: (group_of(n), list(t.defaults).index(n)))
        for row, name in enumerate(order):
            first = row == 0 or group_of(order[row - 1])[0] != group_of(name)[0]
            cells = [group_label(group_of(name)) if first else "", *self._cells(t, name)]
            assumed = t.origin(name).mark == "I"
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                item.setData(Qt.ItemDataRole.UserRole, name)
                if assumed and col > 0:
                    item.setBackground(QBrush(ASSUMED))
                table.setItem(row, col, item)
        header = table.horizontalHeader()
        for col in range(len(headers) - 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
        table.verticalHeader().setVisible(False)
        table.resizeRowsToContents()

    def _cells(self, t: Thresholds, name: str) -> list[str]:
        """Threshold, value, where it comes from, mark, basis."""
        d, o = t.defaults[name], t.origin(name)
        where = o.scope_zh if self.lang == "zh" or o.scope else tr("Model default")
        if o.by:
            where = tr("{0} (set on the server by {1})").format(where, o.by)
        elif o.scope:
            where = tr("{0} (built in)").format(where)
        label = d.zh if self.lang == "zh" else d.en
        return [label, show_value(t[name], d.unit, self.lang), where, mark_label(o.mark, self.lang), o.basis]

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self.table.resizeRowsToContents()  # wrapped basis texts take the height the new width needs

    def _row(self, name: str) -> int:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 1).data(Qt.ItemDataRole.UserRole) == name:
                return row
        raise KeyError(name)

    def row_of(self, name: str) -> dict[str, str]:
        """The cells of one threshold's row, by column title."""
        row, table = self._row(name), self.table
        heads = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
        return {h: table.item(row, c).text() for c, h in enumerate(heads)}

    def highlighted(self, name: str) -> bool:
        """Is the threshold's row marked as an assumption?"""
        return self.table.item(self._row(name), 1).background().color() == ASSUMED
