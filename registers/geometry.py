"""Geometry helpers over shapely, working with shapely 1.8 (Debian's, in QGIS) and 2.x alike.

Everything leaves as 2D ISO WKB in EPSG:4490 lon/lat: a Point for point kinds, a MultiPolygon for
polygon kinds (a Polygon is wrapped). Nothing here knows QGIS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..model import geodesy
from .deps import need


class GeometryProblem(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def _shapely():
    return need("shapely")


def point(x: float, y: float):
    from shapely.geometry import Point

    _shapely()
    return Point(x, y)


def from_wkt(text: str):
    need("shapely")
    from shapely import wkt

    try:
        return wkt.loads(text)
    except Exception:  # noqa: BLE001 - shapely 1.8 raises WKTReadingError, 2.x GEOSException
        raise GeometryProblem(f"无法识别的WKT图形：{text[:40]}", f"unreadable WKT: {text[:40]}") from None


def load(value: Any):
    """A shapely geometry from WKB bytes, hex WKB or a GeoPackage blob; None stays None."""
    if value is None or value == "":
        return None
    need("shapely")
    from shapely import wkb

    if isinstance(value, str):
        return wkb.loads(value, hex=True)
    data = bytes(value)
    if data[:2] == b"GP":  # a GeoPackage blob: skip its header and envelope
        flags = data[3]
        env = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0x07]
        data = data[8 + env :]
    return wkb.loads(data)


def extent(stored: Iterable[Any], minimum: int = 3) -> tuple[float, float, float, float] | None:
    """Lon/lat extent of stored geometries (WKB, hex or GeoPackage blobs); None for fewer than ``minimum``."""
    box: list[float] = []
    n = 0
    for value in stored:
        g = load(value)
        if g is None or g.is_empty:
            continue
        minx, miny, maxx, maxy = g.bounds
        box = [minx, miny, maxx, maxy] if not box else [
            min(box[0], minx), min(box[1], miny), max(box[2], maxx), max(box[3], maxy)]  # fmt: skip
        n += 1
    return (box[0], box[1], box[2], box[3]) if n >= minimum else None


def representative(g) -> tuple[float, float]:
    """A point that stands for the geometry (its bounding-box centre: cheap, good enough to judge a CRS)."""
    minx, miny, maxx, maxy = g.bounds
    return (minx + maxx) / 2.0, (miny + maxy) / 2.0


def transform_all(geoms: Sequence[Any], func: Callable[[list[float], list[float]], tuple[list[float], list[float]]]):
    """Apply a coordinate transformation to every geometry, points in one call; Z is dropped."""
    from shapely.geometry import Point
    from shapely.ops import transform

    idx = [i for i, g in enumerate(geoms) if g is not None and g.geom_type == "Point"]
    out = list(geoms)
    if idx:
        xs, ys = func([geoms[i].x for i in idx], [geoms[i].y for i in idx])
        for i, x, y in zip(idx, xs, ys):
            out[i] = Point(x, y)
    for i, g in enumerate(geoms):
        if g is not None and g.geom_type != "Point":
            out[i] = transform(lambda x, y, z=None: _pair(func(_seq(x), _seq(y))), g)
    return out


def _seq(v) -> list[float]:
    return list(v) if hasattr(v, "__iter__") else [v]


def _pair(xy):
    xs, ys = xy
    return (xs, ys) if len(xs) != 1 else (xs[0], ys[0])


def as_kind(g, geometry_type: str):
    """The geometry as the record kind stores it, or GeometryProblem."""
    from shapely.geometry import MultiPolygon

    gt = g.geom_type
    if geometry_type == "Point":
        if gt == "Point":
            return g
        if gt == "MultiPoint" and len(g.geoms) == 1:
            return g.geoms[0]
        raise GeometryProblem(f"图形应为点，文件中是 {gt}", f"expected a point, got {gt}")
    if geometry_type == "MultiPolygon":
        if gt == "Polygon":
            g = MultiPolygon([g])
        elif gt != "MultiPolygon":
            raise GeometryProblem(f"图形应为面，文件中是 {gt}", f"expected a polygon, got {gt}")
        if not g.is_valid:
            fixed = g.buffer(0)
            if fixed.is_empty or fixed.geom_type not in ("Polygon", "MultiPolygon"):
                raise GeometryProblem("面图形自相交，无法修复", "self-intersecting polygon that cannot be fixed")
            g = fixed if fixed.geom_type == "MultiPolygon" else MultiPolygon([fixed])
        return g
    raise GeometryProblem(f"不支持的图形类型 {geometry_type}", f"unsupported geometry type {geometry_type}")


def wkb(g) -> bytes | None:
    if g is None:
        return None
    from shapely import wkb as shp_wkb

    return shp_wkb.dumps(g)


def equal(a, b, tolerance: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.geom_type == b.geom_type and a.equals_exact(b, tolerance)


def near(stored: Any, g, metres: float) -> bool:
    a = load(stored) if not hasattr(stored, "geom_type") else stored
    if a is None or g is None:
        return False
    return geodesy.distance_m(representative(a), representative(g)) <= metres


def point_of(g) -> tuple[float, float] | None:
    return (g.x, g.y) if g is not None and g.geom_type == "Point" else None


def polygons_of(g) -> list | None:
    """[[outer ring, holes…], …] in lon/lat, as model.rules expects."""
    if g is None or g.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    polys = [g] if g.geom_type == "Polygon" else list(g.geoms)
    return [[[(x, y) for x, y, *_ in p.exterior.coords]] + [[(x, y) for x, y, *_ in r.coords] for r in p.interiors]
            for p in polys]  # fmt: skip
