"""The three object docks: check dams, gully-erosion patches, small watersheds.

Each dock lists its layer's objects (found in the project by the ``shuibao/kind`` custom
property) with filters (text, township, status, workflow step, due, open hazards), counts per
status and a sync badge; keeps its selection in step with the map's both ways; and shows the
selected object's register fields, timeline, photo thumbnails (of the object and of its timeline
records, see ui.photos) and the buttons of the workflow steps the user's role may take next
(ui.actions does the work through the QGIS layers).
"""

from __future__ import annotations

import datetime as dt

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateTransform,
    QgsExpression,
    QgsExpressionContext,
    QgsProject,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.gui import QgsDockWidget
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QItemSelection, QItemSelectionModel, Qt, QTimer
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QWidget,
)

from .. import settings
from ..layers import splits
from ..layers import thresholds as local_thresholds
from ..layers.project import KIND_PROPERTY
from ..model import OBJECT_KINDS, RECORD_KINDS, STRUCTURE_MEASURES, RecordKind, rules
from ..model.regions import county_names
from ..model.schema import ENUM, INT, MULTI_ENUM, REAL, ROLE_LABELS, Transition
from ..model.values import choice_labels
from ..settings import language
from . import actions, drafts, load_ui, tr
from .feature_model import DUE, DUE_WEEK, FID_ROLE, OVERDUE, FeatureTableModel
from .photos import PhotoStrip
from .record_form import RecordForm

FORM_CLASS = load_ui("object_dock.ui")
REFRESH_DELAY_MS = 200
POINT_ZOOM_SCALE = 5000  # a dam and its reservoir fill the map
ITEM_ROLE = Qt.ItemDataRole.UserRole + 10
UUID_ROLE = Qt.ItemDataRole.UserRole + 11
# The day a timeline record is dated by: when it was done, else when it was recorded. A hazard is
# recorded at the inspection that found it (its own created_at is when the server first saw it).
DATE_FIELDS = {
    "dam_inspection": ("inspected_at",), "dam_hazard": (("inspection_uuid", "inspected_at"), "created_at"),
    "patch_survey": ("surveyed_at",),
    "patch_measure": ("completed_at", "created_at"), "patch_acceptance": ("accepted_at", "signed_at", "created_at"),
    "watershed_acceptance": ("signed_at", "created_at"), "spot_check": ("checked_at", "created_at"),
    "patch_upkeep": ("inspected_at",), "watershed_upkeep": ("inspected_at",),
    "rs_recheck": ("rechecked_at",),
}  # fmt: skip


class _Contents(QWidget, FORM_CLASS):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setupUi(self)


def _create_label(child: str) -> str:
    return {
        "dam_inspection": tr("Start inspection"),
        "dam_hazard": tr("Record hazard"),
        "patch_survey": tr("Start survey"),
        "patch_measure": tr("Record measure"),
        "patch_acceptance": tr("Start acceptance"),
        "watershed_acceptance": tr("Start acceptance"),
        "patch_upkeep": tr("Check upkeep"),
        "watershed_upkeep": tr("Check upkeep"),
        "rs_recheck": tr("Start re-check"),
    }[child]


def action_label(kind: RecordKind, t: Transition, lang: str) -> str:
    """A step's button text. The model names each step of a record (隐患销号, 提交检查); a register
    step is shared by every kind of object, so its button names the object (淤地坝登记销号)."""
    text = t.zh if lang == "zh" else t.en
    if kind.workflow_for("register_status") is not None and t in kind.workflow_for("register_status").transitions:
        return f"{kind.zh}{t.zh}" if lang == "zh" else f"{t.en} ({kind.en.lower()})"
    return text


CREATABLE = {
    "dam": ("dam_inspection", "dam_hazard"),
    "patch": ("patch_survey", "patch_measure", "patch_acceptance", "patch_upkeep"),
    "watershed": ("watershed_acceptance", "watershed_upkeep"),
    "rs_spot": ("rs_recheck",),
}


