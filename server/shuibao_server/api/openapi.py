"""The OpenAPI description: its introduction, problem answers and the clean-up of FastAPI's.

Every error answer is an RFC 7807 problem (`Problem` schema, `application/problem+json`),
including FastAPI's own 422 and the 401 of every route that needs a token.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ..problems import PROBLEM_MEDIA
from ..schemas import Problem

DESCRIPTION = """
Central sync API of Shuibao (水保巡检). Records of every kind of the shared domain model
(`shuibao.model`) are pushed as batches of field-level changes and pulled by cursor.

**Batch semantics.** Each change of a push is judged on its own and gets a result:
`applied`, `conflict` (fields changed on both sides kept the server value and became conflict
rows; the other fields were applied), `rejected` (nothing applied; the reason is in `errors`;
the mutation id still advances), or `retry` (a referenced photo blob is not uploaded yet:
nothing is recorded, the batch stops there and later changes are `not_processed`).
Mutation ids at or below the device's last id return their stored result; a gap is refused
with 409 before anything is applied. Every error answer is an RFC 7807 problem with an
`errors` list of `{field, code, zh, en}`. Sync requests must send `X-Shuibao-Model`.
See docs/API.md for the full protocol.
"""

_PROBLEM_CONTENT = {PROBLEM_MEDIA: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each status answers with a problem document."""
    return {c: {"model": Problem, "description": "RFC 7807 problem", "content": _PROBLEM_CONTENT} for c in codes}


def install_openapi(app: FastAPI) -> None:
    """Replace FastAPI's validation-error schemas by problems; every secured route may answer 401."""

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        for ops in spec.get("paths", {}).values():
            for op in ops.values():
                _problem_answers(op)
        schemas = spec.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _problem_answers(op: dict) -> None:
    responses = op.setdefault("responses", {})
    if "422" in responses:
        responses["422"] = {"description": "RFC 7807 problem: invalid request", "content": _PROBLEM_CONTENT}
    if op.get("security"):
        responses.setdefault("401", {"description": "RFC 7807 problem: no valid token", "content": _PROBLEM_CONTENT})
