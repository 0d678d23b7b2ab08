"""Workflow actions of the docks: create child records and move records along their workflow.

Every write goes through the QGIS layer (startEditing / addFeature / changeAttributeValue /
commitChanges), so the store's change log captures it. A step is first planned (plan_transition):
the role (rules.check_transition), what the step fills by itself (rules.fill_for_step), the
derived figures, the record's validity at the target step with the records its rules read
(rules.validate) and the step's own rules (rules.step_checks: refusals and warnings). The dock shows
the plan (a confirmation, or the form with what is missing) and then applies it. No widgets here, and no rule of its own.
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

from ..layers import thresholds as local_thresholds
from ..layers.records import by_uuid, children, context, get_feature, layer_of, write_values
from ..layers.records import point_of as _point
from ..layers.values import feature_values, is_null, qt_value
from ..model import RECORD_KINDS, RecordKind, links, rules
from ..model.rules import Problem
from ..model.schema import ROLE_LABELS

# Re-exported: the docks and the tests read and find records through here.
__all__ = ["by_uuid", "children", "context", "feature_values", "get_feature", "layer_of", "write_values"]


@dataclass
class Outcome:
    """What an action did: ok, the problems that refused it, the record it created or changed."""

    ok: bool
    problems: list[Problem] = field(default_factory=list)
    kind: str | None = None
    fid: int | None = None
    warnings: list[Problem] = field(default_factory=list)

    def message(self, lang: str) -> str:
        texts = [p.message(lang) for p in self.problems + self.warnings]
        return "；".join(texts) if lang == "zh" else "; ".join(texts)


@dataclass
class Plan:
    """A step worked out before it is taken: the values it writes, what refuses it, what it warns of."""

    kind: RecordKind
    fid: int
    source: str
    target: str
    before: dict[str, Any]
    changes: dict[str, Any]
    problems: list[Problem]
    warnings: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def values(self) -> dict[str, Any]:
        return {**self.before, **self.changes}

    def missing(self) -> list[Problem]:
        """The problems a person fixes in the record's form (a field left empty or wrong); not the
        step itself (已验收 without a passed acceptance is refused, not typed over)."""
        editable = {f.name for f in self.kind.fields if not f.derived} - {self.kind.workflow.state_field}
        return [p for p in self.problems if p.field in editable and p.code not in ("role", "transition")]

    def refusals(self) -> list[Problem]:
        """The problems no typing fixes: the role, the workflow, a rule about other records."""
        return [p for p in self.problems if p not in self.missing()]

    def changed(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) of every value the step changes."""
        return [(n, self.before.get(n), v) for n, v in self.changes.items() if self.before.get(n) != v]


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def today_iso() -> str:
    return dt.date.today().isoformat()


# -- layers ------------------------------------------------------------------------------------
def new_feature(
    layer: QgsVectorLayer, kind: RecordKind, values: dict[str, Any], geometry: QgsGeometry | None = None
) -> QgsFeature:
    """A feature of `layer` with its default values completed by `values` (not added)."""
    fields = layer.fields()
    attrs = {
        fields.indexFromName(n): qt_value(kind.field(n), v) for n, v in values.items() if fields.indexFromName(n) >= 0
    }
    return QgsVectorLayerUtils.createFeature(layer, geometry or QgsGeometry(), attrs, layer.createExpressionContext())


def fid_of(layer: QgsVectorLayer, uuid: str) -> int | None:
    """The feature id of the record with `uuid` (after a commit, new features get their file's id)."""
    request = QgsFeatureRequest().setFilterExpression(f"\"uuid\" = '{uuid.replace(chr(39), '')}'")
    found = next(iter(layer.getFeatures(request)), None)
    return found.id() if found is not None else None


def save_new(layer: QgsVectorLayer, feature: QgsFeature) -> int | None:
    """Add a new feature and commit it (inside an edit session the user had open, only add it)."""
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
    return fid_of(layer, feature["uuid"])


