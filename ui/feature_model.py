"""The list model of a dock: one row per object, with status, sync badge, due date and hazards.

Rows are plain lists read in one query on a plain sqlite3 connection to the store (or, when the
layer has unsaved edits or a filter, from one QgsFeatureRequest without geometry), so 100,000
objects load in a fraction of a second and no widget exists per row. The model sorts itself
(Python sort on the rows); the dock's proxy filters with a precomputed mask.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from typing import Any

from qgis.core import QgsFeatureRequest, QgsVectorLayer
from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from qgis.PyQt.QtGui import QColor

from ..layers.styles import status_colour
from ..model import THRESHOLDS, RecordKind
from ..model.rules import patrol_interval_hours
from . import tr

FID_ROLE = Qt.ItemDataRole.UserRole + 1
UUID_ROLE = Qt.ItemDataRole.UserRole + 2

# Row layout
FID, UUID, CODE, TITLE, TOWNSHIP, STATUS, STEP, REV, LAST, HAZARDS, SYNC, DUE = range(12)
COLUMNS = (CODE, TITLE, TOWNSHIP, STATUS, SYNC)
SYNC_COLUMN = 4

LOCAL, PENDING, SYNCED, CONFLICT = "local", "pending", "synced", "conflict"
SYNC_COLOURS = {LOCAL: "#7f7f7f", PENDING: "#ff8c00", SYNCED: "#2e9e44", CONFLICT: "#d62728"}
OVERDUE, DUE_WEEK, NOT_DUE = 2, 1, 0


def sync_label(state: str) -> str:
    return {LOCAL: tr("Local only"), PENDING: tr("Pending"), SYNCED: tr("Synced"), CONFLICT: tr("Conflict")}[state]


def _text(value: Any) -> str:
    if value is None or value.__class__ is not str and hasattr(value, "isNull") and value.isNull():
        return ""
    if hasattr(value, "toString") and value.__class__ is not str:
        return value.toString("yyyy-MM-ddTHH:mm:ssZ")
    return value if value.__class__ is str else str(value)


def store_path(layer: QgsVectorLayer | None) -> str | None:
    if layer is None or layer.providerType() != "ogr":
        return None
    path = layer.source().split("|")[0]
    return path if path.lower().endswith(".gpkg") else None


def _parse_utc(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def due_state(last: str, now: dt.datetime, week_end: dt.datetime) -> int:
    """OVERDUE when the next patrol (rules.next_inspection_due) has passed, DUE_WEEK within 7 days."""
    if not last:
        return OVERDUE  # never inspected: due now
    when = _parse_utc(last)
    if when is None:
        return OVERDUE
    due = when + dt.timedelta(hours=patrol_interval_hours(when.date(), THRESHOLDS))
    if due <= now:
        return OVERDUE
    return DUE_WEEK if due <= week_end else NOT_DUE


class DueClock:
    """due_state for many rows: the patrol interval depends on the month-day only, so it is cached,
    and UTC timestamps written as ``…Z`` compare as strings against precomputed cut-offs."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self.week_end = now + dt.timedelta(days=7)
        self._interval: dict[str, float] = {}
        self._cutoffs: dict[float, tuple[str, str]] = {}

    def state(self, last: str) -> int:
        if not last:
            return OVERDUE
        if len(last) >= 20 and last[-1] == "Z" and last[10] == "T":
            md = last[5:10]
            hours = self._interval.get(md)
            if hours is None:
                hours = self._interval[md] = patrol_interval_hours(dt.date(2000, int(md[:2]), int(md[3:])))
            cut = self._cutoffs.get(hours)
            if cut is None:
                delta = dt.timedelta(hours=hours)
                fmt = "%Y-%m-%dT%H:%M:%S"
                cut = self._cutoffs[hours] = (
                    (self.now - delta).strftime(fmt), (self.week_end - delta).strftime(fmt)
                )  # fmt: skip
            stamp = last[:19]
            if stamp <= cut[0]:
                return OVERDUE
            return DUE_WEEK if stamp <= cut[1] else NOT_DUE
        return due_state(last, self.now, self.week_end)


