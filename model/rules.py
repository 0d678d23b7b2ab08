"""Domain rules: derived values, validation against workflow steps, sampling and due dates.

Plain Python. Values are dicts keyed by field name, as stored (enum codes, ISO dates,
multi-enums as JSON arrays). Geometry enters as lon/lat coordinates, never as QGIS objects.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import geodesy
from .definition import (
    AUDIT_FIELD_NAMES,
    MEASURE_POSITION,
    MEASURE_POSITIONS,
    RECORD_KINDS,
    RS_CLOSE_AT_DETERMINATION,
    RS_EVIDENCE_FOR,
    STRUCTURE_MEASURES,
    TARGET_UNITS,
    THRESHOLDS,
)
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
from .values import same


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
    """What a derivation or a rule may look at besides the record's own values: the thresholds in
    force (a region's set), the geometry, and the related records model.links names (NEEDS)."""

    thresholds: Thresholds = field(default_factory=lambda: THRESHOLDS)
    polygons: Sequence | None = None  # [[outer ring, holes…], …] in lon/lat
    point: tuple[float, float] | None = None
    parent_point: tuple[float, float] | None = None
    parent_polygons: Sequence | None = None  # the parent's area (a remote-sensing spot), like polygons
    # Records of other kinds by kind: a record's children, or its parent's (a patch acceptance's measures).
    children: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)
    parent: Mapping[str, Any] | None = None  # the parent record's values


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


def is_eco_clean(watershed: Mapping[str, Any]) -> bool:
    """A 生态清洁 watershed: its project type or its subtype says so."""
    return watershed.get("project_type") == "eco_clean" or watershed.get("subtype") == "eco_clean"


def clean_failures(watershed: Mapping[str, Any], t: Thresholds = THRESHOLDS) -> list[str]:
    """What a 生态清洁 watershed misses of the indicators its completion acceptance checks:
    sewage and refuse treatment rates, outlet water class (SL/T 534-2023; 铜川 figures [S])."""
    sewage, refuse = watershed.get("sewage_treatment_rate"), watershed.get("refuse_treatment_rate")
    water = watershed.get("outlet_water_class")
    if sewage is None or refuse is None or water in (None, ""):
        return ["clean_missing"]
    out = []
    if sewage < t["clean_min_sewage_rate"]:
        out.append("sewage_rate")
    if refuse < t["clean_min_refuse_rate"]:
        out.append("refuse_rate")
    if str(water).isdigit() and int(water) > t["clean_max_outlet_class"]:
        out.append("outlet_water")
    return out


