"""Records through the project's layers: finding them, changing them, and the model's Context of a
record (its point, its parent's, and the related records model.links names).

Every write goes through the QGIS layer (startEditing / changeAttributeValue / commitChanges), so
the store's change log captures it. qgis.core only: the forms' constraints, the docks' workflow
actions and the commit follower (layers.follow) share it.
"""

from __future__ import annotations

from typing import Any

from qgis.core import QgsFeature, QgsFeatureRequest, QgsProject, QgsVectorLayer, QgsWkbTypes

from ..model import RECORD_KINDS, THRESHOLDS, RecordKind, links, rules
from .project import find_layer
from .values import feature_values, qt_value


def layer_of(kind: str, project: QgsProject | None = None) -> QgsVectorLayer | None:
    return find_layer(kind, project)


def get_feature(layer: QgsVectorLayer, fid: int) -> QgsFeature | None:
    feature = QgsFeature()
    return feature if layer.getFeatures(QgsFeatureRequest(fid)).nextFeature(feature) else None


def _where(name: str, value: str) -> QgsFeatureRequest:
    return QgsFeatureRequest().setFilterExpression(f"\"{name}\" = '{value.replace(chr(39), '')}'")


def children(kind: str, parent_uuid: str | None, project: QgsProject | None = None) -> list[QgsFeature]:
    """Records of `kind` whose parent field holds `parent_uuid`."""
    layer = layer_of(kind, project)
    if layer is None or not parent_uuid:
        return []
    return list(layer.getFeatures(_where(RECORD_KINDS[kind].parent_field, parent_uuid)))


def by_uuid(kind: str, uuid: str | None, project: QgsProject | None = None) -> QgsFeature | None:
    layer = layer_of(kind, project)
    if layer is None or not uuid:
        return None
    return next(iter(layer.getFeatures(_where("uuid", uuid))), None)


def write_values(layer: QgsVectorLayer, kind: RecordKind, fid: int, values: dict[str, Any]) -> bool:
    """Change attributes of one feature and commit (keeps an edit session the user had open)."""
    was_editing = layer.isEditable()
    if not was_editing and not layer.startEditing():
        return False
    fields = layer.fields()
    for name, value in values.items():
        idx = fields.indexFromName(name)
        if idx >= 0:
            layer.changeAttributeValue(fid, idx, qt_value(kind.field(name), value))
    if was_editing:
        return True
    if not layer.commitChanges():
        layer.rollBack()
        return False
    return True


def point_of(feature: QgsFeature | None) -> tuple[float, float] | None:
    if feature is None or not feature.hasGeometry():
        return None
    p = feature.geometry().centroid().asPoint()
    return (p.x(), p.y())


def context(
    kind: RecordKind,
    values: dict[str, Any],
    feature: QgsFeature | None,
    project: QgsProject | None = None,
    replace: tuple[str, str, dict | None] | None = None,
) -> rules.Context:
    """What the model's derivations and rules look at besides the record: its point and its parent's,
    and the records model.links names (a dam's hazards, an acceptance's checks and watershed, a
    patch's measures). `replace` = (kind, uuid, values or None) stands one record in as it was."""
    ctx = rules.Context(thresholds=THRESHOLDS)
    parent_uuid = values.get(kind.parent_field) if kind.parent_field else None
    if any(f.derived == "distance_to_parent" for f in kind.fields):
        parent = by_uuid(kind.parent, parent_uuid, project)
        ctx.point, ctx.parent_point = point_of(feature), point_of(parent)
        ctx.parent_polygons = polygons_of(parent)  # a visit to an area: the distance to its edge
    need = links.needs(kind.name)
    groups = [(c, values.get("uuid")) for c in need.children] + [(s, parent_uuid) for s in need.siblings]
    ctx.children = {name: _group(name, owner, project, replace) for name, owner in groups}
    if need.photos and layer_of("photo", project) is not None:
        photos = layer_of("photo", project).getFeatures(_where("parent_uuid", str(values.get("uuid") or "")))
        ctx.children["photo"] = [{"uuid": p["uuid"]} for p in photos]
    if need.parent:
        parent = by_uuid(kind.parent, parent_uuid, project)
        ctx.parent = feature_values(RECORD_KINDS[kind.parent], parent) if parent is not None else None
    return ctx


def polygons_of(feature: QgsFeature | None) -> list | None:
    """A polygon feature's rings as the model reads them: [[outer, hole…], …] in lon/lat."""
    if feature is None or not feature.hasGeometry() or feature.geometry().type() != QgsWkbTypes.PolygonGeometry:
        return None
    geometry = feature.geometry()
    parts = geometry.asMultiPolygon() if geometry.isMultipart() else [geometry.asPolygon()]
    return [[[(p.x(), p.y()) for p in ring] for ring in part] for part in parts if part] or None


def _group(kind: str, owner: Any, project: QgsProject | None, replace) -> list[dict[str, Any]]:
    k = RECORD_KINDS[kind]
    owner = owner if isinstance(owner, str) else None
    current = {f["uuid"]: feature_values(k, f) for f in children(kind, owner, project)}
    return links.as_it_was(kind, owner, current, replace)
