"""Every error leaves the server as a problem document (`problems.py`), never as a bare 5xx.

The handlers below turn the framework's own refusals (body parsing, unknown routes, methods)
and any unexpected exception into problems; the middleware refuses oversized bodies before
they are read.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import problems
from ..problems import PROBLEM_MEDIA, ProblemError

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
        name = ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc)
        errors.append(
            problems.error(name or None, e.get("type", "invalid"), f"请求格式错误：{name}", str(e.get("msg", "")))
        )
    return problem_response(problems.invalid_request(errors), request)


async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return problem_response(problems.http_error(exc.status_code, str(exc.detail)), request)


async def on_crash(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s", request.url.path)
    return problem_response(problems.internal(), request)


async def limit_body(request: Request, call_next):
    """Refuse a declared body larger than the limit (photos have their own, larger one)."""
    settings = request.app.state.settings
    limit = settings.max_body_bytes
    if request.url.path.startswith(BLOB_PATH):
        limit = settings.max_photo_bytes + 1024
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        return problem_response(problems.body_too_large(limit), request)
    return await call_next(request)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, on_problem)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, on_invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_crash)
    app.middleware("http")(limit_body)
