"""The domain rules of issue 13 on the server: each violation pushed straight to the API (as any
program could, without the plugin's forms) is rejected with its reason in Chinese and English, and
what follows from a change (a dam's hazard status, a watershed's treatment degree, an acceptance's
figures and verdict) is maintained in the same push. On SQLite and on PostGIS."""

from __future__ import annotations

from shuibao_server.testing.helpers import dam_values, insert, point_hex, square_hex, update


def _rejected(res: dict, field: str | None, *words: str) -> dict:
    assert res["status"] == "rejected", res
    [err] = [e for e in res["errors"] if e["field"] == field] or [None]
    assert err is not None, res["errors"]
    assert err["zh"] and err["en"] and all(w in err["zh"] for w in words), err
    return err


def _values(client, uuid: str) -> dict:
    r = client.get(uuid)
    assert r.status_code == 200, r.text
    return r.json()["values"]


def _hazard(dam_uuid: str, **over) -> dict:
    v = {"county_code": "360721", "dam_uuid": dam_uuid, "description": "坝体横向裂缝", "severity": "major",
         "measure": "开挖回填", "responsible_person": "王五", "deadline": "2026-08-01"}  # fmt: skip
    v.update(over)
    return v


_RECHECKED = {"step": "rechecked", "rectified_at": "2026-07-10", "rectification_note": "已回填夯实",
              "rechecked_at": "2026-07-15", "rechecked_by": "李四"}  # fmt: skip


# -- hazards and the dam's hazard status ----------------------------------------------------------
def test_a_hazard_is_closed_only_after_a_passed_re_check(api):
    tech = api.client("tech", "technician")
    [dam] = tech.push(insert("dam", dam_values()))
    closed = {**_RECHECKED, "recheck_result": "fail", "step": "closed", "closed_at": "2026-07-16", "closed_by": "李四"}
    [res] = tech.push(insert("dam_hazard", _hazard(dam["uuid"], severity="general", **closed)))
    err = _rejected(res, "recheck_result", "复查合格后才能销号")
    assert "re-check passed" in err["en"]
    [h] = tech.push(insert("dam_hazard", _hazard(dam["uuid"], severity="general", **_RECHECKED, recheck_result="fail")))
    assert h["status"] == "applied", h
    close = {"step": ("rechecked", "closed"), "closed_at": (None, "2026-07-16"), "closed_by": (None, "李四")}
    [res] = tech.push(update("dam_hazard", h["uuid"], h["rev"], close))
    _rejected(res, "recheck_result", "复查合格")
    [res] = tech.push(update("dam_hazard", h["uuid"], h["rev"], {**close, "recheck_result": ("fail", "pass")}))
    assert res["status"] == "applied", res


def test_a_dam_s_hazard_status_follows_its_major_hazards_in_the_same_push(api):
    tech, insp = api.client("tech", "technician"), api.client("insp")
    [dam] = tech.push(insert("dam", dam_values()))
    [general] = insp.push(insert("dam_hazard", _hazard(dam["uuid"], severity="general")))
    assert _values(tech, dam["uuid"])["hazard_status"] == "normal"
    [major] = insp.push(insert("dam_hazard", _hazard(dam["uuid"])))
    assert major["status"] == "applied", major
    after = tech.get(dam["uuid"]).json()
    assert after["values"]["hazard_status"] == "dangerous" and after["rev"] > dam["rev"]
    assert after["updated_by"] == "insp"  # the push that opened the hazard changed the dam
    pulled = {(i["kind"], i["uuid"]): i for i in api.client("other").pull_all()}
    assert pulled[("dam", dam["uuid"])]["values"]["hazard_status"] == "dangerous"

    # 正常 sent over an open major hazard does not stick: the server keeps it 病险 (the form marks it);
    # 除险加固中 is the technician's to set.
    [res] = tech.push(update("dam", dam["uuid"], after["rev"], {"hazard_status": ("dangerous", "normal")}))
    assert res["status"] == "applied" and res["applied"] == [], res
    assert _values(tech, dam["uuid"])["hazard_status"] == "dangerous"
    [res] = tech.push(update("dam", dam["uuid"], after["rev"], {"hazard_status": ("dangerous", "reinforcing")}))
    assert res["status"] == "applied", res
    [res] = tech.push(update("dam", dam["uuid"], res["rev"], {"hazard_status": ("reinforcing", "dangerous")}))
    assert res["status"] == "applied"

    # Closing the last major hazard returns it to 正常 (the general one stays open).
    steps = {"step": ("open", "rechecked"), **{k: (None, v) for k, v in _RECHECKED.items() if k != "step"},
             "recheck_result": (None, "pass")}  # fmt: skip
    [r1] = insp.push(update("dam_hazard", major["uuid"], major["rev"], steps))
    assert r1["status"] == "applied", r1
    assert _values(tech, dam["uuid"])["hazard_status"] == "dangerous"  # re-checked is not closed
    close = {"step": ("rechecked", "closed"), "closed_at": (None, "2026-07-16"), "closed_by": (None, "李四")}
    [r2] = tech.push(update("dam_hazard", major["uuid"], r1["rev"], close))
    assert r2["status"] == "applied", r2
    assert _values(tech, dam["uuid"])["hazard_status"] == "normal"
    assert general["status"] == "applied"


