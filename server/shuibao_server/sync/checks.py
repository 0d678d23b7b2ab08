"""The domain model's rules applied to a record's new values, before the record changes.

Geometry is parsed defensively, derived fields are computed, the model validates the result,
and references to other records (parents, photo blobs) are checked against the records the
push loaded (`RecordSet`). Rules that need other records (a dam's hazard status follows its open
hazards; an acceptance's figures come from its spot checks) see them through the model's Context,
which `context()` fills from `records` as the model's links say (`shuibao.model.links`); a step
that depends on the role as well (de-listing a dam with open hazards) is `check_steps()`.
"""

from __future__ import annotations

from typing import Any

import shapely
from shuibao.model import links, rules
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
    """Validate `after`, fill its derived fields and what the server maintains (a dam's hazard status
    after its open major hazards) in place, validate again with every required field and the rules
    that look at other records."""
    _validate(kind, before, after, check_required=False)
    ctx = context(kind, after, geom, records)
    after.update(_derive(kind, after, ctx))
    _validate(kind, before, after, ctx=ctx)


def check_steps(kind: RecordKind, before: dict | None, after: dict, role: str, records: RecordSet) -> None:
    """Rejected when a workflow step the change takes is refused for the role by a rule that looks
    at other records (model.rules.step_checks; its warnings do not refuse)."""
    ctx = None
    found = []
    for wf in kind.workflows():
        src = (before or {}).get(wf.state_field) or wf.initial
        dst = after.get(wf.state_field) or wf.initial
        if src != dst:
            ctx = ctx or context(kind, after, None, records)
            found += [p.as_dict() for p in rules.step_checks(kind, after, dst, role, ctx) if p.code != "warning"]
    if found:
        raise Rejected(found)


def context(
    kind: RecordKind, data: dict, geom: Any, records: RecordSet, replace: tuple[str, str, dict | None] | None = None
) -> rules.Context:
    """The model's Context of a record: its geometry, its parent's point, and the related records
    the model's links name (children, siblings, parent). `replace` = (kind, uuid, values or None)
    stands one record in as it was before a change (None: it did not exist)."""
    ctx = rules.Context()
    if geom is not None and geom.geom_type in ("Polygon", "MultiPolygon"):
        ctx.polygons = g.polygons(geom)
    ctx.point = g.point(geom)
    parent_uuid = data.get(kind.parent_field) if kind.parent_field else None
    if kind.parent_field:
        parent = records.get(parent_uuid or "")
        if parent is not None and parent.wkb is not None:
            shape = shapely.from_wkb(parent.wkb)
            if shape.geom_type in ("Polygon", "MultiPolygon"):
                ctx.parent_polygons = g.polygons(shape)  # a visit to an area: the distance to its edge
            ctx.parent_point = g.point(shape)
    need = links.needs(kind.name, advisory=False)
    groups = [(c, data.get("uuid")) for c in need.children] + [(s, parent_uuid) for s in need.siblings]
    ctx.children = {name: _group(records, name, owner, replace, data.get("uuid")) for name, owner in groups}
    if need.parent:
        parent = records.get(parent_uuid)
        ctx.parent = dict(parent.data) if parent is not None and not parent.deleted else None
    return ctx


def _group(records: RecordSet, kind: str, owner: Any, replace, judged: Any) -> list[dict]:
    """The values of the records of `kind` under `owner` as the batch leaves them, one of them as it
    was (`replace`). When later changes of the batch were counted in, the record being `judged` is
    noted: its values are computed again once the batch is through (RecordSet.provisional)."""
    owner = owner if isinstance(owner, str) else None
    current, later = records.children_values(kind, owner)
    if later and isinstance(judged, str):
        records.provisional.add(judged)
    return links.as_it_was(kind, owner, current, replace)


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
        if name == kind.parent_field:  # not under a de-listed object, nor a record signed before this push
            refused = rules.delisted_parent(kind, parent.data)
            refused += rules.frozen_under(kind, records.original.get(parent.uuid, {}), "新建", "no new")
            if refused:
                raise Rejected([p.as_dict() for p in refused])
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


def _validate(
    kind: RecordKind, before: dict | None, after: dict, check_required: bool = True, ctx: rules.Context | None = None
) -> None:
    """Rejected with the problems `after` has and `before` did not (an old fault blocks no edit)."""
    found = [p.as_dict() for p in rules.validate(kind, after, check_required=check_required, ctx=ctx)]
    if found and not check_required:  # report the missing values in the same answer
        check_required = True
        found = [p.as_dict() for p in rules.validate(kind, after)]
    if before is not None and found:
        old = {(p.field, p.code) for p in rules.validate(kind, before, check_required=check_required, ctx=ctx)}
        found = [p for p in found if (p["field"], p["code"]) not in old]
    if found:
        raise Rejected(found)


def _derive(kind: RecordKind, data: dict, ctx: rules.Context) -> dict:
    try:
        return rules.refresh(kind, data, ctx)
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise reject(
            None, "derive", "无法计算派生字段，请检查数值", f"derived fields could not be computed: {exc}"
        ) from None