def add_record(
    layer: QgsVectorLayer, kind: RecordKind, values: dict[str, Any], geometry: QgsGeometry | None = None
) -> int | None:
    """Add a record with the layer's default values completed by `values`; returns its fid."""
    return save_new(layer, new_feature(layer, kind, {"uuid": str(uuidlib.uuid4()), **values}, geometry))


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
    """The steps `role` may take from the record's step, without those the model takes by itself."""
    wf = kind.workflow
    if wf is None:
        return []
    step = values.get(wf.state_field) or wf.initial
    return [t for t in wf.allowed(step, role) if not t.auto]


# -- context and derived figures ---------------------------------------------------------------
def follows(plan: Plan, lang: str, project: QgsProject | None = None) -> list[str]:
    """What the step changes besides its record, as the model computes it (rules.refresh of the
    parent that follows the record, model.links): "小流域“白鹭”：治理状态 已完工 → 已验收"."""
    out = []
    values = plan.values
    for dkind, how in links.dependents(plan.kind.name):
        if how != links.PARENT:
            continue
        pkind = RECORD_KINDS[dkind]
        parent = by_uuid(dkind, values.get(plan.kind.parent_field or ""), project)
        if parent is None:
            continue
        pvals = feature_values(pkind, parent)
        before = context(pkind, pvals, parent, project)
        after = context(pkind, pvals, parent, project, replace=(plan.kind.name, values.get("uuid"), values))
        for name, new in rules.refresh(pkind, pvals, after, before).items():
            f = pkind.field(name)
            if f.enum is None:
                continue  # figures are shown on the record itself; a status change is what one is asked about
            title = pvals.get(pkind.title_field) or pvals.get(pkind.code_field) or ""
            old, new = f.enum.label(pvals.get(name), lang) if pvals.get(name) else "", f.enum.label(new, lang)
            out.append(f"{pkind.label(lang)}“{title}”：{f.label(lang)} {old} → {new}".replace("  → ", " → "))
    return out


def derived_figures(
    kind: RecordKind, values: dict[str, Any], feature: QgsFeature, project: QgsProject | None = None
) -> dict[str, Any]:
    """Derived values QGIS forms cannot compute: distances, acceptance figures, completion rates."""
    return rules.derive(kind, values, context(kind, values, feature, project))


# -- transitions -------------------------------------------------------------------------------
def missing_record(kind_name: str, fid: int | None) -> Outcome:
    return Outcome(False, [Problem(None, "missing", "找不到记录", "record not found")], kind_name, fid)


def plan_transition(
    kind_name: str,
    fid: int,
    target: str,
    role: str,
    user: str,
    extra: dict[str, Any] | None = None,
    project: QgsProject | None = None,
) -> Plan | None:
    """Work out moving one record to `target` without writing anything; None when it is gone.

    `extra` are values typed for the step (a form's, or a sample's share and seed).
    """
    kind = RECORD_KINDS[kind_name]
    layer = layer_of(kind_name, project)
    feature = get_feature(layer, fid) if layer is not None else None
    if feature is None or kind.workflow is None:
        return None
    before = feature_values(kind, feature)
    wf = kind.workflow
    source = before.get(wf.state_field) or wf.initial
    changes = {n: v for n, v in (extra or {}).items() if before.get(n) != v}
    changes[wf.state_field] = target
    problem = rules.check_transition(kind, source, target, role)
    parent = by_uuid(kind.parent, before.get(kind.parent_field), project) if kind.parent_field else None
    frozen = rules.frozen_under(kind, feature_values(RECORD_KINDS[kind.parent], parent)) if parent else []
    if problem is not None or frozen:
        return Plan(kind, fid, source, target, before, changes, [problem] if problem else frozen, [])
    candidate = {**before, **changes}
    now = dt.datetime.now(dt.timezone.utc)
    changes.update(rules.fill_for_step(kind, candidate, target, user, now))
    candidate.update(changes)
    further = rules.follow_on(kind, candidate)  # a 合规 spot closes at 认定: the same step goes on
    if further is not None:
        changes[wf.state_field] = further
        changes.update(rules.fill_for_step(kind, {**candidate, **changes}, further, user, now))
        candidate.update(changes)
    ctx = context(kind, candidate, feature, project)
    derived = rules.derive(kind, candidate, ctx)
    changes.update(derived)
    candidate.update(derived)
    problems = [p for p in rules.validate(kind, candidate, ctx.thresholds, ctx=ctx) if p.code != "unknown"]
    checks = rules.step_checks(kind, candidate, candidate[wf.state_field], role, ctx)
    problems += [p for p in checks if p.code != "warning"]
    warnings = [p for p in checks if p.code == "warning"]
    return Plan(kind, fid, source, target, before, changes, problems, warnings)


