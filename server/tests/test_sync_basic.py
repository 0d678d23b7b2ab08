"""Push and pull basics, on both backends."""

from __future__ import annotations

from shuibao.model import MODEL_VERSION
from shuibao_server.testing.helpers import A, dam_values, insert, update


def test_info(client):
    r = client.get("/api/v1/info")
    assert r.status_code == 200
    body = r.json()
    assert body["model_version"] == MODEL_VERSION and body["api_version"] == "1.0"
    assert "dam" in body["record_kinds"]


def test_insert_pull_update(api):
    c = api.client("insp1")
    ch = insert("dam", dam_values())
    [res] = c.push(ch)
    assert res["status"] == "applied", res
    rev = res["rev"]
    items = c.pull_all()
    assert [i["uuid"] for i in items] == [ch["uuid"]]
    item = items[0]
    assert item["rev"] == rev and item["op"] == "insert" and item["updated_by"] == "insp1"
    assert item["values"]["name"] == "石门坝" and item["values"]["scale"] == "medium"  # derived on the server
    assert item["values"]["geom"].startswith("01")
    [res2] = c.push(update("dam", ch["uuid"], rev, {"name": ("石门坝", "石门新坝")}))
    assert res2["status"] == "applied" and res2["rev"] > rev
    items = c.pull_all()
    assert len(items) == 1 and items[0]["values"]["name"] == "石门新坝"
    assert c.pull_all() == []
    hist = api.http.get(f"/api/v1/records/{ch['uuid']}/history", headers=c.headers).json()
    assert [h["op"] for h in hist] == ["insert", "update"]
    assert hist[1]["old"] == {"name": "石门坝"} and hist[1]["new"] == {"name": "石门新坝"}


def test_client_audit_fields_ignored(api):
    c = api.client("insp1")
    vals = dam_values(created_by="mallory", server_rev=999, updated_by="mallory", scale="backbone")
    [res] = c.push(insert("dam", vals))
    assert res["status"] == "applied", res
    v = c.pull_all()[0]["values"]
    assert v["created_by"] == "insp1" and v["updated_by"] == "insp1" and v["server_rev"] == res["rev"]
    assert v["scale"] == "medium"


def test_pull_paging_stable(api):
    c = api.client("insp1")
    changes = [insert("dam", dam_values()) for _ in range(25)]
    c.push(*changes)
    pages = []
    while True:
        r = api.http.get(
            "/api/v1/sync/pull", params={"limit": 7, **({"cursor": c.cursor} if c.cursor else {})}, headers=c.headers
        ).json()
        pages.append(r["items"])
        c.cursor = r["cursor"]
        if not r["has_more"]:
            break
    uuids = [i["uuid"] for p in pages for i in p]
    assert uuids == [ch["uuid"] for ch in changes]
    revs = [i["rev"] for p in pages for i in p]
    assert revs == sorted(revs)


def test_validation_problems(api):
    c = api.client("insp1")
    bad = insert("dam", dam_values(name=None, total_storage="lots", hazard_status="awful"))
    [res] = c.push(bad)
    assert res["status"] == "rejected"
    codes = {(e["field"], e["code"]) for e in res["errors"]}
    assert ("total_storage", "type") in codes and ("hazard_status", "enum") in codes and ("name", "required") in codes
    assert all(e["zh"] and e["en"] for e in res["errors"])


def test_bad_geometry(api):
    import shapely
    from shapely.geometry import Point, Polygon

    c = api.client("insp1")
    cases = {
        "geometry_extent": shapely.to_wkb(Point(2.35, 48.85), hex=True),
        "geometry_kind": shapely.to_wkb(Polygon([(115, 25), (115.1, 25), (115.1, 25.1)]), hex=True),
        "geometry_wkb": "0101zz",
        "geometry_nan": shapely.to_wkb(Point(float("nan"), 25), hex=True),
        "geometry_srid": shapely.to_wkb(shapely.set_srid(Point(115, 25), 4326), hex=True, include_srid=True),
    }
    for code, geom in cases.items():
        [res] = c.push(insert("dam", dam_values(geom=geom)))
        assert res["status"] == "rejected", (code, res)
        assert res["errors"][0]["code"] == code, (code, res)
    bowtie = shapely.to_wkb(Polygon([(115, 25), (115.1, 25.1), (115.1, 25), (115, 25.1)]), hex=True)
    [res] = c.push(insert("patch", {"county_code": A, "code": "P1", "kind": "gully", "geom": bowtie}))
    assert res["status"] == "rejected" and res["errors"][0]["code"] == "geometry_invalid"


def test_model_version_header(api):
    c = api.client("insp1")
    h = dict(c.headers)
    h["X-Shuibao-Model"] = f"{int(MODEL_VERSION.split('.')[0]) + 1}.0"  # the next major
    r = api.http.post(
        "/api/v1/sync/push", json={"changes": [{**insert("dam", dam_values()), "mutation_id": 1}]}, headers=h
    )
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("model-incompatible") and r.json()["errors"][0]["zh"]
    assert c.pull_all() == []  # nothing written
    del h["X-Shuibao-Model"]
    r = api.http.get("/api/v1/sync/pull", headers=h)
    assert r.status_code == 400


def test_malformed_requests_are_problems(api):
    c = api.client("insp1")
    r = api.http.post(
        "/api/v1/sync/push", content=b"{not json", headers={**c.headers, "content-type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["status"] == 422 and isinstance(r.json()["errors"], list)
    r = api.http.get("/api/v1/sync/pull", params={"cursor": "garbage!!"}, headers=c.headers)
    assert r.status_code == 400 and r.json()["type"].endswith("bad-cursor")
