"""Server-side bulk loading (seed-demo, GeoPackage import) through the same rules as a push."""

from __future__ import annotations

import sqlalchemy as sa

from . import db
from .auth import Principal
from .sync import Applier, RetryLater


def system_principal(username: str, counties: list[str]) -> Principal:
    return Principal(0, username, "admin", tuple(counties), None, "server", 0)  # type: ignore[arg-type]


def apply_changes(engine: sa.Engine, principal: Principal, changes: list[dict], batch: int = 500) -> dict:
    """Apply insert/update changes without mutation ids. Returns counts per status and the rejects."""
    counts: dict[str, int] = {}
    rejects: list[dict] = []
    for i in range(0, len(changes), batch):
        chunk = changes[i : i + batch]
        with db.write_tx(engine) as conn:
            ap = Applier(conn, principal, 1_000_000)
            ap.preload(chunk)
            ap.lock_counties(ap.counties_of(chunk))
            for c in chunk:
                try:
                    res = ap.apply(c, None)
                except RetryLater as e:
                    res = {"status": "retry", "errors": e.errors, "uuid": c.get("uuid")}
                counts[res["status"]] = counts.get(res["status"], 0) + 1
                if res["status"] in ("rejected", "retry"):
                    rejects.append(res)
            ap.flush()
    return {"counts": counts, "rejects": rejects}
