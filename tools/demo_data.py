"""Deterministic demo data: 赣县区 (Ganxian district, Ganzhou, Jiangxi; county code 360704).

Red-soil hills with many 崩岗 (collapsing gullies), a few hundred check dams and silt-retaining
dams, and two small watersheds with their treatment spots. Everything comes from one seeded
random generator, so the same seed gives the same store on every machine.

    python tools/demo_data.py build/demo/ganxian.gpkg [--small]

Tests load this file with importlib (tools/ is not a package) and call `generate()` and
`write_store()`. The township names are real townships of 赣县区; the dams, patches, people
and phone numbers are invented.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from shapely import wkb
from shapely.geometry import MultiPolygon, Point, Polygon
from shuibao.model import RECORD_KINDS, regions, rules
from shuibao.model.definition import RS_CLOSE_AT_DETERMINATION, RS_EVIDENCE_FOR
from shuibao.model.rules import Context
from shuibao.model.schema import Thresholds

COUNTY_CODE = "360704"
COUNTY_NAME = "赣县区"
CENTER = (115.00, 25.86)
# Rough extent of the district (lon/lat, EPSG:4490).
EXTENT = (114.72, 25.55, 115.32, 26.20)
M_PER_DEG_LAT = 110_900.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(CENTER[1]))
DEFAULT_SEED = 360704

# Real townships of 赣县区 with an approximate seat position.
TOWNSHIPS = (
    ("梅林镇", 114.98, 25.87),
    ("王母渡镇", 114.93, 25.63),
    ("沙地镇", 114.82, 25.70),
    ("江口镇", 115.13, 25.97),
    ("田村镇", 115.16, 25.79),
    ("南塘镇", 115.04, 25.73),
    ("茅店镇", 115.03, 25.95),
    ("吉埠镇", 115.09, 26.05),
    ("五云镇", 114.90, 26.06),
    ("湖江镇", 115.10, 26.12),
    ("储潭镇", 114.96, 25.98),
    ("韩坊镇", 115.22, 25.66),
    ("阳埠乡", 115.26, 25.86),
    ("大埠乡", 114.80, 25.93),
    ("长洛乡", 115.22, 25.97),
    ("大田乡", 114.89, 25.80),
    ("白鹭乡", 115.28, 26.08),
    ("三溪乡", 115.12, 25.60),
)
VILLAGE_PARTS = (
    "社背", "高坑", "长岭", "樟树", "塘背", "竹山", "杨梅", "枫树", "石门", "桐子", "牛角", "茶园",
    "老屋", "上坪", "下坝", "黄泥", "坳背", "松山", "田心", "水口", "新屋", "桥头", "岭下", "湖坑",
)  # fmt: skip
GULLY_PARTS = (
    "黄泥", "石门", "桐子", "枫树", "杨梅", "牛角", "茶园", "塘背", "竹山", "樟树", "老屋", "社背",
    "高坑", "长岭", "大坑", "小坑", "松岭", "狮子", "龙口", "鹅公", "大窝", "油茶", "坳头", "梨树",
)  # fmt: skip
SURNAMES = "刘钟陈黄谢曾李王张赖肖罗邱温廖杨朱胡郭彭"
GIVEN = "建华明国平志勇文海军春林伟强红英秀兰金生福荣德"


@dataclass
class DemoSize:
    dams: int = 300
    patches: int = 320
    watersheds: int = 2
    spots_per_watershed: int = 60
    rs_spots: int = 120  # remote-sensing spots over two province batches

    @classmethod
    def small(cls) -> DemoSize:
        return cls(dams=24, patches=30, watersheds=2, spots_per_watershed=6, rs_spots=24)


# ---------------------------------------------------------------------------------------------
# Geometry helpers (local metres around a centre, converted to lon/lat)
# ---------------------------------------------------------------------------------------------
def _to_lonlat(cx: float, cy: float, x: float, y: float) -> tuple[float, float]:
    return round(cx + x / M_PER_DEG_LON, 7), round(cy + y / M_PER_DEG_LAT, 7)


def _blob(
    rng: random.Random,
    cx: float,
    cy: float,
    radius_m: float,
    n: int = 12,
    irregularity: float = 0.35,
    elongation: float = 1.0,
    angle: float = 0.0,
) -> Polygon:
    """A simple star-shaped polygon: increasing angles and positive radii never self-intersect."""
    ca, sa = math.cos(angle), math.sin(angle)
    # Radius as a few low harmonics plus a little noise: lobed like terrain, not spiky.
    harmonics = [(k, rng.uniform(0, irregularity) / k**0.7, rng.uniform(0, 2 * math.pi)) for k in range(2, 6)]
    pts = []
    for i in range(n):
        a = 2 * math.pi * (i + rng.uniform(-0.2, 0.2)) / n
        wave = sum(amp * math.cos(k * a + phase) for k, amp, phase in harmonics)
        r = radius_m * max(0.25, 1 + wave + rng.uniform(-irregularity, irregularity) * 0.25)
        x, y = r * math.cos(a) * elongation, r * math.sin(a) / elongation
        pts.append(_to_lonlat(cx, cy, x * ca - y * sa, x * sa + y * ca))
    return Polygon(pts)


def _rings(geom) -> list[list[list[tuple[float, float]]]]:
    polys = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
    return [[list(p.exterior.coords)[:-1], *[list(h.coords)[:-1] for h in p.interiors]] for p in polys]


def _area_m2(geom) -> float:
    return rules.geodesy.polygon_area_m2(_rings(geom))


def _scaled_blob(rng: random.Random, cx: float, cy: float, target_m2: float, **kw) -> MultiPolygon:
    poly = _blob(rng, cx, cy, math.sqrt(target_m2 / math.pi), **kw)
    # Rescale the vertices around the centre so the GK area hits the target.
    f = math.sqrt(target_m2 / _area_m2(poly))
    pts = [
        _to_lonlat(cx, cy, (x - cx) * M_PER_DEG_LON * f, (y - cy) * M_PER_DEG_LAT * f) for x, y in poly.exterior.coords
    ]
    return MultiPolygon([Polygon(pts)])


def _wkb(geom) -> bytes:
    return wkb.dumps(geom)


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------
class _Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not security

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def person(self) -> str:
        r = self.rng
        return r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2))))

    def phone(self) -> str:
        return f"1{self.rng.choice('3579')}{self.rng.randrange(10**9):09d}"

    def weighted(self, options: Iterable[tuple[str, float]]) -> str:
        codes, weights = zip(*options)
        return self.rng.choices(codes, weights=weights)[0]

    def date(self, year0: int, year1: int) -> str:
        start = (year0 - 1970) * 365
        day = self.rng.randrange(start, (year1 - 1970) * 365)
        import datetime as dt

        return (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat()

    def datetime(self, year0: int, year1: int) -> str:
        return f"{self.date(year0, year1)}T{self.rng.randrange(7, 18):02d}:{self.rng.randrange(60):02d}:00Z"

    def point_in_extent(self) -> tuple[float, float]:
        x0, y0, x1, y1 = EXTENT
        return self.rng.uniform(x0, x1), self.rng.uniform(y0, y1)

    def near(self, cx: float, cy: float, sigma_m: float) -> tuple[float, float]:
        return _to_lonlat(cx, cy, self.rng.gauss(0, sigma_m), self.rng.gauss(0, sigma_m))


def township_of(lon: float, lat: float) -> str:
    def d2(t):
        return ((t[1] - lon) * M_PER_DEG_LON) ** 2 + ((t[2] - lat) * M_PER_DEG_LAT) ** 2

    return min(TOWNSHIPS, key=d2)[0]


def _audit(g: _Gen, year: int = 2023) -> dict:
    return {
        "uuid": g.uuid(),
        "county_code": COUNTY_CODE,
        "created_at": g.datetime(year, year + 1),
        "created_by": "demo",
        "server_rev": 0,
    }


def _watersheds(g: _Gen, size: DemoSize) -> list[dict]:
    specs = (
        ("360704-XLY-001", "梅林河生态清洁小流域", 114.99, 25.88, 24e6, "eco_clean", 2023, "treating"),
        ("360704-XLY-002", "白鹭小流域", 115.25, 26.05, 16e6, "comprehensive", 2021, "accepted"),
        ("360704-XLY-003", "韩坊小流域", 115.21, 25.67, 31e6, "comprehensive", 2024, "untreated"),
    )
    out = []
    for code, name, cx, cy, area, project, year, status in specs[: size.watersheds]:
        geom = _scaled_blob(g.rng, cx, cy, area, n=72, irregularity=0.3, elongation=1.3, angle=g.rng.uniform(0, 3))
        rec = {
            **_audit(g, year - 1),
            "code": code,
            "name": name,
            "county_codes": COUNTY_CODE,
            "project_type": project,
            "year": year,
            "batch": f"{year}年第{g.rng.choice('一二')}批",
            "erosion_modulus": round(g.rng.uniform(900, 3200), 0),
            "forest_grass_cover": round(g.rng.uniform(62, 81), 1),
            "treatment_status": status,
            "register_status": "registered",
        }
        rec.update(rules.derive("watershed", rec, Context(polygons=_rings(geom))))  # eroded area: _erosion
        rec["geom"] = _wkb(geom)
        rec["_shape"] = geom
        out.append(rec)
    return out


_SPOT_SIZES = {  # measure -> (unit, min hm², max hm²) [DOMAIN: acceptance units]
    "terrace": ("hm2", 5, 10),
    "afforestation": ("hm2", 10, 30),
    "grass": ("hm2", 3, 12),
    "orchard": ("hm2", 1, 10),
    "closure": ("hm2", 10, 30),
    "check_weir": ("count", 0.02, 0.06),
    "silt_dam": ("count", 0.05, 0.15),
    "pond": ("count", 0.1, 0.4),
    "gully_head": ("count", 0.05, 0.2),
    "drainage_ditch": ("m", 0.05, 0.15),
}


def _spots(g: _Gen, watershed: dict, n: int) -> list[dict]:
    shed = watershed["_shape"]
    x0, y0, x1, y1 = shed.bounds
    placed: list = []
    out = []
    weights = (("afforestation", 3), ("terrace", 2), ("orchard", 3), ("grass", 1), ("closure", 1),
               ("check_weir", 2), ("silt_dam", 1), ("pond", 1), ("gully_head", 1), ("drainage_ditch", 1))  # fmt: skip
    accepted = watershed["treatment_status"] == "accepted"  # it passed its 竣工验收: spots mostly qualified
    done_share = 0.9 if accepted else 0.45
    survival_low, qualified = (84, 0.97) if accepted else (72, 0.9)
    for i in range(n):
        measure = g.weighted(weights)
        unit, lo, hi = _SPOT_SIZES[measure]
        target = g.rng.uniform(lo, hi) * 10_000
        geom = None
        for _ in range(60):
            cx, cy = g.rng.uniform(x0, x1), g.rng.uniform(y0, y1)
            cand = _scaled_blob(g.rng, cx, cy, target, n=8, irregularity=0.2, elongation=g.rng.uniform(1, 1.8))
            if shed.contains(cand) and not any(cand.intersects(p) for p in placed):
                geom = cand
                break
        if geom is None:
            continue
        placed.append(geom)
        if unit == "hm2":
            design = round(target / 10_000, 2)
        elif unit == "m":
            design = float(g.rng.randrange(50, 101))
        else:
            design = 1.0
        completed = g.rng.random() < done_share
        rec = {
            **_audit(g, watershed["year"]),
            "watershed_uuid": watershed["uuid"],
            "spot_code": f"{watershed['code']}-{i + 1:03d}",
            "measure_type": measure,
            "unit": unit,
            "design_qty": design,
            "step": "completed" if completed else "planned",
        }
        if completed:
            rec["completed_qty"] = round(design * g.rng.uniform(0.85, 1.0), 2) if unit != "count" else 1.0
            if unit == "hm2" and measure not in ("terrace",):
                rec["survival_rate"] = round(g.rng.uniform(survival_low, 97), 1)
            rec["quality"] = "qualified" if g.rng.random() < qualified else "unqualified"
        rec.update(rules.derive("watershed_spot", rec, Context(polygons=_rings(geom))))
        rec["geom"] = _wkb(geom)
        out.append(rec)
    return out


def _patches(g: _Gen, size: DemoSize, watersheds: list[dict]) -> tuple[list[dict], list[dict]]:
    # 崩岗 come in clusters on granite hills: hot spots, some inside the watersheds.
    hot = [g.point_in_extent() for _ in range(max(3, size.patches // 14))]
    for w in watersheds:
        c = w["_shape"].representative_point()
        hot.extend([(c.x, c.y)] * 2)
    out, measures = [], []
    n_bg = n_gully = 0
    for _ in range(size.patches):
        cx, cy = g.near(*g.rng.choice(hot), 1800)
        is_gully = g.rng.random() < 0.12
        if is_gully:
            n_gully += 1
            target = g.rng.uniform(2000, 20000)
            geom = _scaled_blob(g.rng, cx, cy, target, n=14, irregularity=0.25, elongation=g.rng.uniform(2.5, 4),
                                angle=g.rng.uniform(0, math.pi))  # fmt: skip
        else:
            n_bg += 1
            target = math.exp(g.rng.triangular(math.log(70), math.log(20000), math.log(700)))
            geom = _scaled_blob(g.rng, cx, cy, target, n=g.rng.randrange(9, 15), irregularity=0.4,
                                elongation=g.rng.uniform(1, 1.8), angle=g.rng.uniform(0, math.pi))  # fmt: skip
        village = g.rng.choice(VILLAGE_PARTS) + "村"
        status = g.weighted((("untreated", 45), ("treating", 20), ("completed", 15), ("accepted", 20)))
        shed = next((w for w in watersheds if w["_shape"].contains(geom)), None)
        rec = {
            **_audit(g, 2022),
            "kind": "gully" if is_gully else "benggang",
            "code": f"{COUNTY_CODE}-{'QSG' if is_gully else 'BG'}-{(n_gully if is_gully else n_bg):05d}",
            "name": f"{village}{n_gully if is_gully else n_bg}号{'侵蚀沟' if is_gully else '崩岗'}",
            "township": township_of(cx, cy),
            "village": village,
            "watershed_code": shed["code"] if shed else None,
            "depth": round(g.rng.uniform(2, 15), 1),
            "vegetation_cover": round(g.rng.uniform(5, 60), 0),
            "soil_type": "花岗岩红壤",
            "people_threatened": g.rng.choice((0, 0, 0, 3, 8, 15, 30)),
            "farmland_threatened": round(g.rng.choice((0, 0, 0.2, 0.5, 1.2)), 2),
            "treatment_status": status,
            "register_status": "registered",
        }
        if is_gully:
            length = math.sqrt(target) * g.rng.uniform(3, 4)
            rec.update(
                gully_status=g.weighted((("developing", 6), ("stable", 4))),
                length=round(length, 0),
                top_width=round(target / length * 1.3, 1),
                bottom_width=round(target / length * 0.5, 1),
                gradient=round(g.rng.uniform(3, 18), 1),
                size_class="large" if length >= 300 else "medium" if length >= 150 else "small",
                hazard_types=g.rng.sample(["houses", "roads", "farmland", "water"], g.rng.randrange(0, 3)),
            )
        else:
            rec.update(
                shape=g.weighted((("scoop", 4), ("strip", 2), ("claw", 2), ("arc", 1), ("mixed", 1))),
                activity=g.weighted((("active", 6), ("stable", 4))),
                is_cluster=g.rng.random() < 0.15,
            )
            if rec["is_cluster"]:
                rec["cluster_members"] = g.rng.randrange(2, 9)
        if status != "untreated":
            rec["treatment_mode"] = g.weighted((("ecological", 5), ("economic", 2), ("integrated", 3)))
        rec.update(rules.derive("patch", rec, Context(polygons=_rings(geom))))
        rec["geom"] = _wkb(geom)
        out.append(rec)
        if status != "untreated":
            for measure, unit in (("intercept_ditch", "m"), ("check_weir", "count"), ("trees", "hm2")):
                design = {"m": round(g.rng.uniform(40, 300), 0), "count": float(g.rng.randrange(1, 4)),
                          "hm2": round(rec["area"] / 10_000 * 1.5, 2)}[unit]  # fmt: skip
                built = status in ("completed", "accepted") or g.rng.random() < 0.4
                m = {
                    **_audit(g, 2023),
                    "patch_uuid": rec["uuid"],
                    "measure_type": measure,
                    "unit": unit,
                    "design_qty": design,
                    "unit_cost": {"m": 180.0, "count": 12000.0, "hm2": 9000.0}[unit],
                    "step": ("accepted" if status == "accepted" else "built") if built else "planned",
                }
                if built:
                    m["completed_qty"] = design
                    m["completed_at"] = g.date(2023, 2025)
                measures.append(m)
    return out, measures


def _dams(g: _Gen, size: DemoSize, watersheds: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    dams, inspections, hazards = [], [], []
    gully_counts: dict[str, int] = {}
    for i in range(size.dams):
        if watersheds and g.rng.random() < 0.25:
            w = g.rng.choice(watersheds)["_shape"]
            x0, y0, x1, y1 = w.bounds
            while True:
                lon, lat = g.rng.uniform(x0, x1), g.rng.uniform(y0, y1)
                if w.contains(Point(lon, lat)):
                    break
        else:
            lon, lat = g.point_in_extent()
        lon, lat = round(lon, 6), round(lat, 6)
        gully = g.rng.choice(GULLY_PARTS)
        gully_counts[gully] = gully_counts.get(gully, 0) + 1
        storage = round(math.exp(g.rng.triangular(math.log(0.6), math.log(90), math.log(6))), 2)
        height = round(min(35.0, 4 + 5 * storage**0.4 + g.rng.uniform(-1, 2)), 1)
        n_exposed = int(g.weighted((("0", 5), ("1", 4), ("2", 1))))
        exposure = g.rng.sample(["residents", "school", "industry", "traffic"], n_exposed)
        status = g.weighted((("normal", 80), ("dangerous", 8), ("reinforcing", 6), ("cleared", 6)))
        year_built = g.rng.randrange(1972, 2016)
        silted = round(storage * g.rng.uniform(0.1, 0.8), 2)
        shed = next((w for w in watersheds if w["_shape"].contains(Point(lon, lat))), None)
        dam = {
            **_audit(g, 2021),
            "code": f"{COUNTY_CODE}-YDB-{i + 1:04d}",
            "name": f"{gully}沟{gully_counts[gully]}号坝",
            "township": township_of(lon, lat),
            "village": g.rng.choice(VILLAGE_PARTS) + "村",
            "watershed_code": shed["code"] if shed else None,
            "control_area": round(max(0.2, storage * g.rng.uniform(0.08, 0.2)), 2),
            "dam_height": height,
            "crest_length": round(g.rng.uniform(40, 220), 0),
            "crest_width": round(g.rng.uniform(3, 8), 1),
            "crest_elevation": round(g.rng.uniform(140, 420), 1),
            "total_storage": storage,
            "silt_storage": round(storage * 0.7, 2),
            "flood_storage": round(storage * 0.3, 2),
            "silted_storage": silted,
            "silted_farmland": round(silted * g.rng.uniform(0.5, 2), 2),
            "year_built": year_built,
            "composition": "three" if storage >= 50 else g.weighted((("one", 2), ("two", 5), ("three", 3))),
            "outlet_type": g.weighted((("inclined_pipe", 5), ("shaft", 2), ("culvert", 3), ("none", 1))),
            "has_spillway": storage >= 10 or g.rng.random() < 0.4,
            "downstream_exposure": exposure or ["none"],
            "admin_person": g.person(),
            "admin_phone": g.phone(),
            "tech_person": g.person(),
            "tech_phone": g.phone(),
            "patrol_person": g.person(),
            "patrol_phone": g.phone(),
            "dedicated_patroller": bool(exposure) and silted < storage * 0.7,
            "maintenance_body": f"{township_of(lon, lat)}水利站",
            "hazard_status": status,
            "register_status": "registered",
            "geom": _wkb(Point(lon, lat)),
        }
        if status == "cleared":
            dam["year_reinforced"] = g.rng.randrange(max(year_built + 5, 2016), 2025)
        dam.update(rules.derive("dam", dam))
        # Inspections: every dangerous dam and a third of the others, 1–3 each.
        if status != "normal" or g.rng.random() < 0.33:
            last = None
            for _ in range(g.rng.randrange(1, 4)):
                insp, hazard = _inspection(g, dam, lon, lat, status)
                inspections.append(insp)
                last = max(last or "", insp["inspected_at"])
                if hazard:
                    hazards.append(hazard)
            dam["last_inspected_at"] = last
        dams.append(dam)
    return dams, inspections, hazards


def _inspection(g: _Gen, dam: dict, lon: float, lat: float, status: str) -> tuple[dict, dict | None]:
    result = g.weighted((("no_hazard", 70), ("general", 22), ("major", 8)))
    if status in ("dangerous", "reinforcing"):
        result = g.weighted((("general", 5), ("major", 5)))
    crack = (
        "none"
        if result == "no_hazard"
        else g.weighted((("none", 4), ("longitudinal", 2), ("transverse", 2), ("mesh", 1)))
    )
    seepage = (
        "none"
        if result == "no_hazard"
        else g.weighted((("none", 5), ("diffuse", 3), ("concentrated", 1), ("piping", 1)))
    )
    submitted = g.rng.random() < 0.85
    plon, plat = g.near(lon, lat, 25)
    insp = {
        **_audit(g, 2024),
        "dam_uuid": dam["uuid"],
        "kind": g.weighted(
            (("pre_flood", 3), ("flood_patrol", 5), ("post_flood", 2), ("special", 1), ("hazard_survey", 2))
        ),
        "inspected_at": g.datetime(2024, 2026),
        "inspector": dam["patrol_person"] if g.rng.random() < 0.6 else g.person(),
        "flood_storage_ok": result != "major",
        "settlement": round(g.rng.uniform(0, 8), 1) if result != "no_hazard" else 0.0,
        "crack_type": crack,
        "seepage": seepage,
        "result": result,
        "position_source": "gps",
        "signature": "已签名",
        "step": "submitted" if submitted else "draft",
        "geom": _wkb(Point(plon, plat)),
    }
    if crack != "none":
        insp["crack_length"] = round(g.rng.uniform(0.5, 12), 1)
        insp["crack_width"] = round(g.rng.uniform(0.5, 15), 1)
    if seepage != "none":
        insp["seepage_location"] = g.rng.choice(("坝脚右侧", "背水坡中部", "涵管出口", "坝肩左侧"))
        insp["seepage_flow"] = round(g.rng.uniform(0.01, 0.8), 2)
    if result != "no_hazard":
        insp["measures"] = g.rng.choice(("裂缝灌浆封堵", "清理进水口淤堵", "坝坡回填夯实", "设置警示标志并加密巡查"))
        insp["deadline"] = g.date(2025, 2026)
    insp.update(rules.derive("dam_inspection", insp, Context(point=(plon, plat), parent_point=(lon, lat))))
    hazard = None
    if result != "no_hazard" and submitted:
        step = g.weighted((("open", 5), ("rectified", 2), ("rechecked", 1), ("closed", 2)))
        hazard = {
            **_audit(g, 2024),
            "dam_uuid": dam["uuid"],
            "inspection_uuid": insp["uuid"],
            "description": {"longitudinal": "坝顶纵向裂缝", "transverse": "坝体横向裂缝", "mesh": "坝坡龟裂"}.get(
                crack, "放水设施淤堵" if seepage == "none" else "背水坡渗漏"
            ),
            "severity": result,
            "measure": insp["measures"],
            "responsible_person": dam["tech_person"],
            "deadline": insp["deadline"],
            "step": step,
        }
        hazard["created_at"] = insp["inspected_at"]  # opened when found
        if step in ("rectified", "rechecked", "closed"):
            hazard.update(rectified_at=g.date(2025, 2026), rectification_note="已按要求整改")
        if step in ("rechecked", "closed"):
            hazard.update(rechecked_at=g.date(2025, 2026), rechecked_by=g.person(), recheck_result="pass")
        if step == "closed":
            hazard.update(closed_at=g.date(2025, 2026), closed_by=dam["tech_person"])
    return insp, hazard


# Parents before children.
KIND_ORDER = ("watershed", "watershed_spot", "watershed_acceptance", "spot_check", "watershed_upkeep", "patch",
              "patch_measure", "patch_acceptance", "patch_survey", "patch_upkeep", "dam", "dam_inspection", "dam_hazard",
              "target", "rs_spot", "rs_recheck")  # fmt: skip


def _acceptances(g: _Gen, watersheds: list[dict], spots: list[dict]) -> tuple[list[dict], list[dict]]:
    """A signed completion acceptance of the accepted watershed and a checked stage acceptance of one
    being treated: a sample drawn by the model's rule, each sampled spot checked on site."""
    acceptances, checks = [], []
    plans = {"accepted": ("completion", "signed"), "treating": ("stage", "checked")}
    for w in watersheds:
        if w["treatment_status"] not in plans:
            continue
        kind, step = plans[w["treatment_status"]]
        year = max(w["year"] + 2, 2024) if kind == "completion" else 2025
        own = [s for s in spots if s["watershed_uuid"] == w["uuid"] and s["step"] == "completed"]
        acc = {**_audit(g, year), "watershed_uuid": w["uuid"], "kind": kind, "year": year, "sample_share": 0.2,
               "sample_seed": g.rng.randrange(1, 10**6), "step": step}  # fmt: skip
        sampled = set(rules.sample_spots(own, acc["sample_share"], acc["sample_seed"]))
        own_checks = []
        for spot in (s for s in own if s["uuid"] in sampled):
            shape = wkb.loads(spot["geom"])
            where = shape.representative_point()
            measured = round(spot["area"] * g.rng.uniform(0.9, 1.04), 3)
            check = {
                **_audit(g, year), "acceptance_uuid": acc["uuid"], "spot_uuid": spot["uuid"],
                "checked_at": g.datetime(year, year + 1), "checker": g.person(), "measured_area": measured,
                "area_deviation": round(100 * (measured - spot["area"]) / spot["area"], 1),
                "matches_design": g.rng.random() < 0.95, "quality": spot.get("quality", "qualified"),
                "step": "checked", "geom": _wkb(Point(where.x, where.y)),
            }  # fmt: skip
            if spot.get("survival_rate") is not None:
                check["survival_rate"] = round(min(100.0, spot["survival_rate"] + g.rng.uniform(-4, 2)), 1)
            check.update(rules.derive("spot_check", check))
            own_checks.append(check)
        ctx = Context(children={"spot_check": own_checks}, parent=w)  # a completion acceptance reads the watershed
        acc.update(rules.derive("watershed_acceptance", acc, ctx))
        acc["opinion"] = (
            "措施布局合理，抽查图斑面积、数量与设计基本相符，林草成活率和工程质量达到要求，同意通过验收。"
            if acc.get("verdict") == "pass"
            else "部分抽查图斑保存率偏低或面积不足，限期补植补造后复验。"
        )
        if step == "signed":
            acc.update(acceptor=g.person(), signed_at=g.datetime(year, year + 1))
        acceptances.append(acc)
        checks += own_checks
    return acceptances, checks


