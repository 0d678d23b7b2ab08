"""GeoPackage geometry blobs, the SQL functions GDAL's R-tree triggers need, and the GDAL-made file skeleton.

Blobs are written exactly as GDAL (3.6) writes them, so that a record rewritten by QGIS/OGR without a
geometry change keeps byte-identical geometry (the change log compares blobs with ``IS NOT``):

* standard GeoPackage binary, little-endian header, ISO WKB (little-endian) body;
* no envelope for points, an XY envelope (minx, maxx, miny, maxy) for every other type;
* empty geometries carry the "empty" flag and no envelope.

Plain ``sqlite3`` connections (and sqlite-utils) must call :func:`register_functions` before writing a
spatial table: GDAL's R-tree triggers call ``ST_IsEmpty``, ``ST_MinX``, ``ST_MaxX``, ``ST_MinY`` and
``ST_MaxY``.  No QGIS import here.
"""

from __future__ import annotations

import math
import sqlite3
import struct
from collections.abc import Sequence
from functools import lru_cache

SRS_ID = 4490  # CGCS2000 geographic

_MAGIC = b"GP"
_ENVELOPE_SIZES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_TYPE_NAMES = {
    1: "POINT",
    2: "LINESTRING",
    3: "POLYGON",
    4: "MULTIPOINT",
    5: "MULTILINESTRING",
    6: "MULTIPOLYGON",
    7: "GEOMETRYCOLLECTION",
}

Envelope = tuple[float, float, float, float]  # minx, maxx, miny, maxy


class GeometryError(ValueError):
    """A blob or WKB that cannot be read."""


# --- WKB reading -----------------------------------------------------------------------------------


def _wkb_type(wkb: bytes | memoryview, offset: int = 0) -> tuple[str, int, int]:
    """Byte-order prefix, base type (1..7) and coordinate dimension of the WKB geometry at ``offset``."""
    if len(wkb) < offset + 5:
        raise GeometryError("truncated WKB")
    order = wkb[offset]
    if order not in (0, 1):
        raise GeometryError("bad WKB byte order")
    bo = "<" if order == 1 else ">"
    (code,) = struct.unpack_from(bo + "I", wkb, offset + 1)
    dims = 2
    if code & 0x80000000 or code & 0x40000000:  # EWKB Z / M flags
        dims += bool(code & 0x80000000) + bool(code & 0x40000000)
        code &= 0x0FFFFFFF
        code &= ~0x20000000  # EWKB SRID flag (not expected in GeoPackage)
    base = code % 1000
    iso = code // 1000
    if iso:
        dims = {1: 3, 2: 3, 3: 4}.get(iso, 0)
        if not dims:
            raise GeometryError(f"unsupported WKB type {code}")
    if base not in _TYPE_NAMES:
        raise GeometryError(f"unsupported WKB type {code}")
    return bo, base, dims


def _walk(wkb: bytes | memoryview, offset: int, acc: list[float]) -> int:
    """Accumulate the XY envelope of the geometry at ``offset`` into ``acc``; return the end offset."""
    bo, base, dims = _wkb_type(wkb, offset)
    offset += 5
    if base == 1:
        x, y = struct.unpack_from(bo + "2d", wkb, offset)
        if not (math.isnan(x) and math.isnan(y)):
            _grow(acc, (x,), (y,))
        return offset + 8 * dims
    if base == 2:
        return _points(wkb, offset, bo, dims, acc)
    if base == 3:
        (rings,) = struct.unpack_from(bo + "I", wkb, offset)
        offset += 4
        for _ in range(rings):
            offset = _points(wkb, offset, bo, dims, acc)
        return offset
    (parts,) = struct.unpack_from(bo + "I", wkb, offset)
    offset += 4
    for _ in range(parts):
        offset = _walk(wkb, offset, acc)
    return offset


def _points(wkb: bytes | memoryview, offset: int, bo: str, dims: int, acc: list[float]) -> int:
    (n,) = struct.unpack_from(bo + "I", wkb, offset)
    offset += 4
    if n:
        coords = struct.unpack_from(f"{bo}{n * dims}d", wkb, offset)
        _grow(acc, coords[0::dims], coords[1::dims])
    return offset + 8 * dims * n


def _grow(acc: list[float], xs: Sequence[float], ys: Sequence[float]) -> None:
    if acc:
        acc[0] = min(acc[0], min(xs))
        acc[1] = max(acc[1], max(xs))
        acc[2] = min(acc[2], min(ys))
        acc[3] = max(acc[3], max(ys))
    else:
        acc.extend((min(xs), max(xs), min(ys), max(ys)))


def wkb_envelope(wkb: bytes | memoryview) -> Envelope | None:
    """XY envelope of a WKB geometry, None when it is empty."""
    acc: list[float] = []
    try:
        _walk(wkb, 0, acc)
    except struct.error as exc:
        raise GeometryError(f"truncated WKB: {exc}") from exc
    return (acc[0], acc[1], acc[2], acc[3]) if acc else None


def _normalise_wkb(wkb: bytes) -> bytes:
    """Little-endian ISO WKB, as GDAL writes it into a GeoPackage."""
    bo, _base, _dims = _wkb_type(wkb)
    (code,) = struct.unpack_from(bo + "I", wkb, 1)
    if bo == "<" and code < 0x20000000:
        return wkb
    from osgeo import ogr  # rare path: big-endian or EWKB input

    geom = ogr.CreateGeometryFromWkb(wkb)
    if geom is None:
        raise GeometryError("unreadable WKB")
    return bytes(geom.ExportToIsoWkb(ogr.wkbNDR))


# --- GeoPackage blobs ------------------------------------------------------------------------------