def test_deleting_a_major_hazard_and_a_hazard_inserted_with_its_dam(api):
    tech = api.client("tech", "technician")
    d = insert("dam", dam_values())
    h = insert("dam_hazard", _hazard(d["uuid"]))
    [rd, rh] = tech.push(d, h)  # one push: the dam, then its hazard
    assert rd["status"] == rh["status"] == "applied", (rd, rh)
    assert _values(tech, d["uuid"])["hazard_status"] == "dangerous"
    gone = {"kind": "dam_hazard", "uuid": h["uuid"], "op": "delete", "base_rev": rh["rev"], "fields": {}}
    [res] = tech.push(gone)
    assert res["status"] == "applied", res
    assert _values(tech, d["uuid"])["hazard_status"] == "normal"


# -- inspections at a flag --------------------------------------------------------------------------
def _inspection(dam_uuid: str, **over) -> dict:
    v = {"county_code": "360721", "dam_uuid": dam_uuid, "kind": "flood_patrol", "inspected_at": "2026-07-20T01:00:00Z",
         "inspector": "王五", "flood_storage_ok": True, "crack_type": "transverse", "crack_width": 15.0,
         "crack_length": 6.0, "seepage": "piping", "seepage_location": "坝脚", "settlement": 30.0,
         "result": "no_hazard", "position_source": "gps", "signature": "王五", "step": "submitted",
         "geom": point_hex()}  # fmt: skip
    v.update(over)
    return v


def test_an_inspection_at_a_flag_concluding_no_hazard_needs_a_reason(api):
    insp = api.client("insp")
    [dam] = api.client("tech", "technician").push(insert("dam", dam_values()))
    [res] = insp.push(insert("dam_inspection", _inspection(dam["uuid"])))
    err = _rejected(res, "flag_reason", "裂缝宽 15 mm", "沉降 30 cm", "管涌", "写明理由")
    assert "written reason" in err["en"]
    [res] = insp.push(insert("dam_inspection", _inspection(dam["uuid"], flag_reason="旧缝，已灌浆封闭，复测未扩展")))
    assert res["status"] == "applied", res
    [res] = insp.push(
        insert("dam_inspection", _inspection(dam["uuid"], result="major", measures="回填", deadline="2026-08-01"))
    )
    assert res["status"] == "applied", res
    # A draft saves with the gap; submitting it later is refused the same way.
    [draft] = insp.push(insert("dam_inspection", _inspection(dam["uuid"], step="draft")))
    assert draft["status"] == "applied"
    [res] = insp.push(update("dam_inspection", draft["uuid"], draft["rev"], {"step": ("draft", "submitted")}))
    _rejected(res, "flag_reason", "写明理由")


# -- de-listing ---------------------------------------------------------------------------------------
_DELIST = {"register_status": ("registered", "delisted"), "delist_date": (None, "2026-06-30"),
           "delist_cause": (None, "silted_up"), "delist_document": (None, "赣县水字〔2026〕12号"),
           "delist_authority": (None, "赣县区水利局")}  # fmt: skip


