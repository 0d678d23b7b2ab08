"""Attribute forms configured from the model: tabs, widgets, soft constraints in Chinese, defaults."""

from __future__ import annotations

from qgis.core import QgsEditFormConfig, QgsFieldConstraints, QgsProject, QgsVectorLayerUtils
from shuibao.layers.project import open_store_in_project


def test_dam_inspection_form_tabs_widgets_constraints(qgis_new_project, small_store):
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
    assert labels == ["无隐患", "一般隐患", "重大隐患"]
    assert layer.editorWidgetSetup(fields.indexFromName("collapse_slide")).type() == "CheckBox"
    assert layer.editorWidgetSetup(fields.indexFromName("inspected_at")).type() == "DateTime"
    measures = fields.indexFromName("measures")
    assert "有隐患时必须填写处理措施" in layer.constraintDescription(measures)
    strength = fields.at(measures).constraints().constraintStrength(QgsFieldConstraints.Constraint.ConstraintExpression)
    assert strength == QgsFieldConstraints.ConstraintStrength.ConstraintStrengthSoft
    assert "必须填写检查结论" in layer.constraintDescription(result)
    assert config.readOnly(fields.indexFromName("distance_to_object"))

    feature = QgsVectorLayerUtils.createFeature(layer, context=layer.createExpressionContext())
    assert feature["inspector"]  # settings or the OS user
    assert feature["inspected_at"]
    assert feature["step"] == "draft"
    assert feature["county_code"]


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
