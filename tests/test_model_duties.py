"""The rules of issue 13 in the model: hazards, inspections, de-listing, 一坝一人 and the patrol
clock, watershed treatment degree and acceptance, 崩岗 duties, upkeep. Plain Python; the server's
enforcement of each is in server/tests/test_rules.py, the forms' in tests/test_forms_rules.py."""

from __future__ import annotations

import datetime as dt

import pytest
from shuibao.model import RECORD_KINDS, THRESHOLDS, links, rules
from shuibao.model.rules import Context


def _codes(problems, field=None):
    return [p.code for p in problems if field is None or p.field == field]


# -- hazards and inspections ----------------------------------------------------------------------
def test_a_hazard_closes_only_after_a_passed_re_check():
    closed = {"step": "closed", "recheck_result": "fail"}
    assert _codes(rules.validate("dam_hazard", closed), "recheck_result") == ["rule"]
    assert _codes(rules.validate("dam_hazard", {**closed, "recheck_result": "pass"}), "recheck_result") == []
    # Re-checked with a failure is allowed (it goes back to open from there); only 销号 needs a pass.
    assert _codes(rules.validate("dam_hazard", {"step": "rechecked", "recheck_result": "fail"}), "recheck_result") == []


def test_an_inspection_at_a_flag_does_not_conclude_no_hazard_without_a_reason():
    found = {"step": "submitted", "crack_type": "transverse", "crack_width": 15.0, "seepage": "piping",
             "settlement": 30.0, "result": "no_hazard"}  # fmt: skip
    [p] = [p for p in rules.validate("dam_inspection", found) if p.field == "flag_reason"]
    assert p.code == "rule"
    assert p.zh == ("检查发现裂缝宽 15 mm（预警 2 mm）、沉降 30 cm（预警 5 cm）、集中渗漏或管涌，"
                    "结论为无隐患时须写明理由")  # fmt: skip
    assert "15 mm crack" in p.en
    assert (
        _codes(
            rules.validate("dam_inspection", {**found, "flag_reason": "旧裂缝已灌浆封闭，复测未扩展"}), "flag_reason"
        )
        == []
    )
    assert _codes(rules.validate("dam_inspection", {**found, "result": "major"}), "flag_reason") == []
    below = {**found, "crack_width": 1.5, "seepage": "diffuse", "settlement": 4.0}
    assert _codes(rules.validate("dam_inspection", below), "flag_reason") == []
    assert _codes(rules.validate("dam_inspection", {**below, "collapse_slide": True}), "flag_reason") == ["rule"]
    # A draft is not refused; the form shows what submitting needs.
    draft = {**found, "step": "draft"}
    assert _codes(rules.validate("dam_inspection", draft), "flag_reason") == []
    assert _codes(rules.problems_by_field("dam_inspection", draft).get("flag_reason", [])) == ["next"]
    # The flags follow the region's thresholds (Context.thresholds), not the module's constant.
    loose = THRESHOLDS.with_overrides(crack_flag_width=20, settlement_flag=50)
    assert _codes(rules.validate("dam_inspection", {**found, "seepage": "none"}, loose), "flag_reason") == []


def _hazard(severity="major", step="open"):
    return {"severity": severity, "step": step}


def test_a_dam_s_hazard_status_follows_its_major_hazards():
    assert rules.follow_hazards("normal", 0, 1) == "dangerous"
    assert rules.follow_hazards("reinforcing", 0, 2) == "reinforcing"
    assert rules.follow_hazards("cleared", 0, 1) == "dangerous"
    assert rules.follow_hazards("dangerous", 1, 0) == "normal"  # the last one closed
    assert rules.follow_hazards("dangerous", 0, 0) == "dangerous"  # a dam found dangerous otherwise stays
    assert rules.follow_hazards("cleared", 1, 0) == "cleared"
    dam = {"hazard_status": "normal", "register_status": "registered"}
    before = Context(children={"dam_hazard": [_hazard("general")]})
    after = Context(children={"dam_hazard": [_hazard("general"), _hazard("major")]})
    assert rules.refresh("dam", dam, after, before)["hazard_status"] == "dangerous"
    closed = Context(children={"dam_hazard": [_hazard("general"), _hazard("major", "closed")]})
    assert rules.refresh("dam", {**dam, "hazard_status": "dangerous"}, closed, after)["hazard_status"] == "normal"
    # Typing 正常 over an open major hazard is refused.
    [p] = rules.related_problems("dam", dam, after)
    assert p.field == "hazard_status" and "1 处未销号的重大隐患" in p.zh
    assert rules.related_problems("dam", {**dam, "hazard_status": "reinforcing"}, after) == []


