"""Thresholds per province, prefecture and county: the server's settings over the model's regional sets.

The model holds the defaults and the built-in regional sets (``shuibao.model.regions``); this module
keeps what a site sets on top of them (table ``thresholds``, one row per scope and name, each with
its basis and mark), resolves the set in force in a county for the push checks, and gives the
plugin that set with the origin of every value. An admin sets values through the API or the CLI.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from shuibao.model import regions
from shuibao.model.schema import Thresholds

from . import db
from . import tables as t


class BadSetting(ValueError):
    """A setting the model refuses; ``errors`` are (field, zh, en)."""

    def __init__(self, errors: list[tuple[str, str, str]]):
        super().__init__("; ".join(f"{f}: {en} ({zh})" for f, zh, en in errors))
        self.errors = errors


def _stored(row: Any) -> regions.StoredSetting:
    return regions.StoredSetting(
        row.scope, row.name, row.value, row.basis, row.mark, row.scope_name, row.set_by, db.iso(row.set_at)
    )


def stored(conn: sa.Connection, scopes: list[str] | None = None) -> list[regions.StoredSetting]:
    """The settings of the given scopes (all when None), by scope and name."""
    q = sa.select(t.thresholds).order_by(t.thresholds.c.scope, t.thresholds.c.name)
    if scopes is not None:
        q = q.where(t.thresholds.c.scope.in_(scopes))
    return [_stored(r) for r in conn.execute(q)]


def effective(conn: sa.Connection, county: str) -> Thresholds:
    """The thresholds in force in ``county``."""
    return regions.resolve(county, stored(conn, regions.scopes_of(county)))


class Cache:
    """The thresholds of each county a push writes to, read once per transaction."""

    def __init__(self, conn: sa.Connection):
        self.conn = conn
        self._sets: dict[str, Thresholds] = {}

    def of(self, county: str) -> Thresholds:
        if county not in self._sets:
            self._sets[county] = effective(self.conn, county)
        return self._sets[county]


def as_dict(s: regions.StoredSetting) -> dict[str, Any]:
    return {
        "scope": s.scope,
        "scope_name": regions.scope_label(s.scope, {s.scope: s.scope_name or ""}),
        "name": s.name,
        "value": s.value,
        "basis": s.basis,
        "mark": s.mark,
        "set_by": s.by,
        "set_at": s.at,
    }


def known_counties(conn: sa.Connection) -> set[str]:
    """Every county the server holds data or users for."""
    counties = set(conn.execute(sa.select(t.county_seq.c.county_code)).scalars())
    for row in conn.execute(sa.select(t.users.c.counties)).scalars():
        counties.update(row or ())
    return counties


def may_set(role: str, counties: tuple[str, ...] | list[str], scope: str, known: set[str]) -> bool:
    """An admin sets a county of theirs, or a province or prefecture every known county of which is theirs
    (a county admin cannot move the flood season of the neighbours)."""
    if role != "admin" or not regions.SCOPE_RE.match(scope):
        return False
    if regions.scope_level(scope) == "county":
        return scope in counties
    prefix = regions.scope_prefix(scope)
    inside = {c for c in known | set(counties) if c.startswith(prefix)}
    return bool(inside) and inside <= set(counties)


def put(
    engine: sa.Engine, scope: str, name: str, value: Any, basis: Any, mark: Any, by: str, scope_name: str | None = None
) -> dict[str, Any]:
    """Set one value (insert or replace); raises BadSetting when the value or the set it makes is wrong."""
    errors = regions.check_setting(scope, name, value, basis, mark)
    if scope_name is not None and len(scope_name) > 64:
        errors.append(("scope_name", "区划名称最多64个字符", "the scope name has at most 64 characters"))
    if errors:
        raise BadSetting(errors)
    row = {"value": float(value), "basis": basis.strip(), "mark": mark, "set_by": by, "set_at": db.utcnow()}
    if scope_name:
        row["scope_name"] = scope_name
    with db.write_tx(engine) as conn:
        key = (t.thresholds.c.scope == scope) & (t.thresholds.c.name == name)
        if conn.execute(sa.select(t.thresholds.c.scope).where(key)).first() is None:
            conn.execute(t.thresholds.insert().values(scope=scope, name=name, **row))
        else:
            conn.execute(t.thresholds.update().where(key).values(**row))
        _check_sets(conn, scope)
        out = stored(conn, [scope])
    return as_dict(next(s for s in out if s.name == name))


def _check_sets(conn: sa.Connection, scope: str) -> None:
    """Every set the change reaches still hangs together (the scope's own and those of stored scopes
    under it); raising rolls the change back."""
    settings = stored(conn)
    prefix = regions.scope_prefix(scope)
    below = {s.scope for s in settings if s.scope.startswith(prefix) and s.scope != scope}
    for each in (scope, *sorted(below)):
        problems = regions.check_set(regions.resolve(each, settings))
        if problems:
            raise BadSetting(problems)


def delete(engine: sa.Engine, scope: str, name: str) -> bool:
    """Remove a setting (the built-in or more general value holds again); False when there was none."""
    with db.write_tx(engine) as conn:
        key = (t.thresholds.c.scope == scope) & (t.thresholds.c.name == name)
        gone = conn.execute(t.thresholds.delete().where(key)).rowcount > 0
        if gone:
            _check_sets(conn, scope)
    return gone


def listing(engine: sa.Engine, scope: str | None = None) -> list[dict[str, Any]]:
    with db.read_tx(engine) as conn:
        return [as_dict(s) for s in stored(conn, [scope] if scope else None)]


def payload(engine: sa.Engine, county: str) -> dict[str, Any]:
    """The set in force in ``county`` as the plugin receives it (every value with its origin)."""
    with db.read_tx(engine) as conn:
        return regions.to_payload(effective(conn, county))
