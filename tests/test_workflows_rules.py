"""The model's step rules the docks and forms follow: what a step fills itself, what the next step
needs, which steps cannot be undone, and what refuses or warns about a step. Plain Python."""

from __future__ import annotations

import datetime as dt

import pytest
from shuibao.model import RECORD_KINDS, rules

NOW = dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.timezone.utc)


def test_a_step_fills_its_dates_and_the_user_and_nothing_typed():
    assert set(rules.step_fills("dam_hazard", "closed")) == {"closed_at", "closed_by"}
    assert set(rules.step_fills("watershed_acceptance", "sampled")) == {"sample_share", "sample_seed"}
    filled = rules.fill_for_step("dam_hazard", {"closed_by": "李四"}, "closed", "王五", NOW)
    assert filled == {"closed_at": NOW.astimezone().date().isoformat()}  # a name already there stays
    signed = rules.fill_for_step("watershed_acceptance", {}, "signed", "赵验收", NOW)
    assert signed == {"acceptor": "赵验收", "signed_at": "2026-07-01T08:30:00Z"}


def test_a_draft_shows_what_its_next_step_needs_but_not_what_the_step_fills():
    draft = {"uuid": "u", "county_code": "360704", "dam_uuid": "d", "kind": "flood_patrol",
             "inspected_at": "2026-07-01T08:00:00Z", "inspector": "张三", "step": "draft"}  # fmt: skip
    assert not [p for p in rules.validate("dam_inspection", draft) if p.code == "required"]  # a valid draft
    found = rules.problems_by_field("dam_inspection", draft)
    assert {"result", "signature", "flood_storage_ok", "position_source"} <= set(found)
    assert found["result"][0].code == "next" and found["result"][0].zh == "提交检查前：请填写检查结论"
    assert "measures" not in found
    found = rules.problems_by_field("dam_inspection", {**draft, "result": "major"})
    assert found["measures"][0].zh == "提交检查前：有隐患时必须填写处理措施"
    hazard = {"uuid": "h", "county_code": "360704", "dam_uuid": "d", "description": "裂缝", "severity": "general",
              "measure": "灌浆", "responsible_person": "王五", "deadline": "2026-08-01", "step": "rectified",
              "rectified_at": "2026-07-01", "rectification_note": "已灌浆"}  # fmt: skip
    found = rules.problems_by_field("dam_hazard", hazard)
    assert set(found) == {"recheck_result"}  # the re-check dates and signs itself
    # Objects are registers, not drafts: nothing is asked ahead of a de-listing.
    assert rules.next_steps("dam", {"register_status": "registered"}) == []


@pytest.mark.parametrize(
    ("kind", "target", "expected"),
    [
        ("dam_hazard", "closed", True),
        ("dam_hazard", "rectified", True),
        ("dam_hazard", "rechecked", False),  # a failed re-check goes back to open
        ("dam_inspection", "submitted", False),  # a technician can return it
        ("dam", "delisted", True),  # only an administrator re-registers
        ("watershed_acceptance", "sampled", True),
        ("watershed_acceptance", "checked", False),
        ("watershed_acceptance", "signed", True),
        ("spot_check", "checked", False),
        ("patch", "accepted", True),
    ],
)
def test_which_steps_cannot_be_undone(kind, target, expected):
    assert rules.irreversible(kind, target) is expected


def _hazard(severity: str, step: str = "open") -> dict:
    return {"severity": severity, "step": step}


def test_de_listing_a_dam_with_open_hazards():
    ctx = rules.Context(children={"dam_hazard": [_hazard("major"), _hazard("general"), _hazard("major", "closed")]})
    refused = rules.step_checks("dam", {}, "delisted", "technician", ctx)
    assert [p.code for p in refused] == ["rule"]
    assert "有 2 处未销号的隐患（其中重大隐患 1 处）" in refused[0].zh
    by_admin = rules.step_checks("dam", {}, "delisted", "admin", ctx)
    assert [(p.code, p.field) for p in by_admin] == [("warning", None), ("rule", "delist_reason")]
    assert rules.step_checks("dam", {"delist_reason": "并入水库工程"}, "delisted", "admin", ctx)[0].code == "warning"
    general_only = rules.Context(children={"dam_hazard": [_hazard("general")]})
    assert [p.code for p in rules.step_checks("dam", {}, "delisted", "technician", general_only)] == ["rule"]
    ctx = rules.Context(children={"dam_hazard": [_hazard("major", "closed")]})
    assert rules.step_checks("dam", {}, "delisted", "technician", ctx) == []


def test_closing_a_hazard_and_finishing_an_acceptance():
    closing = rules.validate("dam_hazard", {"recheck_result": "fail", "step": "closed"}, check_required=True)
    assert "recheck_result" in [p.field for p in closing if p.code == "rule"]
    passed = rules.validate("dam_hazard", {"recheck_result": "pass", "step": "closed"})
    assert "recheck_result" not in [p.field for p in passed]
    half = {"sampled_count": 5, "checked_count": 3, "step": "checked"}
    assert [p.field for p in rules.validate("watershed_acceptance", half) if p.code == "rule"] == ["checked_count"]
    done = {"sampled_count": 5, "checked_count": 5, "step": "signed"}
    assert [p.field for p in rules.validate("watershed_acceptance", done) if p.code == "rule"] == []


def test_nothing_new_under_a_de_listed_object():
    assert rules.creation_problems("dam_inspection", {"register_status": "registered"}) == []
    refused = rules.creation_problems("dam_hazard", {"register_status": "delisted"})
    assert refused and refused[0].zh == "淤地坝已登记销号，不能再新建隐患台账"


def test_each_record_s_steps_have_distinct_names():
    for kind in RECORD_KINDS.values():
        for wf in kind.workflows():
            names = [t.zh for t in wf.transitions]
            assert len(names) == len(set(names)), (kind.name, names)


def test_what_a_field_s_problems_depend_on():
    assert set(rules.field_inputs("dam_inspection", "measures")) == {"step", "result"}
    assert rules.field_inputs("dam_inspection", "settlement") == ()  # a range: only itself
    assert rules.field_inputs("patch", "area") == ("kind",)  # the 崩岗 mapping rule
    assert "register_status" in rules.field_inputs("dam", "delist_reason")


def test_a_refused_step_names_the_steps_and_roles_in_chinese():
    """The server sends these to the refused-edits panel: a technician reads 待整改, not 'open'."""
    jump = rules.step_problems("dam_hazard", {"step": "open"}, {"step": "closed"}, "inspector")
    assert [(p.code, p.zh) for p in jump] == [("transition", "不允许从“待整改”转到“已销号”")]
    assert jump[0].en == "no transition from 'Open' to 'Closed (销号)'"
    role = rules.check_transition("dam_hazard", "rechecked", "closed", "inspector")
    assert (role.code, role.zh) == ("role", "“隐患销号”需要以下角色之一：技术员")
