"""Checks on a change's field values before anything is written.

Every value a client sends passes here first: unknown and malformed fields are refused,
server-owned and derived fields are dropped, and a value the database, the JSON of a later
pull or the model's own checks could not hold is rejected with a reason. Whatever passes is
valid UTF-8 text without NUL, numbers that fit a bigint or a finite double, and JSON of
bounded depth and size, so one push can never break a county's pull. The model's rules
(types, ranges, lengths, steps) come after, in `checks.py`.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from shuibao.model import rules
from shuibao.model.schema import DATE, DATETIME, ENUM, INT, MULTI_ENUM, REF, RecordKind

from ..problems import BAD_TEXT, error, quote
from .ids import SHA_RE
from .outcomes import Rejected, reject

# Fields the server fills itself; a client's values for them are ignored.
SERVER_OWNED = frozenset({"server_rev", "created_at", "created_by", "updated_at", "updated_by", "uuid"})
# Per kind, fields the server fills from what it holds (a photo's size and type from its blob).
SERVER_FILLED = {"photo": frozenset({"size_bytes", "mime_type"})}

INT64 = 2**63  # a bigint holds -2^63 .. 2^63 - 1
SAFE_INT = 2**53  # the largest integer every JSON client reads exactly
MAX_DEPTH = 8  # nesting of one value: a multi-choice list is 1 deep
MAX_NODES = 2_000  # list items and object members of one value
MAX_CHARS = 100_000  # characters of one value (a geometry has its own limit)
MAX_CODE_CHARS = 64  # an enumeration code, a date, a time, a uuid
MAX_CODES_CHARS = 4_000  # a multi-choice value given as JSON text
MAX_FIELDS = 200  # fields of one change (the largest kind has fewer than 80)
MAX_ERRORS = 20  # reasons listed for one change
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class BadValue(Exception):
    """A value that cannot be stored; `code` and the zh/en reason say why."""

    def __init__(self, code: str, zh: str, en: str):
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


def storable(value: Any, max_chars: int = MAX_CHARS) -> None:
    """BadValue unless `value` is JSON the database stores and every client reads back.

    Walks the value without recursion, so no depth of nesting can exhaust the stack."""
    todo, nodes, chars = [(value, 0)], 0, 0
    while todo:
        v, depth = todo.pop()
        nodes += 1
        if depth > MAX_DEPTH or nodes > MAX_NODES:
            raise BadValue("size", "数据嵌套过深或元素过多", "the value is nested too deeply or has too many items")
        if isinstance(v, str):
            chars += len(v)
            _check_text(v)
        elif isinstance(v, (bool, type(None))):
            continue
        elif isinstance(v, int):
            if not -INT64 <= v < INT64:
                raise BadValue("range", "数值超出可存储范围", "the number is out of the storable range (64-bit)")
        elif isinstance(v, float):
            if not math.isfinite(v):
                raise BadValue("number", "数值无效（NaN或无穷大）", "not a finite number (NaN or infinity)")
        elif isinstance(v, list):
            todo.extend((item, depth + 1) for item in v)
        elif isinstance(v, dict):
            for key, item in v.items():
                chars += len(key)
                _check_text(key)
                todo.append((item, depth + 1))
        else:
            raise BadValue("type", "不支持的数据类型", "unsupported value type")
        if chars > max_chars:
            raise BadValue(
                "size", f"数据过长（最多{max_chars}个字符）", f"the value is longer than {max_chars} characters"
            )


def _check_text(text: str) -> None:
    if BAD_TEXT.search(text):
        raise BadValue("text", "含有非法字符（NUL或不成对的代理字符）", "contains NUL or an unpaired surrogate")


def field_value(kind: RecordKind, name: str, value: Any, max_chars: int, new: bool = True) -> None:
    """BadValue unless `value` fits field `name` well enough for the model to judge it.

    An old value (`new=False`) is only compared and kept with a conflict: it must be storable."""
    storable(value, max_chars)
    if name == "geom" or value is None:
        return
    ftype = kind.field(name).type
    if ftype == MULTI_ENUM and isinstance(value, str):
        _codes_text(value)  # compared as parsed JSON: bounded before it is parsed
    if not new:
        return
    if isinstance(value, (list, dict)) and ftype != MULTI_ENUM:  # the model judges scalars of any type
        raise BadValue("type", f"类型不正确（应为{ftype}）", f"expected a {ftype} value, not a list or object")
    if isinstance(value, str):
        _text_value(kind, name, ftype, value)
    if ftype == INT and isinstance(value, int) and not -SAFE_INT <= value <= SAFE_INT:
        raise BadValue(
            "range", "整数超出范围（±2^53）", "the integer is beyond ±2^53, which not every client reads exactly"
        )


def _text_value(kind: RecordKind, name: str, ftype: str, value: str) -> None:
    if (kind.name, name) == ("photo", "sha256") and not SHA_RE.fullmatch(value):
        raise BadValue("sha256", "应为64位小写十六进制SHA-256", "must be a lower-case hex SHA-256 (64 characters)")
    if ftype in (ENUM, DATE, DATETIME, REF) and len(value) > MAX_CODE_CHARS:
        raise BadValue("type", "取值过长", f"the value is longer than {MAX_CODE_CHARS} characters")


def _codes_text(value: str) -> None:
    """A multi-choice value sent as JSON text: short, and a flat list."""
    if len(value) > MAX_CODES_CHARS:
        raise BadValue("type", "多选值过长", f"a multi-choice value has at most {MAX_CODES_CHARS} characters")
    if not value.strip():
        return
    try:
        codes = json.loads(value)
    except (ValueError, RecursionError):
        raise BadValue(
            "type", "多选值应为选项代码的JSON数组", "a multi-choice value is a JSON array of codes"
        ) from None
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise BadValue("type", "多选值应为选项代码的JSON数组", "a multi-choice value is a JSON array of codes")


def check_fields(kind: RecordKind, new: dict[str, Any]) -> None:
    """Rejected when a value breaks the model's rule for its own field (type, choice, range, length)."""
    found = [p.as_dict() for p in rules.validate(kind, new, check_required=False) if p.field in new]
    if found:
        raise Rejected(found[:MAX_ERRORS])


