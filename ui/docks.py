"""The three object docks: check dams, gully-erosion patches, small watersheds.

Each dock lists its layer's objects (found in the project by the ``shuibao/kind`` custom
property) with filters (text, township, status, workflow step, due, open hazards), counts per
status and a sync badge; keeps its selection in step with the map's both ways; and shows the
selected object's register fields, timeline, photo thumbnails (of the object and of its timeline
records, see ui.photos) and the buttons of the workflow steps the user's role may take next
(ui.actions does the work through the QGIS layers).
"""

from __future__ import annotations

from qgis.core import Qgis, QgsApplication, QgsCoordinateTransform, QgsProject, QgsVectorLayer, QgsWkbTypes
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import QItemSelection, QItemSelectionModel, Qt, QTimer
from qgis.PyQt.QtWidgets import QAbstractItemView, QHeaderView, QInputDialog, QListWidgetItem, QPushButton, QWidget

from .. import settings
from ..layers.project import KIND_PROPERTY
from ..model import OBJECT_KINDS, RECORD_KINDS, THRESHOLDS
from ..model.schema import DATE, ENUM, TEXT
from ..settings import language
from . import actions, load_ui, tr
from .feature_model import DUE, DUE_WEEK, FID_ROLE, OVERDUE, FeatureTableModel
from .photos import PhotoStrip

FORM_CLASS = load_ui("object_dock.ui")
REFRESH_DELAY_MS = 200
POINT_ZOOM_SCALE = 5000  # a dam and its reservoir fill the map
ITEM_ROLE = Qt.ItemDataRole.UserRole + 10
UUID_ROLE = Qt.ItemDataRole.UserRole + 11
DATE_FIELDS = ("inspected_at", "surveyed_at", "accepted_at", "signed_at", "checked_at", "deadline", "completed_at",
               "created_at")  # fmt: skip


class _Contents(QWidget, FORM_CLASS):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setupUi(self)


def _create_label(child: str) -> str:
    return {
        "dam_inspection": tr("Start inspection"),
        "dam_hazard": tr("Open hazard"),
        "patch_survey": tr("Survey"),
        "patch_measure": tr("Record measure"),
        "patch_acceptance": tr("Acceptance"),
        "watershed_acceptance": tr("Acceptance"),
    }[child]


CREATABLE = {
    "dam": ("dam_inspection", "dam_hazard"),
    "patch": ("patch_survey", "patch_measure", "patch_acceptance"),
    "watershed": ("watershed_acceptance",),
}