def test_de_listing_a_dam_with_open_hazards_is_refused_or_needs_an_admin_and_a_reason(api):
    tech, admin = api.client("tech", "technician"), api.client("admin", "admin")
    [dam] = tech.push(insert("dam", dam_values()))
    [h] = tech.push(insert("dam_hazard", _hazard(dam["uuid"], severity="general")))
    rev = _values(tech, dam["uuid"])["server_rev"]
    [res] = tech.push(update("dam", dam["uuid"], rev, _DELIST))
    err = _rejected(res, None, "1 处未销号的隐患", "不能登记销号")
    assert "close them first" in err["en"]
    [res] = admin.push(update("dam", dam["uuid"], rev, _DELIST))
    _rejected(res, "delist_reason", "须写明销号说明")
    [res] = admin.push(
        update("dam", dam["uuid"], rev, {**_DELIST, "delist_reason": (None, "坝体已并入下游水库，隐患随工程移交")})
    )
    assert res["status"] == "applied", res
    assert h["status"] == "applied"


def test_de_listing_names_its_cause_document_and_authority(api):
    tech = api.client("tech", "technician")
    [dam] = tech.push(insert("dam", dam_values()))
    bare = {"register_status": ("registered", "delisted"), "delist_date": (None, "2026-06-30"),
            "delist_reason": (None, "已淤满")}  # fmt: skip
    [res] = tech.push(update("dam", dam["uuid"], dam["rev"], bare))
    assert {e["field"] for e in res["errors"]} >= {"delist_cause", "delist_document", "delist_authority"}
    [res] = tech.push(update("dam", dam["uuid"], dam["rev"], {**_DELIST, "delist_cause": (None, "淤满")}))
    _rejected(res, "delist_cause", "不是有效选项")
    [res] = tech.push(update("dam", dam["uuid"], dam["rev"], {**_DELIST, "delist_cause": (None, "other")}))
    _rejected(res, "delist_reason", "其他")
    [res] = tech.push(update("dam", dam["uuid"], dam["rev"], _DELIST))
    assert res["status"] == "applied", res
    # a de-listed dam takes corrections of its de-listing (not other edits: those are conflicts)
    fix = {
        "delist_authority": ("赣县区水利局", "赣州市赣县区水利局"),
        "delist_document": ("赣县水字〔2026〕12号", "赣县水字〔2026〕13号"),
    }
    [res] = tech.push(update("dam", dam["uuid"], res["rev"], fix))
    assert res["status"] == "applied" and set(res["applied"]) >= set(fix), res
    [res] = tech.push(update("dam", dam["uuid"], res["rev"], {"name": ("x", "改名")}))
    assert res["status"] == "conflict" and res["conflicts"][0]["reason"] == "delisted", res


# -- 一坝一人, phones, 项目法人 -------------------------------------------------------------------------
def test_one_dam_one_patroller_phones_and_the_project_legal_person(api):
    tech = api.client("tech", "technician")
    exposed = dam_values(downstream_exposure=["residents", "school"], design_silt_elevation=1020.0,
                         current_silt_elevation=1011.0)  # fmt: skip
    [res] = tech.push(insert("dam", exposed))
    _rejected(res, "dedicated_patroller", "一坝一人")
    _rejected(res, "patrol_phone", "电话")
    [res] = tech.push(insert("dam", {**exposed, "dedicated_patroller": True, "patrol_phone": "1390797123"}))
    err = _rejected(res, "patrol_phone", "不是有效的电话号码")
    assert "phone number" in err["en"]
    [ok] = tech.push(insert("dam", {**exposed, "dedicated_patroller": True, "patrol_phone": "139-0797-1234"}))
    assert ok["status"] == "applied", ok
    assert _values(tech, ok["uuid"])["patrol_class"] == "dedicated"
    [res] = tech.push(insert("dam", dam_values(construction_stage="built")))
    _rejected(res, "legal_person", "项目法人")
    [res] = tech.push(insert("dam", dam_values(construction_stage="built", legal_person="赣县区水利建设公司",
                                               legal_person_phone="0797-4412345")))  # fmt: skip
    assert res["status"] == "applied", res
    assert _values(tech, res["uuid"])["patrol_class"] == "ordinary"


