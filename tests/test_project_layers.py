"""Opening a store adds its layers to the project: grouped, aliased, value-mapped, styled, once."""

from __future__ import annotations

import os

from qgis.core import QgsCategorizedSymbolRenderer, QgsLayerTreeGroup, QgsProject
from shuibao.layers import project as project_layers
from shuibao.layers.styles import categorized_renderer
from shuibao.model import RECORD_KINDS


def _group(project: QgsProject, name: str) -> QgsLayerTreeGroup | None:
    return project.layerTreeRoot().findGroup(name)


def test_demo_data_is_valid(small_data, demo_data):
    assert demo_data.problems(small_data) == []
    assert all(r["code"].startswith("360704-YDB-") for r in small_data["dam"])
    again = demo_data.generate(size=demo_data.DemoSize.small())
    assert [r["uuid"] for r in again["patch"]] == [r["uuid"] for r in small_data["patch"]]


def test_open_store_adds_grouped_layers(qgis_new_project, small_store, small_data):
    project = QgsProject.instance()
    layers = project_layers.open_store_in_project(str(small_store), project, language="zh")

    assert set(layers) == set(RECORD_KINDS)
    for kind, records in small_data.items():
        assert layers[kind].featureCount() == len(records), kind
    top = _group(project, f"水保巡检 {small_store.name}")
    assert top is not None
    sub = {child.name() for child in top.children() if isinstance(child, QgsLayerTreeGroup)}
    assert sub == {"淤地坝", "侵蚀图斑", "小流域", "遥感监管图斑", "冲突"}  # conflicts: empty until a sync finds one
    order = [child.name() for child in top.children() if isinstance(child, QgsLayerTreeGroup)]
    assert order.index("淤地坝") < order.index("遥感监管图斑") < order.index("侵蚀图斑") < order.index("小流域")
    dam_group = top.findGroup("淤地坝")
    dam_layer_ids = {node.layerId() for node in dam_group.findLayers()}
    assert layers["dam"].id() in dam_layer_ids and layers["dam_hazard"].id() in dam_layer_ids
    assert top.findLayer(layers["photo"].id()) is not None
    assert layers["dam"].customProperty("shuibao/kind") == "dam"
    assert project_layers.opened_stores(project) == [os.path.normcase(os.path.abspath(small_store))]


def test_aliases_value_maps_and_renderers(qgis_new_project, small_store):
    layers = project_layers.open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    dam = layers["dam"]
    fields = dam.fields()
    assert dam.attributeAlias(fields.indexFromName("total_storage")) == "总库容 (万m³)"
    setup = dam.editorWidgetSetup(fields.indexFromName("hazard_status"))
    assert setup.type() == "ValueMap"
    mapping = {label: code for entry in setup.config()["map"] for label, code in entry.items()}
    assert mapping["病险"] == "dangerous" and mapping["正常"] == "normal"
    assert dam.editFormConfig().readOnly(fields.indexFromName("scale"))

    renderer = dam.renderer()
    assert isinstance(renderer, QgsCategorizedSymbolRenderer)
    assert renderer.classAttribute() == "hazard_status"
    labels = {c.value(): c.label() for c in renderer.categories()}
    assert labels["dangerous"] == "病险" and labels["cleared"] == "已除险"
    patch = layers["patch"].renderer()
    assert patch.classAttribute() == "treatment_status"
    untreated = next(c for c in patch.categories() if c.value() == "untreated")
    assert untreated.symbol().color().red() > 200 and untreated.symbol().color().alpha() < 255
    shed = layers["watershed"].renderer()
    assert shed.classAttribute() == "treatment_status"
    assert shed.categories()[0].symbol().symbolLayer(0).brushStyle() == 0  # Qt.NoBrush: outline only
    assert layers["watershed_spot"].renderer().classAttribute() == "step"


def test_english_labels(qgis_new_project, small_store):
    layers = project_layers.open_store_in_project(str(small_store), QgsProject.instance(), language="en")
    dam = layers["dam"]
    assert dam.name() == "Check dam"
    assert dam.attributeAlias(dam.fields().indexFromName("hazard_status")) == "Hazard status"
    assert _group(QgsProject.instance(), f"水保巡检 {small_store.name}").findGroup("Check dam") is not None
    assert {c.label() for c in categorized_renderer("dam", "en").categories()} >= {"Normal", "Dangerous"}


def test_opening_twice_adds_nothing(qgis_new_project, small_store):
    project = QgsProject.instance()
    first = project_layers.open_store_in_project(str(small_store), project)
    count = len(project.mapLayers())
    second = project_layers.open_store_in_project(str(small_store), project)
    assert len(project.mapLayers()) == count
    assert {k: v.id() for k, v in first.items()} == {k: v.id() for k, v in second.items()}
    top_groups = [c for c in project.layerTreeRoot().children() if isinstance(c, QgsLayerTreeGroup)]
    assert len(top_groups) == 1


def test_relations_link_children_to_parents(qgis_new_project, small_store):
    project = QgsProject.instance()
    layers = project_layers.open_store_in_project(str(small_store), project)
    relations = project.relationManager().referencingRelations(layers["dam_inspection"])
    assert any(r.referencedLayerId() == layers["dam"].id() for r in relations)


def test_not_a_store(qgis_new_project, tmp_path):
    import pytest

    bogus = tmp_path / "x.gpkg"
    bogus.write_bytes(b"not a geopackage")
    with pytest.raises(project_layers.StoreError):
        project_layers.open_store_in_project(str(bogus), QgsProject.instance())
