"""The ledgers (台账) a county keeps and hands in, each a table made from the store.

A ledger is declared once: its title in both languages, the object kind whose dock offers it, the
field its status filter applies to, and a function that makes its table for a filter. Columns take
their labels from the model (with units); values go through :func:`.data.display`. The Excel writer
(:mod:`.excel`) and the Processing algorithm only see :class:`Table` objects, so a new ledger (the
remote-sensing spot ledger) is one more declaration here.

Filters: township; period (each ledger says which date it filters on); status codes of the
ledger's status field; and the objects listed in a dock (``objects``), which restricts every
ledger to those objects and their records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..model import RECORD_KINDS, THRESHOLDS, Thresholds, rules
from ..model.definition import RS_VIOLATIONS
from ..model.schema import DATE, DATETIME, INT, REAL
from .data import (
    BEIJING,
    Dataset,
    display,
    hazard_found_on,
    hazard_overdue_days,
    parse_date,
    patch_treated_on,
    pick,
    spot_overdue_days,
)

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass
class Filter:
    """What to put in a ledger. Empty fields filter nothing."""

    township: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    statuses: tuple[str, ...] = ()
    objects: frozenset[str] | None = None  # uuids of dams / patches / watersheds (a dock's list)
    note: str = ""  # how the objects were chosen, for the title (e.g. the dock's filters)
    today: dt.date = field(default_factory=dt.date.today)

    def in_period(self, day: dt.date | None) -> bool:
        if day is None:
            return self.date_from is None and self.date_to is None
        return (self.date_from is None or day >= self.date_from) and (self.date_to is None or day <= self.date_to)

    def years(self) -> tuple[int | None, int | None]:
        return (self.date_from.year if self.date_from else None, self.date_to.year if self.date_to else None)


@dataclass
class Table:
    """One sheet: a title, lines under it, a header row, data rows and an optional total row."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    subtitle: list[str] = field(default_factory=list)
    formats: list[str | None] = field(default_factory=list)
    total: list[Any] | None = None
    sheet: str = ""  # the sheet name (≤ 31 characters)


@dataclass(frozen=True)
class Column:
    zh: str
    en: str
    get: Callable[[dict[str, Any]], Any]
    fmt: str | None = None


@dataclass(frozen=True)
class Ledger:
    name: str
    zh: str
    en: str
    object_kind: str  # dam, patch or watershed: the dock that offers it
    status: tuple[str, str] | None  # (record kind, field) the status filter applies to
    period_zh: str  # what the period filters on, for the title
    period_en: str
    build: Callable[[Dataset, Filter, str], tuple[list[Column], list[dict[str, Any]]]]
    snapshot: bool = False  # the state now, whatever the period (registers)

    def label(self, lang: str) -> str:
        return pick(lang, self.zh, self.en)

    def status_choices(self) -> list[tuple[str, str, str]]:
        if self.status is None:
            return []
        f = RECORD_KINDS[self.status[0]].field(self.status[1])
        return [(c.code, c.zh, c.en) for c in f.enum.choices]


# --- columns --------------------------------------------------------------------------------------


def _fmt(ftype: str) -> str | None:
    return {DATE: DATE_FORMAT, DATETIME: DATETIME_FORMAT, REAL: "0.00", INT: "0"}.get(ftype)


def field_column(kind: str, name: str, lang: str, source: Callable[[dict], dict | None] | None = None) -> Column:
    """A column of one model field (of the row itself, or of the record ``source`` finds for it)."""
    f = RECORD_KINDS[kind].field(name)

    def get(row: dict[str, Any]) -> Any:
        record = source(row) if source else row
        return display(f, record.get(name), lang) if record else None

    return Column(f.label("zh"), f.label("en"), get, _fmt(f.type))


def fields(kind: str, names: Iterable[str], lang: str, source=None) -> list[Column]:
    return [field_column(kind, n, lang, source) for n in names]


def ref_column(zh: str, en: str, refs: dict[str, str], ref_field: str) -> Column:
    """The parent as "code name" (a reference shown as people read it)."""
    return Column(zh, en, lambda row: refs.get(row.get(ref_field) or "", row.get(ref_field)))


