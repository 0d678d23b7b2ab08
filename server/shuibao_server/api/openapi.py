"""The OpenAPI description: its introduction, problem answers, links and the clean-up of FastAPI's.

Every error answer is an RFC 7807 problem (`Problem` schema, `application/problem+json`),
including FastAPI's own 422 and the 401 of every route that needs a token. Changes are typed per
record kind and field from the model (`change_types.py`). Links say which answer feeds which
request (a pushed record's uuid → the record and its history, a conflict id → resolving it, a
pull's cursor → the next page), so that a client, or schemathesis' stateful mode, can follow them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ..problems import PROBLEM_MEDIA
from ..schemas import Problem
from .change_types import change_schemas

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


def _link(operation: str, description: str, **parameters: Any) -> dict[str, Any]:
    return {"operationId": operation, "description": description, "parameters": parameters}


# operationId -> status -> links of its answer: a push leads to the record its first change wrote,
# that record's history, the conflicts and a pull; the conflicts to resolving the first of them.
# Each operation is reached from one other, and only answers whose status does not hang on what
# earlier calls did lead on (schemathesis' stateful mode names a step by target and status, and
# replays a sequence expecting the same steps to open up).
_FIRST = "$response.body#/results/0/uuid"
LINKS: dict[str, dict[str, dict[str, Any]]] = {
    "push": {"200": {
        "GetRecord": _link("get_record", "The record the first change wrote", uuid=_FIRST),
        "GetHistory": _link("get_history", "Its audit trail", uuid=_FIRST),
        "ListConflicts": _link("conflicts", "The open conflicts of the user's counties", status="open"),
        "Pull": _link("pull", "Pull from the start", cursor="0", limit=100),
    }},
    "conflicts": {"200": {
        "ResolveConflict": _link("resolve", "Resolve the first conflict listed", conflict_id="$response.body#/items/0/id"),
    }},
}  # fmt: skip


def install_openapi(app: FastAPI) -> None:
    """Replace FastAPI's validation-error schemas by problems; every secured route may answer 401."""

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        for ops in spec.get("paths", {}).values():
            for method, op in ops.items():
                _problem_answers(op, method)
                for status, links in LINKS.get(op.get("operationId", ""), {}).items():
                    op["responses"][status]["links"] = links
        schemas = spec.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        schemas.pop("FieldChange", None)
        schemas.update(change_schemas())
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _problem_answers(op: dict, method: str) -> None:
    responses = op.setdefault("responses", {})
    if method == "head":  # a HEAD answer has the status and headers of a GET, never a body
        for answer in responses.values():
            answer.pop("content", None)
        responses.setdefault("401", {"description": "no valid token"})
        return
    if "422" in responses:
        responses["422"] = {"description": "RFC 7807 problem: invalid request", "content": _PROBLEM_CONTENT}
    if op.get("security"):
        responses.setdefault("401", {"description": "RFC 7807 problem: no valid token", "content": _PROBLEM_CONTENT})
