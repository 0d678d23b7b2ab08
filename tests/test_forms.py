"""Attribute forms configured from the model: tabs, widgets, soft constraints that ask the model,
defaults that fill the store's own fields, references shown by name."""

from __future__ import annotations

from qgis.core import (
    QgsEditFormConfig,
    QgsExpression,
    QgsExpressionContext,
    QgsFieldConstraints,
    QgsProject,
    QgsVectorLayerUtils,
)
from shuibao.layers import forms
from shuibao.layers.project import display_expression, open_store_in_project
from shuibao.model import RECORD_KINDS, rules
from shuibao.model.rules import Problem
from shuibao.ui import actions

SOFT = QgsFieldConstraints.ConstraintStrength.ConstraintStrengthSoft
HARD = QgsFieldConstraints.ConstraintStrength.ConstraintStrengthHard


def _soft_ok(layer, feature, field: str) -> bool:
    ok, _errors = QgsVectorLayerUtils.validateAttribute(layer, feature, layer.fields().indexFromName(field), SOFT)
    return ok


def _hard_ok(layer, feature) -> bool:
    return all(QgsVectorLayerUtils.validateAttribute(layer, feature, i, HARD)[0] for i in range(layer.fields().count()))


def _new_inspection(layers):
    dam = next(layers["dam"].getFeatures())
    layer = layers["dam_inspection"]
    outcome, feature = actions.new_child("dam_inspection", "dam", dam.id(), "inspector", "张三")
    assert outcome.ok, outcome.message("zh")
    return layer, feature


def test_dam_inspection_form_tabs_widgets_and_constraints(qgis_new_project, small_store):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    layer = layers["dam_inspection"]
    config = layer.editFormConfig()
    assert config.layout() == QgsEditFormConfig.EditorLayout.TabLayout
    assert [t.name() for t in config.tabs()][:7] == [
        "基本信息",
        "坝体",
        "放水建筑物",
        "溢洪道",
        "淤积",
        "防汛准备",
        "结论",
    ]
    fields = layer.fields()
    result = fields.indexFromName("result")
    assert layer.editorWidgetSetup(result).type() == "ValueMap"
    labels = [next(iter(e)) for e in layer.editorWidgetSetup(result).config()["map"]]
    assert labels == ["（未填写）", "无隐患", "一般隐患", "重大隐患"]
    assert layer.editorWidgetSetup(fields.indexFromName("collapse_slide")).type() == "CheckBox"
    # A yes/no the next step needs answered is a choice, so "not answered" differs from "no".
    ok = layer.editorWidgetSetup(fields.indexFromName("flood_storage_ok"))
    assert ok.type() == "ValueMap" and [next(iter(e)) for e in ok.config()["map"]] == ["（未填写）", "是", "否"]
    assert layer.editorWidgetSetup(fields.indexFromName("inspected_at")).type() == "DateTime"
    assert config.readOnly(fields.indexFromName("distance_to_object"))

    # Every editable field's constraint asks the model; the descriptions say when it is needed.
    measures = fields.indexFromName("measures")
    expression = layer.constraintExpression(measures)
    assert expression.startswith("shuibao_problems('dam_inspection', 'measures', 'zh', ") and '"result"' in expression
    assert "有隐患时必须填写处理措施" in layer.constraintDescription(measures)
    assert layer.constraintDescription(result) == "提交检查前请填写检查结论"
    strength = fields.at(measures).constraints().constraintStrength(QgsFieldConstraints.Constraint.ConstraintExpression)
    assert strength == SOFT


def test_a_draft_is_marked_where_the_next_step_needs_more(qgis_new_project, small_store):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    layer, feature = _new_inspection(layers)
    assert feature["step"] == "draft" and feature["inspector"] == "张三" and feature["county_code"]
    blank = QgsVectorLayerUtils.createFeature(layer, context=layer.createExpressionContext())
    assert not blank["inspector"]  # nobody logged in: empty, never the OS account (see test_identity)
    # Needed to submit, still empty: no green tick (a soft failure), from the start.
    assert not _soft_ok(layer, feature, "result")
    assert not _soft_ok(layer, feature, "signature")
    assert _soft_ok(layer, feature, "kind") and _soft_ok(layer, feature, "settlement")
    # A conditional need follows the values: cracks need their width.
    assert _soft_ok(layer, feature, "crack_width")
    feature["crack_type"] = "transverse"
    assert not _soft_ok(layer, feature, "crack_width")
    feature["crack_width"] = 3.0
    assert _soft_ok(layer, feature, "crack_width")
    # Ranges are the model's too.
    feature["settlement"] = -1.0
    assert not _soft_ok(layer, feature, "settlement")
    # What the step fills by itself is not asked for: re-checking a hazard dates and signs it.
    hazards = layers["dam_hazard"]
    hazard = next(h for h in hazards.getFeatures() if h["step"] == "rectified")
    assert _soft_ok(hazards, hazard, "rechecked_at") and _soft_ok(hazards, hazard, "rechecked_by")
    assert not _soft_ok(hazards, hazard, "recheck_result") or hazard["recheck_result"]


def test_a_rule_added_to_the_model_shows_in_the_forms(qgis_new_project, small_store, monkeypatch):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    layer, feature = _new_inspection(layers)
    feature["seepage_location"] = "右坝肩"
    assert _soft_ok(layer, feature, "seepage_location")
    feature["seepage_location"] = "左坝肩 K0+020"
    original = rules.validate

    def stricter(kind, values, *args, **kw):
        found = original(kind, values, *args, **kw)
        if rules._kind(kind).name == "dam_inspection" and values.get("seepage_location") == "右坝肩":
            found.append(Problem("seepage_location", "rule", "渗漏位置须写桩号", "give the chainage"))
        return found

    monkeypatch.setattr(rules, "validate", stricter)
    assert _soft_ok(layer, feature, "seepage_location")
    feature["seepage_location"] = "右坝肩"  # the same value as before, now against the new rule
    forms.forget_problems()
    assert not _soft_ok(layer, feature, "seepage_location")
    problems = forms.record_problems(RECORD_KINDS["dam_inspection"], feature)
    assert [p.zh for p in problems["seepage_location"]] == ["渗漏位置须写桩号"]


