"""The dam dock used as a person uses it: a button opens the record's form ready to type, OK saves
and commits, Cancel leaves nothing, a step with gaps keeps its form open and says what is missing,
buttons are named by object and step, irreversible steps ask first, the model's rules refuse or
warn, and the timeline names records instead of showing codes."""

from __future__ import annotations

import re
import sqlite3

import pytest
from qgis.core import QgsApplication, QgsProject
from qgis.gui import QgsEditorWidgetWrapper
from shuibao.layers.project import open_store_in_project
from shuibao.model import OBJECT_KINDS, RECORD_KINDS
from shuibao.ui import actions
from shuibao.ui.docks import CREATABLE, DamDock, _create_label, _day, action_label
from shuibao_ui_harness import (
    answer,
    click,
    confirmation,
    current_tab,
    editor,
    fill,
    form_of,
    labels,
    on_tab,
    open_dock,
    panel_text,
    press_cancel,
    press_ok,
    shown_text,
    wait_until,
    wrapper,
)

pytestmark = pytest.mark.display
FAIL_SOFT = QgsEditorWidgetWrapper.ConstraintResult.ConstraintResultFailSoft
PASS = QgsEditorWidgetWrapper.ConstraintResult.ConstraintResultPass
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def _log_count(path, kind: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM sb_change WHERE kind = ? AND synced_at IS NULL", (kind,)).fetchone()[
            0
        ]


def _dam_with_hazard(layers, step: str, severity: str):
    hazard = next(h for h in layers["dam_hazard"].getFeatures() if h["step"] == step and h["severity"] == severity)
    dam = next(d for d in layers["dam"].getFeatures() if d["uuid"] == hazard["dam_uuid"])
    return dam, hazard


@pytest.fixture
def dam_dock(iface, small_store, log_in):
    """make(role): log in as the demo user of `role` (the login dialog, the real server) and get the
    dam dock, shown; one dock, which follows whoever logged in last."""
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    docks = []

    def make(role: str):
        log_in(role, small_store)
        if not docks:
            dock = open_dock(DamDock, iface)
            dock.show()
            docks.append(dock)
        return docks[0]

    yield make, layers
    for dock in docks:
        if dock.form is not None:
            dock.form.reject()
        dock.disconnect_all()
        dock.deleteLater()


def test_a_new_record_opens_ready_to_type_and_cancel_leaves_nothing(dam_dock, small_store):
    make, layers = dam_dock
    dock = make("inspector")
    layer = layers["dam_inspection"]
    dam = next(layers["dam"].getFeatures())
    dock.select_fid(dam.id())
    count, logged = layer.featureCount(), _log_count(small_store, "dam_inspection")

    click(dock, "create:dam_inspection")
    form = form_of(dock)
    assert layer.isEditable() and form.ok_button().isEnabled()
    assert editor(form, "result").isEnabled() and editor(form, "signature").isEnabled()
    # What 提交检查 needs is marked from the start, with the reason, and listed above the form.
    assert wrapper(form, "result").constraintResult() == FAIL_SOFT
    assert "提交检查前请填写检查结论" in wrapper(form, "result").constraintFailureReason()
    assert wrapper(form, "kind").constraintResult() == PASS
    assert "请填写检查结论" + on_tab("结论") in panel_text(form)
    press_cancel(form)
    wait_until(lambda: dock.form is None)
    assert layer.featureCount() == count and not layer.isEditable()
    assert _log_count(small_store, "dam_inspection") == logged  # no empty draft

    click(dock, "create:dam_inspection")
    form = form_of(dock)
    assert shown_text(form, "signature") == "" and editor(form, "measures").toPlainText() == ""  # blank, not "NULL"
    assert wrapper(form, "measures").constraintResult() == PASS
    fill(form, crack_type="纵向", crack_width="3", settlement="1.5", seepage="无", result="一般隐患")
    assert "请填写检查结论" not in panel_text(form) and "有隐患时必须填写处理措施" in panel_text(form)
    assert wrapper(form, "measures").constraintResult() == FAIL_SOFT  # marked as soon as the result needs it
    press_ok(form)  # a draft saves with gaps
    assert dock.last_outcome.ok and QgsApplication.nullRepresentation() == "NULL"  # QGIS's own setting is back
    assert layer.featureCount() == count + 1 and not layer.isEditable()
    assert _log_count(small_store, "dam_inspection") == logged + 1  # committed: the change log has it
    saved = actions.feature_values(RECORD_KINDS["dam_inspection"], actions.get_feature(layer, dock.last_outcome.fid))
    assert saved["crack_type"] == "longitudinal" and saved["crack_width"] == 3.0 and saved["result"] == "general"
    assert saved["step"] == "draft" and saved["dam_uuid"] == dam["uuid"]
    assert dock.selected_child() == ("dam_inspection", dock.last_outcome.fid)


