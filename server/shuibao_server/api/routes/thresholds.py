"""Thresholds per region: the set in force in a county (delivered to the plugin with the county's
data) and the settings an admin makes per province, prefecture or county."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ... import db, problems
from ... import thresholds as th
from ...schemas import ThresholdSet, ThresholdSetting, ThresholdSettingIn
from ..deps import CurrentUser, EngineDep
from ..openapi import problem_responses

router = APIRouter(prefix="/thresholds", tags=["thresholds"])
Scope = Annotated[
    str, Path(pattern=r"^[1-9][0-9]{5}$", description="360000 province, 360700 prefecture, 360704 county")
]
Name = Annotated[str, Path(pattern=r"^[a-z_]{1,64}$")]


@router.get("", response_model=ThresholdSet, responses=problem_responses(401, 404, 422))
def in_force(who: CurrentUser, engine: EngineDep, county: Annotated[str, Query(pattern=r"^[0-9]{6}$")]) -> dict:
    """The thresholds in force in one of the user's counties, each with its scope, basis and mark."""
    if not who.can_see(county):
        raise problems.not_found("county")
    return th.payload(engine, county)


@router.get("/settings", response_model=list[ThresholdSetting], responses=problem_responses(401, 403, 422))
def settings(
    who: CurrentUser, engine: EngineDep, scope: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None
) -> list:
    """The values set on this server (admins), of one scope or all."""
    if who.role != "admin":
        raise problems.threshold_forbidden(scope or "*")
    return th.listing(engine, scope)


def _check_admin(who, engine, scope: str) -> None:
    with db.read_tx(engine) as conn:
        known = th.known_counties(conn)
    if not th.may_set(who.role, who.counties, scope, known):
        raise problems.threshold_forbidden(scope)


@router.put("/settings/{scope}/{name}", response_model=ThresholdSetting, responses=problem_responses(401, 403, 422))
def put_setting(who: CurrentUser, engine: EngineDep, scope: Scope, name: Name, body: ThresholdSettingIn) -> dict:
    """Set one value for a province, prefecture or county, with its basis and mark."""
    _check_admin(who, engine, scope)
    try:
        return th.put(engine, scope, name, body.value, body.basis, body.mark, who.username, body.scope_name)
    except th.BadSetting as exc:
        raise problems.bad_threshold(exc.errors) from None


@router.delete("/settings/{scope}/{name}", status_code=204, responses=problem_responses(401, 403, 404, 422))
def delete_setting(who: CurrentUser, engine: EngineDep, scope: Scope, name: Name) -> Response:
    """Remove a value: the built-in or more general one holds again."""
    _check_admin(who, engine, scope)
    try:
        gone = th.delete(engine, scope, name)
    except th.BadSetting as exc:
        raise problems.bad_threshold(exc.errors) from None
    if not gone:
        raise problems.not_found("threshold setting")
    return Response(status_code=204)