def computed(zh: str, en: str, get: Callable[[dict], Any], fmt: str | None = None) -> Column:
    return Column(zh, en, get, fmt)


SEQ = Column("序号", "No.", lambda row: None, "0")  # numbered when the table is made


# --- filtering ------------------------------------------------------------------------------------


def _status_ok(flt: Filter, value: Any) -> bool:
    return not flt.statuses or value in flt.statuses


def _objects(ds: Dataset, kind: str, flt: Filter, *, township: bool = True) -> list[dict[str, Any]]:
    """Registered objects of ``kind`` in the dock's list and the township."""
    out = []
    for row in ds.rows(kind):
        if flt.objects is not None and row.get("uuid") not in flt.objects:
            continue
        if township and flt.township and row.get("township") != flt.township:
            continue
        out.append(row)
    return out


def _registered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if (r.get("register_status") or "registered") == "registered"]


# --- the ledgers ----------------------------------------------------------------------------------

PERSONS = ("admin_person", "admin_phone", "tech_person", "tech_phone", "patrol_person", "patrol_phone")


def _dam_register(ds: Dataset, flt: Filter, lang: str):
    dams = [d for d in _registered(_objects(ds, "dam", flt)) if _status_ok(flt, d.get("hazard_status"))]
    dams.sort(key=lambda d: d.get("code") or "")
    cols = fields(
        "dam",
        (
            "code",
            "name",
            "township",
            "village",
            "watershed_code",
            "scale",
            "total_storage",
            "dam_height",
            "control_area",
            "year_built",
            "hazard_status",
            "downstream_exposure",
        ),
        lang,
    )
    cols += fields("dam", PERSONS, lang)
    cols.append(
        computed(
            "应落实一坝一人",
            "一坝一人 required",
            lambda d: pick(lang, "是", "yes") if rules.needs_dedicated_patroller(d) else pick(lang, "否", "no"),
        )
    )
    cols += fields(
        "dam",
        (
            "dedicated_patroller",
            "construction_stage",
            "legal_person",
            "legal_person_phone",
            "maintenance_body",
            "last_inspected_at",
        ),
        lang,
    )
    return cols, dams  # fmt: skip


def _dam_hazards(ds: Dataset, flt: Filter, lang: str):
    dams = {d["uuid"]: d for d in _objects(ds, "dam", flt)}
    rows = []
    for h in ds.children("dam_hazard", dams):
        found = hazard_found_on(ds, h)
        closed = parse_date(h.get("closed_at"))
        # In the period: found in it, or found before and still open at its start (carried over).
        carried = found is not None and flt.date_from is not None and found < flt.date_from
        carried = carried and (h.get("step") != "closed" or (closed is not None and closed >= flt.date_from))
        if not (flt.in_period(found) or (carried and (flt.date_to is None or found <= flt.date_to))):
            continue
        if _status_ok(flt, h.get("step")):
            rows.append({**h, "_found": found, "_dam": dams[h["dam_uuid"]]})
    rows.sort(key=lambda h: (h["_found"] or dt.date.min, h["_dam"].get("code") or ""))
    dam = ("dam", lambda h: h["_dam"])
    cols = [
        SEQ,
        *fields("dam", ("code", "name", "township"), lang, dam[1]),
        computed("发现日期", "Found on", lambda h: h["_found"], DATE_FORMAT),
        *fields("dam_hazard", ("description", "severity", "measure", "responsible_person", "deadline",
                               "rectified_at", "rectification_note", "rechecked_at", "rechecked_by",
                               "recheck_result", "closed_at", "closed_by", "step"), lang),
        computed("逾期天数", "Days overdue", lambda h: hazard_overdue_days(h, flt.today), "0"),
    ]  # fmt: skip
    return cols, rows


