"""What a record form shows a person: labels for multi-choice codes (ticked in a list), computed
quantities with the decimals their unit deserves, opened from the dock's button as a person does."""

from __future__ import annotations

import json

import pytest
from qgis.PyQt.QtCore import Qt
from shuibao.model import RECORD_KINDS
from shuibao.ui import actions
from shuibao.ui.docks import DamDock, PatchDock, WatershedDock
from shuibao_ui_harness import (
    click,
    editor,
    fill,
    form_of,
    pick_object,
    press_ok,
    shown_text,
    ticked,
    wait_until,
)

pytestmark = pytest.mark.display


def test_a_patch_s_threats_are_ticked_by_label_and_stored_as_the_model_s_list(docks):
    dock_of, layers = docks
    dock = dock_of(PatchDock, "technician")
    patch = next(p for p in layers["patch"].getFeatures() if p["register_status"] == "registered")
    pick_object(dock, patch.id())
    click(dock, "form:patch")
    form = form_of(dock)
    box = editor(form, "hazard_types")
    labels = [box.item(r, c).text() for r in range(box.rowCount()) for c in range(box.columnCount())
              if box.item(r, c) is not None]  # fmt: skip
    assert sorted(labels) == sorted(c.zh for c in RECORD_KINDS["patch"].field("hazard_types").enum.choices)
    fill(form, hazard_types=["耕地", "房屋"])
    press_ok(form)
    wait_until(lambda: dock.form is None)
    stored = actions.feature_values(RECORD_KINDS["patch"], actions.get_feature(layers["patch"], patch.id()))
    assert sorted(json.loads(stored["hazard_types"])) == ["farmland", "houses"]
    click(dock, "form:patch")
    assert sorted(ticked(form_of(dock), "hazard_types")) == ["房屋", "耕地"]


def test_a_watershed_s_computed_area_shows_two_decimals_and_keeps_its_digits(docks):
    dock_of, layers = docks
    layer = layers["watershed"]
    shed = next(layer.getFeatures())
    actions.write_values(layer, RECORD_KINDS["watershed"], shed.id(), {"name": shed["name"]})  # as saved
    area = actions.get_feature(layer, shed.id())["area"]
    dock = dock_of(WatershedDock, "technician")
    # The list says where a watershed lies: the counties it covers, by name (it has no township).
    model = dock.model
    assert model.headerData(2, Qt.Orientation.Horizontal) == "涉及县"
    assert model.data(dock.row_for_fid(shed.id()).siblingAtColumn(2)) == "赣县区"
    assert not dock.contents.townshipCombo.isVisible()
    pick_object(dock, shed.id())
    detail = dock.contents.detailBrowser.toPlainText()
    assert f"{area:.2f}" in detail and "涉及县\n赣县区" in detail
    click(dock, "form:watershed")
    form = form_of(dock)
    assert shown_text(form, "area") == f"{area:.2f}"
    assert (
        shown_text(form, "conservation_rate").count(".") <= 1
        and len(shown_text(form, "conservation_rate").split(".")[-1]) == 1
    )
    form.reject()
    assert actions.get_feature(layer, shed.id())["area"] == area  # display only


def test_ok_on_a_register_form_refuses_what_the_server_would_and_says_why(docks):
    """编辑登记信息 saves gaps the next step needs, but not a value the server would refuse: the form
    stays open, the panel names the field and its tab, and after the fix OK saves."""
    dock_of, layers = docks
    dock = dock_of(DamDock, "technician")
    dam = next(d for d in layers["dam"].getFeatures() if d["register_status"] == "registered")
    pick_object(dock, dam.id())
    click(dock, "form:dam")
    form = form_of(dock)
    fill(form, patrol_phone="0797-12")  # not a phone number
    press_ok(form)
    assert dock.form is form and form.isVisible()
    assert "巡查责任人电话" in form.panel.text() and "安全责任" in form.panel.text()  # the field, its tab
    fill(form, patrol_phone="0797-8123456")
    press_ok(form)
    wait_until(lambda: dock.form is None)
    stored = actions.feature_values(RECORD_KINDS["dam"], actions.get_feature(layers["dam"], dam.id()))
    assert stored["patrol_phone"] == "0797-8123456"
