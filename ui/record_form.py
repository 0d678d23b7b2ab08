"""A record's own QGIS attribute form, opened by the docks' buttons ready to type.

QGIS opens a feature form read-only unless its layer is in an edit session, and keeps what OK
saved in the layer's edit buffer until someone saves the layer. A person taking a workflow step
should not need to know either: RecordForm starts the session it needs, commits on OK (so the
store's change log has the record at once) and on Cancel leaves nothing behind. Within an edit
session the user opened and holds other unsaved edits in, it adds to that session and says so.

Above the form a panel lists, while typing, what the record still lacks (the model's problems of
each field, the same that the field constraints show) with the tab each field is on. A form opened
to finish a step (提交检查 with gaps) checks that step on OK: while something is missing it stays
open and says what; once complete it saves and the dock takes the step.
"""

from __future__ import annotations

from collections.abc import Callable

from qgis.core import QgsApplication, QgsFeature, QgsVectorLayer
from qgis.gui import QgsAttributeDialog, QgsAttributeEditorContext
from qgis.PyQt import sip
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTabWidget, QWidget

from ..layers import forms
from ..layers.values import feature_values
from ..model import RecordKind, rules
from ..model.definition import AUDIT_FIELD_NAMES
from ..model.rules import Problem
from . import tr
from .actions import fid_of

LIVE_DELAY_MS = 150
PANEL_STYLE = "QLabel { background: #fff4e0; border: 1px solid #f0c27a; padding: 6px; }"
ERROR_STYLE = "QLabel { background: #fde2e1; border: 1px solid #e08b86; padding: 6px; }"

Check = Callable[[dict], list[Problem]]


class _EmptyAsBlank:
    """While a record form is open, QGIS shows an empty value as blank, not as "NULL".

    QGIS writes its NULL text into empty line and text boxes, where it reads like a value (and, in
    a multi-line box, gets typed after); it reads that text back as "no value". The text is one
    application setting, so it is swapped for the time a form is open and put back after.
    """

    open_forms = 0
    saved = "NULL"

    @classmethod
    def enter(cls) -> None:
        if cls.open_forms == 0:
            cls.saved = QgsApplication.nullRepresentation()
            QgsApplication.setNullRepresentation("")
        cls.open_forms += 1

    @classmethod
    def leave(cls) -> None:
        cls.open_forms = max(cls.open_forms - 1, 0)
        if cls.open_forms == 0:
            QgsApplication.setNullRepresentation(cls.saved)


