"""Authentication and county authorisation on every endpoint."""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from shuibao_server import tables as t
from shuibao_server.testing.helpers import A, B, dam_values, insert, update

ZERO_UUID = "00000000-0000-4000-8000-000000000000"
SHA = "0" * 64
PUBLIC = {
    "/api/v1/info",
    "/api/v1/health",
    "/api/v1/auth/login",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
}


def _routes(app):
    """Every operation of the API, from its OpenAPI description (routers are included lazily)."""
    for path, ops in app.openapi()["paths"].items():
        if path in PUBLIC:
            continue
        for method in sorted(ops):
            url = path.replace("{uuid}", ZERO_UUID).replace("{sha256}", SHA).replace("{conflict_id}", "1")
            yield method.upper(), url


def _call(api, method, url, headers):
    body = {"changes": []} if url.endswith("push") else {"resolution": "server"}
    if method in ("POST",):
        return api.http.request(method, url, json=body, headers=headers)
    if method == "PUT":
        return api.http.request(method, url, content=b"\xff\xd8\xff", headers=headers)
    return api.http.request(method, url, headers=headers)


def test_every_endpoint_needs_a_valid_token(api, app, engine):
    c = api.client("insp")
    revoked = api.client("insp2")
    r = api.http.post("/api/v1/auth/logout", headers=revoked.headers)
    assert r.status_code == 204
    expired = api.client("insp3")
    with engine.begin() as conn:
        conn.execute(
            t.tokens.update()
            .where(t.tokens.c.token_hash == hashlib.sha256(expired.token.encode()).hexdigest())
            .values(expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1))
        )
    disabled = api.client("insp4")
    from shuibao_server import auth

    auth.set_disabled(engine, "insp4")
    routes = list(_routes(app))
    assert len(routes) >= 10
    for method, url in routes:
        for name, headers in [
            ("none", {"X-Shuibao-Model": "1.0"}),
            ("garbage", {"Authorization": "Bearer nope", "X-Shuibao-Model": "1.0"}),
            ("basic", {"Authorization": "Basic dXNlcjpwYXNz", "X-Shuibao-Model": "1.0"}),
            ("revoked", revoked.headers),
            ("expired", expired.headers),
            ("disabled", disabled.headers),
        ]:
            r = _call(api, method, url, headers)
            assert r.status_code == 401, (method, url, name, r.status_code, r.text)
            if method != "HEAD":
                assert r.json()["type"].endswith("unauthorized")
    # and the valid token is accepted on the same routes (whatever the answer, never 401 or 5xx)
    for method, url in sorted(routes, key=lambda r: r[1].endswith("logout")):  # logout revokes: last
        r = _call(api, method, url, c.headers)
        assert r.status_code not in (401, 500), (method, url, r.status_code, r.text)


def test_head_blob_needs_token(api):
    r = api.http.head(f"/api/v1/blobs/{SHA}")
    assert r.status_code == 401


def test_cross_county_reads_and_writes(api):
    a = api.client("insp_a", counties=(A,))
    b = api.client("insp_b", counties=(B,))
    admin = api.client("admin", "admin", counties=(A, B))
    dam_a = insert("dam", dam_values(A))
    [ra] = a.push(dam_a)
    uuid = dam_a["uuid"]
    # reads: 404 as for a uuid that does not exist
    for url in (f"/api/v1/records/{uuid}", f"/api/v1/records/{uuid}/history"):
        r_b = api.http.get(url, headers=b.headers)
        r_none = api.http.get(url.replace(uuid, ZERO_UUID), headers=b.headers)
        assert r_b.status_code == r_none.status_code == 404
        assert r_b.json()["errors"] == r_none.json()["errors"]
    assert b.pull_all() == []
    # writes: refused, nothing changes, and the answer equals the one for a missing uuid
    [w] = b.push(update("dam", uuid, ra["rev"], {"name": ("石门坝", "偷改")}))
    [w0] = b.push(update("dam", ZERO_UUID, 1, {"name": ("石门坝", "偷改")}))
    assert w["status"] == w0["status"] == "rejected" and w["errors"] == w0["errors"]
    [d] = b.push({"kind": "dam", "uuid": uuid, "op": "delete", "base_rev": ra["rev"], "fields": {}})
    assert d["status"] == "rejected"
    [ins] = b.push(insert("dam", dam_values(A)))
    assert ins["status"] == "rejected" and ins["errors"][0]["code"] == "county"
    # an insert re-using A's uuid from county B does not touch A's record
    [dup] = b.push(insert("dam", dam_values(B), uuid=uuid))
    assert dup["status"] == "rejected"
    assert a.get(uuid).json()["values"]["name"] == "石门坝"
    # county A's conflicts are not listed for B
    a2 = api.client("insp_a2", counties=(A,))
    a2.push(update("dam", uuid, ra["rev"], {"name": ("x", "y")}))
    a.push(update("dam", uuid, ra["rev"], {"name": ("x", "z")}))
    assert api.http.get("/api/v1/conflicts", headers=a.headers).json()["items"]
    assert api.http.get("/api/v1/conflicts", headers=b.headers).json()["items"] == []
    cid = api.http.get("/api/v1/conflicts", headers=a.headers).json()["items"][0]["id"]
    r = api.http.post(f"/api/v1/conflicts/{cid}/resolve", json={"resolution": "server"}, headers=b.headers)
    assert r.status_code == 404
    # the admin of both counties sees both
    assert {i["county_code"] for i in admin.pull_all()} == {A}


def test_photo_download_county_checked(api):
    import hashlib as hl

    a = api.client("insp_a", counties=(A,))
    b = api.client("insp_b", counties=(B,))
    data = b"\x89PNG\r\n\x1a\n" + b"p" * 100
    sha = hl.sha256(data).hexdigest()
    assert api.http.put(f"/api/v1/blobs/{sha}", content=data, headers=a.headers).status_code == 201
    dam = insert("dam", dam_values(A))
    photo = insert(
        "photo",
        {
            "county_code": A,
            "parent_kind": "dam",
            "parent_uuid": dam["uuid"],
            "sha256": sha,
            "mime_type": "image/png",
            "size_bytes": len(data),
        },
    )
    assert [r["status"] for r in a.push(dam, photo)] == ["applied", "applied"]
    assert api.http.get(f"/api/v1/blobs/{sha}", headers=a.headers).status_code == 200
    assert api.http.get(f"/api/v1/blobs/{sha}", headers=b.headers).status_code == 404


def test_client_id_bound_to_token(api):
    c = api.client("insp")
    r = api.http.post("/api/v1/sync/push", json={"client_id": "someone-else", "changes": []}, headers=c.headers)
    assert r.status_code == 409


def test_login_errors(api):
    api.user("insp")
    r = api.http.post("/api/v1/auth/login", json={"username": "insp", "password": "wrong", "client_id": "x"})
    assert r.status_code == 401 and r.json()["errors"][0]["zh"]
    r = api.http.post("/api/v1/auth/login", json={"username": "nobody", "password": "wrong", "client_id": "x"})
    assert r.status_code == 401


def test_devices_have_separate_mutation_ids(api, engine):
    c1 = api.client("insp", client_id="laptop-1")
    from shuibao_server.testing.helpers import Client

    c2 = Client(api, "insp", client_id="laptop-2")
    c1.push(insert("dam", dam_values()))
    c2.push(insert("dam", dam_values()))  # mutation id 1 again, other device: applied
    with engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(t.mutations)).scalar()
    assert n == 2