def _delisting(ds: Dataset, flt: Filter, lang: str):
    rows = []
    for kind in ("dam", "patch", "watershed"):
        k = RECORD_KINDS[kind]
        for r in _objects(ds, kind, flt, township=kind != "watershed"):
            if r.get("register_status") == "delisted" and flt.in_period(parse_date(r.get("delist_date"))):
                rows.append({**r, "_kind": k.label(lang)})
    rows.sort(key=lambda r: (parse_date(r.get("delist_date")) or dt.date.min, r.get("code") or ""))
    cols = [
        SEQ,
        computed("对象类型", "Object", lambda r: r["_kind"]),
        computed("编码", "Code", lambda r: r.get("code")),
        computed("名称", "Name", lambda r: r.get("name")),
        computed("乡镇", "Township", lambda r: r.get("township")),
        # A dam's cause is one of a list, with its explanation; patches and watersheds write their reason.
        computed("销号原因", "De-listing reason", lambda r: _delist_reason(r, lang)),
        computed("销号说明", "Explanation", lambda r: r.get("delist_reason") if r.get("delist_cause") else None),
        *fields("dam", ("delist_document", "delist_authority", "delist_date"), lang),
        computed("登记时间", "Registered", lambda r: display(RECORD_KINDS["dam"].field("created_at"), r.get("created_at")),
                 DATETIME_FORMAT),
    ]  # fmt: skip
    return cols, rows


def _delist_reason(row: dict[str, Any], lang: str) -> Any:
    if row.get("delist_cause"):
        return RECORD_KINDS["dam"].field("delist_cause").enum.label(row["delist_cause"], lang)
    return row.get("delist_reason")


def _dam_inspections(ds: Dataset, flt: Filter, lang: str):
    dams = {d["uuid"]: d for d in _objects(ds, "dam", flt)}
    rows = [
        {**i, "_dam": dams[i["dam_uuid"]]}
        for i in ds.children("dam_inspection", dams)
        if flt.in_period(parse_date(i.get("inspected_at"))) and _status_ok(flt, i.get("result"))
    ]
    rows.sort(key=lambda i: (i.get("inspected_at") or "", i["_dam"].get("code") or ""))
    dam = lambda i: i["_dam"]  # noqa: E731
    cols = [
        SEQ,
        *fields("dam", ("code", "name", "township"), lang, dam),
        *fields("dam_inspection", ("kind", "inspected_at", "inspector", "crack_type", "crack_width", "seepage",
                                   "settlement", "result", "flag_reason", "measures", "deadline", "distance_to_object",
                                   "step"), lang),
    ]  # fmt: skip
    return cols, rows


def _benggang_rows(ds: Dataset, flt: Filter) -> list[dict[str, Any]]:
    return [
        {**p, "_count": rules.benggang_plan_count(p), "_treated_on": patch_treated_on(ds, p)}
        for p in _registered(_objects(ds, "patch", flt))
        if p.get("kind") == "benggang"
    ]


def _benggang_progress(ds: Dataset, flt: Filter, lang: str):
    statuses = RECORD_KINDS["patch"].field("treatment_status").enum
    empty = {**{c.code: 0 for c in statuses.choices}, "period": 0, "area": 0.0, "total": 0}
    by_town: dict[str, dict[str, Any]] = {}
    total = {"township": pick(lang, "合计", "Total"), **empty, "_total": True}
    for p in _benggang_rows(ds, flt):
        name = p.get("township") or pick(lang, "（未填乡镇）", "(no township)")
        n, in_period = p["_count"], p["_treated_on"] is not None and flt.in_period(p["_treated_on"])
        for town in (by_town.setdefault(name, {"township": name, **empty}), total):
            town["total"] += n
            town[p.get("treatment_status") or "untreated"] += n
            if in_period:
                town["period"] += n
                town["area"] += (p.get("area") or 0.0) / 10_000
    rows = [by_town[t] for t in sorted(by_town)] + ([total] if by_town else [])
    cols = [
        computed("乡镇", "Township", lambda r: r["township"]),
        computed("崩岗（座）", "崩岗 (count)", lambda r: r["total"], "0"),
        *[computed(f"{c.zh}（座）", f"{c.en} (count)", lambda r, c=c.code: r[c], "0") for c in statuses.choices],
        computed("期内完成治理（座）", "Treated in the period", lambda r: r["period"], "0"),
        computed("期内治理面积 (hm²)", "Area treated in the period (hm²)", lambda r: round(r["area"], 2), "0.00"),
        computed("治理率 (%)", "Treated (%)",
                 lambda r: round(100 * (r["completed"] + r["accepted"]) / r["total"], 1) if r["total"] else None,
                 "0.0"),
    ]  # fmt: skip
    return cols, rows


