"""Issue 13's rules where a person meets them: typed into the record forms opened from the docks
(the constraints and the panel ask the model while typing), and what follows a saved record (a dam's
hazard status) mirrored in the store at once, as the server will hold it after the sync."""

from __future__ import annotations

import pytest
from shuibao.model import RECORD_KINDS
from shuibao.ui import actions
from shuibao.ui.docks import DamDock, PatchDock
from shuibao.ui.record_form import RecordForm
from shuibao_ui_harness import click, fill, form_of, panel_text, press_ok, wait_until

pytestmark = pytest.mark.display


def _values(layers, kind: str, fid: int) -> dict:
    return actions.feature_values(RECORD_KINDS[kind], actions.get_feature(layers[kind], fid))


def _calm_dam(layers):
    """A registered dam without open hazards, in normal state."""
    open_on = {h["dam_uuid"] for h in layers["dam_hazard"].getFeatures() if h["step"] != "closed"}
    return next(d for d in layers["dam"].getFeatures()
                if d["uuid"] not in open_on and d["hazard_status"] == "normal"
                and d["register_status"] == "registered")  # fmt: skip


def test_an_inspection_at_a_flag_asks_for_a_reason_while_typing(docks):
    make, layers = docks
    dock = make(DamDock, "inspector")
    dam = _calm_dam(layers)
    dock.select_fid(dam.id())
    click(dock, "create:dam_inspection")
    form = form_of(dock)
    fill(form, crack_type="横向", crack_width="15", crack_length="6", seepage="管涌", seepage_location="坝脚右侧",
         settlement="30", result="无隐患")  # fmt: skip
    said = panel_text(form)
    assert (
        "检查发现裂缝宽 15 mm（预警 2 mm）、沉降 30 cm（预警 5 cm）、集中渗漏或管涌，结论为无隐患时须写明理由" in said
    )
    assert "结论" in said.split("须写明理由", 1)[1].split("<br>")[0]  # … on the tab where the reason goes
    press_ok(form)  # a draft saves with its gaps
    wait_until(lambda: dock.form is None)
    fid = dock.last_outcome.fid
    assert _values(layers, "dam_inspection", fid)["step"] == "draft"

    dock.select_child("dam_inspection", fid)
    click(dock, "step:dam_inspection:submitted")
    form = form_of(dock)
    assert "须写明理由" in form.panel.text()
    fill(form, flood_storage_ok="是", signature="王五")
    press_ok(form)  # still refused: the reason is missing
    assert dock.form is form and "须写明理由" in form.panel.text()
    fill(form, flag_reason="旧裂缝已于去年灌浆封闭，本次复测宽度未扩展；管涌点为坝脚排水沟出水")
    press_ok(form)
    wait_until(lambda: dock.form is None)
    assert dock.last_outcome.ok, dock.last_outcome.message("zh")
    saved = _values(layers, "dam_inspection", fid)
    assert saved["step"] == "submitted" and saved["result"] == "no_hazard" and saved["flag_reason"]


def test_a_major_hazard_makes_the_dam_dangerous_at_once_and_normal_cannot_be_typed_over_it(docks):
    make, layers = docks
    dock = make(DamDock, "inspector")
    dam = _calm_dam(layers)
    dock.select_fid(dam.id())
    click(dock, "create:dam_hazard")
    form = form_of(dock)
    fill(form, description="坝体横向裂缝贯穿坝顶", severity="重大隐患", measure="开挖回填", responsible_person="王五",
         deadline="2026-08-01")  # fmt: skip
    press_ok(form)
    wait_until(lambda: dock.form is None)
    assert dock.last_outcome.ok, dock.last_outcome.message("zh")
    assert _values(layers, "dam", dam.id())["hazard_status"] == "dangerous"  # mirrored, before any sync

    # The dam's own form, as QGIS opens it: 正常 over the open major hazard is marked while typing.
    layer = layers["dam"]
    form = RecordForm(layer, actions.get_feature(layer, dam.id()), RECORD_KINDS["dam"], new=False, lang="zh")
    try:
        form.show()
        fill(form, hazard_status="正常")
        assert "有 1 处未销号的重大隐患，安全状况应为“病险”或“除险加固中”" in panel_text(form)
        fill(form, hazard_status="除险加固中")
        assert "未销号的重大隐患" not in panel_text(form)
    finally:
        form.reject()


def test_a_treated_benggang_warns_of_an_empty_position_in_its_form(docks):
    make, layers = docks
    dock = make(PatchDock, "technician")
    measured: dict[str, set] = {}
    for m in layers["patch_measure"].getFeatures():
        measured.setdefault(m["patch_uuid"], set()).add(m["measure_type"])
    patch = next(p for p in layers["patch"].getFeatures()
                 if p["kind"] == "benggang" and p["treatment_status"] in ("completed", "accepted")
                 and "slope_cutting" not in measured.get(p["uuid"], {"slope_cutting"}))  # fmt: skip
    layer = layers["patch"]
    form = RecordForm(layer, actions.get_feature(layer, patch.id()), RECORD_KINDS["patch"], new=False, lang="zh")
    try:
        form.show()
        assert "“上截-中削-下堵-内外绿化”中没有措施的部位：中削" in panel_text(form)
        fill(form, caretaker_phone="0797")
        assert "管护员电话：不是有效的电话号码" in panel_text(form)
    finally:
        form.reject()
    dock.select_fid(patch.id())
    assert "create:patch_upkeep" in dock.buttons
    click(dock, "create:patch_upkeep")
    upkeep = form_of(dock)
    fill(upkeep, caretaker_present="否", facilities_intact="否", vegetation_kept="是", result="管护缺失")
    assert "管护不到位时须写明整改要求" in panel_text(upkeep)
    fill(upkeep, measures="补植并修复截水沟", deadline="2026-09-30")
    press_ok(upkeep)
    wait_until(lambda: dock.form is None)
    assert dock.last_outcome.ok, dock.last_outcome.message("zh")
    saved = _values(layers, "patch_upkeep", dock.last_outcome.fid)
    assert saved["patch_uuid"] == patch["uuid"] and saved["result"] == "poor" and saved["inspector"]


def test_a_watershed_typed_accepted_without_a_passed_completion_acceptance_is_marked(docks):
    """白鹭小流域 is 已验收 with its signed 竣工验收 that passed; 梅林河 (a stage acceptance only) typed
    已验收 in its own form, as QGIS opens it, is marked while typing."""
    _make, layers = docks
    sheds = {w["name"]: w for w in layers["watershed"].getFeatures()}
    layer = layers["watershed"]
    for name, typed, marked in (("梅林河生态清洁小流域", "已验收", True), ("白鹭小流域", None, False)):
        feature = actions.get_feature(layer, sheds[name].id())
        form = RecordForm(layer, feature, RECORD_KINDS["watershed"], new=False, lang="zh")
        try:
            form.show()
            if typed:
                fill(form, treatment_status=typed)
            said = panel_text(form)
            assert ("小流域须有已签署且结论为通过的竣工验收，才能标为“已验收”" in said) is marked, (name, said)
        finally:
            form.reject()
