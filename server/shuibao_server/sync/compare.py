"""When are two values of a field the same? Used for the three-way merge, never stored.

Equal values never make a conflict: `1` and `true` for a boolean, `5` and `5.0` for a real,
a multi-choice value in any order, a geometry by the hash of its normalised WKB.
"""

from __future__ import annotations

import binascii
import json
from typing import Any

from shuibao.model.schema import BOOL, MULTI_ENUM, REAL, RecordKind

from .. import geometry as g


def same(kind: RecordKind, name: str, a: Any, b: Any) -> bool:
    if name == "geom":
        return geom_key(a) == geom_key(b)
    return norm(kind, name, a) == norm(kind, name, b)


def norm(kind: RecordKind, name: str, value: Any) -> Any:
    """A canonical form for comparing two values of a field."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    try:
        ftype = kind.field(name).type
    except KeyError:
        return value
    if ftype == BOOL and value in (0, 1):
        return bool(value)
    if ftype == REAL and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if ftype == MULTI_ENUM:
        return _codes(value)
    return value


def _codes(value: Any) -> Any:
    """A multi-choice value (a JSON list or its text) as a sorted tuple; anything else as it is."""
    try:
        codes = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return value
    if not isinstance(codes, list):
        return value
    try:
        return tuple(sorted(codes))
    except TypeError:
        return value


def geom_key(value: Any) -> Any:
    """Geometry compared by the hash of its normalised WKB (an unparsable value compares as itself)."""
    if value is None or value == "":
        return None
    try:
        return g.geom_hash(binascii.unhexlify(value))
    except Exception:  # malformed client 'old' values compare unequal to everything valid
        return ("raw", str(value))
