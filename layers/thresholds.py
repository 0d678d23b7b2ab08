"""The thresholds in force in each county of a store, as the server last delivered them.

The sync fetches the set of every county it syncs (``sync.thresholds``) and keeps it here, in
``sbs_thresholds`` (one row per county: the server's payload as JSON and when it came), so that in
the field, offline, the last delivered set holds. A county never delivered gets the model's built-in
regional set (``model.regions``): a Jiangxi store made before its first sync still has Jiangxi's
flood season. This module owns the table; the docks, forms, actions and reports ask :func:`of`.

Plain Python and sqlite3, no QGIS.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import OBJECT_KINDS, regions
from ..model.schema import Thresholds
from .store import utc_now

DDL = (
    "CREATE TABLE IF NOT EXISTS sbs_thresholds ("
    " county_code TEXT PRIMARY KEY NOT NULL, payload TEXT NOT NULL, received_at TEXT NOT NULL)"
)
BUSY_TIMEOUT_S = 5.0

_known: dict[str, Thresholds] = {}  # county -> the set last read from a store in this session


@dataclass(frozen=True)
class Delivered:
    """A county's set in a store; ``received_at`` None when the server never delivered one."""

    county: str
    thresholds: Thresholds
    received_at: str | None


def save(conn: sqlite3.Connection, county: str, payload: Mapping[str, Any]) -> None:
    """Keep the set the server sent for ``county`` (in the caller's transaction)."""
    conn.execute(DDL)
    conn.execute(
        "INSERT OR REPLACE INTO sbs_thresholds (county_code, payload, received_at) VALUES (?, ?, ?)",
        (county, json.dumps(dict(payload), ensure_ascii=False), utc_now()),
    )
    _known[county] = regions.from_payload(payload)


def _connect(path: str | Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def counties(conn: sqlite3.Connection, kinds: tuple[str, ...] | None = None) -> list[str]:
    """The counties a store holds objects of (of ``kinds``, default every object kind), and those it
    has a delivered set for."""
    tables = _tables(conn)
    found: set[str] = set()
    for kind in kinds or tuple(k[0] for k in OBJECT_KINDS.values()):
        if kind in tables:
            sql = f'SELECT DISTINCT county_code FROM "{kind}" WHERE county_code IS NOT NULL'  # noqa: S608 - model name
            found.update(r[0] for r in conn.execute(sql))
    if "sbs_thresholds" in tables:
        found.update(r[0] for r in conn.execute("SELECT county_code FROM sbs_thresholds"))
    return sorted(c for c in found if isinstance(c, str) and regions.SCOPE_RE.match(c))


def read(path: str | Path, kinds: tuple[str, ...] | None = None) -> list[Delivered]:
    """The set of every county of the store (with objects of ``kinds``, default any): delivered, or
    built in when never delivered (or unreadable)."""
    with closing(_connect(path)) as conn:
        rows: dict[str, tuple[str, str]] = {}
        if "sbs_thresholds" in _tables(conn):
            sql = "SELECT county_code, payload, received_at FROM sbs_thresholds"
            rows = {c: (p, at) for c, p, at in conn.execute(sql)}
        out = []
        for county in counties(conn, kinds):
            payload, received_at = rows.get(county, (None, None))
            t = _parse(county, payload) if payload is not None else None
            if t is None:
                out.append(Delivered(county, regions.resolve(county), None))
            else:
                out.append(Delivered(county, t, received_at))
    for d in out:
        _known[d.county] = d.thresholds
    return out


def _parse(county: str, text: str) -> Thresholds | None:
    try:
        payload = json.loads(text)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    t = regions.from_payload(payload)
    t.county = county
    return t


def of(county: str | None, path: str | Path | None = None) -> Thresholds:
    """The set in force in ``county``: from the store at ``path`` when given, else the one last read
    in this session, else the built-in regional set (the model defaults for an unknown county)."""
    if path is not None:
        try:
            read(path)
        except sqlite3.Error:
            pass  # an unreadable store: the session's or the built-in set
    if county and county in _known:
        return _known[county]
    return regions.resolve(county or "")


def by_county(path: str | Path, kinds: tuple[str, ...] | None = None) -> dict[str, Thresholds]:
    """The set of every county of the store at ``path`` (with objects of ``kinds``, default any)."""
    return {d.county: d.thresholds for d in read(path, kinds)}