def acceptance_figures(
    checks: Iterable[Mapping[str, Any]],
    t: Thresholds = THRESHOLDS,
    acceptance: Mapping[str, Any] | None = None,
    watershed: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Counts, rates, verdict and the reasons of a failure of a watershed acceptance.

    The verdict exists once every sampled spot is checked: the pass rate and the mean survival
    rate against their minimums; a completion acceptance (竣工验收) of a known `watershed` also
    needs its treatment degree (GB/T 15773 [V], figure [I]) and, for a 生态清洁 watershed, the
    clean indicators (clean_failures)."""
    checks = list(checks)
    done = [c for c in checks if c.get("step") == "checked"]
    passed = [c for c in done if spot_check_passed(c, t)]
    survivals = [c["survival_rate"] for c in done if c.get("survival_rate") is not None]
    pass_rate = round(100.0 * len(passed) / len(done), 1) if done else None
    survival = round(sum(survivals) / len(survivals), 1) if survivals else None
    verdict, reasons = None, None
    if checks and len(done) == len(checks):
        reasons = []
        if pass_rate is None or pass_rate < t["acceptance_min_pass_rate"]:
            reasons.append("pass_rate")
        if survival is not None and survival < t["acceptance_min_survival_rate"]:
            reasons.append("survival_rate")
        if watershed is not None and (acceptance or {}).get("kind") == "completion":
            degree = watershed.get("treatment_degree")
            if degree is None or degree < t["acceptance_min_treatment_degree"]:
                reasons.append("treatment_degree")
            if is_eco_clean(watershed):
                reasons += clean_failures(watershed, t)
        verdict = "fail" if reasons else "pass"
    return {
        "sampled_count": len(checks),
        "checked_count": len(done),
        "pass_rate": pass_rate,
        "survival_rate": survival,
        "verdict": verdict,
        "fail_reasons": reasons or None,
    }


def treatment_degree(spots: Iterable[Mapping[str, Any]], eroded_km2: float | None) -> float | None:
    """治理度: the area of the completed spots over the eroded area, in % (at most 100)."""
    if not eroded_km2:
        return None
    done_hm2 = sum(s.get("area") or 0.0 for s in spots if s.get("step") == "completed")
    return min(100.0, round(done_hm2 / eroded_km2, 1))  # hm² / km² / 100 * 100 %


ERODED_CLASSES = ("eroded_light", "eroded_moderate", "eroded_strong", "eroded_very_strong", "eroded_severe")


def eroded_total(values: Mapping[str, Any]) -> Any:
    """水土流失面积: the sum of the areas by intensity class; a total typed before the classes stays."""
    parts = [values.get(n) for n in ERODED_CLASSES if values.get(n) is not None]
    return round(sum(parts), 6) if parts else KEEP


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
    """From the record's point to its parent: to the parent's area when it has one (0 inside)."""
    if ctx.point is not None and ctx.parent_polygons:
        return round(geodesy.distance_to_polygons_m(ctx.point, ctx.parent_polygons), 1)
    if ctx.point is None or ctx.parent_point is None:
        return KEEP
    return round(geodesy.distance_m(ctx.parent_point, ctx.point), 1)


def rs_batch(values: Mapping[str, Any]) -> str | None:
    """The name of a remote-sensing batch: year, issuing level and round (2025年省级第1批)."""
    year, round_, level = values.get("batch_year"), values.get("batch_round"), values.get("issuer_level")
    if year is None or round_ is None:
        return None
    issuer = RECORD_KINDS["rs_spot"].field("issuer_level").enum.label(level) if level else ""
    return f"{year}年{issuer}第{round_}批"


def _conservation_rate(values: Mapping[str, Any], ctx: Context) -> Any:
    area, eroded = values.get("area"), values.get("eroded_area")
    if not area or eroded is None:
        return None
    return round(100.0 * (area - eroded) / area, 1)


def _acceptance_field(name: str) -> Callable[[Mapping[str, Any], Context], Any]:
    def derive(values: Mapping[str, Any], ctx: Context) -> Any:
        if "spot_check" not in ctx.children:
            return KEEP
        watershed = None
        if ctx.parent is not None:  # the degree as the acceptance holds it (derived before the verdict)
            watershed = {**ctx.parent, "treatment_degree": values.get("treatment_degree")}
        return acceptance_figures(ctx.children["spot_check"], ctx.thresholds, values, watershed)[name]

    return derive


def _watershed_treatment_degree(values: Mapping[str, Any], ctx: Context) -> Any:
    if "watershed_spot" not in ctx.children:
        return KEEP
    return treatment_degree(ctx.children["watershed_spot"], values.get("eroded_area"))


def _parent_field(name: str) -> Callable[[Mapping[str, Any], Context], Any]:
    return lambda values, ctx: KEEP if ctx.parent is None else ctx.parent.get(name)


def patrol_class(values: Mapping[str, Any]) -> str:
    """一坝一人 (dedicated) or ordinary: see needs_dedicated_patroller."""
    return "dedicated" if needs_dedicated_patroller(values) else "ordinary"


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
    "erosion_intensity": lambda v, ctx: erosion_intensity(v.get("erosion_modulus"), ctx.thresholds["tolerable_loss"]),
    "distance_to_parent": _distance_to_parent,
    "conservation_rate": _conservation_rate,
    "measure_completion_rate": _completion_rate,
    "sampled_count": _acceptance_field("sampled_count"),
    "checked_count": _acceptance_field("checked_count"),
    "pass_rate": _acceptance_field("pass_rate"),
    "mean_survival_rate": _acceptance_field("survival_rate"),
    "acceptance_verdict": _acceptance_field("verdict"),
    "acceptance_fail_reasons": _acceptance_field("fail_reasons"),
    "spot_check_passed": lambda v, ctx: spot_check_passed(v, ctx.thresholds),
    "patrol_class": lambda v, ctx: patrol_class(v),
    "eroded_total": lambda v, ctx: eroded_total(v),
    "watershed_treatment_degree": _watershed_treatment_degree,
    "parent_treatment_degree": _parent_field("treatment_degree"),
    "measure_position": lambda v, ctx: MEASURE_POSITIONS.get(v.get("measure_type")),
    "rs_batch": lambda v, ctx: rs_batch(v),
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
    kind: RecordKind | str,
    values: Mapping[str, Any],
    t: Thresholds = THRESHOLDS,
    check_required: bool = True,
    ctx: Context | None = None,
) -> list[Problem]:
    """Everything wrong with a record's values at its current step. Empty list when valid.

    With a context (`ctx.children`, `ctx.parent`: see model.links), the rules that need other
    records are checked too (related_problems); without one, only the record's own."""
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
        if f.format is not None and isinstance(value, str) and not FORMATS[f.format][0](value):
            problems.append(
                Problem(f.name, "format", f"{f.zh}：{FORMATS[f.format][1]}", f"{f.en}: {FORMATS[f.format][2]}")
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
        for step_rule in STEP_RULES.get(kind.name, ()):
            problems += step_rule(values, states, t)
    for value_rule in VALUE_RULES.get(kind.name, ()):
        problems += value_rule(values, t)
    if ctx is not None:
        problems += related_problems(kind, values, ctx)
    return problems


def _spot_problems(values: Mapping[str, Any]) -> list[Problem]:
    """A remote-sensing spot: dates in order, a 合规/非生产 spot closes at 认定 (it is never rectified),
    and a spot closes only with the evidence its determination takes (RS_EVIDENCE_FOR)."""
    problems = []
    for start, end, zh, en in (("issued_on", "deadline", "办结期限不能早于下发日期", "the deadline is before the issue"),
                               ("notice_date", "notice_deadline", "整改期限不能早于通知下发日期",
                                "the rectification deadline is before the notice")):  # fmt: skip
        a, b = values.get(start), values.get(end)
        if isinstance(a, str) and isinstance(b, str) and b[:10] < a[:10]:
            problems.append(Problem(end, "rule", zh, en))
    determination, step = values.get("determination"), values.get("step")
    if determination in RS_CLOSE_AT_DETERMINATION and step in ("determined", "rectifying"):
        problems.append(Problem("step", "rule", "合规或非生产建设项目图斑在认定时销号，不进入整改查处",
                                "a compliant or non-production spot closes at determination"))  # fmt: skip
    evidence = values.get("evidence_type")
    allowed = RS_EVIDENCE_FOR.get(determination or "")
    if step == "closed" and evidence and allowed is not None and evidence not in allowed:
        kind = RECORD_KINDS["rs_spot"]
        shown = "、".join(kind.field("evidence_type").enum.label(c) for c in allowed)
        label = kind.field("determination").enum.label(determination)
        problems.append(Problem("evidence_type", "rule", f"“{label}”图斑销号的佐证应为：{shown}",
                                f"a '{determination}' spot closes with one of {list(allowed)}"))  # fmt: skip
    return problems


# -- text formats ----------------------------------------------------------------------------
# A mainland mobile number (11 digits, 1[3-9]…, optionally +86), or a landline with or without its
# area code (0797-8123456, 010 12345678: 010, 02x or a four-digit code), with an extension (转123);
# several joined by / 、 ， ；.
_PHONE = re.compile(r"(?:(?:\+?86)?1[3-9]\d{9}|(?:010|02\d|0[3-9]\d\d)?[2-9]\d{6,7}(?:(?:转|ext\.?|#)\d{1,6})?)")


def phone_ok(text: str) -> bool:
    parts = [re.sub(r"[\s\-()（）]", "", p) for p in re.split(r"[/、,，;；]", text)]
    return all(_PHONE.fullmatch(p) for p in parts if p) and any(parts)


# format -> (check, what it should be in zh, in en)
FORMATS: dict[str, tuple[Callable[[str], bool], str, str]] = {
    "phone": (
        phone_ok,
        "不是有效的电话号码（手机11位，或固定电话如0797-8123456）",
        "not a phone number (an 11-digit mobile, or a landline such as 0797-8123456)",
    ),
}


# -- rules of one record ---------------------------------------------------------------------
def _hazard_closed(values: Mapping[str, Any], states: set[str], t: Thresholds) -> list[Problem]:
    """销号 only after a re-check that passed (hazard ledger: rectify → re-check → 销号) [V]."""
    if "closed" in states and values.get("recheck_result") != "pass":
        return [
            Problem("recheck_result", "rule", "复查合格后才能销号", "only a hazard whose re-check passed can be closed")
        ]
    return []


_FLAG_TEXT = {
    "crack_width": ("裂缝宽 {crack_width:g} mm（预警 {crack_flag_width:g} mm）",
                    "a {crack_width:g} mm crack (flag {crack_flag_width:g} mm)"),
    "settlement": ("沉降 {settlement:g} cm（预警 {settlement_flag:g} cm）",
                   "{settlement:g} cm settlement (flag {settlement_flag:g} cm)"),
    "seepage": ("集中渗漏或管涌", "concentrated seepage or piping"),
    "collapse_slide": ("坝体塌陷或滑坡", "a collapse or slide"),
}  # fmt: skip


def _flags_need_reason(values: Mapping[str, Any], states: set[str], t: Thresholds) -> list[Problem]:
    """A submitted inspection whose own findings reach a flag does not conclude 无隐患 without a
    written reason [I, rule of this project; flags S]."""
    if "submitted" not in states or values.get("result") != "no_hazard" or not _is_empty(values.get("flag_reason")):
        return []
    flags = inspection_flags(values, t)
    if not flags:
        return []
    figures = {**values, "crack_flag_width": t["crack_flag_width"], "settlement_flag": t["settlement_flag"]}
    zh = "、".join(_FLAG_TEXT[f][0].format(**figures) for f in flags)
    en = ", ".join(_FLAG_TEXT[f][1].format(**figures) for f in flags)
    return [Problem("flag_reason", "rule", f"检查发现{zh}，结论为无隐患时须写明理由",
                    f"the inspection found {en}: 'no hazard' needs a written reason")]  # fmt: skip


def _all_spots_checked(values: Mapping[str, Any], states: set[str], t: Thresholds) -> list[Problem]:
    """An acceptance finishes its checks (and is signed) only when every sampled spot is checked."""
    sampled, checked = values.get("sampled_count"), values.get("checked_count")
    if "checked" in states and (not sampled or checked != sampled):
        return [Problem("checked_count", "rule", "所有抽查图斑核查完成后才能继续", "check every sampled spot first")]
    return []


def _dedicated_patroller(values: Mapping[str, Any], states: set[str], t: Thresholds) -> list[Problem]:
    """一坝一人: a dam with important facilities downstream, not silted up, has a patroller of its own
    with a phone (办水保〔2022〕72号) [V]."""
    if "registered" not in states or not needs_dedicated_patroller(values):
        return []
    out = []
    if not values.get("dedicated_patroller"):
        out.append(Problem("dedicated_patroller", "rule", "下游有重要设施且未淤满，须落实“一坝一人”专职巡查责任人",
                           "important facilities downstream and not silted up: one patroller for this dam"))  # fmt: skip
    if _is_empty(values.get("patrol_phone")):
        out.append(Problem("patrol_phone", "rule", "“一坝一人”的巡查责任人须留有电话",
                           "the dam's own patroller needs a phone number"))  # fmt: skip
    return out


def _benggang_min_area(values: Mapping[str, Any], t: Thresholds) -> list[Problem]:
    area = values.get("area")
    if values.get("kind") == "benggang" and isinstance(area, (int, float)) and area < t["benggang_min_area"]:
        return [Problem("area", "rule", f"崩岗面积小于上图标准{t['benggang_min_area']:g} m²",
                        f"a 崩岗 under {t['benggang_min_area']:g} m² is not mapped")]  # fmt: skip
    return []


def _gully_min_length(values: Mapping[str, Any], t: Thresholds) -> list[Problem]:
    """Erosion gullies are surveyed from gully_min_length (50 m, NE black-soil survey) [V]."""
    length = values.get("length")
    if values.get("kind") == "gully" and isinstance(length, (int, float)) and length < t["gully_min_length"]:
        return [Problem("length", "rule", f"侵蚀沟长度小于调查标准{t['gully_min_length']:g} m",
                        f"an erosion gully under {t['gully_min_length']:g} m is not surveyed")]  # fmt: skip
    return []


# Rules that hold from a workflow step on (checked with the required fields) and rules on values.
STEP_RULES: dict[str, tuple[Callable[[Mapping[str, Any], set[str], Thresholds], list[Problem]], ...]] = {
    "dam": (_dedicated_patroller,),
    "dam_hazard": (_hazard_closed,),
    "dam_inspection": (_flags_need_reason,),
    "watershed_acceptance": (_all_spots_checked,),
}
VALUE_RULES: dict[str, tuple[Callable[[Mapping[str, Any], Thresholds], list[Problem]], ...]] = {
    "patch": (_benggang_min_area, _gully_min_length),
    "target": (lambda v, t: _target_problems(v),),
    "rs_spot": (lambda v, t: _spot_problems(v),),
}


# -- rules that need other records -----------------------------------------------------------
def open_hazards(hazards: Iterable[Mapping[str, Any]], severity: str | None = None) -> list[Mapping[str, Any]]:
    """Hazards not closed (销号), of one severity or all."""
    return [h for h in hazards if (h.get("step") or "open") != "closed" and severity in (None, h.get("severity"))]


def related_problems(kind: RecordKind | str, values: Mapping[str, Any], ctx: Context) -> list[Problem]:
    """Rules of a record that look at other records (the context holds them)."""
    kind = _kind(kind)
    if kind.name == "dam" and "dam_hazard" in ctx.children and values.get("register_status") != "delisted":
        major = len(open_hazards(ctx.children["dam_hazard"], "major"))
        if major and values.get("hazard_status") not in ("dangerous", "reinforcing"):
            return [Problem("hazard_status", "rule", f"有 {major} 处未销号的重大隐患，安全状况应为“病险”或“除险加固中”",
                            f"{major} major hazard(s) open: the dam is dangerous or being reinforced")]  # fmt: skip
    return _accepted_without_acceptance(kind, values, ctx)


# The acceptance records of a treated object: its 治理状态 is 已验收 by their completion acceptance.
TREATMENT_ACCEPTANCE = {"watershed": "watershed_acceptance", "patch": "patch_acceptance"}


def passed_completion(acceptances: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The signed completion acceptances (竣工验收) that passed."""
    return [a for a in acceptances
            if a.get("kind") == "completion" and a.get("step") == "signed" and a.get("verdict") == "pass"]  # fmt: skip


def _accepted_without_acceptance(kind: RecordKind, values: Mapping[str, Any], ctx: Context) -> list[Problem]:
    """治理状态 已验收 only with a signed completion acceptance (竣工验收) that passed [I, rule of this
    project: GB/T 15773-2008 makes 竣工验收 the acceptance of a finished treatment, V]. A stage or
    single-measure acceptance, one not signed, or a failed one does not accept the treatment."""
    acceptance = TREATMENT_ACCEPTANCE.get(kind.name)
    if acceptance not in ctx.children or values.get("treatment_status") != "accepted":
        return []
    if passed_completion(ctx.children[acceptance]):
        return []
    return [Problem("treatment_status", "rule", f"{kind.zh}须有已签署且结论为通过的竣工验收，才能标为“已验收”",
                    f"a {kind.en.lower()} is accepted only with a signed completion acceptance that passed")]  # fmt: skip


def follow_acceptance(status: str | None, passed_before: bool, passed_after: bool) -> str | None:
    """A completed (已完工) watershed or patch becomes 已验收 when its completion acceptance is signed
    with a pass: signing (签署验收) and the move (治理验收通过) are both the acceptor's [I]."""
    return "accepted" if status == "completed" and passed_after and not passed_before else status


def follow_hazards(status: str | None, open_major_before: int, open_major_after: int) -> str | None:
    """A dam's hazard_status as its hazards change: an open 重大隐患 makes it 病险 (unless it is
    除险加固中); closing the last one returns a 病险 dam to 正常 [I: 已除险 stays]."""
    if open_major_after:
        return status if status in ("dangerous", "reinforcing") else "dangerous"
    if open_major_before and status == "dangerous":
        return "normal"
    return status


def refresh(
    kind: RecordKind | str, values: Mapping[str, Any], ctx: Context, before: Context | None = None
) -> dict[str, Any]:
    """The values a record changes to when its related records changed (`before`: the context as
    it was): its derived fields, a dam's hazard status (follow_hazards), a treated object's 治理状态
    (follow_acceptance). Only what differs."""
    kind = _kind(kind)
    out = derive(kind, values, ctx)
    if kind.name == "dam" and "dam_hazard" in ctx.children and values.get("register_status") != "delisted":
        was = len(open_hazards((before or ctx).children.get("dam_hazard", ()), "major"))
        now = len(open_hazards(ctx.children["dam_hazard"], "major"))
        out["hazard_status"] = follow_hazards(values.get("hazard_status"), was, now)
    acceptance = TREATMENT_ACCEPTANCE.get(kind.name)
    if acceptance in ctx.children and values.get("register_status") != "delisted":
        was = bool(passed_completion((before or ctx).children.get(acceptance, ())))
        now = bool(passed_completion(ctx.children[acceptance]))
        out["treatment_status"] = follow_acceptance(values.get("treatment_status"), was, now)
    return {n: v for n, v in out.items() if not same(kind, n, values.get(n), v)}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


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
        return _no_transition(wf, source, target)
    if role != "admin" and role not in t.roles:
        return Problem(
            wf.state_field, "role",
            f"“{t.zh}”需要以下角色之一：{'、'.join(ROLE_LABELS[r][0] for r in t.roles)}",
            f"'{t.en}' needs one of the roles {', '.join(t.roles)}",
        )  # fmt: skip
    return None


def _no_transition(wf, source: str, target: str) -> Problem:
    """Named by the steps' labels: a technician reads 待整改, not the code."""
    return Problem(
        wf.state_field, "transition",
        f"不允许从“{_step_label(wf, source, 'zh')}”转到“{_step_label(wf, target, 'zh')}”",
        f"no transition from '{_step_label(wf, source, 'en')}' to '{_step_label(wf, target, 'en')}'",
    )  # fmt: skip


# --------------------------------------------------------------------------------------------
# Workflow steps: what a step fills by itself, what the next step needs, what refuses a step
# --------------------------------------------------------------------------------------------
# Fields holding a person's name: a step that requires one fills in the user who takes it.
PERSON_FIELDS = ("inspector", "surveyor", "checker", "rechecked_by", "closed_by", "acceptor", "determined_by")
# Fields a step computes itself besides dates, times and names (drawing a sample picks its seed).
STEP_COMPUTED = {("watershed_acceptance", "sampled"): ("sample_share", "sample_seed")}


def _kind(kind: RecordKind | str) -> RecordKind:
    return RECORD_KINDS[kind] if isinstance(kind, str) else kind


def step_fills(kind: RecordKind | str, target: str) -> tuple[str, ...]:
    """Fields the step to `target` fills by itself when empty: its dates and times, the name of the
    user taking it, and what the step computes (STEP_COMPUTED). A form does not ask for them."""
    kind = _kind(kind)
    names = tuple(
        f.name
        for f in kind.fields
        if target in f.required_at and (f.type in (DATE, DATETIME) or f.name in PERSON_FIELDS)
    )
    return names + STEP_COMPUTED.get((kind.name, target), ())


def fill_for_step(
    kind: RecordKind | str, values: Mapping[str, Any], target: str, user: str, now: dt.datetime
) -> dict[str, Any]:
    """The values step_fills() gives an empty field: today (local), now (UTC), the user's name."""
    kind = _kind(kind)
    out: dict[str, Any] = {}
    for name in step_fills(kind, target):
        if not _is_empty(values.get(name)):
            continue
        f = kind.field(name)
        if f.type == DATE:
            out[name] = now.astimezone().date().isoformat()
        elif f.type == DATETIME:
            out[name] = now.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        elif name in PERSON_FIELDS:
            out[name] = user
    return out


def next_steps(kind: RecordKind | str, values: Mapping[str, Any]) -> list[Any]:
    """The forward transitions a record filled in step by step (a child record: inspection, hazard,
    acceptance…; an object worked as a case: a remote-sensing spot) takes next, leaving out those the
    model takes by itself. Registers (dams, patches, watersheds) are not drafts: none."""
    kind = _kind(kind)
    wf = kind.workflow
    if wf is None or (kind.parent is None and wf.state_field != "step"):
        return []
    step = values.get(wf.state_field) or wf.initial
    if step not in wf.step_codes():
        return []
    here = wf.step_index(step)
    return [t for t in wf.transitions if t.source == step and wf.step_index(t.target) > here and not t.auto]


# Fields a rule coded in validate() reads besides the field it reports on: (kind, field) -> fields.
# A form re-checks a field when one of these changes; add here what a new coded rule reads.
_DUTY_INPUTS = ("downstream_exposure", "design_silt_elevation", "current_silt_elevation", "silted_storage",
                "silt_storage", "register_status")  # fmt: skip
CODED_RULE_INPUTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("patch", "area"): ("kind",),
    ("patch", "length"): ("kind",),
    ("patch", "caretaker"): ("treatment_status",),
    ("patch", "treatment_status"): ("kind",),
    ("watershed_spot", "caretaker"): ("step",),
    ("dam_inspection", "flag_reason"): ("result", "crack_type", "crack_width", "settlement", "seepage", "collapse_slide",
                                        "step"),
    ("dam", "dedicated_patroller"): _DUTY_INPUTS,
    ("dam", "patrol_phone"): _DUTY_INPUTS,
    ("dam", "hazard_status"): ("register_status",),
    ("dam", "delist_reason"): ("register_status",),
    ("dam_hazard", "recheck_result"): ("step",),
}  # fmt: skip


def field_inputs(kind: RecordKind | str, field: str) -> tuple[str, ...]:
    """The other fields whose values can change what is wrong with `field`: the workflow steps
    (what is required depends on the step), the RequiredWhen conditions, the coded rules' inputs."""
    kind = _kind(kind)
    f = kind.field(field)
    inputs: list[str] = []
    steps = set(f.required_at).union(*(r.steps for r in kind.rules if r.field == field))
    if steps - {"*"}:
        inputs += [wf.state_field for wf in kind.workflows()]
        if kind.delisting and "register_status" in kind.field_names():
            inputs.append("register_status")
    inputs += [r.when_field for r in kind.rules if r.field == field]
    inputs += CODED_RULE_INPUTS.get((kind.name, field), ())
    return tuple(n for n in dict.fromkeys(inputs) if n != field)


def problems_by_field(
    kind: RecordKind | str, values: Mapping[str, Any], t: Thresholds = THRESHOLDS, ctx: Context | None = None
) -> dict[str, list[Problem]]:
    """What a form shows beside each field: the problems at the record's step (with `ctx`, also
    those that look at other records), what the next step still needs (code "next"), leaving out
    what that step fills by itself, and the warnings. A draft with gaps is valid; its gaps are
    marked from the start."""
    kind = _kind(kind)
    out: dict[str, list[Problem]] = {}
    for p in validate(kind, values, t, ctx=ctx):
        if p.field and p.code != "unknown":
            out.setdefault(p.field, []).append(p)
    for step in next_steps(kind, values):
        for p in step_needs(kind, values, step.target, t, ctx):
            if p.field not in out:
                out[p.field] = [Problem(p.field, "next", f"{step.zh}前：{p.zh}", f"before '{step.en}': {p.en}")]
    for p in warnings(kind, values, ctx if ctx is not None else Context(thresholds=t)):
        if p.field and p.field not in out:
            out[p.field] = [p]
    return out


def step_needs(
    kind: RecordKind | str,
    values: Mapping[str, Any],
    target: str,
    t: Thresholds = THRESHOLDS,
    ctx: Context | None = None,
) -> list[Problem]:
    """What a record still lacks for the step to `target`: its required fields and rules there (with
    `ctx`, also those that look at other records), leaving out what the step fills by itself."""
    kind = _kind(kind)
    fills = set(step_fills(kind, target))
    ahead = {**values, kind.workflow.state_field: target}
    further = follow_on(kind, ahead)
    if further is not None:  # the step goes on by itself (a 合规 spot closes at 认定)
        fills |= set(step_fills(kind, further))
        ahead[kind.workflow.state_field] = further
    found = validate(kind, ahead, t, ctx=ctx)
    return [p for p in found if p.code in ("required", "rule") and p.field and p.field not in fills]


def irreversible(kind: RecordKind | str, target: str, state_field: str | None = None) -> bool:
    """True when no one but an administrator can take a record from `target` back to an earlier
    step (销号, signing, a drawn sample, a recorded rectification): the user is asked first."""
    kind = _kind(kind)
    wf = kind.workflow if state_field is None else kind.workflow_for(state_field)
    if wf is None or target not in wf.step_codes():
        return False
    here = wf.step_index(target)
    return not any(
        t.source == target and wf.step_index(t.target) < here and set(t.roles) - {"admin"} for t in wf.transitions
    )


def follow_on(kind: RecordKind | str, values: Mapping[str, Any]) -> str | None:
    """The step a record takes by itself once it reaches its current one: a 合规 or 非生产建设项目
    spot is closed at 认定 (DOMAIN §5). None when it stays."""
    kind = _kind(kind)
    if kind.name == "rs_spot" and values.get("step") == "determined":
        if values.get("determination") in RS_CLOSE_AT_DETERMINATION:
            return "closed"
    return None


def spot_after_recheck(spot: Mapping[str, Any], recheck: Mapping[str, Any]) -> dict[str, Any]:
    """What a submitted re-check writes to its spot: the spot is re-checked (if it was only issued),
    with the re-check's day, its proposed determination and the project it identified where the
    spot knows none. Empty when the spot has gone further."""
    if (spot.get("step") or "issued") != "issued":
        return {}
    out: dict[str, Any] = {"step": "rechecked", "recheck_uuid": recheck.get("uuid")}
    when = recheck.get("rechecked_at")
    if isinstance(when, str) and when:
        out["rechecked_at"] = _local_day(when)
    for name in ("determination", "project_name", "builder", "project_type", "plan_approval_no"):
        if not _is_empty(recheck.get(name)) and (name == "determination" or _is_empty(spot.get(name))):
            out[name] = recheck[name]
    return out


def _local_day(stamp: str) -> str:
    """The local day of a UTC time stamp (a date as it is)."""
    if "T" not in stamp:
        return stamp[:10]
    try:
        return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone().date().isoformat()
    except ValueError:
        return stamp[:10]


def spot_deadline(values: Mapping[str, Any]) -> str | None:
    """The date a remote-sensing spot must be done by: the issuer's deadline, and while it is being
    rectified also the notice's, whichever is earlier. None once it is closed."""
    if values.get("step") == "closed":
        return None
    dates = [values.get("deadline")]
    if values.get("step") == "rectifying":
        dates.append(values.get("notice_deadline"))
    dates = [str(d)[:10] for d in dates if isinstance(d, str) and d]
    return min(dates) if dates else None


def spot_overdue(values: Mapping[str, Any], today: dt.date) -> bool:
    """A spot still open after its deadline (spot_deadline)."""
    deadline = spot_deadline(values)
    return deadline is not None and deadline < today.isoformat()


def step_checks(
    kind: RecordKind | str, values: Mapping[str, Any], target: str, role: str, ctx: Context | None = None
) -> list[Problem]:
    """What refuses (code "rule") or only warns about (code "warning") moving a record to `target`
    beyond its own rules (validate): rules that depend on the role and look at other records, and
    the warnings of the record as it would be. `values` are the record after the step, `ctx` the
    records the rules look at (model.links.NEEDS: a dam's hazards, a patch's measures)."""
    kind = _kind(kind)
    ctx = ctx or Context()
    out: list[Problem] = []
    if kind.name == "dam" and target == "delisted" and "dam_hazard" in ctx.children:
        out += _delisting_with_hazards(values, open_hazards(ctx.children["dam_hazard"]), role)
    if kind.name == "rs_recheck" and target == "submitted":
        out += _recheck_warnings(values, ctx)
    return out + warnings(kind, values, ctx)


def _delisting_with_hazards(values: Mapping[str, Any], hazards: Sequence[Mapping[str, Any]], role: str):
    """登记销号 of a dam with open hazards is refused; an administrator may, writing why in the
    de-listing explanation (the hazards stay in the ledger)."""
    if not hazards:
        return []
    major = len(open_hazards(hazards, "major"))
    zh = f"有 {len(hazards)} 处未销号的隐患" + (f"（其中重大隐患 {major} 处）" if major else "")
    en = f"{len(hazards)} hazard(s) still open" + (f" ({major} major)" if major else "")
    if role != "admin":
        return [Problem(None, "rule", zh + "，不能登记销号（请先整改销号，或由管理员处理）",
                        en + ": close them first, or ask an administrator")]  # fmt: skip
    out = [Problem(None, "warning", zh + "，将随之保留在台账中", en + "; they stay in the ledger")]
    if _is_empty(values.get("delist_reason")):
        out.append(Problem("delist_reason", "rule", "销号仍有未销号隐患的淤地坝，须写明销号说明",
                           "de-listing a dam with open hazards needs a written explanation"))  # fmt: skip
    return out


def _recheck_warnings(values: Mapping[str, Any], ctx: Context) -> list[Problem]:
    """A re-check is proved by where it was made and by its photos: far from the spot, or without a
    photo (when the photos are known), it is submitted with a warning."""
    out = []
    distance, limit = values.get("distance_to_object"), ctx.thresholds["visit_max_distance"]
    if isinstance(distance, (int, float)) and distance > limit:
        out.append(
            Problem(
                "distance_to_object",
                "warning",
                f"复核位置距图斑 {distance:.0f} m，超过到位核验距离 {limit:g} m",
                f"re-checked {distance:.0f} m from the spot, beyond the {limit:g} m proof-of-visit distance",
            )
        )
    if "photo" in ctx.children and not ctx.children["photo"]:
        out.append(Problem(None, "warning", "没有现场照片", "no photo of the site"))
    return out


def measure_groups_missing(measures: Iterable[Mapping[str, Any]]) -> list[str]:
    """The positions of 上截-中削-下堵-内外绿化 that none of a 崩岗's measures covers."""
    covered = {MEASURE_POSITIONS.get(m.get("measure_type")) for m in measures}
    return [c for c in MEASURE_POSITION.codes() if c not in covered]


_TREATED = ("completed", "accepted")


def warnings(kind: RecordKind | str, values: Mapping[str, Any], ctx: Context | None = None) -> list[Problem]:
    """What a person should know but may go on with (code "warning"): never refused by the server."""
    kind = _kind(kind)
    ctx = ctx or Context()
    t = ctx.thresholds
    out: list[Problem] = []
    area = values.get("area")
    if kind.name == "watershed" and isinstance(area, (int, float)) and area > t["watershed_max_area"]:
        out.append(Problem("area", "warning", f"面积 {area:g} km² 超过小流域一般上限 {t['watershed_max_area']:g} km²",
                           f"{area:g} km² is more than a small watershed's usual {t['watershed_max_area']:g} km²"))  # fmt: skip
    treated = (kind.name == "patch" and values.get("treatment_status") in _TREATED) or (
        kind.name == "watershed_spot" and values.get("step") == "completed"
    )
    if kind.name == "patch" and treated and values.get("kind") == "benggang" and "patch_measure" in ctx.children:
        missing = measure_groups_missing(ctx.children["patch_measure"])
        if missing:
            zh, en = (
                "、".join(MEASURE_POSITION.label(c) for c in missing),
                ", ".join(MEASURE_POSITION.label(c, "en") for c in missing),
            )
            out.append(Problem("treatment_status", "warning", f"“上截-中削-下堵-内外绿化”中没有措施的部位：{zh}",
                               f"no measure at these positions of the treatment: {en}"))  # fmt: skip
    if treated and _is_empty(values.get("caretaker")):
        out.append(Problem("caretaker", "warning", "治理完成后应明确管护员", "a treated area should have a caretaker"))
    storage = values.get("total_storage")
    if kind.name == "dam" and _number(storage) and storage > t["dam_max_storage"]:
        top = t["dam_max_storage"]
        out.append(Problem("total_storage", "warning",
                           f"总库容{storage:g}万m³超过{top:g}万m³，已超出淤地坝范围（SL 289-2003），请核实是否应按水库管理",
                           f"a total storage of {storage:g}×10⁴ m³ exceeds {top:g}×10⁴ m³: not a check dam (SL 289-2003)"))  # fmt: skip
    return out


def creation_problems(child: RecordKind | str, parent_values: Mapping[str, Any]) -> list[Problem]:
    """A new record under an object that left the register (销号) is refused, and under a record at its
    final step (a signed acceptance's spot checks) [I]: what was signed stays as it was signed."""
    return delisted_parent(child, parent_values) + frozen_under(child, parent_values, "新建", "no new")


def delisted_parent(child: RecordKind | str, parent_values: Mapping[str, Any]) -> list[Problem]:
    """No new record under an object that left the register (销号), or whose case is closed (办结)."""
    child = _kind(child)
    parent = RECORD_KINDS.get(child.parent or "")
    if parent is not None and parent.delisting and parent_values.get("register_status") == "delisted":
        return [Problem(None, "rule", f"{parent.zh}已登记销号，不能再新建{child.zh}",
                        f"the {parent.en.lower()} is de-listed: no new {child.en.lower()}")]  # fmt: skip
    wf = parent.workflow if parent is not None and parent.parent is None else None
    if wf is not None and wf.state_field == "step" and parent_values.get("step") in wf.final:  # a closed case
        return [Problem(None, "rule", f"{parent.zh}已办结，不能再新建{child.zh}",
                        f"the {parent.en.lower()} is closed: no new {child.en.lower()}")]  # fmt: skip
    return []


def frozen_under(child: RecordKind | str, parent_values: Mapping[str, Any], zh: str = "修改", en: str = "no change to"):
    """A record's children are not created or changed once the record is at its final step (a signed
    acceptance's spot checks) [I]; objects (a dam, a patch) are registers: their children go on."""
    child = _kind(child)
    parent = RECORD_KINDS.get(child.parent or "")
    wf = parent.workflow if parent is not None and parent.parent is not None else None
    if wf is None or parent_values.get(wf.state_field) not in wf.final:
        return []
    step = next(st for st in wf.steps if st.code == parent_values[wf.state_field])
    return [Problem(None, "rule", f"{parent.zh}{step.zh}，不能再{zh}{child.zh}",
                    f"the {parent.en.lower()} is {step.en.lower()}: {en} {child.en.lower()}")]  # fmt: skip


DELETE_ANY_DRAFT_ROLES = ("technician", "admin")


def _step_label(wf, code: str, lang: str) -> str:
    step = next((st for st in wf.steps if st.code == code), None)
    return code if step is None else (step.zh if lang == "zh" else step.en)


def first_step(kind: RecordKind | str, lang: str = "zh") -> tuple[bool, str | None]:
    """(whether the kind's first step is a draft, that step's label): how the plugin names a record
    that may still be deleted. (False, None) for a kind without a workflow."""
    kind = RECORD_KINDS[kind] if isinstance(kind, str) else kind
    wf = kind.workflow
    if wf is None:
        return False, None
    return wf.initial == "draft", _step_label(wf, wf.initial, lang)


def check_delete(kind: RecordKind | str, values: Mapping[str, Any], role: str, username: str) -> Problem | None:
    """None when `username` (in `role`) may delete this record: only a draft (every workflow of the
    record at its first step), by its author or a technician; a registered object (a top-level kind)
    only by a technician, who otherwise de-lists it; an admin anything. A record never synced has
    no author yet: it was made on this laptop."""
    kind = RECORD_KINDS[kind] if isinstance(kind, str) else kind
    if role == "admin":
        return None
    problem = check_writer(kind, role)
    if problem is not None:
        return problem
    if kind.parent is None and kind.name != "photo" and role not in DELETE_ANY_DRAFT_ROLES:
        return Problem(None, "role", "只有技术员或管理员可以删除登记对象（请使用销号）",
                       "only a technician or an admin may delete a registered object (de-list it instead)")  # fmt: skip
    for wf in kind.workflows():
        step = values.get(wf.state_field) or wf.initial
        if step != wf.initial:
            return Problem(
                wf.state_field, "delete_step",
                f"“{_step_label(wf, step, 'zh')}”的记录不能删除，只能删除“{_step_label(wf, wf.initial, 'zh')}”的记录",
                f"a record at step '{_step_label(wf, step, 'en')}' cannot be deleted, only one at "
                f"'{_step_label(wf, wf.initial, 'en')}'",
            )  # fmt: skip
    author = values.get("created_by")
    if role not in DELETE_ANY_DRAFT_ROLES and author not in (None, "", username):
        draft, zh = first_step(kind, "zh")
        _draft, en = first_step(kind, "en")
        zh = "草稿" if draft or zh is None else f"“{zh}”的记录"
        en = "draft" if draft or en is None else f"record at '{en}'"
        return Problem(None, "role", f"只有创建人或技术员可以删除{zh}（此记录由 {author} 填写）",
                       f"only its author or a technician may delete a {en} (this one is {author}'s)")  # fmt: skip
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
        problems.append(p or _no_transition(wf, src, dst))
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


def in_flood_season(day: dt.date, t: Thresholds = THRESHOLDS, main: bool = False) -> bool:
    """Is ``day`` in the (main) flood season of the region whose thresholds ``t`` are?"""
    md = _mmdd(day)
    if main:
        return t["main_flood_start"] <= md <= t["main_flood_end"]
    return t["flood_season_start"] <= md <= t["flood_season_end"]


def patrol_interval_hours(
    day: dt.date, t: Thresholds = THRESHOLDS, daily_rain_mm: float | None = None, patrol_class: str | None = None
) -> float:
    """Patrol interval by season and rain [S]: twice weekly, daily, twice daily, 2 h after storms.

    Those are a 一坝一人 dam's (the default, also for a dam whose class is unknown); an ordinary dam
    (patrol_class "ordinary") patrols at its own, longer intervals [I], after a storm as soon."""
    if daily_rain_mm is not None and daily_rain_mm >= t["rain_storm"]:
        return t["storm_response"]
    suffix = "_ordinary" if patrol_class == "ordinary" else ""
    if in_flood_season(day, t, main=True) or (daily_rain_mm is not None and daily_rain_mm >= t["rain_heavy"]):
        return t["patrol_interval_main_flood" + suffix]
    if in_flood_season(day, t):
        return t["patrol_interval_flood" + suffix]
    return t["patrol_interval_off_season" + suffix]


def next_inspection_due(
    last: dt.datetime | None, now: dt.datetime, t: Thresholds = THRESHOLDS, patrol_class: str | None = None
) -> dt.datetime:
    """When a dam's next patrol is due; a dam never inspected is due now."""
    if last is None:
        return now
    return last + dt.timedelta(hours=patrol_interval_hours(last.date(), t, patrol_class=patrol_class))
