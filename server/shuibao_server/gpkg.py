"""Import a GeoPackage of records for one county (tables named like the model's record kinds)."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

import sqlalchemy as sa
from shuibao.model import RECORD_KINDS

from . import geometry as g
from .loader import apply_changes, system_principal

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


class GpkgError(ValueError):
    pass


def gpkg_to_wkb(blob: bytes | None) -> tuple[bytes | None, int | None]:
    """(ISO WKB, srs_id) from a GeoPackage geometry blob: 'GP', version, flags, srs_id, envelope, WKB."""
    if blob is None:
        return None, None
    blob = bytes(blob)
    if len(blob) < 8 or blob[:2] != b"GP":
        raise GpkgError("not a GeoPackage geometry (magic 'GP' missing)")
    flags = blob[3]
    if flags & 0x20:
        raise GpkgError("extended GeoPackage geometries are not supported")
    little = flags & 0x01
    envelope = (flags >> 1) & 0x07
    if envelope not in _ENVELOPE_BYTES:
        raise GpkgError(f"bad envelope indicator {envelope}")
    (srs_id,) = struct.unpack("<i" if little else ">i", blob[4:8])
    if flags & 0x10:  # empty geometry
        return None, srs_id
    return blob[8 + _ENVELOPE_BYTES[envelope] :], srs_id


def read_gpkg(path: Path, county: str) -> list[dict]:
    """Insert changes for every row of every table named like a record kind."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        tables = [r[0] for r in conn.execute("SELECT table_name FROM gpkg_contents")]
        geom_cols = {
            r[0]: r[1] for r in conn.execute("SELECT table_name, column_name FROM gpkg_geometry_columns")
        }
        changes = []
        order = list(RECORD_KINDS)  # parents before children
        for table in sorted((x for x in tables if x in RECORD_KINDS), key=order.index):
            kind = RECORD_KINDS[table]
            known = set(kind.field_names())
            # the table name is checked against the model's kinds above: no user text reaches the SQL
            for row in conn.execute(f'SELECT * FROM "{table}"'):  # noqa: S608
                values = {k: row[k] for k in row.keys() if k in known and row[k] is not None}
                values["county_code"] = county
                uuid = values.pop("uuid", None)
                if not uuid:
                    continue
                gcol = geom_cols.get(table)
                if gcol and row[gcol] is not None:
                    wkb, srs = gpkg_to_wkb(row[gcol])
                    if srs not in (None, 0, g.SRID, -1):
                        raise GpkgError(f"{table}: geometries must be in EPSG:{g.SRID}, got {srs}")
                    if wkb is not None:
                        values["geom"] = g.to_hex(wkb)
                changes.append({"kind": table, "uuid": uuid, "op": "insert", "base_rev": 0,
                                "fields": {k: {"old": None, "new": v} for k, v in values.items()}})  # fmt: skip
        return changes
    finally:
        conn.close()


def import_gpkg(engine: sa.Engine, path: Path, county: str, username: str = "import") -> dict:
    changes = read_gpkg(path, county)
    return apply_changes(engine, system_principal(username, [county]), changes)