class FeatureTableModel(QAbstractTableModel):
    """Columns: code, title, township, status, sync. Feature id under FID_ROLE, uuid under UUID_ROLE."""

    def __init__(self, kind: RecordKind, lang: str = "zh", parent=None):
        super().__init__(parent)
        self.kind = kind
        self.lang = lang
        self.rows: list[list[Any]] = []
        self._fid_row: dict[int, int] | None = None
        status = kind.field(kind.status_field) if kind.status_field else None
        self._status_enum = status.enum if status is not None else None
        wf = kind.workflow
        self.step_field = wf.state_field if wf is not None else None
        self._colours: dict[str, QColor] = {}
        if self._status_enum is not None:
            for i, choice in enumerate(self._status_enum.choices):
                self._colours[choice.code] = QColor(status_colour(kind, choice.code, i))
        self._sync_colours = {k: QColor(v) for k, v in SYNC_COLOURS.items()}
        self._sync_labels: dict[str, str] = {}
        names = kind.field_names()
        self._headers = (
            kind.field(kind.code_field).label(lang) if kind.code_field else tr("Code"),
            kind.field(kind.title_field).label(lang) if kind.title_field else tr("Name"),
            kind.field("township").label(lang) if "township" in names else tr("Township"),
            status.label(lang) if status is not None else tr("Status"),
            tr("Sync"),
        )
        self.sort_column, self.sort_order = 0, Qt.SortOrder.AscendingOrder

    # -- loading -----------------------------------------------------------------------------
    def _columns(self) -> list[str | None]:
        k = self.kind
        names = k.field_names()
        return [
            "uuid", k.code_field, k.title_field, "township" if "township" in names else None, k.status_field,
            self.step_field, "server_rev", "last_inspected_at" if "last_inspected_at" in names else None,
        ]  # fmt: skip

    def load(self, layer: QgsVectorLayer | None) -> None:
        self._sync_labels = {k: sync_label(k) for k in SYNC_COLOURS}
        rows: list[list[Any]] = []
        if layer is not None:
            path = store_path(layer)
            fast = path is not None and not layer.subsetString() and not (layer.isEditable() and layer.isModified())
            rows = self._fetch_sqlite(path, layer) if fast else self._fetch_layer(layer)
            if path is not None:
                self._decorate(path, rows, fast)
        self.beginResetModel()
        self.rows = rows
        self._fid_row = None
        self._sort_rows()
        self.endResetModel()

    def _fetch_sqlite(self, path: str, layer: QgsVectorLayer) -> list[list[Any]]:
        """Rows with open-hazard counts, in one query."""
        cols = self._columns()
        table = (layer.source().split("layername=")[-1].split("|")[0] or self.kind.name).replace(chr(34), "")
        exprs = ", ".join(f'o."{c}"' if c else "NULL" for c in cols)
        plain = f'SELECT o.fid, {exprs}, 0, 0, 0 FROM "{table}" o'  # noqa: S608 - names from the model
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            hazards, join = "0", ""
            if self.kind.name == "dam" and "dam_hazard" in tables:
                hazards = "coalesce(h.n, 0)"
                join = (
                    " LEFT JOIN (SELECT dam_uuid, count(*) AS n FROM dam_hazard"
                    " WHERE coalesce(step, 'open') <> 'closed' GROUP BY dam_uuid) h ON h.dam_uuid = o.uuid"
                )
            # The sync badge comes from _decorate's one scan of the log (a per-row EXISTS here would
            # scan the log once per object).
            sql = f'SELECT o.fid, {exprs}, {hazards}, 0, 0 FROM "{table}" o{join}'  # noqa: S608
            try:
                return list(map(list, conn.execute(sql)))
            except sqlite3.Error:
                return list(map(list, conn.execute(plain)))

    def _fetch_layer(self, layer: QgsVectorLayer) -> list[list[Any]]:
        cols = self._columns()
        fields = layer.fields()
        idx = [fields.indexFromName(c) if c else -1 for c in cols]
        request = QgsFeatureRequest()
        request.setFlags(QgsFeatureRequest.Flag.NoGeometry)
        request.setSubsetOfAttributes([i for i in idx if i >= 0])
        rows = []
        for feature in layer.getFeatures(request):
            attrs = feature.attributes()
            rows.append([feature.id(), *(_text(attrs[i]) if i >= 0 else None for i in idx), 0, 0, 0])
        return rows

    def _decorate(self, path: str, rows: list[list[Any]], fast: bool) -> None:
        """Sync badge, open hazards and due state (the fast read brings the hazards along)."""
        pending: set[str] = set()
        conflicts: set[str] = set()
        hazards: dict[str, int] = {}
        try:
            with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as conn:
                pending = {
                    r[0]
                    for r in conn.execute(
                        "SELECT uuid FROM sb_change WHERE kind = ? AND synced_at IS NULL", (self.kind.name,)
                    )
                }
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                if "sb_conflict" in tables:
                    cols = {r[1] for r in conn.execute("PRAGMA table_info(sb_conflict)")}
                    if "uuid" in cols:
                        sql = "SELECT DISTINCT uuid FROM sb_conflict"
                        if "kind" in cols:
                            sql += " WHERE kind = ?"
                        for flag in ("resolved_at", "resolved"):
                            if flag in cols:
                                sql += (" AND " if "WHERE" in sql else " WHERE ") + f"{flag} IS NULL"
                                break
                        params = (self.kind.name,) if "kind" in cols else ()
                        conflicts = {r[0] for r in conn.execute(sql, params)}
                if self.kind.name == "dam" and "dam_hazard" in tables and not fast:
                    hazards = dict(
                        conn.execute(
                            "SELECT dam_uuid, count(*) FROM dam_hazard WHERE coalesce(step, 'open') <> 'closed'"
                            " GROUP BY dam_uuid"
                        ).fetchall()
                    )
        except sqlite3.Error:
            pass  # a store being migrated or synced: no badges this time
        now = dt.datetime.now(dt.timezone.utc)
        due = DueClock(now)
        is_dam = self.kind.name == "dam"
        for r in rows:
            u = r[UUID]
            if u in conflicts:
                r[SYNC] = CONFLICT
            elif u in pending:
                r[SYNC] = PENDING
            elif r[REV]:
                r[SYNC] = SYNCED
            else:
                r[SYNC] = LOCAL
            if hazards:
                r[HAZARDS] = hazards.get(u, 0)
            if is_dam and r[STEP] != "delisted":
                r[DUE] = due.state(r[LAST] or "")

    # -- sorting -----------------------------------------------------------------------------
    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self.sort_column, self.sort_order = column, order
        self.beginResetModel()
        self._sort_rows()
        self.endResetModel()

    def _sort_rows(self) -> None:
        if not 0 <= self.sort_column < len(COLUMNS):
            return
        col = COLUMNS[self.sort_column]
        reverse = self.sort_order == Qt.SortOrder.DescendingOrder
        self.rows.sort(key=lambda r: (r[col] is None, str(r[col] or "")), reverse=reverse)
        self._fid_row = None

    # -- Qt model ----------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == FID_ROLE:
            return row[FID]
        if role == UUID_ROLE:
            return row[UUID]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if col == 3 and self._status_enum is not None and row[STATUS]:
                text = self._status_enum.label(row[STATUS], self.lang)
                if row[HAZARDS]:
                    text += " ⚠" + str(row[HAZARDS])
                return text
            if col == SYNC_COLUMN:
                return self._sync_labels.get(row[SYNC], "")
            value = row[COLUMNS[col]]
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.DecorationRole:
            if col == 3:
                return self._colours.get(row[STATUS])
            if col == SYNC_COLUMN:
                return self._sync_colours.get(row[SYNC])
        if role == Qt.ItemDataRole.ForegroundRole and col == 0 and row[DUE] == OVERDUE:
            return QColor("#d62728")
        return None

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < 5:
            return self._headers[section]
        return None

    def fid(self, row: int) -> int:
        return self.rows[row][FID]

    def row_of_fid(self, fid: int) -> int:
        if self._fid_row is None:
            self._fid_row = {r[FID]: i for i, r in enumerate(self.rows)}
        return self._fid_row.get(fid, -1)


