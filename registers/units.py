"""Units written in headers and cells, and conversion to the unit of the model field.

A register may give a storage in m³ or 万m³ (万方), an area in m², hm² (公顷) or 亩: the value is
converted to the field's unit (``Field.unit``) by the factor of each to a base unit.
"""

from __future__ import annotations

import re
import unicodedata

# unit (normalised: NFKC, lower case, no spaces) -> (dimension, factor to the base unit)
_UNITS: dict[str, tuple[str, float]] = {}


def _add(dimension: str, factor: float, *names: str) -> None:
    for n in names:
        _UNITS[n] = (dimension, factor)


_add("length", 1.0, "m", "米")
_add("length", 1000.0, "km", "公里", "千米")
_add("length", 0.01, "cm", "厘米")
_add("length", 0.001, "mm", "毫米")
_add("area", 1.0, "m2", "平方米", "平米")
_add("area", 1e4, "hm2", "ha", "公顷", "万m2", "万平方米")
_add("area", 1e4 / 15, "亩")
_add("area", 1e6, "km2", "平方公里", "平方千米")
_add("volume", 1.0, "m3", "立方米", "方")
_add("volume", 1e4, "万m3", "万立方米", "万方")
_add("volume", 1e8, "亿m3", "亿立方米", "亿方")
_add("ratio", 1.0, "%", "百分比")
_add("flow", 1.0, "l/s", "升/秒")
_add("modulus", 1.0, "t/(km2·a)", "t/(km2.a)", "t/km2.a", "t/(km2a)", "t/km2a")

UNIT_PATTERN = re.compile("|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True)))


def normalise(unit: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", unit)).lower().replace("^", "")


def split_unit(text: str) -> str | None:
    """The unit of ``text`` when all of it is one, normalised; else None."""
    u = normalise(text)
    return u if u in _UNITS else None


def known(unit: str | None) -> bool:
    return unit is not None and normalise(unit) in _UNITS


def dimension(unit: str | None) -> str | None:
    return _UNITS[normalise(unit)][0] if known(unit) else None


def factor(source: str, target: str) -> float:
    """Multiply a value in ``source`` by this to get it in ``target``; ValueError across dimensions."""
    s, t = _UNITS.get(normalise(source)), _UNITS.get(normalise(target))
    if s is None or t is None or s[0] != t[0]:
        raise ValueError(f"cannot convert {source} to {target}")
    return s[1] / t[1]


def alternatives(target: str | None) -> list[str]:
    """Units a source column may use for a field in ``target`` (as people write them), target first."""
    dim = dimension(target)
    if dim is None:
        return []
    shown = {"length": ["m", "km", "cm", "mm"], "area": ["m²", "hm²", "亩", "km²"],
             "volume": ["m³", "万m³"], "ratio": ["%"], "flow": ["L/s"], "modulus": ["t/(km²·a)"]}[dim]  # fmt: skip
    first = [u for u in shown if normalise(u) == normalise(target)] or [target]
    return first + [u for u in shown if normalise(u) != normalise(target)]
