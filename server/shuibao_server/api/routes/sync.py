"""Push a batch of changes, pull changes since a cursor (docs/API.md sections 4 and 5)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ... import problems
from ...schemas import DeviceClaim, DeviceClaimed, PullResponse, PushRequest, PushResponse
from ...sync import devices
from ...sync.pull import pull as pull_page
from ...sync.push import push as push_batch
from ..deps import EngineDep, SettingsDep, SyncUser
from ..openapi import problem_responses

router = APIRouter(prefix="/sync", tags=["sync"])


@router.post("/device", response_model=DeviceClaimed, responses=problem_responses(400, 401, 409, 422))
def device(body: DeviceClaim, who: SyncUser, engine: EngineDep) -> dict:
    """Renew the nonce of the store file syncing as this device (409 device-copied: a copied file)."""
    if body.client_id != who.client_id:
        raise problems.device_mismatch()
    return {
        "client_id": who.client_id,
        "file_nonce": devices.claim(engine, who.device_pk, body.file_nonce, body.next_nonce),
    }


@router.post("/push", response_model=PushResponse, responses=problem_responses(400, 401, 409, 413, 422))
def push(body: PushRequest, who: SyncUser, engine: EngineDep, settings: SettingsDep) -> dict:
    """Apply a batch of changes (see the batch semantics above and docs/API.md)."""
    if body.client_id is not None and body.client_id != who.client_id:
        raise problems.device_mismatch()
    if len(body.changes) > settings.max_batch:
        raise problems.batch_too_large(settings.max_batch)
    return push_batch(engine, who, [c.model_dump() for c in body.changes], settings.max_vertices)


@router.get("/pull", response_model=PullResponse, responses=problem_responses(400, 401, 409, 422))
def pull(
    who: SyncUser,
    engine: EngineDep,
    settings: SettingsDep,
    cursor: Annotated[str | None, Query(max_length=4096, description="Opaque; omit or '0' to start")] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 500,
) -> dict:
    """Records of the user's counties changed since the cursor, oldest first, one item per record."""
    return pull_page(engine, who, cursor, min(limit, settings.max_page))