def _benggang_list(ds: Dataset, flt: Filter, lang: str):
    rows = [p for p in _benggang_rows(ds, flt) if _status_ok(flt, p.get("treatment_status"))]
    rows.sort(key=lambda p: p.get("code") or "")
    cols = fields(
        "patch",
        ("code", "name", "township", "village", "area", "size_class", "shape", "is_cluster", "cluster_members"),
        lang,
    )
    cols.append(computed("计入目标（座）", "Counts against targets", lambda p: p["_count"], "0"))
    cols += fields(
        "patch", ("activity", "risk_level", "risk_assessed_on", "people_threatened", "farmland_threatened",
                  "treatment_status", "treatment_mode"), lang
    )  # fmt: skip
    cols.append(computed("完成治理日期", "Treated on", lambda p: p["_treated_on"], DATE_FORMAT))
    cols += fields("patch", ("new_farmland", "farmland_balance", "caretaker", "caretaker_phone"), lang)
    return cols, rows  # fmt: skip


def _watersheds(ds: Dataset, flt: Filter) -> dict[str, dict[str, Any]]:
    """Watersheds in the dock's list; a period keeps those whose implementation year falls in it."""
    start, end = flt.years()
    out = {}
    for w in _objects(ds, "watershed", flt, township=False):
        year = w.get("year")
        if (start is None or (year or 0) >= start) and (end is None or (year or 9999) <= end):
            out[w["uuid"]] = w
    return out


def _watershed_spots(ds: Dataset, flt: Filter, lang: str):
    sheds = _watersheds(ds, flt)
    refs = ds.refs("watershed")
    rows = [s for s in ds.children("watershed_spot", sheds) if _status_ok(flt, s.get("step"))]
    rows.sort(key=lambda s: (refs.get(s["watershed_uuid"], ""), s.get("spot_code") or ""))
    shed = lambda s: sheds[s["watershed_uuid"]]  # noqa: E731
    cols = [
        ref_column("小流域", "Watershed", refs, "watershed_uuid"),
        *fields("watershed", ("year",), lang, shed),
        *fields("watershed_spot", ("spot_code", "measure_type", "unit", "design_qty", "completed_qty", "area",
                                   "survival_rate", "quality", "step", "caretaker", "caretaker_phone"), lang),
    ]  # fmt: skip
    return cols, rows


def _watershed_register(ds: Dataset, flt: Filter, lang: str):
    rows = sorted(_registered(list(_watersheds(ds, flt).values())), key=lambda w: w.get("code") or "")
    cols = fields("watershed", ("code", "name", "project_type", "subtype", "is_premium", "whole_county", "year",
                                "batch", "area", "eroded_light", "eroded_moderate", "eroded_strong",
                                "eroded_very_strong", "eroded_severe", "eroded_area", "treatment_degree",
                                "conservation_rate", "forest_grass_cover", "sewage_treatment_rate",
                                "refuse_treatment_rate", "outlet_water_class", "treatment_status",
                                "maintenance_body"), lang)  # fmt: skip
    return cols, rows


