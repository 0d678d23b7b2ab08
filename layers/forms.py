"""QGIS-native attribute forms configured from the model (QgsEditFormConfig, qgis.core only).

For each record kind: a tab layout that follows the steps and checklist sections, editor widgets
(value maps with labels in the user's language, check boxes, date/time pickers, multi-line text),
soft constraints built from the model's per-step required fields, ranges and RequiredWhen rules
(a draft that fails them can still be saved; the workflow action refuses the step), default
values (inspector from the settings or the OS user, ``now()``, the parent's county), derived fields
read-only with default-value expressions applied on update where QGIS can compute them, relation
editors for the children, and a "Photos" tab showing the record's photos. A photo's own form shows
the picture with its caption and time; its file fields (hash, type, size, parent) are read only,
because the file lies beside the store under its hash (sync.engine) and is added from the docks.
"""

from __future__ import annotations

import json
from collections import OrderedDict

from qgis.core import (
    QgsAttributeEditorContainer,
    QgsAttributeEditorField,
    QgsAttributeEditorHtmlElement,
    QgsAttributeEditorRelation,
    QgsDefaultValue,
    QgsEditFormConfig,
    QgsEditorWidgetSetup,
    QgsExpression,
    QgsExpressionFunction,
    QgsFeature,
    QgsFeatureRequest,
    QgsFieldConstraints,
    QgsRelation,
    QgsVectorLayer,
)
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QObject

from ..model import RECORD_KINDS, RecordKind, rules
from ..model.definition import AUDIT_FIELD_NAMES
from ..model.rules import Problem
from ..model.schema import BOOL, DATE, DATETIME, ENUM, INT, MULTI_ENUM, REAL, TEXT, Field
from . import choices, threshold_expr
from . import thresholds as local_thresholds
from .values import feature_values, python_value, qt_value

USER_VARIABLE = "shuibao_user"
COUNTY_VARIABLE = "shuibao_county_code"
USER_EXPRESSION = f"@{USER_VARIABLE}"  # the logged-in user (settings.identity), never the OS account
MULTILINE = ("description", "measures", "measure", "opinion", "note", "rectification_note", "delist_reason",
             "flag_reason", "damage", "evidence", "evidence_note", "determination_note")  # fmt: skip
# Fields filled with the current user / the current time when a record is created.
USER_FIELDS = ("inspector", "surveyor")
NOW_FIELDS = ("inspected_at", "surveyed_at")

RECORD_TAB = ("记录信息", "Record")
OTHER_TAB = ("其他", "Other")
PHOTOS_TAB = ("照片", "Photos")
PHOTOS_ELEMENT = ("本记录的照片", "Photos of this record")
PREVIEW_ELEMENT = ("预览", "Preview")
NO_PHOTOS = (
    "暂无照片。在对象面板中用“添加照片…”添加。",
    "No photos yet. Add them with “Add photo…” in the object dock.",
)
NOT_DOWNLOADED = ("照片尚未下载", "photo not downloaded yet")
PHOTO_FILE_FIELDS = ("parent_kind", "parent_uuid", "sha256", "mime_type", "size_bytes")
PHOTO_THUMB_HEIGHT = 120

