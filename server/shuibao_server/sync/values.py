"""Checks on a change's field values before anything is written.

Every value a client sends passes here first: unknown and malformed fields are refused,
server-owned and derived fields are dropped, and a value the database or a later pull could
not hold is rejected with a reason. Value sanity rules (surrogates, NUL, number ranges, depth
and size limits) belong in `check_value()`.
"""

from __future__ import annotations

import math
from typing import Any

from shuibao.model.schema import RecordKind

from ..problems import error
from .outcomes import Rejected, reject

# Fields the server fills itself; a client's values for them are ignored.
SERVER_OWNED = frozenset({"server_rev", "created_at", "created_by", "updated_at", "updated_by", "uuid"})


def has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    return False


def check_value(name: str, old: Any, new: Any) -> dict | None:
    """The reason a sent value cannot be stored, or None."""
    if has_nul(new) or has_nul(old):
        return error(name, "type", f"{name}：含有非法字符", f"{name}: contains a NUL character")
    if isinstance(new, float) and not math.isfinite(new):
        return error(name, "type", f"{name}：数值无效", f"{name}: not a finite number")
    return None


def clean_fields(kind: RecordKind, fields: Any) -> dict[str, tuple[Any, Any]]:
    """{field: (old, new)} of the fields a client may write; Rejected lists every bad one."""
    if not isinstance(fields, dict):
        raise reject("fields", "type", "fields 应为对象", "fields must be an object")
    known = set(kind.field_names()) | {"geom"}
    out: dict[str, tuple[Any, Any]] = {}
    errors = []
    for name, fv in fields.items():
        if name in SERVER_OWNED or (name in known and name != "geom" and kind.field(name).derived):
            continue  # filled by the server
        problem = _field_problem(name, fv, known)
        if problem is not None:
            errors.append(problem)
        else:
            out[name] = (fv.get("old"), fv.get("new"))
    if errors:
        raise Rejected(errors)
    return out


def _field_problem(name: str, fv: Any, known: set[str]) -> dict | None:
    if name not in known:
        return error(name, "unknown", f"未知字段：{name}", f"unknown field: {name}")
    if not isinstance(fv, dict) or "new" not in fv:
        return error(name, "type", f"{name}：应为 {{old, new}}", f"{name}: expected {{old, new}}")
    return check_value(name, fv.get("old"), fv.get("new"))
