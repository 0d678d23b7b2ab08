"""What is signed stays signed (issue 12, item 6): a record at its workflow's last step is read-only
except to an admin, only drafts are deleted (by their author or a technician), and every status
with a meaning has a workflow with roles. Each case is pushed straight to the server as the role."""

from __future__ import annotations

import pytest
from shuibao.model import RECORD_KINDS
from shuibao.model.schema import ENUM
from shuibao_server.testing.helpers import A, insert, sample_values, update

DAY, TIME = "2024-06-01", "2024-06-01T09:00:00Z"


@pytest.fixture
def people(api):
    return {role: api.client(role, role) for role in ("inspector", "technician", "acceptor", "admin")} | {
        "inspector2": api.client("inspector2", "inspector")
    }


class Record:
    """A record pushed and then walked through its steps by the given users."""

    def __init__(self, kind: str, values: dict, by):
        self.kind, self.change = kind, insert(kind, values)
        self.uuid = self.change["uuid"]
        [res] = by.push(self.change)
        assert res["status"] == "applied", res
        self.rev = res["rev"]

    def edit(self, by, **values) -> dict:
        rec = by.get(self.uuid).json()
        old = rec["values"]
        [res] = by.push(update(self.kind, self.uuid, rec["rev"], {n: (old.get(n), v) for n, v in values.items()}))
        if res["status"] == "applied":
            self.rev = res["rev"]
        return res

    def step(self, by, **values) -> None:
        res = self.edit(by, **values)
        assert res["status"] == "applied", res

    def delete(self, by) -> dict:
        rev = by.get(self.uuid).json()["rev"]
        [res] = by.push({"kind": self.kind, "uuid": self.uuid, "op": "delete", "base_rev": rev, "fields": {}})
        return res


def _refused(res: dict, *codes: str) -> None:
    assert res["status"] == "rejected", res
    assert set(codes) & {e["code"] for e in res["errors"]} and all(e["zh"] for e in res["errors"]), res


def _patch_acceptance(people) -> Record:
    patch = Record("patch", sample_values("patch"), people["technician"])
    acc = Record("patch_acceptance", sample_values("patch_acceptance", A, {"patch": patch.uuid}), people["inspector"])
    acc.step(people["inspector"], accepted_at=DAY, verdict="pass", opinion="合格", step="checked")
    acc.step(people["acceptor"], acceptor="王验收", signed_at=TIME, step="signed")
    return acc


def test_a_signed_acceptance_is_read_only_except_to_an_admin(people):
    acc = _patch_acceptance(people)
    _refused(acc.edit(people["inspector"], opinion="改了"), "final_step")
    _refused(acc.edit(people["acceptor"], acceptor="别人"), "final_step")
    _refused(acc.edit(people["technician"], step="checked"), "transition")  # no way back from signed
    assert acc.edit(people["admin"], opinion="管理员更正")["status"] == "applied"
    assert people["inspector"].get(acc.uuid).json()["values"]["opinion"] == "管理员更正"


def test_signed_and_closed_records_are_never_deleted_but_by_an_admin(people):
    acc = _patch_acceptance(people)
    for role in ("inspector", "acceptor", "technician"):
        _refused(acc.delete(people[role]), "delete_step")
    dam = Record("dam", sample_values("dam"), people["technician"])
    hazard = Record("dam_hazard", sample_values("dam_hazard", A, {"dam": dam.uuid}), people["inspector"])
    hazard.step(people["inspector"], rectified_at=DAY, rectification_note="已修复", step="rectified")
    hazard.step(people["inspector"], rechecked_at=DAY, rechecked_by="李", recheck_result="pass", step="rechecked")
    hazard.step(people["technician"], closed_at=DAY, closed_by="张", step="closed")
    _refused(hazard.delete(people["inspector"]), "delete_step")
    _refused(hazard.edit(people["inspector"], description="改"), "final_step")
    assert acc.delete(people["admin"])["status"] == "applied"
    history = people["admin"].api.http.get(f"/api/v1/records/{acc.uuid}/history", headers=people["admin"].headers)
    assert [h["op"] for h in history.json()] == ["insert", "update", "update", "delete"]  # all kept


def test_an_acceptor_cannot_delete_a_signed_watershed_acceptance(people):
    shed = Record("watershed", sample_values("watershed"), people["technician"])
    spot = Record("watershed_spot", sample_values("watershed_spot", A, {"watershed": shed.uuid}), people["technician"])
    acc = Record(
        "watershed_acceptance", sample_values("watershed_acceptance", A, {"watershed": shed.uuid}), people["acceptor"]
    )
    acc.step(people["acceptor"], sample_seed=7, step="sampled")
    parents = {"watershed_acceptance": acc.uuid, "watershed_spot": spot.uuid}
    check = {**sample_values("spot_check", A, parents), "spot_uuid": spot.uuid,
             "step": "checked", "checked_at": TIME, "checker": "李", "area_deviation": 1.0, "matches_design": True,
             "quality": "qualified"}  # fmt: skip
    Record("spot_check", check, people["acceptor"])
    acc.step(people["acceptor"], opinion="合格", step="checked")  # every sampled spot checked
    acc.step(people["acceptor"], acceptor="王验收", signed_at=TIME, step="signed")
    _refused(acc.delete(people["acceptor"]), "delete_step")
    _refused(acc.edit(people["acceptor"], opinion="改"), "final_step")


