"""Thresholds follow the region on the server: the set in force per county (built-in regional values,
then what an admin set per province, prefecture or county), delivered to the plugin with each value's
basis and mark, used by the push checks (erosion intensity, the 淤地坝 scale warning), set through
the API and the CLI. Every test runs on SQLite and PostGIS."""

from __future__ import annotations

from shuibao_server.cli import main
from shuibao_server.testing.helpers import A, dam_values, insert, point_hex, square_hex, update

GANXIAN, BAODE = "360704", "140931"  # 赣县区 (Jiangxi), 保德县 (忻州, Shanxi)
URL = "/api/v1/thresholds"


def in_force(client, county: str) -> dict:
    r = client.api.http.get(URL, params={"county": county}, headers=client.headers)
    assert r.status_code == 200, r.text
    return {row["name"]: row for row in r.json()["thresholds"]}


def put(client, scope: str, name: str, **body):
    return client.api.http.put(f"{URL}/settings/{scope}/{name}", json=body, headers=client.headers)


def test_each_county_gets_its_regions_set_with_basis_and_mark(api):
    c = api.client("insp", counties=(GANXIAN, BAODE))
    jx, sx = in_force(c, GANXIAN), in_force(c, BAODE)
    assert (jx["flood_season_start"]["value"], jx["main_flood_start"]["value"], jx["main_flood_end"]["value"]) == (
        401, 401, 630,
    )  # fmt: skip
    assert jx["main_flood_end"]["scope"] == "360000" and jx["main_flood_end"]["scope_name"] == "江西省"
    assert jx["main_flood_end"]["mark"] == "V" and "4月1日至6月30日是主汛期" in jx["main_flood_end"]["basis"]
    assert jx["tolerable_loss"]["value"] == 500 and sx["tolerable_loss"]["value"] == 1000
    assert "黄土高原" in sx["tolerable_loss"]["basis"] and sx["tolerable_loss"]["mark"] == "S"
    assert sx["main_flood_start"]["value"] == 715 and sx["main_flood_start"]["mark"] == "I"
    # a value no region changes keeps the model's default, and says so
    assert jx["visit_max_distance"]["scope"] is None and jx["visit_max_distance"]["scope_name"] == "模型默认"
    # another county's set is not delivered
    r = c.api.http.get(URL, params={"county": "411302"}, headers=c.headers)
    assert r.status_code == 404


def test_admin_sets_a_county_value_over_the_province_and_everyone_there_receives_it(api):
    admin = api.client("adm", role="admin", counties=(GANXIAN,))
    insp = api.client("insp", counties=(GANXIAN,))
    r = put(admin, GANXIAN, "patrol_interval_main_flood", value=8, basis="赣县区防汛预案（2025）", mark="V",
            scope_name="赣县区")  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["set_by"] == "adm" and r.json()["scope_name"] == "赣县区"
    row = in_force(insp, GANXIAN)["patrol_interval_main_flood"]
    assert (row["value"], row["scope"], row["scope_name"], row["set_by"]) == (8, GANXIAN, "赣县区", "adm")
    assert in_force(insp, GANXIAN)["main_flood_end"]["scope"] == "360000"  # the rest still from the province
    r = admin.api.http.delete(f"{URL}/settings/{GANXIAN}/patrol_interval_main_flood", headers=admin.headers)
    assert r.status_code == 204
    assert in_force(insp, GANXIAN)["patrol_interval_main_flood"]["value"] == 12
    r = admin.api.http.delete(f"{URL}/settings/{GANXIAN}/patrol_interval_main_flood", headers=admin.headers)
    assert r.status_code == 404


def test_who_may_set_what(api):
    insp = api.client("insp", counties=(GANXIAN,))
    county_admin = api.client("adm", role="admin", counties=(GANXIAN,))
    api.user("other", counties=("360702",))  # another Jiangxi county the server knows
    body = {"value": 1015, "basis": "江西省防汛抗旱指挥部通知", "mark": "V"}
    assert put(insp, GANXIAN, "flood_season_end", **body).status_code == 403
    r = put(county_admin, "360000", "flood_season_end", **body)
    assert r.status_code == 403 and "全部县" in r.json()["errors"][0]["zh"]
    province = api.client("jx", role="admin", counties=(GANXIAN, "360702"))
    assert put(province, "360000", "flood_season_end", **body).status_code == 200
    assert in_force(insp, GANXIAN)["flood_season_end"]["value"] == 1015
    r = insp.api.http.get(f"{URL}/settings", headers=insp.headers)
    assert r.status_code == 403
    listed = province.api.http.get(f"{URL}/settings", headers=province.headers).json()
    assert [(s["scope"], s["name"], s["value"], s["set_by"]) for s in listed] == [
        ("360000", "flood_season_end", 1015, "jx")
    ]


