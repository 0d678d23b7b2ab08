"""Which coordinate system a register uses, and the transformation to EPSG:4490 (pyproj).

Chinese registers come in CGCS2000, Xi'an 80 or Beijing 54 lon/lat or Gauss-Krüger coordinates
(3° or 6° zones, the easting with or without the zone number in front: 38 512 345.6 is zone 38),
WGS84 from GPS, and often with X as the northing (surveyors' habit). A declared CRS (.prj, a
GeoPackage's srs) is used when the values fit it; otherwise the values decide: eastings with a zone
prefix name their zone; without one, the central meridian that puts the points in the county's
extent wins, and when nothing can tell, the user is asked.
"""

from __future__ import annotations

import math
import re
import statistics
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ..model import geodesy
from .deps import MissingLibrary, need
from .errors import ImportFailure

TARGET = "EPSG:4490"
Extent = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat

# datum -> (zh, en, geographic EPSG, 6° with zone, 6° by CM, 3° with zone, 3° by CM): first codes of
# each EPSG series (6° zones 13–23 / CM 75–135°E, 3° zones 25–45 / CM 75–135°E).
DATUMS = {
    "cgcs2000": ("CGCS2000", "CGCS2000", 4490, 4491, 4502, 4513, 4534),
    "xian80": ("西安80", "Xi'an 1980", 4610, 2327, 2338, 2349, 2370),
    "beijing54": ("北京54", "Beijing 1954", 4214, 21413, 21453, 2401, 2422),
}
WGS84 = 4326
LEGACY = ("xian80", "beijing54")


def gk_code(datum: str, width: int, central_meridian: int, prefix: bool) -> int:
    """EPSG code of a Gauss-Krüger zone: ``width`` 3 or 6 degrees, central meridian in °E."""
    _zh, _en, _geo, six_zone, six_cm, three_zone, three_cm = DATUMS[datum]
    if width == 3:
        zone = central_meridian // 3
        if central_meridian % 3 or not 25 <= zone <= 45:
            raise ValueError(f"no 3° zone with central meridian {central_meridian}")
        return three_zone + zone - 25 if prefix else three_cm + zone - 25
    zone = (central_meridian + 3) // 6
    if (central_meridian + 3) % 6 or not 13 <= zone <= 23:
        raise ValueError(f"no 6° zone with central meridian {central_meridian}")
    return six_zone + zone - 13 if prefix else six_cm + zone - 13


@dataclass(frozen=True)
class Candidate:
    """One way to read the coordinates: a CRS and whether the two columns are swapped."""

    crs: str  # "EPSG:4547" or a WKT/PROJ text
    zh: str
    en: str
    swap: bool = False  # the first column holds the northing/latitude

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass
class Detection:
    candidates: list[Candidate]
    certain: bool  # False: the user must choose (no zone prefix and nothing to tell the zone)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (zh, en)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


_MANAGERS: list[object] = []


def _pyproj():
    """pyproj, with this thread's PROJ context kept alive.

    pyproj 3.7 keeps a thread's PROJ context in the OS thread's storage but frees it with the Python
    thread state that made it. QGIS's task threads get a new Python thread state for every task (and
    a pool thread that expired is replaced by a new one, often with the same id), so the next task on
    that OS thread would use a freed context and crash. The first use of pyproj in each thread state
    comes here, and every context made is kept for the process's life.
    """
    pyproj = need("pyproj")
    try:
        from pyproj._context import get_context_manager
    except ImportError:  # older pyproj (Debian's 3.4) has one context per object: nothing to keep
        return pyproj
    manager = get_context_manager()
    if manager is None:
        pyproj.CRS.from_epsg(4490)  # makes this thread's context, or finds the one kept from before
        manager = get_context_manager()
    if manager is not None and not any(m is manager for m in _MANAGERS):
        _MANAGERS.append(manager)
    return pyproj


def keep_proj_context() -> None:
    """Make this thread's PROJ context now and keep it (see _pyproj): first, wherever a thread may
    use pyproj (a QGIS task, reading a file with geopandas)."""
    try:
        _pyproj()
    except MissingLibrary:
        pass  # no pyproj: the task reports it where it is needed