def test_ok_is_not_blocked_inside_the_user_s_edit_session(dam_dock, small_store):
    """A person who switched editing on: the form's OK saves, and the store's own fields
    (created_at: NOT NULL in the file) never block it."""
    make, layers = dam_dock
    dock = make("inspector")
    layer = layers["dam_inspection"]
    dock.select_fid(next(layers["dam"].getFeatures()).id())
    assert layer.startEditing()
    count = layer.featureCount()
    click(dock, "create:dam_inspection")
    form = form_of(dock)
    assert form.ok_button().isEnabled()
    assert wrapper(form, "created_at").constraintResult() == PASS
    fill(form, result="无隐患")
    press_ok(form)
    assert dock.last_outcome.ok and not form.saved_in_session
    assert layer.isEditable()  # the person's session stays open …
    assert not layer.isModified() and layer.featureCount() == count + 1  # … and the record is in the store

    # With other unsaved edits in the session the record joins them, as QGIS would, and is not committed.
    other = next(layer.getFeatures())
    layer.changeAttributeValue(other.id(), layer.fields().indexFromName("measures"), "另行处理")
    click(dock, "create:dam_inspection")
    form = form_of(dock)
    press_ok(form)
    assert form.saved_in_session and layer.isModified() and layer.featureCount() == count + 2
    assert layer.commitChanges()


def test_a_step_with_gaps_keeps_its_form_open_and_says_what_on_which_tab(dam_dock):
    make, layers = dam_dock
    dock = make("inspector")
    layer = layers["dam_inspection"]
    dock.select_fid(next(layers["dam"].getFeatures()).id())
    click(dock, "create:dam_inspection")
    fill(form_of(dock), crack_type="横向", result="一般隐患")
    press_ok(form_of(dock))
    fid = dock.last_outcome.fid

    click(dock, "step:dam_inspection:submitted")
    form = form_of(dock)
    assert form.ok_button().text() == "提交检查" and current_tab(form) == "坝体"
    for said in ("有裂缝时必须填写裂缝宽度" + on_tab("坝体"), "有隐患时必须填写处理措施" + on_tab("结论"),
                 "请填写检查人签名" + on_tab("结论")):  # fmt: skip
        assert said in form.panel.text(), form.panel.text()
    fill(form, crack_width="4", flood_storage_ok="是")
    press_ok(form)  # still missing: the form stays open and says what, on the tab of the first gap
    assert form.isVisible() and current_tab(form) == "结论"
    assert "裂缝宽度" not in form.panel.text() and "处理措施" + on_tab("结论") in form.panel.text()
    assert actions.get_feature(layer, fid)["step"] == "draft"
    fill(form, measures="清理坝坡裂缝并灌浆", deadline="2031-06-30", signature="王巡查")
    press_ok(form)
    wait_until(lambda: dock.form is None)
    assert dock.last_outcome.ok, dock.last_outcome.message("zh")
    ins = actions.feature_values(RECORD_KINDS["dam_inspection"], actions.get_feature(layer, fid))
    assert ins["step"] == "submitted" and ins["crack_width"] == 4.0 and ins["deadline"] == "2031-06-30"
    assert ins["flood_storage_ok"] is True