def _patch_acceptances(g: _Gen, patches: list[dict], measures: list[dict]) -> list[dict]:
    """The signed completion acceptance (竣工验收) that passed, of each accepted patch (已验收 needs one)."""
    out = []
    for p in (p for p in patches if p["treatment_status"] == "accepted"):
        own = [m for m in measures if m["patch_uuid"] == p["uuid"]]
        day = g.date(2024, 2025)
        acc = {**_audit(g, 2024), "patch_uuid": p["uuid"], "kind": "completion", "accepted_at": day,
               "verdict": "pass", "opinion": "措施按设计完成，工程质量合格，同意通过竣工验收。", "acceptor": g.person(),
               "signed_at": f"{day}T{g.rng.randrange(8, 18):02d}:00:00Z", "step": "signed"}  # fmt: skip
        acc.update(rules.derive("patch_acceptance", acc, Context(children={"patch_measure": own})))
        out.append(acc)
    return out


def _surveys(g: _Gen, patches: list[dict]) -> list[dict]:
    """A submitted field survey of about one 崩岗 in four, at the patch, with the SL/T survey items."""
    out = []
    for p in patches:
        if p["kind"] != "benggang" or g.rng.random() > 0.25:
            continue
        where = wkb.loads(p["geom"]).representative_point()
        area = round(p["area"] * g.rng.uniform(0.95, 1.05), 1)
        length = round(math.sqrt(area) * g.rng.uniform(1.2, 2.2), 1)
        survey = {
            **_audit(g, 2024), "patch_uuid": p["uuid"], "surveyed_at": g.datetime(2024, 2026),
            "surveyor": g.person(), "area": area, "depth": round(g.rng.uniform(2, 15), 1),
            "width": round(area / length, 1), "length": length, "shape": p.get("shape"),
            "development_stage": g.weighted((("young", 3), ("mature", 5), ("old", 2))),
            "activity": p.get("activity"), "catchment_area": round(area * g.rng.uniform(3, 8), 0),
            "alluvial_fan_area": round(area * g.rng.uniform(0.2, 0.8), 0),
            "channel_length": round(length * 0.8, 1), "channel_width": round(area / length * 0.4, 1),
            "channel_gradient": round(g.rng.uniform(5, 25), 1), "mouth_width": round(g.rng.uniform(2, 12), 1),
            "branch_count": g.rng.randrange(0, 5), "vegetation_cover": round(g.rng.uniform(5, 45), 0),
            "erosion_volume": round(area * g.rng.uniform(1, 4), 0),
            "erosion_modulus": round(g.rng.uniform(3000, 20000), 0),
            "farmland_threatened": p.get("farmland_threatened"), "people_threatened": p.get("people_threatened"),
            "unit_cost": float(g.rng.randrange(40, 120)), "position_source": "gps", "step": "submitted",
            "note": g.rng.choice(("崩壁陡立，崩积体松散", "沟口冲积扇压占农田", "集水坡面植被稀疏", "")),
            "geom": _wkb(Point(where.x, where.y)),
        }  # fmt: skip
        survey.update(rules.derive("patch_survey", survey))
        out.append({k: v for k, v in survey.items() if v not in (None, "")})
    return out


