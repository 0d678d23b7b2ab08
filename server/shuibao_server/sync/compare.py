"""When are two values of a field the same? Used for the three-way merge, never stored.

Equal values never make a conflict. Field values compare through the domain model's one
comparison (`shuibao.model.values`, which the plugin's sync client uses too): `1` and `true` for a
boolean, `5` and `5.0` for a real, a multi-choice value in any order, one instant in any offset.
A geometry compares by the hash of its normalised WKB.
"""

from __future__ import annotations

import binascii
from typing import Any

from shuibao.model import values
from shuibao.model.schema import RecordKind

from .. import geometry as g


def same(kind: RecordKind, name: str, a: Any, b: Any) -> bool:
    if name == "geom":
        return geom_key(a) == geom_key(b)
    return values.same(kind, name, a, b)


def geom_key(value: Any) -> Any:
    """Geometry compared by the hash of its normalised WKB (an unparsable value compares as itself)."""
    if value is None or value == "":
        return None
    try:
        return g.geom_hash(binascii.unhexlify(value))
    except Exception:  # malformed client 'old' values compare unequal to everything valid
        return ("raw", str(value))