def test_buttons_are_named_by_object_and_step(dam_dock):
    make, layers = dam_dock
    dock = make("technician")
    dam, hazard = _dam_with_hazard(layers, "rectified", "major")
    dock.select_fid(dam.id())
    assert dock.select_child("dam_hazard", hazard.id())
    shown = labels(dock)
    assert len(shown) == len(set(shown)), shown
    assert "淤地坝登记销号" in shown and "隐患复查" in shown and "销号" not in shown
    # No dock ever shows one label twice, whatever the object's and the selected record's step.
    for obj, (main, _zh, _en) in OBJECT_KINDS.items():
        kind = RECORD_KINDS[main]
        own = [action_label(kind, t, "zh") for t in kind.workflow.transitions] + [
            _create_label(c) for c in CREATABLE[obj]
        ]
        children = [n for n, k in RECORD_KINDS.items() if k.parent == main] + ["spot_check"] * (obj == "watershed")
        for child in children:
            k = RECORD_KINDS[child]
            together = own + [action_label(k, t, "zh") for t in k.workflow.transitions]
            assert len(together) == len(set(together)), (obj, child, together)


def test_closing_a_hazard_asks_first_and_summarises(dam_dock):
    make, layers = dam_dock
    dam, hazard = _dam_with_hazard(layers, "rectified", "major")
    inspector = make("inspector")
    inspector.select_fid(dam.id())
    inspector.select_child("dam_hazard", hazard.id())
    click(inspector, "step:dam_hazard:rechecked")
    form = form_of(inspector)
    assert form.ok_button().text() == "隐患复查" and current_tab(form) == "复查销号"
    assert "请填写复查结论" in form.panel.text() and "复查日期" not in form.panel.text()  # the step dates it
    fill(form, recheck_result="通过")
    press_ok(form)
    wait_until(lambda: inspector.form is None)
    assert inspector.last_outcome.ok, inspector.last_outcome.message("zh")
    inspector.select_child("dam_hazard", hazard.id())
    assert "step:dam_hazard:closed" not in inspector.buttons  # an inspector does not close (销号)

    technician = make("technician")
    technician.select_fid(dam.id())
    technician.select_child("dam_hazard", hazard.id())
    click(technician, "step:dam_hazard:closed")
    said = answer(technician, yes=False)
    assert "隐患销号" in said and "已复查 → 已销号" in said and "销号人" in said
    assert actions.get_feature(layers["dam_hazard"], hazard.id())["step"] == "rechecked"
    technician.select_child("dam_hazard", hazard.id())
    click(technician, "step:dam_hazard:closed")
    answer(technician)
    assert technician.last_outcome.ok, technician.last_outcome.message("zh")
    closed = actions.get_feature(layers["dam_hazard"], hazard.id())
    assert closed["step"] == "closed" and closed["closed_at"] and closed["closed_by"]


