"""Photos belong to counties, uploads to their device, and a photo record never blocks a queue
(issue 12, items 3 and 4)."""

from __future__ import annotations

import hashlib

from shuibao_server.sync.conflicts import ID_BASE
from shuibao_server.testing.helpers import A, B, Client, dam_values, insert, update

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 30
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(255, -1, -1)) * 30


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _photo(county: str, dam_uuid: str, sha: str, **over) -> dict:
    values = {"county_code": county, "parent_kind": "dam", "parent_uuid": dam_uuid, "sha256": sha,
              "mime_type": "image/png", "size_bytes": len(PNG)}  # fmt: skip
    return insert("photo", {**values, **over})


def _put(api, c: Client, data: bytes, sha: str | None = None, crange: str | None = None):
    headers = dict(c.headers, **({"Content-Range": crange} if crange else {}))
    return api.http.put(f"/api/v1/blobs/{sha or _sha(data)}", content=data, headers=headers)


# -- item 3 -----------------------------------------------------------------------------------------
def test_a_photo_record_with_a_bad_hash_is_rejected_and_the_queue_moves_on(api):
    c = api.client("insp")
    dam = insert("dam", dam_values())
    bad = ["../../etc/passwd", _sha(PNG).upper(), _sha(PNG)[:63], _sha(PNG) + "\n", "", 12]
    results = c.push(dam, *[_photo(A, dam["uuid"], sha) for sha in bad], insert("dam", dam_values()))
    assert results[0]["status"] == "applied" and results[-1]["status"] == "applied"
    for res in results[1:-1]:
        assert res["status"] == "rejected", res  # not "retry": that would hold the laptop's queue forever
        assert res["errors"][0]["field"] == "sha256" and res["errors"][0]["zh"], res
    me = api.http.get("/api/v1/auth/me", headers=c.headers).json()
    assert me["last_mutation_id"] == len(results)


def test_size_and_type_of_a_photo_record_come_from_its_blob(api):
    c = api.client("insp")
    assert _put(api, c, PNG).status_code == 201
    dam = insert("dam", dam_values())
    photo = _photo(A, dam["uuid"], _sha(PNG), size_bytes=1, mime_type="text/html")
    [_, res] = c.push(dam, photo)
    assert res["status"] == "applied", res
    values = c.get(photo["uuid"]).json()["values"]
    assert (values["size_bytes"], values["mime_type"]) == (len(PNG), "image/png")
    [res] = c.push(
        update(
            "photo", photo["uuid"], res["rev"], {"size_bytes": (len(PNG), 1), "mime_type": ("image/png", "text/html")}
        )
    )
    values = c.get(photo["uuid"]).json()["values"]
    assert (values["size_bytes"], values["mime_type"]) == (len(PNG), "image/png")
    # the photo changes to another blob: its size and type follow
    assert _put(api, c, JPEG).status_code == 201
    [res] = c.push(update("photo", photo["uuid"], res["rev"], {"sha256": (_sha(PNG), _sha(JPEG))}))
    assert res["status"] == "applied" and "size_bytes" in res["applied"], res
    values = c.get(photo["uuid"]).json()["values"]
    assert (values["size_bytes"], values["mime_type"]) == (len(JPEG), "image/jpeg")


def test_photos_are_served_with_nosniff(api):
    c = api.client("insp")
    assert _put(api, c, PNG).status_code == 201
    r = api.http.get(f"/api/v1/blobs/{_sha(PNG)}", headers=c.headers)
    assert r.status_code == 200 and r.content == PNG
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["content-type"] == "image/png"


# -- item 4 -----------------------------------------------------------------------------------------
def test_an_upload_belongs_to_its_user_and_device(api):
    owner = api.client("owner")
    other = api.client("other")  # same county, another user
    second_laptop = Client(api, "owner", client_id="laptop-2")
    sha, n = _sha(PNG), len(PNG)
    assert _put(api, owner, PNG[:4000], sha, f"bytes 0-3999/{n}").status_code == 202
    for c in (other, second_laptop):
        st = api.http.get(f"/api/v1/blobs/{sha}/upload", headers=c.headers).json()
        assert st["offset"] == 0 and not st["complete"]  # nothing of the owner's upload shows
        assert api.http.head(f"/api/v1/blobs/{sha}", headers=c.headers).headers["x-upload-offset"] == "0"
        r = _put(api, c, PNG[4000:], sha, f"bytes 4000-{n - 1}/{n}")  # append to the owner's bytes: no
        assert r.status_code == 409 and r.json()["offset"] == 0
    assert _put(api, other, b"\xff\xd8\xffjunk", sha).status_code == 422  # a whole-file PUT resets nothing
    r = _put(api, owner, PNG[4000:], sha, f"bytes 4000-{n - 1}/{n}")
    assert r.status_code == 201 and r.json()["size"] == n  # the owner's upload went on undisturbed


