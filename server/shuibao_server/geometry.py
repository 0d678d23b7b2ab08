"""Defensive parsing, validation, normalisation and hashing of record geometries.

A geometry travels as hex-encoded ISO WKB (EWKB with SRID 4490 is accepted too) in
EPSG:4490 lon/lat. It is compared by the SHA-256 of its normalised WKB, so a ring that
starts at another vertex or runs the other way is the same geometry.
"""

from __future__ import annotations

import binascii
import hashlib
import math
from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry
from shuibao.model.geodesy import CHINA_EXTENT, in_china

SRID = 4490

# Which geometry types a model kind accepts, and what they are stored as.
ACCEPTED = {
    "Point": {"Point": "Point"},
    "MultiPolygon": {"Polygon": "MultiPolygon", "MultiPolygon": "MultiPolygon"},
    "LineString": {"LineString": "LineString"},
}


@dataclass(frozen=True)
class GeomProblem(Exception):
    code: str
    zh: str
    en: str

    def as_dict(self) -> dict:
        return {"field": "geom", "code": self.code, "zh": self.zh, "en": self.en}


def _fail(code: str, zh: str, en: str) -> GeomProblem:
    return GeomProblem(code, zh, en)


def max_hex_chars(max_vertices: int) -> int:
    """The longest hex WKB a geometry of `max_vertices` vertices can take (with Z and M)."""
    return max_vertices * 40 + 200


def parse(hex_wkb: object, expected: str | None, max_vertices: int) -> BaseGeometry:
    """A valid shapely geometry of the kind's type, or GeomProblem."""
    if expected is None:
        raise _fail("geometry_not_allowed", "此类记录没有几何", "this record kind has no geometry")
    if not isinstance(hex_wkb, str) or not hex_wkb:
        raise _fail("geometry_type", "几何应为十六进制WKB字符串", "geometry must be a hex-encoded WKB string")
    if len(hex_wkb) > max_hex_chars(max_vertices):
        raise _fail("geometry_too_large", "几何顶点过多", "geometry has too many vertices")
    try:
        raw = binascii.unhexlify(hex_wkb)
    except (binascii.Error, ValueError):
        raise _fail("geometry_wkb", "几何不是有效的十六进制WKB", "geometry is not valid hex WKB") from None
    try:
        geom = shapely.from_wkb(raw, on_invalid="raise")
    except Exception:  # shapely raises GEOSException or ValueError on malformed input
        raise _fail("geometry_wkb", "无法解析几何WKB", "could not parse the WKB geometry") from None
    if geom is None or geom.is_empty:
        raise _fail("geometry_empty", "几何为空", "geometry is empty")
    srid = shapely.get_srid(geom)
    if srid not in (0, SRID):
        raise _fail("geometry_srid", f"坐标系应为EPSG:{SRID}", f"geometry must be in EPSG:{SRID}, got {srid}")
    allowed = ACCEPTED.get(expected, {expected: expected})
    if geom.geom_type not in allowed:
        raise _fail(
            "geometry_kind", f"几何类型应为{expected}", f"geometry must be a {expected}, got {geom.geom_type}"
        )  # fmt: skip
    if shapely.get_num_coordinates(geom) > max_vertices:
        raise _fail("geometry_too_large", "几何顶点过多", f"geometry has more than {max_vertices} vertices")
    geom = shapely.force_2d(geom)
    coords = shapely.get_coordinates(geom)
    for x, y in coords:
        if not (math.isfinite(x) and math.isfinite(y)):
            raise _fail("geometry_nan", "坐标含有NaN或无穷大", "coordinates contain NaN or infinity")
        if not in_china(x, y):
            raise _fail(
                "geometry_extent", "坐标超出中国范围（应为EPSG:4490经纬度）",
                f"coordinates ({x:.6f}, {y:.6f}) are outside China {CHINA_EXTENT} (EPSG:4490 lon/lat expected)",
            )  # fmt: skip
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise _fail("geometry_invalid", f"几何无效：{reason}", f"invalid geometry: {reason}")
    if allowed[geom.geom_type] == "MultiPolygon" and geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    return geom


def to_wkb(geom: BaseGeometry) -> bytes:
    return shapely.to_wkb(geom, flavor="iso", byte_order=1)


def to_hex(wkb: bytes | None) -> str | None:
    return None if wkb is None else binascii.hexlify(bytes(wkb)).decode()


def geom_hash(wkb: bytes | None) -> str | None:
    """SHA-256 of the normalised, 2-D, little-endian ISO WKB; None for no geometry."""
    if wkb is None:
        return None
    geom = shapely.force_2d(shapely.from_wkb(bytes(wkb)))
    if geom.geom_type == "Polygon":  # stored as MultiPolygon: a one-part polygon is the same geometry
        geom = shapely.MultiPolygon([geom])
    norm = shapely.normalize(geom)
    return hashlib.sha256(shapely.to_wkb(norm, flavor="iso", byte_order=1, include_srid=False)).hexdigest()


def polygons(geom: BaseGeometry) -> list:
    """[[outer, hole…], …] lon/lat rings for the model's area derivations."""
    polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    return [[list(p.exterior.coords), *(list(r.coords) for r in p.interiors)] for p in polys]


def point(geom: BaseGeometry | None) -> tuple[float, float] | None:
    if geom is None or geom.geom_type != "Point":
        return None
    return (geom.x, geom.y)
