"""CGCS2000 Gauss-Kruger projection and planar measures, in plain Python.

Both the plugin and the server compute areas with this module, so a patch has the same
area on every side. Forward transverse Mercator by Krüger's series to 6th order in n
(Karney 2011), accurate to well under a millimetre inside a 3-degree zone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

# CGCS2000 ellipsoid
A = 6378137.0
F = 1 / 298.257222101
K0 = 1.0
FALSE_EASTING = 500000.0

# Plausible extent of China in EPSG:4490 (lon/lat), used to refuse stray coordinates.
CHINA_EXTENT = (73.0, 3.0, 136.0, 54.0)

_N = F / (2 - F)
_A_RECT = A / (1 + _N) * (1 + _N**2 / 4 + _N**4 / 64 + _N**6 / 256)
_ALPHA = (
    _N / 2 - 2 * _N**2 / 3 + 5 * _N**3 / 16 + 41 * _N**4 / 180 - 127 * _N**5 / 288 + 7891 * _N**6 / 37800,
    13 * _N**2 / 48 - 3 * _N**3 / 5 + 557 * _N**4 / 1440 + 281 * _N**5 / 630 - 1983433 * _N**6 / 1935360,
    61 * _N**3 / 240 - 103 * _N**4 / 140 + 15061 * _N**5 / 26880 + 167603 * _N**6 / 181440,
    49561 * _N**4 / 161280 - 179 * _N**5 / 168 + 6601661 * _N**6 / 7257600,
    34729 * _N**5 / 80640 - 3418889 * _N**6 / 1995840,
    212378941 * _N**6 / 319334400,
)
_E = math.sqrt(F * (2 - F))


def gk_zone(lon: float) -> int:
    """The 3-degree Gauss-Kruger zone number of a longitude (zone 38 has CM 114°E)."""
    return int(math.floor(lon / 3.0 + 0.5))


def gk_central_meridian(zone: int) -> float:
    return zone * 3.0


def gk_epsg(lon: float, with_zone_prefix: bool = False) -> int:
    """EPSG code of the CGCS2000 3-degree GK zone for a longitude.

    4534–4554 have no zone prefix in the easting (CM 75°E … 135°E); 4513–4533 have it.
    """
    zone = gk_zone(lon)
    if not 25 <= zone <= 45:
        raise ValueError(f"longitude {lon} is outside China's GK zones 25–45")
    return (4513 if with_zone_prefix else 4534) + zone - 25


def gk_forward(lon: float, lat: float, central_meridian: float) -> tuple[float, float]:
    """Project a CGCS2000 lon/lat (degrees) to GK easting/northing (m), no zone prefix."""
    phi = math.radians(lat)
    lam = math.radians(lon - central_meridian)
    tau = math.tan(phi)
    sigma = math.sinh(_E * math.atanh(_E * tau / math.sqrt(1 + tau * tau)))
    tau_p = tau * math.sqrt(1 + sigma * sigma) - sigma * math.sqrt(1 + tau * tau)
    xi_p = math.atan2(tau_p, math.cos(lam))
    eta_p = math.asinh(math.sin(lam) / math.sqrt(tau_p * tau_p + math.cos(lam) ** 2))
    xi, eta = xi_p, eta_p
    for j, a in enumerate(_ALPHA, start=1):
        xi += a * math.sin(2 * j * xi_p) * math.cosh(2 * j * eta_p)
        eta += a * math.cos(2 * j * xi_p) * math.sinh(2 * j * eta_p)
    return FALSE_EASTING + K0 * _A_RECT * eta, K0 * _A_RECT * xi


Ring = Sequence[tuple[float, float]]


def _ring_area(ring: Ring, cm: float) -> float:
    pts = [gk_forward(x, y, cm) for x, y in ring]
    s = 0.0
    for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1]):
        s += x1 * y2 - x2 * y1
    return abs(s) / 2.0


def polygon_area_m2(polygons: Iterable[Sequence[Ring]], central_meridian: float | None = None) -> float:
    """Planar area in the object's GK zone of a multipolygon given as [[outer, hole…], …]."""
    polygons = [p for p in polygons if p and p[0]]
    if not polygons:
        return 0.0
    if central_meridian is None:
        lons = [x for poly in polygons for x, _ in poly[0]]
        central_meridian = gk_central_meridian(gk_zone((min(lons) + max(lons)) / 2))
    total = 0.0
    for poly in polygons:
        total += _ring_area(poly[0], central_meridian) - sum(_ring_area(h, central_meridian) for h in poly[1:])
    return total


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance between two lon/lat points, in the GK zone of the first."""
    cm = gk_central_meridian(gk_zone(a[0]))
    (x1, y1), (x2, y2) = gk_forward(*a, cm), gk_forward(*b, cm)
    return math.hypot(x2 - x1, y2 - y1)


def _point_in_ring(x: float, y: float, ring: Sequence[tuple[float, float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, list(ring[1:]) + [ring[0]]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _segment_distance(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def distance_to_polygons_m(point: tuple[float, float], polygons: Iterable[Sequence[Ring]]) -> float:
    """Distance from a lon/lat point to a multipolygon ([[outer, hole…], …]) in the point's GK zone:
    0 inside, else to the nearest edge (a visit at the edge of a large spot is a visit)."""
    cm = gk_central_meridian(gk_zone(point[0]))
    p = gk_forward(*point, cm)
    best = math.inf
    for poly in polygons:
        rings = [[gk_forward(x, y, cm) for x, y in ring] for ring in poly if ring]
        if not rings:
            continue
        if _point_in_ring(*p, rings[0]) and not any(_point_in_ring(*p, hole) for hole in rings[1:]):
            return 0.0
        for ring in rings:
            for a, b in zip(ring, ring[1:] + ring[:1]):
                best = min(best, _segment_distance(p, a, b))
    return best


def in_china(lon: float, lat: float) -> bool:
    x0, y0, x1, y1 = CHINA_EXTENT
    return x0 <= lon <= x1 and y0 <= lat <= y1
