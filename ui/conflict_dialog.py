"""The "Resolve conflicts…" dialog: open sync conflicts grouped by record, field by field.

For each field: its label (model, user's language), the base value, mine, theirs (enum codes shown
as labels), who changed it on the server and when, and a choice: keep mine, keep theirs, or an
edited value. Apply writes the choices with ``layers.sync_local.resolve_conflict``: the value becomes a
normal local edit, pushed at the next sync; resolved conflicts leave the list.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QBrush, QColor, QFont
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..layers.store import Store
from ..layers.sync_local import base_of, list_conflicts, resolve_conflict
from ..model import RECORD_KINDS
from ..model.schema import BOOL, DATE, ENUM, INT, MULTI_ENUM, REAL, RecordKind
from ..sync.api import SyncError
from . import tr

COL_FIELD, COL_BASE, COL_MINE, COL_THEIRS, COL_WHO, COL_CHOICE, COL_VALUE = range(7)
CHOICES = ("", "mine", "theirs", "value")


def reason_text(reason: str) -> str | None:
    return {
        "deleted": tr("The record was deleted on the server"),
        "delisted": tr("The record was de-listed on the server"),
    }.get(reason)


def _lang() -> str:
    from ..settings import language

    return language()


def display_value(kind: RecordKind | None, field: str, value: Any, lang: str) -> str:
    """A value as the user reads it: enum labels, yes/no, "(geometry)", "(empty)"."""
    if value is None or value == "":
        return tr("(empty)")
    if field == "geom":
        return tr("(geometry)")
    if field == "*":
        return tr("(deleted)") if value is None else tr("(record)")
    f = None
    if kind is not None:
        try:
            f = kind.field(field)
        except KeyError:
            f = None
    if f is not None and f.enum is not None:
        codes = value
        if f.type == MULTI_ENUM and isinstance(value, str):
            try:
                codes = json.loads(value)
            except ValueError:
                codes = [value]
        if isinstance(codes, (list, tuple)):
            return "、".join(f.enum.label(str(c), lang) for c in codes)
        return f.enum.label(str(codes), lang)
    if f is not None and f.type == BOOL:
        return tr("yes") if value else tr("no")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def field_label(kind: RecordKind | None, field: str, lang: str) -> str:
    if field == "*":
        return tr("Whole record (deleted here, changed on the server)")
    if field == "geom":
        return tr("Location / shape")
    if kind is not None:
        try:
            return kind.field(field).label(lang)
        except KeyError:
            pass
    return field


def record_title(store: Store, kind_name: str, uuid: str, lang: str) -> str:
    """How a person names a record: "淤地坝 360704-YDB-0001 梅林1号坝" from its code and name; a
    record of an object by the object too: "淤地坝检查 360704-YDB-0001 梅林1号坝 汛期巡查 2026-07-01"."""
    kind = RECORD_KINDS.get(kind_name)
    if kind is None:
        return f"{kind_name} {uuid[:8]}"
    rec = store.get_record(kind_name, uuid) or base_of(store, kind_name, uuid) or {}  # deleted here: the server's
    parts = [kind.label(lang)]
    parent = RECORD_KINDS.get(kind.parent or "")
    if parent is not None and rec.get(kind.parent_field):
        parts += _code_and_name(parent, store.get_record(parent.name, rec[kind.parent_field]) or {}, lang)
    parts += _code_and_name(kind, rec, lang)
    if len(parts) == 1:
        parts.append(uuid[:8])
    return " ".join(dict.fromkeys(parts))


def _code_and_name(kind: RecordKind, rec: dict, lang: str) -> list[str]:
    """The values a person knows a record by (a time shown as its day)."""
    out = []
    for name in dict.fromkeys((kind.code_field, kind.title_field)):
        value = rec.get(name) if name and name != "uuid" else None
        if value not in (None, ""):
            text = display_value(kind, name, value, lang)
            out.append(text[:10] if name.endswith("_at") else text)
    return out


class ConflictDialog(QDialog):
    """Lists the store's open conflicts; Apply resolves the fields that have a choice."""

    def __init__(
        self,
        store_path: str,
        parent: QWidget | None = None,
        language: str | None = None,
        on_resolved: Callable[[int], None] | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("ShuibaoConflictDialog")
        self.setWindowTitle(tr("Resolve sync conflicts"))
        self.store_path = str(store_path)
        self.lang = "zh" if (language or _lang()).startswith("zh") else "en"
        self.on_resolved = on_resolved
        self.conflicts: dict[int, dict] = {}
        self.items: dict[int, QTreeWidgetItem] = {}

        self.info = QLabel()
        self.info.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("ShuibaoConflictTree")
        self.tree.setColumnCount(7)
        self.tree.setHeaderLabels([tr("Field"), tr("Base"), tr("Mine"), tr("Theirs (server)"),
                                   tr("Changed on the server by"), tr("Keep"), tr("Edited value")])  # fmt: skip
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(False)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Apply | QDialogButtonBox.StandardButton.Close)
        self.apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.apply_button.setText(tr("Apply"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("Close"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.buttons)
        self.apply_button.clicked.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        self.tree.itemClicked.connect(self._clicked)
        self.resize(1100, 520)
        self.reload()

    # -- model -----------------------------------------------------------------------------
    def model_rows(self) -> list[dict]:
        """What the dialog shows, one dict per conflicted field (for tests and scripts)."""
        out = []
        for cid, c in self.conflicts.items():
            item = self.items[cid]
            out.append({
                "id": cid, "record": item.parent().text(0), "field": item.text(COL_FIELD),
                "base": item.text(COL_BASE), "mine": item.text(COL_MINE), "theirs": item.text(COL_THEIRS),
                "who": item.text(COL_WHO), "kind": c["kind"], "uuid": c["uuid"], "name": c["field"],
            })  # fmt: skip
        return out

    def reload(self) -> None:
        self.tree.clear()
        self.conflicts, self.items = {}, {}
        store = Store(self.store_path)
        rows = list_conflicts(store)
        groups: dict[tuple[str, str], QTreeWidgetItem] = {}
        bold = QFont()
        bold.setBold(True)
        for c in rows:
            kind = RECORD_KINDS.get(c["kind"])
            key = (c["kind"], c["uuid"])
            top = groups.get(key)
            if top is None:
                top = QTreeWidgetItem([record_title(store, c["kind"], c["uuid"], self.lang)])
                top.setFirstColumnSpanned(True)
                top.setFont(0, bold)
                self.tree.addTopLevelItem(top)
                top.setFirstColumnSpanned(True)
                groups[key] = top
            label = field_label(kind, c["field"], self.lang)
            if reason_text(c["reason"]):
                label = f"{label} — {reason_text(c['reason'])}"
            who = " ".join(x for x in (c.get("server_by") or "", _short_time(c.get("server_at"))) if x)
            item = QTreeWidgetItem([
                label, display_value(kind, c["field"], c["base"], self.lang),
                display_value(kind, c["field"], c["mine"], self.lang),
                display_value(kind, c["field"], c["theirs"], self.lang), who or "—", "", "",
            ])  # fmt: skip
            item.setData(0, Qt.ItemDataRole.UserRole, c["id"])
            item.setForeground(COL_MINE, QBrush(QColor("#1a5fb4")))
            item.setForeground(COL_THEIRS, QBrush(QColor("#b00020")))
            item.setToolTip(COL_BASE, item.text(COL_BASE))
            for col in (COL_MINE, COL_THEIRS):
                item.setToolTip(col, tr("{0} — click to keep this value").format(item.text(col)))
            top.addChild(item)
            self.conflicts[c["id"]] = c
            self.items[c["id"]] = item
            self.tree.setItemWidget(item, COL_CHOICE, self._choice_box(c))
            editor = self._editor(kind, c)
            if editor is not None:
                editor.setEnabled(False)
                self.tree.setItemWidget(item, COL_VALUE, editor)
        self.tree.expandAll()
        for col in range(COL_CHOICE):
            self.tree.resizeColumnToContents(col)
            self.tree.setColumnWidth(col, min(max(self.tree.columnWidth(col), 90), 260))
        self.tree.setColumnWidth(COL_CHOICE, 150)
        n, records = len(rows), len(groups)
        if n:
            self.info.setText(tr("{0} open conflicts on {1} records. The server's value is shown on the map until you "
                                 "choose; the choice is sent at the next sync.").format(n, records))  # fmt: skip
        else:
            self.info.setText(tr("No open conflicts."))
        self.apply_button.setEnabled(bool(n))

    def _choice_box(self, c: dict) -> QComboBox:
        box = QComboBox()
        box.addItem(tr("Choose…"), "")
        box.addItem(tr("Keep mine"), "mine")
        box.addItem(tr("Keep theirs"), "theirs")
        kind = RECORD_KINDS.get(c["kind"])
        if c["field"] not in ("*", "geom") and kind is not None and c["field"] in kind.field_names():
            box.addItem(tr("Edited value"), "value")
        box.currentIndexChanged.connect(lambda _i, cid=c["id"]: self._choice_changed(cid))
        return box

    def _editor(self, kind: RecordKind | None, c: dict) -> QWidget | None:
        if kind is None or c["field"] in ("*", "geom") or c["field"] not in kind.field_names():
            return None
        f = kind.field(c["field"])
        start = c["mine"] if c["mine"] is not None else c["theirs"]
        if f.type == ENUM and f.enum is not None:
            box = QComboBox()
            box.addItem(tr("(empty)"), None)
            for choice in f.enum.choices:
                box.addItem(choice.zh if self.lang == "zh" else choice.en, choice.code)
            idx = box.findData(start)
            box.setCurrentIndex(max(idx, 0))
            return box
        if f.type == BOOL:
            box = QComboBox()
            box.addItem(tr("(empty)"), None)
            box.addItem(tr("yes"), True)
            box.addItem(tr("no"), False)
            box.setCurrentIndex(max(box.findData(start), 0) if start is not None else 0)
            return box
        edit = QLineEdit("" if start is None else display_value(None, c["field"], start, self.lang))
        if f.type == DATE:
            edit.setPlaceholderText("YYYY-MM-DD")
        return edit

    def _choice_changed(self, cid: int) -> None:
        item, choice = self.items[cid], self.choice(cid)
        editor = self.tree.itemWidget(item, COL_VALUE)
        if editor is not None:
            editor.setEnabled(choice == "value")
        for col, name in ((COL_MINE, "mine"), (COL_THEIRS, "theirs")):  # the kept value stands out
            font = item.font(col)
            font.setBold(choice == name)
            item.setFont(col, font)
            item.setBackground(col, QBrush(QColor("#fff2b3")) if choice == name else QBrush())

    def _clicked(self, item: QTreeWidgetItem, column: int) -> None:
        """A click on the "mine" or "theirs" value keeps that value."""
        cid = item.data(0, Qt.ItemDataRole.UserRole)
        if cid in self.items and column in (COL_MINE, COL_THEIRS):
            self.set_choice(cid, "mine" if column == COL_MINE else "theirs")

    # -- choices ---------------------------------------------------------------------------
    def choice(self, cid: int) -> str:
        box = self.tree.itemWidget(self.items[cid], COL_CHOICE)
        return str(box.currentData() or "")

    def set_choice(self, cid: int, choice: str, value: Any = None) -> None:
        """Choose for one conflict (``mine``/``theirs``/``value``); with ``value`` also fill the editor."""
        box = self.tree.itemWidget(self.items[cid], COL_CHOICE)
        idx = box.findData(choice)
        if idx < 0:
            raise ValueError(f"choice {choice!r} is not offered for this field")
        box.setCurrentIndex(idx)
        editor = self.tree.itemWidget(self.items[cid], COL_VALUE)
        if choice == "value" and value is not None and editor is not None:
            if isinstance(editor, QComboBox):
                editor.setCurrentIndex(max(editor.findData(value), 0))
            else:
                editor.setText(str(value))

    def edited_value(self, cid: int) -> Any:
        c = self.conflicts[cid]
        kind = RECORD_KINDS[c["kind"]]
        f = kind.field(c["field"])
        editor = self.tree.itemWidget(self.items[cid], COL_VALUE)
        if isinstance(editor, QComboBox):
            return editor.currentData()
        text = editor.text().strip() if editor is not None else ""
        if text == "":
            return None
        if f.type == INT:
            return int(text)
        if f.type == REAL:
            return float(text)
        if f.type == MULTI_ENUM:
            return [t.strip() for t in text.replace("、", ",").split(",") if t.strip()]
        return text

    def apply(self) -> int:
        """Resolve every conflict that has a choice. Returns how many were resolved."""
        done, errors = 0, []
        for cid in list(self.conflicts):
            choice = self.choice(cid)
            if not choice:
                continue
            try:
                value = self.edited_value(cid) if choice == "value" else None
                resolve_conflict(self.store_path, cid, choice, value)
                done += 1
            except (ValueError, SyncError, KeyError) as exc:
                label = self.items[cid].text(COL_FIELD)
                errors.append(f"{label}: {exc.user_message() if isinstance(exc, SyncError) else exc}")
        self.reload()
        if done and self.on_resolved is not None:
            self.on_resolved(done)
        if errors:
            QMessageBox.warning(self, tr("Resolve sync conflicts"), "\n".join(errors))
        elif not done:
            self.info.setText(tr('Choose "Keep mine", "Keep theirs" or an edited value for a field first.'))
        return done


def _short_time(value: Any) -> str:
    """2024-06-01T08:30:12.345Z → 2024-06-01 16:30 (in the laptop's time zone)."""
    if not value:
        return ""
    from datetime import datetime

    text = str(value)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return text.replace("T", " ")[:16]
