"""Remote-sensing spots on the server: every rule of the model is enforced on push, whoever sends it
(the plugin, the attribute table, a script), with the reason in Chinese. The generic records table
needs no migration for the new kinds."""

from __future__ import annotations

import pytest
from shuibao_server.testing.helpers import A, insert, point_hex, square_hex, uid, update


def spot_values(**over) -> dict:
    values = {
        "county_code": A, "spot_id": "36072120250100" + uid()[:2], "batch_year": 2025, "batch_round": 1,
        "issuer_level": "province", "issued_on": "2025-03-15", "deadline": "2025-06-30", "township": "梅林镇",
        "geom": square_hex(115.1, 25.9, 0.002),
    }  # fmt: skip
    values.update(over)
    return values


def recheck_values(spot_uuid: str, **over) -> dict:
    values = {
        "county_code": A, "spot_uuid": spot_uuid, "rechecked_at": "2025-03-20T02:00:00Z", "inspector": "王五",
        "disturbance_found": True, "extent_matches": True, "construction_status": "building",
        "project_name": "梅林镇安置房建设项目", "determination": "unapproved_build", "evidence": "现场在建，未见方案批复",
        "position_source": "gps", "step": "submitted", "geom": point_hex(115.101, 25.901),
    }  # fmt: skip
    values.update(over)
    return values


# The fields a violation spot has at each step, cumulatively.
RECHECKED = {
    "step": "rechecked",
    "recheck_uuid": None,
    "rechecked_at": "2025-03-20",
    "determination": "unapproved_build",
}
DETERMINED = {"step": "determined", "determined_at": "2025-03-25", "determined_by": "技术员"}
RECTIFYING = {"step": "rectifying", "notice_type": "plan_notice", "notice_no": "赣县水保通〔2025〕12号",
              "notice_date": "2025-03-26", "notice_deadline": "2025-05-26"}  # fmt: skip
CLOSED = {"step": "closed", "evidence_type": "plan_approval", "evidence_no": "赣县水保许〔2025〕31号",
          "evidence_date": "2025-05-20", "closed_at": "2025-05-21", "closed_by": "技术员"}  # fmt: skip


@pytest.fixture
def tech(api):
    return api.client("tech", role="technician")


@pytest.fixture
def inspector(api):
    return api.client("insp", role="inspector")


def _spot_with_recheck(tech, inspector) -> tuple[dict, dict]:
    """An issued spot, and a submitted re-check of it by the inspector."""
    [spot] = tech.push(insert("rs_spot", spot_values()))
    assert spot["status"] == "applied", spot
    [recheck] = inspector.push(insert("rs_recheck", recheck_values(spot["uuid"])))
    assert recheck["status"] == "applied", recheck
    return spot, recheck