class ObjectDock(QgsDockWidget):
    """A dock listing the objects of one kind (``dam``, ``patch`` or ``watershed``)."""

    OBJECT = ""
    OBJECT_NAME = ""
    FACETS: tuple[str, ...] = ()  # more fields the list filters on, a combo box each
    OBJECT_FORM = False  # a button opens the object's own form (an object worked as a case)

    def __init__(self, iface, parent=None, project: QgsProject | None = None, lang: str | None = None):
        super().__init__(parent)
        self.iface = iface
        self.project = project or QgsProject.instance()
        self.kind = RECORD_KINDS[OBJECT_KINDS[self.OBJECT][0]]
        self.lang = lang or language()
        self.layer: QgsVectorLayer | None = None
        self.last_outcome: actions.Outcome | None = None
        self.form: RecordForm | None = None  # the record form a button opened
        self.confirmation: QMessageBox | None = None  # the question before an irreversible step
        self._syncing = False
        self._current_fid: int | None = None
        self._connections: list[tuple[object, object]] = []
        self._layer_connections: list[tuple[object, object]] = []

        self.setObjectName(self.OBJECT_NAME)
        self.setWindowTitle(self.title())
        self.contents = c = _Contents(self)
        self.setWidget(self.contents)
        c.filterEdit.setPlaceholderText(tr("Search by code or name…"))
        c.hazardCheck.setText(tr("Has open hazards"))
        self.model = FeatureTableModel(self.kind, self.lang, self, facets=self.FACETS)
        c.hazardCheck.setVisible(self.OBJECT == "dam")
        c.dueCombo.setVisible(self.model.has_due())
        c.dueCombo.addItem(tr("Any due date"), "")
        c.dueCombo.addItem(tr("Due this week"), "week")
        c.dueCombo.addItem(tr("Overdue"), "overdue")
        c.statusCombo.addItem(tr("All statuses"), "")
        status = self.kind.field(self.kind.status_field)
        for choice in status.enum.choices:
            c.statusCombo.addItem(choice.zh if self.lang == "zh" else choice.en, choice.code)
        c.stepCombo.addItem(tr("All steps"), "")
        for step in self.kind.workflow.steps:
            c.stepCombo.addItem(step.zh if self.lang == "zh" else step.en, step.code)
        c.stepCombo.setVisible(self.kind.status_field != self.kind.workflow.state_field)  # else the status says it
        c.townshipCombo.addItem(tr("All townships"), "")
        c.townshipCombo.setVisible(self.model.place_field == "township")  # a watershed lies in counties
        self.facet_combos = {name: self._facet_combo(name) for name in self.FACETS}
        c.splitter.setStretchFactor(0, 3)
        c.splitter.setStretchFactor(1, 2)
        self.photos = PhotoStrip(self.project, iface, self.lang, c.photoWidget)
        c.photoLayout.addWidget(self.photos)

        view = c.tableView
        view.setModel(self.model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 6)
        view.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)

        self._connect(self._timer.timeout, self.reload)
        self._connect(view.doubleClicked, self._on_double_clicked)
        self._connect(view.selectionModel().selectionChanged, self._on_view_selection)
        self._connect(c.filterEdit.textChanged, self._on_filter)
        for combo in (c.townshipCombo, c.statusCombo, c.stepCombo, c.dueCombo, *self.facet_combos.values()):
            self._connect(combo.currentIndexChanged, self._on_filter)
        self._connect(c.hazardCheck.toggled, self._on_filter)
        self._connect(c.childList.currentItemChanged, self._on_child_changed)
        self._connect(self.project.layersAdded, self._on_layers_changed)
        self._connect(self.project.layersRemoved, self._on_layers_changed)
        self._connect(self.project.layersWillBeRemoved, self._on_layers_will_be_removed)
        from .report_ui import ReportButton  # 导出/打印: ledgers of the list, forms of the selection (reports/)

        self.report_button = ReportButton(self)
        self._connect(settings.identity_changed(), self._on_identity_changed)
        self.reload()

    def _facet_combo(self, name: str) -> QComboBox:
        """A filter on one more field: its choices, or the values the list holds (filled on reload)."""
        f = self.kind.field(name)
        combo = QComboBox(self.contents)
        combo.setObjectName(f"{name}Combo")
        combo.addItem(tr("All: {0}").format(f.label(self.lang)), "")
        for choice in f.enum.choices if f.enum is not None else ():
            combo.addItem(choice.zh if self.lang == "zh" else choice.en, choice.code)
        layout = self.contents.filterLayout2
        layout.insertWidget(layout.count() - 1, combo)  # before the spacer
        return combo

    # -- titles ------------------------------------------------------------------------------
    def title(self) -> str:
        raise NotImplementedError

    def role(self) -> str:
        """The logged-in user's role (settings.identity); empty when nobody logged in: no step buttons."""
        return settings.role()

    def _on_identity_changed(self, *args) -> None:
        self.show_detail(self._current_fid)  # another user or role: other buttons

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
        layer.selectionChanged.connect(self._on_layer_selection)
        self._layer_connections.append((layer.selectionChanged, self._on_layer_selection))

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
        self.photos.disconnect_all()
        self._disconnect_layer()
        self.model.close()
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
        # Resetting the list deselects its rows: that must not clear the map selection.
        self._syncing = True
        try:
            self.model.load(self.layer)
            self._fill_townships()
            self._fill_facets()
        finally:
            self._syncing = False
        self._fit_columns()
        self._update_count()
        self._select_from_layer()
        self.show_detail(self._current_fid)

    def _fill_townships(self) -> None:
        combo = self.contents.townshipCombo
        current = combo.currentData()
        names = self.model.townships
        if [combo.itemData(i) for i in range(1, combo.count())] == names:
            return
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(tr("All townships"), "")
        for name in names:
            combo.addItem(name, name)
        combo.setCurrentIndex(max(combo.findData(current), 0))
        combo.blockSignals(False)

    def _fill_facets(self) -> None:
        """The values of the facets without choices (a spot's batches), as the list holds them."""
        for name, combo in self.facet_combos.items():
            if self.kind.field(name).enum is not None:
                continue
            values = self.model.facet_values.get(name, [])
            if [combo.itemData(i) for i in range(1, combo.count())] == values:
                continue
            current = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for value in values:
                combo.addItem(value, value)
            combo.setCurrentIndex(max(combo.findData(current), 0))
            combo.blockSignals(False)

    def _fit_columns(self) -> None:
        """Size the columns to a sample of rows: resizeColumnsToContents reads every row."""
        view = self.contents.tableView
        metrics = view.fontMetrics()
        rows = min(self.model.rowCount(), 200)
        for col in range(4):
            texts = [str(self.model.headerData(col, Qt.Orientation.Horizontal) or "")]
            texts += [str(self.model.index(r, col).data() or "") for r in range(rows)]
            width = max(metrics.horizontalAdvance(t) for t in texts) + 24
            view.horizontalHeader().resizeSection(col, min(width, 200))

    def _on_layers_changed(self, *args) -> None:
        self.schedule_reload()

    def _on_layers_will_be_removed(self, layer_ids) -> None:
        if self.layer is not None and self.layer.id() in layer_ids:
            self._disconnect_layer()
            self.layer = None
            self.model.close()
            self._update_count()
        self.schedule_reload()

    # -- filters and counts ------------------------------------------------------------------
    def _on_filter(self, *args) -> None:
        c = self.contents
        self.model.set_filters(
            text=c.filterEdit.text().strip(),
            township=c.townshipCombo.currentData(),
            status=c.statusCombo.currentData(),
            step=c.stepCombo.currentData(),
            due=c.dueCombo.currentData() if self.model.has_due() else "",
            hazards=c.hazardCheck.isChecked() if self.OBJECT == "dam" else False,
            facets={name: combo.currentData() for name, combo in self.facet_combos.items() if combo.currentData()},
        )
        self._update_count()
        self._select_from_layer()

    def status_counts(self) -> dict[str, int]:
        return dict(self.model.counts_by_status)

    def due_counts(self) -> tuple[int, int]:
        """(due this week, overdue) among the dams."""
        counts = self.model.counts_by_due
        return counts.get(DUE_WEEK, 0), counts.get(OVERDUE, 0)

    def _update_count(self) -> None:
        total, shown = self.model.total, self.model.rowCount()
        if self.layer is None:
            text = tr("No layer: open a Shuibao store first")
        elif shown == total:
            text = tr("{0} features").format(total)
        else:
            text = tr("{0} of {1} features shown").format(shown, total)
        if self.model.error:
            text += " · ⚠ " + tr("the store cannot be read directly, so sync badges are missing: {0}").format(
                self.model.error
            )
        self.contents.countLabel.setText(text)
        enum = self.kind.field(self.kind.status_field).enum
        counts = self.status_counts()
        parts = [f"{enum.label(code, self.lang)} {counts[code]}" for code in enum.codes() if counts.get(code)]
        if self.OBJECT == "dam" and total:
            week, overdue = self.due_counts()
            hazards = self.model.with_hazards
            parts.append(tr("due this week {0}, overdue {1}, with open hazards {2}").format(week, overdue, hazards))
        elif self.model.has_due() and total:
            parts.append(tr("due within 7 days {0}, overdue {1}").format(*self.due_counts()))
        self.contents.summaryLabel.setText(" · ".join(parts))

    def count(self) -> int:
        """How many objects the list holds (shown or filtered out)."""
        return self.model.total

    # -- selection sync ----------------------------------------------------------------------
    def selected_fids(self) -> list[int]:
        rows = self.contents.tableView.selectionModel().selectedRows()
        return [self.model.data(i, FID_ROLE) for i in rows]

    def _on_view_selection(self, *args) -> None:
        fids = self.selected_fids()
        self._current_fid = fids[0] if len(fids) == 1 else (fids[0] if fids else None)
        self.show_detail(self._current_fid)
        if self._syncing or self.layer is None:
            return
        self._syncing = True
        try:
            self.layer.selectByIds(fids)
        finally:
            self._syncing = False

    def _on_layer_selection(self, *args) -> None:
        if not self._syncing:
            self._select_from_layer()

    def _select_from_layer(self) -> None:
        if self.layer is None:
            return
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for fid in self.layer.selectedFeatureIds():
            row = self.model.row_of_fid(fid)
            if row >= 0:
                selection.select(self.model.index(row, 0), self.model.index(row, last))
        self._syncing = True
        try:
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.contents.tableView.selectionModel().select(selection, flags)
            if not selection.isEmpty():
                self.contents.tableView.scrollTo(selection.indexes()[0])
        finally:
            self._syncing = False

    def select_fid(self, fid: int) -> None:
        """Select one object in the list (and so on the map)."""
        index = self.row_for_fid(fid)
        if index is not None and index.isValid():
            self.contents.tableView.selectRow(index.row())

    # -- zoom ---------------------------------------------------------------------------------
    def _on_double_clicked(self, index) -> None:
        fid = self.model.data(index, FID_ROLE)
        if fid is not None:
            self.zoom_to(int(fid))

    def zoom_to(self, fid: int) -> None:
        if self.layer is None or self.iface is None:
            return
        canvas = self.iface.mapCanvas()
        self.layer.selectByIds([fid])
        geometry = self.layer.getFeature(fid).geometry()
        if geometry.type() == QgsWkbTypes.GeometryType.PointGeometry and not geometry.isEmpty():
            # A point has no extent: centre it at a scale where its surroundings are readable.
            to_canvas = QgsCoordinateTransform(self.layer.crs(), canvas.mapSettings().destinationCrs(), self.project)
            canvas.setCenter(to_canvas.transform(geometry.centroid().asPoint()))
            canvas.zoomScale(POINT_ZOOM_SCALE)
        else:
            canvas.zoomToFeatureIds(self.layer, [fid])
        canvas.flashFeatureIds(self.layer, [fid])

    def row_for_fid(self, fid: int):
        """The view index (first column) of a feature."""
        row = self.model.row_of_fid(fid)
        return self.model.index(row, 0) if row >= 0 else None

    # -- detail ------------------------------------------------------------------------------
    def _label(self, f, value) -> str:
        if value is None or value == "":
            return "—"
        if f.type == ENUM and f.enum is not None:
            return f.enum.label(value, self.lang)
        if f.type == MULTI_ENUM and f.enum is not None:
            return choice_labels(f, value, self.lang) or "—"
        if f.name == "county_codes":
            return county_names(value, self.lang) or "—"
        if f.ref is not None and isinstance(value, str):
            return self._display(f.ref, value) or "—"
        if isinstance(value, bool):
            return tr("yes") if value else tr("no")
        if isinstance(value, str) and f.name.endswith("_at") and "T" in value:
            return value[:16].replace("T", " ")
        if isinstance(value, float):
            return f.shown(value)  # 23.999999 km² reads as 24.00
        return str(value)

    def _when(self, kind: RecordKind, values: dict) -> str:
        for spec in DATE_FIELDS.get(kind.name, ()):
            if isinstance(spec, tuple):  # (reference field, date field of the referenced record)
                ref, name = spec
                found = actions.by_uuid(kind.field(ref).ref, values.get(ref), self.project)
                value = actions.feature_values(RECORD_KINDS[kind.field(ref).ref], found).get(name) if found else None
            else:
                value = values.get(spec)
            if value:
                return value
        return ""

    def _unit(self, kind, f, values: dict) -> str:
        """ " 米" after a quantity whose unit is another field of the record (a measure's 120 m)."""
        if f.type in (INT, REAL) and "unit" in kind.field_names() and values.get("unit"):
            return " " + kind.field("unit").enum.label(values["unit"], self.lang)
        return ""

    def _display(self, kind: str, uuid: str) -> str:
        """How the layer names a record (its display expression: code and name), for references."""
        layer = actions.layer_of(kind, self.project)
        feature = actions.by_uuid(kind, uuid, self.project) if layer is not None else None
        if feature is None:
            return ""
        context = QgsExpressionContext(layer.createExpressionContext())
        context.setFeature(feature)
        value = QgsExpression(layer.displayExpression()).evaluate(context)
        return "" if value is None or str(value) == "NULL" else str(value).strip()

    def show_detail(self, fid: int | None) -> None:
        c = self.contents
        c.childList.blockSignals(True)
        c.childList.clear()
        c.childList.blockSignals(False)
        c.warningLabel.clear()
        feature = actions.get_feature(self.layer, fid) if self.layer is not None and fid is not None else None
        if feature is None:
            c.detailBrowser.setHtml(f"<p style='color:#777'>{tr('Select an object to see its details.')}</p>")
            self._build_buttons(None, None)
            self.photos.set_records([])
            return
        values = actions.feature_values(self.kind, feature)
        rows = []
        skip = set(("uuid", "county_code", "created_at", "created_by", "updated_at", "updated_by", "server_rev"))
        for f in self.kind.fields:
            if f.name in skip or values.get(f.name) in (None, "", "[]"):
                continue
            rows.append(
                f"<tr><td style='color:#555'>{f.label(self.lang)}</td><td>{self._label(f, values[f.name])}</td></tr>"
            )
        head = f"<b>{values.get(self.kind.code_field) or ''} {values.get(self.kind.title_field) or ''}</b>"
        c.detailBrowser.setHtml(f"{head}{self._next_steps_html(values)}<table cellspacing='2'>{''.join(rows)}</table>")
        records = self._fill_timeline(values)
        title = " ".join(str(values.get(n) or "") for n in (self.kind.code_field, self.kind.title_field)).strip()
        self.photos.set_records([(self.kind.name, values["uuid"], f"{self.kind.label(self.lang)} {title}"), *records])
        self._build_buttons(feature, values)

    def _next_steps_html(self, values: dict) -> str:
        """What comes next for an object worked as a case (a spot): each step, who takes it, and
        what it still needs; the step a submitted record takes by itself names that record."""
        wf = self.kind.workflow
        step = values.get(wf.state_field) or wf.initial
        if not self.OBJECT_FORM or step in wf.final:
            return ""
        zh = self.lang == "zh"
        lines = []
        for t in wf.transitions:
            if t.source != step or wf.step_index(t.target) < wf.step_index(step) or set(t.roles) == {"admin"}:
                continue
            if t.auto and step != wf.initial:
                continue  # a step the model takes on from another (合规 closes at 认定), never one to wait for
            who = "、".join(ROLE_LABELS[r][0 if zh else 1] for r in t.roles)
            name = t.zh if zh else t.en
            if t.auto:
                child = RECORD_KINDS[CREATABLE[self.OBJECT][0]].label(self.lang)
                lines.append(tr("{0}: after a {1} is submitted ({2})").format(name, child, who))
                continue
            missing = [p.message(self.lang) for p in rules.step_needs(self.kind, values, t.target)]
            line = f"{name}（{who}）" if zh else f"{name} ({who})"
            if missing:
                line += ("：" + "；".join(missing)) if zh else (": " + "; ".join(missing))
            lines.append(line)
        if not lines:
            return ""
        items = "".join(f"<li>{line}</li>" for line in lines)
        return f"<p style='margin:4px 0 0 0'>{tr('Next steps:')}</p><ul style='margin:0'>{items}</ul>"

    def _milestones(self, values: dict) -> list[tuple]:
        """Timeline entries of the object's own dated steps (a spot's issue, determination…): none here."""
        return []

    def _overdue_warning(self, values: dict) -> str:
        return tr("The next patrol of this dam is overdue.")

    def _timeline_kinds(self) -> list[str]:
        kinds = [name for name, k in RECORD_KINDS.items() if k.parent == self.kind.name]
        if self.OBJECT == "watershed":
            kinds.remove("watershed_spot")  # spots are many: they show on the map and in the form
            kinds.append("spot_check")
        return kinds

    def _fill_timeline(self, values: dict) -> list[tuple[str, str, str]]:
        """Fill the timeline; returns its records as (kind, uuid, text), in the list's order."""
        entries = []
        warn = []
        acceptance_uuids: list[str] = []
        for child in self._timeline_kinds():
            k = RECORD_KINDS[child]
            parents = acceptance_uuids if child == "spot_check" else [values["uuid"]]
            for parent_uuid in parents:
                for feature in actions.children(child, parent_uuid, self.project):
                    v = actions.feature_values(k, feature)
                    if child == "watershed_acceptance":
                        acceptance_uuids.append(v["uuid"])
                    when = self._when(k, v)
                    step_field = k.field(k.workflow.state_field)
                    parts = [_day(when), k.label(self.lang), self._label(step_field, v.get(k.workflow.state_field))]
                    for extra in (k.code_field, k.title_field, k.status_field, "verdict"):
                        if extra and extra in k.field_names() and extra != k.workflow.state_field and v.get(extra):
                            f = k.field(extra)
                            if not f.name.endswith("_at"):
                                parts.append(self._label(f, v[extra]) + self._unit(k, f, v))
                    distance = v.get("distance_to_object")
                    limit = local_thresholds.of(v.get("county_code"))["visit_max_distance"]
                    if distance is not None and distance > limit:
                        if child == "rs_recheck":
                            parts.append("⚠ " + tr("{0:.0f} m from the spot").format(distance))
                            warn.append(tr("A re-check was recorded {0:.0f} m from the spot (more than {1:g} m).")
                                        .format(distance, limit))  # fmt: skip
                        else:
                            parts.append("⚠ " + tr("{0:.0f} m from the dam").format(distance))
                            warn.append(tr("An inspection was recorded {0:.0f} m from the dam (more than {1:g} m).")
                                        .format(distance, limit))  # fmt: skip
                    final = v.get(k.workflow.state_field) in k.workflow.final
                    text = " · ".join(p for p in dict.fromkeys(parts) if p)
                    entries.append((final, when, text, child, feature.id(), v["uuid"]))
        entries += self._milestones(values)
        entries.sort(key=lambda e: e[1], reverse=True)
        entries.sort(key=lambda e: e[0])  # open records first, newest first
        c = self.contents
        c.childList.blockSignals(True)
        for final, _when, text, child, fid, uuid in entries:
            item = QListWidgetItem(("" if final else "● ") + text)
            item.setData(ITEM_ROLE, (child, fid))
            item.setData(UUID_ROLE, uuid)
            c.childList.addItem(item)
        if entries:
            c.childList.setCurrentRow(0)
        c.childList.blockSignals(False)
        if self.model.has_due():
            row = self.model.values_of_fid(self._current_fid) if self._current_fid is not None else None
            if row is not None and row[DUE] == OVERDUE:
                warn.insert(0, self._overdue_warning(values))
        c.warningLabel.setText("\n".join(dict.fromkeys(warn)))
        return [(child, uuid, text) for _final, _when, text, child, _fid, uuid in entries if child != self.kind.name]

    def selected_child(self) -> tuple[str, int] | None:
        item = self.contents.childList.currentItem()
        return item.data(ITEM_ROLE) if item is not None else None

    def select_child(self, kind: str, fid: int) -> bool:
        lst = self.contents.childList
        for i in range(lst.count()):
            if tuple(lst.item(i).data(ITEM_ROLE)) == (kind, fid):
                lst.blockSignals(True)
                lst.setCurrentRow(i)
                lst.blockSignals(False)
                self._on_child_changed()  # rebuild the buttons even when the row was current
                return True
        return False

    def _on_child_changed(self, *args) -> None:
        item = self.contents.childList.currentItem()
        if item is not None:
            kind, _fid = item.data(ITEM_ROLE)
            self.photos.set_target(kind, item.data(UUID_ROLE))  # new photos go to the chosen record
        feature = (
            actions.get_feature(self.layer, self._current_fid) if self.layer and self._current_fid is not None else None
        )
        self._build_buttons(feature, actions.feature_values(self.kind, feature) if feature else None)

    # -- workflow buttons --------------------------------------------------------------------
    def _build_buttons(self, feature, values) -> None:
        layout = self.contents.actionsLayout
        while layout.count():
            widget = layout.takeAt(0).widget()
            if widget is not None:
                widget.hide()  # until deleted, an old button would still show beside the new ones
                widget.deleteLater()
        self.buttons: dict[str, QPushButton] = {}
        if feature is None:
            return
        role = self.role()
        specs: list[tuple[str, str, object]] = []
        for child in CREATABLE[self.OBJECT]:
            if actions.can_create(child, role) and not rules.creation_problems(child, values):
                specs.append((f"create:{child}", _create_label(child), lambda _=False, ch=child: self.create(ch)))
        for t in actions.allowed_transitions(self.kind, values, role):
            specs.append((f"step:{self.kind.name}:{t.target}", action_label(self.kind, t, self.lang),
                          lambda _=False, tg=t.target: self.step(self.kind.name, self._current_fid, tg)))  # fmt: skip
        specs += self._object_buttons(values, role)
        child = self.selected_child()
        if child is not None and child[0] != self.kind.name:
            ck, cfid = child
            k = RECORD_KINDS[ck]
            child_feature = actions.get_feature(actions.layer_of(ck, self.project), cfid)
            if child_feature is not None:
                cv = actions.feature_values(k, child_feature)
                for t in actions.allowed_transitions(k, cv, role):
                    specs.append((f"step:{ck}:{t.target}", action_label(k, t, self.lang),
                                  lambda _=False, kk=ck, ff=cfid, tg=t.target: self.step(kk, ff, tg)))  # fmt: skip
                specs.append((f"form:{ck}", tr("Open form"), lambda _=False, kk=ck, ff=cfid: self.open_form(kk, ff)))
                if drafts.may_delete(ck, cv):
                    specs.append((f"delete:{ck}", drafts.delete_label(ck, self.lang),
                                  lambda _=False, kk=ck, ff=cfid: self.delete_draft(kk, ff)))  # fmt: skip
        for i, (name, label, slot) in enumerate(specs):
            button = QPushButton(label, self.contents.actionsWidget)
            button.setObjectName(name)
            button.clicked.connect(slot)
            layout.addWidget(button, i // 3, i % 3)
            self.buttons[name] = button

    def _object_buttons(self, values: dict, role: str) -> list[tuple[str, str, object]]:
        """Buttons on the object itself besides its steps: its form, for an object worked as a case;
        otherwise its register form (a silt level measured, a phone number changed)."""
        if not self.OBJECT_FORM and not role:
            return []
        label = tr("Open form") if self.OBJECT_FORM else tr("Edit register…")
        return [(f"form:{self.kind.name}", label, lambda _=False: self.open_form(self.kind.name, self._current_fid))]

    def delete_draft(self, kind: str, fid: int) -> bool:
        """删除草稿: asks first (ui.drafts); the list and the timeline follow."""
        item = self.contents.childList.currentItem()
        deleted = drafts.delete_draft(kind, fid, item.text() if item else "", self, self.project)
        if deleted:
            self.reload()
        return deleted

    def _report(self, outcome: actions.Outcome, success: str) -> None:
        self.last_outcome = outcome
        bar = self.iface.messageBar() if self.iface is not None and hasattr(self.iface, "messageBar") else None
        if bar is None:
            return
        if not outcome.ok:
            bar.pushMessage(tr("Shuibao"), outcome.message(self.lang), Qgis.MessageLevel.Warning, 8)
        elif outcome.warnings:
            bar.pushMessage(tr("Shuibao"), outcome.message(self.lang), Qgis.MessageLevel.Warning, 10)
        else:
            bar.pushMessage(tr("Shuibao"), success, Qgis.MessageLevel.Success, 3)

    def _gps_position(self) -> tuple[float, float] | None:
        try:
            connections = QgsApplication.gpsConnectionRegistry().connectionList()
        except AttributeError:
            return None
        for connection in connections:
            info = connection.currentGPSInformation()
            if info.isValid() and (info.longitude or info.latitude):
                return (info.longitude, info.latitude)
        return None

    def _window(self):
        return self.iface.mainWindow() if self.iface is not None and hasattr(self.iface, "mainWindow") else self

    def _open(self, form: RecordForm) -> RecordForm:
        self.form = form
        form.finished.connect(lambda *_args: self._form_closed(form))
        form.open()  # window-modal: QGIS waits for it, the event loop keeps running
        return form

    def _form_closed(self, form: RecordForm) -> None:
        if self.form is form:
            self.form = None

    # -- creating records --------------------------------------------------------------------
    def create(self, child: str) -> RecordForm | None:
        """Open the form of a new child record (nothing is saved before its OK)."""
        gps = self._gps_position()
        outcome, feature = actions.new_child(
            child, self.kind.name, self._current_fid, self.role(), settings.user_name(),
            position=gps, position_source="gps" if gps else None, project=self.project,
        )  # fmt: skip
        if feature is None:
            self._report(outcome, "")
            return None
        layer = actions.layer_of(child, self.project)
        form = RecordForm(layer, feature, RECORD_KINDS[child], new=True, lang=self.lang, parent=self._window(),
                          iface=self.iface, on_saved=lambda fid, ch=child: self._created(ch, fid))  # fmt: skip
        return self._open(form)

    def _created(self, child: str, fid: int) -> None:
        self._report(actions.Outcome(True, [], child, fid), tr("Saved."))
        self.show_detail(self._current_fid)
        self.select_child(child, fid)

    def open_form(self, kind: str, fid: int) -> RecordForm | None:
        """Open a record's form: editable until the record reaches a final step, then read only."""
        layer = actions.layer_of(kind, self.project)
        feature = actions.get_feature(layer, fid) if layer is not None else None
        if feature is None:
            return None
        k = RECORD_KINDS[kind]
        values = actions.feature_values(k, feature)
        final = k.workflow is not None and values.get(k.workflow.state_field) in k.workflow.final
        form = RecordForm(layer, feature, k, new=False, lang=self.lang, parent=self._window(), iface=self.iface,
                          editable=not final, on_saved=lambda _fid: self.reload())  # fmt: skip
        return self._open(form)

    # -- workflow steps ----------------------------------------------------------------------
    def step(self, kind: str, fid: int, target: str) -> None:
        """Take one workflow step: ask first when it cannot be undone, open the form when fields
        are missing, refuse with the model's reasons. The result lands in last_outcome."""
        role, user = self.role(), settings.user_name()
        if kind == "watershed_acceptance" and target == "sampled":
            self._sample(fid, role, user)
            return
        plan = actions.plan_transition(kind, fid, target, role, user, project=self.project)
        if plan is None:
            self._report(actions.missing_record(kind, fid), "")
        elif plan.refusals():
            self._report(actions.Outcome(False, plan.refusals(), kind, fid), "")
        elif plan.missing():
            self._finish_in_form(plan)
        else:
            self._confirm(plan, lambda: self._apply(plan))

    def _step_label(self, plan: actions.Plan) -> str:
        t = plan.kind.workflow.transition(plan.source, plan.target)
        return action_label(plan.kind, t, self.lang)

    def _finish_in_form(self, plan: actions.Plan) -> None:
        """Open the record's form to fill what the step lacks; its OK saves and takes the step."""
        name, fid, target = plan.kind.name, plan.fid, plan.target
        role, user = self.role(), settings.user_name()

        def check(values: dict) -> list:
            again = actions.plan_transition(name, fid, target, role, user, values, self.project)
            return again.missing() if again is not None else []

        layer = actions.layer_of(name, self.project)
        feature = actions.get_feature(layer, fid)
        form = RecordForm(layer, feature, plan.kind, new=False, lang=self.lang, parent=self._window(),
                          iface=self.iface, check=check, step_label=self._step_label(plan),
                          on_saved=lambda _fid: self.step(name, fid, target))  # fmt: skip
        self._open(form)
        form.refresh_problems()
        form.show_tab_of(plan.missing()[0].field)
        self.last_outcome = actions.Outcome(False, plan.problems, name, fid)  # the form says what is missing

    def _summary(self, plan: actions.Plan, notes: tuple[str, ...] = ()) -> str:
        """What the step changes, and what it records that was typed before (a reason, a verdict)."""
        lines = []
        changed = plan.changed()
        for name, old, new in changed:
            f = plan.kind.field(name)
            change = f"{self._label(f, old)} → {self._label(f, new)}" if old not in (None, "") else self._label(f, new)
            lines.append(f"• {f.label(self.lang)}：{change}")
        done = {name for name, _old, _new in changed}
        values = plan.values
        record = plan.kind.parent is not None  # a record's computed figures are what one signs
        asked = {r.field for r in plan.kind.rules if plan.target in r.steps and values.get(r.when_field) in r.values}
        for f in plan.kind.fields:
            shown = plan.target in f.required_at or f.name in asked or (record and f.derived)
            if shown and f.name not in done and values.get(f.name) not in (None, ""):
                lines.append(f"• {f.label(self.lang)}：{self._label(f, values[f.name])}")
        lines += [f"• {note}" for note in notes]
        lines += [f"⚠ {w.message(self.lang)}" for w in plan.warnings]
        return "\n".join(lines)

    def _confirm(self, plan: actions.Plan, go, notes: tuple[str, ...] = ()) -> None:
        """Ask before a step only an administrator can undo, or one the model warns about, with
        a short summary of what it changes."""
        reached = plan.values.get(plan.kind.workflow.state_field) or plan.target  # a step may go on by itself
        irreversible = rules.irreversible(plan.kind, reached)
        if not irreversible and not plan.warnings:
            go()
            return
        label = self._step_label(plan)
        if irreversible:
            text = tr("“{0}” cannot be undone (only an administrator can). It will change:").format(label)
        else:
            text = tr("“{0}” will change:").format(label)
        box = QMessageBox(QMessageBox.Icon.Question, label, text, parent=self._window())
        box.setObjectName("ShuibaoConfirmStep")
        box.setInformativeText(self._summary(plan, (*notes, *actions.follows(plan, self.lang, self.project))))
        yes = box.addButton(label, QMessageBox.ButtonRole.AcceptRole)
        yes.setObjectName("ShuibaoConfirmYes")
        box.setDefaultButton(box.addButton(QMessageBox.StandardButton.Cancel))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: go() if button is yes else self._cancelled(plan))
        box.finished.connect(lambda *_args: setattr(self, "confirmation", None))
        self.confirmation = box
        box.open()

    def _cancelled(self, plan: actions.Plan) -> None:
        self.last_outcome = actions.Outcome(False, [], plan.kind.name, plan.fid)

    def _apply(self, plan: actions.Plan) -> None:
        outcome = actions.apply(plan, self.role(), settings.user_name(), self.project)
        self._done(outcome)

    def _done(self, outcome: actions.Outcome) -> None:
        self._report(outcome, tr("Saved."))
        self.reload()
        if outcome.ok and outcome.kind != self.kind.name and outcome.fid is not None:
            self.select_child(outcome.kind, outcome.fid)

    def _sample(self, fid: int, role: str, user: str) -> None:
        sample = actions.plan_sample(fid, role, user, settings.sample_share(), project=self.project)
        if isinstance(sample, actions.Outcome):
            self._report(sample, "")
            return
        structures = sum(1 for s in sample.spots if s["measure_type"] in STRUCTURE_MEASURES)
        note = tr("{0} spots to check: all {1} structures and {2:.0%} of the others (seed {3})").format(
            len(sample.spots), structures, sample.share, sample.seed)  # fmt: skip
        self._confirm(sample.plan, lambda: self._done(actions.draw_sample(sample, role, user, self.project)), (note,))


