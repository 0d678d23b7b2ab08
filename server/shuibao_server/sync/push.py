"""A push: judge a batch of a device's mutations and commit them in one transaction.

Already-seen mutation ids return their stored result; a gap is refused before anything is
applied; a change that needs a missing photo blob stops the batch there (`retry`), and the
changes after it are `not_processed`. A lost race (a concurrent insert of the same uuid, a
deadlock, a serialisation failure) retries the whole transaction, of which nothing committed.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from .. import db, faults, problems
from ..auth import Principal
from . import conflicts, mutations
from .applier import Applier
from .outcomes import RetryLater, result

log = logging.getLogger(__name__)
ATTEMPTS = 6


def push(engine: sa.Engine, principal: Principal, changes: list[dict], max_vertices: int = 100_000) -> dict:
    """Apply a batch (mutation ids consecutive) and answer {last_mutation_id, results}."""
    ids = [c["mutation_id"] for c in changes]
    if any(b != a + 1 for a, b in zip(ids, ids[1:])):
        raise problems.mutation_order()
    faults.point("push.received")
    for attempt in range(ATTEMPTS):
        try:
            answer = _push_once(engine, principal, changes, max_vertices)
            faults.point("push.committed")
            return answer
        except (IntegrityError, DBAPIError) as exc:
            if not isinstance(exc, IntegrityError) and not _retryable(exc):
                raise
            log.warning("push retry %d after %s", attempt + 1, type(exc.orig).__name__ if exc.orig else exc)
    return _push_once(engine, principal, changes, max_vertices)


def _retryable(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    return code in ("40001", "40P01", "55P03") or "database is locked" in str(exc.orig)


def _push_once(engine: sa.Engine, principal: Principal, changes: list[dict], max_vertices: int) -> dict:
    with db.write_tx(engine) as conn:
        last = mutations.last_id(conn, principal.device_pk, lock=True)
        fresh = [c for c in changes if c["mutation_id"] > last]
        if fresh and fresh[0]["mutation_id"] != last + 1:
            raise problems.mutation_gap(last, fresh[0]["mutation_id"])
        faults.point("push.checked")
        results = _replayed(conn, principal, [c["mutation_id"] for c in changes if c["mutation_id"] <= last])
        applier = Applier(conn, principal, max_vertices)
        judged, stopped = _apply_fresh(applier, fresh)
        faults.point("push.applied")
        mutations.save(conn, principal.device_pk, judged, applier.now)
        faults.point("push.recorded")
        results += judged
        if judged:
            last = judged[-1]["mutation_id"]
        if stopped is not None:
            results += _stopped_here(changes, stopped)
    return {"last_mutation_id": last, "results": results}


def _replayed(conn: sa.Connection, principal: Principal, ids: list[int]) -> list[dict]:
    stored = mutations.stored_results(conn, principal.device_pk, ids)
    unknown = {"status": "unknown", "errors": []}
    return [{**(stored.get(mid) or {"mutation_id": mid, **unknown}), "replayed": True} for mid in ids]


def _apply_fresh(applier: Applier, fresh: list[dict]) -> tuple[list[dict], dict | None]:
    """Judge the new mutations in order; stop at the first that must be retried later."""
    applier.preload(fresh)
    applier.lock_counties(applier.counties_of(fresh))
    judged, stopped = [], None
    for c in fresh:
        try:
            judged.append(applier.apply(c, c["mutation_id"]))
        except RetryLater as e:
            stopped = result(c, c["mutation_id"], "retry", errors=e.errors)
            break
    applier.flush()
    for res in judged:  # conflict rows have their ids now
        res["conflicts"] = [conflicts.view(r) for r in res["conflicts"]]
    return judged, stopped


def _stopped_here(changes: list[dict], stopped: dict) -> list[dict]:
    """The retry result, then `not_processed` for every change after it."""
    idx = next(i for i, c in enumerate(changes) if c["mutation_id"] == stopped["mutation_id"])
    return [stopped, *(result(c, c["mutation_id"], "not_processed") for c in changes[idx + 1 :])]