def apply(plan: Plan, role: str, user: str, project: QgsProject | None = None) -> Outcome:
    """Write a planned step (refused when the plan has problems) and its side effects on parents."""
    name = plan.kind.name
    if not plan.ok:
        return Outcome(False, plan.problems, name, plan.fid)
    layer = layer_of(name, project)
    if layer is None or not write_values(layer, plan.kind, plan.fid, plan.changes):
        return Outcome(False, [Problem(None, "write", "保存失败", "could not save")], name, plan.fid)
    outcome = Outcome(True, [], name, plan.fid, list(plan.warnings))
    _after(plan.kind, plan.values, plan.target, outcome, project)
    return outcome


def transition(
    kind_name: str,
    fid: int,
    target: str,
    role: str,
    user: str,
    extra: dict[str, Any] | None = None,
    project: QgsProject | None = None,
) -> Outcome:
    """Move one record to `target`: plan it, then apply it when nothing refuses it."""
    plan = plan_transition(kind_name, fid, target, role, user, extra, project)
    return missing_record(kind_name, fid) if plan is None else apply(plan, role, user, project)


def _after(kind: RecordKind, values: dict[str, Any], target: str, outcome: Outcome, project: QgsProject | None) -> None:
    """Side effects on parents: last inspection time, proof-of-visit warning (what follows a record by the
    model's rules, acceptance figures and the like, is layers.follow's)."""
    if kind.name == "dam_inspection" and target == "submitted":
        dam = by_uuid("dam", values.get("dam_uuid"), project)
        layer = layer_of("dam", project)
        if dam is not None and layer is not None:
            write_values(layer, RECORD_KINDS["dam"], dam.id(), {"last_inspected_at": values.get("inspected_at")})
        distance = values.get("distance_to_object")
        limit = local_thresholds.of(values.get("county_code"))["visit_max_distance"]
        if distance is not None and distance > limit:
            outcome.warnings.append(Problem(
                "distance_to_object", "warning",
                f"检查位置距坝 {distance:.0f} m，超过到位核验距离 {limit:g} m",
                f"inspected {distance:.0f} m from the dam, more than the {limit:g} m proof-of-visit distance",
            ))  # fmt: skip
    if kind.name == "rs_recheck" and target == "submitted":
        spot = by_uuid("rs_spot", values.get("spot_uuid"), project)
        changes = rules.spot_after_recheck(feature_values(RECORD_KINDS["rs_spot"], spot), values) if spot else {}
        if changes:
            write_values(layer_of("rs_spot", project), RECORD_KINDS["rs_spot"], spot.id(), changes)
    if kind.name == "rs_spot" and target == "issued":  # returned for a new re-check: its re-check too
        recheck = by_uuid("rs_recheck", values.get("recheck_uuid"), project)
        if recheck is not None and recheck["step"] == "submitted":
            write_values(layer_of("rs_recheck", project), RECORD_KINDS["rs_recheck"], recheck.id(), {"step": "draft"})


# -- creating children -------------------------------------------------------------------------
def default_inspection_kind(county: str | None = None, today: dt.date | None = None) -> str:
    """A flood-season patrol in the flood season of the dam's county, else a hazard survey."""
    if rules.in_flood_season(today or dt.date.today(), local_thresholds.of(county)):
        return "flood_patrol"
    return "hazard_survey"


