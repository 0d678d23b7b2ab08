"""The statistics panel: progress against the county's targets and the figures by township.

A dock with a period (years) and a township; tabs for the targets (with a chart of how far each is
reached), dams, hazards (chart), 崩岗 treatment (chart of treated against the township targets) and
watersheds; how each figure is counted written under the filters, the 崩岗群 rule first. Export
writes the same tables with charts to Excel; "Targets…" opens the target table for technicians.
The figures come from reports.stats; nothing is counted here.
"""

from __future__ import annotations

from qgis.core import Qgis, QgsProject
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtGui import QFont
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import settings
from ..layers.project import find_layer
from ..reports import stats
from ..reports.data import Dataset, ReportError, pick
from ..reports.ledgers import Table
from . import load_ui, tr
from .charts import BarChart, Series
from .report_ui import ReportJobs, current_store, default_path

FORM_CLASS = load_ui("stats_dock.ui")
TARGET_COLOUR, DONE_COLOUR, FOUND_COLOUR, OVERDUE_COLOUR = "#b0bec5", "#2e9e44", "#ff8c00", "#d62728"
EDITORS = ("technician", "admin")


class _Contents(QWidget, FORM_CLASS):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setupUi(self)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


class StatsDock(QgsDockWidget):
    OBJECT_NAME = "ShuibaoStatsDock"
    TABS = ("targets", "dams", "hazards", "benggang", "watersheds")

    def __init__(self, iface, parent=None, project: QgsProject | None = None, lang: str | None = None):
        super().__init__(parent)
        self.iface = iface
        self.project = project or QgsProject.instance()
        self.lang = lang or settings.language()
        self.jobs = ReportJobs(iface, self.lang)
        self.options: stats.Options | None = None
        self.tables: dict[str, Table] = {}
        self._store: str | None = None
        self._targets_layer = None
        self.setObjectName(self.OBJECT_NAME)
        self.setWindowTitle(tr("Statistics and targets"))
        self.contents = c = _Contents(self)
        self.setWidget(c)
        c.periodLabel.setText(tr("Years"))
        c.refreshButton.setText(tr("Refresh"))
        c.exportButton.setText(tr("Export to Excel"))
        c.targetsButton.setText(tr("Targets…"))
        self.views: dict[str, QTableWidget] = {}
        self.charts: dict[str, BarChart] = {}
        titles = {"targets": tr("Targets"), "dams": tr("Dams"), "hazards": tr("Hazards"), "benggang": tr("崩岗"),
                  "watersheds": tr("Watersheds")}  # fmt: skip
        for name in self.TABS:
            c.tabs.addTab(self._tab(name), titles[name])
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._connections = []
        for signal, slot in ((self._timer.timeout, self.refresh), (c.refreshButton.clicked, self.refresh),
                             (c.exportButton.clicked, self.export), (c.targetsButton.clicked, self.edit_targets),
                             (c.fromSpin.valueChanged, self._changed), (c.toSpin.valueChanged, self._changed),
                             (c.townshipCombo.currentIndexChanged, self._changed),
                             (self.project.layersAdded, self.schedule_refresh),
                             (self.project.layersRemoved, self.schedule_refresh)):  # fmt: skip
            signal.connect(slot)
            self._connections.append((signal, slot))
        self.refresh()

    def _tab(self, name: str) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        table = QTableWidget(page)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.setObjectName(f"stats_{name}")
        self.views[name] = table
        if name in ("targets", "hazards", "benggang"):
            splitter = QSplitter(Qt.Orientation.Vertical, page)
            scroll = QScrollArea(splitter)
            scroll.setWidgetResizable(True)
            chart = BarChart()
            chart.setObjectName(f"chart_{name}")
            scroll.setWidget(chart)
            self.charts[name] = chart
            splitter.addWidget(scroll)
            splitter.addWidget(table)
            splitter.setStretchFactor(0, 3)
            splitter.setStretchFactor(1, 2)
            layout.addWidget(splitter)
        else:
            layout.addWidget(table)
        return page

    # -- state ----------------------------------------------------------------------------------
    def role(self) -> str:
        return settings.role()  # the logged-in user's (ui.identity)

    def schedule_refresh(self, *args) -> None:
        self._timer.start()

    def _changed(self, *args) -> None:
        if self.options is not None:
            self.schedule_refresh()

    def disconnect_all(self) -> None:
        self._timer.stop()
        for signal, slot in self._connections:
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass
        self._connections.clear()

    def current_options(self, ds: Dataset) -> stats.Options:
        c = self.contents
        if self.options is None or self._store != str(ds.path):
            self.options = stats.default_options(ds)  # a new store: its plan period
            for spin, value in ((c.fromSpin, self.options.year_from), (c.toSpin, self.options.year_to)):
                spin.blockSignals(True)
                spin.setValue(value)
                spin.blockSignals(False)
        self.options.year_from, self.options.year_to = sorted((c.fromSpin.value(), c.toSpin.value()))
        self.options.township = c.townshipCombo.currentData() or None
        return self.options

    def _fill_townships(self, ds: Dataset) -> None:
        combo = self.contents.townshipCombo
        names = ds.townships()
        if [combo.itemData(i) for i in range(1, combo.count())] == names:
            return
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(tr("Whole county"), "")
        for name in names:
            combo.addItem(name, name)
        combo.setCurrentIndex(max(combo.findData(current), 0))
        combo.blockSignals(False)

    # -- refresh --------------------------------------------------------------------------------
    def refresh(self, *args) -> None:
        c = self.contents
        store = current_store(self.project)
        c.targetsButton.setEnabled(self.role() in EDITORS and store is not None)
        c.targetsButton.setToolTip("" if self.role() in EDITORS else tr("Only technicians and admins set targets."))
        c.exportButton.setEnabled(store is not None)
        if store is None:
            self._store, self.tables = None, {}
            c.statusLabel.setText(tr("No layer: open a Shuibao store first"))
            for view in self.views.values():
                view.clear()
                view.setRowCount(0)
            return
        try:
            ds = Dataset(store)
            self._fill_townships(ds)
            opts = self.current_options(ds)
            county, _unit = settings.report_names()
            self.tables = {t.name: t for t in stats.statistics_tables(ds, opts, self.lang, county)}
        except ReportError as exc:
            c.statusLabel.setText(exc.message(self.lang))
            return
        self._store = store
        c.noteLabel.setText(self.note(opts))
        for name, table in self.tables.items():
            self._show_table(self.views[name], table)
        self._charts()
        targets = len(self.tables["targets"].rows)
        c.statusLabel.setText(tr("{0} targets in {1}–{2}").format(targets, opts.year_from, opts.year_to))

    def note(self, opts: stats.Options) -> str:
        cluster = stats.how_counted("benggang_treated", opts.thresholds, self.lang)
        how = "；".join(pick(self.lang, *stats.HOW[k]) for k in ("watersheds_built", "treated_area"))
        return tr("How it is counted: {0}. {1}.").format(cluster, how)

    def _show_table(self, view: QTableWidget, table: Table) -> None:
        body = [*table.rows, *([table.total] if table.total else [])]
        view.clear()
        view.setColumnCount(len(table.headers))
        view.setRowCount(len(body))
        view.setHorizontalHeaderLabels(table.headers)
        bold = QFont(view.font())
        bold.setBold(True)
        for r, row in enumerate(body):
            for col, value in enumerate(row):
                item = QTableWidgetItem(_cell(value))
                if isinstance(value, (int, float)):
                    item.setTextAlignment(int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter))
                if row is table.total:
                    item.setFont(bold)
                view.setItem(r, col, item)

    def _charts(self) -> None:
        t = self.tables
        rows = t["targets"].rows
        self.charts["targets"].set_data(
            tr("Share of each target reached (%)"),
            [f"{r[0]}（{r[1]} {r[2]}）" for r in rows],
            [Series(tr("Reached"), DONE_COLOUR, [r[6] for r in rows],
                    texts=[f"{_cell(r[5])} / {_cell(r[3])} {r[4]} · {_cell(r[6])}%" for r in rows])],
            reference=100.0,
        )  # fmt: skip
        rows = t["benggang"].rows
        self.charts["benggang"].set_data(
            tr("崩岗 treated in the period against the township targets"),
            [r[0] for r in rows],
            [Series(tr("Target"), TARGET_COLOUR, [r[4] for r in rows]),
             Series(tr("Treated"), DONE_COLOUR, [float(r[3]) for r in rows])],
        )  # fmt: skip
        rows = t["hazards"].rows
        self.charts["hazards"].set_data(
            tr("Hazards found, closed and overdue"),
            [r[0] for r in rows],
            [Series(tr("Found"), FOUND_COLOUR, [float(r[1]) for r in rows]),
             Series(tr("Closed"), DONE_COLOUR, [float(r[3]) for r in rows]),
             Series(tr("Overdue"), OVERDUE_COLOUR, [float(r[5]) for r in rows])],
        )  # fmt: skip

    # -- actions --------------------------------------------------------------------------------
    def export(self, *args, open_after: bool = True):
        """The tables and their charts to an Excel file beside the store (opened when ready)."""
        store = current_store(self.project)
        if store is None or self.options is None:
            return None
        from ..reports import excel

        ds, opts, lang = Dataset(store), self.options, self.lang
        county, _unit = settings.report_names()
        path = default_path(store, tr("Reports"), tr("Statistics"), ".xlsx")

        def write(feedback) -> str:
            return str(excel.write_workbook(path, stats.statistics_tables(ds, opts, lang, county), stats.charts(lang)))

        return self.jobs.run(tr("Export statistics"), write, path, open_after)

    def edit_targets(self, *args) -> bool:
        """Open the target table (its rows are synced like every record) for a technician to edit."""
        if self.role() not in EDITORS:
            return False
        layer = find_layer("target", self.project)
        if layer is None:
            self.jobs.message(tr("The store has no target table: open it again to upgrade it."),
                               Qgis.MessageLevel.Warning, 8)  # fmt: skip
            return False
        if not layer.isEditable():
            layer.startEditing()
        if layer is not self._targets_layer:  # the figures follow the saved targets
            layer.afterCommitChanges.connect(self.schedule_refresh)
            self._connections.append((layer.afterCommitChanges, self.schedule_refresh))
            self._targets_layer = layer
        self.iface.showAttributeTable(layer)
        return True
