"""Statistics by township and county, and progress against the county's targets (目标任务).

Each target names an indicator, a period of years, optionally a township, and a value in a unit.
What counts as achieved, per indicator (said in the panel and under the Excel tables too):

* 治理崩岗: 崩岗 completed or accepted whose treatment was finished in the target's years (the last
  measure's completion date, else the acceptance date); a 崩岗群 counts as its members (model rule
  ``benggang_plan_count``, threshold ``benggang_cluster_counts_members`` [I]); de-listed ones count.
* 建成小流域: watersheds completed or accepted whose implementation year is in the period.
* 新增水土流失治理面积: the area of the completed treatment spots of those watersheds whose
  implementation year is in the period.
* 水土保持率: the monitored value entered on the target (the annual monitoring, not the records).
* 新建淤地坝 / 除险加固: dams built / reinforced in the period.
* 隐患整改销号率: hazards found in the period that are closed, over those found.

Plain Python over :class:`.data.Dataset`; the panel and the Excel export use the same tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..model import RECORD_KINDS, THRESHOLDS, Thresholds, rules
from .data import BEIJING, Dataset, hazard_found_on, parse_date, patch_treated_on, pick
from .excel import BarChart
from .ledgers import Table, cluster_note

TREATED = ("completed", "accepted")
HOW = {
    "benggang_treated": (
        "期内完成治理的崩岗（末项措施完工或验收日期在期内）",
        "崩岗 whose treatment was finished in the period",
    ),
    "watersheds_built": (
        "实施年度在期内、已完工或已验收的小流域",
        "watersheds completed or accepted, implemented in the period",
    ),
    "treated_area": (
        "实施年度在期内的小流域中已完成治理图斑的面积之和",
        "area of the completed spots of the watersheds implemented in the period",
    ),
    "conservation_rate": ("目标记录中填写的年度监测值", "the monitored value entered on the target"),
    "dams_new": ("建成年份在期内的淤地坝", "dams built in the period"),
    "dams_reinforced": ("除险加固年份在期内的淤地坝", "dams reinforced in the period"),
    "hazards_closed": ("期内发现的隐患中已销号的比例", "share of the hazards found in the period that are closed"),
}
UNIT_SCALE = {"km2": 100.0, "hm2": 1.0}  # hm² per unit of area


def how_counted(indicator: str | None, t: Thresholds, lang: str) -> str:
    """What counts as achieved for an indicator, in words (with the 崩岗群 rule for 崩岗)."""
    text = pick(lang, *HOW.get(indicator or "", ("", "")))
    return f"{text}；{cluster_note(t, lang)}" if indicator == "benggang_treated" else text


@dataclass
class Options:
    year_from: int
    year_to: int
    township: str | None = None
    today: dt.date = field(default_factory=lambda: dt.datetime.now(BEIJING).date())
    thresholds: Thresholds = field(default_factory=lambda: THRESHOLDS)

    def covers(self, year: Any) -> bool:
        return isinstance(year, int) and self.year_from <= year <= self.year_to

    def period_text(self, lang: str) -> str:
        span = f"{self.year_from}" if self.year_from == self.year_to else f"{self.year_from}—{self.year_to}"
        return pick(lang, f"{span}年", span)


@dataclass
class Progress:
    """One target and what the records say of it."""

    target: dict[str, Any]
    achieved: float | None
    note_zh: str = ""
    note_en: str = ""

    @property
    def share(self) -> float | None:
        """Achieved over target, in percent (None when either is missing or the target is 0)."""
        value = self.target.get("value")
        if self.achieved is None or not value:
            return None
        return round(100.0 * self.achieved / value, 1)


def default_options(ds: Dataset, today: dt.date | None = None) -> Options:
    """The period of the targets that cover today (a plan period), else this year."""
    today = today or dt.datetime.now(BEIJING).date()
    spans = [(t["year_from"], t["year_to"]) for t in ds.rows("target") if t.get("year_from") and t.get("year_to")]
    current = [s for s in spans if s[0] <= today.year <= s[1]] or spans
    if not current:
        return Options(today.year, today.year, today=today)
    start, end = max(current, key=lambda s: (s[1] - s[0], s[1]))
    return Options(start, end, today=today)


# --- what each indicator achieved -----------------------------------------------------------------


def _in_years(day: dt.date | None, start: int, end: int) -> bool:
    return day is not None and start <= day.year <= end


def _watersheds_in(ds: Dataset, start: int, end: int) -> list[dict[str, Any]]:
    return [w for w in ds.rows("watershed") if isinstance(w.get("year"), int) and start <= w["year"] <= end]


def treated_area_hm2(ds: Dataset, watersheds: list[dict[str, Any]]) -> float:
    spots = ds.children("watershed_spot", [w["uuid"] for w in watersheds])
    return sum(s.get("area") or 0.0 for s in spots if s.get("step") == "completed")


def achieved(ds: Dataset, target: dict[str, Any], t: Thresholds = THRESHOLDS) -> Progress:
    """What the records (or, for the conservation rate, the monitoring) achieved of one target."""
    indicator, town = target.get("indicator"), target.get("township") or None
    start, end = target.get("year_from") or 0, target.get("year_to") or 9999
    if indicator in ("watersheds_built", "treated_area") and town:
        return Progress(target, None, "小流域不分乡镇统计", "watersheds are not counted by township")
    if indicator == "benggang_treated":
        done = sum(
            rules.benggang_plan_count(p, t)
            for p in ds.rows("patch")
            if (town is None or p.get("township") == town) and _in_years(patch_treated_on(ds, p), start, end)
        )
        return Progress(target, float(done))
    if indicator == "watersheds_built":
        sheds = _watersheds_in(ds, start, end)
        built = [w for w in sheds if w.get("treatment_status") in TREATED]
        going = len([w for w in sheds if w.get("treatment_status") == "treating"])
        return Progress(target, float(len(built)), f"另有在建 {going} 条" if going else "", f"{going} under way")
    if indicator == "treated_area":
        area = treated_area_hm2(ds, _watersheds_in(ds, start, end))
        return Progress(target, round(area / UNIT_SCALE.get(target.get("unit"), 1.0), 2))
    if indicator == "conservation_rate":
        value, year = target.get("monitored"), target.get("monitored_year")
        if value is None:
            return Progress(target, None, "未填写监测值", "no monitored value entered")
        gap = round(target.get("value", 0) - value, 2)
        zh = f"{year or ''}年监测值" + (f"，距目标差 {gap:g} 个百分点" if gap > 0 else "，已达到目标")
        en = f"monitored {year or ''}" + (f", {gap:g} points short" if gap > 0 else ", target reached")
        return Progress(target, float(value), zh, en)
    if indicator in ("dams_new", "dams_reinforced"):
        year_field = "year_built" if indicator == "dams_new" else "year_reinforced"
        dams = [d for d in ds.rows("dam") if town is None or d.get("township") == town]
        return Progress(target, float(sum(1 for d in dams if start <= (d.get(year_field) or 0) <= end)))
    if indicator == "hazards_closed":
        found, closed = _hazard_counts(ds, start, end, town)
        if not found:
            return Progress(target, None, "期内未发现隐患", "no hazard found in the period")
        return Progress(target, round(100.0 * closed / found, 1), f"发现 {found} 处，销号 {closed} 处",
                        f"{found} found, {closed} closed")  # fmt: skip
    return Progress(target, None)


def _hazard_counts(ds: Dataset, start: int, end: int, town: str | None) -> tuple[int, int]:
    dams = ds.by_uuid("dam")
    found = closed = 0
    for h in ds.rows("dam_hazard"):
        dam = dams.get(h.get("dam_uuid")) or {}
        if (town is None or dam.get("township") == town) and _in_years(hazard_found_on(ds, h), start, end):
            found += 1
            closed += h.get("step") == "closed"
    return found, closed


def targets_in(ds: Dataset, opts: Options, *, county: bool = True, townships: bool = False) -> list[dict[str, Any]]:
    """Targets whose period overlaps the options' years: county-wide ones and/or township ones
    (of the chosen township only, when one is chosen)."""
    out = []
    for t in ds.rows("target"):
        if (t.get("year_to") or 0) < opts.year_from or (t.get("year_from") or 9999) > opts.year_to:
            continue
        town = t.get("township") or None
        if (town is None and county) or (town is not None and townships and opts.township in (None, town)):
            out.append(t)
    order = RECORD_KINDS["target"].field("indicator").enum.codes()
    return sorted(out, key=lambda t: (order.index(t["indicator"]) if t.get("indicator") in order else 99,
                                      t.get("township") or "", t.get("year_from") or 0))  # fmt: skip


def progress(ds: Dataset, opts: Options) -> list[Progress]:
    """County-wide targets (and the chosen township's) with what was achieved."""
    chosen = targets_in(ds, opts, county=True, townships=opts.township is not None)
    return [achieved(ds, t, opts.thresholds) for t in chosen]


# --- tables ---------------------------------------------------------------------------------------


def _table(name: str, title: str, headers: list[str], rows: list[list[Any]], formats: list[str | None],
           lines: list[str], total: list[Any] | None = None) -> Table:  # fmt: skip
    return Table(name=name, title=title, headers=headers, rows=rows, subtitle=lines, formats=formats, total=total,
                 sheet=title[:31])  # fmt: skip


def _label(kind: str, name: str, code: Any, lang: str) -> str:
    return RECORD_KINDS[kind].field(name).enum.label(code, lang) if code else ""


def progress_table(ds: Dataset, opts: Options, lang: str, items: list[Progress] | None = None) -> Table:
    items = progress(ds, opts) if items is None else items
    rows = []
    for p in items:
        t = p.target
        rows.append([
            _label("target", "indicator", t.get("indicator"), lang),
            t.get("township") or pick(lang, "全县", "county"),
            f"{t.get('year_from')}—{t.get('year_to')}",
            t.get("value"),
            _label("target", "unit", t.get("unit"), lang),
            p.achieved,
            p.share,
            pick(lang, p.note_zh, p.note_en) or None,
            t.get("source_document"),
            how_counted(t.get("indicator"), opts.thresholds, lang),
        ])  # fmt: skip
    headers = [pick(lang, zh, en) for zh, en in (
        ("指标", "Indicator"), ("范围", "Scope"), ("目标期限", "Period"), ("目标值", "Target"), ("单位", "Unit"),
        ("完成值", "Achieved"), ("完成率 (%)", "Achieved (%)"), ("说明", "Note"), ("依据文件", "Source"),
        ("统计口径", "How counted"))]  # fmt: skip
    return _table("targets", pick(lang, "目标任务完成情况", "Progress against targets"), headers, rows,
                  [None, None, None, "0.##", None, "0.##", "0.0", None, None, None],
                  [pick(lang, f"目标期限与 {opts.period_text(lang)} 相交的目标；完成值按目标自身期限统计",
                        f"targets overlapping {opts.period_text(lang)}; achieved over each target's own period")])  # fmt: skip


def _towns(ds: Dataset, opts: Options) -> list[str]:
    return [opts.township] if opts.township else ds.townships()


def dam_table(ds: Dataset, opts: Options, lang: str) -> Table:
    status = RECORD_KINDS["dam"].field("hazard_status").enum
    scale = RECORD_KINDS["dam"].field("scale").enum
    rows, dams = [], [d for d in ds.rows("dam") if (d.get("register_status") or "registered") == "registered"]
    for town in _towns(ds, opts):
        own = [d for d in dams if d.get("township") == town]
        need = [d for d in own if rules.needs_dedicated_patroller(d)]
        rows.append([town, len(own), *[sum(d.get("hazard_status") == c for d in own) for c in status.codes()],
                     *[sum(d.get("scale") == c for d in own) for c in scale.codes()], len(need),
                     sum(1 for d in need if not d.get("dedicated_patroller"))])  # fmt: skip
    headers = [pick(lang, "乡镇", "Township"), pick(lang, "在册（座）", "Registered")]
    headers += [c.zh if lang == "zh" else c.en for c in (*status.choices, *scale.choices)]
    headers += [pick(lang, "应落实一坝一人", "一坝一人 required"), pick(lang, "一坝一人未落实", "一坝一人 missing")]
    return _table("dams", pick(lang, "淤地坝分乡镇统计", "Check dams by township"), headers, rows,
                  [None] + ["0"] * (len(headers) - 1), [pick(lang, "在册淤地坝，截至统计时", "registered dams, now")],
                  _sum_row(rows, lang))  # fmt: skip


def hazard_table(ds: Dataset, opts: Options, lang: str) -> Table:
    dams = ds.by_uuid("dam")
    by_town: dict[str, list[int]] = {t: [0, 0, 0, 0, 0] for t in _towns(ds, opts)}
    for h in ds.rows("dam_hazard"):
        town = (dams.get(h.get("dam_uuid")) or {}).get("township")
        if town not in by_town:
            continue
        row, found = by_town[town], hazard_found_on(ds, h)
        closed_on = parse_date(h.get("closed_at"))
        if found is not None and opts.covers(found.year):
            row[0] += 1
            row[1] += h.get("severity") == "major"
        row[2] += closed_on is not None and opts.covers(closed_on.year)
        if h.get("step") != "closed":
            row[3] += 1
            deadline = parse_date(h.get("deadline"))
            row[4] += deadline is not None and deadline < opts.today
    rows = [[t, *v, round(100 * v[2] / v[0], 1) if v[0] else None] for t, v in by_town.items()]
    headers = [pick(lang, zh, en) for zh, en in (
        ("乡镇", "Township"), ("期内发现", "Found"), ("其中重大隐患", "Major"), ("期内销号", "Closed"),
        ("未销号", "Open"), ("逾期未销号", "Overdue"), ("销号率 (%)", "Closed (%)"))]  # fmt: skip
    total = _sum_row([r[:-1] for r in rows], lang)
    if total:
        total.append(round(100 * total[3] / total[1], 1) if total[1] else None)
    return _table("hazards", pick(lang, "隐患排查整改分乡镇统计", "Hazards by township"), headers, rows,
                  [None, "0", "0", "0", "0", "0", "0.0"],
                  [pick(lang, f"期内：{opts.period_text(lang)}；未销号与逾期按统计日 {opts.today} 计",
                        f"period {opts.period_text(lang)}; open and overdue as of {opts.today}")], total)  # fmt: skip


def benggang_table(ds: Dataset, opts: Options, lang: str) -> Table:
    targets: dict[str, float] = {}
    for t in targets_in(ds, opts, county=False, townships=True):
        if t.get("indicator") == "benggang_treated":
            targets[t["township"]] = targets.get(t["township"], 0.0) + (t.get("value") or 0.0)
    rows = []
    patches = [p for p in ds.rows("patch") if p.get("kind") == "benggang"]
    for town in _towns(ds, opts):
        own = [p for p in patches if p.get("township") == town]
        count = {s: 0 for s in ("untreated", "treating", *TREATED)}
        period = 0
        for p in own:
            n = rules.benggang_plan_count(p, opts.thresholds)
            if (p.get("register_status") or "registered") == "registered" or p.get("treatment_status") in TREATED:
                count[p.get("treatment_status") or "untreated"] += n
            treated_on = patch_treated_on(ds, p)
            period += n if treated_on is not None and opts.covers(treated_on.year) else 0
        target = targets.get(town)
        if not own and target is None:
            continue  # a township without 崩岗 and without a target
        share = round(100 * period / target, 1) if target else None
        rows.append([town, sum(count.values()), count["completed"] + count["accepted"], period, target, share,
                     count["treating"], count["untreated"]])  # fmt: skip
    headers = [pick(lang, zh, en) for zh, en in (
        ("乡镇", "Township"), ("崩岗（座）", "崩岗"), ("累计已治理", "Treated (all time)"),
        ("期内完成治理", "Treated in the period"), ("目标（座）", "Target"), ("完成率 (%)", "Achieved (%)"),
        ("治理中", "Being treated"), ("未治理", "Untreated"))]  # fmt: skip
    total = _sum_row([r[:5] + r[6:] for r in rows], lang)
    if total:
        total.insert(5, round(100 * total[3] / total[4], 1) if total[4] else None)
    how = how_counted("benggang_treated", opts.thresholds, lang)
    return _table("benggang", pick(lang, "崩岗治理分乡镇统计", "崩岗 treatment by township"), headers, rows,
                  [None, "0", "0", "0", "0", "0.0", "0", "0"],
                  [pick(lang, f"期内：{opts.period_text(lang)}；{how}", f"period {opts.period_text(lang)}; {how}")],
                  total)  # fmt: skip


def watershed_table(ds: Dataset, opts: Options, lang: str) -> Table:
    rows = []
    for w in sorted(ds.rows("watershed"), key=lambda w: w.get("code") or ""):
        spots = ds.children("watershed_spot", [w["uuid"]])
        accepted = [a for a in ds.children("watershed_acceptance", [w["uuid"]]) if a.get("verdict")]
        last = max(accepted, key=lambda a: (a.get("year") or 0, a["fid"]), default=None)
        rows.append([
            w.get("name"), _label("watershed", "project_type", w.get("project_type"), lang), w.get("year"),
            _label("watershed", "treatment_status", w.get("treatment_status"), lang), w.get("area"), len(spots),
            sum(s.get("step") == "completed" for s in spots), round(treated_area_hm2(ds, [w]) / 100, 3),
            w.get("conservation_rate"),
            f"{last.get('year')} {_label('watershed_acceptance', 'verdict', last.get('verdict'), lang)}" if last else None,
            pick(lang, "是", "yes") if opts.covers(w.get("year")) else pick(lang, "否", "no"),
        ])  # fmt: skip
    headers = [pick(lang, zh, en) for zh, en in (
        ("小流域", "Watershed"), ("项目类型", "Project"), ("实施年度", "Year"), ("治理状态", "Status"),
        ("面积 (km²)", "Area (km²)"), ("治理图斑", "Spots"), ("已完成图斑", "Completed spots"),
        ("已治理面积 (km²)", "Treated area (km²)"), ("水土保持率 (%)", "Conservation rate (%)"),
        ("最近验收", "Last acceptance"), ("实施年度在期内", "In the period"))]  # fmt: skip
    return _table("watersheds", pick(lang, "小流域治理情况", "Small watersheds"), headers, rows,
                  [None, None, "0", None, "0.00", "0", "0", "0.000", "0.0", None, None],
                  [pick(lang, f"期内：{opts.period_text(lang)}", f"period {opts.period_text(lang)}")])  # fmt: skip


def _sum_row(rows: list[list[Any]], lang: str) -> list[Any] | None:
    if not rows:
        return None
    total: list[Any] = [pick(lang, "合计", "Total")]
    for i in range(1, len(rows[0])):
        numbers = [r[i] for r in rows if isinstance(r[i], (int, float)) and not isinstance(r[i], bool)]
        total.append(round(sum(numbers), 2) if numbers else None)
    return total


def statistics_tables(ds: Dataset, opts: Options, lang: str = "zh", county_name: str = "") -> list[Table]:
    """Every statistics table, titled with the county and the township chosen."""
    name = county_name or ds.county_code
    scope = f"{name}{opts.township or ''}"
    tables = [progress_table(ds, opts, lang), dam_table(ds, opts, lang), hazard_table(ds, opts, lang),
              benggang_table(ds, opts, lang), watershed_table(ds, opts, lang)]  # fmt: skip
    for table in tables:
        table.title = f"{scope}{table.title}"
    return tables


def charts(lang: str) -> dict[str, BarChart]:
    """The chart each statistics sheet carries in Excel."""
    return {
        "targets": BarChart(pick(lang, "目标完成率", "Targets achieved"), (6,), "%"),
        "benggang": BarChart(pick(lang, "崩岗治理：期内完成与目标", "崩岗 treated and target"), (3, 4)),
        "hazards": BarChart(pick(lang, "隐患发现与销号", "Hazards found and closed"), (1, 3)),
    }
