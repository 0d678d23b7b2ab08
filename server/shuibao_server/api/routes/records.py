"""One record and its audit trail (read-only helpers beside the sync)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from ... import problems
from ...schemas import UUID_PATTERN, HistoryItem, PullItem
from ...sync import history
from ...sync.pull import get_record as read_record
from ..deps import CurrentUser, EngineDep
from ..openapi import problem_responses

router = APIRouter(prefix="/records", tags=["records"])
Uuid = Annotated[str, Path(pattern=UUID_PATTERN)]


@router.get("/{uuid}", response_model=PullItem, responses=problem_responses(401, 404, 422))
def get_record(who: CurrentUser, uuid: Uuid, engine: EngineDep) -> dict:
    """One record with its current values (404 also for records of other counties)."""
    item = read_record(engine, who, uuid)
    if item is None:
        raise problems.not_found("record")
    return item


@router.get("/{uuid}/history", response_model=list[HistoryItem], responses=problem_responses(401, 404, 422))
def get_history(who: CurrentUser, uuid: Uuid, engine: EngineDep) -> list:
    """The audit trail of a record: every accepted change with who, when and old/new values."""
    items = history.of_record(engine, who, uuid)
    if items is None:
        raise problems.not_found("record")
    return items