def describe(crs_text: str) -> tuple[str, str]:
    """A readable name (zh, en) of a CRS given as ``EPSG:n`` or WKT/PROJ."""
    try:
        crs = _pyproj().CRS.from_user_input(crs_text)
    except Exception:  # noqa: BLE001 - pyproj raises CRSError and others for bad text
        return crs_text, crs_text
    code = crs.to_epsg(min_confidence=90)
    name = crs.name
    suffix = f" (EPSG:{code})" if code else ""
    name = name.replace("China Geodetic Coordinate System 2000", "CGCS2000")
    zh = name.replace("Xian 1980", "西安80").replace("Beijing 1954", "北京54").replace("WGS 84", "WGS84")
    zh = re.sub(r"3-degree Gauss-Kruger", "3度带", zh)
    zh = re.sub(r"Gauss-Kruger", "6度带", zh)
    zh = re.sub(r"zone (\d+)", r"第\1带（带号）", zh)
    zh = re.sub(r"CM (\d+)E", r"中央经线\1°E（无带号）", zh)
    if crs.is_geographic:
        zh, name = f"{zh} 经纬度", f"{name} lon/lat"
    return zh + suffix, name + suffix


def _candidate(code: int | str, swap: bool = False) -> Candidate:
    text = f"EPSG:{code}" if isinstance(code, int) else code
    zh, en = describe(text)
    return Candidate(text, zh, en, swap)


def parse_crs(crs_text: str):
    """A pyproj CRS, or ImportFailure with the reason."""
    try:
        return _pyproj().CRS.from_user_input(crs_text)
    except Exception as exc:  # noqa: BLE001 - pyproj's CRSError, TypeError for odd input
        raise ImportFailure(f"无法识别坐标系“{crs_text}”", f"unknown coordinate system '{crs_text}': {exc}") from None


@lru_cache(maxsize=64)
def _transformer(source: str, target: str = TARGET, thread: int = 0):
    pyproj = _pyproj()
    return pyproj.Transformer.from_crs(parse_crs(source), pyproj.CRS.from_user_input(target), always_xy=True)


def to_lonlat(xs: Sequence[float], ys: Sequence[float], cand: Candidate) -> tuple[list[float], list[float]]:
    """Transform coordinates (as in the file's columns) to EPSG:4490 lon/lat."""
    if cand.swap:
        xs, ys = ys, xs
    # a Transformer belongs to the thread that made it
    lon, lat = _transformer(cand.crs, TARGET, threading.get_ident()).transform(list(xs), list(ys))
    return list(lon), list(lat)


def datum_warning(cand: Candidate) -> tuple[str, str] | None:
    """Xi'an 80 and Beijing 54 need local parameters PROJ does not have: say how far off it may be."""
    crs = parse_crs(cand.crs)
    name = crs.name.lower()
    if ("xian" in name or "beijing" in name) and "towgs84" not in crs.to_proj4().lower():
        return (
            "西安80/北京54坐标按PROJ默认方法转换到CGCS2000，未使用本地转换参数，位置误差可达数十至上百米；"
            "如有七参数，请选“自定义坐标系”并以 +towgs84=… 给出。",
            "Xi'an 80/Beijing 54 coordinates were converted to CGCS2000 without local parameters; positions may "
            "be off by tens of metres or more. With a 7-parameter set, give a custom CRS with +towgs84=….",
        )
    return None


def _median(values: Sequence[float]) -> float:
    return statistics.median(values)


def _inside(lon: float, lat: float, extent: Extent | None) -> bool:
    if extent is None:
        return geodesy.in_china(lon, lat)
    return extent[0] <= lon <= extent[2] and extent[1] <= lat <= extent[3]


def _is_prefixed_easting(v: float) -> bool:
    return 13e6 <= v < 24e6 or 25e6 <= v < 46e6


@lru_cache(maxsize=64)
def _area(crs_text: str) -> Extent | None:
    """Where the CRS is meant to be used, padded by a degree (a county may straddle a zone edge)."""
    area = parse_crs(crs_text).area_of_use
    if area is None:
        return None
    return (area.west - 1.0, area.south - 1.0, area.east + 1.0, area.north + 1.0)


def _fits(cand: Candidate, x: float, y: float, extent: Extent | None) -> bool:
    try:
        lon, lat = to_lonlat([x], [y], cand)
    except Exception:  # noqa: BLE001 - a CRS pyproj cannot use does not fit
        return False
    if not all(map(math.isfinite, (lon[0], lat[0]))) or not _inside(lon[0], lat[0], extent):
        return False
    area = _area(cand.crs)
    return area is None or _inside(lon[0], lat[0], area)