# Tabs per kind: (zh, en, fields). Fields of the kind not listed land in "Other".
SECTIONS: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "dam": (
        ("基本信息", "Basic", ("code", "name", "township", "village", "watershed_code", "hazard_status",
                             "last_inspected_at", "maintenance_body")),
        ("工程规模", "Structure", ("scale", "total_storage", "silt_storage", "flood_storage", "silted_storage",
                               "control_area", "dam_height", "crest_length", "crest_width", "crest_elevation",
                               "design_silt_elevation", "current_silt_elevation", "silted_farmland",
                               "year_built", "year_reinforced", "composition", "outlet_type", "has_spillway")),
        ("安全责任", "Safety duty", ("downstream_exposure", "patrol_class", "admin_person", "admin_phone",
                                 "tech_person", "tech_phone", "patrol_person", "patrol_phone", "dedicated_patroller",
                                 "construction_stage", "legal_person", "legal_person_phone", "monitoring")),
        ("登记销号", "Register", ("register_status", "delist_cause", "delist_reason", "delist_document",
                               "delist_authority", "delist_date")),
    ),
    "dam_inspection": (
        ("基本信息", "Basic", ("dam_uuid", "kind", "inspected_at", "inspector", "step", "position_source",
                             "distance_to_object")),
        ("坝体", "Dam body", ("flood_storage_ok", "settlement", "collapse_slide", "crack_type", "crack_length",
                            "crack_width", "face_scour", "animal_burrows", "seepage", "seepage_location",
                            "seepage_flow")),
        ("放水建筑物", "Outlet works", ("outlet_blocked", "outlet_damaged", "outlet_basin_damaged",
                                     "outlet_operable")),
        ("溢洪道", "Spillway", ("spillway_blocked", "spillway_scour", "spillway_lining_damaged")),
        ("淤积", "Silting", ("silt_elevation", "height_to_spillway", "remaining_flood_storage", "illegal_storage")),
        ("防汛准备", "Flood readiness", ("persons_on_duty", "emergency_plan", "materials_ready", "warning_signs",
                                      "monitoring_online")),
        ("结论", "Result", ("result", "flag_reason", "measures", "deadline", "signature")),
    ),
    "dam_hazard": (
        ("隐患", "Hazard", ("dam_uuid", "inspection_uuid", "step", "severity", "description")),
        ("整改", "Rectification", ("measure", "responsible_person", "deadline", "rectified_at",
                                 "rectification_note")),
        ("复查销号", "Re-check and close", ("rechecked_at", "rechecked_by", "recheck_result", "closed_at",
                                         "closed_by")),
    ),
    "patch": (
        ("基本信息", "Basic", ("code", "name", "kind", "township", "village", "watershed_code",
                             "treatment_status", "treatment_mode")),
        ("形态", "Form", ("area", "size_class", "shape", "is_cluster", "cluster_members", "activity",
                        "gully_status", "depth", "width", "length", "top_width", "bottom_width", "gradient",
                        "catchment_area", "head_lon", "head_lat", "mouth_lon", "mouth_lat")),
        ("危害", "Threats", ("hazard_types", "soil_type", "vegetation_cover", "farmland_threatened",
                           "people_threatened", "risk_level", "risk_assessed_on")),
        ("治理与管护", "Treatment and upkeep", ("treatment_mode", "new_farmland", "farmland_balance", "caretaker",
                                          "caretaker_phone")),
        ("登记销号", "Register", ("register_status", "delist_reason", "delist_date")),
    ),
    "patch_survey": (
        ("基本信息", "Basic", ("patch_uuid", "surveyed_at", "surveyor", "step", "position_source")),
        ("尺寸", "Dimensions", ("area", "depth", "width", "length", "shape", "development_stage", "activity")),
        ("典型调查", "Detailed survey", ("catchment_area", "alluvial_fan_area", "channel_length", "channel_width",
                                      "channel_gradient", "mouth_width", "branch_count", "vegetation_cover",
                                      "erosion_volume", "erosion_modulus", "erosion_intensity")),
        ("危害与治理", "Threats and treatment", ("farmland_threatened", "people_threatened", "unit_cost", "note")),
    ),
    "watershed": (
        ("基本信息", "Basic", ("code", "name", "county_codes", "project_type", "subtype", "is_premium",
                             "whole_county", "year", "batch", "treatment_status", "maintenance_body")),
        ("指标", "Figures", ("area", "eroded_light", "eroded_moderate", "eroded_strong", "eroded_very_strong",
                           "eroded_severe", "eroded_area", "erosion_modulus", "forest_grass_cover",
                           "conservation_rate", "treatment_degree")),
        ("生态清洁", "Ecological clean", ("sewage_treatment_rate", "refuse_treatment_rate", "outlet_water_class")),
        ("登记销号", "Register", ("register_status", "delist_reason", "delist_date")),
    ),
    "watershed_acceptance": (
        ("基本信息", "Basic", ("watershed_uuid", "kind", "year", "step")),
        ("抽样", "Sample", ("sample_share", "sample_seed", "sampled_count", "checked_count")),
        ("结论", "Verdict", ("pass_rate", "survival_rate", "treatment_degree", "verdict", "fail_reasons", "opinion",
                           "acceptor", "signed_at")),
    ),
    **{
        upkeep: (
            ("基本信息", "Basic", (f"{parent}_uuid", "spot_uuid", "inspected_at", "inspector", "step",
                                 "position_source")),
            ("管护情况", "Upkeep", ("caretaker_present", "facilities_intact", "vegetation_kept", "damage")),
            ("结论", "Result", ("result", "measures", "deadline")),
        )
        for upkeep, parent in (("patch_upkeep", "patch"), ("watershed_upkeep", "watershed"))
    },
    "rs_spot": (
        ("下发信息", "Issued", ("spot_id", "batch", "batch_year", "batch_round", "issuer_level", "issued_on",
                              "deadline", "township", "village", "issued_area", "area", "split_from", "step")),
        ("项目信息", "Project", ("disturbance_type", "project_type", "project_name", "builder", "plan_approval_no")),
        ("复核认定", "Re-check and determination", ("recheck_uuid", "rechecked_at", "determination",
                                                  "determination_note", "determined_at", "determined_by")),
        ("整改查处", "Rectification and penalty", ("notice_type", "notice_no", "notice_date", "notice_deadline",
                                                 "case_no", "case_filed_on", "penalty_decision_no", "penalty_amount")),
        ("销号", "Close", ("evidence_type", "evidence_no", "evidence_date", "evidence_note", "closed_at", "closed_by")),
    ),
    "rs_recheck": (
        ("复核", "Re-check", ("spot_uuid", "rechecked_at", "inspector", "step", "position_source",
                            "distance_to_object")),
        ("现场情况", "On site", ("disturbance_found", "extent_matches", "disturbed_area", "construction_status")),
        ("项目与认定", "Project and determination", ("project_type", "project_name", "builder", "plan_approval_no",
                                                  "determination", "evidence")),
    ),
    "photo": (
        ("照片", "Photo", ("caption", "taken_at", "parent_kind", "parent_uuid", "sha256", "mime_type", "size_bytes")),
    ),
}  # fmt: skip