def _move(client, spot: dict, before: dict, after: dict) -> dict:
    """Push the changes from `before` to `after` of a spot; returns the result."""
    changes = {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
    [res] = client.push(update("rs_spot", spot["uuid"], spot["rev"], changes))
    return res


def _errors(res: dict) -> list[tuple[str, str]]:
    assert res["status"] == "rejected", res
    return [(e["field"], e["zh"]) for e in res["errors"]]


def test_a_spot_goes_from_issue_to_closing_and_everyone_in_the_county_reads_it(api, tech, inspector):
    spot, recheck = _spot_with_recheck(tech, inspector)
    stages = [{**RECHECKED, "recheck_uuid": recheck["uuid"]}, DETERMINED, RECTIFYING, CLOSED]
    current: dict = {"step": "issued"}
    for client, stage in zip((inspector, tech, tech, tech), stages):
        after = {**current, **stage}
        res = _move(client, spot, current, after)
        assert res["status"] == "applied", (stage["step"], res)
        spot["rev"], current = res["rev"], after
    values = {i["uuid"]: i["values"] for i in api.client("acc", role="acceptor").pull_all()}
    assert values[spot["uuid"]]["step"] == "closed" and values[spot["uuid"]]["batch"] == "2025年省级第1批"
    assert values[spot["uuid"]]["area"] == pytest.approx(4.45, abs=0.05)  # hm², from the outline
    assert values[recheck["uuid"]]["distance_to_object"] == 0.0  # inside the spot: a proof of visit


def test_the_distance_of_a_recheck_is_to_the_spots_edge(tech, inspector, api):
    [spot] = tech.push(insert("rs_spot", spot_values()))
    far = recheck_values(spot["uuid"], geom=point_hex(115.105, 25.9))  # ~300 m east of the spot's edge
    [res] = inspector.push(insert("rs_recheck", far))
    assert res["status"] == "applied", res
    [item] = [i for i in api.client("acc", role="acceptor").pull_all() if i["uuid"] == res["uuid"]]
    assert 290 < item["values"]["distance_to_object"] < 320


def test_an_issued_spot_needs_its_id_batch_dates_and_the_deadline_after_the_issue(tech):
    cases = [
        ({k: v for k, v in spot_values().items() if k != "spot_id"}, "spot_id", "请填写图斑编号"),
        ({k: v for k, v in spot_values().items() if k != "deadline"}, "deadline", "请填写办结期限"),
        (spot_values(issuer_level="county"), "issuer_level", "不是有效选项"),
        (spot_values(deadline="2025-03-01"), "deadline", "办结期限不能早于下发日期"),
        (spot_values(batch_round=0), "batch_round", "不能小于1"),
    ]
    for values, field, words in cases:
        [res] = tech.push(insert("rs_spot", values))
        assert any(f == field and words in zh for f, zh in _errors(res)), (field, res["errors"])


def test_a_recheck_is_submitted_with_what_was_found(tech, inspector):
    [spot] = tech.push(insert("rs_spot", spot_values()))
    u = spot["uuid"]
    cases = [
        (recheck_values(u, determination=None), "determination", "请填写复核认定意见"),
        (recheck_values(u, evidence=None), "evidence", "请填写复核情况说明"),
        (recheck_values(u, disturbance_found=None), "disturbance_found", "请填写现场存在扰动"),
        (recheck_values(u, construction_status=None), "construction_status", "存在扰动时须填写建设状态"),
        (recheck_values(u, extent_matches=False), "disturbed_area", "须填写现场扰动面积"),
        (recheck_values(u, project_name=None), "project_name", "违法违规图斑须查明项目名称"),
    ]
    for values, field, words in cases:
        [res] = inspector.push(insert("rs_recheck", values))
        assert any(f == field and words in zh for f, zh in _errors(res)), (field, res["errors"])
    [draft] = inspector.push(insert("rs_recheck", recheck_values(u, step="draft", determination=None, evidence=None)))
    assert draft["status"] == "applied", draft  # a draft saves with gaps


def test_steps_need_their_fields_and_violations_their_notice(tech, inspector):
    spot, recheck = _spot_with_recheck(tech, inspector)
    issued = {"step": "issued"}
    assert ("recheck_uuid", "请填写现场复核记录") in _errors(_move(inspector, spot, issued, {**issued, **RECHECKED}))
    rechecked = {**RECHECKED, "recheck_uuid": recheck["uuid"]}
    res = _move(inspector, spot, issued, rechecked)
    spot["rev"] = res["rev"]
    no_day = {**rechecked, **DETERMINED, "determined_at": None}
    assert ("determined_at", "请填写认定日期") in _errors(_move(tech, spot, rechecked, no_day))
    res = _move(tech, spot, rechecked, {**rechecked, **DETERMINED})
    spot["rev"] = res["rev"]
    determined = {**rechecked, **DETERMINED}
    errors = _errors(_move(tech, spot, determined, {**determined, "step": "rectifying"}))
    assert {f for f, _zh in errors} == {"notice_type", "notice_no", "notice_date", "notice_deadline"}
    assert all("违法违规图斑须填写" in zh for _f, zh in errors)
    early = {**determined, **RECTIFYING, "notice_deadline": "2025-03-01"}
    assert ("notice_deadline", "整改期限不能早于通知下发日期") in _errors(_move(tech, spot, determined, early))


@pytest.mark.parametrize(
    "determination, evidence, allowed",
    [
        ("unapproved_build", "acceptance_filing", "水土保持方案批复"),
        ("unaccepted_operation", "plan_approval", "水土保持设施验收报备回执"),
        ("beyond_scope", "plan_approval", "水土保持方案变更批复"),
    ],
)
def test_a_violation_closes_only_with_the_evidence_its_determination_takes(tech, inspector, determination, evidence,
                                                                           allowed):  # fmt: skip
    spot, recheck = _spot_with_recheck(tech, inspector)
    rectifying = {**RECHECKED, "recheck_uuid": recheck["uuid"], **DETERMINED, **RECTIFYING,
                  "determination": determination}  # fmt: skip
    res = _move(tech, spot, {"step": "issued"}, rectifying)
    assert res["status"] == "applied", res
    spot["rev"] = res["rev"]
    errors = _errors(_move(tech, spot, rectifying, {**rectifying, **CLOSED, "evidence_type": evidence}))
    assert any(f == "evidence_type" and allowed in zh for f, zh in errors), errors
    without = {**rectifying, **CLOSED, "evidence_type": None, "evidence_no": None, "evidence_date": None}
    errors = _errors(_move(tech, spot, rectifying, without))
    assert ("evidence_type", "违法违规图斑销号须有整改佐证") in errors and (
        "evidence_date",
        "销号须填写佐证日期",
    ) in errors
    restored = {**rectifying, **CLOSED, "evidence_type": "restoration", "evidence_no": None}
    if determination != "unaccepted_operation":  # a restored site needs its description
        assert ("evidence_note", "恢复治理或其他佐证须填写说明") in _errors(_move(tech, spot, rectifying, restored))


def test_a_compliant_spot_closes_at_determination(tech, inspector):
    spot, recheck = _spot_with_recheck(tech, inspector)
    rechecked = {**RECHECKED, "recheck_uuid": recheck["uuid"], "determination": "compliant"}
    res = _move(tech, spot, {"step": "issued"}, rechecked)
    spot["rev"] = res["rev"]
    determined = {**rechecked, **DETERMINED, "plan_approval_no": "赣县水保许〔2024〕8号"}
    assert ("step", "合规或非生产建设项目图斑在认定时销号，不进入整改查处") in _errors(
        _move(tech, spot, rechecked, determined)
    )
    closed = {**determined, "step": "closed", "closed_at": "2025-03-25", "closed_by": "技术员"}
    errors = _errors(_move(tech, spot, rechecked, {**closed, "plan_approval_no": None}))
    assert ("plan_approval_no", "认定合规须填写水土保持方案批复文号") in errors
    res = _move(tech, spot, rechecked, closed)
    assert res["status"] == "applied", res  # no notice, no evidence: closed at 认定


def test_roles_take_only_their_steps(tech, inspector, api):
    spot, recheck = _spot_with_recheck(tech, inspector)
    rechecked = {**RECHECKED, "recheck_uuid": recheck["uuid"]}
    res = _move(inspector, spot, {"step": "issued"}, rechecked)
    assert res["status"] == "applied", res
    spot["rev"] = res["rev"]
    for target in ({**rechecked, **DETERMINED}, {**rechecked, "step": "issued"}):  # 认定, 退回: technicians'
        errors = _errors(_move(inspector, spot, rechecked, target))
        assert any(f == "step" and "技术员" in zh for f, zh in errors), errors
    acceptor = api.client("acc", role="acceptor")
    assert _errors(_move(acceptor, spot, rechecked, {**rechecked, **DETERMINED}))
    closed = {**rechecked, **DETERMINED, **RECTIFYING, **CLOSED}
    res = _move(tech, spot, rechecked, closed)
    assert res["status"] == "applied", res
    spot["rev"] = res["rev"]
    reopened = {**closed, "step": "rectifying"}
    assert any("管理员" in zh for _f, zh in _errors(_move(tech, spot, closed, reopened)))  # only an admin reopens
    res = _move(api.client("admin", role="admin"), spot, closed, reopened)
    assert res["status"] == "applied", res


def test_an_inspector_may_split_a_spot_on_site_but_not_delete_one(tech, inspector):
    [spot] = tech.push(insert("rs_spot", spot_values(spot_id="360721202501000001")))
    part = spot_values(spot_id="360721202501000001-2", split_from=spot["uuid"], geom=square_hex(115.102, 25.9, 0.001))
    [res] = inspector.push(insert("rs_spot", part))
    assert res["status"] == "applied", res
    [gone] = inspector.push({"kind": "rs_spot", "uuid": spot["uuid"], "op": "delete", "base_rev": spot["rev"]})
    assert gone["status"] == "rejected" and gone["errors"][0]["code"] == "role"