def _delist(g: _Gen, dams: list[dict], patches: list[dict]) -> None:
    """De-list two dams (one silted up to its design height, one merged into a backbone dam) with the
    approving document and authority, and a 崩岗 that stabilised (登记销号)."""
    causes = (("silted_up", "已淤满，转为坝地利用"), ("merged", "并入下游骨干坝统一管护"))
    for i, (dam, (cause, reason)) in enumerate(zip(g.rng.sample(dams, 2), causes)):
        dam.update(register_status="delisted", delist_cause=cause, delist_reason=reason,
                   delist_document=f"赣县水字〔2025〕{31 + i}号", delist_authority="赣县区水利局",
                   delist_date=g.date(2024, 2026))  # fmt: skip
    stable = [p for p in patches if p["kind"] == "benggang" and p["treatment_status"] == "accepted"]
    for patch in g.rng.sample(stable, min(1, len(stable))):
        patch.update(register_status="delisted", delist_reason="治理验收后稳定，核销", delist_date=g.date(2025, 2026))


# ---------------------------------------------------------------------------------------------
# Duties the model holds (issue 13): erosion by class, treatment degree, 项目法人, hazard status,
# 崩岗 risk and farmland, measures by position, caretakers and upkeep checks.
# ---------------------------------------------------------------------------------------------
_DEGREE = {"accepted": (78, 90), "treating": (40, 60)}  # the treatment degree the county reached (%)
_CLASS_SHARES = (0.55, 0.25, 0.12, 0.06, 0.02)  # of the eroded area: light … severe
_SUBTYPES = {"eco_clean": "eco_clean", "comprehensive": "eco_economic"}


