"""Domain rules: derived values, validation against workflow steps, sampling and due dates.

Plain Python. Values are dicts keyed by field name, as stored (enum codes, ISO dates,
multi-enums as JSON arrays). Geometry enters as lon/lat coordinates, never as QGIS objects.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import geodesy
from .definition import AUDIT_FIELD_NAMES, RECORD_KINDS, STRUCTURE_MEASURES, TARGET_UNITS, THRESHOLDS
from .schema import (
    BOOL,
    DATE,
    DATETIME,
    ENUM,
    INT,
    MULTI_ENUM,
    REAL,
    REF,
    ROLE_LABELS,
    TEXT,
    RecordKind,
    Thresholds,
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a record, machine-readable and in both languages."""

    field: str | None
    code: str  # required, type, enum, range, length, transition, role, rule
    zh: str
    en: str

    def message(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code, "zh": self.zh, "en": self.en}


class KeepValue:
    """Returned by a derivation that does not apply to this record: the stored value stands."""


KEEP = KeepValue()


@dataclass
class Context:
    """What a derivation may look at besides the record's own values."""

    thresholds: Thresholds = field(default_factory=lambda: THRESHOLDS)
    polygons: Sequence | None = None  # [[outer ring, holes…], …] in lon/lat
    point: tuple[float, float] | None = None
    parent_point: tuple[float, float] | None = None
    children: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Derivations
# --------------------------------------------------------------------------------------------
def dam_scale(storage_10k_m3: float | None, t: Thresholds = THRESHOLDS) -> str | None:
    """Scale from total storage (万m³): backbone ≥ 50 [V], medium ≥ 10, small ≥ 1 [I]."""
    if storage_10k_m3 is None:
        return None
    if storage_10k_m3 >= t["dam_backbone_min_storage"]:
        return "backbone"
    if storage_10k_m3 >= t["dam_medium_min_storage"]:
        return "medium"
    if storage_10k_m3 >= t["dam_small_min_storage"]:
        return "small"
    return "tiny"


def benggang_size_class(area_m2: float | None, t: Thresholds = THRESHOLDS) -> str | None:
    """崩岗 size class from its area: large ≥ 3000 m², medium ≥ 1000 m², else small [I]."""
    if area_m2 is None:
        return None
    if area_m2 >= t["benggang_large_min_area"]:
        return "large"
    if area_m2 >= t["benggang_medium_min_area"]:
        return "medium"
    return "small"


_INTENSITY_BOUNDS = ((2500, "light"), (5000, "moderate"), (8000, "strong"), (15000, "very_strong"))


def erosion_intensity(modulus: float | None, tolerable: float) -> str | None:
    """SL 190-2007 intensity class from the erosion modulus t/(km²·a)."""
    if modulus is None:
        return None
    if modulus < tolerable:
        return "slight"
    for bound, code in _INTENSITY_BOUNDS:
        if modulus < bound:
            return code
    return "severe"


def spot_check_passed(values: Mapping[str, Any], t: Thresholds = THRESHOLDS) -> bool | None:
    """A sampled spot passes when area, design match, quality and survival all pass."""
    if values.get("quality") is None or values.get("matches_design") is None:
        return None
    deviation = values.get("area_deviation")
    if deviation is not None and abs(deviation) > t["acceptance_max_area_deviation"]:
        return False
    survival = values.get("survival_rate")
    if survival is not None and survival < t["acceptance_min_survival_rate"]:
        return False
    return bool(values["matches_design"]) and values["quality"] == "qualified"


def acceptance_figures(checks: Iterable[Mapping[str, Any]], t: Thresholds = THRESHOLDS) -> dict[str, Any]:
    """Counts, rates and verdict of a watershed acceptance from its spot checks."""
    checks = list(checks)
    done = [c for c in checks if c.get("step") == "checked"]
    passed = [c for c in done if spot_check_passed(c, t)]
    survivals = [c["survival_rate"] for c in done if c.get("survival_rate") is not None]
    pass_rate = round(100.0 * len(passed) / len(done), 1) if done else None
    survival = round(sum(survivals) / len(survivals), 1) if survivals else None
    verdict = None
    if checks and len(done) == len(checks):
        ok = pass_rate is not None and pass_rate >= t["acceptance_min_pass_rate"]
        ok = ok and (survival is None or survival >= t["acceptance_min_survival_rate"])
        verdict = "pass" if ok else "fail"
    return {
        "sampled_count": len(checks),
        "checked_count": len(done),
        "pass_rate": pass_rate,
        "survival_rate": survival,
        "verdict": verdict,
    }


