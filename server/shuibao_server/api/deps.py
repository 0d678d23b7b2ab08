"""Typed dependencies of the routes: settings, engine, photo store, who is asking.

The app factory puts one settings object, one engine and one photo store on `app.state`;
routes take them as `SettingsDep`, `EngineDep`, `StoreDep`. `CurrentUser` is the principal of a
valid bearer token; `SyncUser` additionally requires a compatible `X-Shuibao-Model`.
"""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from shuibao.model import MODEL_VERSION
from shuibao.model.version import is_compatible

from .. import auth, problems
from ..auth import Principal
from ..blobs.store import BlobStore
from ..config import Settings

bearer = HTTPBearer(auto_error=False)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> sa.Engine:
    return request.app.state.engine


def get_store(request: Request) -> BlobStore:
    return request.app.state.store


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[sa.Engine, Depends(get_engine)]
StoreDep = Annotated[BlobStore, Depends(get_store)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def get_current_user(engine: EngineDep, creds: Credentials) -> Principal:
    """The user and device of the bearer token; 401 for a missing, revoked or expired one."""
    if creds is None or creds.scheme.lower() != "bearer":
        raise problems.unauthorized()
    try:
        return auth.authenticate(engine, creds.credentials)
    except auth.AuthError:
        raise problems.unauthorized() from None


CurrentUser = Annotated[Principal, Depends(get_current_user)]


def check_model_version(
    x_shuibao_model: Annotated[
        str | None, Header(description="The client's model version, e.g. 1.0", max_length=32)
    ] = None,
) -> str:
    """A sync client must say which model it speaks; an incompatible one writes nothing."""
    if not x_shuibao_model:
        raise problems.model_version_missing()
    if not is_compatible(x_shuibao_model, MODEL_VERSION):
        raise problems.model_incompatible(x_shuibao_model, MODEL_VERSION)
    return x_shuibao_model


def get_sync_user(who: CurrentUser, _model: Annotated[str, Depends(check_model_version)]) -> Principal:
    return who


SyncUser = Annotated[Principal, Depends(get_sync_user)]