def _erosion(g: _Gen, watersheds: list[dict], spots: list[dict]) -> None:
    """Eroded area by intensity class such that the completed spots give a realistic treatment
    degree; subtypes, flags, the clean indicators of the 生态清洁 watershed, its upkeep body."""
    for i, w in enumerate(watersheds):
        own = [s for s in spots if s["watershed_uuid"] == w["uuid"]]
        done_km2 = sum(s.get("area") or 0.0 for s in own if s["step"] == "completed") / 100
        lo, hi = _DEGREE.get(w["treatment_status"], (0, 0))
        eroded = done_km2 * 100 / g.rng.uniform(lo, hi) if done_km2 and hi else w["area"] * g.rng.uniform(0.1, 0.15)
        shares = [s * g.rng.uniform(0.85, 1.15) for s in _CLASS_SHARES]
        for name, share in zip(rules.ERODED_CLASSES, shares):
            w[name] = round(eroded * share / sum(shares), 3)
        w.update(subtype=_SUBTYPES.get(w["project_type"], "eco_tourism"), is_premium=i == 1, whole_county=i == 0,
                 maintenance_body=f"{township_of(*_centre(w))}水利站")  # fmt: skip
        if rules.is_eco_clean(w):
            w.update(sewage_treatment_rate=round(g.rng.uniform(72, 88), 1),
                     refuse_treatment_rate=round(g.rng.uniform(85, 98), 1), outlet_water_class="2")  # fmt: skip
        w.update(rules.derive("watershed", w, Context(children={"watershed_spot": own})))