def _upkeep(kind: str) -> Callable[[Dataset, Filter, str], tuple[list[Column], list[dict[str, Any]]]]:
    """管护检查 records of the listed patches or watersheds in the period."""
    parent = RECORD_KINDS[kind].parent

    def build(ds: Dataset, flt: Filter, lang: str):
        owners = {o["uuid"]: o for o in _objects(ds, parent, flt, township=parent != "watershed")}
        refs, spots = ds.refs(parent), ds.refs("watershed_spot")
        rows = [u for u in ds.children(kind, owners) if flt.in_period(parse_date(u.get("inspected_at")))
                and _status_ok(flt, u.get("result"))]  # fmt: skip
        rows.sort(key=lambda u: (u.get("inspected_at") or "", refs.get(u[f"{parent}_uuid"], "")))
        cols = [SEQ, ref_column(RECORD_KINDS[parent].zh, RECORD_KINDS[parent].en, refs, f"{parent}_uuid")]
        if kind == "watershed_upkeep":
            cols.append(ref_column("治理图斑", "Treatment spot", spots, "spot_uuid"))
        cols.append(computed("管护员", "Caretaker", lambda u: owners[u[f"{parent}_uuid"]].get("caretaker")))
        cols += fields(kind, ("inspected_at", "inspector", "caretaker_present", "facilities_intact",
                              "vegetation_kept", "damage", "result", "measures", "deadline", "step"), lang)  # fmt: skip
        return cols, rows

    return build


def _watershed_acceptances(ds: Dataset, flt: Filter, lang: str):
    sheds = {w["uuid"]: w for w in _objects(ds, "watershed", flt, township=False)}
    start, end = flt.years()
    refs = ds.refs("watershed")
    rows = [
        a
        for a in ds.children("watershed_acceptance", sheds)
        if (start is None or (a.get("year") or 0) >= start) and (end is None or (a.get("year") or 9999) <= end)
        and _status_ok(flt, a.get("step"))
    ]  # fmt: skip
    rows.sort(key=lambda a: (a.get("year") or 0, refs.get(a["watershed_uuid"], "")))
    cols = [
        ref_column("小流域", "Watershed", refs, "watershed_uuid"),
        *fields("watershed_acceptance", ("kind", "year", "sample_share", "sampled_count", "checked_count",
                                         "pass_rate", "survival_rate", "treatment_degree", "verdict",
                                         "fail_reasons", "opinion", "acceptor", "signed_at", "step"), lang),
    ]  # fmt: skip
    return cols, rows


def _spots(ds: Dataset, flt: Filter, day_field: str) -> list[dict[str, Any]]:
    """Remote-sensing spots of the dock's list and township whose ``day_field`` is in the period."""
    return [s for s in _objects(ds, "rs_spot", flt) if flt.in_period(parse_date(s.get(day_field)))]


def _spot_order(spot: dict[str, Any]) -> tuple:
    return (spot.get("batch_year") or 0, spot.get("batch_round") or 0, spot.get("spot_id") or "")


def _spot_ledger(ds: Dataset, flt: Filter, lang: str):
    """图斑台账: every spot of the period (by issue date) with its re-check, determination, notice,
    case, evidence and 销号, and how many days it is overdue."""
    rows = sorted((s for s in _spots(ds, flt, "issued_on") if _status_ok(flt, s.get("step"))), key=_spot_order)
    ids = {s["uuid"]: s.get("spot_id") for s in ds.rows("rs_spot")}
    recheck = lambda s: ds.get("rs_recheck", s.get("recheck_uuid")) or {}  # noqa: E731
    cols = [
        SEQ,
        *fields("rs_spot", ("spot_id", "batch", "township", "village", "issued_on", "deadline", "issued_area", "area",
                            "disturbance_type", "project_type", "project_name", "builder"), lang),
        computed("分割自", "Split from", lambda s: ids.get(s.get("split_from") or "")),
        *fields("rs_recheck", ("inspector", "disturbance_found", "construction_status"), lang, recheck),
        *fields("rs_spot", ("rechecked_at", "determination", "determined_at", "plan_approval_no", "notice_type",
                            "notice_no", "notice_date", "notice_deadline", "case_no", "penalty_decision_no",
                            "penalty_amount", "evidence_type", "evidence_no", "evidence_date", "closed_at", "step"), lang),
        computed("逾期天数", "Days overdue", lambda s: spot_overdue_days(s, flt.today), "0"),
    ]  # fmt: skip
    return cols, rows


