"""A store read once for a report, and model values as a sheet or a printed form shows them.

The store is opened read-only (SQLite ``mode=ro``): a report never writes and never blocks a sync
for longer than one read. Values become what a county expects to read: enumerations as their
labels, references as the parent's code and name, booleans as 是/否, dates as dates and times in
Beijing time (UTC+8, no daylight saving; the store keeps UTC).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

from ..layers import thresholds as local_thresholds
from ..model import RECORD_KINDS, rules
from ..model.schema import BOOL, DATE, DATETIME, ENUM, INT, MULTI_ENUM, REAL, REF, Field, RecordKind, Thresholds
from ..model.values import choice_labels

BEIJING = dt.timezone(dt.timedelta(hours=8))
OBJECT_OF = {"dam": "dam", "patch": "patch", "watershed": "watershed", "rs_spot": "rs_spot"}


class ReportError(Exception):
    """A report that cannot be made; ``zh``/``en`` say why to the user."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en

    def message(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


def pick(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def parse_date(value: Any) -> dt.date | None:
    """A stored DATE or DATETIME as a date (a time counts on its Beijing day)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    if len(text) > 10:
        moment = parse_datetime(text)
        return moment.date() if moment else None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def parse_datetime(value: Any) -> dt.datetime | None:
    """A stored DATETIME (UTC) as a naive Beijing time, the way Excel and a form show it."""
    if value in (None, ""):
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(BEIJING).replace(tzinfo=None)


def yes_no(value: Any, lang: str) -> str | None:
    if value is None or value == "":
        return None
    return pick(lang, "是", "yes") if value not in (0, "0", False) else pick(lang, "否", "no")


def display(f: Field, value: Any, lang: str = "zh", refs: dict[str, str] | None = None) -> Any:
    """One field's value as a cell shows it: a label, a date, a number or text (None when empty)."""
    if value is None or value == "":
        return None
    if f.type == ENUM:
        return f.enum.label(value, lang)
    if f.type == MULTI_ENUM:
        return choice_labels(f, value, lang) or None
    if f.type == BOOL:
        return yes_no(value, lang)
    if f.type == DATE:
        return parse_date(value)
    if f.type == DATETIME:
        return parse_datetime(value)
    if f.type == REF:
        return (refs or {}).get(value, value)
    if f.type == INT:
        return int(value) if isinstance(value, (int, float)) else value
    if f.type == REAL:
        return float(value) if isinstance(value, (int, float)) else value
    return value


def text(value: Any) -> str:
    """A display value as plain text (forms): dates as 2025-06-01, times to the minute."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def label_of(kind: RecordKind, values: dict[str, Any]) -> str:
    """A record as its code and name ("360704-YDB-0012 石门沟1号坝"), the way references show."""
    parts = []
    for name in (kind.code_field, kind.title_field):
        if name and values.get(name) not in (None, "") and name in kind.field_names():
            shown = display(kind.field(name), values[name])
            parts.append(text(shown))
    return " ".join(dict.fromkeys(p for p in parts if p))


class Dataset:
    """The records of one store, read once on first use, by kind and by uuid (geometry left out)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise ReportError(f"找不到数据文件：{self.path}", f"no store at {self.path}")
        self._rows: dict[str, list[dict[str, Any]]] = {}
        self._index: dict[Any, dict[str, Any]] = {}

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
        conn.row_factory = sqlite3.Row
        return conn

    @cached_property
    def tables(self) -> set[str]:
        conn = self._connect()
        try:
            return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise ReportError(f"无法读取数据文件 {self.path}：{exc}", f"cannot read {self.path}: {exc}") from exc
        finally:
            conn.close()

    def thresholds(self, county: str | None = None) -> Thresholds:
        """The thresholds in force in ``county`` (default: the store's first county), as last delivered."""
        if county is None:
            sets = self._threshold_sets
            return next(iter(sets.values())) if sets else local_thresholds.of(None)
        return self._threshold_sets.get(county) or local_thresholds.of(county)

    @cached_property
    def _threshold_sets(self) -> dict[str, Thresholds]:
        try:
            return local_thresholds.by_county(self.path)
        except sqlite3.Error:
            return {}

    def rows(self, kind: str) -> list[dict[str, Any]]:
        """Every record of ``kind`` (an empty list when the store lacks the table)."""
        if kind not in self._rows:
            self._rows[kind] = self._read(kind) if kind in self.tables else []
        return self._rows[kind]

    def _read(self, kind: str) -> list[dict[str, Any]]:
        names = RECORD_KINDS[kind].field_names()
        conn = self._connect()
        try:
            have = {r[1] for r in conn.execute(f'PRAGMA table_info("{kind}")')}
            cols = ", ".join(f'"{n}"' for n in names if n in have)
            return [dict(r) for r in conn.execute(f'SELECT fid, {cols} FROM "{kind}" ORDER BY fid')]  # noqa: S608
        finally:
            conn.close()

    def by_uuid(self, kind: str) -> dict[str, dict[str, Any]]:
        if kind not in self._index:
            self._index[kind] = {r["uuid"]: r for r in self.rows(kind) if r.get("uuid")}
        return self._index[kind]

    def get(self, kind: str, uuid: str | None) -> dict[str, Any] | None:
        return self.by_uuid(kind).get(uuid) if uuid else None

    def children(self, kind: str, parent_uuids: Iterable[str] | None) -> list[dict[str, Any]]:
        """Records of a child kind whose parent is among ``parent_uuids`` (all when None), in store order."""
        if parent_uuids is None:
            return self.rows(kind)
        key = ("children", kind)
        if key not in self._index:
            by_parent: dict[str, list[dict[str, Any]]] = {}
            parent_field = RECORD_KINDS[kind].parent_field
            for row in self.rows(kind):
                by_parent.setdefault(row.get(parent_field), []).append(row)
            self._index[key] = by_parent
        by_parent = self._index[key]
        found = [r for p in dict.fromkeys(parent_uuids) for r in by_parent.get(p, ())]
        return sorted(found, key=lambda r: r["fid"]) if len(found) > 1 else found

    def refs(self, kind: str) -> dict[str, str]:
        """uuid -> "code name" of every record of ``kind``."""
        k = RECORD_KINDS[kind]
        return {u: label_of(k, r) for u, r in self.by_uuid(kind).items()}

    @cached_property
    def county_code(self) -> str:
        """The county most of the store's objects belong to."""
        counts: Counter[str] = Counter()
        for kind in OBJECT_OF:
            counts.update(r.get("county_code") for r in self.rows(kind) if r.get("county_code"))
        return counts.most_common(1)[0][0] if counts else ""

    def townships(self) -> list[str]:
        names = {r.get("township") for kind in ("dam", "patch", "rs_spot") for r in self.rows(kind)}
        return sorted(n for n in names if n)


def patch_treated_on(ds: Dataset, patch: dict[str, Any]) -> dt.date | None:
    """When a treated patch was finished: its last measure's completion date, else its acceptance
    date; None for a patch not completed or accepted, or without any date."""
    if patch.get("treatment_status") not in ("completed", "accepted"):
        return None
    dates = [parse_date(m.get("completed_at")) for m in ds.children("patch_measure", [patch["uuid"]])]
    dates += [parse_date(a.get("accepted_at")) for a in ds.children("patch_acceptance", [patch["uuid"]])]
    dates = [d for d in dates if d is not None]
    return max(dates) if dates else None


def hazard_found_on(ds: Dataset, hazard: dict[str, Any]) -> dt.date | None:
    """When a hazard was found: the date of the inspection that found it, else when it was recorded."""
    inspection = ds.get("dam_inspection", hazard.get("inspection_uuid"))
    found = parse_date(inspection.get("inspected_at")) if inspection else None
    return found or parse_date(hazard.get("created_at"))


def spot_overdue_days(spot: dict[str, Any], today: dt.date) -> int | None:
    """Days past a remote-sensing spot's deadline (rules.spot_deadline); None when closed or not due."""
    deadline = parse_date(rules.spot_deadline(spot))
    return (today - deadline).days if deadline is not None and deadline < today else None


def hazard_overdue_days(hazard: dict[str, Any], today: dt.date) -> int | None:
    """Days past the deadline of a hazard not closed yet (None when closed or not due)."""
    deadline = parse_date(hazard.get("deadline"))
    if hazard.get("step") == "closed" or deadline is None or deadline >= today:
        return None
    return (today - deadline).days