# -- de-listing -----------------------------------------------------------------------------------
def test_de_listing_a_dam_names_its_cause_document_and_authority():
    delisted = {"register_status": "delisted", "delist_date": "2026-06-30"}
    missing = {p.field for p in rules.validate("dam", delisted) if p.code == "required"}
    assert {"delist_cause", "delist_document", "delist_authority"} <= missing
    assert "delist_reason" not in missing
    other = {
        **delisted,
        "delist_cause": "other",
        "delist_document": "赣县水字〔2026〕12号",
        "delist_authority": "赣县区水利局",
    }
    assert _codes(rules.validate("dam", other), "delist_reason") == ["rule"]
    assert [c.zh for c in RECORD_KINDS["dam"].field("delist_cause").enum.choices] == [
        "淤满失效", "垮坝", "改建为水库/塘坝", "并入其他工程", "其他",
    ]  # fmt: skip
    # Patches and watersheds keep their written reason.
    assert "delist_reason" in {p.field for p in rules.validate("patch", delisted) if p.code == "required"}


# -- 一坝一人, phones, the patrol clock, the 项目法人 --------------------------------------------------
def test_one_dam_one_patroller_with_a_phone_where_the_notice_requires_it():
    dam = {"register_status": "registered", "downstream_exposure": '["school"]', "design_silt_elevation": 1020.0,
           "current_silt_elevation": 1012.5, "patrol_person": "王五"}  # fmt: skip
    assert rules.derive("dam", dam)["patrol_class"] == "dedicated"
    fields = {p.field for p in rules.validate("dam", dam) if p.code == "rule"}
    assert {"dedicated_patroller", "patrol_phone"} <= fields
    ok = {**dam, "dedicated_patroller": True, "patrol_phone": "13907971234"}
    assert not [p for p in rules.validate("dam", ok) if p.field in ("dedicated_patroller", "patrol_phone")]
    silted = {**dam, "current_silt_elevation": 1020.0}
    assert rules.derive("dam", silted)["patrol_class"] == "ordinary"
    assert not [p for p in rules.validate("dam", silted) if p.field == "dedicated_patroller"]


@pytest.mark.parametrize(
    ("phone", "ok"),
    [
        ("13907971234", True), ("139 0797 1234", True), ("+86 139-0797-1234", True), ("0797-8123456", True),
        ("(0797)8123456", True), ("010-62345678", True), ("8123456", True), ("0797-8123456转802", True),
        ("13907971234/0797-8123456", True), ("1390797123", False), ("12907971234", False), ("123", False),
        ("张三", False), ("0797-812345", False), ("13907971234x", False),
    ],
)  # fmt: skip
def test_phone_numbers_are_mobile_or_landline(phone, ok):
    problems = [p for p in rules.validate("dam", {"admin_phone": phone}) if p.field == "admin_phone"]
    assert (not problems) is ok, problems
    if not ok:
        assert problems[0].code == "format" and "不是有效的电话号码" in problems[0].zh


