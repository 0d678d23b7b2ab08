"""When two values of a field are the same value, whatever form they come in: the one comparison
of the plugin's sync client, the server's three-way merge and the register import.

A store holds booleans as 0/1, multi-enums as JSON text and datetimes as GDAL writes them
(milliseconds, ``Z``); the wire and a register file carry true/false, lists, ``+00:00`` offsets; a
real may arrive as an int, an integer as a float. Comparing through :func:`canon` keeps an
unchanged value from ever counting as a change (a false conflict, a re-imported register, an edit
back and forth), and both sides of a sync agree on what changed. Geometry is not compared here:
each side compares its own geometry encoding (by normalised WKB).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from .schema import BOOL, DATE, DATETIME, INT, MULTI_ENUM, REAL, Field, RecordKind

_TRUE = ("true", "t", "1", "yes")
_FALSE = ("false", "f", "0", "no")


def _bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    return ("other", value)  # not a boolean: equal only to the same wrong value


def _number(value: Any, ftype: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ("other", value)  # a string or a bool in a number field compares as itself
    if not math.isfinite(value):
        return ("nonfinite", repr(float(value)))  # NaN equals NaN here, so it never loops as a change
    if ftype == INT and float(value).is_integer():
        return int(value)  # exact, also beyond 2**53
    return round(float(value), 9)  # 5 == 5.0; 0.1 + 0.2 == 0.3


def codes(value: Any) -> list[str]:
    """The codes of a multi-enum value (JSON text or a list)."""
    if value in (None, ""):
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    try:
        loaded = json.loads(value)
    except (TypeError, ValueError):
        return [str(value)]
    return loaded if isinstance(loaded, list) else [str(loaded)]


def choice_labels(f: Field, value: Any, lang: str = "zh") -> str:
    """A multi-enum value as a person reads it: its labels in the model's order, joined by 、."""
    chosen = set(codes(value))
    known = [c.code for c in f.enum.choices] if f.enum is not None else []
    ordered = [c for c in known if c in chosen] + [c for c in codes(value) if c not in known]
    return ("、" if lang == "zh" else ", ").join(f.enum.label(str(c), lang) for c in ordered)


def _codes(value: Any) -> Any:
    try:
        codes = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return ("other", value)
    if not isinstance(codes, (list, tuple)):
        return ("other", value)
    try:
        return tuple(sorted(codes))
    except TypeError:
        return ("other", tuple(map(repr, codes)))


def _instant(value: Any) -> Any:
    """A UTC instant to the millisecond (a store keeps milliseconds); a naive time counts as UTC."""
    if isinstance(value, dt.datetime):
        d = value
    else:
        try:
            d = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return ("other", value)
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.timezone.utc)
    d = d.astimezone(dt.timezone.utc)
    return d.replace(microsecond=d.microsecond // 1000 * 1000)


def _day(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    text = str(value).strip()
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return ("other", value)
    return day.isoformat() if len(text) == 10 or text[10] in "T " else ("other", value)


_BY_TYPE = {
    BOOL: _bool,
    INT: lambda v: _number(v, INT),
    REAL: lambda v: _number(v, REAL),
    MULTI_ENUM: _codes,
    DATETIME: _instant,
    DATE: _day,
}


def canon(kind: RecordKind, name: str, value: Any) -> Any:
    """A comparable form of a field value (never stored). Empty text is no value; text, codes and
    references compare exactly; a field the kind does not have compares as it is."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    try:
        ftype = kind.field(name).type
    except KeyError:
        return value
    convert = _BY_TYPE.get(ftype)
    return convert(value) if convert is not None else value


def same(kind: RecordKind, name: str, a: Any, b: Any) -> bool:
    return canon(kind, name, a) == canon(kind, name, b)