def measure_completion_rate(measures: Iterable[Mapping[str, Any]]) -> float | None:
    """Completed against design, capped at 100% per measure, averaged over measures."""
    rates = []
    for m in measures:
        design, done = m.get("design_qty"), m.get("completed_qty") or 0.0
        if design:
            rates.append(min(done / design, 1.0))
    return round(100.0 * sum(rates) / len(rates), 1) if rates else None


def _area(ctx: Context) -> float | None:
    return geodesy.polygon_area_m2(ctx.polygons) if ctx.polygons is not None else None


def _scaled_area(divisor: float) -> Callable[[Mapping[str, Any], Context], Any]:
    def derive(values: Mapping[str, Any], ctx: Context) -> Any:
        a = _area(ctx)
        return KEEP if a is None else round(a / divisor, 6 if divisor > 1 else 2)

    return derive


def _patch_size_class(values: Mapping[str, Any], ctx: Context) -> Any:
    if values.get("kind") != "benggang":
        return KEEP  # 侵蚀沟 classes follow SL/T 447 surveys, entered by hand
    area = _area(ctx)
    return benggang_size_class(area if area is not None else values.get("area"), ctx.thresholds)


def _distance_to_parent(values: Mapping[str, Any], ctx: Context) -> Any:
    if ctx.point is None or ctx.parent_point is None:
        return KEEP
    return round(geodesy.distance_m(ctx.parent_point, ctx.point), 1)


def _conservation_rate(values: Mapping[str, Any], ctx: Context) -> Any:
    area, eroded = values.get("area"), values.get("eroded_area")
    if not area or eroded is None:
        return None
    return round(100.0 * (area - eroded) / area, 1)


def _acceptance_field(name: str) -> Callable[[Mapping[str, Any], Context], Any]:
    def derive(values: Mapping[str, Any], ctx: Context) -> Any:
        if "spot_check" not in ctx.children:
            return KEEP
        return acceptance_figures(ctx.children["spot_check"], ctx.thresholds)[name]

    return derive


def _completion_rate(values: Mapping[str, Any], ctx: Context) -> Any:
    if "patch_measure" not in ctx.children:
        return KEEP
    return measure_completion_rate(ctx.children["patch_measure"])


DERIVATIONS: dict[str, Callable[[Mapping[str, Any], Context], Any]] = {
    "dam_scale": lambda v, ctx: dam_scale(v.get("total_storage"), ctx.thresholds),
    "area_m2": _scaled_area(1.0),
    "area_hm2": _scaled_area(10_000.0),
    "area_km2": _scaled_area(1_000_000.0),
    "patch_size_class": _patch_size_class,
    "erosion_intensity": lambda v, ctx: erosion_intensity(
        v.get("erosion_modulus"), ctx.thresholds["tolerable_loss_red_soil"]
    ),
    "distance_to_parent": _distance_to_parent,
    "conservation_rate": _conservation_rate,
    "measure_completion_rate": _completion_rate,
    "sampled_count": _acceptance_field("sampled_count"),
    "checked_count": _acceptance_field("checked_count"),
    "pass_rate": _acceptance_field("pass_rate"),
    "mean_survival_rate": _acceptance_field("survival_rate"),
    "acceptance_verdict": _acceptance_field("verdict"),
    "spot_check_passed": lambda v, ctx: spot_check_passed(v, ctx.thresholds),
}


def derive(kind: RecordKind | str, values: Mapping[str, Any], ctx: Context | None = None) -> dict[str, Any]:
    """Values of the kind's derived fields that this context can compute.

    Derived fields may depend on one another (area before size class), so they are
    computed in declaration order on a running copy of the values.
    """
    kind = RECORD_KINDS[kind] if isinstance(kind, str) else kind
    ctx = ctx or Context()
    current = dict(values)
    out: dict[str, Any] = {}
    for f in kind.fields:
        if f.derived:
            try:
                value = DERIVATIONS[f.derived](current, ctx)
            except (TypeError, ValueError, ZeroDivisionError):
                value = KEEP  # inputs of the wrong type: validation reports them, derivation skips
            if value is not KEEP:
                current[f.name] = out[f.name] = value
    return out


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------
def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or value == "[]"


