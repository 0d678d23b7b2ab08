"""The domain model's rules applied to a record's new values, before the record changes.

Geometry is parsed defensively, derived fields are computed, the model validates the result,
and references to other records (parents, photo blobs) are checked against the records the
push loaded (`RecordSet`). Rules that need other records (a hazard closes only after a passed
re-check; a dam's hazard status follows its open hazards) belong here, reading `records`.
"""

from __future__ import annotations

from typing import Any

import shapely
from shuibao.model import rules
from shuibao.model.schema import RecordKind

from .. import geometry as g
from ..problems import error
from .outcomes import Rejected, RetryLater, reject
from .records import RecordSet

# A change to one of these fields needs its references checked again.
REFERENCE_FIELDS = ("parent_uuid", "parent_kind", "sha256")


def parse_geom(kind: RecordKind, hex_value: Any, max_vertices: int) -> tuple[bytes | None, Any]:
    """(ISO WKB, shapely geometry) of a sent geometry; (None, None) for none."""
    if hex_value is None or hex_value == "":
        return None, None
    try:
        geom = g.parse(hex_value, kind.geometry, max_vertices)
    except g.GeomProblem as p:
        raise Rejected([p.as_dict()]) from None
    return g.to_wkb(geom), geom


def check_values(kind: RecordKind, before: dict | None, after: dict, geom: Any, records: RecordSet) -> None:
    """Validate `after`, fill its derived fields (in place), validate again with every required field."""
    _validate(kind, before, after, check_required=False)
    after.update(_derive(kind, after, geom, records))
    _validate(kind, before, after)


def references_changed(kind: RecordKind, names) -> bool:
    return any(n in names for n in (kind.parent_field, *REFERENCE_FIELDS) if n)


def check_refs(kind: RecordKind, data: dict, county: str, records: RecordSet, blobs_known: set[str]) -> None:
    """A child's parent exists in the same county; a photo's blob is on the server (else RetryLater)."""
    for name, parent_kind, ref in _references(kind, data):
        parent = records.visible(ref)
        if parent is None or parent.kind != parent_kind or parent.deleted:
            raise reject(name, "ref", "上级记录不存在或不在您负责的县内", f"parent {parent_kind} {ref} not found")
        if parent.county_code != county:
            raise reject(
                "county_code", "county", "子记录须与上级记录同县", "a child record must be in its parent's county"
            )
    sha = data.get("sha256") if kind.name == "photo" else None
    if isinstance(sha, str) and sha not in blobs_known:
        raise RetryLater(
            [error("sha256", "blob_missing", "照片文件尚未上传，请先上传后重试",
                   "the photo blob is not on the server yet: upload it, then push again")]
        )  # fmt: skip


def _references(kind: RecordKind, data: dict) -> list[tuple[str, str | None, Any]]:
    refs = []
    if kind.parent_field:
        refs.append((kind.parent_field, kind.parent, data.get(kind.parent_field)))
    if kind.name == "photo":
        refs.append(("parent_uuid", data.get("parent_kind"), data.get("parent_uuid")))
    return [r for r in refs if r[2]]  # a missing value is reported by validation as required


def _validate(kind: RecordKind, before: dict | None, after: dict, check_required: bool = True) -> None:
    """Rejected with the problems `after` has and `before` did not (an old fault blocks no edit)."""
    found = [p.as_dict() for p in rules.validate(kind, after, check_required=check_required)]
    if found and not check_required:  # report the missing values in the same answer
        check_required = True
        found = [p.as_dict() for p in rules.validate(kind, after)]
    if before is not None and found:
        old = {(p.field, p.code) for p in rules.validate(kind, before, check_required=check_required)}
        found = [p for p in found if (p["field"], p["code"]) not in old]
    if found:
        raise Rejected(found)


def _derive(kind: RecordKind, data: dict, geom: Any, records: RecordSet) -> dict:
    try:
        return rules.derive(kind, data, _context(kind, data, geom, records))
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise reject(
            None, "derive", "无法计算派生字段，请检查数值", f"derived fields could not be computed: {exc}"
        ) from None


def _context(kind: RecordKind, data: dict, geom: Any, records: RecordSet) -> rules.Context:
    ctx = rules.Context()
    if geom is not None and geom.geom_type in ("Polygon", "MultiPolygon"):
        ctx.polygons = g.polygons(geom)
    ctx.point = g.point(geom)
    if kind.parent_field:
        parent = records.get(data.get(kind.parent_field) or "")
        if parent is not None and parent.wkb is not None:
            ctx.parent_point = g.point(shapely.from_wkb(parent.wkb))
    return ctx
