"""Photo uploads: whole, chunked and resumed, verified, size- and type-checked."""

from __future__ import annotations

import hashlib
import os
import signal

import pytest
import requests
from shuibao_server.testing.helpers import A, dam_values, device_pk, insert
from shuibao_server.testing.server import ServerProcess

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
    r = api.http.put(
        f"/api/v1/blobs/{sha}", content=JPEG[:4000], headers={**c.headers, "Content-Range": f"bytes 0-3999/{n}"}
    )
    assert r.status_code == 202 and r.json()["offset"] == 4000
    # the network was cut: ask where to resume
    st = api.http.get(f"/api/v1/blobs/{sha}/upload", headers=c.headers).json()
    assert st == {"sha256": sha, "complete": False, "offset": 4000, "size": None, "mime_type": None}
    assert api.http.head(f"/api/v1/blobs/{sha}", headers=c.headers).headers["x-upload-offset"] == "4000"
    # a chunk at the wrong offset is refused with the right one
    r = api.http.put(
        f"/api/v1/blobs/{sha}", content=JPEG[5000:], headers={**c.headers, "Content-Range": f"bytes 5000-{n - 1}/{n}"}
    )
    assert r.status_code == 409 and r.json()["offset"] == 4000
    r = api.http.put(
        f"/api/v1/blobs/{sha}", content=JPEG[4000:], headers={**c.headers, "Content-Range": f"bytes 4000-{n - 1}/{n}"}
    )
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
    r = api.http.put(
        f"/api/v1/blobs/{_sha(big)}", content=big[:10], headers={**c.headers, "Content-Range": f"bytes 0-9/{len(big)}"}
    )
    assert r.status_code == 413
    r = api.http.put("/api/v1/blobs/..%2F..%2Fetc%2Fpasswd", content=JPEG, headers=c.headers)
    assert r.status_code in (404, 422)


def test_sniff():
    from shuibao_server.blobs.store import sniff

    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b"\x00\x00\x00\x18ftypheic\x00\x00") == "image/heic"
    assert sniff(b"GIF89a") is None


def _finish(api, c, sha: str, total: int, body: bytes = b""):
    return api.http.put(
        f"/api/v1/blobs/{sha}", content=body, headers={**c.headers, "Content-Range": f"bytes */{total}"}
    )


def test_finish_upload_answers(api, app):
    c = api.client("insp")
    sha, n = _sha(JPEG), len(JPEG)
    r = _finish(api, c, sha, n)  # nothing uploaded yet
    assert r.status_code == 409 and r.json()["type"].endswith("/upload-offset") and r.json()["offset"] == 0
    r = api.http.put(
        f"/api/v1/blobs/{sha}", content=JPEG[:4000], headers={**c.headers, "Content-Range": f"bytes 0-3999/{n}"}
    )
    assert r.status_code == 202
    r = _finish(api, c, sha, n)  # only part of it arrived
    assert r.status_code == 409 and r.json()["offset"] == 4000 and r.json()["errors"][0]["zh"]
    assert _finish(api, c, sha, n, body=b"x").status_code == 400  # finishing sends no bytes
    assert _finish(api, c, sha, 300_000).status_code == 413  # more than a photo may have
    for bad in ("bytes */0", "bytes */x", "bytes *-1/5", "items */5"):
        r = api.http.put(f"/api/v1/blobs/{sha}", content=b"", headers={**c.headers, "Content-Range": bad})
        assert r.status_code == 400 and r.json()["type"].endswith("/bad-range"), bad
    assert api.http.get(f"/api/v1/blobs/{sha}/upload", headers=c.headers).json()["offset"] == 4000
    r = api.http.put(
        f"/api/v1/blobs/{sha}", content=JPEG[4000:], headers={**c.headers, "Content-Range": f"bytes 4000-{n - 1}/{n}"}
    )
    assert r.status_code == 201
    r = _finish(api, c, sha, n)  # already stored
    assert r.status_code == 200 and r.json()["complete"] and r.json()["size"] == n