def test_a_photo_of_another_county_answers_as_a_missing_one(api):
    a = api.client("insp_a", counties=(A,))
    b = api.client("insp_b", counties=(B,))
    dam_b = insert("dam", dam_values(B))
    assert _put(api, b, PNG).status_code == 201
    assert [r["status"] for r in b.push(dam_b, _photo(B, dam_b["uuid"], _sha(PNG)))] == ["applied", "applied"]
    theirs, missing = _sha(PNG), _sha(b"never uploaded")
    answers = {}
    for sha in (theirs, missing):
        head = api.http.head(f"/api/v1/blobs/{sha}", headers=a.headers)
        status = api.http.get(f"/api/v1/blobs/{sha}/upload", headers=a.headers)
        junk = _put(api, a, b"\xff\xd8\xff not the photo", sha)
        get = api.http.get(f"/api/v1/blobs/{sha}", headers=a.headers)
        answers[sha] = [
            (head.status_code, head.headers.get("x-upload-offset"), head.headers.get("content-type")),
            (status.status_code, {**status.json(), "sha256": None}),
            (junk.status_code, junk.json()["type"], junk.json()["errors"]),
            (get.status_code, get.json()["errors"]),
        ]
    assert answers[theirs] == answers[missing]
    assert answers[theirs][0][0] == 404 and answers[theirs][3][0] == 404
    # knowing the hash is not enough to attach the photo to a county-A record: it waits for the upload
    dam_a = insert("dam", dam_values(A))
    photo_a = _photo(A, dam_a["uuid"], theirs)
    [_, res] = a.push(dam_a, photo_a)
    assert res["status"] == "retry" and res["errors"][0]["code"] == "blob_missing"
    assert api.http.get(f"/api/v1/blobs/{theirs}", headers=a.headers).status_code == 404
    # someone who has the photo itself uploads it, and then may use it
    assert _put(api, a, PNG).status_code == 201
    a.next_id = res["mutation_id"]  # the laptop sends the waiting change again
    [res] = a.push(photo_a)
    assert res["status"] == "applied", res
    assert api.http.get(f"/api/v1/blobs/{theirs}", headers=a.headers).content == PNG


def test_a_photo_record_shares_its_photo_within_its_county(api):
    author = api.client("author", counties=(A,))
    colleague = api.client("colleague", counties=(A,))
    dam = insert("dam", dam_values(A))
    assert _put(api, author, PNG).status_code == 201
    assert api.http.get(f"/api/v1/blobs/{_sha(PNG)}", headers=colleague.headers).status_code == 404  # not yet
    author.push(dam, _photo(A, dam["uuid"], _sha(PNG)))
    assert api.http.head(f"/api/v1/blobs/{_sha(PNG)}", headers=colleague.headers).status_code == 200
    assert api.http.get(f"/api/v1/blobs/{_sha(PNG)}", headers=colleague.headers).content == PNG
    st = api.http.get(f"/api/v1/blobs/{_sha(PNG)}/upload", headers=colleague.headers).json()
    assert st["complete"] and st["size"] == len(PNG)
    [res] = colleague.push(_photo(A, dam["uuid"], _sha(PNG)))  # the same photo on a second record
    assert res["status"] == "applied"


def test_conflict_ids_tell_nothing_about_other_counties(api):
    def conflicts_in(county: str, n: int) -> list[int]:
        c1, c2 = api.client(f"x{county}", counties=(county,)), api.client(f"y{county}", counties=(county,))
        ids = []
        for _ in range(n):  # two inspectors rename the same dam
            dam = insert("dam", dam_values(county))
            [res] = c1.push(dam)
            c1.push(update("dam", dam["uuid"], res["rev"], {"name": ("石门坝", "甲坝")}))
            [clash] = c2.push(update("dam", dam["uuid"], res["rev"], {"name": ("石门坝", "乙坝")}))
            ids += [c["id"] for c in clash["conflicts"]]
        return ids

    ids_a = conflicts_in(A, 5)
    ids_b = conflicts_in(B, 2)
    assert ids_b == [1 * ID_BASE + int(B), 2 * ID_BASE + int(B)]  # as if county A had none
    assert ids_a == [i * ID_BASE + int(A) for i in range(1, 6)]