def _geographic(x: float, y: float) -> Detection | None:
    if abs(x) <= 180 and abs(y) <= 180 and (geodesy.in_china(x, y) or geodesy.in_china(y, x)):
        swap = not geodesy.in_china(x, y) and geodesy.in_china(y, x)
        cands = [_candidate(c, swap) for c in (4490, WGS84, DATUMS["xian80"][2], DATUMS["beijing54"][2])]
        notes = [("经纬度按 CGCS2000 读取（与 WGS84 相差不到 1 米）", "lon/lat read as CGCS2000 (within 1 m of WGS84)")]
        if swap:
            notes.append(("经度、纬度两列填反，已对调", "longitude and latitude columns were swapped; swapped back"))
        return Detection(cands, True, notes)
    return None


def _projected(x: float, y: float, extent: Extent | None) -> Detection | None:
    swap = False
    if _is_prefixed_easting(y) and not _is_prefixed_easting(x) or (x >= 1e6 > y and not _is_prefixed_easting(x)):
        swap = True  # the first column is the northing (X as surveyors write it)
        x, y = y, x
    if not 0 < y < 6.5e6:
        return None
    if _is_prefixed_easting(x):
        zone = int(x // 1e6)
        width, cm = (6, zone * 6 - 3) if zone < 24 else (3, zone * 3)
        cands = [_candidate(gk_code(d, width, cm, True), swap) for d in DATUMS]
        notes = [
            (f"横坐标带号 {zone}（{width}度带，中央经线 {cm}°E）", f"easting zone prefix {zone} ({width}°, CM {cm}°E)")
        ]
        return Detection(cands, True, notes)
    if not 0 < x < 1e6:
        return None
    fits = [cm for cm in range(75, 136, 3) if _fits(_candidate(gk_code("cgcs2000", 3, cm, False)), x, y, extent)]
    if extent is not None and len(fits) == 1:
        cm = fits[0]
        cands = [_candidate(gk_code(d, 3, cm, False), swap) for d in DATUMS]
        note = (f"横坐标无带号，按县域范围判定中央经线 {cm}°E", f"no zone prefix; the county's extent gives CM {cm}°E")
        return Detection(cands, True, [note])
    cms = fits or list(range(75, 136, 3))
    cands = [_candidate(gk_code("cgcs2000", 3, cm, False), swap) for cm in cms]
    note = (
        "横坐标没有带号，无法判断中央经线：请选择坐标系",
        "no zone prefix in the eastings: choose the central meridian",
    )
    return Detection(cands, False, [note])


def detect(
    xs: Sequence[float], ys: Sequence[float], declared: str | None = None, extent: Extent | None = None
) -> Detection:
    """The likely CRS of coordinates (``xs``/``ys`` as the file's columns), best first."""
    pts = [(x, y) for x, y in zip(xs, ys) if x is not None and y is not None and x == x and y == y]
    if not pts:
        raise ImportFailure("没有可用的坐标", "no usable coordinates")
    x, y = _median([p[0] for p in pts]), _median([p[1] for p in pts])
    if declared:
        cand = _candidate(declared)
        if _fits(cand, x, y, None):
            code = parse_crs(declared).to_epsg(min_confidence=70)
            cand = _candidate(code) if code else cand
            return Detection([cand], True, [(f"使用文件声明的坐标系：{cand.zh}", f"using the declared CRS: {cand.en}")])
        flipped = Candidate(cand.crs, cand.zh, cand.en, True)
        if _fits(flipped, x, y, None):
            return Detection([flipped], True, [("坐标两列填反，已对调", "the coordinate columns were swapped back")])
    found = _geographic(x, y) or _projected(x, y, extent)
    if found is None:
        raise ImportFailure(
            f"无法从坐标值（如 {x:g}, {y:g}）判断坐标系：请指定坐标系",
            f"cannot tell the coordinate system from values such as {x:g}, {y:g}: choose one",
        )
    if declared:
        found.notes.insert(
            0, ("文件声明的坐标系与坐标值不符，已按坐标值判断", "the declared CRS does not fit the values")
        )
    return found


def choose(crs_text: str, xs: Sequence[float], ys: Sequence[float]) -> Candidate:
    """The user's CRS, with the columns swapped when the values say so."""
    cand = _candidate(crs_text)
    pts = [(x, y) for x, y in zip(xs, ys) if x is not None and y is not None and x == x and y == y]
    if pts:
        x, y = _median([p[0] for p in pts]), _median([p[1] for p in pts])
        if not _fits(cand, x, y, None) and _fits(Candidate(cand.crs, cand.zh, cand.en, True), x, y, None):
            return Candidate(cand.crs, cand.zh, cand.en, True)
    return cand