def _violations(ds: Dataset, flt: Filter, lang: str):
    """违法项目清单: the spots determined as a violation in the period (by determination date), a
    project each, with what was done about it and whether it is closed."""
    rows = [s for s in _spots(ds, flt, "determined_at") if s.get("determination") in RS_VIOLATIONS
            and s.get("step") not in ("issued", "rechecked") and _status_ok(flt, s.get("step"))]  # fmt: skip
    rows.sort(key=lambda s: (s.get("township") or "", s.get("project_name") or "", s.get("spot_id") or ""))
    cols = [
        SEQ,
        *fields("rs_spot", ("project_name", "builder", "project_type", "township", "spot_id", "batch", "area",
                            "determination", "determined_at", "notice_type", "notice_no", "notice_deadline", "case_no",
                            "penalty_decision_no", "penalty_amount", "evidence_type", "evidence_no", "closed_at",
                            "step"), lang),
        computed("逾期天数", "Days overdue", lambda s: spot_overdue_days(s, flt.today), "0"),
    ]  # fmt: skip
    return cols, rows


RS_PROGRESS = (  # (key, zh, en, counts a spot)
    ("issued", "下发（个）", "Issued", lambda s: True),
    ("rechecked", "已复核", "Re-checked", lambda s: s.get("step") != "issued"),
    ("determined", "已认定", "Determined", lambda s: s.get("step") not in ("issued", "rechecked")),
    ("violations", "其中违法违规", "of them violations",
     lambda s: s.get("step") not in ("issued", "rechecked") and s.get("determination") in RS_VIOLATIONS),
    ("rectifying", "整改查处中", "Being rectified", lambda s: s.get("step") == "rectifying"),
    ("rectified", "已整改销号", "Rectified and closed",
     lambda s: s.get("step") == "closed" and s.get("determination") in RS_VIOLATIONS),
    ("closed", "已销号", "Closed", lambda s: s.get("step") == "closed"),
)  # fmt: skip


def _rs_progress(ds: Dataset, flt: Filter, lang: str):
    """Progress by batch: issued, re-checked, determined, rectified, closed and overdue, with the
    share closed; a total row."""
    batches: dict[tuple, dict[str, Any]] = {}
    total = {"batch": pick(lang, "合计", "Total"), "_total": True, "overdue": 0, "area": 0.0,
             **{k: 0 for k, *_ in RS_PROGRESS}}  # fmt: skip
    for s in sorted(_spots(ds, flt, "issued_on"), key=_spot_order):
        key = (s.get("batch_year") or 0, s.get("batch_round") or 0, s.get("batch") or "")
        row = batches.setdefault(key, {**total, "batch": s.get("batch") or "", "_total": False,
                                       "issued_on": parse_date(s.get("issued_on")),
                                       "deadline": parse_date(s.get("deadline"))})  # fmt: skip
        for target in (row, total):
            for k, _zh, _en, counts in RS_PROGRESS:
                target[k] += 1 if counts(s) else 0
            target["overdue"] += 1 if spot_overdue_days(s, flt.today) else 0
            target["area"] += s.get("area") or 0.0
    rows = list(batches.values()) + ([total] if batches else [])
    cols = [
        computed("批次", "Batch", lambda r: r["batch"]),
        computed("下发日期", "Issued on", lambda r: r.get("issued_on"), DATE_FORMAT),
        computed("办结期限", "Deadline", lambda r: r.get("deadline"), DATE_FORMAT),
        *[computed(zh, en, lambda r, k=k: r[k], "0") for k, zh, en, _c in RS_PROGRESS],
        computed("超期未办结", "Overdue", lambda r: r["overdue"], "0"),
        computed("图斑面积 (hm²)", "Area (hm²)", lambda r: round(r["area"], 2), "0.00"),
        computed("办结率 (%)", "Closed (%)", lambda r: round(100 * r["closed"] / r["issued"], 1) if r["issued"] else None,
                 "0.0"),
    ]  # fmt: skip
    return cols, rows