def encode(wkb: bytes | None, srs_id: int = SRS_ID) -> bytes | None:
    """GeoPackage geometry blob from ISO WKB (None stays None)."""
    if wkb is None:
        return None
    wkb = _normalise_wkb(bytes(wkb))
    _bo, base, _dims = _wkb_type(wkb)
    env = wkb_envelope(wkb)
    if env is None:
        return _MAGIC + struct.pack("<BBi", 0, 0x11, srs_id) + wkb
    if base == 1:
        return _MAGIC + struct.pack("<BBi", 0, 0x01, srs_id) + wkb
    return _MAGIC + struct.pack("<BBi4d", 0, 0x03, srs_id, *env) + wkb


def _header(blob: bytes) -> tuple[int, int, int]:
    """Flags, srs id and the offset of the WKB body of a GeoPackage blob."""
    if len(blob) < 8 or blob[:2] != _MAGIC:
        raise GeometryError("not a GeoPackage geometry blob")
    flags = blob[3]
    env_type = (flags >> 1) & 0x07
    if env_type not in _ENVELOPE_SIZES:
        raise GeometryError(f"bad envelope type {env_type}")
    srs_id = struct.unpack_from("<i" if flags & 1 else ">i", blob, 4)[0]
    return flags, srs_id, 8 + _ENVELOPE_SIZES[env_type]


def decode(blob: bytes | None) -> bytes | None:
    """ISO WKB of a GeoPackage geometry blob (None stays None)."""
    if blob is None:
        return None
    _flags, _srs, start = _header(blob)
    return bytes(blob[start:])


def srs_id(blob: bytes) -> int:
    return _header(blob)[1]


def envelope(blob: bytes) -> Envelope | None:
    """XY envelope from the blob header, or computed from the WKB when the header has none."""
    flags, _srs, start = _header(blob)
    if flags & 0x10:
        return None
    if (flags >> 1) & 0x07:
        return struct.unpack_from("<4d" if flags & 1 else ">4d", blob, 8)
    return wkb_envelope(memoryview(blob)[start:])


def is_empty(blob: bytes) -> bool:
    flags, _srs, start = _header(blob)
    if flags & 0x10:
        return True
    if (flags >> 1) & 0x07:
        return False
    return wkb_envelope(memoryview(blob)[start:]) is None


def geometry_type(blob: bytes) -> str:
    _flags, _srs, start = _header(blob)
    return _TYPE_NAMES[_wkb_type(blob, start)[1]]


# --- SQL functions ---------------------------------------------------------------------------------


def _guard(func):
    def sql_func(blob):
        if blob is None:
            return None
        try:
            return func(bytes(blob))
        except (GeometryError, struct.error):
            return None

    return sql_func


# GDAL's R-tree triggers call ST_MinX, ST_MaxX, ST_MinY and ST_MaxY on the same blob in a row.
_envelope_cached = lru_cache(maxsize=8)(envelope)


def _coord(index: int):
    def value(blob: bytes) -> float | None:
        env = _envelope_cached(blob)
        return None if env is None else env[index]

    return value


def _is_empty_sql(blob: bytes) -> int:
    return int(is_empty(blob))


def _is_assignable(expected: str | None, actual: str | None) -> int:
    if expected is None or actual is None:
        return 0
    expected, actual = expected.upper(), actual.upper()
    if expected in ("GEOMETRY", actual):
        return 1
    return (
        int(expected == "MULTIPOINT" and actual == "POINT")
        or int(expected == "MULTIPOLYGON" and actual == "POLYGON")
        or int(expected == "MULTILINESTRING" and actual == "LINESTRING")
    )


SQL_FUNCTIONS = {
    "ST_MinX": _guard(_coord(0)),
    "ST_MaxX": _guard(_coord(1)),
    "ST_MinY": _guard(_coord(2)),
    "ST_MaxY": _guard(_coord(3)),
    "ST_IsEmpty": _guard(_is_empty_sql),
    "ST_GeometryType": _guard(geometry_type),
    "ST_SRID": _guard(srs_id),
}


def register_functions(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Register the GeoPackage SQL functions GDAL's triggers use on a plain sqlite3 connection."""
    for name, func in SQL_FUNCTIONS.items():
        conn.create_function(name, 1, func, deterministic=True)
    conn.create_function("GPKG_IsAssignable", 2, _is_assignable, deterministic=True)
    return conn


# --- File skeleton made by GDAL --------------------------------------------------------------------

OGR_GEOMETRY_TYPES = {"Point": "wkbPoint", "MultiPolygon": "wkbMultiPolygon", None: "wkbNone"}


def create_skeleton(path: str, layers: Sequence[tuple[str, str | None, str]]) -> None:
    """Create a GeoPackage 1.2 with GDAL holding one empty layer per ``(name, geometry, description)``.

    Each layer gets only ``fid`` and ``geom`` (R-tree index, triggers and registrations exactly as GDAL
    makes them); the caller replaces the table definition with its own columns.
    """
    from osgeo import ogr, osr

    ogr.UseExceptions()
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(SRS_ID)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path, options=["VERSION=1.2"])
    if ds is None:
        raise OSError(f"GDAL could not create {path}")
    try:
        for name, geometry, description in layers:
            gtype = getattr(ogr, OGR_GEOMETRY_TYPES[geometry])
            options = ["FID=fid", f"DESCRIPTION={description}", f"IDENTIFIER={name}"]
            if geometry:
                options += ["GEOMETRY_NAME=geom", "SPATIAL_INDEX=YES"]
            ds.CreateLayer(name, srs if geometry else None, gtype, options=options)
    finally:
        ds = None  # noqa: F841 - closing the dataset writes the deferred R-trees