def _signed_completion(people, shed: str) -> None:
    """A completion acceptance (竣工验收) of the watershed that passed, signed by the acceptor."""
    spot = {**sample_values("watershed_spot", A, {"watershed": shed}), "step": "completed", "completed_qty": 1.0}
    spot = Record("watershed_spot", spot, people["technician"])
    values = {**sample_values("watershed_acceptance", A, {"watershed": shed}), "kind": "completion"}
    acc = Record("watershed_acceptance", values, people["acceptor"])
    acc.step(people["acceptor"], sample_seed=7, step="sampled")
    parents = {"watershed_acceptance": acc.uuid, "watershed_spot": spot.uuid}
    check = {**sample_values("spot_check", A, parents), "spot_uuid": spot.uuid,
             "step": "checked", "checked_at": TIME, "checker": "李", "area_deviation": 1.0, "matches_design": True,
             "quality": "qualified"}  # fmt: skip
    Record("spot_check", check, people["acceptor"])
    acc.step(people["acceptor"], opinion="合格", step="checked")
    acc.step(people["acceptor"], acceptor="王验收", signed_at=TIME, step="signed")
    assert people["acceptor"].get(acc.uuid).json()["values"]["verdict"] == "pass"


def test_a_watersheds_treatment_status_follows_its_workflow(people):
    shed = Record("watershed", {**sample_values("watershed"), "eroded_light": 0.01}, people["technician"])
    for role in ("inspector", "technician", "acceptor"):  # treating -> accepted: nobody but an admin
        _refused(shed.edit(people[role], treatment_status="accepted"), "role", "transition")
    _signed_completion(people, shed.uuid)  # signed before the treatment was marked completed
    shed.step(people["inspector"], treatment_status="completed")
    _refused(shed.edit(people["technician"], treatment_status="accepted"), "role")
    shed.step(people["acceptor"], treatment_status="accepted")
    _refused(shed.edit(people["technician"], name="改名"), "final_step")
    # nor can anyone but an acceptor (or admin) register a watershed straight at "accepted"
    [res] = people["technician"].push(
        insert("watershed", {**sample_values("watershed"), "treatment_status": "accepted"})
    )
    _refused(res, "role", "transition")


def test_every_status_with_a_meaning_has_a_workflow_with_roles():
    """A record's status (a step, 治理状态, 登记状态) is moved by a workflow that says which roles may;
    findings and observations (检查结论, 质量评定, a gully's 发育状态, a spot's 建设状态) and the dam's 安全状况 (which
    follows its hazards) are not statuses."""
    findings = {("dam_inspection", "result"), ("spot_check", "quality"), ("patch", "gully_status"),
                ("rs_recheck", "construction_status")}  # fmt: skip
    findings |= {(k.name, "result") for k in RECORD_KINDS.values() if k.name.endswith("_upkeep")}  # 管护检查
    for kind in RECORD_KINDS.values():
        governed = {wf.state_field for wf in kind.workflows()}
        for f in kind.fields:
            is_status = f.type == ENUM and (f.name == "step" or f.name.endswith("_status"))
            if is_status and (kind.name, f.name) not in findings and f.name != "hazard_status":
                assert f.name in governed, f"{kind.name}.{f.name} has no workflow"
        if kind.status_field and (kind.name, kind.status_field) not in findings:
            assert kind.status_field in governed or kind.status_field == "hazard_status", kind.name
        for wf in kind.workflows():
            assert all(t.roles for t in wf.transitions), kind.name


def test_drafts_stay_deletable_by_their_author_or_a_technician(people):
    dam = Record("dam", sample_values("dam"), people["technician"])
    drafts = [Record("dam_inspection", sample_values("dam_inspection", A, {"dam": dam.uuid}), people["inspector"])
              for _ in range(2)]  # fmt: skip
    _refused(drafts[0].delete(people["inspector2"]), "role")  # someone else's draft
    assert drafts[0].delete(people["inspector"])["status"] == "applied"  # the author
    assert drafts[1].delete(people["technician"])["status"] == "applied"  # a technician


def test_a_technician_may_return_a_submitted_inspection_and_it_opens_again(people):
    dam = Record("dam", sample_values("dam"), people["technician"])
    insp = Record("dam_inspection", sample_values("dam_inspection", A, {"dam": dam.uuid}), people["inspector"])
    submitted = dict(flood_storage_ok=True, crack_type="none", seepage="none", result="no_hazard",
                     position_source="gps", signature="李", step="submitted")  # fmt: skip
    insp.step(people["inspector"], **submitted)
    _refused(insp.edit(people["inspector"], signature="改"), "final_step")
    _refused(insp.delete(people["inspector"]), "delete_step")
    insp.step(people["technician"], step="draft")  # 退回修改
    insp.step(people["inspector"], signature="改")
    assert insp.delete(people["inspector"])["status"] == "applied"


def test_a_conflict_on_a_signed_record_cannot_be_written_by_resolving_it(people):
    acc = _patch_acceptance(people)
    stale = acc.rev
    acc.step(people["admin"], opinion="管理员更正")
    [res] = people["inspector"].push(update("patch_acceptance", acc.uuid, stale, {"opinion": ("合格", "我的")}))
    _refused(res, "final_step")  # no conflict row to resolve into a signed record either
