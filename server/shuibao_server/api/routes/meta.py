"""Server, API and model versions and limits; a health check for load balancers."""

from __future__ import annotations

from fastapi import APIRouter
from shuibao.model import MODEL_VERSION, RECORD_KINDS, ROLES

from ... import API_VERSION, __version__, db, problems
from ...schemas import Info
from ..deps import EngineDep, SettingsDep
from ..openapi import problem_responses

router = APIRouter(tags=["info"])


@router.get("/info", response_model=Info)
def info(settings: SettingsDep) -> dict:
    """Server, API and model versions and limits. No authentication."""
    return {
        "api_version": API_VERSION,
        "model_version": MODEL_VERSION,
        "server_version": __version__,
        "record_kinds": list(RECORD_KINDS),
        "roles": list(ROLES),
        "max_batch": settings.max_batch,
        "max_page": settings.max_page,
        "max_photo_bytes": settings.max_photo_bytes,
    }


@router.get("/health", responses=problem_responses(503))
def health(engine: EngineDep) -> dict:
    if not db.ping(engine):
        raise problems.unavailable()
    return {"ok": True}
