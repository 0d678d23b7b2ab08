"""The field-level three-way merge: merges, conflicts, no false conflicts, de-listed/deleted."""

from __future__ import annotations

from shuibao_server.testing.helpers import dam_values, insert, point_hex, update


def _setup(api):
    tech = api.client("tech", "technician")
    a = api.client("insp_a")
    b = api.client("insp_b")
    ch = insert("dam", dam_values(name="老坝", village="下村", dam_height=10.0))
    [res] = tech.push(ch)
    assert res["status"] == "applied"
    return tech, a, b, ch["uuid"], res["rev"]


def test_different_fields_merge(api):
    _tech, a, b, uuid, rev = _setup(api)
    [ra] = a.push(update("dam", uuid, rev, {"name": ("老坝", "A坝")}))
    [rb] = b.push(update("dam", uuid, rev, {"village": ("下村", "上村")}))
    assert ra["status"] == "applied" and rb["status"] == "applied", (ra, rb)
    v = a.get(uuid).json()["values"]
    assert v["name"] == "A坝" and v["village"] == "上村"


def test_same_field_different_values_conflict(api):
    _tech, a, b, uuid, rev = _setup(api)
    [ra] = a.push(update("dam", uuid, rev, {"name": ("老坝", "A坝")}))
    [rb] = b.push(update("dam", uuid, rev, {"name": ("老坝", "B坝"), "village": ("下村", "上村")}))
    assert ra["status"] == "applied"
    assert rb["status"] == "conflict" and rb["applied"] == ["village"]
    [c] = rb["conflicts"]
    assert c["field"] == "name" and c["base"] == "老坝" and c["server"] == "A坝" and c["client"] == "B坝"
    assert c["server_by"] == "insp_a" and c["server_rev"] == ra["rev"] and c["server_at"] and c["id"]
    v = a.get(uuid).json()["values"]
    assert v["name"] == "A坝" and v["village"] == "上村"  # nothing silently overwritten, the rest applied
    listed = api.http.get("/api/v1/conflicts", headers=a.headers).json()["items"]
    assert [x["id"] for x in listed] == [c["id"]]
    # resolve by taking the client's value: a new server change
    r = api.http.post(f"/api/v1/conflicts/{c['id']}/resolve", json={"resolution": "client"}, headers=b.headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "resolved" and r.json()["rev"] > ra["rev"]
    assert a.get(uuid).json()["values"]["name"] == "B坝"
    assert api.http.get("/api/v1/conflicts", headers=a.headers).json()["items"] == []
    r = api.http.post(f"/api/v1/conflicts/{c['id']}/resolve", json={"resolution": "server"}, headers=b.headers)
    assert r.status_code == 409


def test_same_value_no_conflict(api):
    _tech, a, b, uuid, rev = _setup(api)
    [ra] = a.push(update("dam", uuid, rev, {"name": ("老坝", "新坝"), "dam_height": (10.0, 12)}))
    [rb] = b.push(update("dam", uuid, rev, {"name": ("老坝", "新坝"), "dam_height": (10, 12.0)}))
    assert ra["status"] == "applied" and rb["status"] == "applied" and rb["conflicts"] == []
    assert api.http.get("/api/v1/conflicts", headers=a.headers).json()["items"] == []


def test_geometry_compared_by_normalised_hash(api):
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    c = api.client("insp_a")
    ring = [(115.1, 25.9), (115.102, 25.9), (115.102, 25.902), (115.1, 25.902)]
    g1 = shapely.to_wkb(MultiPolygon([Polygon(ring)]), hex=True)
    g2 = shapely.to_wkb(Polygon(list(reversed(ring[1:] + ring[:1]))), hex=True)  # same shape, other order/type
    ch = insert("patch", {"county_code": "360721", "code": "P1", "kind": "benggang", "geom": g1})
    [r] = c.push(ch)
    assert r["status"] == "applied", r
    v = c.get(ch["uuid"]).json()["values"]
    assert 40000 < v["area"] < 50000 and v["size_class"] == "large"
    [r2] = c.push(update("patch", ch["uuid"], 0, {"geom": (None, g2)}))  # stale base, same geometry
    assert r2["status"] == "applied" and r2["conflicts"] == [] and r2["applied"] == []


def test_edit_against_delisted_is_conflict(api):
    tech, a, _b, uuid, rev = _setup(api)
    [rd] = tech.push(
        update(
            "dam",
            uuid,
            rev,
            {
                "register_status": ("registered", "delisted"),
                "delist_cause": (None, "silted_up"),
                "delist_date": (None, "2024-05-01"),
                "delist_document": (None, "赣县水字〔2024〕8号"),
                "delist_authority": (None, "赣县区水利局"),
            },
        )
    )
    assert rd["status"] == "applied", rd
    [ra] = a.push(update("dam", uuid, rev, {"dam_height": (10.0, 11.0)}))
    assert ra["status"] == "conflict" and ra["conflicts"][0]["reason"] == "delisted"
    assert a.get(uuid).json()["values"]["dam_height"] == 10.0


def test_delisting_needs_technician(api):
    _tech, a, _b, uuid, rev = _setup(api)
    [r] = a.push(
        update(
            "dam",
            uuid,
            rev,
            {
                "register_status": ("registered", "delisted"),
                "delist_reason": (None, "x"),
                "delist_date": (None, "2024-05-01"),
            },
        )
    )
    assert r["status"] == "rejected" and r["errors"][0]["code"] == "role"


def test_delete_is_tombstone_and_conflicts(api):
    tech, a, _b, uuid, rev = _setup(api)
    [ra] = a.push(update("dam", uuid, rev, {"name": ("老坝", "A坝")}))
    # delete based on an old revision: the server changed since → conflict, not applied
    [rd] = tech.push({"kind": "dam", "uuid": uuid, "op": "delete", "base_rev": rev, "fields": {}})
    assert rd["status"] == "conflict" and rd["conflicts"][0]["reason"] == "delete"
    [rd2] = tech.push({"kind": "dam", "uuid": uuid, "op": "delete", "base_rev": ra["rev"], "fields": {}})
    assert rd2["status"] == "applied"
    item = tech.get(uuid).json()
    assert item["deleted"] is True and item["op"] == "delete"
    [ru] = a.push(update("dam", uuid, ra["rev"], {"village": ("下村", "上村")}))
    assert ru["status"] == "conflict" and ru["conflicts"][0]["reason"] == "deleted"
    pulled = {i["uuid"]: i for i in tech.pull_all()}
    assert pulled[uuid]["deleted"] is True
    hist = api.http.get(f"/api/v1/records/{uuid}/history", headers=tech.headers).json()
    assert [h["op"] for h in hist] == ["insert", "update", "delete"]


def test_inspector_cannot_delete_register_object(api):
    _tech, a, _b, uuid, rev = _setup(api)
    [r] = a.push({"kind": "dam", "uuid": uuid, "op": "delete", "base_rev": rev, "fields": {}})
    assert r["status"] == "rejected" and r["errors"][0]["code"] == "role"


def test_insert_existing_identical_is_idempotent(api):
    a = api.client("insp_a")
    b = api.client("insp_b")
    ch = insert("dam", dam_values())
    [r1] = a.push(ch)
    [r2] = b.push(ch)
    assert r1["status"] == "applied" and r2["status"] == "applied" and r2["rev"] == r1["rev"]
    other = {**ch, "fields": {**ch["fields"], "name": {"old": None, "new": "别的名字"}}}
    [r3] = b.push(other)
    assert r3["status"] == "conflict" and r3["conflicts"][0]["field"] == "name"


def test_child_records_and_acceptance_roles(api):
    tech = api.client("tech", "technician")
    insp = api.client("insp")
    acc = api.client("acc", "acceptor")
    patch = insert("patch", {"county_code": "360721", "code": "P9", "kind": "gully", "geom": None})
    [r] = tech.push(patch)
    assert r["status"] == "applied", r
    acc_rec = insert("patch_acceptance", {"county_code": "360721", "patch_uuid": patch["uuid"], "kind": "single"})
    [r] = insp.push(acc_rec)
    assert r["status"] == "applied", r
    checked = {
        "step": ("draft", "checked"),
        "accepted_at": (None, "2024-06-01"),
        "verdict": (None, "pass"),
        "opinion": (None, "合格"),
    }
    [r] = insp.push(update("patch_acceptance", acc_rec["uuid"], r["rev"], checked))
    assert r["status"] == "applied", r
    sign = {"step": ("checked", "signed"), "acceptor": (None, "赵验收"), "signed_at": (None, "2024-06-02T08:00:00Z")}
    [bad] = insp.push(update("patch_acceptance", acc_rec["uuid"], r["rev"], sign))
    assert bad["status"] == "rejected" and bad["errors"][0]["code"] == "role"
    [ok] = acc.push(update("patch_acceptance", acc_rec["uuid"], r["rev"], sign))
    assert ok["status"] == "applied", ok
    # an orphan child is refused
    [orphan] = insp.push(
        insert(
            "patch_acceptance",
            {"county_code": "360721", "patch_uuid": "00000000-0000-4000-8000-000000000000", "kind": "single"},
        )
    )
    assert orphan["status"] == "rejected" and orphan["errors"][0]["code"] == "ref"


def test_inspection_distance_derived(api):
    insp = api.client("insp")
    dam = insert("dam", dam_values(geom=point_hex(115.0, 26.0)))
    insp_rec = insert(
        "dam_inspection",
        {
            "county_code": "360721",
            "dam_uuid": dam["uuid"],
            "kind": "flood_patrol",
            "inspected_at": "2024-07-20T09:00:00+08:00",
            "inspector": "王五",
            "geom": point_hex(115.001, 26.0),
        },
    )
    r1, r2 = insp.push(dam, insp_rec)
    assert r1["status"] == r2["status"] == "applied", (r1, r2)
    assert 95 < insp.get(insp_rec["uuid"]).json()["values"]["distance_to_object"] < 105
