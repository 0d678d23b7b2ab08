"""Logging in and out: a password for a per-device bearer token, and who the token is."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response

from ... import auth, problems, throttle
from ...schemas import LoginRequest, LoginResponse, MeResponse, PasswordChange
from ...sync import mutations
from ..deps import CurrentUser, EngineDep, SettingsDep
from ..openapi import problem_responses

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", response_model=LoginResponse, responses=problem_responses(401, 422, 429))
def login(body: LoginRequest, request: Request, engine: EngineDep, settings: SettingsDep) -> dict:
    """Exchange a password for a bearer token bound to this user and device (client_id).

    Wrong passwords are throttled per address and per account (429 with Retry-After)."""
    known = auth.known_device(engine, body.username, body.client_id)
    limits = throttle.limits(settings, _host(request), body.username, known)
    _not_throttled(engine, limits)
    try:
        _token, out = auth.login(
            engine, body.username, body.password, body.client_id, body.device_name, settings.token_ttl_days
        )
    except auth.AuthError:
        throttle.failed(engine, settings, limits)
        raise problems.bad_credentials() from None
    throttle.succeeded(engine, body.username)
    return out


def _host(request: Request) -> str | None:
    """The client's address (behind a proxy of `--forwarded-allow-ips`: the address it reports)."""
    return request.client.host if request.client else None


def _not_throttled(engine: sa.Engine, limits: list[throttle.Limit]) -> None:
    wait = throttle.wait(engine, limits)
    if wait > 0:
        raise problems.too_many_attempts(wait)


@router.post("/logout", status_code=204, responses=problem_responses(401))
def logout(who: CurrentUser, engine: EngineDep) -> Response:
    """Revoke the token of this request."""
    auth.revoke_token(engine, who.token_id)
    return Response(status_code=204)


@router.get("/me", response_model=MeResponse, responses=problem_responses(401))
def me(who: CurrentUser, engine: EngineDep) -> dict:
    last = mutations.current_last_id(engine, who.device_pk)
    return {"username": who.username, "role": who.role, "counties": list(who.counties),
            "client_id": who.client_id, "last_mutation_id": last}  # fmt: skip


@router.post("/password", status_code=204, responses=problem_responses(401, 403, 422, 429))
def change_password(
    body: PasswordChange, who: CurrentUser, request: Request, engine: EngineDep, settings: SettingsDep
) -> Response:
    """Change one's own password. Every other token of the user is revoked; this one stays valid.

    A wrong old password counts as a failed login (throttled the same way)."""
    limits = throttle.limits(settings, _host(request), who.username, known_device=False)
    _not_throttled(engine, limits)
    try:
        auth.change_password(engine, who, body.old_password, body.new_password)
    except auth.AuthError:
        throttle.failed(engine, settings, limits)
        raise problems.wrong_old_password() from None
    except auth.WeakPassword as e:
        raise problems.weak_password("new_password", e.code, e.zh, e.en) from None
    return Response(status_code=204)
