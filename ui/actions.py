"""Workflow actions of the docks: create child records and move records along their workflow.

Every write goes through the QGIS layer (startEditing / addFeature / changeAttributeValue /
commitChanges), so the store's change log captures it. A transition first checks the role
(rules.check_transition), fills what the step fills by itself (dates, the user's name, derived
figures), then validates the record at the target step (rules.validate) and refuses with the
model's messages when it fails. No widgets here.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

from qgis.core import (
    QgsFeature,
    QgsFeatureRequest,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsVectorLayer,
    QgsVectorLayerUtils,
)
from qgis.PyQt.QtCore import QDate, QDateTime, Qt, QVariant

from ..layers import thresholds as local_thresholds
from ..layers.project import find_layer
from ..model import RECORD_KINDS, RecordKind, rules
from ..model.rules import Problem
from ..model.schema import BOOL, DATE, DATETIME, INT, REAL

PERSON_FIELDS = ("inspector", "surveyor", "checker", "rechecked_by", "closed_by", "acceptor")


@dataclass
class Outcome:
    """What an action did: ok, the problems that refused it, the record it created or changed."""

    ok: bool
    problems: list[Problem] = field(default_factory=list)
    kind: str | None = None
    fid: int | None = None
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (zh, en)

    def message(self, lang: str) -> str:
        texts = [p.message(lang) for p in self.problems] + [w[0] if lang == "zh" else w[1] for w in self.warnings]
        return "；".join(texts) if lang == "zh" else "; ".join(texts)


# -- values ------------------------------------------------------------------------------------
def _null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, QVariant):
        return value.isNull()
    return False


def python_value(f, value: Any) -> Any:
    """A layer attribute as the model stores it (ISO strings for dates, bool, int, float)."""
    if _null(value):
        return None
    if isinstance(value, QDateTime):
        if value.isNull():
            return None
        return value.toUTC().toString(Qt.DateFormat.ISODate)
    if isinstance(value, QDate):
        return None if value.isNull() else value.toString(Qt.DateFormat.ISODate)
    if f.type == BOOL:
        return bool(value)
    if f.type == INT:
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    if f.type == REAL:
        try:
            return float(value)
        except (TypeError, ValueError):
            return value
    return value


def feature_values(kind: RecordKind, feature: QgsFeature) -> dict[str, Any]:
    names = feature.fields().names()
    return {f.name: python_value(f, feature[f.name]) for f in kind.fields if f.name in names}


def qt_value(f, value: Any) -> Any:
    if value is None:
        return QVariant()
    if f.type == DATETIME and isinstance(value, str):
        return QDateTime.fromString(value, Qt.DateFormat.ISODate)
    if f.type == DATE and isinstance(value, str):
        return QDate.fromString(value[:10], Qt.DateFormat.ISODate)
    return value


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def today_iso() -> str:
    return dt.date.today().isoformat()


# -- layers ------------------------------------------------------------------------------------
def layer_of(kind: str, project: QgsProject | None = None) -> QgsVectorLayer | None:
    return find_layer(kind, project)


def get_feature(layer: QgsVectorLayer, fid: int) -> QgsFeature | None:
    feature = QgsFeature()
    return feature if layer.getFeatures(QgsFeatureRequest(fid)).nextFeature(feature) else None


def children(kind: str, parent_uuid: str, project: QgsProject | None = None) -> list[QgsFeature]:
    """Records of `kind` whose parent field holds `parent_uuid`."""
    k = RECORD_KINDS[kind]
    layer = layer_of(kind, project)
    if layer is None or not parent_uuid:
        return []
    request = QgsFeatureRequest().setFilterExpression(f"\"{k.parent_field}\" = '{parent_uuid.replace(chr(39), '')}'")
    return list(layer.getFeatures(request))


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


def add_record(
    layer: QgsVectorLayer, kind: RecordKind, values: dict[str, Any], geometry: QgsGeometry | None = None
) -> int | None:
    """Add a record with the layer's default values completed by `values`; returns its fid."""
    values = {"uuid": str(uuidlib.uuid4()), **values}
    fields = layer.fields()
    attrs = {
        fields.indexFromName(n): qt_value(kind.field(n), v) for n, v in values.items() if fields.indexFromName(n) >= 0
    }
    context = layer.createExpressionContext()
    feature = QgsVectorLayerUtils.createFeature(layer, geometry or QgsGeometry(), attrs, context)
    was_editing = layer.isEditable()
    if not was_editing and not layer.startEditing():
        return None
    if not layer.addFeature(feature):
        if not was_editing:
            layer.rollBack()
        return None
    if was_editing:
        return feature.id()
    if not layer.commitChanges():
        layer.rollBack()
        return None
    uuid = values["uuid"]
    found = list(layer.getFeatures(QgsFeatureRequest().setFilterExpression(f"\"uuid\" = '{uuid}'")))
    return found[0].id() if found else None


