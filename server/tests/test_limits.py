"""The body limit holds also for a body sent in chunks without Content-Length (issue 12, item 2).

Field lengths and number ranges: `test_values.py`."""

from __future__ import annotations

import json

from shuibao_server.config import MB
from shuibao_server.testing.helpers import dam_values, insert


def _chunks(body: bytes, size: int = 1 * MB):
    for i in range(0, len(body), size):
        yield body[i : i + size]


def _push_body(c, n: int, note_chars: int) -> bytes:
    changes = [{**insert("dam", dam_values(monitoring="x" * note_chars)), "mutation_id": i + 1} for i in range(n)]
    return json.dumps({"changes": changes}).encode()


def test_a_chunked_push_over_the_limit_is_refused_and_nothing_applied(api, settings):
    c = api.client("insp")
    headers = {**c.headers, "Content-Type": "application/json"}
    body = _push_body(c, 350, 100_000)  # 35 MB of dams (34 MiB), sent without Content-Length
    assert len(body) > settings.max_body_bytes + MB and settings.max_body_bytes == 32 * MB
    r = api.http.post("/api/v1/sync/push", content=_chunks(body), headers=headers)
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert r.status_code == 413 and r.json()["errors"][0]["zh"], r.text[:300]
    assert c.pull_all() == [] and api.http.get("/api/v1/auth/me", headers=c.headers).json()["last_mutation_id"] == 0
    small = _push_body(c, 3, 10)  # the same way under the limit: applied
    r = api.http.post("/api/v1/sync/push", content=_chunks(small, 100), headers=headers)
    assert r.status_code == 200 and [x["status"] for x in r.json()["results"]] == ["applied"] * 3


def test_a_chunked_photo_over_the_photo_limit_is_refused(api, settings):
    c = api.client("insp")
    photo = b"\xff\xd8\xff" + b"0" * (settings.max_photo_bytes + 5000)
    r = api.http.put("/api/v1/blobs/" + "ab" * 32, content=_chunks(photo, 4096), headers=c.headers)
    assert r.status_code == 413 and r.json()["errors"][0]["zh"]
    assert api.http.get("/api/v1/blobs/" + "ab" * 32 + "/upload", headers=c.headers).json()["offset"] == 0