# -- watersheds: treatment degree, acceptance ---------------------------------------------------------
def _watershed(**over) -> dict:
    v = {"county_code": "360721", "code": "W-1", "name": "桃溪小流域", "project_type": "comprehensive",
         "eroded_light": 0.9, "eroded_moderate": 0.1, "geom": square_hex(d=0.02)}  # fmt: skip
    v.update(over)
    return v


def _spot(shed: str, code: str, **over) -> dict:
    v = {"county_code": "360721", "watershed_uuid": shed, "spot_code": code, "measure_type": "terrace",
         "unit": "hm2", "design_qty": 20.0, "geom": square_hex(d=0.004)}  # fmt: skip
    v.update(over)
    return v


def test_the_treatment_degree_follows_the_completed_spots(api):
    tech = api.client("tech", "technician")
    [shed] = tech.push(insert("watershed", {**_watershed(), "eroded_area": 9.0, "treatment_degree": 99.0}))
    v = _values(tech, shed["uuid"])
    assert v["eroded_area"] == 1.0  # the sum of the classes; the sent figures are ignored
    assert v["treatment_degree"] == 0.0
    spots = [insert("watershed_spot", _spot(shed["uuid"], f"S-{i}")) for i in range(3)]
    results = tech.push(*spots)
    assert all(r["status"] == "applied" for r in results), results
    area = _values(tech, results[0]["uuid"])["area"]  # hm², from the geometry
    [done] = tech.push(update("watershed_spot", results[0]["uuid"], results[0]["rev"],
                              {"step": ("planned", "completed"), "completed_qty": (None, 19.5)}))  # fmt: skip
    assert done["status"] == "applied", done
    assert _values(tech, shed["uuid"])["treatment_degree"] == round(area, 1)  # hm² of 1 km², in %
    [res] = tech.push(update("watershed", shed["uuid"], v["server_rev"], {"eroded_severe": (None, 1.0)}))
    assert res["status"] == "applied", res
    assert _values(tech, shed["uuid"])["treatment_degree"] == round(area / 2, 1)


def _completion(tech, shed_values: dict, quality: str = "qualified"):
    [shed] = tech.push(insert("watershed", shed_values))
    [spot] = tech.push(insert("watershed_spot", _spot(shed["uuid"], "S-1", step="completed", completed_qty=20.0)))
    acc = {"county_code": "360721", "watershed_uuid": shed["uuid"], "kind": "completion", "year": 2026,
           "step": "sampled", "sample_share": 0.2, "sample_seed": 7}  # fmt: skip
    [a] = tech.push(insert("watershed_acceptance", acc))
    check = {"county_code": "360721", "acceptance_uuid": a["uuid"], "spot_uuid": spot["uuid"], "step": "checked",
             "checked_at": "2026-07-01T08:00:00Z", "checker": "tech", "area_deviation": 1.0, "matches_design": True,
             "quality": quality, "geom": point_hex()}  # fmt: skip
    [c] = tech.push(insert("spot_check", check))
    assert spot["status"] == a["status"] == c["status"] == "applied", (spot, a, c)
    return shed, a


def test_acceptance_figures_verdict_and_reasons_are_the_server_s(api):
    tech, acceptor = api.client("tech", "technician"), api.client("acc", "acceptor")
    # A spot of ~17.8 hm² completed in 0.2 km² eroded: the degree passes; 生态清洁 needs its indicators.
    clean = _watershed(project_type="eco_clean", subtype="eco_tourism", sewage_treatment_rate=65.0,
                       refuse_treatment_rate=90.0, outlet_water_class="2", eroded_light=0.15,
                       eroded_moderate=0.05)  # fmt: skip
    shed, a = _completion(tech, clean)
    v = _values(tech, a["uuid"])
    assert v["sampled_count"] == v["checked_count"] == 1 and v["pass_rate"] == 100.0
    assert v["treatment_degree"] > 70 and v["verdict"] == "fail" and v["fail_reasons"] == ["sewage_rate"]
    # Signing a failure keeps it a failure, with its reasons, whatever the laptop sends.
    sign = {"step": ("sampled", "signed"), "opinion": (None, "污水处理率未达标"), "acceptor": (None, "acc"),
            "signed_at": (None, "2026-07-02T08:00:00Z"), "verdict": (None, "pass")}  # fmt: skip
    [res] = acceptor.push(update("watershed_acceptance", a["uuid"], v["server_rev"], sign))
    assert res["status"] == "applied", res
    signed = _values(tech, a["uuid"])
    assert signed["step"] == "signed" and signed["verdict"] == "fail" and signed["fail_reasons"] == ["sewage_rate"]
    # The watershed's later change leaves the signed record's figures alone.
    sv = _values(tech, shed["uuid"])
    [res] = tech.push(update("watershed", shed["uuid"], sv["server_rev"], {"sewage_treatment_rate": (65.0, 80.0)}))
    assert res["status"] == "applied"
    assert _values(tech, a["uuid"])["verdict"] == "fail"