# -- what may be offered -----------------------------------------------------------------------
def creation_roles(child: str) -> tuple[str, ...]:
    """Who may create a record of `child`: the roles of its workflow's first steps (admin always)."""
    wf = RECORD_KINDS[child].workflow
    if wf is None:
        return ("inspector", "technician", "acceptor", "admin")
    roles = {r for t in wf.transitions if t.source == wf.initial for r in t.roles}
    return tuple(sorted(roles | {"admin"}))


def can_create(child: str, role: str) -> bool:
    return role in creation_roles(child)


def allowed_transitions(kind: RecordKind, values: dict[str, Any], role: str):
    wf = kind.workflow
    if wf is None:
        return []
    step = values.get(wf.state_field) or wf.initial
    return wf.allowed(step, role)


# -- filling and derived figures ---------------------------------------------------------------
def _fill_for_step(kind: RecordKind, values: dict[str, Any], target: str, user: str) -> dict[str, Any]:
    """Values the target step fills by itself when they are empty: dates, times, the user's name."""
    out: dict[str, Any] = {}
    for f in kind.fields:
        if target not in f.required_at or values.get(f.name) not in (None, ""):
            continue
        if f.type == DATE:
            out[f.name] = today_iso()
        elif f.type == DATETIME:
            out[f.name] = now_iso()
        elif f.name in PERSON_FIELDS:
            out[f.name] = user
    return out


def _point(feature: QgsFeature | None) -> tuple[float, float] | None:
    if feature is None or not feature.hasGeometry():
        return None
    p = feature.geometry().centroid().asPoint()
    return (p.x(), p.y())


def derived_figures(
    kind: RecordKind, values: dict[str, Any], feature: QgsFeature, project: QgsProject | None = None
) -> dict[str, Any]:
    """Derived values QGIS forms cannot compute: distances, acceptance figures, completion rates."""
    ctx = rules.Context(thresholds=local_thresholds.of(values.get("county_code")))
    if kind.name == "dam_inspection":
        parents = _by_uuid("dam", values.get("dam_uuid"), project)
        ctx.point = _point(feature)
        ctx.parent_point = _point(parents)
    elif kind.name == "watershed_acceptance":
        checks = [
            feature_values(RECORD_KINDS["spot_check"], c) for c in children("spot_check", values["uuid"], project)
        ]
        ctx.children = {"spot_check": checks}
    elif kind.name == "patch_acceptance":
        measures = children("patch_measure", values.get("patch_uuid") or "", project)
        ctx.children = {"patch_measure": [feature_values(RECORD_KINDS["patch_measure"], m) for m in measures]}
    return rules.derive(kind, values, ctx)


def _by_uuid(kind: str, uuid: str | None, project: QgsProject | None = None) -> QgsFeature | None:
    layer = layer_of(kind, project)
    if layer is None or not uuid:
        return None
    request = QgsFeatureRequest().setFilterExpression(f"\"uuid\" = '{uuid.replace(chr(39), '')}'")
    return next(iter(layer.getFeatures(request)), None)


# -- transitions -------------------------------------------------------------------------------
def transition(
    kind_name: str,
    fid: int,
    target: str,
    role: str,
    user: str,
    extra: dict[str, Any] | None = None,
    project: QgsProject | None = None,
) -> Outcome:
    """Move one record to `target`: role check, automatic fills, validation, write, side effects."""
    kind = RECORD_KINDS[kind_name]
    layer = layer_of(kind_name, project)
    feature = get_feature(layer, fid) if layer is not None else None
    if feature is None or kind.workflow is None:
        return Outcome(False, [Problem(None, "missing", "找不到记录", "record not found")], kind_name, fid)
    values = feature_values(kind, feature)
    wf = kind.workflow
    source = values.get(wf.state_field) or wf.initial
    problem = rules.check_transition(kind, source, target, role)
    if problem is not None:
        return Outcome(False, [problem], kind_name, fid)
    changes = dict(extra or {})
    changes[wf.state_field] = target
    candidate = {**values, **changes}
    changes.update(_fill_for_step(kind, candidate, target, user))
    candidate.update(changes)
    derived = derived_figures(kind, candidate, feature, project)
    changes.update(derived)
    candidate.update(derived)
    problems = [p for p in rules.validate(kind, candidate) if p.code != "unknown"]
    problems += _extra_checks(kind, candidate, source, target)
    if problems:
        return Outcome(False, problems, kind_name, fid)
    if not write_values(layer, kind, fid, changes):
        return Outcome(False, [Problem(None, "write", "保存失败", "could not save")], kind_name, fid)
    outcome = Outcome(True, [], kind_name, fid)
    _after(kind, candidate, source, target, role, user, outcome, project)
    return outcome


