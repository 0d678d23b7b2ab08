"""The API under /api/v1: one router per resource, assembled here."""

from __future__ import annotations

from fastapi import APIRouter

from .routes import auth, blobs, conflicts, meta, records, sync

API_PREFIX = "/api/v1"

api_router = APIRouter(prefix=API_PREFIX)
for module in (meta, auth, sync, records, conflicts, blobs):
    api_router.include_router(module.router)
