"""Photo uploads: whole, chunked and resumed, verified, size- and type-checked."""

from __future__ import annotations

import hashlib

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def test_whole_upload_and_repeat(api):
    c = api.client("insp")
    sha = _sha(JPEG)
    assert api.http.head(f"/api/v1/blobs/{sha}", headers=c.headers).status_code == 404
    r = api.http.put(f"/api/v1/blobs/{sha}", content=JPEG, headers=c.headers)
    assert r.status_code == 201 and r.json()["mime_type"] == "image/jpeg" and r.json()["size"] == len(JPEG)
    h = api.http.head(f"/api/v1/blobs/{sha}", headers=c.headers)
    assert h.status_code == 200 and int(h.headers["content-length"]) == len(JPEG)
    r = api.http.put(f"/api/v1/blobs/{sha}", content=JPEG, headers=c.headers)
    assert r.status_code == 200 and r.json()["complete"]


def test_chunked_resumable_upload(api):
    c = api.client("insp")
    sha = _sha(JPEG)
    n = len(JPEG)
    r = api.http.put(f"/api/v1/blobs/{sha}", content=JPEG[:4000],
                     headers={**c.headers, "Content-Range": f"bytes 0-3999/{n}"})
    assert r.status_code == 202 and r.json()["offset"] == 4000
    # the network was cut: ask where to resume
    st = api.http.get(f"/api/v1/blobs/{sha}/upload", headers=c.headers).json()
    assert st == {"sha256": sha, "complete": False, "offset": 4000, "size": None, "mime_type": None}
    assert api.http.head(f"/api/v1/blobs/{sha}", headers=c.headers).headers["x-upload-offset"] == "4000"
    # a chunk at the wrong offset is refused with the right one
    r = api.http.put(f"/api/v1/blobs/{sha}", content=JPEG[5000:],
                     headers={**c.headers, "Content-Range": f"bytes 5000-{n - 1}/{n}"})
    assert r.status_code == 409 and r.json()["offset"] == 4000
    r = api.http.put(f"/api/v1/blobs/{sha}", content=JPEG[4000:],
                     headers={**c.headers, "Content-Range": f"bytes 4000-{n - 1}/{n}"})
    assert r.status_code == 201 and r.json()["complete"]


def test_hash_mismatch_type_and_size(api):
    c = api.client("insp")
    r = api.http.put(f"/api/v1/blobs/{_sha(b'other')}", content=JPEG, headers=c.headers)
    assert r.status_code == 422 and r.json()["type"].endswith("hash-mismatch")
    exe = b"MZ" + b"\x00" * 100
    r = api.http.put(f"/api/v1/blobs/{_sha(exe)}", content=exe, headers=c.headers)
    assert r.status_code == 415
    big = b"\xff\xd8\xff" + b"0" * 300_000  # the test limit is 200 kB
    r = api.http.put(f"/api/v1/blobs/{_sha(big)}", content=big, headers=c.headers)
    assert r.status_code == 413
    r = api.http.put(f"/api/v1/blobs/{_sha(big)}", content=big[:10],
                     headers={**c.headers, "Content-Range": f"bytes 0-9/{len(big)}"})
    assert r.status_code == 413
    r = api.http.put("/api/v1/blobs/..%2F..%2Fetc%2Fpasswd", content=JPEG, headers=c.headers)
    assert r.status_code in (404, 422)


def test_sniff():
    from shuibao_server.blobs.store import sniff

    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b"\x00\x00\x00\x18ftypheic\x00\x00") == "image/heic"
    assert sniff(b"GIF89a") is None
