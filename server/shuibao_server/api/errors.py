"""Every error leaves the server as a problem document (`problems.py`), never as a bare 5xx.

The handlers below turn the framework's own refusals (body parsing, unknown routes, methods)
and any unexpected exception into problems; `Guard` refuses oversized bodies, with or without
Content-Length, and adds `X-Content-Type-Options: nosniff` to every answer.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import problems
from ..problems import PROBLEM_MEDIA, ProblemError, quote

log = logging.getLogger(__name__)
BLOB_PATH = "/api/v1/blobs/"


def problem_response(exc: ProblemError, request: Request) -> JSONResponse:
    return JSONResponse(
        exc.body(request.url.path), status_code=exc.status, headers=exc.headers, media_type=PROBLEM_MEDIA
    )


async def on_problem(request: Request, exc: ProblemError) -> JSONResponse:
    return problem_response(exc, request)


async def on_invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for e in exc.errors()[:50]:
        loc = [str(x) for x in e.get("loc", ())]
        name = quote(".".join(loc[1:]) if len(loc) > 1 else ".".join(loc), 120)
        msg = quote(str(e.get("msg", "")), 300)
        errors.append(problems.error(name or None, e.get("type", "invalid"), f"请求格式错误：{name}", msg))
    return problem_response(problems.invalid_request(errors), request)


async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if isinstance(exc, BodyTooLarge):
        return problem_response(problems.body_too_large(exc.limit), request)
    return problem_response(problems.http_error(exc.status_code, str(exc.detail)), request)


async def on_crash(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s", request.url.path)
    return problem_response(problems.internal(), request)


class BodyTooLarge(StarletteHTTPException):
    """A body that grew past the limit while it was read (sent without Content-Length, or lying)."""

    def __init__(self, limit: int):
        super().__init__(413, f"the body is larger than {limit} bytes")
        self.limit = limit


class Guard:
    """The outermost layer: limits the body, declared or streamed, and marks every answer `nosniff`.

    A declared Content-Length over the limit is refused before a byte is read; a chunked body
    (no Content-Length) is counted as it arrives and refused as soon as it passes the limit, so
    no request body the limit forbids is ever applied."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        settings = scope["app"].state.settings
        limit = settings.max_photo_bytes + 1024 if scope["path"].startswith(BLOB_PATH) else settings.max_body_bytes
        send = _with_headers(send)
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            problem = problems.body_too_large(limit)
            response = JSONResponse(problem.body(scope["path"]), problem.status, media_type=PROBLEM_MEDIA)
            return await response(scope, receive, send)
        return await self.app(scope, _counted(receive, limit), send)


def _counted(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return counted


def _with_headers(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), (b"x-content-type-options", b"nosniff")]
        await send(message)

    return sending


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, on_problem)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, on_invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_crash)
    app.add_middleware(Guard)