def _extra_checks(kind: RecordKind, values: dict[str, Any], source: str, target: str) -> list[Problem]:
    if kind.name == "dam_hazard" and target == "closed" and values.get("recheck_result") != "pass":
        return [Problem("recheck_result", "rule", "复查合格后才能销号", "only a passed re-check can be closed")]
    if kind.name == "watershed_acceptance" and target in ("checked", "signed"):
        if values.get("checked_count") is None or values.get("checked_count") != values.get("sampled_count"):
            return [
                Problem("checked_count", "rule", "所有抽查图斑核查完成后才能继续", "check every sampled spot first")
            ]
    return []


def _after(
    kind: RecordKind,
    values: dict[str, Any],
    source: str,
    target: str,
    role: str,
    user: str,
    outcome: Outcome,
    project: QgsProject | None,
) -> None:
    """Side effects on parents: last inspection time, acceptance figures, proof-of-visit warning."""
    if kind.name == "dam_inspection" and target == "submitted":
        dam = _by_uuid("dam", values.get("dam_uuid"), project)
        layer = layer_of("dam", project)
        if dam is not None and layer is not None:
            write_values(layer, RECORD_KINDS["dam"], dam.id(), {"last_inspected_at": values.get("inspected_at")})
        distance = values.get("distance_to_object")
        limit = local_thresholds.of(values.get("county_code"))["visit_max_distance"]
        if distance is not None and distance > limit:
            outcome.warnings.append(
                (f"检查位置距坝 {distance:.0f} m，超过到位核验距离 {limit:g} m",
                 f"inspected {distance:.0f} m from the dam, more than the {limit:g} m proof-of-visit distance")
            )  # fmt: skip
    if kind.name == "spot_check":
        acceptance = _by_uuid("watershed_acceptance", values.get("acceptance_uuid"), project)
        layer = layer_of("watershed_acceptance", project)
        if acceptance is not None and layer is not None:
            k = RECORD_KINDS["watershed_acceptance"]
            a_values = feature_values(k, acceptance)
            figures = derived_figures(k, a_values, acceptance, project)
            write_values(layer, k, acceptance.id(), figures)


# -- creating children -------------------------------------------------------------------------
def default_inspection_kind(county: str | None = None, today: dt.date | None = None) -> str:
    """A flood-season patrol in the flood season of the dam's county, else a hazard survey."""
    if rules.in_flood_season(today or dt.date.today(), local_thresholds.of(county)):
        return "flood_patrol"
    return "hazard_survey"


def create_child(
    child: str,
    parent_kind: str,
    parent_fid: int,
    role: str,
    user: str,
    position: tuple[float, float] | None = None,
    position_source: str | None = None,
    extra: dict[str, Any] | None = None,
    project: QgsProject | None = None,
) -> Outcome:
    """Create a child record of a parent with defaults (position: GPS or picked, lon/lat)."""
    k = RECORD_KINDS[child]
    if not can_create(child, role):
        roles = ", ".join(r for r in creation_roles(child) if r != "admin")
        return Outcome(False, [Problem(None, "role", f"“{k.zh}”需要以下角色之一：{roles}",
                                       f"'{k.en}' needs one of the roles {roles}")], child)  # fmt: skip
    parent_layer = layer_of(parent_kind, project)
    layer = layer_of(child, project)
    parent = get_feature(parent_layer, parent_fid) if parent_layer is not None else None
    if parent is None or layer is None:
        return Outcome(False, [Problem(None, "missing", "找不到记录或图层", "record or layer not found")], child)
    values: dict[str, Any] = {k.parent_field: parent["uuid"]}
    if "county_code" in parent.fields().names() and not _null(parent["county_code"]):
        values["county_code"] = parent["county_code"]
    geometry = None
    if k.geometry == "Point":
        if position is None:
            position = _point(parent)
            position_source = position_source or "map"
        if position is not None:
            geometry = QgsGeometry.fromPointXY(QgsPointXY(*position))
        if "position_source" in k.field_names():
            values["position_source"] = position_source or "none"
    if child == "dam_inspection":
        values.update(kind=default_inspection_kind(values.get("county_code")), inspector=user, inspected_at=now_iso())
    elif child == "dam_hazard":
        values.update(_hazard_from_inspection(parent, project))
    elif child == "patch_survey":
        values.update(surveyor=user, surveyed_at=now_iso())
    elif child == "watershed_acceptance":
        values.update(kind="stage", year=dt.date.today().year)
    elif child == "patch_acceptance":
        # "kind" is required from the draft on: 竣工验收 once the treatment is completed, else 阶段验收.
        done = parent_kind == "patch" and not _null(parent["treatment_status"]) and parent["treatment_status"] in (
            "completed", "accepted")  # fmt: skip
        values.update(kind="completion" if done else "stage")
    values.update(extra or {})
    fid = add_record(layer, k, values, geometry)
    if fid is None:
        return Outcome(False, [Problem(None, "write", "保存失败", "could not save")], child)
    return Outcome(True, [], child, fid)