def _centre(w: dict) -> tuple[float, float]:
    c = w["_shape"].representative_point()
    return c.x, c.y


def _dam_duties(g: _Gen, dams: list[dict], hazards: list[dict]) -> None:
    """Every dam in operation; three new ones built but not yet accepted, with their 项目法人; a
    dam's hazard status follows its open major hazards (rules.follow_hazards)."""
    for dam in dams:
        dam["construction_stage"] = "operating"
    new = [d for d in dams if d["register_status"] == "registered" and d["total_storage"] < 10]
    for dam in g.rng.sample(new, min(3, len(new))):
        dam.update(construction_stage="built", year_built=g.rng.randrange(2024, 2026),
                   legal_person="赣县区水利建设投资有限公司", legal_person_phone=f"0797-44{g.rng.randrange(10**5):05d}")  # fmt: skip
    majors: dict[str, list[dict]] = {}
    for h in hazards:
        majors.setdefault(h["dam_uuid"], []).append(h)
    for dam in dams:
        if dam["register_status"] == "registered":
            n = len(rules.open_hazards(majors.get(dam["uuid"], ()), "major"))
            dam["hazard_status"] = rules.follow_hazards(dam["hazard_status"], 0, n)


def _risk(p: dict) -> str:
    if (p.get("people_threatened") or 0) >= 15 or (p.get("farmland_threatened") or 0) >= 1:
        return "high"
    return "medium" if p.get("activity") == "active" else "low"


