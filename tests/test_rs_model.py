"""The remote-sensing rules of the model: what a re-check does to its spot, a 合规 spot closing at
认定, deadlines and overdue spots (the dock's SQL against the model), the next steps a spot shows,
the distance of a visit to a spot's area, and the batch name."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from shuibao.model import RECORD_KINDS, geodesy, rules
from shuibao.model.definition import RS_CLOSE_AT_DETERMINATION, RS_EVIDENCE_FOR, RS_VIOLATIONS

TODAY = dt.date(2025, 5, 10)
SPOT = {"uuid": "s", "county_code": "360704", "spot_id": "3607042025010001", "batch_year": 2025, "batch_round": 2,
        "issuer_level": "province", "issued_on": "2025-03-15", "deadline": "2025-06-30", "step": "issued"}  # fmt: skip


def test_the_batch_is_named_by_year_issuer_and_round():
    assert rules.derive("rs_spot", SPOT)["batch"] == "2025年省级第2批"
    assert rules.derive("rs_spot", {**SPOT, "issuer_level": "ministry"})["batch"] == "2025年部级第2批"
    assert rules.derive("rs_spot", {**SPOT, "batch_round": None})["batch"] is None


def test_a_submitted_recheck_moves_an_issued_spot_on_with_what_it_found():
    recheck = {"uuid": "r", "rechecked_at": "2025-03-20T02:30:00Z", "determination": "unapproved_build",
               "project_name": "梅林镇安置房", "builder": "城投", "project_type": "real_estate"}  # fmt: skip
    spot = {**SPOT, "project_name": "影像所见：在建楼房"}
    changes = rules.spot_after_recheck(spot, recheck)
    assert changes["step"] == "rechecked" and changes["recheck_uuid"] == "r"
    assert (
        changes["rechecked_at"]
        == dt.datetime(2025, 3, 20, 2, 30, tzinfo=dt.timezone.utc).astimezone().date().isoformat()
    )
    assert changes["determination"] == "unapproved_build" and changes["builder"] == "城投"
    assert "project_name" not in changes  # what the spot knew stays; the re-check is there to read
    assert rules.spot_after_recheck({**SPOT, "step": "determined"}, recheck) == {}  # gone further: untouched
    after = {**spot, **changes}
    assert rules.validate("rs_spot", after) == []


@pytest.mark.parametrize("determination", RS_CLOSE_AT_DETERMINATION)
def test_compliant_and_non_production_spots_close_at_determination(determination):
    values = {**SPOT, "step": "determined", "determination": determination}
    assert rules.follow_on("rs_spot", values) == "closed"
    assert "step" in [p.field for p in rules.validate("rs_spot", values) if p.code == "rule"]
    fills = rules.step_fills("rs_spot", "closed")
    assert set(fills) == {"closed_at", "closed_by"}
    needs = {p.field for p in rules.step_needs("rs_spot", {**SPOT, "step": "rechecked", "recheck_uuid": "r",
                                                            "rechecked_at": "2025-03-20", "determination": determination},
                                               "determined")}  # fmt: skip
    assert "step" not in needs  # the step goes on to 销号: nothing refuses it
    assert needs == ({"plan_approval_no"} if determination == "compliant" else {"determination_note"})


@pytest.mark.parametrize("determination", RS_VIOLATIONS)
def test_violations_stay_determined_and_take_their_evidence(determination):
    assert rules.follow_on("rs_spot", {**SPOT, "step": "determined", "determination": determination}) is None
    allowed = RS_EVIDENCE_FOR[determination]
    closed = {**SPOT, "step": "closed", "determination": determination, "recheck_uuid": "r", "rechecked_at": "2025-03-20",
              "determined_at": "2025-03-25", "determined_by": "t", "notice_type": "plan_notice", "notice_no": "1",
              "notice_date": "2025-03-26", "notice_deadline": "2025-04-26", "evidence_date": "2025-04-20",
              "evidence_no": "x", "evidence_note": "复绿", "closed_at": "2025-04-21", "closed_by": "t"}  # fmt: skip
    for evidence in RECORD_KINDS["rs_spot"].field("evidence_type").enum.codes():
        found = [
            p for p in rules.validate("rs_spot", {**closed, "evidence_type": evidence}) if p.field == "evidence_type"
        ]
        assert bool(found) == (evidence not in allowed), (determination, evidence)


def test_the_deadline_is_the_issuers_and_while_rectified_the_notices_if_earlier():
    assert rules.spot_deadline(SPOT) == "2025-06-30"
    rectifying = {**SPOT, "step": "rectifying", "notice_deadline": "2025-05-01"}
    assert rules.spot_deadline(rectifying) == "2025-05-01" and rules.spot_overdue(rectifying, TODAY)
    assert rules.spot_deadline({**rectifying, "notice_deadline": "2025-08-01"}) == "2025-06-30"
    assert rules.spot_deadline({**SPOT, "step": "closed", "deadline": "2020-01-01"}) is None
    assert not rules.spot_overdue(SPOT, TODAY) and rules.spot_overdue(SPOT, dt.date(2025, 7, 1))


def test_the_docks_due_sql_agrees_with_the_model(qgis_app):
    from shuibao.ui.feature_model import DUE_WEEK, NOT_DUE, OVERDUE, spot_due_sql

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE s (step, deadline, notice_deadline)")
    days = [None, "", "2025-05-01", "2025-05-09", "2025-05-10", "2025-05-12", "2025-05-17", "2025-05-18",
            "2025-06-30T00:00:00Z"]  # fmt: skip
    rows = [(step, d, n) for step in ("issued", "rectifying", "closed", None) for d in days for n in days]
    conn.executemany("INSERT INTO s VALUES (?, ?, ?)", rows)
    sql = spot_due_sql(TODAY, "step", "deadline", "notice_deadline")
    for step, d, n, due in conn.execute(f"SELECT *, {sql} FROM s"):  # noqa: S608 - the expression under test
        values = {"step": step, "deadline": d, "notice_deadline": n}
        deadline = rules.spot_deadline(values)
        if rules.spot_overdue(values, TODAY):
            expected = OVERDUE
        elif deadline is not None and deadline <= (TODAY + dt.timedelta(days=7)).isoformat():
            expected = DUE_WEEK
        else:
            expected = NOT_DUE
        assert due == expected, (values, due, expected)


def test_next_steps_of_a_spot_leave_out_what_the_model_takes_by_itself():
    kind = RECORD_KINDS["rs_spot"]
    assert rules.next_steps(kind, SPOT) == []  # issued: moved on by a submitted re-check
    rechecked = {**SPOT, "step": "rechecked", "recheck_uuid": "r", "rechecked_at": "2025-03-20"}
    assert [t.target for t in rules.next_steps(kind, rechecked)] == ["determined"]
    hints = rules.problems_by_field(kind, rechecked)
    assert hints["determination"][0].code == "next" and "图斑认定前" in hints["determination"][0].zh
    determined = {**rechecked, "step": "determined", "determination": "unapproved_build", "determined_at": "2025-03-25",
                  "determined_by": "t"}  # fmt: skip
    assert [t.target for t in rules.next_steps(kind, determined)] == ["rectifying"]  # 认定销号 is the model's
    assert {p.field for p in rules.step_needs(kind, determined, "rectifying")} == {
        "notice_type", "notice_no", "notice_date", "notice_deadline"}  # fmt: skip
    assert rules.next_steps("dam", {"register_status": "registered"}) == []  # registers are not cases


def test_no_new_recheck_under_a_closed_spot():
    assert rules.creation_problems("rs_recheck", {**SPOT, "step": "rechecked"}) == []
    [problem] = rules.creation_problems("rs_recheck", {**SPOT, "step": "closed"})
    assert "已办结" in problem.zh


def test_a_visit_is_measured_to_the_edge_of_the_spots_area():
    ring = [(115.0, 25.9), (115.002, 25.9), (115.002, 25.902), (115.0, 25.902), (115.0, 25.9)]
    hole = [(115.0005, 25.9005), (115.0015, 25.9005), (115.0015, 25.9015), (115.0005, 25.9015), (115.0005, 25.9005)]
    assert geodesy.distance_to_polygons_m((115.001, 25.9001), [[ring]]) == 0.0
    east = geodesy.distance_to_polygons_m((115.005, 25.901), [[ring]])
    assert east == pytest.approx(geodesy.distance_m((115.002, 25.901), (115.005, 25.901)), rel=1e-3)
    assert geodesy.distance_to_polygons_m((115.001, 25.901), [[ring, hole]]) > 40  # in the hole: outside
    ctx = rules.Context(point=(115.005, 25.901), parent_polygons=[[ring]], parent_point=(115.001, 25.901))
    assert rules.derive("rs_recheck", {}, ctx)["distance_to_object"] == pytest.approx(east, abs=0.1)
    warn = rules.step_checks("rs_recheck", {"distance_to_object": east}, "submitted", "inspector",
                               rules.Context(children={"photo": []}))  # fmt: skip
    assert [p.code for p in warn] == ["warning", "warning"] and "现场照片" in warn[1].zh


def test_submitting_or_returning_is_named_for_the_record():
    wf = RECORD_KINDS["rs_spot"].workflow
    labels = {(t.source, t.target): t.zh for t in wf.transitions}
    assert labels[("rechecked", "issued")] == "退回重新复核" and labels[("rectifying", "closed")] == "图斑销号"
    assert rules.irreversible("rs_spot", "closed") and not rules.irreversible("rs_spot", "determined")
    assert [t.target for t in wf.transitions if t.auto] == ["rechecked", "closed"]