def clean_fields(kind: RecordKind, fields: Any, max_geom_chars: int) -> dict[str, tuple[Any, Any]]:
    """{field: (old, new)} of the fields a client may write; Rejected lists every bad one."""
    if not isinstance(fields, dict):
        raise reject("fields", "type", "fields 应为对象", "fields must be an object")
    if len(fields) > MAX_FIELDS:
        raise reject("fields", "size", f"一条变更最多{MAX_FIELDS}个字段", f"at most {MAX_FIELDS} fields per change")
    known = set(kind.field_names()) | {"geom"}
    ignored = SERVER_OWNED | SERVER_FILLED.get(kind.name, frozenset())
    out: dict[str, tuple[Any, Any]] = {}
    errors = []
    for name, fv in fields.items():
        if name in ignored or (name in known and name != "geom" and kind.field(name).derived):
            continue  # filled by the server
        problem = _field_problem(kind, name, fv, known, max_geom_chars)
        if problem is not None:
            errors.append(problem)
        else:
            out[name] = (fv.get("old"), fv.get("new"))
    if errors:
        raise Rejected(errors[:MAX_ERRORS])
    return out


def _field_problem(kind: RecordKind, name: Any, fv: Any, known: set[str], max_geom_chars: int) -> dict | None:
    if not isinstance(name, str) or not FIELD_NAME.match(name) or name not in known:
        shown = quote(name)
        return error(shown, "unknown", f"未知字段：{shown}", f"unknown field: {shown}")
    if not isinstance(fv, dict) or "new" not in fv:
        return error(name, "type", f"{name}：应为 {{old, new}}", f"{name}: expected {{old, new}}")
    label = "几何" if name == "geom" else kind.field(name).zh
    max_chars = max_geom_chars if name == "geom" else MAX_CHARS
    try:
        field_value(kind, name, fv.get("new"), max_chars)
        _old_value(kind, name, fv.get("old"), max_chars)
    except BadValue as e:
        return error(name, e.code, f"{label}：{e.zh}", f"{name}: {e.en}")
    return None


def _old_value(kind: RecordKind, name: str, value: Any, max_chars: int) -> None:
    """The client's base value is stored with a conflict and compared: it must be storable too."""
    try:
        field_value(kind, name, value, max_chars, new=False)
    except BadValue as e:
        raise BadValue(e.code, f"原值{e.zh}", f"old value: {e.en}") from None
