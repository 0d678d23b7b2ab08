"""Targets (目标任务) on the server: technicians and admins set them, every role of the county reads them,
and bad values are refused with the reason in Chinese. The generic records table needs no migration."""

from __future__ import annotations

from shuibao_server.testing.helpers import A, B, insert, update


def target_values(county: str = A, **over) -> dict:
    values = {
        "county_code": county, "indicator": "benggang_treated", "year_from": 2022, "year_to": 2025,
        "value": 1000.0, "unit": "item", "source_document": "赣县区水土保持规划",
    }  # fmt: skip
    values.update(over)
    return values


def test_technician_sets_a_target_that_everyone_in_the_county_reads(api):
    tech = api.client("tech", role="technician")
    [res] = tech.push(insert("target", target_values(township="田村镇")))
    assert res["status"] == "applied", res
    for name, role in (("insp", "inspector"), ("acc", "acceptor")):
        items = api.client(name, role=role).pull_all()
        assert [(i["kind"], i["values"]["value"], i["values"]["township"]) for i in items] == [
            ("target", 1000.0, "田村镇")
        ]
    other = api.client("other", role="technician", counties=(B,))
    assert other.pull_all() == []
    [res2] = tech.push(update("target", res["uuid"], res["rev"], {"value": (1000.0, 1200.0)}))
    assert res2["status"] == "applied", res2


def test_inspectors_and_acceptors_may_not_write_targets(api):
    tech = api.client("tech", role="technician")
    [made] = tech.push(insert("target", target_values()))
    for name, role in (("insp", "inspector"), ("acc", "acceptor")):
        client = api.client(name, role=role)
        [res] = client.push(insert("target", target_values()))
        assert res["status"] == "rejected" and res["errors"][0]["code"] == "role", res
        assert "技术员" in res["errors"][0]["zh"]
        [res] = client.push(update("target", made["uuid"], made["rev"], {"value": (1000.0, 1.0)}))
        assert res["status"] == "rejected" and res["errors"][0]["code"] == "role"
    admin = api.client("admin", role="admin")
    [res] = admin.push(update("target", made["uuid"], made["rev"], {"value": (1000.0, 1100.0)}))
    assert res["status"] == "applied", res


def test_bad_targets_are_refused_with_reasons(api):
    tech = api.client("tech", role="technician")
    cases = [
        (target_values(unit="km2"), "unit", "单位应为"),
        (target_values(year_from=2025, year_to=2022), "year_to", "截止年度"),
        (target_values(indicator="conservation_rate", unit="percent", value=146.4), "value", "100%"),
        (target_values(indicator="no_such"), "indicator", "不是有效选项"),
        ({k: v for k, v in target_values().items() if k != "source_document"}, "source_document", "依据文件"),
    ]
    for values, field, words in cases:
        [res] = tech.push(insert("target", values))
        assert res["status"] == "rejected", (values, res)
        assert any(e["field"] == field and words in e["zh"] for e in res["errors"]), res["errors"]