class RecordForm(QgsAttributeDialog):
    """The attribute dialog of one record (`new`: not yet in the layer), committed on OK.

    `check(values)` gives the problems that keep OK from closing the form (a step's missing
    fields); without it OK saves gaps the next step needs, but not what breaks a rule of the step the
    record is at (the server would refuse it). `on_saved(fid)` runs after the commit.
    """

    def __init__(
        self,
        layer: QgsVectorLayer,
        feature: QgsFeature,
        kind: RecordKind,
        *,
        new: bool,
        lang: str,
        parent: QWidget | None = None,
        iface=None,
        editable: bool = True,
        check: Check | None = None,
        step_label: str | None = None,
        on_saved: Callable[[int], None] | None = None,
    ):
        self._layer = layer
        self._feature = QgsFeature(feature)
        self._started = editable and not layer.isEditable()
        self._clean = not layer.isModified()
        if self._started:
            layer.startEditing()
        _EmptyAsBlank.enter()
        super().__init__(layer, self._feature, False, parent, True, _context(iface))
        self.finished.connect(lambda *_args: _EmptyAsBlank.leave())
        self.kind, self.lang, self.new = kind, lang, new
        self.check, self.step_label, self.on_saved = check, step_label, on_saved
        self.saved_fid: int | None = None
        self.saved_in_session = False  # added to the user's own unsaved edit session, not committed
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("ShuibaoRecordForm")
        title = f"{kind.label(lang)} · {step_label}" if step_label else kind.label(lang)
        self.setWindowTitle(title)
        if new:
            self.setMode(QgsAttributeEditorContext.Mode.AddFeatureMode)
        self.panel = QLabel(self)
        self.panel.setObjectName("ShuibaoProblemsPanel")
        self.panel.setWordWrap(True)
        self.panel.setTextFormat(Qt.TextFormat.RichText)
        self._place_panel()
        self._arrange_buttons()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LIVE_DELAY_MS)
        self._timer.timeout.connect(self.refresh_problems)
        self.attributeForm().widgetValueChanged.connect(lambda *_args: self._timer.start())
        self.rejected.connect(self._discard)
        self.refresh_problems()
        self.resize(760, 640)

    # -- layout --------------------------------------------------------------------------------
    def _place_panel(self) -> None:
        """The panel goes between QGIS's message bar and the form (the dialog's grid has both)."""
        layout = self.layout()
        widgets = [layout.itemAt(i).widget() for i in range(layout.count())]
        for w in widgets:
            layout.removeWidget(w)
        form = self.attributeForm()
        others = [w for w in widgets if w is not None and w is not form]
        for row, w in enumerate([*others, self.panel, form]):
            layout.addWidget(w, row, 0)

    def _arrange_buttons(self) -> None:
        box = self.findChild(QDialogButtonBox)
        if box is None or not self.step_label:
            return
        box.button(QDialogButtonBox.StandardButton.Ok).setText(self.step_label)
        save = box.addButton(tr("Save draft"), QDialogButtonBox.ButtonRole.ActionRole)
        save.setObjectName("ShuibaoSaveDraft")
        save.clicked.connect(self.save_draft)

    def ok_button(self):
        return self.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)

    # -- what is missing -----------------------------------------------------------------------
    def values(self) -> dict:
        """The record as typed so far (the model's values)."""
        return feature_values(self.kind, self.attributeForm().currentFormFeature())

    def problems(self) -> list[Problem]:
        if self.check is not None:
            return self.check(self.values())
        found = forms.record_problems(self.kind, self.attributeForm().currentFormFeature())
        return [p for ps in found.values() for p in ps]

    def refresh_problems(self, blocking: bool = False) -> list[Problem]:
        problems = self.problems()
        if not problems:
            self.panel.hide()
            return problems
        if self.step_label:
            head = tr("Still needed for “{0}”:").format(self.step_label)
        elif any(p.code not in ("next", "warning") for p in problems):  # the step it is at needs them
            head = tr("Still needed before it can be saved:")
        elif rules.first_step(self.kind, self.lang)[0]:
            head = tr("Still to fill in (a draft saves with gaps):")
        else:
            head = tr("Still to fill in (it saves with gaps):")
        lines = [f"• {p.message(self.lang)}（{self._tab_text(p.field)}）" for p in problems]
        self.panel.setText(f"<b>{head}</b><br>" + "<br>".join(lines))
        self.panel.setStyleSheet(ERROR_STYLE if blocking else PANEL_STYLE)
        self.panel.show()
        return problems

    def _tab_text(self, field: str | None) -> str:
        return tr("on the “{0}” tab").format(forms.tab_of(self.kind, field, self.lang)) if field else ""

    def show_tab_of(self, field: str | None) -> None:
        """Bring the tab holding `field` to the front."""
        if not field:
            return
        titles = {forms.tab_of(self.kind, field, lang) for lang in ("zh", "en")}  # whichever the layer has
        for tabs in self.attributeForm().findChildren(QTabWidget):
            for i in range(tabs.count()):
                if tabs.tabText(i).replace("&", "") in titles:
                    tabs.setCurrentIndex(i)
                    return

    # -- OK, save draft, cancel ----------------------------------------------------------------
    def accept(self) -> None:
        if self.check is not None:
            missing = self.refresh_problems(blocking=True)
            if missing:
                self.show_tab_of(missing[0].field)
                return  # stays open: the panel says what is missing, on which tab
        elif self._refuse_what_the_server_would():
            return
        self._save()

    def save_draft(self) -> None:
        """Save what is typed without taking the step."""
        self.check, self.on_saved = None, None
        if not self._refuse_what_the_server_would():
            self._save()

    def _refuse_what_the_server_would(self) -> bool:
        """True (the form stays open, the panel says why) when the record breaks a rule of the step it
        is at: the server would refuse it on the next sync. Gaps the next step needs are no reason."""
        found = forms.record_problems(self.kind, self.attributeForm().currentFormFeature())
        now = [p for ps in found.values() for p in ps
               if p.code not in ("next", "warning") and p.field not in AUDIT_FIELD_NAMES]  # fmt: skip
        if not now:
            return False
        lines = [f"• {p.message(self.lang)}（{self._tab_text(p.field)}）" for p in now]
        self.panel.setText(f"<b>{tr('Correct this first (the server would refuse it):')}</b><br>" + "<br>".join(lines))
        self.panel.setStyleSheet(ERROR_STYLE)
        self.panel.show()
        self.show_tab_of(now[0].field)
        return True

    def _save(self) -> None:
        form = self.attributeForm()
        if not self._layer.isEditable():
            QDialog.accept(self)  # a read-only view: nothing to save
            return
        if not form.save():
            self._error(tr("The record could not be saved."))
            return
        uuid = form.currentFormFeature()["uuid"]
        if self._started or self._clean:
            if not self._layer.commitChanges(self._started):
                self._error(tr("The store refused the record: {0}").format("; ".join(self._layer.commitErrors())))
                return
        else:
            self.saved_in_session = True
        self.saved_fid = _fid_of(self._layer, uuid)
        self._started = False
        QDialog.accept(self)
        if self.on_saved is not None and self.saved_fid is not None:
            self.on_saved(self.saved_fid)

    def _discard(self) -> None:
        if self._started and not sip.isdeleted(self._layer) and self._layer.isEditable():
            self._layer.rollBack()  # nothing typed is kept, and no empty draft
        self._started = False

    def _error(self, text: str) -> None:
        self.panel.setText(f"<b>{text}</b>")
        self.panel.setStyleSheet(ERROR_STYLE)
        self.panel.show()


def _context(iface) -> QgsAttributeEditorContext:
    context = QgsAttributeEditorContext()
    context.setFormMode(QgsAttributeEditorContext.FormMode.StandaloneDialog)
    if iface is not None and hasattr(iface, "vectorLayerTools"):
        context.setVectorLayerTools(iface.vectorLayerTools())
    if iface is not None and hasattr(iface, "mapCanvas"):
        context.setMapCanvas(iface.mapCanvas())
    return context


def _fid_of(layer: QgsVectorLayer, uuid) -> int | None:
    return fid_of(layer, str(uuid)) if uuid else None
