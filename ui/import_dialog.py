"""The register import dialog: file → coordinates → field mapping → check → import.

Reading, checking and importing run in QgsTasks with progress; the dialog only shows what the
import core (:mod:`shuibao.registers`) found and lets the user correct it. The mapping used for a
successful import is remembered for the next file with the same columns.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from qgis.core import Qgis, QgsApplication, QgsExpressionContextUtils, QgsProject
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QBrush, QColor
from qgis.PyQt.QtWidgets import QComboBox, QDialog, QFileDialog, QLineEdit, QMessageBox, QTableWidgetItem

from .. import settings
from ..importer.store_target import StoreTarget
from ..importer.task import ImportTask
from ..layers.forms import COUNTY_VARIABLE
from ..model import RECORD_KINDS, rules
from ..registers import ImportFailure, MissingLibrary, report, sources, units
from ..registers import mapping as mappinglib
from ..registers import plan as planlib
from ..registers.run import run_import
from . import load_ui, tr

FORM_CLASS = load_ui("import_dialog.ui")
FILE_PAGE, MAPPING_PAGE, REPORT_PAGE = range(3)
OTHER_CRS = "__other__"
REJECT_BRUSH, WARN_BRUSH = QBrush(QColor("#ffd7d7")), QBrush(QColor("#fff3c4"))


def _column_key(kind: str, columns: list[str]) -> str:
    return f"{kind}/" + hashlib.sha1("\n".join(sorted(columns)).encode("utf-8")).hexdigest()[:16]  # noqa: S324


class ImportDialog(QDialog, FORM_CLASS):
    def __init__(self, iface, store_path: str, parent=None, lang: str | None = None, on_imported=None):
        super().__init__(parent or (iface.mainWindow() if iface else None))
        self.setupUi(self)
        self.iface, self.store_path, self.on_imported = iface, store_path, on_imported
        self.lang = lang or settings.language()
        self.target = StoreTarget(store_path, settings.role())
        self.table: sources.Table | None = None
        self.extent = None
        self.mapping: mappinglib.Mapping | None = None
        self.plan: planlib.Plan | None = None
        self.written: dict | None = None
        self.task: ImportTask | None = None
        self._texts()
        self._fill_kinds()
        self._connect()
        self.go(FILE_PAGE)

    # --- set-up -------------------------------------------------------------------------------
    def _texts(self) -> None:
        self.setWindowTitle(tr("Import registers"))
        self.fileLabel.setText(tr("File"))
        self.layerLabel.setText(tr("Sheet / layer"))
        self.kindLabel.setText(tr("Record kind"))
        self.countyLabel.setText(tr("County code"))
        self.storeLabel.setText(tr("Into store"))
        self.storeValue.setText(os.path.basename(self.store_path))
        self.coordGroup.setTitle(tr("Coordinates"))
        self.xLabel.setText(tr("Longitude / X column"))
        self.yLabel.setText(tr("Latitude / Y"))
        self.wktLabel.setText(tr("or WKT column"))
        self.crsLabel.setText(tr("Coordinate system"))
        self.mappingHelp.setText(
            tr(
                "Check which column of the file fills each field, and the unit of the column. "
                "Fields marked * are required. Derived fields (scale, area…) are computed."
            )
        )
        self.loadMappingButton.setText(tr("Load mapping…"))
        self.saveMappingButton.setText(tr("Save mapping…"))
        self.problemsOnly.setText(tr("Only rows with problems"))
        self.exportButton.setText(tr("Export report…"))
        self.backButton.setText(tr("Back"))
        self.importButton.setText(tr("Import"))
        self.closeButton.setText(tr("Close"))
        self.fileWidget.setFilter(tr("Register files ({0})").format(" ".join(f"*{s}" for s in sorted(sources.FORMATS))))
        self.fileWidget.setStorageMode(QgsFileWidget.StorageMode.GetFile)
        self.countyEdit.setPlaceholderText("360704")
        county = QgsExpressionContextUtils.projectScope(QgsProject.instance()).variable(COUNTY_VARIABLE)
        self.countyEdit.setText(str(county) if county else "")
        self.crsWidget.setVisible(False)
        self.problemsOnly.setChecked(False)

    def _fill_kinds(self) -> None:
        for name in mappinglib.importable_kinds():
            self.kindCombo.addItem(RECORD_KINDS[name].label(self.lang), name)

    def _connect(self) -> None:
        self.fileWidget.fileChanged.connect(self._file_changed)
        self.layerCombo.activated.connect(lambda _i: self._read())
        self.kindCombo.currentIndexChanged.connect(lambda _i: self._guess())
        for combo in (self.xCombo, self.yCombo, self.wktCombo):
            combo.activated.connect(lambda _i: self._detect())
        self.crsCombo.currentIndexChanged.connect(self._crs_changed)
        self.loadMappingButton.clicked.connect(self._load_mapping)
        self.saveMappingButton.clicked.connect(self._save_mapping)
        self.problemsOnly.toggled.connect(lambda _on: self._show_plan())
        self.exportButton.clicked.connect(self._export)
        self.backButton.clicked.connect(lambda: self.go(self.pages.currentIndex() - 1))
        self.nextButton.clicked.connect(self._next)
        self.importButton.clicked.connect(self._import)
        self.closeButton.clicked.connect(self.reject)

    @property
    def kind(self) -> str:
        return self.kindCombo.currentData()

    # --- navigation ---------------------------------------------------------------------------
    def go(self, page: int) -> None:
        self.pages.setCurrentIndex(max(page, FILE_PAGE))
        page = self.pages.currentIndex()
        titles = {FILE_PAGE: tr("1. File and coordinates"), MAPPING_PAGE: tr("2. Fields"),
                  REPORT_PAGE: tr("3. Check and import")}  # fmt: skip
        self.stepLabel.setText(f"<b>{titles[page]}</b>")
        self.nextButton.setText(tr("Check") if page == MAPPING_PAGE else tr("Next"))
        self._enable()

    def _enable(self) -> None:
        busy, page = self.task is not None, self.pages.currentIndex()
        self.backButton.setEnabled(not busy and page > FILE_PAGE)
        self.nextButton.setEnabled(not busy and page < REPORT_PAGE and self.table is not None)
        self.nextButton.setVisible(page < REPORT_PAGE)
        ready = self.plan is not None and self.written is None and (self.plan.inserts() or self.plan.updates())
        self.importButton.setVisible(page == REPORT_PAGE)
        self.importButton.setEnabled(not busy and bool(ready))
        self.exportButton.setEnabled(self.plan is not None)
        self.fileWidget.setEnabled(not busy)

    def _next(self) -> None:
        page = self.pages.currentIndex()
        if page == FILE_PAGE:
            if not self._county_ok():
                return
            self._fill_mapping_table()
            self.go(MAPPING_PAGE)
        elif page == MAPPING_PAGE:
            self._check()

    def _county_ok(self) -> bool:
        county = self.countyEdit.text().strip()
        if (county.isdigit() and len(county) == 6) or "county_code" in (self.mapping.columns if self.mapping else {}):
            return True
        self._warn(tr("Enter the 6-digit county code (e.g. 360704) the records belong to."))
        return False

    def _warn(self, text: str) -> None:
        QMessageBox.warning(self, tr("Import registers"), text)

    def _failed(self, exc: BaseException) -> None:
        message = exc.message(self.lang) if isinstance(exc, (ImportFailure, MissingLibrary)) else str(exc)
        self._warn(message)

    # --- tasks --------------------------------------------------------------------------------
    def _run(self, description: str, work, done) -> None:
        def finished(result, exc):
            self.task = None
            self.progressBar.setValue(100 if exc is None else 0)
            self._enable()
            if exc is not None:
                self._failed(exc)
            else:
                done(result)

        self.task = ImportTask(description, work, finished)
        self.task.progressChanged.connect(lambda p: self.progressBar.setValue(int(p)))
        self.progressBar.setValue(0)
        self._enable()
        QgsApplication.taskManager().addTask(self.task)

    # --- page 1: file and coordinates ---------------------------------------------------------
    def _file_changed(self, path: str) -> None:
        self.layerCombo.clear()
        self.table = self.plan = self.written = None
        if path:
            self._read(first=True)

    def _read(self, first: bool = False) -> None:
        path = self.fileWidget.filePath()
        layer = None if first else self.layerCombo.currentText() or None
        county = self.countyEdit.text().strip()
        target = self.target

        def work(progress, is_canceled):
            names = sources.layers(path) if first else None
            table = sources.read(path, layer)
            progress(60)
            extent = target.extent(county) if county else None
            return names, table, extent

        self._run(tr("Reading {0}").format(os.path.basename(path)), work, self._read_done)

    def _read_done(self, result) -> None:
        names, self.table, self.extent = result
        if names is not None:
            self.layerCombo.addItems(names)
        self.layerCombo.setEnabled(self.layerCombo.count() > 1)
        t = self.table
        info = tr("{0} rows, {1} columns.").format(len(t.rows), len(t.columns))
        notes = " ".join(n[0] if self.lang == "zh" else n[1] for n in t.notes if n[0])
        self.fileInfo.setText(f"{info} {notes}")
        self._guess()

    def _guess(self) -> None:
        if self.table is None:
            return
        saved = settings.saved_import_mapping(_column_key(self.kind, self.table.columns))
        m = None
        if saved:
            try:
                m = mappinglib.Mapping.from_dict(json.loads(saved))
            except (ImportFailure, ValueError):
                m = None
        self.mapping = m or mappinglib.guess(self.kind, self.table.columns, self.table.spatial)
        self.mapping.layer = self.table.layer
        self._fill_coords()
        self._detect()
        self._enable()

    def _fill_coords(self) -> None:
        spatial = self.table.spatial
        for combo, value in ((self.xCombo, self.mapping.x), (self.yCombo, self.mapping.y),
                             (self.wktCombo, self.mapping.wkt)):  # fmt: skip
            combo.clear()
            combo.addItem(tr("(none)"), None)
            for c in self.table.columns:
                combo.addItem(c, c)
            combo.setCurrentIndex(max(combo.findData(value), 0))
            combo.setEnabled(not spatial)
        if spatial:
            self.fileInfo.setText(self.fileInfo.text() + " " + tr("Shapes are read from the file."))

    def _coords_from_widgets(self) -> None:
        self.mapping.x, self.mapping.y = self.xCombo.currentData(), self.yCombo.currentData()
        self.mapping.wkt = self.wktCombo.currentData()

    def _detect(self) -> None:
        self._coords_from_widgets()
        self.crsCombo.blockSignals(True)
        self.crsCombo.clear()
        note = ""
        chosen = self.mapping.crs
        self.mapping.crs = None
        try:
            detection = planlib.detect_crs(self.table, self.mapping, self.extent)
        except ImportFailure as exc:
            detection, note = None, exc.message(self.lang)
        self.mapping.crs = chosen
        if detection is not None:
            if not detection.certain:
                self.crsCombo.addItem(tr("Choose the coordinate system…"), None)
            for cand in detection.candidates:
                self.crsCombo.addItem(cand.label(self.lang), cand.crs)
            note = " ".join(n[0] if self.lang == "zh" else n[1] for n in detection.notes)
        self.crsCombo.addItem(tr("Other coordinate system…"), OTHER_CRS)
        self.crsCombo.blockSignals(False)
        if chosen and self.crsCombo.findData(chosen) >= 0:
            self.crsCombo.setCurrentIndex(self.crsCombo.findData(chosen))
        self.crsNote.setText(note)
        self._crs_changed()

    def _crs_changed(self, *_args) -> None:
        data = self.crsCombo.currentData()
        self.crsWidget.setVisible(data == OTHER_CRS)
        self.crsCombo.setEnabled(self.crsCombo.count() > 1)

    def _crs_from_widgets(self) -> str | None:
        data = self.crsCombo.currentData()
        if data == OTHER_CRS:
            crs = self.crsWidget.crs()
            return (crs.authid() or crs.toWkt()) if crs.isValid() else None
        return data

    # --- page 2: field mapping ----------------------------------------------------------------
    def _fill_mapping_table(self) -> None:
        kind = RECORD_KINDS[self.kind]
        fields = mappinglib.targets(kind)
        required = set(rules.required_fields(kind, {}))
        t = self.mappingTable
        t.clear()
        t.setColumnCount(5)
        t.setHorizontalHeaderLabels([tr("Field"), tr("Column in the file"), tr("Unit in the file"), tr("Sample"),
                                     tr("Value for every row")])  # fmt: skip
        t.setRowCount(len(fields))
        for row, f in enumerate(fields):
            label = f.label(self.lang) + (" *" if f.name in required else "")
            item = QTableWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, f.name)
            t.setItem(row, 0, item)
            t.setCellWidget(row, 1, self._column_combo(f.name, row))
            if f.unit and units.known(f.unit):
                t.setCellWidget(row, 2, self._unit_combo(f))
            t.setCellWidget(row, 4, self._constant_edit(f))
            self._show_sample(row)
        t.resizeColumnsToContents()
        self._mapping_note()

    def _column_combo(self, name: str, row: int) -> QComboBox:
        combo = QComboBox()
        combo.addItem(tr("(not imported)"), None)
        for c in self.table.columns:
            combo.addItem(c, c)
        combo.setCurrentIndex(max(combo.findData(self.mapping.columns.get(name)), 0))
        combo.currentIndexChanged.connect(lambda _i, r=row: self._show_sample(r))
        return combo

    def _constant_edit(self, f) -> QLineEdit:
        """A value for every row where the file has no column (a batch's deadline, from the letter)."""
        edit = QLineEdit()
        edit.setObjectName(f"constant_{f.name}")
        value = self.mapping.constants.get(f.name)
        if value is not None:
            edit.setText(f.enum.label(value, self.lang) if f.enum is not None else str(value))
        if f.enum is not None:
            edit.setPlaceholderText("、".join(c.zh if self.lang == "zh" else c.en for c in f.enum.choices[:3]) + "…")
        return edit

    def _unit_combo(self, f) -> QComboBox:
        combo = QComboBox()
        for u in units.alternatives(f.unit):
            combo.addItem(u, u)
        current = self.mapping.units.get(f.name)
        if current:
            idx = next((i for i in range(combo.count()) if units.normalise(combo.itemData(i)) == current), -1)
            if idx < 0:
                combo.addItem(current, current)
                idx = combo.count() - 1
            combo.setCurrentIndex(idx)
        return combo

    def _show_sample(self, row: int) -> None:
        column = self.mappingTable.cellWidget(row, 1).currentData()
        sample = "；".join(self.table.sample(column)) if column else ""
        county = self.countyEdit.text().strip()
        if not column and county and self.mappingTable.item(row, 0).data(Qt.ItemDataRole.UserRole) == "county_code":
            sample = tr("{0} (from step 1)").format(county)
        self.mappingTable.setItem(row, 3, QTableWidgetItem(sample))

    def _mapping_note(self) -> None:
        ignored = mappinglib.ignored_derived(self.kind, self.table.columns)
        text = ""
        if ignored:
            text = tr("Not imported, computed by the model: {0}").format(
                "、".join(f"{c}（{label}）" for c, label in ignored)
            )
        self.mappingNote.setText(text)

    def _mapping_from_widgets(self) -> mappinglib.Mapping:
        m = mappinglib.Mapping(self.kind, layer=self.table.layer, constants=dict(self.mapping.constants),
                               values=dict(self.mapping.values))  # fmt: skip
        m.x, m.y, m.wkt = self.xCombo.currentData(), self.yCombo.currentData(), self.wktCombo.currentData()
        m.crs = self._crs_from_widgets()
        t = self.mappingTable
        for row in range(t.rowCount()):
            name = t.item(row, 0).data(Qt.ItemDataRole.UserRole)
            column = t.cellWidget(row, 1).currentData()
            constant = t.cellWidget(row, 4).text().strip()
            m.constants.pop(name, None)
            if constant:
                m.constants[name] = constant
            if column:
                m.columns[name] = column
                unit_combo = t.cellWidget(row, 2)
                f = RECORD_KINDS[self.kind].field(name)
                if unit_combo is not None and units.normalise(unit_combo.currentData()) != units.normalise(f.unit):
                    m.units[name] = units.normalise(unit_combo.currentData())
        return m

    def _load_mapping(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Load mapping"), "", tr("Field mapping (*.json)"))
        if not path:
            return
        try:
            m = mappinglib.Mapping.load(path)
        except ImportFailure as exc:
            self._failed(exc)
            return
        missing = m.missing_columns(self.table.columns)
        if missing:
            self._warn(tr("The file has no columns {0}.").format("、".join(missing)))
            return
        self.kindCombo.setCurrentIndex(self.kindCombo.findData(m.kind))
        self.mapping = m
        self._fill_coords()
        self._fill_mapping_table()

    def _save_mapping(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("Save mapping"), "", tr("Field mapping (*.json)"))
        if path:
            self._mapping_from_widgets().save(path if path.endswith(".json") else path + ".json")

    # --- page 3: check and import -------------------------------------------------------------
    def _check(self) -> None:
        self.mapping = self._mapping_from_widgets()
        self.plan = self.written = None
        self._start(dry_run=True)

    def _import(self) -> None:
        if self.plan is None:
            return
        self._start(dry_run=False)

    def _start(self, dry_run: bool) -> None:
        table, m, target = self.table, self.mapping, self.target
        county = self.countyEdit.text().strip() or None
        kind = self.kind

        def work(progress, is_canceled):
            return run_import(table.path, kind, target, mapping=m, county=county, dry_run=dry_run,
                              progress=progress, is_canceled=is_canceled, table=table)  # fmt: skip

        name = os.path.basename(table.path)
        text = tr("Checking {0}") if dry_run else tr("Importing {0}")
        self._run(text.format(name), work, self._checked if dry_run else self._imported)

    def _checked(self, result) -> None:
        self.plan = result.plan
        self.go(REPORT_PAGE)
        self._show_plan()

    def _imported(self, result) -> None:
        self.plan, self.written = result.plan, result.written
        settings.set_saved_import_mapping(_column_key(self.kind, self.table.columns),
                                          json.dumps(self.mapping.to_dict(), ensure_ascii=False))  # fmt: skip
        self._show_plan()
        text = tr("Imported {0}: {1} new, {2} updated.").format(
            os.path.basename(self.table.path), self.written["inserted"], self.written["updated"]
        )
        if self.iface is not None:
            self.iface.messageBar().pushMessage(tr("Shuibao"), text, Qgis.MessageLevel.Success, 6)
        if self.on_imported is not None:
            self.on_imported(self.store_path)

    def _show_plan(self) -> None:
        plan = self.plan
        if plan is None:
            return
        head = plan.summary(self.lang)
        if plan.crs is not None:
            head += "<br>" + tr("Coordinate system: {0}").format(plan.crs.label(self.lang))
        notes = [n[0] if self.lang == "zh" else n[1] for n in plan.notes if n[0]]
        done = tr("Written to the store.") if self.written is not None else tr("Dry run: nothing written yet.")
        self.summaryLabel.setText(f"<b>{head}</b><br>{'；'.join(notes)}<br><i>{done}</i>")
        rows = [r for r in plan.rows if not self.problemsOnly.isChecked() or r.problems or r.warnings]
        rows.sort(key=lambda r: (report.ORDER[r.action], r.number))
        t = self.reportTable
        t.clear()
        t.setColumnCount(5)
        t.setHorizontalHeaderLabels([tr("Row"), tr("Result"), tr("Code"), tr("Name"), tr("Problems and warnings")])
        t.setRowCount(len(rows))
        for i, r in enumerate(rows):
            issues = [p.message(self.lang) for p in r.problems] + [w.message(self.lang) for w in r.warnings]
            label = planlib.ACTION_LABELS[r.action][0 if self.lang == "zh" else 1]
            cells = (str(r.number), label, r.code or "", str(r.title or ""), "；".join(issues))
            brush = REJECT_BRUSH if r.action == planlib.REJECT else WARN_BRUSH if r.warnings else None
            for j, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if brush is not None:
                    item.setBackground(brush)
                t.setItem(i, j, item)
        for column in range(4):  # the last one stretches to the problems' length
            t.resizeColumnToContents(column)
        self._enable()

    def _export(self) -> None:
        if self.plan is None:
            return
        base = Path(self.table.path).with_name(Path(self.table.path).stem + "_导入检查.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, tr("Export report"), str(base), tr("Excel (*.xlsx);;CSV (*.csv)"))
        if path:
            self.export_report(path)

    def export_report(self, path: str) -> Path:
        out = report.write(self.plan, path, only_problems=self.problemsOnly.isChecked())
        if self.iface is not None:
            self.iface.messageBar().pushMessage(tr("Shuibao"), tr("Report saved: {0}").format(out),
                                                Qgis.MessageLevel.Info, 5)  # fmt: skip
        return out

    def reject(self) -> None:
        if self.task is not None:
            self.task.cancel()
        super().reject()
