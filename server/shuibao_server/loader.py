"""Server-side bulk loading (seed-demo, GeoPackage import) through the same rules as a push."""

from __future__ import annotations

import sqlalchemy as sa

from . import db
from .auth import Principal
from .sync.applier import Applier
from .sync.outcomes import RetryLater, result


def system_principal(username: str, counties: list[str]) -> Principal:
    return Principal(0, username, "admin", tuple(counties), None, "server", 0)  # type: ignore[arg-type]


def apply_changes(engine: sa.Engine, principal: Principal, changes: list[dict], batch: int = 500) -> dict:
    """Apply insert/update changes without mutation ids. Returns counts per status and the rejects."""
    counts: dict[str, int] = {}
    rejects: list[dict] = []
    for i in range(0, len(changes), batch):
        for res in _apply_chunk(engine, principal, changes[i : i + batch]):
            counts[res["status"]] = counts.get(res["status"], 0) + 1
            if res["status"] in ("rejected", "retry"):
                rejects.append(res)
    return {"counts": counts, "rejects": rejects}


def _apply_chunk(engine: sa.Engine, principal: Principal, chunk: list[dict]) -> list[dict]:
    with db.write_tx(engine) as conn:
        ap = Applier(conn, principal, 1_000_000)
        ap.preload(chunk)
        ap.lock_counties(ap.counties_of(chunk))
        out = []
        for c in chunk:
            try:
                out.append(ap.apply(c, None))
            except RetryLater as e:
                out.append(result(c, None, "retry", errors=e.errors))
        ap.flush()
    return out