def _hazard_from_inspection(dam: QgsFeature, project: QgsProject | None) -> dict[str, Any]:
    """A new hazard takes what the latest inspection with a hazard says about it."""
    out: dict[str, Any] = {"responsible_person": dam["patrol_person"] if not _null(dam["patrol_person"]) else None}
    k = RECORD_KINDS["dam_inspection"]
    found = [feature_values(k, f) for f in children("dam_inspection", dam["uuid"], project)]
    found = [v for v in found if v.get("result") in ("general", "major")]
    if found:
        latest = max(found, key=lambda v: v.get("inspected_at") or "")
        out.update(
            inspection_uuid=latest["uuid"],
            severity=latest["result"],
            measure=latest.get("measures"),
            deadline=latest.get("deadline"),
            description=latest.get("measures"),
        )
    return {k2: v for k2, v in out.items() if v is not None}


# -- acceptance sampling -----------------------------------------------------------------------
def draw_sample(
    acceptance_fid: int,
    role: str,
    user: str,
    share: float | None,
    seed: int | None = None,
    project: QgsProject | None = None,
) -> Outcome:
    """Draft → sampled: every structure and ≥ `share` of the other spots, one spot_check each
    (`share` None: the county's acceptance_sample_share threshold)."""
    k = RECORD_KINDS["watershed_acceptance"]
    layer = layer_of("watershed_acceptance", project)
    feature = get_feature(layer, acceptance_fid) if layer is not None else None
    if feature is None:
        return Outcome(False, [Problem(None, "missing", "找不到记录", "record not found")], k.name, acceptance_fid)
    values = feature_values(k, feature)
    problem = rules.check_transition(k, values.get("step") or "draft", "sampled", role)
    if problem is not None:
        return Outcome(False, [problem], k.name, acceptance_fid)
    if seed is None:
        seed = values.get("sample_seed") or int(uuidlib.UUID(values["uuid"]).int % 1_000_000)
    if share is None:
        share = local_thresholds.of(values.get("county_code"))["acceptance_sample_share"]
    spots_layer = layer_of("watershed_spot", project)
    checks_layer = layer_of("spot_check", project)
    spots = children("watershed_spot", values.get("watershed_uuid") or "", project)
    spot_values = [feature_values(RECORD_KINDS["watershed_spot"], s) for s in spots]
    if spots_layer is None or checks_layer is None or not spot_values:
        return Outcome(False, [Problem(None, "missing", "小流域没有治理图斑", "the watershed has no spots")], k.name)
    sample = rules.sample_spots(spot_values, share, seed)
    by_uuid = {s["uuid"]: s for s in spots}
    existing = {c["spot_uuid"] for c in children("spot_check", values["uuid"], project)}
    ck = RECORD_KINDS["spot_check"]
    checks_layer.startEditing()
    for spot_uuid in sample:
        if spot_uuid in existing:
            continue
        point = _point(by_uuid.get(spot_uuid))
        geometry = QgsGeometry.fromPointXY(QgsPointXY(*point)) if point else QgsGeometry()
        attrs = {"uuid": str(uuidlib.uuid4()), "acceptance_uuid": values["uuid"], "spot_uuid": spot_uuid,
                 "step": "pending", "county_code": values.get("county_code")}  # fmt: skip
        fields = checks_layer.fields()
        qattrs = {fields.indexFromName(n): qt_value(ck.field(n), v) for n, v in attrs.items()}
        checks_layer.addFeature(QgsVectorLayerUtils.createFeature(checks_layer, geometry, qattrs))
    if not checks_layer.commitChanges():
        checks_layer.rollBack()
        return Outcome(False, [Problem(None, "write", "保存失败", "could not save")], k.name)
    return transition(
        k.name, acceptance_fid, "sampled", role, user, {"sample_share": share, "sample_seed": seed}, project
    )