def test_the_store_s_own_fields_never_block_a_form(qgis_new_project, small_store):
    """uuid is UNIQUE and created_at NOT NULL in the file (hard constraints QGIS enforces): a new
    record's form fills them, so OK is never held up by a field the person cannot see or type."""
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    for name, layer in layers.items():
        feature = QgsVectorLayerUtils.createFeature(layer, context=layer.createExpressionContext())
        assert feature["uuid"] and len(feature["uuid"]) == 36 and "{" not in feature["uuid"], name
        assert feature["created_at"], name
        assert _hard_ok(layer, feature), name


def _sampled_acceptance(layers):
    """A watershed acceptance with its sample drawn (through the workflow actions)."""
    shed = next(layers["watershed"].getFeatures())
    created = actions.create_child("watershed_acceptance", "watershed", shed.id(), "acceptor", "李验收")
    assert created.ok, created.message("zh")
    sample = actions.plan_sample(created.fid, "acceptor", "李验收", 0.2)
    assert actions.draw_sample(sample, "acceptor", "李验收").ok
    return actions.get_feature(layers["watershed_acceptance"], created.fid)


def test_references_show_code_and_name(qgis_new_project, small_store, small_data):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    _sampled_acceptance(layers)
    hazards = layers["dam_hazard"]
    for field, relation_to in (("dam_uuid", "dam"), ("inspection_uuid", "dam_inspection")):
        setup = hazards.editorWidgetSetup(hazards.fields().indexFromName(field))
        assert setup.type() == "RelationReference", field
        relation = QgsProject.instance().relationManager().relation(setup.config()["Relation"])
        assert relation.referencedLayer() is layers[relation_to]
    hazard = next(h for h in hazards.getFeatures() if h["inspection_uuid"])
    dam = next(d for d in small_data["dam"] if d["uuid"] == hazard["dam_uuid"])
    context = QgsExpressionContext(hazards.createExpressionContext())
    context.setFeature(hazard)
    assert QgsExpression('represent_value("dam_uuid")').evaluate(context) == f"{dam['code']} {dam['name']}"
    shown = QgsExpression('represent_value("inspection_uuid")').evaluate(context)
    assert shown and hazard["inspection_uuid"] not in shown
    assert shown.split(" ")[0] in {"汛前检查", "汛期巡查", "汛后检查", "特别检查", "隐患排查", "淤积调查", "竣工验收"}

    checks = layers["spot_check"]
    check = next(checks.getFeatures())
    spot = next(s for s in small_data["watershed_spot"] if s["uuid"] == check["spot_uuid"])
    context = QgsExpressionContext(checks.createExpressionContext())
    context.setFeature(check)
    assert QgsExpression('represent_value("spot_uuid")').evaluate(context).startswith(spot["spot_code"] + " ")


def test_display_expressions_read_as_names(qgis_new_project, small_store):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    acceptances = layers["watershed_acceptance"]
    assert acceptances.displayExpression() == display_expression(RECORD_KINDS["watershed_acceptance"], "zh")
    feature = _sampled_acceptance(layers)
    context = QgsExpressionContext(acceptances.createExpressionContext())
    context.setFeature(feature)
    text = QgsExpression(acceptances.displayExpression()).evaluate(context)
    assert text == f"{RECORD_KINDS['watershed_acceptance'].field('kind').enum.label(feature['kind'])} {feature['year']}"
    # Empty parts are left out, never "NULL".
    photos = layers["photo"]
    empty = QgsVectorLayerUtils.createFeature(photos, context=photos.createExpressionContext())
    context = QgsExpressionContext(photos.createExpressionContext())
    context.setFeature(empty)
    assert "NULL" not in str(QgsExpression(photos.displayExpression()).evaluate(context))


def test_derived_defaults_and_relation_tabs(qgis_new_project, small_store):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    dam = layers["dam"]
    tabs = [t.name() for t in dam.editFormConfig().tabs()]
    assert "淤地坝检查" in tabs and "隐患台账" in tabs
    assert "治理图斑" in [t.name() for t in layers["watershed"].editFormConfig().tabs()]
    patch = layers["patch"]
    feature = next(patch.getFeatures())
    ctx = patch.createExpressionContext()
    ctx.setFeature(feature)
    area = patch.defaultValue(patch.fields().indexFromName("area"), feature, ctx)
    assert abs(area - feature["area"]) / feature["area"] < 0.01
    assert patch.defaultValueDefinition(patch.fields().indexFromName("area")).applyOnUpdate()
    size = patch.defaultValue(patch.fields().indexFromName("size_class"), feature, ctx)
    assert size == feature["size_class"]
    f = next(dam.getFeatures())
    ctx = dam.createExpressionContext()
    ctx.setFeature(f)
    assert dam.defaultValue(dam.fields().indexFromName("scale"), f, ctx) == f["scale"]


def test_form_in_english(qgis_new_project, small_store):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="en")
    layer = layers["dam_inspection"]
    assert [t.name() for t in layer.editFormConfig().tabs()][1] == "Dam body"
    assert "A hazard needs measures" in layer.constraintDescription(layer.fields().indexFromName("measures"))
    assert forms.tab_of(RECORD_KINDS["dam_inspection"], "signature", "en") == "Result"