def test_the_patrol_interval_depends_on_the_class():
    july, march = dt.date(2026, 7, 20), dt.date(2026, 3, 1)
    assert rules.patrol_interval_hours(july, patrol_class="dedicated") == 12
    assert rules.patrol_interval_hours(july, patrol_class="ordinary") == 24
    assert rules.patrol_interval_hours(march, patrol_class="dedicated") == 84
    assert rules.patrol_interval_hours(march, patrol_class="ordinary") == 168
    assert rules.patrol_interval_hours(march, daily_rain_mm=60, patrol_class="ordinary") == 2  # a storm: everyone
    assert rules.patrol_interval_hours(march) == 84  # unknown class: the stricter clock
    last = dt.datetime(2026, 3, 1, 8, tzinfo=dt.timezone.utc)
    assert rules.next_inspection_due(last, last, patrol_class="ordinary") == last + dt.timedelta(days=7)


def test_a_dam_not_yet_accepted_has_its_project_legal_person():
    building = {"construction_stage": "building"}
    assert {"legal_person", "legal_person_phone"} <= {p.field for p in rules.validate("dam", building)}
    done = {"construction_stage": "operating"}
    assert not {"legal_person", "legal_person_phone"} & {p.field for p in rules.validate("dam", done)}


# -- watersheds -----------------------------------------------------------------------------------
def test_eroded_area_by_class_and_the_treatment_degree_from_completed_spots():
    shed = {"eroded_light": 3.0, "eroded_moderate": 1.5, "eroded_severe": 0.5}
    spots = [
        {"step": "completed", "area": 150.0},
        {"step": "completed", "area": 100.0},
        {"step": "planned", "area": 90.0},
    ]
    got = rules.derive("watershed", shed, Context(children={"watershed_spot": spots}))
    assert got["eroded_area"] == 5.0 and got["treatment_degree"] == 50.0  # 250 hm² of 5 km²
    assert "treatment_degree" not in rules.derive("watershed", shed)  # without its spots: kept as it is
    assert "eroded_area" not in rules.derive("watershed", {"eroded_area": 7.0})  # a typed total stays
    many = [{"step": "completed", "area": 900.0}]
    assert rules.derive("watershed", shed, Context(children={"watershed_spot": many}))["treatment_degree"] == 100.0


def _acceptance(kind="completion", **checks):
    check = {"step": "checked", "quality": "qualified", "matches_design": True, "area_deviation": 1.0, **checks}
    return {"kind": kind}, [check, dict(check)]


def test_a_completion_acceptance_checks_the_treatment_degree_and_the_clean_indicators():
    values, checks = _acceptance()
    shed = {"project_type": "comprehensive", "treatment_degree": 65.0}
    ctx = Context(children={"spot_check": checks}, parent=shed)
    got = rules.derive("watershed_acceptance", values, ctx)
    assert got["treatment_degree"] == 65.0 and got["verdict"] == "fail" and got["fail_reasons"] == ["treatment_degree"]
    ctx.parent = {**shed, "treatment_degree": 75.0}
    got = rules.derive("watershed_acceptance", values, ctx)
    assert got["verdict"] == "pass" and got["fail_reasons"] is None
    ctx.parent = {**shed, "treatment_degree": 75.0, "subtype": "eco_clean"}
    assert rules.derive("watershed_acceptance", values, ctx)["fail_reasons"] == ["clean_missing"]
    ctx.parent.update(sewage_treatment_rate=60.0, refuse_treatment_rate=85.0, outlet_water_class="4")
    assert rules.derive("watershed_acceptance", values, ctx)["fail_reasons"] == ["sewage_rate", "outlet_water"]
    ctx.parent.update(sewage_treatment_rate=72.0, outlet_water_class="3")
    assert rules.derive("watershed_acceptance", values, ctx)["verdict"] == "pass"
    # A stage acceptance looks at its sample only.
    stage, _ = _acceptance("stage")
    ctx.parent = {**shed, "treatment_degree": 10.0}
    assert rules.derive("watershed_acceptance", stage, ctx)["verdict"] == "pass"
    # The region's thresholds apply.
    strict = THRESHOLDS.with_overrides(acceptance_min_treatment_degree=80)
    ctx = Context(thresholds=strict, children={"spot_check": checks}, parent={**shed, "treatment_degree": 75.0})
    assert rules.derive("watershed_acceptance", values, ctx)["verdict"] == "fail"


