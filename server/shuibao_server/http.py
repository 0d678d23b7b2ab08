"""The HTTP/1.1 protocol the server runs: uvicorn's h11 one, answering a malformed request (an
illegal header name, a broken request line) with a problem document in Chinese and English
instead of uvicorn's plain-text "Invalid HTTP request received."

`shuibao-server serve` uses it; with plain uvicorn: `--http shuibao_server.http:ProblemH11Protocol`.
"""

from __future__ import annotations

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from . import problems

PROTOCOL = "shuibao_server.http:ProblemH11Protocol"


class ProblemH11Protocol(H11Protocol):
    def send_400_response(self, msg: str) -> None:
        problem = problems.bad_http_request()
        body = json.dumps(problem.body(), ensure_ascii=False).encode()
        headers = [
            (b"content-type", problems.PROBLEM_MEDIA.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"connection", b"close"),
        ]
        for event in (h11.Response(status_code=400, headers=headers), h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()
