"""Fetch the thresholds in force in the user's counties and keep them in the store.

The server resolves each county's set (model defaults, the region's built-in values, what an admin
set per province, prefecture or county) and sends every value with its basis and mark; the store
keeps the last set per county (``layers.thresholds``), which holds offline until the next sync.
A server that predates thresholds answers 404: the stored or built-in sets stay in force.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ..layers import thresholds as local
from ..layers.store import transaction
from .api import API, ApiClient


def fetch(api: ApiClient, conn: sqlite3.Connection, counties: Iterable[str]) -> list[str]:
    """Fetch and keep the set of each county; returns the counties whose set was received."""
    received = []
    for county in sorted(set(counties)):
        resp = api.request("GET", f"{API}/thresholds", params={"county": county}, ok=(200, 404))
        if resp.status_code != 200:
            continue
        payload = resp.json()
        if not isinstance(payload, dict) or payload.get("county_code") != county:
            continue
        with transaction(conn):
            local.save(conn, county, payload)
        received.append(county)
    return received
