"""A pull: the records of the user's counties changed since the cursor, oldest first.

The server computes the filter from the user's counties; a page never splits a county's
sequence, and the new cursor holds each county's last sequence returned.
"""

from __future__ import annotations

import sqlalchemy as sa

from .. import db
from ..auth import Principal
from . import cursor as cursors
from . import records


def pull(engine: sa.Engine, principal: Principal, cursor: str | None, limit: int) -> dict:
    """One page of at most `limit` items: {items, cursor, has_more}."""
    positions = cursors.decode(cursor)
    items: list[dict] = []
    has_more = False
    with db.read_tx(engine) as conn:
        for county in sorted(principal.counties):
            room = limit - len(items)
            if room <= 0:
                has_more = True
                break
            recs = records.changed_since(conn, county, positions.get(county, 0), room + 1)
            if len(recs) > room:
                has_more, recs = True, recs[:room]
            items += [r.item() for r in recs]
            if recs:
                positions[county] = recs[-1].rev
    return {"items": items, "cursor": cursors.encode(positions), "has_more": has_more}


def get_record(engine: sa.Engine, principal: Principal, uuid: str) -> dict | None:
    """One record as a pull item; None when missing or of another county."""
    with db.read_tx(engine) as conn:
        rec = records.read_one(conn, uuid)
    if rec is None or not principal.can_see(rec.county_code):
        return None
    return rec.item()