_MORE_MEASURES = (("slope_cutting", "m2", 0.85), ("settling_basin", "count", 0.3), ("gully_head", "count", 0.2))


def _patch_duties(g: _Gen, patches: list[dict], measures: list[dict]) -> list[dict]:
    """崩岗 risk levels (most assessed in 2023–24), farmland from treatment, caretakers of treated
    崩岗, and the measures of the other positions (中削 and more): some treated 崩岗 lack a position,
    as the warning must show. Returns the new measures."""
    out = []
    treated_uuids = {m["patch_uuid"] for m in measures}
    for p in patches:
        if p["kind"] != "benggang":
            continue
        if g.rng.random() < 0.7:
            p.update(risk_level=_risk(p), risk_assessed_on=g.date(2023, 2025))
        if p["treatment_status"] in ("completed", "accepted"):
            if g.rng.random() < 0.9:
                p.update(caretaker=g.person(), caretaker_phone=g.phone())
            if g.rng.random() < 0.3:
                p.update(new_farmland=round(p["area"] / 10_000 * g.rng.uniform(0.1, 0.3), 3),
                         farmland_balance=g.rng.random() < 0.5)  # fmt: skip
        if p["uuid"] not in treated_uuids:
            continue
        done = p["treatment_status"] in ("completed", "accepted")
        for measure, unit, share in _MORE_MEASURES:
            if g.rng.random() >= share:
                continue
            design = round(p["area"] * 0.3, 0) if unit == "m2" else float(g.rng.randrange(1, 3))
            m = {**_audit(g, 2023), "patch_uuid": p["uuid"], "measure_type": measure, "unit": unit,
                 "design_qty": design, "unit_cost": {"m2": 35.0, "count": 8000.0}[unit],
                 "step": ("accepted" if p["treatment_status"] == "accepted" else "built") if done else "planned"}  # fmt: skip
            if done:
                m.update(completed_qty=design, completed_at=g.date(2023, 2025))
            m.update(rules.derive("patch_measure", m))
            out.append(m)
    return out