# Child kinds shown as relation editors in their parent's form, with the tab title.
CHILD_TABS = {
    "dam": ("dam_inspection", "dam_hazard"),
    "patch": ("patch_survey", "patch_measure", "patch_acceptance", "patch_upkeep"),
    "watershed": ("watershed_spot", "watershed_acceptance", "watershed_upkeep"),
    "watershed_acceptance": ("spot_check",),
    "dam_inspection": (),
    "rs_spot": ("rs_recheck",),
}


def _lit(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- derived fields ----------------------------------------------------------------------------
def gk_area_expression() -> str:
    """Area in m² in the CGCS2000 3-degree Gauss-Kruger zone (EPSG:4534–4554) of the feature."""
    zone = "'EPSG:' || to_string(4534 + round(x(centroid($geometry)) / 3) - 25)"
    return f"area(transform($geometry, 'EPSG:4490', {zone}))"


def _case(value: str, bounds: list[tuple[str, str]], last: str) -> str:
    whens = " ".join(f"WHEN {value} >= {b} THEN '{code}'" for b, code in bounds)
    return f"CASE WHEN {value} IS NULL THEN NULL {whens} ELSE '{last}' END"


def _threshold(name: str) -> str:
    """The threshold ``name`` in force in the record's county (layers.threshold_expr)."""
    return f'{threshold_expr.FUNCTION}("county_code", {_lit(name)})'


def derived_expression(kind: RecordKind, f: Field, layer_ids: dict[str, str] | None = None) -> str | None:
    """A QGIS expression computing a derived field, or None when QGIS cannot compute it in a form.
    Thresholds are those of the record's county, read when the form computes."""
    t = _threshold
    area = gk_area_expression()
    if f.derived == "area_m2":
        return f"round({area}, 1)"
    if f.derived == "area_hm2":
        return f"round({area} / 10000.0, 4)"
    if f.derived == "area_km2":
        return f"round({area} / 1000000.0, 6)"
    if f.derived == "dam_scale":
        bounds = [
            (t("dam_backbone_min_storage"), "backbone"),
            (t("dam_medium_min_storage"), "medium"),
            (t("dam_small_min_storage"), "small"),
        ]
        return _case('"total_storage"', bounds, "tiny")
    if f.derived == "patch_size_class":
        bounds = [(t("benggang_large_min_area"), "large"), (t("benggang_medium_min_area"), "medium")]
        return f'CASE WHEN "kind" = \'benggang\' THEN {_case(area, bounds, "small")} ELSE "size_class" END'
    if f.derived == "conservation_rate":
        # From the geometry's area, not the "area" field: QGIS applies on-update defaults in no set order, so
        # the field may still hold the area from before the edit.
        a = '"area"'
        if "area" in kind.field_names() and kind.field("area").derived:
            a = f'coalesce({derived_expression(kind, kind.field("area"))}, "area")'
        return f'CASE WHEN {a} > 0 AND "eroded_area" IS NOT NULL THEN round(100.0 * ({a} - "eroded_area") / {a}, 1) END'
    if f.derived == "erosion_intensity":  # SL 190-2007; below the region's tolerable loss it is slight
        m = '"erosion_modulus"'
        bounds = [(15000, "severe"), (8000, "very_strong"), (5000, "strong"), (2500, "moderate")]
        inner = " ".join(f"WHEN {m} >= {b} THEN '{c}'" for b, c in bounds)
        return (
            f"CASE WHEN {m} IS NULL THEN NULL {inner} WHEN {m} >= {t('tolerable_loss')} THEN 'light' ELSE 'slight' END"
        )
    if f.derived == "distance_to_parent" and kind.parent and layer_ids and kind.parent in layer_ids:
        parent = f"geometry(get_feature('{layer_ids[kind.parent]}', 'uuid', {_q(kind.parent_field or '')}))"
        zone = "'EPSG:' || to_string(4534 + round(x($geometry) / 3) - 25)"
        return (
            f"CASE WHEN $geometry IS NULL OR {parent} IS NULL THEN NULL ELSE "
            f"round(distance(transform($geometry, 'EPSG:4490', {zone}), "
            f"transform({parent}, 'EPSG:4490', {zone})), 1) END"
        )
    if f.derived in ("area_m2", "area_hm2", "area_km2", "distance_to_parent"):
        return None  # from the geometry: QGIS's own measures above, or nothing without the parent layer
    return f"{DERIVED_FUNCTION}({_lit(kind.name)}, {_lit(f.name)})"  # the model computes it


# -- the model in the forms: each field's problems while typing, the derived values -------------
PROBLEMS_FUNCTION = "shuibao_problems"
DERIVED_FUNCTION = "shuibao_derived"
SERVER_OWNED = ("uuid", "server_rev", "created_at", "created_by", "updated_at", "updated_by")
_CACHE_SIZE = 16


class Answers:
    """What the model says about one state of a record: its problems by field and its derived values,
    both with the related records the rules read (layers.records.context). Kept per record state: a
    form evaluates every field's constraint and default on each keystroke, one field after another."""

    def __init__(self):
        self._cache: OrderedDict = OrderedDict()
        self._last: tuple | None = None

    def of(self, kind: RecordKind, feature: QgsFeature) -> tuple[dict[str, list[Problem]], dict]:
        attrs = feature.attributes()
        last = self._last
        if last is not None and last[0] == kind.name and last[1] == attrs:
            return last[2]  # the same record state: QGIS asks once per field, one after the other
        found = self._by_values(kind, feature)
        self._last = (kind.name, attrs, found)
        return found

    def _by_values(self, kind: RecordKind, feature: QgsFeature) -> tuple[dict[str, list[Problem]], dict]:
        from .records import context  # records imports the project module, which imports this one

        values = feature_values(kind, feature)
        t = local_thresholds.of(values.get("county_code"))  # the record's county's, as last delivered
        key = (kind.name, id(t), tuple(sorted(values.items(), key=lambda kv: kv[0])))
        found = self._cache.get(key)
        if found is None:
            ctx = context(kind, values, feature)  # under the thresholds of the record's county
            found = (rules.problems_by_field(kind, values, t, ctx), rules.derive(kind, values, ctx))
            self._cache[key] = found
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return found

    def clear(self) -> None:
        self._cache.clear()
        self._last = None


_ANSWERS = Answers()


class _ModelFunction(QgsExpressionFunction):
    def record(self, values, context) -> tuple[RecordKind | None, QgsFeature | None]:
        kind = RECORD_KINDS.get(str(values[0]))
        if kind is None or context is None or not context.hasFeature():
            return None, None
        return kind, context.feature()

    def usesGeometry(self, node) -> bool:  # noqa: N802 - QGIS API
        return False

    def referencedColumns(self, node):  # noqa: N802 - QGIS API
        return [QgsFeatureRequest.ALL_ATTRIBUTES]

    def handlesNull(self) -> bool:  # noqa: N802 - QGIS API
        return True


class ProblemsFunction(_ModelFunction):
    """``shuibao_problems('kind', 'field', 'zh', …)``: the model's problems of one field of the feature
    being edited (rules.problems_by_field: at its step, before its next step, the rules that look at
    related records, and the warnings), as text; NULL when there are none. Every form constraint is
    this call, so a rule added to the model shows in the forms without a change here."""

    def __init__(self):
        super().__init__(PROBLEMS_FUNCTION, -1, "Shuibao",
                         "<h3>shuibao_problems(kind, field, lang, …)</h3>What the Shuibao model finds wrong with a"
                         " field of the current feature, or NULL. Further arguments (fields of the record) only"
                         " tell QGIS which fields the answer depends on.")  # fmt: skip

    def func(self, values, context, parent, node):  # noqa: ARG002 - QGIS signature
        kind, feature = self.record(values, context)
        found = _ANSWERS.of(kind, feature)[0].get(str(values[1])) if kind is not None else None
        if not found:
            return None
        lang = "zh" if str(values[2]) == "zh" else "en"
        return ("；" if lang == "zh" else "; ").join(p.message(lang) for p in found)


class DerivedFunction(_ModelFunction):
    """``shuibao_derived('kind', 'field')``: the model's value of a derived field of the feature
    (rules.derive, with the related records), as the field's default applied on every update; the
    value it has when the model cannot compute it here (rules.KEEP)."""

    def __init__(self):
        super().__init__(DERIVED_FUNCTION, 2, "Shuibao", "<h3>shuibao_derived(kind, field)</h3>The Shuibao"
                         " model's value of a derived field of the current feature.")  # fmt: skip

    def func(self, values, context, parent, node):  # noqa: ARG002 - QGIS signature
        kind, feature = self.record(values, context)
        name = str(values[1])
        if kind is None or name not in feature.fields().names():
            return None
        derived = _ANSWERS.of(kind, feature)[1]
        if name not in derived:
            return feature[name]
        return qt_value(kind.field(name), derived[name])


_FUNCTIONS: dict[str, QgsExpressionFunction] = {}  # name -> function (kept alive while registered)


def register_functions() -> None:
    """Register shuibao_problems() and shuibao_derived() with QGIS (once; the plugin unloads them)."""
    if _FUNCTIONS and all(QgsExpression.isFunctionName(name) for name in _FUNCTIONS):
        return
    unregister_functions()
    for name, make in ((PROBLEMS_FUNCTION, ProblemsFunction), (DERIVED_FUNCTION, DerivedFunction)):
        _FUNCTIONS[name] = make()
        QgsExpression.registerFunction(_FUNCTIONS[name])


def unregister_functions() -> None:
    for name in list(_FUNCTIONS):
        if QgsExpression.isFunctionName(name):
            QgsExpression.unregisterFunction(name)
        del _FUNCTIONS[name]


def unload() -> None:
    """Undo what configuring forms set up outside the layers' own settings (the plugin's unload)."""
    unregister_functions()
    while _VALUE_FIXES:
        fix = _VALUE_FIXES.pop()
        if not sip.isdeleted(fix):
            fix.layer.beforeCommitChanges.disconnect(fix.fix)
            fix.deleteLater()


def forget_problems() -> None:
    """Drop the kept results (after the model's rules changed, in tests)."""
    _ANSWERS.clear()


def record_problems(kind: RecordKind, feature: QgsFeature) -> dict[str, list[Problem]]:
    """The problems a form shows for `feature`, by field (the same the constraints show)."""
    return _ANSWERS.of(kind, feature)[0]


def action_into(kind: RecordKind, step: str, lang: str) -> str | None:
    """The label of the transition that moves a record forward into `step` ("提交检查" for
    submitted); None for a first step, which a record has from the start."""
    for wf in kind.workflows():
        for t in wf.transitions:
            if t.target == step and wf.step_index(t.source) < wf.step_index(step):
                return t.zh if lang == "zh" else t.en
    return None


def requirement_text(kind: RecordKind, f: Field, lang: str = "zh") -> str:
    """What the model asks of a field, in the user's language: the constraint's description."""
    label = f.zh if lang == "zh" else f.en
    texts: list[str] = []
    actions = [action_into(kind, step, lang) for step in f.required_at if step != "*"]
    if f.required_at and (None in actions or "*" in f.required_at):
        texts.append(f"必须填写{label}" if lang == "zh" else f"{label} is required")
    elif actions:
        action = actions[0]
        texts.append(f"{action}前请填写{label}" if lang == "zh" else f"{label} is needed before '{action}'")
    if f.type in (INT, REAL) and f.minimum is not None:
        texts.append(f"{label}不能小于{f.minimum:g}" if lang == "zh" else f"{label} must be ≥ {f.minimum:g}")
    if f.type in (INT, REAL) and f.maximum is not None:
        texts.append(f"{label}不能大于{f.maximum:g}" if lang == "zh" else f"{label} must be ≤ {f.maximum:g}")
    texts += [r.zh if lang == "zh" else r.en for r in kind.rules if r.field == f.name]
    if not texts:
        texts.append(f"{label}须符合填写规则" if lang == "zh" else f"{label} follows the model's rules")
    return ("；" if lang == "zh" else "; ").join(texts)


def field_constraints(kind: RecordKind, lang: str = "zh") -> dict[str, tuple[str, str]]:
    """Per editable field: (soft constraint expression asking the model, description in `lang`).

    The expression also names the fields the model says the answer depends on (rules.field_inputs):
    a form re-checks a field's constraint when a field its expression names changes.
    """
    out: dict[str, tuple[str, str]] = {}
    for f in kind.fields:
        if f.derived or f.name in SERVER_OWNED:
            continue
        args = [_lit(kind.name), _lit(f.name), _lit(lang), *(_q(n) for n in rules.field_inputs(kind, f.name))]
        out[f.name] = (f"{PROBLEMS_FUNCTION}({', '.join(args)}) IS NULL", requirement_text(kind, f, lang))
    return out


def tab_of(kind: RecordKind, field: str, lang: str = "zh") -> str:
    """The title of the form tab that holds `field`."""
    pick = 0 if lang == "zh" else 1
    for section in SECTIONS.get(kind.name, ()):
        if field in section[2]:
            return section[pick]
    if field in AUDIT_FIELD_NAMES:
        return RECORD_TAB[pick]
    return kind.label(lang) if kind.name not in SECTIONS else OTHER_TAB[pick]


# -- widgets and defaults ----------------------------------------------------------------------
VALUE_MAP_NULL = "{2839923C-8B7D-419E-B84B-CA2FE9B80EC7}"  # QGIS's value-map key for "no value"
UNANSWERED = ("（未填写）", "(not answered)")
YES_NO = (("是", "Yes"), ("否", "No"))


def is_question(kind: RecordKind, f: Field) -> bool:
    """A yes/no field a step needs answered (required, or required by a rule) and that has no
    default: a check box cannot tell "no" from "not answered yet"."""
    asked = bool(f.required_at) or any(r.field == f.name for r in kind.rules)
    return f.type == BOOL and asked and f.default is None


def widget_setup(f: Field, lang: str, question: bool | None = None) -> QgsEditorWidgetSetup | None:
    """The editor of a field; `question` (default: required with no default) asks yes/no/unanswered."""
    if question is None:
        question = f.type == BOOL and bool(f.required_at) and f.default is None
    if f.type == ENUM and f.enum is not None:
        # An explicit "not filled in" first: else QGIS shows an empty value as "(NULL)".
        pick = 0 if lang == "zh" else 1
        entries = [{UNANSWERED[pick]: VALUE_MAP_NULL}] + [
            {(c.zh if lang == "zh" else c.en): c.code} for c in f.enum.choices
        ]
        return QgsEditorWidgetSetup("ValueMap", {"map": entries})
    if f.type == BOOL and question:
        # A question the step needs answered: a check box cannot tell "no" from "not answered yet".
        pick = 0 if lang == "zh" else 1
        # Saved as the text "true"/"false", which StoredValueFix turns into booleans before a commit.
        entries = [{UNANSWERED[pick]: VALUE_MAP_NULL}, {YES_NO[0][pick]: "true"}, {YES_NO[1][pick]: "false"}]
        return QgsEditorWidgetSetup("ValueMap", {"map": entries})
    if f.type == BOOL:
        return QgsEditorWidgetSetup("CheckBox", {"CheckedState": "", "UncheckedState": "", "TextDisplayMethod": 1})
    if f.type == DATETIME:
        return QgsEditorWidgetSetup(
            "DateTime",
            {"field_format": "yyyy-MM-ddTHH:mm:ss", "display_format": "yyyy-MM-dd HH:mm",
             "calendar_popup": True, "allow_null": True, "field_iso_format": True},
        )  # fmt: skip
    if f.type == DATE:
        return QgsEditorWidgetSetup(
            "DateTime",
            {"field_format": "yyyy-MM-dd", "display_format": "yyyy-MM-dd", "calendar_popup": True, "allow_null": True},
        )
    if f.type == TEXT and f.name in MULTILINE:
        return QgsEditorWidgetSetup("TextEdit", {"IsMultiline": True, "UseHtml": False})
    return None


def shown_number(f: Field) -> QgsEditorWidgetSetup:
    """A computed quantity with the decimals its unit deserves (24.00 km², not 23.999999). Only
    for read-only fields: a form writes back what an editable widget shows, rounded."""
    return QgsEditorWidgetSetup("Range", {"Style": "SpinBox", "Precision": f.decimals(), "Min": -1e15, "Max": 1e15,
                                          "Step": 1, "AllowNull": True})  # fmt: skip


# References a person picks in the form (others are set by the step that makes the record), with
# the expression that narrows the choice: an upkeep check's spot among its watershed's spots.
CHOSEN_REFERENCES = {("watershed_upkeep", "spot_uuid"): "\"watershed_uuid\" = current_value('watershed_uuid')"}


def reference_widget(relation_id: str, choose: str | None = None) -> QgsEditorWidgetSetup:
    """A reference shown as the referenced record's code and name (its layer's display expression),
    with a button that opens its form; the uuid itself is never shown. `choose`: a filter expression
    of the records a person may pick (else the reference is read only)."""
    config = {"Relation": relation_id, "AllowNULL": True, "ShowForm": False, "ShowOpenFormButton": True,
              "MapIdentification": choose is not None, "ReadOnly": choose is None, "AllowAddFeatures": False,
              "OrderByValue": True}  # fmt: skip
    if choose is not None:
        config["FilterExpression"] = choose
    return QgsEditorWidgetSetup("RelationReference", config)


# Audit fields filled on creation, so that the store's NOT NULL and UNIQUE (hard constraints QGIS
# reads from the file) never hold up a form's OK: the store and the server own these values.
AUDIT_DEFAULTS = {"uuid": "uuid('WithoutBraces')", "created_at": "now()", "created_by": USER_EXPRESSION}


class StoredValueFix(QObject):
    """Turns what some editors hand back into what the store holds, before each commit.

    QGIS passes an editor's value to the data provider as it is: a yes/no value map's text "true"
    (the GeoPackage driver reads it into a BOOLEAN column as 0: every "yes" would be stored as "no"),
    a multi-choice editor's ``{a,b}`` (the store, the model and the sync hold a JSON list).
    layers.values.python_value knows both. Owned by its layer; unload() removes them all.
    """

    def __init__(self, layer: QgsVectorLayer, fields: dict[int, Field]):
        super().__init__(layer)
        self.layer, self.fields = layer, fields
        layer.beforeCommitChanges.connect(self.fix)
        _VALUE_FIXES.append(self)

    def fix(self, *_args) -> None:
        buffer = self.layer.editBuffer()
        if buffer is None:
            return
        pending = [(fid, i, f.attribute(i)) for fid, f in buffer.addedFeatures().items() for i in self.fields]
        pending += [(fid, i, v) for fid, changes in buffer.changedAttributeValues().items()
                    for i, v in changes.items() if i in self.fields]  # fmt: skip
        for fid, idx, value in pending:
            if isinstance(value, str):
                stored = python_value(self.fields[idx], value)
                if stored != value:
                    self.layer.changeAttributeValue(fid, idx, qt_value(self.fields[idx], stored))


_VALUE_FIXES: list[StoredValueFix] = []


def _needs_fix(kind: RecordKind, f: Field) -> bool:
    return is_question(kind, f) or (f.type == MULTI_ENUM and not f.derived)


def default_expression(kind: RecordKind, f: Field, layer_ids: dict[str, str] | None) -> str | None:
    if f.name in AUDIT_DEFAULTS:
        return AUDIT_DEFAULTS[f.name]
    if f.name in USER_FIELDS:
        return USER_EXPRESSION
    if f.name in NOW_FIELDS:
        return "now()"
    if f.name == "county_code":
        if kind.parent and layer_ids and kind.parent in layer_ids:
            parent = f"get_feature('{layer_ids[kind.parent]}', 'uuid', {_q(kind.parent_field or '')})"
            return f"coalesce(attribute({parent}, 'county_code'), @{COUNTY_VARIABLE})"
        return f"@{COUNTY_VARIABLE}"
    if f.default is not None:
        return _lit(f.default)
    return None


# -- photos ------------------------------------------------------------------------------------
def photo_url_expression(layer_ref: str, sha: str = '"sha256"') -> str:
    """A QGIS expression for the file URL of a photo: ``<store>.photos/<sha256>`` beside the photo layer's file."""
    path = f"layer_property({layer_ref}, 'path')"
    return f"'file://' || CASE WHEN left({path}, 1) = '/' THEN '' ELSE '/' END || {path} || '.photos/' || {sha}"


def _script(expression: str) -> str:
    """HTML writing the value of a QGIS expression (form HTML widgets evaluate them in JavaScript)."""
    return f"<script>document.write(expression.evaluate({json.dumps(expression)}));</script>"


def photos_html(photo_layer_id: str, lang: str) -> str:
    """HTML showing the photos whose parent is the form's record, or a hint when there are none."""
    pick = 0 if lang == "zh" else 1
    ref = _lit(photo_layer_id)
    attrs = f'" height="{PHOTO_THUMB_HEIGHT}" style="margin:2px" alt="{NOT_DOWNLOADED[pick]}" title="'
    caption = "replace(coalesce(\"caption\", ''), '\"', '&quot;')"
    img = " || ".join((_lit('<img src="'), photo_url_expression(ref), _lit(attrs), caption, _lit('">')))
    photos = (
        f"aggregate(layer:={ref}, aggregate:='concatenate', expression:={img},"
        " filter:=\"parent_uuid\" = attribute(@parent, 'uuid'), concatenator:=' ')"
    )
    empty = f'<p style="color:#777">{NO_PHOTOS[pick]}</p>'
    return _script(f"coalesce(nullif({photos}, ''), {_lit(empty)})")


def photo_html(lang: str) -> str:
    """HTML showing the picture in a photo's own form."""
    pick = 0 if lang == "zh" else 1
    img = " || ".join((_lit('<img src="'), photo_url_expression("@layer"),
                       _lit(f'" alt="{NOT_DOWNLOADED[pick]}" style="max-width:100%; max-height:480px">')))  # fmt: skip
    return _script(img)


def choices_html(f: Field, lang: str) -> str:
    """HTML writing the labels of a multi-choice field's codes (a JSON list), joined by 、."""
    whens = " ".join(
        f"WHEN @element = {_lit(c.code)} THEN {_lit(c.zh if lang == 'zh' else c.en)}" for c in f.enum.choices
    )
    labels = f"array_foreach(from_json(coalesce({_q(f.name)}, '[]')), CASE {whens} ELSE @element END)"
    return _script(f"coalesce(array_to_string({labels}, {_lit('、' if lang == 'zh' else ', ')}), '')")


def _html(name: str, code: str, parent) -> QgsAttributeEditorHtmlElement:
    element = QgsAttributeEditorHtmlElement(name, parent)
    element.setHtmlCode(code)
    return element


# -- layout ------------------------------------------------------------------------------------
def _tab(name: str, parent) -> QgsAttributeEditorContainer:
    tab = QgsAttributeEditorContainer(name, parent)
    tab.setIsGroupBox(False)
    tab.setColumnCount(1)
    return tab


def _layout(
    layer: QgsVectorLayer,
    kind: RecordKind,
    lang: str,
    relations: dict[str, QgsRelation],
    root,
    layer_ids: dict[str, str] | None = None,
) -> list[QgsAttributeEditorContainer]:
    fields = layer.fields()
    placed: set[str] = set()
    tabs: list[QgsAttributeEditorContainer] = []
    pick = 0 if lang == "zh" else 1

    def add_field(tab, name):
        idx = fields.indexFromName(name)
        if idx >= 0 and name not in placed:
            f = kind.field(name) if name in kind.field_names() else None
            if f is not None and f.type == MULTI_ENUM and f.derived:  # shown by its labels, not its codes
                tab.addChildElement(_html(f.label(lang), choices_html(f, lang), tab))
            else:
                tab.addChildElement(QgsAttributeEditorField(name, idx, tab))
            placed.add(name)

    sections = SECTIONS.get(kind.name)
    audit = [f.name for f in kind.fields if f.name in ("uuid", "county_code", "created_at", "created_by",
                                                        "updated_at", "updated_by", "server_rev")]  # fmt: skip
    if sections is None:
        title = kind.label(lang)
        sections = ((title, title, tuple(f.name for f in kind.fields if f.name not in audit)),)
    for section in sections:
        tab = _tab(section[pick], root)
        for name in section[2]:
            add_field(tab, name)
        if kind.name == "photo" and section is sections[0]:
            tab.addChildElement(_html(PREVIEW_ELEMENT[pick], photo_html(lang), tab))
        tabs.append(tab)
    rest = [f.name for f in kind.fields if f.name not in placed and f.name not in audit]
    if rest:
        tab = _tab(OTHER_TAB[pick], root)
        for name in rest:
            add_field(tab, name)
        tabs.append(tab)
    for child in CHILD_TABS.get(kind.name, ()):
        relation = relations.get(child)
        if relation is None or not relation.isValid():
            continue
        tab = _tab(RECORD_KINDS[child].label(lang), root)
        editor = QgsAttributeEditorRelation(relation, tab)
        editor.setRelationWidgetTypeId("relation_editor")  # else QGIS warns and falls back to it
        editor.setLabel(RECORD_KINDS[child].label(lang))
        editor.setShowLabel(False)
        tab.addChildElement(editor)
        tabs.append(tab)
    photo_layer = (layer_ids or {}).get("photo")
    if photo_layer and kind.name != "photo":
        tab = _tab(PHOTOS_TAB[pick], root)
        tab.addChildElement(_html(PHOTOS_ELEMENT[pick], photos_html(photo_layer, lang), tab))
        tabs.append(tab)
    tab = _tab(RECORD_TAB[pick], root)
    for name in audit:
        add_field(tab, name)
    tabs.append(tab)
    return tabs


def configure_form(
    layer: QgsVectorLayer,
    kind: RecordKind,
    lang: str = "zh",
    relations: dict[str, QgsRelation] | None = None,
    layer_ids: dict[str, str] | None = None,
    references: dict[str, str] | None = None,
) -> None:
    """Configure `layer`'s attribute form from the model.

    `relations` maps a child kind to the QgsRelation from this layer to it; `layer_ids` maps kinds
    to layer ids (parent look-ups in default values); `references` maps this kind's reference
    fields (its parent's uuid, an inspection's, a spot's) to the id of the relation they follow.
    """
    register_functions()
    relations = relations or {}
    threshold_expr.register()  # the derived fields' expressions call it
    references = references or {}
    fields = layer.fields()
    form = layer.editFormConfig()
    form.clearTabs()
    for tab in _layout(layer, kind, lang, relations, form.invisibleRootContainer(), layer_ids):
        form.addTab(tab)
    form.setLayout(QgsEditFormConfig.EditorLayout.TabLayout)
    for f in kind.fields:
        idx = fields.indexFromName(f.name)
        if idx < 0:
            continue
        chosen = (kind.name, f.name) in CHOSEN_REFERENCES
        if f.derived or f.name in SERVER_OWNED or (f.ref is not None and not chosen):
            form.setReadOnly(idx, True)
        if kind.name == "photo" and f.name in PHOTO_FILE_FIELDS:
            form.setReadOnly(idx, True)  # they describe the file, which is added from the docks
    layer.setEditFormConfig(form)

    fixed = {fields.indexFromName(f.name): f for f in kind.fields if _needs_fix(kind, f)}
    fixed.pop(-1, None)
    if fixed:
        StoredValueFix(layer, fixed)
    constraints = field_constraints(kind, lang)
    for f in kind.fields:
        idx = fields.indexFromName(f.name)
        if idx < 0:
            continue
        setup = widget_setup(f, lang, is_question(kind, f))
        if f.type == REAL and f.derived and f.decimals() is not None:
            setup = shown_number(f)
        if f.type == MULTI_ENUM and not f.derived:
            setup = choices.widget_setup(f, choices.lookup_layer(layer.project()), lang)
        if kind.name == "photo" and f.name == "parent_kind":
            setup = QgsEditorWidgetSetup("ValueMap", {"map": [{k.label(lang): k.name} for k in RECORD_KINDS.values()]})
        if f.name in references:
            setup = reference_widget(references[f.name], CHOSEN_REFERENCES.get((kind.name, f.name)))
        if setup is not None:
            layer.setEditorWidgetSetup(idx, setup)
        if f.derived:
            expr = derived_expression(kind, f, layer_ids)
            if expr is not None:
                layer.setDefaultValueDefinition(idx, QgsDefaultValue(expr, True))
        else:
            expr = default_expression(kind, f, layer_ids)
            if expr is not None:
                layer.setDefaultValueDefinition(idx, QgsDefaultValue(expr, False))
        if f.name in constraints:
            expression, message = constraints[f.name]
            layer.setConstraintExpression(idx, expression, message)
            layer.setFieldConstraint(
                idx,
                QgsFieldConstraints.Constraint.ConstraintExpression,
                QgsFieldConstraints.ConstraintStrength.ConstraintStrengthSoft,
            )