def test_a_completion_acceptance_below_the_treatment_degree_fails(api):
    tech = api.client("tech", "technician")
    _shed, a = _completion(tech, _watershed(eroded_light=5.0))  # ~17.8 hm² of 6 km²: about 3 %
    v = _values(tech, a["uuid"])
    assert v["verdict"] == "fail" and v["fail_reasons"] == ["treatment_degree"] and v["treatment_degree"] < 70


_SIGN = {"step": ("sampled", "signed"), "opinion": (None, "验收意见"), "acceptor": (None, "acc"),
         "signed_at": (None, "2026-07-02T08:00:00Z")}  # fmt: skip


def test_a_watershed_is_accepted_only_with_a_signed_completion_acceptance_that_passed(api):
    """白鹭小流域 showed 已验收 over a failed 竣工验收: the server refuses 已验收 without a signed, passed
    completion acceptance; signing a passed one moves a completed watershed to 已验收 in the same push."""
    tech, insp, acceptor = api.client("tech", "technician"), api.client("insp"), api.client("acc", "acceptor")
    # A failed completion acceptance (the degree is about 3 %), signed: the watershed stays 已完工.
    shed, a = _completion(tech, _watershed(eroded_light=5.0))
    [res] = insp.push(update("watershed", shed["uuid"], shed["rev"], {"treatment_status": ("treating", "completed")}))
    assert res["status"] == "applied", res
    [res] = acceptor.push(update("watershed_acceptance", a["uuid"], _values(tech, a["uuid"])["server_rev"], _SIGN))
    assert res["status"] == "applied", res
    assert _values(tech, a["uuid"])["verdict"] == "fail"
    v = _values(tech, shed["uuid"])
    assert v["treatment_status"] == "completed"
    [res] = acceptor.push(
        update("watershed", shed["uuid"], v["server_rev"], {"treatment_status": ("completed", "accepted")})
    )
    err = _rejected(res, "treatment_status", "竣工验收", "已验收")
    assert "signed completion acceptance that passed" in err["en"]
    # Nor straight at 已验收 with a passing stage acceptance only, even by an administrator.
    admin = api.client("admin", "admin")
    [res] = admin.push(insert("watershed", _watershed(code="W-2", treatment_status="accepted")))
    _rejected(res, "treatment_status", "竣工验收")

    # A passed one, signed: the completed watershed is 已验收 with it.
    shed2, a2 = _completion(tech, _watershed(code="W-3", eroded_light=0.15, eroded_moderate=0.05))
    [res] = insp.push(update("watershed", shed2["uuid"], shed2["rev"], {"treatment_status": ("treating", "completed")}))
    assert res["status"] == "applied", res
    assert _values(tech, a2["uuid"])["verdict"] == "pass"
    [res] = acceptor.push(update("watershed_acceptance", a2["uuid"], _values(tech, a2["uuid"])["server_rev"], _SIGN))
    assert res["status"] == "applied", res
    after = tech.get(shed2["uuid"]).json()
    assert after["values"]["treatment_status"] == "accepted" and after["updated_by"] == "acc"