def _caretakers(g: _Gen, spots: list[dict]) -> None:
    """管护员 of the completed spots (聘请管护员制度, 赣县), one per few spots; a few still without."""
    keepers = [(g.person(), g.phone()) for _ in range(max(1, len(spots) // 8))]
    for s in spots:
        if s["step"] == "completed" and g.rng.random() < 0.9:
            s["caretaker"], s["caretaker_phone"] = g.rng.choice(keepers)


def _upkeep(g: _Gen, patches: list[dict], watersheds: list[dict], spots: list[dict]) -> dict[str, list[dict]]:
    """管护检查 of accepted 崩岗 and of the accepted watershed's spots in 2025: mostly well kept."""
    out: dict[str, list[dict]] = {"patch_upkeep": [], "watershed_upkeep": []}
    kept = [p for p in patches if p["treatment_status"] == "accepted" and p["register_status"] == "registered"]
    done = {w["uuid"]: [s for s in spots if s["watershed_uuid"] == w["uuid"] and s["step"] == "completed"]
            for w in watersheds if w["treatment_status"] == "accepted"}  # fmt: skip
    targets = [("patch_upkeep", "patch_uuid", p["uuid"], None, p["geom"]) for p in g.rng.sample(kept, len(kept) // 3)]
    for shed, own in done.items():
        targets += [("watershed_upkeep", "watershed_uuid", shed, s["uuid"], s["geom"])
                    for s in g.rng.sample(own, min(6, len(own)))]  # fmt: skip
    for kind, parent_field, parent, spot, geom in targets:
        where = wkb.loads(geom).representative_point()
        result = g.weighted((("good", 7), ("fair", 2), ("poor", 1)))
        rec = {**_audit(g, 2025), parent_field: parent, "inspected_at": g.datetime(2025, 2026),
               "inspector": g.person(), "caretaker_present": result != "poor", "facilities_intact": result == "good",
               "vegetation_kept": result != "poor", "result": result, "position_source": "gps", "step": "submitted",
               "geom": _wkb(Point(where.x, where.y))}  # fmt: skip
        if spot:
            rec["spot_uuid"] = spot
        if result != "good":
            rec.update(damage=g.rng.choice(("截水沟局部淤堵", "谷坊坝顶破损", "补植苗木成活率低", "围栏损坏，牛羊进入")),
                       measures=g.rng.choice(("清淤疏通", "修补坝顶", "补植补造", "修复围栏并加强巡护")),
                       deadline=g.date(2026, 2027))  # fmt: skip
        out[kind].append(rec)
    return out


def _targets(patches: list[dict]) -> list[dict]:
    """The county's plan figures (DOMAIN: Ganxian 治理崩岗 1000 座, 5–8 watersheds, 80 km²) and the
    崩岗 figure split over the townships by their share of the county's 崩岗. The conservation-rate
    figures are invented for the demo and say so."""
    base = {"county_code": COUNTY_CODE, "created_by": "demo", "server_rev": 0}
    plan = "赣县区水土保持规划"
    targets = [
        dict(indicator="benggang_treated", year_from=2022, year_to=2025, value=1000.0, unit="item",
             source_document=f"{plan}（治理崩岗1000座）"),
        dict(indicator="watersheds_built", year_from=2021, year_to=2025, value=5.0, unit="watershed",
             source_document=plan, note="规划建设5～8条，按下限5条考核"),
        dict(indicator="treated_area", year_from=2021, year_to=2025, value=80.0, unit="km2",
             source_document=plan),
        dict(indicator="conservation_rate", year_from=2021, year_to=2025, value=88.5, unit="percent",
             baseline=86.2, monitored=87.6, monitored_year=2024, source_document="演示数据（数值虚构）",
             note="监测值取自年度水土流失动态监测成果"),
        dict(indicator="hazards_closed", year_from=2024, year_to=2025, value=100.0, unit="percent",
             source_document="淤地坝安全运行管理要求（隐患全部整改销号）"),
    ]  # fmt: skip
    counts: dict[str, int] = {}
    for p in patches:
        if p["kind"] == "benggang":
            counts[p["township"]] = counts.get(p["township"], 0) + rules.benggang_plan_count(p)
    total, left = sum(counts.values()), 1000
    towns = sorted(counts, key=lambda t: -counts[t])
    for i, town in enumerate(towns):
        share = left if i == len(towns) - 1 else round(1000 * counts[town] / total)
        left -= share
        targets.append(dict(indicator="benggang_treated", township=town, year_from=2022, year_to=2025,
                            value=float(share), unit="item", source_document=f"{plan}任务分解（演示）"))  # fmt: skip
    g = _Gen(DEFAULT_SEED + 3)
    return [{**base, "uuid": g.uuid(), "created_at": "2022-01-10T02:00:00Z", **t} for t in targets]


def _recent_patrols(seed: int, dams: list[dict], today: dt.date, t: Thresholds | None = None) -> list[dict]:
    """The latest routine patrol of most dams, relative to `today`, so that the demo's due list is
    realistic: most dams patrolled within their interval, some due soon, about one in seven overdue.
    The intervals are those of `t` (default: the county's region, Jiangxi)."""
    g = _Gen(seed + 1)  # its own stream: the rest of the county does not depend on the date
    now = dt.datetime(today.year, today.month, today.day, 17, 0, tzinfo=dt.timezone.utc)
    now = min(now, dt.datetime.now(dt.timezone.utc))  # before 17:00 UTC today, no patrol in the future
    t = t or regions.resolve(COUNTY_CODE)  # Jiangxi's flood seasons
    interval = rules.patrol_interval_hours(today, t)
    kind = "flood_patrol" if rules.in_flood_season(today, t) else "hazard_survey"
    patrols = []
    for dam in dams:
        if dam["hazard_status"] == "dangerous" or g.rng.random() < 0.14:
            continue  # not patrolled lately: overdue
        hours_ago = interval * g.rng.uniform(0.05, 0.95)
        at = (now - dt.timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:00Z")
        lon, lat = wkb.loads(dam["geom"]).coords[0]
        plon, plat = g.near(lon, lat, 15)
        insp = {
            **_audit(g, today.year),
            "created_at": at, "dam_uuid": dam["uuid"], "kind": kind, "inspected_at": at,
            "inspector": dam["patrol_person"],
            "flood_storage_ok": True, "settlement": 0.0, "crack_type": "none", "seepage": "none",
            "result": "no_hazard", "position_source": "gps", "signature": "已签名", "step": "submitted",
            "geom": _wkb(Point(plon, plat)),
        }  # fmt: skip
        insp.update(rules.derive("dam_inspection", insp, Context(point=(plon, plat), parent_point=(lon, lat))))
        patrols.append(insp)
        dam["last_inspected_at"] = max(dam.get("last_inspected_at") or "", at)
    return patrols


# ---------------------------------------------------------------------------------------------
# Remote-sensing supervision: two province batches of suspected violation spots, the older one
# mostly closed (its open spots overdue), the current one mostly being re-checked.
# ---------------------------------------------------------------------------------------------
RS_PROJECTS = (  # project type, disturbance type, project name, builder
    ("real_estate", "other", "{t}{v}安置房建设项目", "赣县区城投置业有限公司"),
    ("transport", "spoil", "{t}至{v}公路改建工程弃渣场", "赣县区交通运输局"),
    ("mining", "borrow", "{t}{v}建筑用砂石场", "{v}砂石有限公司"),
    ("energy", "other", "{t}{v}农光互补光伏电站", "赣县区绿能新能源有限公司"),
    ("industry", "other", "赣县经开区{v}标准厂房", "赣县区工业园区开发有限公司"),
    ("agri_forestry", "other", "{t}{v}脐橙果园开发", "{v}果业专业合作社"),
    ("water", "other", "{t}{v}山塘除险加固工程", "赣县区水利局"),
)
RS_DETERMINATIONS = (("compliant", 0.3), ("unapproved_build", 0.3), ("unapproved_dump", 0.08),
                     ("beyond_scope", 0.12), ("unaccepted_operation", 0.08), ("non_production", 0.1),
                     ("other", 0.02))  # fmt: skip
# (round, days before today it was issued, days it had, the steps its spots are at, in turn)
RS_BATCHES = (
    (
        1,
        250,
        150,
        (
            "closed",
            "rectifying",
            "closed",
            "closed",
            "rechecked",
            "closed",
            "closed",
            "rectifying",
            "closed",
            "determined",
        ),
    ),
    (
        2,
        40,
        90,
        (
            "issued",
            "rechecked",
            "issued",
            "closed",
            "issued",
            "determined",
            "rechecked",
            "issued",
            "rectifying",
            "issued",
            "closed",
            "rechecked",
            "issued",
            "determined",
            "issued",
            "rectifying",
            "rechecked",
            "issued",
            "closed",
            "issued",
        ),
    ),
)
RS_TECHNICIANS = ("钟国平", "谢文海")


def _doc(prefix: str, g: _Gen, year: int) -> str:
    return f"赣县{prefix}〔{year}〕{g.rng.randrange(3, 180)}号"


def _rs_spots(seed: int, size: DemoSize, today: dt.date) -> tuple[list[dict], list[dict]]:
    g = _Gen(seed + 5)  # its own stream (not the duties'), dated relative to today
    spots, rechecks = [], []
    first = size.rs_spots // 3
    for i in range(size.rs_spots):
        round_, ago, days, steps = RS_BATCHES[0] if i < first else RS_BATCHES[1]
        issued = today - dt.timedelta(days=ago)
        town, tx, ty = g.rng.choice(TOWNSHIPS)
        cx, cy = g.near(tx, ty, 2500)
        village = g.rng.choice(VILLAGE_PARTS)
        geom = _scaled_blob(g.rng, cx, cy, g.rng.uniform(1500, 30000), n=9, irregularity=0.25)
        project_type, disturbance, name, builder = g.rng.choice(RS_PROJECTS)
        spot = {
            **_audit(g, issued.year), "created_at": f"{issued.isoformat()}T02:00:00Z",
            "spot_id": f"{COUNTY_CODE}{issued.year}{round_:02d}{i + 1:04d}", "batch_year": issued.year,
            "batch_round": round_, "issuer_level": "province", "issued_on": issued.isoformat(),
            "deadline": (issued + dt.timedelta(days=days)).isoformat(), "township": town, "village": village,
            "issued_area": round(_area_m2(geom) / 10_000 * g.rng.uniform(0.97, 1.03), 2),
            "disturbance_type": disturbance, "step": steps[(i if i < first else i - first) % len(steps)],
            "geom": _wkb(geom),
        }  # fmt: skip
        spot.update(rules.derive("rs_spot", spot, Context(polygons=_rings(geom))))
        project = {"project_type": project_type, "project_name": name.format(t=town[:2], v=village),
                   "builder": builder.format(v=village)}  # fmt: skip
        if spot["step"] != "issued":
            recheck = _rs_recheck(g, spot, geom, project, issued, today)
            rechecks.append(recheck)
            _rs_case(g, spot, recheck, today)
        elif g.rng.random() < 0.3:
            spot.update(project_type=project_type, project_name=project["project_name"])  # seen on the imagery
        spots.append(spot)
    return spots, rechecks


def _rs_recheck(g: _Gen, spot: dict, geom, project: dict, issued: dt.date, today: dt.date) -> dict:
    """The inspector's visit: near the spot, with what was found and the proposed determination."""
    determination = g.weighted(RS_DETERMINATIONS)
    if spot["step"] in ("determined", "rectifying"):  # only violations stay open after 认定
        determination = g.weighted([d for d in RS_DETERMINATIONS if d[0] not in RS_CLOSE_AT_DETERMINATION])
    when = min(issued + dt.timedelta(days=g.rng.randrange(4, 30)), today)
    c = geom.representative_point()
    lon, lat = g.near(c.x, c.y, 25)
    matches = g.rng.random() < 0.8
    found = determination != "non_production" or g.rng.random() < 0.5
    recheck = {
        **_audit(g, when.year), "created_at": f"{when.isoformat()}T03:00:00Z", "spot_uuid": spot["uuid"],
        "rechecked_at": f"{when.isoformat()}T{g.rng.randrange(1, 9):02d}:{g.rng.randrange(60):02d}:00Z",
        "inspector": g.person(), "disturbance_found": found, "determination": determination,
        "construction_status": g.rng.choice(("building", "finished", "stopped")) if found else None,
        "extent_matches": matches if found else None,
        "disturbed_area": None if matches or not found else round(spot["area"] * g.rng.uniform(0.6, 1.4), 2),
        "evidence": "现场拍照取证，核对项目立项及水土保持方案审批情况" if found else "现场为农户自建房前坪平整，非生产建设项目",
        "position_source": "gps", "step": "submitted", "geom": _wkb(Point(lon, lat)),
    }  # fmt: skip
    if found and determination != "non_production":
        recheck.update(project)
        if determination == "compliant":
            recheck["plan_approval_no"] = _doc("水保许", g, when.year - 1)
    recheck.update(rules.derive("rs_recheck", recheck, Context(point=(lon, lat), parent_polygons=_rings(geom))))
    return recheck


def _rs_case(g: _Gen, spot: dict, recheck: dict, today: dt.date) -> None:
    """The spot from its re-check to its step: 认定, the notice, a case, the evidence, 销号."""
    step, determination = spot["step"], recheck["determination"]
    day = dt.date.fromisoformat(recheck["rechecked_at"][:10])
    spot.update(rules.spot_after_recheck({"step": "issued"}, recheck), step=step)
    if step == "rechecked":
        return
    day = min(day + dt.timedelta(days=g.rng.randrange(2, 12)), today)
    spot.update(determined_at=day.isoformat(), determined_by=g.rng.choice(RS_TECHNICIANS))
    if determination in ("non_production", "other"):
        spot["determination_note"] = recheck["evidence"]
    if determination in RS_CLOSE_AT_DETERMINATION:  # closes at 认定
        spot.update(step="closed", closed_at=day.isoformat(), closed_by=spot["determined_by"])
        return
    if step == "determined":
        return
    day = min(day + dt.timedelta(days=g.rng.randrange(1, 5)), today)
    unapproved = determination in ("unapproved_build", "unapproved_dump")
    spot.update(notice_type="plan_notice" if unapproved else "rectify_notice", notice_date=day.isoformat(),
                notice_no=_doc("水保通", g, day.year),
                notice_deadline=(day + dt.timedelta(days=g.rng.choice((30, 60)))).isoformat())  # fmt: skip
    if g.rng.random() < 0.15:
        spot.update(case_no=_doc("水执罚立", g, day.year), case_filed_on=day.isoformat())
    if step == "rectifying":
        return
    day = min(day + dt.timedelta(days=g.rng.randrange(10, 50)), today)
    evidence = RS_EVIDENCE_FOR[determination][0]
    spot.update(evidence_type=evidence, evidence_date=day.isoformat(), closed_at=day.isoformat(),
                closed_by=g.rng.choice(RS_TECHNICIANS))  # fmt: skip
    if evidence in ("restoration", "other"):
        spot["evidence_note"] = "已拆除临时设施并复绿，现场核查符合要求"
    else:
        spot["evidence_no"] = _doc("水保验备" if evidence == "acceptance_filing" else "水保许", g, day.year)


def generate(
    seed: int = DEFAULT_SEED,
    size: DemoSize | None = None,
    today: dt.date | None = None,
    patrols: Thresholds | None = None,
) -> dict[str, list[dict]]:
    """All demo records by kind: model field values plus `geom` as ISO WKB (lon/lat).

    Recent patrols are dated relative to `today` (default: the real date) at the intervals of
    `patrols` (default: the county's region)."""
    size = size or DemoSize()
    g = _Gen(seed)
    watersheds = _watersheds(g, size)
    spots = [s for w in watersheds for s in _spots(g, w, size.spots_per_watershed)]
    patches, measures = _patches(g, size, watersheds)
    dams, inspections, hazards = _dams(g, size, watersheds)
    inspections += _recent_patrols(seed, dams, today or dt.date.today(), patrols)
    duties = _Gen(seed + 4)  # issue 13's duties, their own stream: the records above do not change
    _erosion(duties, watersheds, spots)
    extra = _Gen(seed + 2)  # its own stream: the records above do not change
    acceptances, checks = _acceptances(extra, watersheds, spots)
    surveys = _surveys(extra, patches)
    _delist(extra, dams, patches)
    _dam_duties(duties, dams, hazards)
    measures += _patch_duties(duties, patches, measures)
    _caretakers(duties, spots)
    upkeep = _upkeep(duties, patches, watersheds, spots)
    patch_acceptances = _patch_acceptances(_Gen(seed + 6), patches, measures)  # its own stream
    rs_spots, rs_rechecks = _rs_spots(seed, size, today or dt.date.today())
    for w in watersheds:
        del w["_shape"]
    data = {
        "watershed": watersheds,
        "watershed_spot": spots,
        "watershed_acceptance": acceptances,
        "spot_check": checks,
        "patch": patches,
        "patch_measure": measures,
        "patch_acceptance": patch_acceptances,
        "patch_survey": surveys,
        "dam": dams,
        "dam_inspection": inspections,
        "dam_hazard": hazards,
        "target": _targets(patches),
        **upkeep,
        "rs_spot": rs_spots,
        "rs_recheck": rs_rechecks,
    }
    for kind in data:
        assert kind in RECORD_KINDS
    return {k: [{n: v for n, v in r.items() if v is not None} for r in data[k]] for k in KIND_ORDER}


def problems(data: dict[str, list[dict]]) -> list[str]:
    """Every validation problem of the demo records (there should be none), 已验收 with its acceptances."""
    out = []
    for kind, records in data.items():
        acceptance = rules.TREATMENT_ACCEPTANCE.get(kind)
        field = RECORD_KINDS[acceptance].parent_field if acceptance else None
        for r in records:
            values = {k: v for k, v in r.items() if k != "geom"}
            own = [a for a in data.get(acceptance, ()) if a.get(field) == r["uuid"]] if acceptance else None
            for p in rules.validate(kind, values, ctx=Context(children={acceptance: own}) if acceptance else None):
                out.append(f"{kind} {r.get('code') or r['uuid']}: {p.en}")
    return out


def write_store(path: str | Path, data: dict[str, list[dict]]):
    """Write the records into a new store at `path` (overwriting it) through the store API."""
    from shuibao.layers.store import create_store

    store = create_store(str(path), overwrite=True)
    for kind in KIND_ORDER:
        if data.get(kind):
            store.insert_records(kind, data[kind])
    return store


def build(path: str | Path, seed: int = DEFAULT_SEED, size: DemoSize | None = None):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return write_store(path, generate(seed, size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="build/demo/ganxian.gpkg")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--small", action="store_true")
    args = parser.parse_args()
    build(args.path, args.seed, DemoSize.small() if args.small else None)
    print(args.path)


if __name__ == "__main__":
    main()
