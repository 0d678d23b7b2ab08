"""Conflicts of the user's counties: list them, resolve one."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from ... import problems
from ...schemas import BIG, ConflictList, ResolveRequest, ResolveResponse
from ...sync import conflicts as conflict_table
from ...sync.resolve import resolve_conflict
from ..deps import EngineDep, SyncUser
from ..openapi import problem_responses

router = APIRouter(prefix="/conflicts", tags=["conflicts"])


@router.get("", response_model=ConflictList, responses=problem_responses(400, 401, 409, 422))
def conflicts(
    who: SyncUser,
    engine: EngineDep,
    status: Literal["open", "resolved", "all"] = "open",
    after_id: Annotated[int, Query(ge=0, le=BIG)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict:
    """Conflicts of the user's counties, by id."""
    return conflict_table.listing(engine, who, status, after_id, limit)


@router.post(
    "/{conflict_id}/resolve", response_model=ResolveResponse, responses=problem_responses(400, 401, 404, 409, 422)
)
def resolve(
    who: SyncUser, conflict_id: Annotated[int, Path(ge=1, le=BIG)], body: ResolveRequest, engine: EngineDep
) -> dict:
    """Close a conflict; `client`/`value` write that value as a new server change."""
    out = resolve_conflict(engine, who, conflict_id, body.resolution, body.value)
    if out is None:
        raise problems.not_found("conflict")
    return out