def test_bad_settings_are_refused_in_chinese_and_change_nothing(api):
    admin = api.client("adm", role="admin", counties=(GANXIAN,))
    cases = [
        ({"value": 231, "basis": "x", "mark": "V"}, "flood_season_start", "月日"),
        ({"value": 701, "basis": "x", "mark": "V"}, "main_flood_start", "主汛期应在汛期之内"),  # Jiangxi main ends 630
        ({"value": -5, "basis": "x", "mark": "I"}, "tolerable_loss", "不能小于0"),
        ({"value": 0, "basis": "x", "mark": "I"}, "patrol_interval_flood", "应大于0"),
        ({"value": 120, "basis": "x", "mark": "I"}, "acceptance_min_pass_rate", "0到100"),
        ({"value": 1, "basis": "x", "mark": "I"}, "no_such_threshold", "未知阈值"),
        ({"value": 1, "basis": "   ", "mark": "I"}, "tolerable_loss", "依据"),
    ]
    for body, name, words in cases:
        r = put(admin, GANXIAN, name, **body)
        assert r.status_code == 422, (name, r.text)
        assert any(words in e["zh"] for e in r.json()["errors"]), r.json()
    assert put(admin, GANXIAN, "tolerable_loss", value=500, basis="x", mark="X").status_code == 422
    assert put(admin, GANXIAN, "tolerable_loss", value="lots", basis="x", mark="I").status_code == 422
    r = admin.api.http.put(f"{URL}/settings/36/tolerable_loss", json={"value": 1, "basis": "x", "mark": "I"},
                           headers=admin.headers)  # fmt: skip
    assert r.status_code == 422
    assert admin.api.http.get(f"{URL}/settings", headers=admin.headers).json() == []


def _survey(patch_uuid: str, county: str, modulus: float) -> dict:
    return insert("patch_survey", {
        "county_code": county, "patch_uuid": patch_uuid, "surveyed_at": "2025-05-05T02:00:00Z",
        "surveyor": "刘工", "erosion_modulus": modulus, "geom": point_hex(),
    })  # fmt: skip


def test_erosion_intensity_uses_the_tolerable_loss_of_the_county(api):
    c = api.client("insp", counties=(GANXIAN, BAODE))
    results = {}
    for county in (GANXIAN, BAODE):
        patch = insert("patch", {"county_code": county, "code": "P-" + county, "kind": "gully", "geom": square_hex()})
        [made] = c.push(patch)
        [res] = c.push(_survey(made["uuid"], county, 800.0))
        assert res["status"] == "applied", res
        results[county] = c.get(res["uuid"]).json()["values"]["erosion_intensity"]
    # 800 t/(km²·a) is light erosion on red soil (tolerable 500), slight on the loess (tolerable 1000)
    assert results == {GANXIAN: "light", BAODE: "slight"}
    admin = api.client("adm", role="admin", counties=(BAODE,))
    r = put(admin, BAODE, "tolerable_loss", value=200, basis="保德县东部土石山区（推断）", mark="I")
    assert r.status_code == 200, r.text
    patch = insert("patch", {"county_code": BAODE, "code": "P-2", "kind": "gully", "geom": square_hex()})
    [made] = c.push(patch)
    [res] = c.push(_survey(made["uuid"], BAODE, 800.0))
    assert c.get(res["uuid"]).json()["values"]["erosion_intensity"] == "light"


def test_a_storage_above_check_dam_scale_is_accepted_with_a_warning(api):
    c = api.client("insp")
    [res] = c.push(insert("dam", dam_values(A, total_storage=620.0)))
    assert res["status"] == "applied", res
    [w] = res["warnings"]
    assert w["field"] == "total_storage" and "超出淤地坝范围" in w["zh"] and "SL 289" in w["zh"]
    [ok] = c.push(update("dam", res["uuid"], res["rev"], {"total_storage": (620.0, 300.0)}))
    assert ok["status"] == "applied" and ok["warnings"] == []
    assert c.get(res["uuid"]).json()["values"]["total_storage"] == 300.0


def test_cli_sets_shows_lists_and_unsets(database_url, tmp_path, capsys):
    base = ["--database-url", database_url, "--data-dir", str(tmp_path)]
    assert main([*base, "thresholds", "set", "140000", "main_flood_start", "716", "--basis", "山西省防汛通知",
                 "--mark", "V"]) == 0  # fmt: skip
    assert main([*base, "thresholds", "set", BAODE, "tolerable_loss", "200", "--basis", "东部土石山区", "--mark", "I",
                 "--scope-name", "保德县"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main([*base, "thresholds", "show", "--county", BAODE]) == 0
    shown = {line.split("\t")[0]: line.split("\t") for line in capsys.readouterr().out.splitlines()}
    assert shown["main_flood_start"][1:5] == ["716", "MMDD", "V", "山西省 (cli)"]
    assert shown["tolerable_loss"][1] == "200" and shown["tolerable_loss"][4] == "保德县 (cli)"
    assert shown["flood_season_start"][1] == "601" and shown["flood_season_start"][4] == "山西省"
    assert main([*base, "thresholds", "list"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    assert main([*base, "thresholds", "set", BAODE, "main_flood_end", "710", "--basis", "x", "--mark", "I"]) == 1
    assert "主汛期" in capsys.readouterr().err
    assert main([*base, "thresholds", "unset", BAODE, "tolerable_loss"]) == 0
    assert main([*base, "thresholds", "unset", BAODE, "tolerable_loss"]) == 1
    capsys.readouterr()
    assert main([*base, "thresholds", "show", "--county", BAODE]) == 0
    assert "tolerable_loss\t1000\t" in capsys.readouterr().out


def test_unknown_stored_names_are_ignored_by_an_older_model(api, engine):
    """A setting for a threshold a newer model defines (written by a newer server into a shared
    database) must not break the set in force for this one."""
    import datetime as dt

    from shuibao_server import tables as t

    with engine.begin() as conn:
        conn.execute(t.thresholds.insert().values(
            scope="360000", name="from_a_newer_model", value=1.0, basis="x", mark="I", set_by="x",
            set_at=dt.datetime.now(dt.timezone.utc),
        ))  # fmt: skip
    c = api.client("insp", counties=(GANXIAN,))
    assert "from_a_newer_model" not in in_force(c, GANXIAN)
    [res] = c.push(insert("dam", dam_values(GANXIAN)))  # the push checks resolve the same set
    assert res["status"] == "applied", res