LEDGERS: dict[str, Ledger] = {
    ledger.name: ledger
    for ledger in (
        Ledger(
            "dam_register",
            "淤地坝名录",
            "Check dam register",
            "dam",
            ("dam", "hazard_status"),
            "在册淤地坝（截至导出时）",
            "registered dams (as of export)",
            _dam_register,
            snapshot=True,
        ),
        Ledger(
            "dam_hazards",
            "隐患排查整改台账",
            "Hazard ledger",
            "dam",
            ("dam_hazard", "step"),
            "期内发现及期初未销号的隐患",
            "found in the period or open at its start",
            _dam_hazards,
        ),
        Ledger(
            "dam_inspections",
            "淤地坝检查记录",
            "Dam inspection records",
            "dam",
            ("dam_inspection", "result"),
            "检查时间",
            "inspection time",
            _dam_inspections,
        ),
        Ledger("delisting", "登记销号清单", "De-listing list", "all", None, "销号日期", "de-listing date", _delisting),
        Ledger(
            "benggang_progress",
            "崩岗治理进度（分乡镇）",
            "崩岗 treatment by township",
            "patch",
            None,
            "完成治理日期",
            "treatment completion date",
            _benggang_progress,
        ),
        Ledger(
            "benggang_list",
            "崩岗治理清单",
            "崩岗 list",
            "patch",
            ("patch", "treatment_status"),
            "在册崩岗（截至导出时）",
            "registered 崩岗 (as of export)",
            _benggang_list,
            snapshot=True,
        ),
        Ledger(
            "patch_upkeep",
            "崩岗管护检查记录",
            "Upkeep checks of patches",
            "patch",
            ("patch_upkeep", "result"),
            "检查时间",
            "check time",
            _upkeep("patch_upkeep"),
        ),
        Ledger(
            "watershed_register",
            "小流域名录",
            "Small watershed register",
            "watershed",
            ("watershed", "treatment_status"),
            "小流域实施年度",
            "watershed implementation year",
            _watershed_register,
        ),
        Ledger(
            "watershed_spots",
            "小流域治理图斑",
            "Watershed treatment spots",
            "watershed",
            ("watershed_spot", "step"),
            "小流域实施年度",
            "watershed implementation year",
            _watershed_spots,
        ),
        Ledger(
            "watershed_acceptances",
            "小流域验收",
            "Watershed acceptances",
            "watershed",
            ("watershed_acceptance", "step"),
            "验收年度",
            "acceptance year",
            _watershed_acceptances,
        ),
        Ledger(
            "watershed_upkeep",
            "小流域管护检查记录",
            "Upkeep checks of watersheds",
            "watershed",
            ("watershed_upkeep", "result"),
            "检查时间",
            "check time",
            _upkeep("watershed_upkeep"),
        ),
        Ledger(
            "rs_spots",
            "遥感监管图斑台账",
            "Remote-sensing spot ledger",
            "rs_spot",
            ("rs_spot", "step"),
            "下发日期",
            "issue date",
            _spot_ledger,
        ),
        Ledger(
            "rs_violations",
            "违法项目清单",
            "Violating projects",
            "rs_spot",
            ("rs_spot", "step"),
            "认定日期",
            "determination date",
            _violations,
        ),
        Ledger(
            "rs_progress",
            "遥感监管进度（分批次）",
            "Remote-sensing progress by batch",
            "rs_spot",
            None,
            "下发日期",
            "issue date",
            _rs_progress,
        ),
    )
}


def cluster_note(t: Thresholds = THRESHOLDS, lang: str = "zh") -> str:
    """How a 崩岗群 counts against a plan's "治理崩岗 N 座" (model rule benggang_plan_count)."""
    if t["benggang_cluster_counts_members"]:
        return pick(lang, "崩岗群按所含崩岗个数计（“崩岗群个数”，如5个崩岗组成的崩岗群计5座；未填个数按1座）",
                    "a 崩岗 cluster counts as its members (5 for a cluster of five; 1 when the number is missing)")  # fmt: skip
    return pick(lang, "崩岗群按1座计", "a 崩岗 cluster counts as one")


def ledgers_for(object_kind: str) -> list[Ledger]:
    """The ledgers a dock offers (the de-listing list in every register's dock)."""
    registers = RECORD_KINDS[object_kind].delisting if object_kind in RECORD_KINDS else True
    return [g for g in LEDGERS.values() if g.object_kind == object_kind or (g.object_kind == "all" and registers)]