def _day(value: str) -> str:
    """The local day of a date or a UTC time stamp."""
    if "T" not in value:
        return value[:10]
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone().date().isoformat()
    except ValueError:
        return value[:10]


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


# A spot's own dated steps in its timeline: (date field, label zh, label en, detail field).
SPOT_MILESTONES = (
    ("issued_on", "下发", "Issued", "batch"),
    ("determined_at", "认定", "Determined", "determination"),
    ("notice_date", "下发整改通知", "Notice issued", "notice_no"),
    ("case_filed_on", "立案查处", "Case filed", "case_no"),
    ("evidence_date", "整改佐证", "Evidence", "evidence_type"),
    ("closed_at", "销号", "Closed", "closed_by"),
)


class RsSpotDock(ObjectDock):
    """Remote-sensing spots (遥感监管图斑): a case from issue to 销号, filtered by batch and
    determination, with its deadline; a spot can be split with QGIS's split tool (layers.splits
    keeps each part's identity and its link to the spot it came from)."""

    OBJECT = "rs_spot"
    OBJECT_NAME = "ShuibaoRsSpotDock"
    FACETS = ("batch", "determination")
    OBJECT_FORM = True
    SPLIT_ROLES = ("inspector", "technician", "admin")

    def __init__(self, *args, **kwargs):
        self._split: tuple[int, bool] | None = None  # (spot fid, whether the dock started editing)
        self._hint = None  # the split's instruction in the message bar
        super().__init__(*args, **kwargs)
        due = self.contents.dueCombo
        due.setItemText(due.findData(""), tr("Any deadline"))
        due.setItemText(due.findData("week"), tr("Due within 7 days"))

    def title(self) -> str:
        return tr("Remote-sensing spots")

    def _overdue_warning(self, values: dict) -> str:
        deadline = rules.spot_deadline(values) or ""
        try:
            days = (dt.date.today() - dt.date.fromisoformat(deadline)).days
        except ValueError:
            days = 0
        return tr("This spot is {0} days past its deadline ({1}).").format(days, deadline)

    def _milestones(self, values: dict) -> list[tuple]:
        out = []
        for date_field, zh, en, detail in SPOT_MILESTONES:
            day = values.get(date_field)
            if not day:
                continue
            text = " · ".join(p for p in (_day(day), zh if self.lang == "zh" else en,
                                          self._label(self.kind.field(detail), values.get(detail))) if p != "—")  # fmt: skip
            out.append((True, day, text, self.kind.name, self._current_fid, values["uuid"]))
        return out

    # -- splitting ---------------------------------------------------------------------------
    def _object_buttons(self, values: dict, role: str) -> list[tuple[str, str, object]]:
        out = super()._object_buttons(values, role)
        wf = self.kind.workflow
        if role in self.SPLIT_ROLES and values.get(wf.state_field) not in wf.final:
            label = tr("Cancel split") if self._split is not None else tr("Split spot")
            out.append((f"split:{self.kind.name}", label, lambda _=False: self.split(self._current_fid)))
        return out

    def split(self, fid: int | None) -> None:
        """Split a spot with QGIS's split tool: the spot's layer is edited, the spot selected and the
        tool chosen; the line drawn across it makes the parts, which are saved at once. Pressed
        again, the split is cancelled."""
        if self._split is not None:
            self._end_split(save=False)
            return
        layer = self.layer
        keeper = splits.keeper_of(layer) if layer is not None else None
        if fid is None or keeper is None:
            return
        started = not layer.isEditable()
        if started and not layer.startEditing():
            self._report(actions.Outcome(False, [rules.Problem(None, "write", "图层无法编辑", "the layer cannot be edited")],
                                         self.kind.name, fid), "")  # fmt: skip
            return
        layer.selectByIds([fid])
        self._split = (fid, started)
        keeper.split.connect(self._on_split)
        if self.iface is not None and hasattr(self.iface, "actionSplitFeatures"):
            self.iface.setActiveLayer(layer)
            self.iface.actionSplitFeatures().trigger()
        self._hint = self._message(
            tr("Draw a line across the spot on the map: click to add points, right-click to finish.")
        )
        self.show_detail(self._current_fid)

    def _on_split(self, original: int, parts: list) -> None:
        if self._split is not None and original == self._split[0]:
            # After QGIS has finished its edit command: the parts are saved outside of it.
            QTimer.singleShot(0, lambda: self._split_done(original, parts))

    def _split_done(self, original: int, parts: list) -> None:
        if self._split is None or original != self._split[0]:
            return
        saved = self._end_split(save=True)
        outcome = actions.Outcome(saved, [] if saved else [rules.Problem(None, "write", "保存失败", "could not save")],
                                  self.kind.name, original)  # fmt: skip
        self._report(outcome, tr("The spot was split into {0} parts.").format(len(parts) + 1))
        self.reload()
        self.select_fid(original)

    def _end_split(self, save: bool) -> bool:
        """Leave the split: save the parts (when the dock started editing), or undo it."""
        fid, started = self._split
        self._split = None
        self._drop_hint()
        layer = self.layer
        keeper = splits.keeper_of(layer) if layer is not None else None
        if keeper is not None:
            keeper.split.disconnect(self._on_split)
        if self.iface is not None and hasattr(self.iface, "actionPan"):
            self.iface.actionPan().trigger()
        ok = True
        if layer is not None and started and layer.isEditable():
            ok = layer.commitChanges() if save else layer.rollBack()
            if not ok:
                layer.rollBack()
        self.show_detail(fid)
        return ok

    def _message(self, text: str):
        """An instruction in the message bar while the split tool is on (the item, to take it away)."""
        bar = self.iface.messageBar() if self.iface is not None and hasattr(self.iface, "messageBar") else None
        if bar is None or not hasattr(bar, "createMessage"):
            return None
        item = bar.createMessage(tr("Shuibao"), text)
        bar.pushWidget(item, Qgis.MessageLevel.Info)
        return item

    def _drop_hint(self) -> None:
        bar = self.iface.messageBar() if self.iface is not None and hasattr(self.iface, "messageBar") else None
        if self._hint is not None and bar is not None and not sip.isdeleted(self._hint):
            bar.popWidget(self._hint)
        self._hint = None


DOCK_CLASSES = (PatchDock, DamDock, WatershedDock, RsSpotDock)