def _states(kind: RecordKind, values: Mapping[str, Any]) -> set[str]:
    """Steps a record has reached: its current step and every earlier one, plus de-listing."""
    states = {"*"}
    wf = kind.workflow
    if wf is not None:
        step = values.get(wf.state_field) or wf.initial
        if step in wf.step_codes():
            states.update(wf.step_codes()[: wf.step_index(step) + 1])
    if kind.delisting and values.get("register_status") == "delisted":
        states.add("delisted")
    if kind.delisting and values.get("register_status", "registered") == "registered":
        states.add("registered")
    return states


def required_fields(kind: RecordKind | str, values: Mapping[str, Any]) -> list[str]:
    kind = RECORD_KINDS[kind] if isinstance(kind, str) else kind
    states = _states(kind, values)
    return [f.name for f in kind.fields if not f.derived and states.intersection(f.required_at)]


def _type_problem(f, value: Any) -> Problem | None:
    label_zh, label_en = f.zh, f.en
    bad = Problem(f.name, "type", f"{label_zh}：类型不正确（应为{f.type}）", f"{label_en}: expected {f.type}")
    if f.type in (TEXT, REF):
        return None if isinstance(value, str) else bad
    if f.type == INT:
        return None if isinstance(value, int) and not isinstance(value, bool) else bad
    if f.type == REAL:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        return None if ok else bad
    if f.type == BOOL:
        return None if isinstance(value, bool) or value in (0, 1) else bad
    if f.type in (DATE, DATETIME):
        if not isinstance(value, str):
            return bad
        try:
            if f.type == DATE:
                dt.date.fromisoformat(value)
            else:
                dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return bad
        return None
    if f.type == ENUM:
        if value not in f.enum.codes():
            return Problem(
                f.name, "enum",
                f"{label_zh}：“{value}”不是有效选项", f"{label_en}: '{value}' is not one of {list(f.enum.codes())}",
            )  # fmt: skip
        return None
    if f.type == MULTI_ENUM:
        try:
            codes = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            return bad
        if not isinstance(codes, list) or any(c not in f.enum.codes() for c in codes):
            return Problem(
                f.name, "enum", f"{label_zh}：包含无效选项", f"{label_en}: holds codes outside {list(f.enum.codes())}"
            )
        return None
    return None


def validate(
    kind: RecordKind | str, values: Mapping[str, Any], t: Thresholds = THRESHOLDS, check_required: bool = True
) -> list[Problem]:
    """Everything wrong with a record's values at its current step. Empty list when valid."""
    kind = RECORD_KINDS[kind] if isinstance(kind, str) else kind
    problems: list[Problem] = []
    known = set(kind.field_names())
    for name in values:
        if name not in known:
            problems.append(Problem(name, "unknown", f"未知字段：{name}", f"unknown field: {name}"))
    for f in kind.fields:
        value = values.get(f.name)
        if _is_empty(value):
            continue
        p = _type_problem(f, value)
        if p:
            problems.append(p)
            continue
        if f.type in (INT, REAL):
            if f.minimum is not None and value < f.minimum:
                problems.append(
                    Problem(f.name, "range", f"{f.zh}不能小于{f.minimum:g}", f"{f.en} must be ≥ {f.minimum:g}")
                )
            if f.maximum is not None and value > f.maximum:
                problems.append(
                    Problem(f.name, "range", f"{f.zh}不能大于{f.maximum:g}", f"{f.en} must be ≤ {f.maximum:g}")
                )
        if f.max_length is not None and isinstance(value, str) and len(value) > f.max_length:
            problems.append(
                Problem(
                    f.name, "length", f"{f.zh}最多{f.max_length}个字符", f"{f.en}: at most {f.max_length} characters"
                )
            )
    if check_required:
        for name in required_fields(kind, values):
            if _is_empty(values.get(name)):
                f = kind.field(name)
                problems.append(Problem(name, "required", f"请填写{f.zh}", f"{f.en} is required"))
        states = _states(kind, values)
        for rule in kind.rules:
            if states.intersection(rule.steps) and values.get(rule.when_field) in rule.values:
                if _is_empty(values.get(rule.field)):
                    problems.append(Problem(rule.field, "rule", rule.zh, rule.en))
    if kind.name == "patch" and values.get("kind") == "benggang":
        area = values.get("area")
        if isinstance(area, (int, float)) and area < t["benggang_min_area"]:
            problems.append(
                Problem(
                    "area",
                    "rule",
                    f"崩岗面积小于上图标准{t['benggang_min_area']:g} m²",
                    f"a 崩岗 under {t['benggang_min_area']:g} m² is not mapped",
                )  # fmt: skip
            )
    if kind.name == "target":
        problems += _target_problems(values)
    return problems


