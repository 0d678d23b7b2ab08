"""The changes of a push, typed per record kind and field from the domain model, for the OpenAPI
description: what a valid change holds (a value of the field's type, its choices, range and length).

The server itself accepts any JSON there and judges each change on its own (a bad change is
`rejected`, the batch goes on); this description is for clients and for property-based tests,
which generate plausible changes from it. Formats: `uuid`, `date`, `date-time`, and four of ours,
`county-code` (six digits), `sha256` (a photo's content hash, lower-case hex), `wkb-point` and
`wkb-multipolygon` (hex ISO WKB in EPSG:4490).
"""

from __future__ import annotations

from typing import Any

from shuibao.model import RECORD_KINDS
from shuibao.model.schema import BOOL, DATE, DATETIME, ENUM, INT, MULTI_ENUM, REAL, REF, Field, RecordKind

from ..schemas import BIG, SHA_PATTERN
from ..sync.values import SAFE_INT, SERVER_FILLED, SERVER_OWNED

HEX = "^(?:[0-9a-fA-F]{2})+$"


def value_schema(f: Field) -> dict[str, Any]:
    """The JSON schema of a value of field `f`."""
    if f.name == "county_code":
        return {"type": "string", "pattern": "^[0-9]{6}$", "format": "county-code"}
    if f.type == ENUM:
        return {"type": "string", "enum": list(f.enum.codes())}
    if f.type == MULTI_ENUM:
        return {"type": "array", "items": {"type": "string", "enum": list(f.enum.codes())}, "uniqueItems": True}
    if f.type in (INT, REAL):
        low = f.minimum if f.minimum is not None else -SAFE_INT
        high = f.maximum if f.maximum is not None else SAFE_INT
        return {"type": "integer" if f.type == INT else "number", "minimum": low, "maximum": high}
    if f.type == BOOL:
        return {"type": "boolean"}
    if f.type in (DATE, DATETIME):
        return {"type": "string", "format": "date" if f.type == DATE else "date-time"}
    out: dict[str, Any] = {"type": "string"}
    if f.type == REF or f.ref is not None:
        out["format"] = "uuid"
    if f.max_length is not None:
        out["maxLength"] = f.max_length
    return out


def _nullable(value: dict[str, Any]) -> dict[str, Any]:
    """The value, or null (no value): the other keywords apply to their own type only."""
    out = {**value, "type": [value["type"], "null"]}
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def _field_change(value: dict[str, Any], title: str) -> dict[str, Any]:
    nullable = _nullable(value)
    return {"type": "object", "title": title, "required": ["new"], "properties": {"old": nullable, "new": nullable}}


def kind_change(kind: RecordKind) -> dict[str, Any]:
    """The schema of a change of a record of `kind`."""
    skip = SERVER_OWNED | SERVER_FILLED.get(kind.name, frozenset())
    writable = [f for f in kind.fields if f.name not in skip and not f.derived]
    fields = {f.name: _field_change(value_schema(f), f"{f.zh} {f.en}") for f in writable}
    if kind.name == "photo":
        fields["sha256"] = _field_change({"type": "string", "pattern": SHA_PATTERN, "format": "sha256"}, "SHA-256")
    if kind.geometry:
        geom = {"type": "string", "pattern": HEX, "format": f"wkb-{kind.geometry.lower()}"}
        fields["geom"] = _field_change(geom, f"几何 geometry ({kind.geometry}, hex ISO WKB, EPSG:4490)")
    return {
        "type": "object",
        "title": f"{kind.zh} {kind.en}",
        "required": ["mutation_id", "kind", "uuid", "op", "fields"],
        "properties": {
            "mutation_id": {"type": "integer", "minimum": 1, "maximum": BIG},
            "kind": {"const": kind.name},
            "uuid": {"type": "string", "format": "uuid"},
            "op": {"enum": ["insert", "update", "delete"]},
            "base_rev": {"type": "integer", "minimum": 0, "maximum": BIG, "default": 0},
            "fields": {"type": "object", "properties": fields, "additionalProperties": False},
        },
    }


def change_schemas() -> dict[str, dict[str, Any]]:
    """Components: `Change` (one of the kinds, by `kind`) and `Change_<kind>` for each kind."""
    out = {f"Change_{name}": kind_change(kind) for name, kind in RECORD_KINDS.items()}
    refs = {name: f"#/components/schemas/Change_{name}" for name in RECORD_KINDS}
    out["Change"] = {
        "title": "Change",
        "description": "One field-level change of one record; `fields` typed per kind from the model.",
        "anyOf": [{"$ref": ref} for ref in refs.values()],  # `kind` tells them apart
        "discriminator": {"propertyName": "kind", "mapping": refs},
    }
    return out