def test_delisting_a_dam_follows_the_open_hazard_rule(dam_dock):
    make, layers = dam_dock
    technician = make("technician")
    for severity, step in (("major", "rectified"), ("general", "open")):  # any open hazard refuses
        dam, _ = _dam_with_hazard(layers, step, severity)
        technician.select_fid(dam.id())
        click(technician, "step:dam:delisted")
        assert technician.form is None and technician.confirmation is None  # refused outright, nothing to fill
        assert not technician.last_outcome.ok
        assert "处未销号的隐患" in technician.last_outcome.message("zh")
        assert actions.get_feature(layers["dam"], dam.id())["register_status"] == "registered"

    # A dam without open hazards: the cause, document and authority are asked for in the dam's form …
    with_hazards = {h["dam_uuid"] for h in layers["dam_hazard"].getFeatures() if h["step"] != "closed"}
    free = next(d for d in layers["dam"].getFeatures()
                if d["uuid"] not in with_hazards and d["register_status"] == "registered")  # fmt: skip
    technician.select_fid(free.id())
    click(technician, "step:dam:delisted")
    form = form_of(technician)
    assert form.ok_button().text() == "淤地坝登记销号" and current_tab(form) == "登记销号"
    for words in ("请填写销号原因", "请填写批准文号", "请填写批准机关"):
        assert words in form.panel.text()
    fill(form, delist_cause="淤满失效", delist_document="赣县水字〔2026〕7号", delist_authority="赣县区水利局")
    press_ok(form)
    said = answer(technician)  # … then the step asks
    assert "在册 → 销号" in said and "淤满失效" in said and "⚠" not in said
    assert technician.last_outcome.ok, technician.last_outcome.message("zh")
    dam = actions.feature_values(RECORD_KINDS["dam"], actions.get_feature(layers["dam"], free.id()))
    assert dam["register_status"] == "delisted" and dam["delist_date"] and dam["delist_cause"] == "silted_up"
    technician.select_fid(free.id())
    assert not any(name.startswith("create:") for name in technician.buttons)  # no new inspection
    listed = technician.model.index(technician.model.row_of_fid(free.id()), 3).data()
    assert listed.endswith("（销号）") or "（销号）" in listed  # the list shows it left the register

    # An administrator may de-list a dam with an open hazard, writing why.
    admin = make("admin")
    general_dam, _ = _dam_with_hazard(layers, "open", "general")
    admin.select_fid(general_dam.id())
    click(admin, "step:dam:delisted")
    form = form_of(admin)
    assert "须写明销号说明" in form.panel.text()
    fill(form, delist_cause="并入其他工程", delist_document="赣县水字〔2026〕8号", delist_authority="赣县区水利局",
         delist_reason="并入下游水库，隐患随工程移交管理")  # fmt: skip
    press_ok(form)
    said = answer(admin)
    assert "处未销号的隐患" in said and "将随之保留在台账中" in said and "在册 → 销号" in said
    assert admin.last_outcome.ok, admin.last_outcome.message("zh")
    assert actions.get_feature(layers["dam"], general_dam.id())["register_status"] == "delisted"


def test_the_timeline_names_records_and_dates_hazards_by_the_inspection_that_found_them(dam_dock):
    make, layers = dam_dock
    dock = make("inspector")
    dam, hazard = _dam_with_hazard(layers, "open", "general")
    dock.select_fid(dam.id())
    texts = [dock.contents.childList.item(i).text() for i in range(dock.contents.childList.count())]
    entry = next(t for t in texts if "隐患台账" in t)
    found_by = next(i for i in layers["dam_inspection"].getFeatures() if i["uuid"] == hazard["inspection_uuid"])
    recorded = actions.feature_values(RECORD_KINDS["dam_inspection"], found_by)["inspected_at"]
    assert entry.startswith("● " + _day(recorded) + " · "), (entry, recorded)  # the day it was found
    assert "一般隐患" in entry and hazard["description"] in entry and "待整改" in entry
    assert not any(UUID.search(t) or "NULL" in t for t in texts), texts
    detail = dock.contents.detailBrowser.toPlainText()
    assert "NULL" not in detail and not UUID.search(detail)
    # The hazard's own form names its dam and the inspection that found it.
    dock.select_child("dam_hazard", hazard.id())
    click(dock, "form:dam_hazard")
    form = form_of(dock)
    wait_until(lambda: shown_text(form, "dam_uuid") == f"{dam['code']} {dam['name']}")  # loads in the background
    wait_until(lambda: shown_text(form, "inspection_uuid") and not UUID.search(shown_text(form, "inspection_uuid")))
    press_cancel(form)


def test_sampling_asks_with_the_number_of_spots(iface, small_store, log_in):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    from shuibao.ui.docks import WatershedDock

    log_in("acceptor", small_store)
    dock = open_dock(WatershedDock, iface)
    dock.show()
    try:
        shed = next(layers["watershed"].getFeatures())
        dock.select_fid(shed.id())
        click(dock, "create:watershed_acceptance")
        press_ok(form_of(dock))
        acc = dock.last_outcome.fid
        dock.select_child("watershed_acceptance", acc)
        click(dock, "step:watershed_acceptance:sampled")
        assert dock.last_outcome.ok, dock.last_outcome.message("zh")
        box = confirmation(dock)
        assert re.search(r"抽取 \d+ 个图斑|\d+ spots to check", box.informativeText())
        answer(dock)
        assert dock.last_outcome.ok, dock.last_outcome.message("zh")
        assert actions.get_feature(layers["watershed_acceptance"], acc)["step"] == "sampled"
    finally:
        dock.disconnect_all()
        dock.deleteLater()
