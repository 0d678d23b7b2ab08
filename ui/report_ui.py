"""Export and print from QGIS: the dock's 导出/打印 menu and the dialogs behind it and the plugin menu.

From a dock, "current filter" means the objects the dock lists now (its search, township, status,
step, due and hazard filters) and "selection" the selected object or timeline record. Ledgers go to
Excel, forms to PDF; both are written in a QgsTask (the print layouts get a project of their own in
the task's thread), with progress and Cancel in the message bar, and the file opens when done.
The work itself is in reports/; nothing here decides what a ledger or a form holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from qgis.core import Qgis, QgsApplication, QgsFeatureRequest, QgsFeedback, QgsProject, QgsTask, QgsVectorLayer
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import QDate, Qt, QUrl
from qgis.PyQt.QtGui import QDesktopServices
from qgis.PyQt.QtWidgets import QDialog, QListWidgetItem, QMenu, QPushButton, QToolButton

from .. import settings
from ..layers.project import opened_stores
from ..reports import ledgers
from ..reports.data import BEIJING, Dataset, ReportError
from . import load_ui, tr
from .feature_model import store_path

FORM_CLASS = load_ui("report_dialog.ui")
FORMS_OF = {"dam": ("dam_inspection", "dam_hazard"), "patch": ("patch_survey",), "watershed": ("watershed_acceptance",),
            "rs_spot": ()}  # fmt: skip


def _stamp() -> str:
    return dt.datetime.now(BEIJING).strftime("%Y%m%d-%H%M%S")


def default_path(store: str, folder: str, name: str, suffix: str) -> str:
    """``<store folder>/<folder>/<name>_<time><suffix>``: next to the data, never over an older file."""
    safe = "".join(c for c in name if c not in '\\/:*?"<>|').strip() or "report"
    return str(Path(store).resolve().parent / folder / f"{safe}_{_stamp()}{suffix}")


def current_store(project: QgsProject | None = None) -> str | None:
    stores = opened_stores(project)
    return stores[0] if stores else None


# --- background jobs ------------------------------------------------------------------------------


class ReportTask(QgsTask):
    """``func(feedback)`` off the GUI thread; Cancel reaches the PDF export through the feedback."""

    def __init__(self, description: str, func: Callable[[QgsFeedback], Any],
                 done: Callable[[Any, BaseException | None], None]):  # fmt: skip
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.func, self.done = func, done
        self.feedback = QgsFeedback()
        self.feedback.progressChanged.connect(self.setProgress)
        self.result: Any = None
        self.exception: BaseException | None = None

    def cancel(self) -> None:
        self.feedback.cancel()
        super().cancel()

    def run(self) -> bool:
        try:
            self.result = self.func(self.feedback)
        except Exception as exc:  # reported in finished(), on the main thread
            self.exception = exc
            return False
        return True

    def finished(self, result: bool) -> None:
        self.done(self.result, self.exception)


class ReportJobs:
    """Runs exports and prints one after another, reports them in the message bar, opens the files."""

    def __init__(self, iface, lang: str | None = None):
        self.iface = iface
        self.lang = lang or settings.language()
        self.tasks: list[ReportTask] = []
        self.opener: Callable[[str], object] = lambda path: QDesktopServices.openUrl(QUrl.fromLocalFile(path))
        self.last_path: str | None = None
        self.last_error: str | None = None

    def busy(self) -> bool:
        return any(t.status() not in (QgsTask.TaskStatus.Complete, QgsTask.TaskStatus.Terminated) for t in self.tasks)

    def run(self, description: str, func: Callable[[QgsFeedback], Any], path: str, open_after: bool) -> ReportTask:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        task = ReportTask(description, func, lambda result, exc: self._done(task, path, exc, open_after))
        self.tasks.append(task)
        self.last_path = self.last_error = None
        QgsApplication.taskManager().addTask(task)
        self.message(tr("{0}: working…").format(description), Qgis.MessageLevel.Info, 3)
        return task

    def _done(self, task: ReportTask, path: str, exc: BaseException | None, open_after: bool) -> None:
        self.tasks.remove(task)
        if exc is not None or task.feedback.isCanceled():
            self.last_error = self._error_text(exc) if exc is not None else tr("Canceled.")
            self.message(self.last_error, Qgis.MessageLevel.Warning, 10)
            return
        self.last_path = path
        self.message(tr("Saved {0}").format(path), Qgis.MessageLevel.Success, 8,
                      [(tr("Open"), lambda: self.opener(path)),
                       (tr("Open folder"), lambda: self.opener(str(Path(path).parent)))])  # fmt: skip
        if open_after:
            self.opener(path)

    def _error_text(self, exc: BaseException) -> str:
        if isinstance(exc, ReportError):
            return exc.message(self.lang)
        return tr("The report could not be made: {0}").format(exc)

    def message(self, text: str, level, duration: int, buttons: list[tuple[str, Callable]] = ()) -> None:
        bar = self.iface.messageBar() if self.iface is not None else None
        if bar is None:
            return
        if not hasattr(bar, "createMessage"):
            bar.pushMessage(tr("Shuibao"), text, level, duration)
            return
        widget = bar.createMessage(tr("Shuibao"), text)
        for label, slot in buttons:
            button = QPushButton(label, widget)
            button.clicked.connect(slot)
            widget.layout().addWidget(button)
        bar.pushWidget(widget, level, duration)


# --- the dialog -----------------------------------------------------------------------------------


class ReportDialog(QDialog, FORM_CLASS):
    """Ledgers to Excel (``mode="ledgers"``) or forms of a list to PDF (``mode="forms"``)."""

    def __init__(self, store: str, mode: str, jobs: ReportJobs, parent=None, *, object_kind: str | None = None,
                 objects: list[str] | None = None, note: str = "", township: str | None = None):  # fmt: skip
        super().__init__(parent)
        self.setupUi(self)
        self.store, self.mode, self.jobs = store, mode, jobs
        self.objects = objects
        self.note, self.lang = note, jobs.lang
        self.task: ReportTask | None = None
        self.ds = Dataset(store)
        county, unit = settings.report_names()
        self.countyEdit.setText(county)
        self.unitEdit.setText(unit)
        self.countyLabel.setText(tr("County (for titles)"))
        self.countyEdit.setPlaceholderText(tr("e.g. 赣县区"))
        self.unitLabel.setText(tr("Issuing unit"))
        self.unitEdit.setPlaceholderText(tr("e.g. 赣县区水土保持中心"))
        self.townshipLabel.setText(tr("Township"))
        self.townshipCombo.addItem(tr("All townships"), "")
        for name in self.ds.townships():
            self.townshipCombo.addItem(name, name)
        self.townshipCombo.setCurrentIndex(max(self.townshipCombo.findData(township or ""), 0))
        self.townshipCombo.setEnabled(objects is None)  # the dock's list already chose them
        self.periodCheck.setText(tr("Only the period"))
        year = dt.date.today().year
        self.fromDate.setDate(QDate(year, 1, 1))
        self.toDate.setDate(QDate(year, 12, 31))
        self.periodCheck.toggled.connect(self._period_toggled)
        self._period_toggled(False)
        self.outputLabel.setText(tr("Save as"))
        self.openCheck.setText(tr("Open the file when it is ready"))
        self.openCheck.setChecked(True)
        self.outputWidget.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.buttonBox.accepted.connect(self.start)
        self.buttonBox.rejected.connect(self.reject)
        if mode == "ledgers":
            self._init_ledgers(object_kind)
        else:
            self._init_forms(object_kind)
        self._describe_scope()

    # -- modes -------------------------------------------------------------------------------
    def _init_ledgers(self, object_kind: str | None) -> None:
        self.setWindowTitle(tr("Export ledgers to Excel"))
        self.chooseLabel.setText(tr("Ledgers (one sheet each)"))
        self.formCombo.hide()
        self.unitLabel.hide()
        self.unitEdit.hide()
        chosen = ledgers.ledgers_for(object_kind) if object_kind else list(ledgers.LEDGERS.values())
        for ledger in ledgers.LEDGERS.values():
            item = QListWidgetItem(ledger.label(self.lang), self.itemList)
            item.setData(Qt.ItemDataRole.UserRole, ledger.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if ledger in chosen else Qt.CheckState.Unchecked)
        self.outputWidget.setFilter(tr("Excel workbook (*.xlsx)"))
        self.outputWidget.setFilePath(default_path(self.store, tr("Reports"), tr("Ledgers"), ".xlsx"))

    def _init_forms(self, object_kind: str | None) -> None:
        from ..reports.layouts import FORMS

        self.setWindowTitle(tr("Print forms to PDF"))
        self.chooseLabel.setText(tr("Form (one for each record of the list)"))
        self.itemList.hide()
        names = FORMS_OF.get(object_kind or "", tuple(FORMS))
        for name in names:
            self.formCombo.addItem(FORMS[name].menu_label(self.lang), name)
        self.outputWidget.setFilter(tr("PDF (*.pdf)"))
        self.formCombo.currentIndexChanged.connect(self._form_changed)
        self._form_changed()

    def _form_changed(self, *args) -> None:
        from ..reports.layouts import FORMS

        name = self.formCombo.currentData()
        self.outputWidget.setFilePath(default_path(self.store, tr("Prints"), FORMS[name].menu_label(self.lang), ".pdf"))
        self._describe_scope()

    def _period_toggled(self, on: bool) -> None:
        self.fromDate.setEnabled(on)
        self.toDate.setEnabled(on)

    def _describe_scope(self) -> None:
        county = self.countyEdit.text().strip() or self.ds.county_code
        if self.objects is None:
            scope = tr("{0}: every object of the store").format(county)
        else:
            scope = tr("{0}: the {1} objects the dock lists").format(county, len(self.objects))
            if self.note:
                scope += f"（{self.note}）"
        if self.mode == "forms":
            count = len(self.records())
            scope += "\n" + tr("{0} records to print").format(count)
        self.scopeLabel.setText(scope)

    # -- what to write -----------------------------------------------------------------------
    def filter(self) -> ledgers.Filter:
        on = self.periodCheck.isChecked()
        return ledgers.Filter(
            township=self.townshipCombo.currentData() or None,
            date_from=self.fromDate.date().toPyDate() if on else None,
            date_to=self.toDate.date().toPyDate() if on else None,
            objects=frozenset(self.objects) if self.objects is not None else None,
            note=self.note,
        )

    def chosen_ledgers(self) -> list[str]:
        items = [self.itemList.item(i) for i in range(self.itemList.count())]
        return [i.data(Qt.ItemDataRole.UserRole) for i in items if i.checkState() == Qt.CheckState.Checked]

    def records(self) -> list[str]:
        return ledgers.form_records(self.ds, self.formCombo.currentData(), self.filter())

    def start(self) -> None:
        path = self.outputWidget.filePath().strip()
        if not path:
            self.messageLabel.setText(tr("Choose where to save the file."))
            return
        county, unit = self.countyEdit.text().strip(), self.unitEdit.text().strip()
        settings.set_report_names(county, unit)
        store, flt, lang = self.store, self.filter(), self.lang
        if self.mode == "ledgers":
            names = self.chosen_ledgers()
            if not names:
                self.messageLabel.setText(tr("Choose at least one ledger."))
                return
            path = path if path.lower().endswith(".xlsx") else path + ".xlsx"
            write = partial(_write_ledgers, store, names, flt, lang, county, path)
            self.task = self.jobs.run(tr("Export ledgers"), write, path, self.openCheck.isChecked())
        else:
            uuids = self.records()
            if not uuids:
                self.messageLabel.setText(tr("The list holds no record for this form."))
                return
            path = path if path.lower().endswith(".pdf") else path + ".pdf"
            form = self.formCombo.currentData()
            write = partial(_print, store, form, uuids, path, county, unit, lang)
            self.task = self.jobs.run(tr("Print forms"), write, path, self.openCheck.isChecked())
        self.accept()


def _write_ledgers(store: str, names: list[str], flt: ledgers.Filter, lang: str, county: str, path: str,
                   feedback: QgsFeedback) -> str:  # fmt: skip
    from ..reports import excel

    tables = ledgers.make_tables(Dataset(store), names, flt, lang, county)
    feedback.setProgress(60)
    excel.write_workbook(path, tables)
    return path


def _print(store: str, form: str, uuids: list[str], path: str, county: str, unit: str, lang: str,
           feedback: QgsFeedback) -> str:  # fmt: skip
    from ..reports.layouts import FormOptions, export_pdf

    export_pdf(store, form, uuids, path, FormOptions(county, unit, lang), feedback)
    return path


# --- the dock's menu ------------------------------------------------------------------------------


class ReportButton(QToolButton):
    """导出/打印 in an object dock: ledgers of the listed objects, the form of the selection, the
    forms of the whole list. Installed by the dock with one line."""

    def __init__(self, dock):
        super().__init__(dock.contents)
        self.dock = dock
        self.jobs = ReportJobs(dock.iface, dock.lang)
        self.dialog: ReportDialog | None = None
        self.setObjectName("ShuibaoReportButton")
        self.setText(tr("Export / print"))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        self.export_action = menu.addAction(tr("Export ledgers of the list to Excel…"), self.export_ledgers)
        menu.addSeparator()
        self.print_actions = {}
        from ..reports.layouts import FORMS

        for form in FORMS_OF[dock.OBJECT]:
            label = tr("Print {0} of the selection").format(FORMS[form].menu_label(dock.lang))
            self.print_actions[form] = menu.addAction(label, partial(self.print_selection, form))
        self.atlas_action = menu.addAction(tr("Print forms of the whole list…"), self.print_list)
        self.atlas_action.setVisible(bool(FORMS_OF[dock.OBJECT]))
        menu.aboutToShow.connect(self.update_actions)
        self.setMenu(menu)
        dock.contents.filterLayout2.addWidget(self)

    # -- what the dock shows ---------------------------------------------------------------------
    def store(self) -> str | None:
        return store_path(self.dock.layer)

    def _uuids(self, fids: list[int]) -> list[str]:
        layer: QgsVectorLayer = self.dock.layer
        if layer is None or not fids:
            return []
        request = QgsFeatureRequest().setFilterFids(fids).setFlags(QgsFeatureRequest.Flag.NoGeometry)
        request.setSubsetOfAttributes(["uuid"], layer.fields())
        found = {f.id(): f["uuid"] for f in layer.getFeatures(request)}
        return [found[f] for f in fids if found.get(f)]

    def listed(self) -> list[str]:
        """The uuids of the objects the dock lists now, in its order."""
        return self._uuids(list(self.dock.model.fids))

    def note(self) -> str:
        """The dock's active filters in words, for the ledger titles."""
        c = self.dock.contents
        parts = [combo.currentText() for combo in (c.townshipCombo, c.statusCombo, c.stepCombo, c.dueCombo)
                 if not combo.isHidden() and combo.currentData()]  # fmt: skip
        if not c.hazardCheck.isHidden() and c.hazardCheck.isChecked():
            parts.append(c.hazardCheck.text())
        if c.filterEdit.text().strip():
            parts.append(tr("search “{0}”").format(c.filterEdit.text().strip()))
        return "；".join(parts)

    def selection(self, form: str) -> list[str]:
        """The records of ``form`` that the selection means: the chosen timeline record, else for each
        selected object its latest record (the object itself for the 崩岗 survey sheet)."""
        from ..reports.layouts import FORMS

        kind = FORMS[form].kind
        child = self.dock.selected_child()
        if child is not None and (child[0] == kind or (form == "patch_survey" and child[0] == "patch_survey")):
            return self._child_uuid(child)
        objects = self._uuids(self.dock.selected_fids())
        if kind == self.dock.kind.name:
            return objects
        store = self.store()
        if store is None or not objects:
            return []
        ds = Dataset(store)
        out = []
        for uuid in objects:
            records = ds.children(kind, [uuid])
            if kind == "dam_hazard":  # a notice is for a hazard still open, when there is one
                records = [r for r in records if r.get("step") != "closed"] or records
            if records:
                out.append(max(records, key=lambda r: (r.get("created_at") or "", r["fid"]))["uuid"])
        return out

    def _child_uuid(self, child: tuple[str, int]) -> list[str]:
        from . import actions

        layer = actions.layer_of(child[0], self.dock.project)
        feature = actions.get_feature(layer, child[1]) if layer is not None else None
        return [feature["uuid"]] if feature is not None else []

    def update_actions(self) -> None:
        has_layer = self.store() is not None
        self.export_action.setEnabled(has_layer)
        self.atlas_action.setEnabled(has_layer)
        for form, action in self.print_actions.items():
            action.setEnabled(has_layer and bool(self.selection(form)))

    # -- the actions -------------------------------------------------------------------------
    def _names(self) -> tuple[str, str]:
        return settings.report_names()

    def _township(self) -> str | None:
        return self.dock.contents.townshipCombo.currentData() or None

    def export_ledgers(self) -> ReportDialog | None:
        return self._dialog("ledgers")

    def print_list(self) -> ReportDialog | None:
        return self._dialog("forms")

    def _unsaved(self, store: str) -> None:
        """Reports read the store: say so when a layer of it holds edits not saved yet."""
        from ..layers.project import store_layers

        if any(layer.isModified() for layer in store_layers(self.dock.project, store).values()):
            self.jobs.message(tr("Some layers have unsaved edits: the reports hold only what is saved."),
                              Qgis.MessageLevel.Warning, 8)  # fmt: skip

    def _dialog(self, mode: str) -> ReportDialog | None:
        store = self.store()
        if store is None:
            self.jobs.message(tr("Open a store first."), Qgis.MessageLevel.Info, 5)
            return None
        self._unsaved(store)
        self.dialog = ReportDialog(store, mode, self.jobs, self.dock, object_kind=self.dock.OBJECT,
                                   objects=self.listed(), note=self.note(), township=self._township())  # fmt: skip
        self.dialog.open()
        return self.dialog

    def print_selection(self, form: str) -> ReportTask | None:
        """One click: the selection's form to a PDF beside the store, opened when ready."""
        from ..reports.layouts import FORMS

        store, uuids = self.store(), self.selection(form)
        if store is None or not uuids:
            self.jobs.message(tr("Select an object or a record first."), Qgis.MessageLevel.Info, 5)
            return None
        self._unsaved(store)
        county, unit = self._names()
        label = FORMS[form].menu_label(self.dock.lang)
        path = default_path(store, tr("Prints"), label, ".pdf")
        write = partial(_print, store, form, uuids, path, county, unit, self.dock.lang)
        return self.jobs.run(tr("Print {0}").format(label), write, path, True)
