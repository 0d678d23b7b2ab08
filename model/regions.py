"""Thresholds follow the region: built-in sets per province, server settings per division, one resolver.

The model's defaults (definition.THRESHOLDS) are northern and red-soil values. Flood seasons and the
tolerable soil loss differ by region (shared/DOMAIN.md): Jiangxi's season starts on 1 April and
April–June is its main flood season; the Loess Plateau tolerates 1000 t/(km²·a), not 500. So the
thresholds in force for a county are resolved from the most general to the most specific scope:
model default → province → prefecture → county, where at each scope a value set on the server
beats the built-in one. Every value carries its basis (依据) and mark (V/S/I) to the UI.

A scope is a 6-digit GB/T 2260 code: ``360000`` a province, ``360700`` a prefecture (市), ``360704``
a county. Plain Python: the server resolves with it, the plugin reads the resolved set it was sent.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .definition import THRESHOLDS
from .schema import Origin, Threshold, Thresholds

MARKS = {"V": ("已核实", "verified"), "S": ("非官方来源", "unofficial source"), "I": ("推断", "inference")}
SCOPE_RE = re.compile(r"^[1-9][0-9]{5}$")


@dataclass(frozen=True)
class Setting:
    """One value of a set: a threshold name, its value, the basis (依据) and the mark (V/S/I)."""

    name: str
    value: float
    basis: str
    mark: str


@dataclass(frozen=True)
class RegionSet:
    """The built-in values of one division (only those that differ from the model's defaults)."""

    scope: str
    zh: str
    en: str
    settings: tuple[Setting, ...]


def _season(
    start: int, end: int, main_start: int, main_end: int, basis: str, mark: str, main_basis: str, main_mark: str
) -> tuple[Setting, ...]:
    return (
        Setting("flood_season_start", start, basis, mark),
        Setting("flood_season_end", end, basis, mark),
        Setting("main_flood_start", main_start, main_basis, main_mark),
        Setting("main_flood_end", main_end, main_basis, main_mark),
    )


_NORTH = "北方（黄土高原、河南）汛期6月1日—9月30日"
_NORTH_MAIN = "推断：北方“七下八上”主汛期，未核实"
_JX = "江西：汛期4月1日—9月30日，“每年的4月1日至6月30日是主汛期”（文汇报 2013；江西日报 2020）"

BUILTIN: tuple[RegionSet, ...] = (
    RegionSet(
        "360000",
        "江西省",
        "Jiangxi",
        (
            *_season(401, 930, 401, 630, _JX, "V", _JX, "V"),
            Setting("tolerable_loss", 500, "SL 190-2007：南方红壤丘陵区 500 t/(km²·a)", "S"),
        ),
    ),
    RegionSet(
        "140000",
        "山西省",
        "Shanxi",
        (
            *_season(601, 930, 715, 815, _NORTH, "V", _NORTH_MAIN, "I"),
            Setting(
                "tolerable_loss",
                1000,
                "SL 190-2007：西北黄土高原区 1000 t/(km²·a)（忻州西部黄土丘陵区；东部土石山区县可设为200）",
                "S",
            ),
        ),
    ),
    RegionSet(
        "410000",
        "河南省",
        "Henan",
        (
            *_season(601, 930, 715, 815, _NORTH, "V", _NORTH_MAIN, "I"),
            Setting(
                "tolerable_loss",
                200,
                "推断：SL 190-2007 北方土石山区 200 t/(km²·a)，南阳属豫西南山地丘陵，未核实；豫西黄土区县应设为1000",
                "I",
            ),
        ),
    ),
    RegionSet(
        "510000",
        "四川省",
        "Sichuan",
        (
            *_season(
                501, 930, 701, 831, "推断：四川汛期5月1日—9月30日，未核实", "I", "推断：四川主汛期7—8月，未核实", "I"
            ),
            Setting("tolerable_loss", 500, "SL 190-2007：西南土石山区 500 t/(km²·a)", "S"),
        ),
    ),
)
BUILTIN_BY_SCOPE = {r.scope: r for r in BUILTIN}
# Names of the seed places below province level, for labels (the server may name any other scope).
PLACE_NAMES = {"360700": "赣州市", "360704": "赣县区", "411300": "南阳市", "511800": "雅安市", "140900": "忻州市"}


def scopes_of(county: str) -> list[str]:
    """The province, prefecture and county codes a county's thresholds come from, general first."""
    if not SCOPE_RE.match(county or ""):
        return []
    return list(dict.fromkeys((county[:2] + "0000", county[:4] + "00", county)))


def scope_level(scope: str) -> str:
    """province, prefecture or county (of a valid scope code)."""
    if scope.endswith("0000"):
        return "province"
    return "prefecture" if scope.endswith("00") else "county"


def scope_prefix(scope: str) -> str:
    """The start every county code inside a scope shares (the whole code for a county)."""
    return {"province": scope[:2], "prefecture": scope[:4], "county": scope}[scope_level(scope)]


def place_name(scope: str) -> str | None:
    """The Chinese name of a built-in region or a seed place, None for another code."""
    if scope in BUILTIN_BY_SCOPE:
        return BUILTIN_BY_SCOPE[scope].zh
    return PLACE_NAMES.get(scope)


def county_names(codes: str | None, lang: str = "zh") -> str:
    """A list of county codes (as a watershed's 涉及县 holds them, "360704,360721") by name where
    the name is known, else by code; joined by 、."""
    parts = [p for p in re.split(r"[,，、;；\s]+", codes or "") if p]
    names = [(place_name(p) or p) if lang == "zh" else p for p in parts]
    return ("、" if lang == "zh" else ", ").join(names)


def scope_label(scope: str, names: Mapping[str, str] | None = None) -> str:
    """A scope's Chinese name: the given one, the built-in set's, or the code with its level."""
    if names and names.get(scope):
        return names[scope]
    if place_name(scope):
        return place_name(scope)
    level = {"province": "省级", "prefecture": "市级", "county": "县级"}[scope_level(scope)]
    return f"{level}区划 {scope}"


@dataclass(frozen=True)
class StoredSetting:
    """A value set on the server for a scope (a row of its thresholds table)."""

    scope: str
    name: str
    value: float
    basis: str
    mark: str
    scope_name: str | None = None
    by: str | None = None
    at: str | None = None


def resolve(county: str, stored: Iterable[StoredSetting] = (), base: Thresholds = THRESHOLDS) -> Thresholds:
    """The thresholds in force in ``county``: model defaults, then each scope's built-in values and
    server settings, from the province down. Stored settings of unknown names are skipped (an
    older model)."""
    by_scope: dict[str, list[StoredSetting]] = {}
    for s in stored:
        by_scope.setdefault(s.scope, []).append(s)
    t = Thresholds(base.defaults, dict(base.overrides), dict(base.origins), county)
    for scope in scopes_of(county):
        builtin = BUILTIN_BY_SCOPE.get(scope)
        for b in builtin.settings if builtin else ():
            t = _set(t, b.name, b.value, Origin(scope, builtin.zh, b.basis, b.mark))
        for s in by_scope.get(scope, ()):
            if s.name in t.defaults:
                label = scope_label(scope, {scope: s.scope_name or ""})
                t = _set(t, s.name, s.value, Origin(scope, label, s.basis, s.mark, s.by, s.at))
    t.county = county
    return t


def _set(t: Thresholds, name: str, value: float, origin: Origin) -> Thresholds:
    return t.with_overrides(origin, **{name: value})


# --------------------------------------------------------------------------------------------
# Checking a value before it is stored
# --------------------------------------------------------------------------------------------
def _mmdd_ok(value: float) -> bool:
    if value != int(value):
        return False
    try:
        dt.date(2000, int(value) // 100, int(value) % 100)  # 2000: 29 February is a valid day
    except ValueError:
        return False
    return True


def check_setting(scope: str, name: str, value: Any, basis: Any, mark: Any) -> list[tuple[str, str, str]]:
    """What is wrong with a setting, as (field, zh, en); empty when it may be stored."""
    out = []
    if not isinstance(scope, str) or not SCOPE_RE.match(scope):
        out.append(
            (
                "scope",
                "区划代码应为6位数字（省如360000、市如360700、县如360704）",
                "the scope is a 6-digit division code (province 360000, prefecture 360700, county 360704)",
            )
        )
    known = THRESHOLDS.defaults.get(name)
    if known is None:
        out.append(("name", f"未知阈值：{name}", f"unknown threshold: {name}"))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        out.append(("value", "阈值应为数值", "the value must be a finite number"))
    elif known is not None:
        out += _range_problems(known, value)
    if not isinstance(basis, str) or not basis.strip():
        out.append(("basis", "请填写依据（文件、标准或“推断”）", "give the basis (document, standard or 'inference')"))
    elif len(basis) > 500:
        out.append(("basis", "依据最多500个字符", "the basis has at most 500 characters"))
    if mark not in MARKS:
        out.append(("mark", "核实标记应为 V（已核实）、S（非官方来源）或 I（推断）", "the mark is V, S or I"))
    return out


# Values without a unit: shares and flags between 0 and 1, and the water class (GB 3838-2002: I–劣V).
_UNITLESS = {
    "acceptance_sample_share": (0, 1),
    "benggang_cluster_counts_members": (0, 1),
    "clean_max_outlet_class": (1, 6),
}


def _range_problems(t: Threshold, value: float) -> list[tuple[str, str, str]]:
    if t.unit == "MMDD":
        return (
            []
            if _mmdd_ok(value)
            else [("value", f"{t.zh}应为月日，如 401 表示4月1日", f"{t.en}: a month-day such as 401")]
        )
    if t.unit == "%" and not 0 <= value <= 100:
        return [("value", f"{t.zh}应在0到100之间", f"{t.en} is between 0 and 100")]
    low, high = _UNITLESS.get(t.name, (0, float("inf")))
    if t.unit is None and not low <= value <= high:
        return [("value", f"{t.zh}应在{low:g}到{high:g}之间", f"{t.en} is between {low:g} and {high:g}")]
    if t.unit == "h" and value <= 0:
        return [("value", f"{t.zh}应大于0", f"{t.en} is more than 0")]
    if value < 0:
        return [("value", f"{t.zh}不能小于0", f"{t.en} cannot be negative")]
    return []


def check_set(t: Thresholds) -> list[tuple[str, str, str]]:
    """Whether a resolved set hangs together: seasons run forwards, the main flood season lies in the
    flood season, scale bounds rise."""
    out = []
    if not t["flood_season_start"] <= t["flood_season_end"]:
        out.append(("flood_season_end", "汛期结束不能早于汛期开始", "the flood season ends before it starts"))
    if not t["flood_season_start"] <= t["main_flood_start"] <= t["main_flood_end"] <= t["flood_season_end"]:
        out.append(
            (
                "main_flood_start",
                "主汛期应在汛期之内且开始不晚于结束",
                "the main flood season lies within the flood season and runs forwards",
            )
        )
    if not t["dam_small_min_storage"] <= t["dam_medium_min_storage"] <= t["dam_backbone_min_storage"]:
        out.append(("dam_medium_min_storage", "坝型库容下限应依次增大", "the dam scale bounds must rise"))
    if not t["dam_backbone_min_storage"] < t["dam_max_storage"]:
        out.append(
            ("dam_max_storage", "淤地坝最大库容应大于骨干坝下限", "the maximum storage exceeds the backbone bound")
        )
    if not t["benggang_medium_min_area"] <= t["benggang_large_min_area"]:
        out.append(("benggang_large_min_area", "崩岗规模面积下限应依次增大", "the 崩岗 size bounds must rise"))
    return out


# --------------------------------------------------------------------------------------------
# The resolved set on the wire and in the store
# --------------------------------------------------------------------------------------------
def to_payload(t: Thresholds) -> dict[str, Any]:
    """The thresholds in force, as the server sends them: every value with its origin."""
    rows = []
    for name, d in t.defaults.items():
        o = t.origin(name)
        rows.append(
            {
                "name": name,
                "value": t[name],
                "unit": d.unit,
                "zh": d.zh,
                "en": d.en,
                "scope": o.scope or None,
                "scope_name": o.scope_zh,
                "basis": o.basis,
                "mark": o.mark,
                "set_by": o.by,
                "set_at": o.at,
            }
        )
    return {"county_code": t.county, "thresholds": rows}


def from_payload(payload: Mapping[str, Any], base: Thresholds = THRESHOLDS) -> Thresholds:
    """A delivered set back into Thresholds. Names this model does not know are skipped (a newer
    server); names the payload lacks keep the model default (an older server); bad rows are skipped."""
    t = Thresholds(base.defaults, dict(base.overrides), dict(base.origins), payload.get("county_code"))
    for row in payload.get("thresholds") or ():
        if not isinstance(row, Mapping) or row.get("name") not in t.defaults:
            continue
        value = row.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            continue
        mark = row.get("mark") if row.get("mark") in MARKS else "I"
        origin = Origin(
            str(row.get("scope") or ""),
            str(row.get("scope_name") or "模型默认"),
            str(row.get("basis") or ""),
            mark,
            row.get("set_by"),
            row.get("set_at"),
        )
        t = _set(t, row["name"], float(value), origin)
    return t
