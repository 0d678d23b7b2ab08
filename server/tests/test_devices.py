"""POST /sync/device: the store file syncing as a device renews its nonce; a copied file is told apart."""

from __future__ import annotations


def claim(c, file_nonce, next_nonce, client_id=None):
    body = {"client_id": client_id or c.client_id, "file_nonce": file_nonce, "next_nonce": next_nonce}
    return c.api.http.post("/api/v1/sync/device", json=body, headers=c.headers)


def test_one_file_renews_its_nonce_and_a_copy_is_refused(api):
    c = api.client("insp")
    assert claim(c, None, "nonce-one").json() == {"client_id": c.client_id, "file_nonce": "nonce-one"}
    assert claim(c, None, "nonce-one").status_code == 200  # the same claim resent (answer lost)
    assert claim(c, "nonce-one", "nonce-two").status_code == 200  # the next sync
    copy = claim(c, "nonce-one", "nonce-xyz")  # a copy taken before the last sync
    assert copy.status_code == 409
    body = copy.json()
    assert body["type"].endswith("/device-copied") and "副本" in body["errors"][0]["zh"]
    assert claim(c, None, "nonce-abc").status_code == 409  # a copy taken before the first claim
    assert claim(c, "nonce-two", "nonce-three").status_code == 200  # the original goes on


def test_a_claim_is_for_the_tokens_device_only(api):
    a, b = api.client("insp"), api.client("other")
    r = claim(a, None, "nonce-one", client_id=b.client_id)
    assert r.status_code == 409 and r.json()["type"].endswith("/device-mismatch")
    assert claim(b, None, "nonce-one").status_code == 200  # each device has its own nonce
    assert claim(a, None, "nonce-one").status_code == 200
    assert claim(a, None, "short").status_code == 422
    assert (
        a.api.http.post("/api/v1/sync/device", json={"client_id": a.client_id, "next_nonce": "nonce-x"}).status_code
        == 401
    )