class ObjectFilterProxy(QSortFilterProxyModel):
    """Filters by text, township, status, workflow step, due and open hazards with a precomputed mask.

    Sorting is delegated to the source model (a Python sort is far faster than lessThan calls).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._mask: bytearray | None = None
        self.filters: dict[str, Any] = {}

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802 - Qt API
        mask = self._mask
        return mask is None or (row < len(mask) and bool(mask[row]))

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)
        self.refilter()

    def set_filters(self, **filters: Any) -> None:
        self.filters = {k: v for k, v in filters.items() if v not in (None, "", False)}
        self.refilter()

    def refilter(self) -> None:
        model: FeatureTableModel = self.sourceModel()
        f = self.filters
        if not f or model is None:
            self._mask = None
        else:
            text = (f.get("text") or "").lower()
            township, status, step = f.get("township"), f.get("status"), f.get("step")
            due, hazards = f.get("due"), f.get("hazards")
            mask = bytearray(len(model.rows))
            for i, r in enumerate(model.rows):
                if text and text not in (r[CODE] or "").lower() and text not in (r[TITLE] or "").lower():
                    continue
                if township and r[TOWNSHIP] != township:
                    continue
                if status and r[STATUS] != status:
                    continue
                if step and r[STEP] != step:
                    continue
                if due and r[DUE] < (OVERDUE if due == "overdue" else DUE_WEEK):
                    continue
                if hazards and not r[HAZARDS]:
                    continue
                mask[i] = 1
            self._mask = mask
        self.invalidate()