def test_a_patch_is_accepted_only_with_a_signed_completion_acceptance_that_passed(api):
    tech, acceptor = api.client("tech", "technician"), api.client("acc", "acceptor")
    [patch] = tech.push(insert("patch", _patch(treatment_status="treating")))
    [res] = api.client("insp").push(update("patch", patch["uuid"], patch["rev"],
                                           {"treatment_status": ("treating", "completed")}))  # fmt: skip
    assert res["status"] == "applied", res
    base = {"county_code": "360721", "patch_uuid": patch["uuid"], "accepted_at": "2026-07-01", "opinion": "意见",
            "acceptor": "acc", "signed_at": "2026-07-02T08:00:00Z", "step": "signed"}  # fmt: skip
    refused = []
    for kind, verdict in (("completion", "fail"), ("stage", "pass")):  # neither accepts the treatment
        [res] = acceptor.push(insert("patch_acceptance", {**base, "kind": kind, "verdict": verdict}))
        assert res["status"] == "applied", res
        v = _values(tech, patch["uuid"])
        assert v["treatment_status"] == "completed"
        [res] = acceptor.push(
            update("patch", patch["uuid"], v["server_rev"], {"treatment_status": ("completed", "accepted")})
        )
        refused.append(_rejected(res, "treatment_status", "竣工验收"))
    assert all("signed completion acceptance" in e["en"] for e in refused)
    # Checked, not yet signed: not yet. Signed: the patch is 已验收 with it.
    [acc] = acceptor.push(insert("patch_acceptance", {**base, "kind": "completion", "verdict": "pass", "step": "checked",
                                                      "acceptor": None, "signed_at": None}))  # fmt: skip
    assert acc["status"] == "applied", acc
    assert _values(tech, patch["uuid"])["treatment_status"] == "completed"
    sign = {"step": ("checked", "signed"), "acceptor": (None, "acc"), "signed_at": (None, "2026-07-03T08:00:00Z")}
    [res] = acceptor.push(update("patch_acceptance", acc["uuid"], acc["rev"], sign))
    assert res["status"] == "applied", res
    assert _values(tech, patch["uuid"])["treatment_status"] == "accepted"


def test_an_old_accepted_record_without_its_acceptance_blocks_no_other_edit(api, engine):
    """Data from before the rule (a watershed at 已验收 without a passed acceptance) stays editable."""
    import sqlalchemy as sa
    from shuibao_server import tables

    tech = api.client("tech", "technician")
    [shed] = tech.push(insert("watershed", _watershed()))
    with engine.begin() as conn:  # as an older server stored it
        row = conn.execute(sa.select(tables.records.c.data).where(tables.records.c.uuid == shed["uuid"])).one()
        data = {**row.data, "treatment_status": "accepted"}
        conn.execute(tables.records.update().where(tables.records.c.uuid == shed["uuid"]).values(data=data))
    v = _values(tech, shed["uuid"])
    assert v["treatment_status"] == "accepted"
    [res] = api.client("admin", "admin").push(update("watershed", shed["uuid"], v["server_rev"],
                                                     {"maintenance_body": (None, "白鹭乡水利站")}))  # fmt: skip
    assert res["status"] == "applied", res


def test_checks_finish_only_when_every_sampled_spot_is_checked(api):
    tech = api.client("tech", "technician")
    [shed] = tech.push(insert("watershed", _watershed()))
    spots = tech.push(*[insert("watershed_spot", _spot(shed["uuid"], f"S-{i}")) for i in range(2)])
    acc = {"county_code": "360721", "watershed_uuid": shed["uuid"], "kind": "stage", "year": 2026,
           "step": "sampled", "sample_share": 1.0, "sample_seed": 7}  # fmt: skip
    [a] = tech.push(insert("watershed_acceptance", acc))
    base = {"county_code": "360721", "acceptance_uuid": a["uuid"], "geom": point_hex()}
    done = {"step": "checked", "checked_at": "2026-07-01T08:00:00Z", "checker": "tech", "area_deviation": 1.0,
            "matches_design": True, "quality": "qualified"}  # fmt: skip
    tech.push(insert("spot_check", {**base, "spot_uuid": spots[0]["uuid"], **done}),
              insert("spot_check", {**base, "spot_uuid": spots[1]["uuid"]}))  # fmt: skip
    v = _values(tech, a["uuid"])
    assert (v["sampled_count"], v["checked_count"], v.get("verdict")) == (2, 1, None)
    finish = {"step": ("sampled", "checked"), "opinion": (None, "合格")}
    [res] = tech.push(update("watershed_acceptance", a["uuid"], v["server_rev"], finish))
    err = _rejected(res, "checked_count", "所有抽查图斑核查完成")
    assert "every sampled spot" in err["en"]


