"""When two values of a field are the same value, whatever form they come in.

A store holds booleans as 0/1 and multi-enums as JSON text, the wire and a register file as
true/false and lists; a real may arrive as an int. Comparing through :func:`canon` keeps an
unchanged value from ever counting as a change (a re-imported register, an edit back and forth).
Geometry is not compared here: each side compares its own geometry encoding.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from .schema import BOOL, DATE, DATETIME, INT, MULTI_ENUM, REAL, RecordKind


def _instant(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        d = value
    else:
        try:
            d = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return value
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.timezone.utc)
    return d.astimezone(dt.timezone.utc)


def canon(kind: RecordKind, name: str, value: Any) -> Any:
    """A comparable form of a field value (never stored)."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    try:
        ftype = kind.field(name).type
    except KeyError:
        return value
    if ftype == BOOL and value in (0, 1):
        return bool(value)
    if ftype in (REAL, INT) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return round(float(value), 9) if math.isfinite(value) else value
    if ftype == MULTI_ENUM:
        try:
            codes = json.loads(value) if isinstance(value, str) else value
            return tuple(sorted(codes)) if isinstance(codes, list) else value
        except (ValueError, TypeError):
            return value
    if ftype == DATETIME:
        return _instant(value)
    if ftype == DATE and isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return value.strip() if isinstance(value, str) else value


def same(kind: RecordKind, name: str, a: Any, b: Any) -> bool:
    return canon(kind, name, a) == canon(kind, name, b)