def new_child(
    child: str,
    parent_kind: str,
    parent_fid: int,
    role: str,
    user: str,
    position: tuple[float, float] | None = None,
    position_source: str | None = None,
    extra: dict[str, Any] | None = None,
    project: QgsProject | None = None,
) -> tuple[Outcome, QgsFeature | None]:
    """A new child record of a parent, not saved yet (the form opens it), with the values the step
    fills in: parent, county, position (GPS or the parent's point), date, the user, the inspection
    that found a hazard. The outcome refuses it when the role or the model's rules do."""
    k = RECORD_KINDS[child]
    if not can_create(child, role):
        roles = [r for r in creation_roles(child) if r != "admin"]
        zh, en = "、".join(ROLE_LABELS[r][0] for r in roles), ", ".join(roles)
        return Outcome(False, [Problem(None, "role", f"“{k.zh}”需要以下角色之一：{zh}",
                                       f"'{k.en}' needs one of the roles {en}")], child), None  # fmt: skip
    parent_layer = layer_of(parent_kind, project)
    layer = layer_of(child, project)
    parent = get_feature(parent_layer, parent_fid) if parent_layer is not None else None
    if parent is None or layer is None:
        return Outcome(False, [Problem(None, "missing", "找不到记录或图层", "record or layer not found")], child), None
    refused = rules.creation_problems(k, feature_values(RECORD_KINDS[parent_kind], parent))
    if refused:
        return Outcome(False, refused, child), None
    values: dict[str, Any] = {"uuid": str(uuidlib.uuid4()), k.parent_field: parent["uuid"]}
    if "county_code" in parent.fields().names() and not is_null(parent["county_code"]):
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
    values.update(_first_values(child, parent_kind, parent, user, project))
    values.update(extra or {})
    return Outcome(True, [], child), new_feature(layer, k, values, geometry)


def _first_values(
    child: str, parent_kind: str, parent: QgsFeature, user: str, project: QgsProject | None
) -> dict[str, Any]:
    if child == "dam_inspection":
        county = None if is_null(parent["county_code"]) else parent["county_code"]
        return {"kind": default_inspection_kind(county), "inspector": user, "inspected_at": now_iso()}
    if child == "dam_hazard":
        return _hazard_from_inspection(parent, project)
    if child == "patch_survey":
        return {"surveyor": user, "surveyed_at": now_iso()}
    if child in ("patch_upkeep", "watershed_upkeep"):
        return {"inspector": user, "inspected_at": now_iso()}
    if child == "rs_recheck":  # what the spot already knows of its project, to confirm on site
        known = {n: parent[n] for n in ("project_type", "project_name", "builder", "plan_approval_no")
                 if not is_null(parent[n])}  # fmt: skip
        return {"inspector": user, "rechecked_at": now_iso(), **known}
    if child == "watershed_acceptance":
        return {"kind": "stage", "year": dt.date.today().year}
    if child == "patch_acceptance":
        # "kind" is required from the draft on: 竣工验收 once the treatment is completed, else 阶段验收.
        status = None if is_null(parent["treatment_status"]) else parent["treatment_status"]
        return {"kind": "completion" if parent_kind == "patch" and status in ("completed", "accepted") else "stage"}
    return {}


def create_child(child: str, parent_kind: str, parent_fid: int, role: str, user: str, **more: Any) -> Outcome:
    """Create and save a child record with new_child's values (no form); `more`: new_child's options."""
    outcome, feature = new_child(child, parent_kind, parent_fid, role, user, **more)
    if feature is None:
        return outcome
    fid = save_new(layer_of(child, more.get("project")), feature)
    if fid is None:
        return Outcome(False, [Problem(None, "write", "保存失败", "could not save")], child)
    return Outcome(True, [], child, fid)