# -- patches, 崩岗 and upkeep -------------------------------------------------------------------------
def _patch(**over) -> dict:
    v = {"county_code": "360721", "code": "BG-1", "kind": "benggang", "geom": square_hex(d=0.001)}
    v.update(over)
    return v


def test_patch_rules_gully_length_risk_date_farmland_and_caretaker_phone(api):
    tech = api.client("tech", "technician")
    [res] = tech.push(insert("patch", _patch(kind="gully", length=35.0)))
    err = _rejected(res, "length", "50 m")
    assert "not surveyed" in err["en"]
    [res] = tech.push(insert("patch", _patch(risk_level="high")))
    _rejected(res, "risk_assessed_on", "评估日期")
    [res] = tech.push(insert("patch", _patch(farmland_balance=True)))
    _rejected(res, "new_farmland", "耕地占补平衡")
    [res] = tech.push(insert("patch", _patch(caretaker="刘管护", caretaker_phone="0797")))
    _rejected(res, "caretaker_phone", "电话号码")
    good = _patch(risk_level="high", risk_assessed_on="2026-03-15", farmland_balance=True, new_farmland=0.8,
                  caretaker="刘管护", caretaker_phone="13979712345")  # fmt: skip
    [res] = tech.push(insert("patch", good))
    assert res["status"] == "applied", res


def test_a_patch_acceptance_s_completion_rate_follows_the_measures(api):
    tech = api.client("tech", "technician")
    [patch] = tech.push(insert("patch", _patch()))
    m = {"county_code": "360721", "patch_uuid": patch["uuid"], "measure_type": "settling_basin", "unit": "count",
         "design_qty": 2.0}  # fmt: skip
    [measure] = tech.push(insert("patch_measure", m))
    assert _values(tech, measure["uuid"])["position"] == "bottom"
    [acc] = tech.push(
        insert("patch_acceptance", {"county_code": "360721", "patch_uuid": patch["uuid"], "kind": "stage"})
    )
    assert _values(tech, acc["uuid"])["completion_rate"] == 0.0
    built = {"step": ("planned", "built"), "completed_qty": (None, 1.0), "completed_at": (None, "2026-05-01")}
    [res] = tech.push(update("patch_measure", measure["uuid"], measure["rev"], built))
    assert res["status"] == "applied", res
    assert _values(tech, acc["uuid"])["completion_rate"] == 50.0


def test_upkeep_checks(api):
    tech, insp = api.client("tech", "technician"), api.client("insp")
    [patch] = tech.push(insert("patch", _patch()))
    check = {"county_code": "360721", "patch_uuid": patch["uuid"], "inspected_at": "2026-07-01T08:00:00Z",
             "inspector": "王五", "caretaker_present": False, "facilities_intact": False, "vegetation_kept": True,
             "result": "poor", "position_source": "gps", "step": "submitted", "geom": point_hex()}  # fmt: skip
    [res] = insp.push(insert("patch_upkeep", check))
    _rejected(res, "measures", "整改要求")
    [res] = insp.push(insert("patch_upkeep", {**check, "measures": "补植、修复截水沟", "deadline": "2026-08-01"}))
    assert res["status"] == "applied", res
    [shed] = tech.push(insert("watershed", _watershed()))
    [res] = insp.push(insert("watershed_upkeep", {**{k: v for k, v in check.items() if k != "patch_uuid"},
                                                  "watershed_uuid": shed["uuid"], "result": "good"}))  # fmt: skip
    assert res["status"] == "applied", res


