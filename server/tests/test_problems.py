"""Every refusal is a problem document in Chinese and English (issue 12, item 7)."""

from __future__ import annotations

import inspect
import json
import os
import socket

from shuibao_server import problems
from shuibao_server.problems import PROBLEM_MEDIA
from shuibao_server.testing.server import ServerProcess

SHA = "ab" * 32


def _problem(r, status: int) -> dict:
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"] == PROBLEM_MEDIA
    body = r.json()
    assert body["status"] == status and body["errors"], body
    assert all(e["zh"] and e["en"] for e in body["errors"]), body
    return body


def test_the_frameworks_own_refusals_carry_chinese(api):
    c = api.client("insp")
    json_headers = {**c.headers, "Content-Type": "application/json"}
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    _problem(api.http.post("/api/v1/sync/push", content=deep, headers=json_headers), 400)  # unparsable body
    _problem(api.http.post("/api/v1/sync/push", content=b'{"changes": [\xff]}', headers=json_headers), 400)  # not UTF-8
    _problem(api.http.get("/api/v1/no-such-thing", headers=c.headers), 404)
    _problem(api.http.get("/no-such-thing"), 404)
    _problem(api.http.delete("/api/v1/sync/push", headers=c.headers), 405)
    too_big = {**c.headers, "Content-Length": str(64 * 1024 * 1024)}
    _problem(api.http.post("/api/v1/sync/push", content=b"{}", headers=too_big), 413)


def test_upload_refusals_carry_chinese(api):
    c = api.client("insp")
    r = api.http.put(f"/api/v1/blobs/{SHA}", content=b"12345", headers={**c.headers, "Content-Range": "bytes 0-9/100"})
    body = _problem(r, 400)
    assert body["type"].endswith("/bad-range") and "5" in body["errors"][0]["zh"]
    _problem(api.http.get("/api/v1/blobs/not-a-hash", headers=c.headers), 422)


def test_head_with_a_bad_hash_answers_like_get_without_a_body(api, app):
    c = api.client("insp")
    get = api.http.get("/api/v1/blobs/NOT-A-HASH", headers=c.headers)
    head = api.http.head("/api/v1/blobs/NOT-A-HASH", headers=c.headers)
    assert head.status_code == get.status_code == 422
    assert head.headers["content-type"] == get.headers["content-type"] == PROBLEM_MEDIA
    assert head.content == b""
    # and the description does not promise a body a HEAD answer can never have
    spec = app.openapi()["paths"]["/api/v1/blobs/{sha256}"]["head"]
    assert spec["responses"] and not any("content" in a for a in spec["responses"].values())


def test_a_malformed_model_version_is_refused(api):
    c = api.client("insp")
    for version in ("1.-1", "1.x", "-1.0", "1.0.0"):
        r = api.http.get("/api/v1/sync/pull", headers={**c.headers, "X-Shuibao-Model": version})
        body = _problem(r, 409)
        assert body["type"].endswith("/model-incompatible"), version


def test_every_problem_the_server_can_give_has_both_languages():
    """Each refusal of the catalogue, built with sample arguments, lists errors with zh and en."""
    sample = {"errors": [problems.error("x", "c", "中文", "English")], "status": 400, "headers": None}
    built = 0
    for name, make in inspect.getmembers(problems, inspect.isfunction):
        if inspect.signature(make).return_annotation not in ("ProblemError", problems.ProblemError):
            continue
        args = {}
        for p in inspect.signature(make).parameters.values():
            if p.default is inspect.Parameter.empty:
                args[p.name] = sample.get(p.name, 7 if "int" in str(p.annotation) else "x")
        for status in (400, 404, 405, 413, 415, 429) if name == "http_error" else (None,):
            problem = make(**{**args, **({"status": status} if status else {})})
            assert problem.errors and all(e["zh"] and e["en"] for e in problem.errors), name
            built += 1
    assert built >= 30


def _raw(port: int, request: bytes) -> tuple[bytes, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def test_a_malformed_http_request_gets_a_problem_over_a_real_socket(database_url, settings):
    """uvicorn's own refusal of an illegal header name (no route is reached) is a problem too."""
    env = dict(os.environ, SHUIBAO_DATABASE_URL=database_url, SHUIBAO_DATA_DIR=str(settings.data_dir))
    with ServerProcess(env) as server:
        for request in (
            b"GET /api/v1/info HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n",
            b"GET /api/v1/info HTTP/1.1\r\nHost: x\r\n\x00: 1\r\n\r\n",
            b"NOT A REQUEST\r\n\r\n",
        ):
            head, body = _raw(server.port, request)
            assert head.startswith(b"HTTP/1.1 400"), head
            assert b"content-type: application/problem+json" in head.lower(), head
            problem = json.loads(body)
            assert problem["status"] == 400 and problem["errors"][0]["zh"], problem
        head, body = _raw(server.port, b"GET /api/v1/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and json.loads(body)["api_version"]