def _period_text(flt: Filter, ledger: Ledger, lang: str) -> str:
    if ledger.snapshot:
        return pick(lang, f"统计范围：{ledger.period_zh}", f"Scope: {ledger.period_en}")
    if flt.date_from is None and flt.date_to is None:
        return pick(lang, f"统计期间：全部（按{ledger.period_zh}）", f"Period: all (by {ledger.period_en})")
    start = flt.date_from.isoformat() if flt.date_from else "…"
    end = flt.date_to.isoformat() if flt.date_to else "…"
    return pick(
        lang, f"统计期间：{start} 至 {end}（按{ledger.period_zh}）", f"Period: {start} to {end} (by {ledger.period_en})"
    )


def subtitle(
    ledger: Ledger, flt: Filter, lang: str, count: int, exported: dt.datetime, t: Thresholds = THRESHOLDS
) -> list[str]:
    """The line under a ledger's title: period, township, status, dock filter, count, export time."""
    parts = [_period_text(flt, ledger, lang)]
    if ledger.object_kind != "watershed":
        parts.append(pick(lang, f"乡镇：{flt.township or '全部'}", f"Township: {flt.township or 'all'}"))
    if flt.statuses and ledger.status:
        labels = {c: pick(lang, zh, en) for c, zh, en in ledger.status_choices()}
        shown = "、".join(labels.get(s, s) for s in flt.statuses)
        parts.append(pick(lang, f"状态：{shown}", f"Status: {shown}"))
    if flt.note:
        parts.append(pick(lang, f"筛选：{flt.note}", f"Filter: {flt.note}"))
    parts.append(pick(lang, f"共 {count} 条", f"{count} rows"))
    parts.append(
        pick(lang, f"导出时间：{exported:%Y-%m-%d %H:%M}（北京时间）", f"Exported {exported:%Y-%m-%d %H:%M} (UTC+8)")
    )
    lines = ["　".join(parts)]
    if ledger.name.startswith("benggang"):
        lines.append(cluster_note(t, lang))
    return lines


def make_table(ds: Dataset, ledger: Ledger, flt: Filter, lang: str = "zh", county_name: str = "",
               exported: dt.datetime | None = None) -> Table:  # fmt: skip
    """The table of one ledger for a filter."""
    cols, rows = ledger.build(ds, flt, lang)
    totals = [r for r in rows if r.get("_total")]
    rows = [r for r in rows if not r.get("_total")]
    values = [[c.get(r) for c in cols] for r in rows]
    if cols and cols[0] is SEQ:
        for i, row in enumerate(values, 1):
            row[0] = i
    exported = exported or dt.datetime.now(BEIJING).replace(tzinfo=None)
    return Table(
        name=ledger.name,
        title=f"{county_name or ds.county_code}{ledger.label(lang)}",
        headers=[pick(lang, c.zh, c.en) for c in cols],
        rows=values,
        subtitle=subtitle(ledger, flt, lang, len(rows), exported, ds.thresholds()),
        formats=[c.fmt for c in cols],
        total=[c.get(totals[0]) for c in cols] if totals else None,
        sheet=ledger.label(lang)[:31],
    )


def make_tables(ds: Dataset, names: Iterable[str], flt: Filter, lang: str = "zh", county_name: str = "") -> list[Table]:
    exported = dt.datetime.now(BEIJING).replace(tzinfo=None)
    return [make_table(ds, LEDGERS[n], flt, lang, county_name, exported) for n in names]


# The ledger whose rows are the records a printed form (reports.layouts) prints for a filter: one
# home for choosing records, shared by the dock's atlas and shuibao:print_forms.
FORM_LEDGER = {
    "dam_inspection": "dam_inspections",
    "dam_hazard": "dam_hazards",
    "patch_survey": "benggang_list",
    "watershed_acceptance": "watershed_acceptances",
}


def form_records(ds: Dataset, form: str, flt: Filter) -> list[str]:
    """The uuids a form prints for a filter, in the ledger's order."""
    _cols, rows = LEDGERS[FORM_LEDGER[form]].build(ds, flt, "zh")
    return [r["uuid"] for r in rows if not r.get("_total")]