def test_an_acceptance_signed_offline_arrives_before_its_checks_in_one_push(api):
    """The laptop sends each record once, as it is now, parents first: the acceptance at 已签署, then
    the spot checks it was signed with. The server judges it with the checks the push brings."""
    tech, acceptor = api.client("tech", "technician"), api.client("acc", "acceptor")
    [shed] = tech.push(insert("watershed", _watershed()))
    spots = tech.push(*[insert("watershed_spot", _spot(shed["uuid"], f"S-{i}")) for i in range(2)])
    acc = insert("watershed_acceptance", {
        "county_code": "360721", "watershed_uuid": shed["uuid"], "kind": "stage", "year": 2026, "step": "signed",
        "sample_share": 1.0, "sample_seed": 7, "opinion": "合格", "acceptor": "tech",
        "signed_at": "2026-07-02T08:00:00Z"})  # fmt: skip
    done = {"county_code": "360721", "acceptance_uuid": acc["uuid"], "step": "checked", "geom": point_hex(),
            "checked_at": "2026-07-01T08:00:00Z", "checker": "tech", "area_deviation": 1.0, "matches_design": True,
            "quality": "qualified"}  # fmt: skip
    checks = [insert("spot_check", {**done, "spot_uuid": s["uuid"]}) for s in spots]
    results = acceptor.push(acc, *checks)
    assert [r["status"] for r in results] == ["applied"] * 3, results
    v = _values(tech, acc["uuid"])
    assert (v["sampled_count"], v["checked_count"], v["verdict"]) == (2, 2, "pass")

    # The same with one check refused (no such spot): the acceptance is refused too, nothing half-signed.
    acc2 = {**acc, "uuid": str(__import__("uuid").uuid4())}
    bad = insert("spot_check", {**done, "acceptance_uuid": acc2["uuid"], "spot_uuid": "no-such-spot",
                                "area_deviation": "x"})  # fmt: skip
    good = insert("spot_check", {**done, "acceptance_uuid": acc2["uuid"], "spot_uuid": spots[0]["uuid"]})
    pending = insert("spot_check", {"county_code": "360721", "acceptance_uuid": acc2["uuid"],
                                    "spot_uuid": spots[1]["uuid"], "geom": point_hex()})  # fmt: skip
    r1, r2, r3, r4 = acceptor.push(acc2, good, pending, bad)
    _rejected(r1, "checked_count", "所有抽查图斑核查完成")  # a pending check among its sample
    assert r4["status"] == "rejected"


def test_a_signed_acceptance_s_checks_stay_as_signed_and_a_de_listed_dam_takes_no_new_records(api):
    tech, acceptor = api.client("tech", "technician"), api.client("acc", "acceptor")
    _shed, a = _completion(tech, _watershed(eroded_light=0.15, eroded_moderate=0.05))
    v = _values(tech, a["uuid"])
    sign = {"step": ("sampled", "signed"), "opinion": (None, "合格"), "acceptor": (None, "acc"),
            "signed_at": (None, "2026-07-02T08:00:00Z")}  # fmt: skip
    [res] = acceptor.push(update("watershed_acceptance", a["uuid"], v["server_rev"], sign))
    assert res["status"] == "applied", res
    [check] = [i for i in tech.pull_all() if i["kind"] == "spot_check"]
    back = {"step": ("checked", "pending")}
    [res] = tech.push(update("spot_check", check["uuid"], check["rev"], back))
    err = _rejected(res, None, "小流域验收已签署，不能再修改抽查图斑核查")
    assert "signed" in err["en"]
    late = {**check["values"], "uuid": None, "geom": point_hex()}
    late = {k: v for k, v in late.items() if k not in ("uuid", "server_rev", "created_at", "created_by",
                                                        "updated_at", "updated_by", "passed")}  # fmt: skip
    [res] = tech.push(insert("spot_check", late))
    _rejected(res, None, "不能再新建抽查图斑核查")

    [dam] = tech.push(insert("dam", dam_values()))
    [res] = tech.push(update("dam", dam["uuid"], dam["rev"], _DELIST))
    assert res["status"] == "applied", res
    [res] = tech.push(insert("dam_inspection", _inspection(dam["uuid"], result="major", measures="回填",
                                                           deadline="2026-08-01")))  # fmt: skip
    _rejected(res, None, "淤地坝已登记销号，不能再新建淤地坝检查")