def test_finish_upload_hash_mismatch_discards(api, app):
    c = api.client("insp")
    sha, n = _sha(b"other"), len(JPEG)
    app.state.store.write_partial(
        sha, str(c.device_pk), 0, JPEG
    )  # every byte arrived, as the server writes them, never committed
    st = api.http.get(f"/api/v1/blobs/{sha}/upload", headers=c.headers).json()
    assert st["offset"] == n and not st["complete"]
    r = _finish(api, c, sha, n)
    assert r.status_code == 422 and r.json()["type"].endswith("/hash-mismatch")
    assert api.http.get(f"/api/v1/blobs/{sha}/upload", headers=c.headers).json()["offset"] == 0
    assert api.http.head(f"/api/v1/blobs/{sha}", headers=c.headers).status_code == 404


# A server that dies (SIGKILL) in the commit of an upload: after the last chunk was written and
# fsynced, before the blob is verified and moved into place.
KILLED_BEFORE_COMMIT = """
import os, signal, sys
import uvicorn
from shuibao_server.blobs import store

def killed_before_commit(self, *args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

store.FolderBlobStore.commit = killed_before_commit
uvicorn.run("shuibao_server.app:create_app", factory=True, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def test_finish_upload_after_server_killed_before_commit(api, database_url, settings):
    api.user("insp")
    env = dict(os.environ, SHUIBAO_DATABASE_URL=database_url, SHUIBAO_DATA_DIR=str(settings.data_dir),
               SHUIBAO_MAX_PHOTO_BYTES=str(settings.max_photo_bytes))  # fmt: skip
    sha, n = _sha(JPEG), len(JPEG)
    server = ServerProcess(env, program=KILLED_BEFORE_COMMIT)
    try:
        headers = server.login("insp")
        r = requests.put(f"{server.url}/blobs/{sha}", data=JPEG[:4000], timeout=10,
                         headers={**headers, "Content-Range": f"bytes 0-3999/{n}"})  # fmt: skip
        assert r.status_code == 202
        with pytest.raises(requests.ConnectionError):  # the server dies on the last chunk
            requests.put(f"{server.url}/blobs/{sha}", data=JPEG[4000:], timeout=10,
                         headers={**headers, "Content-Range": f"bytes 4000-{n - 1}/{n}"})  # fmt: skip
        assert server.proc.wait(10) == -signal.SIGKILL  # killed where it was meant to be: in commit
    finally:
        server.stop()
    partial = settings.blob_dir / ".partial" / str(device_pk(api.engine, "insp", "laptop-1")) / sha
    assert partial.read_bytes() == JPEG  # every byte is on disk, nothing committed
    server = ServerProcess(env)
    try:
        headers = server.login("insp")
        assert requests.get(f"{server.url}/blobs/{sha}/upload", headers=headers, timeout=10).json() == {
            "sha256": sha, "complete": False, "offset": n, "size": None, "mime_type": None}  # fmt: skip
        r = requests.put(
            f"{server.url}/blobs/{sha}", data=b"", headers={**headers, "Content-Range": f"bytes */{n}"}, timeout=10
        )
        assert r.status_code == 201, r.text
        assert r.json() == {"sha256": sha, "complete": True, "offset": n, "size": n, "mime_type": "image/jpeg"}
        assert not partial.exists()
        assert requests.head(f"{server.url}/blobs/{sha}", headers=headers, timeout=10).status_code == 200
        _photo_readable(server, headers, sha)
    finally:
        server.stop()


def _photo_readable(server: ServerProcess, headers: dict, sha: str) -> None:
    dam = insert("dam", dam_values())
    photo = insert("photo", {"county_code": A, "parent_kind": "dam", "parent_uuid": dam["uuid"], "sha256": sha,
                             "mime_type": "image/jpeg", "size_bytes": len(JPEG)})  # fmt: skip
    changes = [{**dam, "mutation_id": 1}, {**photo, "mutation_id": 2}]
    r = requests.post(f"{server.url}/sync/push", json={"changes": changes}, headers=headers, timeout=30)
    assert [x["status"] for x in r.json()["results"]] == ["applied", "applied"], r.text
    assert requests.get(f"{server.url}/blobs/{sha}", headers=headers, timeout=10).content == JPEG