class ObjectDock(QgsDockWidget):
    """A dock listing the objects of one kind (``dam``, ``patch`` or ``watershed``)."""

    OBJECT = ""
    OBJECT_NAME = ""

    def __init__(self, iface, parent=None, project: QgsProject | None = None, lang: str | None = None):
        super().__init__(parent)
        self.iface = iface
        self.project = project or QgsProject.instance()
        self.kind = RECORD_KINDS[OBJECT_KINDS[self.OBJECT][0]]
        self.lang = lang or language()
        self.layer: QgsVectorLayer | None = None
        self.role_override: str | None = None
        self.open_forms = True  # open the QGIS feature form after creating a record
        self.ask = self._ask  # (kind, field) -> value or None; tests replace it
        self.last_outcome: actions.Outcome | None = None
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
        c.hazardCheck.setVisible(self.OBJECT == "dam")
        c.dueCombo.setVisible(self.OBJECT == "dam")
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
        c.townshipCombo.addItem(tr("All townships"), "")
        c.splitter.setStretchFactor(0, 3)
        c.splitter.setStretchFactor(1, 2)
        self.photos = PhotoStrip(self.project, iface, self.lang, c.photoWidget)
        c.photoLayout.addWidget(self.photos)

        self.model = FeatureTableModel(self.kind, self.lang, self)
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
        for combo in (c.townshipCombo, c.statusCombo, c.stepCombo, c.dueCombo):
            self._connect(combo.currentIndexChanged, self._on_filter)
        self._connect(c.hazardCheck.toggled, self._on_filter)
        self._connect(c.childList.currentItemChanged, self._on_child_changed)
        self._connect(self.project.layersAdded, self._on_layers_changed)
        self._connect(self.project.layersRemoved, self._on_layers_changed)
        self._connect(self.project.layersWillBeRemoved, self._on_layers_will_be_removed)
        from .report_ui import ReportButton  # 导出/打印: ledgers of the list, forms of the selection (reports/)

        self.report_button = ReportButton(self)
        self.reload()

    # -- titles ------------------------------------------------------------------------------
    def title(self) -> str:
        raise NotImplementedError

    def role(self) -> str:
        return self.role_override or settings.role()

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
            due=c.dueCombo.currentData() if self.OBJECT == "dam" else "",
            hazards=c.hazardCheck.isChecked() if self.OBJECT == "dam" else False,
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
        if isinstance(value, bool):
            return tr("yes") if value else tr("no")
        if isinstance(value, str) and f.name.endswith("_at") and "T" in value:
            return value[:16].replace("T", " ")
        if isinstance(value, float):
            return f"{value:.3f}".rstrip("0").rstrip(".")  # 23.999999 km² reads as 24
        return str(value)

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
        c.detailBrowser.setHtml(f"{head}<table cellspacing='2'>{''.join(rows)}</table>")
        records = self._fill_timeline(values)
        title = " ".join(str(values.get(n) or "") for n in (self.kind.code_field, self.kind.title_field)).strip()
        self.photos.set_records([(self.kind.name, values["uuid"], f"{self.kind.label(self.lang)} {title}"), *records])
        self._build_buttons(feature, values)

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
                    when = next((v[n] for n in DATE_FIELDS if v.get(n)), "") or ""
                    step_field = k.field(k.workflow.state_field)
                    parts = [when[:10], k.label(self.lang), self._label(step_field, v.get(k.workflow.state_field))]
                    for extra in (k.code_field, k.status_field, "verdict", "severity"):
                        if extra and extra in k.field_names() and extra != k.workflow.state_field and v.get(extra):
                            parts.append(self._label(k.field(extra), v[extra]))
                    distance = v.get("distance_to_object")
                    if distance is not None and distance > THRESHOLDS["visit_max_distance"]:
                        parts.append("⚠ " + tr("{0:.0f} m from the dam").format(distance))
                        warn.append(tr("An inspection was recorded {0:.0f} m from the dam (more than {1:g} m).").format(
                            distance, THRESHOLDS["visit_max_distance"]))  # fmt: skip
                    final = v.get(k.workflow.state_field) in k.workflow.final
                    text = " · ".join(p for p in dict.fromkeys(parts) if p)
                    entries.append((final, when, text, child, feature.id(), v["uuid"]))
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
        if self.OBJECT == "dam":
            row = self.model.values_of_fid(self._current_fid) if self._current_fid is not None else None
            if row is not None and row[DUE] == OVERDUE:
                warn.insert(0, tr("The next patrol of this dam is overdue."))
        c.warningLabel.setText("\n".join(dict.fromkeys(warn)))
        return [(child, uuid, text) for _final, _when, text, child, _fid, uuid in entries]

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
                widget.deleteLater()
        self.buttons: dict[str, QPushButton] = {}
        if feature is None:
            return
        role = self.role()
        specs: list[tuple[str, str, object]] = []
        for child in CREATABLE[self.OBJECT]:
            if actions.can_create(child, role):
                specs.append((f"create:{child}", _create_label(child), lambda _=False, ch=child: self.create(ch)))
        for t in actions.allowed_transitions(self.kind, values, role):
            label = t.zh if self.lang == "zh" else t.en
            specs.append((f"step:{self.kind.name}:{t.target}", label,
                          lambda _=False, tg=t.target: self.step(self.kind.name, self._current_fid, tg)))  # fmt: skip
        child = self.selected_child()
        if child is not None:
            ck, cfid = child
            k = RECORD_KINDS[ck]
            child_feature = actions.get_feature(actions.layer_of(ck, self.project), cfid)
            if child_feature is not None:
                cv = actions.feature_values(k, child_feature)
                for t in actions.allowed_transitions(k, cv, role):
                    label = t.zh if self.lang == "zh" else t.en
                    specs.append((f"step:{ck}:{t.target}", label,
                                  lambda _=False, kk=ck, ff=cfid, tg=t.target: self.step(kk, ff, tg)))  # fmt: skip
                specs.append((f"form:{ck}", tr("Open form"), lambda _=False, kk=ck, ff=cfid: self.open_form(kk, ff)))
        for i, (name, label, slot) in enumerate(specs):
            button = QPushButton(label, self.contents.actionsWidget)
            button.setObjectName(name)
            button.clicked.connect(slot)
            layout.addWidget(button, i // 3, i % 3)
            self.buttons[name] = button

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

    def create(self, child: str) -> actions.Outcome:
        gps = self._gps_position()
        outcome = actions.create_child(
            child, self.kind.name, self._current_fid, self.role(), settings.user_name(),
            position=gps, position_source="gps" if gps else None, project=self.project,
        )  # fmt: skip
        self._report(outcome, tr("Created."))
        if outcome.ok:
            self.show_detail(self._current_fid)
            self.select_child(child, outcome.fid)
            self.open_form(child, outcome.fid)
        return outcome

    def open_form(self, kind: str, fid: int) -> None:
        if not self.open_forms or self.iface is None or not hasattr(self.iface, "openFeatureForm"):
            return
        layer = actions.layer_of(kind, self.project)
        feature = actions.get_feature(layer, fid) if layer is not None else None
        if feature is not None:
            self.iface.openFeatureForm(layer, feature)

    def step(self, kind: str, fid: int, target: str) -> actions.Outcome:
        """Run one workflow transition; asks for at most two missing text/choice fields, else opens the form."""
        role, user = self.role(), settings.user_name()
        if kind == "watershed_acceptance" and target == "sampled":
            outcome = actions.draw_sample(fid, role, user, settings.sample_share(), project=self.project)
        else:
            outcome = actions.transition(kind, fid, target, role, user, project=self.project)
            missing = [p.field for p in outcome.problems if p.code in ("required", "rule") and p.field]
            k = RECORD_KINDS[kind]
            askable = all(k.field(m).type in (TEXT, ENUM, DATE) for m in missing)
            if not outcome.ok and missing and len(set(missing)) <= 2 and askable:
                extra = {}
                for name in dict.fromkeys(missing):
                    value = self.ask(kind, name)
                    if value in (None, ""):
                        break
                    extra[name] = value
                else:
                    outcome = actions.transition(kind, fid, target, role, user, extra, project=self.project)
            if not outcome.ok and missing and not askable:
                self.open_form(kind, fid)
        self._report(outcome, tr("Saved."))
        self.reload()
        if outcome.ok and kind != self.kind.name:
            self.select_child(kind, fid)
        return outcome

    def _ask(self, kind: str, name: str):
        f = RECORD_KINDS[kind].field(name)
        if f.type == ENUM:
            labels = [c.zh if self.lang == "zh" else c.en for c in f.enum.choices]
            label, ok = QInputDialog.getItem(self, self.windowTitle(), f.label(self.lang), labels, 0, False)
            return f.enum.choices[labels.index(label)].code if ok else None
        if f.type == DATE:
            return actions.today_iso()
        text, ok = QInputDialog.getText(self, self.windowTitle(), f.label(self.lang))
        return text if ok else None


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