def _hazard_from_inspection(dam: QgsFeature, project: QgsProject | None) -> dict[str, Any]:
    """A new hazard takes what the latest inspection with a hazard says about it."""
    patrol = None if is_null(dam["patrol_person"]) else dam["patrol_person"]
    out: dict[str, Any] = {"responsible_person": patrol}
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
@dataclass
class Sample:
    """A watershed acceptance's sample before it is drawn: the step's plan and the spots it adds."""

    plan: Plan
    spots: list[QgsFeature]
    share: float
    seed: int


def plan_sample(
    acceptance_fid: int,
    role: str,
    user: str,
    share: float | None,
    seed: int | None = None,
    project: QgsProject | None = None,
) -> Sample | Outcome:
    """Draft → sampled, worked out: every structure and ≥ `share` of the other spots
    (rules.sample_spots, reproducible from the seed); an Outcome when it is refused. `share` None:
    the county's acceptance_sample_share threshold."""
    k = RECORD_KINDS["watershed_acceptance"]
    layer = layer_of(k.name, project)
    feature = get_feature(layer, acceptance_fid) if layer is not None else None
    if feature is None:
        return missing_record(k.name, acceptance_fid)
    values = feature_values(k, feature)
    if seed is None:
        seed = values.get("sample_seed") or int(uuidlib.UUID(values["uuid"]).int % 1_000_000)
    if share is None:
        share = local_thresholds.of(values.get("county_code"))["acceptance_sample_share"]
    plan = plan_transition(k.name, acceptance_fid, "sampled", role, user,
                           {"sample_share": share, "sample_seed": seed}, project)  # fmt: skip
    if plan is None or not plan.ok:
        return missing_record(k.name, acceptance_fid) if plan is None else Outcome(False, plan.problems, k.name)
    spots = children("watershed_spot", values.get("watershed_uuid") or "", project)
    if not spots or layer_of("spot_check", project) is None:
        return Outcome(False, [Problem(None, "missing", "小流域没有治理图斑", "the watershed has no spots")], k.name)
    drawn = set(rules.sample_spots([feature_values(RECORD_KINDS["watershed_spot"], s) for s in spots], share, seed))
    # The figures once the sample's checks exist (all pending), for the question before drawing.
    figures = rules.acceptance_figures([{"step": "pending"}] * len(drawn))
    plan.changes.update(sampled_count=figures["sampled_count"], checked_count=figures["checked_count"])
    return Sample(plan, [s for s in spots if s["uuid"] in drawn], share, seed)


def draw_sample(sample: Sample, role: str, user: str, project: QgsProject | None = None) -> Outcome:
    """Add one pending spot check per sampled spot (once), then move the acceptance to sampled."""
    acceptance = sample.plan.values
    checks_layer = layer_of("spot_check", project)
    existing = {c["spot_uuid"] for c in children("spot_check", acceptance["uuid"], project)}
    ck = RECORD_KINDS["spot_check"]
    if not checks_layer.isEditable() and not checks_layer.startEditing():
        return Outcome(False, [Problem(None, "write", "保存失败", "could not save")], sample.plan.kind.name)
    for spot in sample.spots:
        if spot["uuid"] in existing:
            continue
        point = _point(spot)
        geometry = QgsGeometry.fromPointXY(QgsPointXY(*point)) if point else QgsGeometry()
        values = {"uuid": str(uuidlib.uuid4()), "acceptance_uuid": acceptance["uuid"], "spot_uuid": spot["uuid"],
                  "step": "pending", "county_code": acceptance.get("county_code")}  # fmt: skip
        checks_layer.addFeature(new_feature(checks_layer, ck, values, geometry))
    if not checks_layer.commitChanges():
        checks_layer.rollBack()
        return Outcome(False, [Problem(None, "write", "保存失败", "could not save")], sample.plan.kind.name)
    # Planned again now that the checks exist: the counts derive from them.
    extra = {"sample_share": sample.share, "sample_seed": sample.seed}
    plan = plan_transition(sample.plan.kind.name, sample.plan.fid, "sampled", role, user, extra, project)
    return missing_record(sample.plan.kind.name, sample.plan.fid) if plan is None else apply(plan, role, user, project)