def _target_problems(values: Mapping[str, Any]) -> list[Problem]:
    """A target's unit fits its indicator, its period runs forwards, a share is at most 100 %."""
    problems = []
    indicator, unit = values.get("indicator"), values.get("unit")
    units = TARGET_UNITS.get(indicator or "")
    if units and unit and unit not in units:
        label = "、".join(RECORD_KINDS["target"].field("unit").enum.label(u) for u in units)
        problems.append(Problem("unit", "rule", f"该指标的单位应为：{label}", f"this indicator is counted in {units}"))
    start, end = values.get("year_from"), values.get("year_to")
    if isinstance(start, int) and isinstance(end, int) and end < start:
        problems.append(Problem("year_to", "rule", "截止年度不能早于起始年度", "the period ends before it starts"))
    for name in ("value", "baseline", "monitored"):
        value = values.get(name)
        if unit == "percent" and isinstance(value, (int, float)) and value > 100:
            f = RECORD_KINDS["target"].field(name)
            problems.append(Problem(name, "range", f"{f.zh}不能大于100%", f"{f.en} must be ≤ 100 %"))
    return problems


def check_writer(kind: RecordKind | str, role: str) -> Problem | None:
    """None when `role` may insert, update or delete records of `kind` (see RecordKind.writers)."""
    kind = RECORD_KINDS[kind] if isinstance(kind, str) else kind
    if not kind.writers or role == "admin" or role in kind.writers:
        return None
    roles = dict.fromkeys((*kind.writers, "admin"))
    zh, en = "、".join(ROLE_LABELS[r][0] for r in roles), ", ".join(roles)
    return Problem(
        None, "role", f"只有{zh}可以修改{kind.zh}", f"only these roles may change a {kind.en.lower()}: {en}"
    )  # fmt: skip


def inspection_flags(values: Mapping[str, Any], t: Thresholds = THRESHOLDS) -> list[str]:
    """Fields of a dam inspection at or past a flag: cracks ≥ crack_flag_width, settlement ≥
    settlement_flag [S], concentrated seepage or piping, collapse or slide."""
    flags = []
    width, settlement = values.get("crack_width"), values.get("settlement")
    if values.get("crack_type") not in (None, "none") and isinstance(width, (int, float)):
        if width >= t["crack_flag_width"]:
            flags.append("crack_width")
    if isinstance(settlement, (int, float)) and settlement >= t["settlement_flag"]:
        flags.append("settlement")
    if values.get("seepage") in ("concentrated", "piping"):
        flags.append("seepage")
    if values.get("collapse_slide"):
        flags.append("collapse_slide")
    return flags


# --------------------------------------------------------------------------------------------
# Counting against plans and duties
# --------------------------------------------------------------------------------------------
IMPORTANT_EXPOSURE = ("residents", "school", "industry", "traffic")


def benggang_plan_count(values: Mapping[str, Any], t: Thresholds = THRESHOLDS) -> int:
    """How many 崩岗 a patch counts for against a plan's "治理崩岗 N 座": 0 for an erosion gully;
    a 崩岗群 as its members (at least 1) or as one, by the threshold benggang_cluster_counts_members [I]."""
    if values.get("kind") != "benggang":
        return 0
    if values.get("is_cluster") and t["benggang_cluster_counts_members"]:
        members = values.get("cluster_members")
        return max(int(members), 1) if isinstance(members, (int, float)) else 1
    return 1


def needs_dedicated_patroller(values: Mapping[str, Any]) -> bool:
    """一坝一人 is required: important facilities downstream and not yet silted up to the design
    elevation (办水保〔2022〕72号). Unknown silting counts as not silted up (the duty stays)."""
    raw = values.get("downstream_exposure")
    try:
        exposure = json.loads(raw) if isinstance(raw, str) else list(raw or ())
    except ValueError:
        exposure = []
    if not set(exposure) & set(IMPORTANT_EXPOSURE):
        return False
    current, design = values.get("current_silt_elevation"), values.get("design_silt_elevation")
    if current is not None and design is not None:
        return current < design
    silted, capacity = values.get("silted_storage"), values.get("silt_storage")
    if silted is not None and capacity:
        return silted < capacity
    return True


