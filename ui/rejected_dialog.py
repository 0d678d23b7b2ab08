"""The "Refused edits…" panel: the edits the server refused, with its reason in the user's
language, and what the user can do about each.

A refused edit is never dropped (SYNC.md): it stays in the store and is listed here until the user
opens the record and fixes it, then sends it again, or gives it up (the record goes back to the
server's values). Edits waiting for something (a photo the server does not have yet) are listed
with their reason too; they go out by themselves at a later sync.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qgis.core import QgsExpression, QgsFeatureRequest
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..layers.store import Store
from ..layers.sync_local import discard_rejected, list_rejected, requeue_rejected
from ..model import RECORD_KINDS
from . import actions, tr
from .conflict_dialog import display_value, field_label, record_title

COL_RECORD, COL_OP, COL_CHANGE, COL_REASON = range(4)
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _lang() -> str:
    from ..settings import language

    return language()


def _refused(item: dict) -> bool:
    """Refused by the server (else waiting: held until its photo is on the server)."""
    return item.get("status", "rejected") == "rejected"


def op_text(op: str) -> str:
    return {"insert": tr("new record"), "update": tr("changed"), "delete": tr("deleted")}.get(op, op)


def reasons(item: dict, lang: str) -> str:
    """The server's reasons, in the user's language."""
    errors = item.get("errors") or (item.get("result") or {}).get("errors") or []
    texts = [str(e.get("zh" if lang == "zh" else "en") or e.get("en") or e.get("zh") or "") for e in errors]
    return "；".join(t for t in texts if t) if lang == "zh" else "; ".join(t for t in texts if t)


def change_text(item: dict, lang: str) -> str:
    """What the edit changed, as a person reads it: "坝高 (m) = 15; 安全状况 = 病险"."""
    kind = RECORD_KINDS.get(item["kind"])
    if item.get("op") == "delete":
        return tr("the whole record")
    fields = (item.get("change") or {}).get("fields") or {}
    parts = []
    for name, value in fields.items():
        if name in ("uuid", "county_code") or (kind is not None and name == kind.parent_field):
            continue
        new = value.get("new") if isinstance(value, dict) else value
        parts.append(f"{field_label(kind, name, lang)} = {display_value(kind, name, new, lang)}")
    return "; ".join(parts[:8]) + (" …" if len(parts) > 8 else "")


class RejectedDialog(QDialog):
    """Lists the refused edits of a store; open the record, send again, or give up, one at a time."""

    def __init__(self, store_path: str, parent: QWidget | None = None, language: str | None = None,
                 on_open: Callable[[str, str], Any] | None = None,
                 on_changed: Callable[[], Any] | None = None):  # fmt: skip
        super().__init__(parent)
        self.setObjectName("ShuibaoRejectedDialog")
        self.setWindowTitle(tr("Edits refused by the server"))
        self.store_path = str(store_path)
        self.lang = "zh" if (language or _lang()).startswith("zh") else "en"
        self.on_open, self.on_changed = on_open, on_changed
        self.rows: dict[int, dict] = {}

        self.info = QLabel()
        self.info.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("ShuibaoRejectedTree")
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels([tr("Record"), tr("Edit"), tr("What it changes"), tr("Why the server refused it")])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.tree.header().setStretchLastSection(True)
        self.open_button = QPushButton(tr("Open the record"))
        self.open_button.setObjectName("ShuibaoRejectedOpen")
        self.retry_button = QPushButton(tr("Send again"))
        self.retry_button.setObjectName("ShuibaoRejectedRetry")
        self.retry_button.setToolTip(tr("After fixing the record: send it at the next sync"))
        self.discard_button = QPushButton(tr("Give up the edit"))
        self.discard_button.setObjectName("ShuibaoRejectedDiscard")
        self.discard_button.setToolTip(tr("Put the record back to the server's values"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for button in (self.open_button, self.retry_button, self.discard_button):
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.buttons)
        self.buttons.rejected.connect(self.reject)
        self.open_button.clicked.connect(self.open_record)
        self.retry_button.clicked.connect(self.retry)
        self.discard_button.clicked.connect(self.discard)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self.tree.itemDoubleClicked.connect(lambda *_a: self.open_record())
        self.resize(1000, 420)
        self.reload()

    # -- the list --------------------------------------------------------------------------
    def reload(self) -> None:
        self.tree.clear()
        self.rows = {}
        store = Store(self.store_path)
        for n, item in enumerate(list_rejected(store)):
            row = QTreeWidgetItem([
                record_title(store, item["kind"], item["uuid"], self.lang), op_text(item["op"]),
                change_text(item, self.lang), reasons(item, self.lang) or tr("(no reason given)"),
            ])  # fmt: skip
            row.setData(0, ID_ROLE, n)
            for col in range(4):
                row.setToolTip(col, row.text(col))
            self.tree.addTopLevelItem(row)
            self.rows[n] = item
        for col, width in ((COL_RECORD, 260), (COL_OP, 70), (COL_CHANGE, 280)):
            self.tree.setColumnWidth(col, width)
        count = len(self.rows)
        refused = sum(1 for item in self.rows.values() if _refused(item))
        text = (
            tr("{0} edits were refused by the server. They are kept on this computer: open the record and fix it, "
               "then send it again; or give the edit up.").format(refused) if refused else
            tr("The server refused none of this store's edits.")
        )  # fmt: skip
        if count > refused:
            text += " " + tr(
                "{0} edits wait for their photo to reach the server: they are sent by themselves at a later sync."
            ).format(count - refused)
        self.info.setText(text)
        if count:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self._selection_changed()

    def _selection_changed(self) -> None:
        item = self.selected()
        self.open_button.setEnabled(item is not None)
        for button in (self.retry_button, self.discard_button):  # a waiting edit goes out by itself
            button.setEnabled(item is not None and _refused(item))

    def selected(self) -> dict | None:
        item = self.tree.currentItem()
        return self.rows.get(item.data(0, ID_ROLE)) if item is not None and item.isSelected() else None

    def model_rows(self) -> list[dict]:
        """What the panel shows (for tests and scripts)."""
        return [{**self.rows[it.data(0, ID_ROLE)], "record": it.text(COL_RECORD), "op": it.text(COL_OP),
                 "change": it.text(COL_CHANGE), "reason": it.text(COL_REASON)}
                for it in (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))]  # fmt: skip

    # -- actions ---------------------------------------------------------------------------
    def open_record(self) -> None:
        item = self.selected()
        if item is not None and self.on_open is not None:
            self.on_open(item["kind"], item["uuid"])

    def retry(self) -> int:
        item = self.selected()
        if item is None or not _refused(item):
            return 0
        count = requeue_rejected(self.store_path, item["mutation_id"])
        self._changed()
        return count

    def discard(self) -> bool:
        item = self.selected()
        if item is None or not _refused(item):
            return False
        answer = QMessageBox.question(
            self, tr("Give up the edit"),
            tr("Give up this edit of {0}? The record goes back to what the server has; a new record the server "
               "never took is removed. This cannot be undone.").format(record_title(
                   Store(self.store_path), item["kind"], item["uuid"], self.lang)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
        )  # fmt: skip
        if answer != QMessageBox.StandardButton.Yes:
            return False
        discard_rejected(self.store_path, item["mutation_id"])
        self._changed()
        return True

    def _changed(self) -> None:
        self.reload()
        if self.on_changed is not None:
            self.on_changed()


def _by_uuid(kind: str, uuid: str, project=None):
    layer = actions.layer_of(kind, project)
    if layer is None:
        return None
    request = QgsFeatureRequest().setFilterExpression(QgsExpression.createFieldEqualityExpression("uuid", uuid))
    return next(layer.getFeatures(request), None)


def locate_record(docks, kind: str, uuid: str, project=None) -> bool:
    """Show a record the way the docks do: its object selected in its dock (and on the map), the
    record chosen in the timeline, its form opened. False when the record is not in the layers."""
    chain = [(kind, uuid)]
    k = RECORD_KINDS[kind]
    while k.parent and k.parent_field:  # up to the object (dam, patch, watershed)
        feature = _by_uuid(chain[-1][0], chain[-1][1], project)
        if feature is None:
            return False
        chain.append((k.parent, str(feature[k.parent_field])))
        k = RECORD_KINDS[k.parent]
    target = _by_uuid(kind, uuid, project)
    obj = _by_uuid(*chain[-1], project)
    dock = next((d for d in docks if d.kind.name == chain[-1][0]), None)
    if target is None or obj is None or dock is None:
        return False
    dock.setUserVisible(True)
    dock.raise_()
    dock.select_fid(obj.id())
    dock.zoom_to(obj.id())
    if kind != chain[-1][0]:
        dock.select_child(kind, target.id())  # the timeline lists the object's records (and spot checks)
    dock.open_form(kind, target.id())
    return True
