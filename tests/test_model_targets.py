"""Model rules the ledgers and statistics count with: targets, 崩岗群 against plans, 一坝一人."""

from __future__ import annotations

from shuibao.model import RECORD_KINDS, THRESHOLDS, rules


def test_target_kind_is_written_by_technicians_only():
    target = RECORD_KINDS["target"]
    assert target.geometry is None and target.writers == ("technician", "admin")
    assert rules.check_writer("target", "technician") is None
    assert rules.check_writer("target", "admin") is None
    problem = rules.check_writer("target", "inspector")
    assert problem.code == "role" and problem.zh == "只有技术员、管理员可以修改目标任务"
    assert rules.check_writer("dam_inspection", "inspector") is None  # kinds without writers: any role


def test_target_units_follow_the_indicator():
    base = {"uuid": "u", "county_code": "360704", "year_from": 2021, "year_to": 2025, "source_document": "规划"}
    ok = {**base, "indicator": "treated_area", "unit": "hm2", "value": 8000.0}
    assert rules.validate("target", ok) == []
    bad = rules.validate("target", {**ok, "unit": "percent", "value": 80.0})
    assert [(p.field, p.zh) for p in bad] == [("unit", "该指标的单位应为：平方公里、公顷")]


def test_a_cluster_counts_as_its_members_by_default():
    single = {"kind": "benggang"}
    cluster = {"kind": "benggang", "is_cluster": True, "cluster_members": 5}
    assert rules.benggang_plan_count(single) == 1
    assert rules.benggang_plan_count(cluster) == 5
    assert rules.benggang_plan_count({"kind": "benggang", "is_cluster": 1}) == 1  # members unknown
    assert rules.benggang_plan_count({"kind": "gully"}) == 0
    as_one = THRESHOLDS.with_overrides(benggang_cluster_counts_members=0)
    assert rules.benggang_plan_count(cluster, as_one) == 1


def test_one_dam_one_patroller_where_people_live_below_a_dam_not_silted_up():
    below = {"downstream_exposure": '["residents"]'}
    assert rules.needs_dedicated_patroller({**below, "silted_storage": 2.0, "silt_storage": 7.0})
    assert not rules.needs_dedicated_patroller({**below, "silted_storage": 7.0, "silt_storage": 7.0})
    assert rules.needs_dedicated_patroller(
        {**below, "current_silt_elevation": 210.0, "design_silt_elevation": 214.5, "silted_storage": 9.0}
    )
    assert rules.needs_dedicated_patroller(below)  # silting unknown: the duty stays
    assert not rules.needs_dedicated_patroller({"downstream_exposure": '["none"]'})
    assert not rules.needs_dedicated_patroller({"downstream_exposure": ["none"]})
    assert rules.needs_dedicated_patroller({"downstream_exposure": ["school", "traffic"]})


def test_inspection_findings_past_a_flag():
    assert rules.inspection_flags({"crack_type": "none", "crack_width": 9.0}) == []
    found = {"crack_type": "transverse", "crack_width": 2.0, "settlement": 5.0, "seepage": "piping",
             "collapse_slide": True}  # fmt: skip
    assert rules.inspection_flags(found) == ["crack_width", "settlement", "seepage", "collapse_slide"]
    assert rules.inspection_flags({"crack_type": "mesh", "crack_width": 1.9, "settlement": 4.9}) == []