def check_transition(
    kind: RecordKind | str, source: str, target: str, role: str, state_field: str | None = None
) -> Problem | None:
    """None when `role` may move a record of `kind` from step `source` to `target`.

    `state_field` picks the workflow (e.g. register_status for de-listing a patch); the
    kind's main workflow by default.
    """
    kind = RECORD_KINDS[kind] if isinstance(kind, str) else kind
    wf = kind.workflow if state_field is None else kind.workflow_for(state_field)
    if wf is None or source == target:
        return None
    t = wf.transition(source, target)
    if t is None:
        return Problem(
            wf.state_field, "transition",
            f"不允许从“{source}”转到“{target}”", f"no transition from '{source}' to '{target}'",
        )  # fmt: skip
    if role != "admin" and role not in t.roles:
        return Problem(
            wf.state_field, "role",
            f"“{t.zh}”需要以下角色之一：{', '.join(t.roles)}", f"'{t.en}' needs one of the roles {', '.join(t.roles)}",
        )  # fmt: skip
    return None


def reachable(kind: RecordKind | str, source: str, target: str, role: str, state_field: str | None = None) -> bool:
    """Can ``role`` walk a record from step ``source`` to ``target`` through steps it may take each?"""
    kind = RECORD_KINDS[kind] if isinstance(kind, str) else kind
    wf = kind.workflow if state_field is None else kind.workflow_for(state_field)
    if wf is None or source == target:
        return True
    seen, todo = {source}, [source]
    while todo:
        for t in wf.allowed(todo.pop(), role):
            if t.target == target:
                return True
            if t.target not in seen:
                seen.add(t.target)
                todo.append(t.target)
    return False


def step_problems(
    kind: RecordKind | str, before: Mapping[str, Any] | None, after: Mapping[str, Any], role: str
) -> list[Problem]:
    """Workflow steps of ``after`` that ``role`` may not reach from ``before`` (None: a new record,
    which starts at each workflow's initial step)."""
    kind = RECORD_KINDS[kind] if isinstance(kind, str) else kind
    problems = []
    for wf in kind.workflows():
        name = wf.state_field
        src = wf.initial if before is None else (before.get(name) or wf.initial)
        dst = after.get(name) or wf.initial
        if src == dst or dst not in wf.step_codes() or reachable(kind, src, dst, role, name):
            continue
        p = check_transition(kind, src, dst, role, state_field=name)
        problems.append(
            p or Problem(name, "transition", f"不允许从“{src}”转到“{dst}”", f"no transition from '{src}' to '{dst}'")
        )
    return problems


def defaults(kind: RecordKind | str) -> dict[str, Any]:
    kind = RECORD_KINDS[kind] if isinstance(kind, str) else kind
    return {f.name: f.default for f in kind.fields if f.default is not None and f.name not in AUDIT_FIELD_NAMES}


# --------------------------------------------------------------------------------------------
# Acceptance sampling and due inspections
# --------------------------------------------------------------------------------------------
def sample_spots(spots: Sequence[Mapping[str, Any]], share: float, seed: int) -> list[str]:
    """Reproducible acceptance sample: every structure, plus at least `share` of the other spots.

    Spots are ordered by uuid before drawing, so the same seed gives the same sample on any
    machine whatever order the spots were loaded in.
    """
    ordered = sorted(spots, key=lambda s: s["uuid"])
    structures = [s["uuid"] for s in ordered if s.get("measure_type") in STRUCTURE_MEASURES]
    others = [s["uuid"] for s in ordered if s.get("measure_type") not in STRUCTURE_MEASURES]
    k = min(len(others), math.ceil(share * len(others) - 1e-9))
    drawn = random.Random(seed).sample(others, k)  # noqa: S311 - reproducible sample, not security
    return sorted(structures + drawn)


def _mmdd(day: dt.date) -> int:
    return day.month * 100 + day.day


def patrol_interval_hours(day: dt.date, t: Thresholds = THRESHOLDS, daily_rain_mm: float | None = None) -> float:
    """Patrol interval by season and rain [S]: twice weekly, daily, twice daily, 2 h after storms."""
    if daily_rain_mm is not None and daily_rain_mm >= t["rain_storm"]:
        return t["storm_response"]
    md = _mmdd(day)
    if t["main_flood_start"] <= md <= t["main_flood_end"] or (
        daily_rain_mm is not None and daily_rain_mm >= t["rain_heavy"]
    ):
        return t["patrol_interval_main_flood"]
    if t["flood_season_start"] <= md <= t["flood_season_end"]:
        return t["patrol_interval_flood"]
    return t["patrol_interval_off_season"]


def next_inspection_due(last: dt.datetime | None, now: dt.datetime, t: Thresholds = THRESHOLDS) -> dt.datetime:
    """When a dam's next patrol is due; a dam never inspected is due now."""
    if last is None:
        return now
    return last + dt.timedelta(hours=patrol_interval_hours(last.date(), t))