def test_a_failed_sample_records_its_reasons_and_unfinished_checks_block_signing():
    values, checks = _acceptance("stage", quality="unqualified")
    got = rules.derive("watershed_acceptance", values, Context(children={"spot_check": checks}))
    assert got["verdict"] == "fail" and got["fail_reasons"] == ["pass_rate"]
    half = [checks[0], {**checks[1], "step": "pending"}]
    got = rules.derive("watershed_acceptance", values, Context(children={"spot_check": half}))
    assert got["verdict"] is None and got["checked_count"] == 1 and got["sampled_count"] == 2
    signing = {**values, **got, "step": "signed"}
    assert _codes(rules.validate("watershed_acceptance", signing), "checked_count") == ["rule"]


def test_watershed_size_and_gully_length_thresholds_are_used():
    [w] = rules.warnings("watershed", {"area": 62.5})
    assert w.field == "area" and "超过小流域一般上限 50 km²" in w.zh
    assert rules.warnings("watershed", {"area": 42.0}) == []
    assert "area" in rules.problems_by_field("watershed", {"area": 62.5})
    assert _codes(rules.validate("patch", {"kind": "gully", "length": 35.0}), "length") == ["rule"]
    assert _codes(rules.validate("patch", {"kind": "gully", "length": 50.0}), "length") == []
    assert _codes(rules.validate("patch", {"kind": "benggang", "length": 35.0}), "length") == []


# -- 崩岗 and upkeep ----------------------------------------------------------------------------------
def test_benggang_risk_farmland_and_measure_groups():
    assert _codes(rules.validate("patch", {"risk_level": "high"}), "risk_assessed_on") == ["rule"]
    assert _codes(rules.validate("patch", {"farmland_balance": True}), "new_farmland") == ["rule"]
    assert rules.derive("patch_measure", {"measure_type": "settling_basin"})["position"] == "bottom"
    assert rules.derive("patch_measure", {"measure_type": "gully_head"})["position"] == "top"
    measures = [{"measure_type": "intercept_ditch"}, {"measure_type": "trees"}]
    assert rules.measure_groups_missing(measures) == ["middle", "bottom"]
    patch = {"kind": "benggang", "treatment_status": "completed", "caretaker": "刘管护"}
    [w] = rules.step_checks("patch", patch, "completed", "inspector", Context(children={"patch_measure": measures}))
    assert w.code == "warning" and w.zh == "“上截-中削-下堵-内外绿化”中没有措施的部位：中削、下堵"
    no_keeper = rules.warnings("watershed_spot", {"step": "completed"})
    assert [(w.field, w.code) for w in no_keeper] == [("caretaker", "warning")]


def test_upkeep_checks_are_kinds_of_their_own_under_patches_and_watersheds():
    for name, parent in (("patch_upkeep", "patch"), ("watershed_upkeep", "watershed")):
        k = RECORD_KINDS[name]
        assert k.zh == "管护检查" and k.parent == parent and k.object_kind == parent
        poor = {"step": "submitted", "result": "poor"}
        assert {"measures", "deadline"} <= {p.field for p in rules.validate(k, poor) if p.code == "rule"}
    assert RECORD_KINDS["watershed_upkeep"].field("spot_uuid").ref == "watershed_spot"


def test_which_records_follow_which():
    assert links.dependents("dam_hazard") == [("dam", "parent")]
    assert links.dependents("watershed_spot") == [("watershed", "parent")]
    assert links.dependents("spot_check") == [("watershed_acceptance", "parent")]
    assert links.dependents("patch_measure") == [("patch_acceptance", "siblings")]
    assert links.dependents("watershed") == [("watershed_acceptance", "children")]
    assert links.dependents("dam") == [] and links.dependents("patch") == []  # warnings follow nothing
    assert links.at_final_step("watershed_acceptance", {"step": "signed"})
