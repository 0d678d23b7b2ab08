"""Deterministic demo data: one county of Ganzhou (赣县区, 360721) with dams, patches, watersheds."""

from __future__ import annotations

import math
import random
import uuid as uuidlib

import shapely
import sqlalchemy as sa
from shapely.geometry import MultiPolygon, Point, Polygon

from . import auth
from .loader import apply_changes, insert_change, system_principal

DEMO_COUNTY = "360721"  # 赣州市赣县区
DEMO_CENTRE = (115.00, 25.87)
DEMO_USERS = (
    ("demo_admin", "admin", "demo-admin-pass"),
    ("demo_tech", "technician", "demo-tech-pass"),
    ("demo_inspector", "inspector", "demo-inspector-pass"),
    ("demo_inspector2", "inspector", "demo-inspector2-pass"),
    ("demo_acceptor", "acceptor", "demo-acceptor-pass"),
)
NS = uuidlib.UUID("6f1c0d52-7d0e-4f5e-9a39-5b3c2a1d0e11")
TOWNS = ("梅林镇", "王母渡镇", "韩坊镇", "田村镇", "南塘镇", "茅店镇", "吉埠镇", "五云镇")


def _uuid(name: str) -> str:
    return str(uuidlib.uuid5(NS, name))


def _square(lon: float, lat: float, side_m: float, rng: random.Random) -> str:
    dlat = side_m / 111_000
    dlon = side_m / (111_000 * math.cos(math.radians(lat)))
    pts = []
    for i in range(7):
        a = 2 * math.pi * i / 7
        r = 0.7 + 0.3 * rng.random()
        pts.append((lon + dlon * r * math.cos(a), lat + dlat * r * math.sin(a)))
    return shapely.to_wkb(MultiPolygon([Polygon(pts)]), hex=True)


def demo_changes(county: str = DEMO_COUNTY, dams: int = 300, patches: int = 300, spots: int = 40) -> list[dict]:
    rng = random.Random(20240601)  # noqa: S311 - reproducible demo data
    lon0, lat0 = DEMO_CENTRE
    out = []
    for i in range(dams):
        lon, lat = lon0 + rng.uniform(-0.25, 0.25), lat0 + rng.uniform(-0.2, 0.2)
        storage = round(rng.choice((rng.uniform(1, 10), rng.uniform(10, 50), rng.uniform(50, 120))), 2)
        out.append(insert_change("dam", _uuid(f"dam-{county}-{i}"), {
            "county_code": county, "code": f"{county}-YDB-{i + 1:04d}", "name": f"{rng.choice(TOWNS)[:2]}{i + 1}号坝",
            "township": rng.choice(TOWNS), "total_storage": storage, "dam_height": round(rng.uniform(5, 25), 1),
            "control_area": round(rng.uniform(0.5, 8), 2), "year_built": rng.randint(1965, 2015),
            "admin_person": "刘镇长", "tech_person": "陈工", "patrol_person": f"巡查员{i % 20 + 1}",
            "hazard_status": rng.choice(("normal",) * 8 + ("dangerous", "reinforcing")),
            "outlet_type": rng.choice(("inclined_pipe", "shaft", "culvert", "none")),
            "geom": shapely.to_wkb(Point(lon, lat), hex=True),
        }))  # fmt: skip
    for i in range(patches):
        lon, lat = lon0 + rng.uniform(-0.25, 0.25), lat0 + rng.uniform(-0.2, 0.2)
        out.append(insert_change("patch", _uuid(f"patch-{county}-{i}"), {
            "county_code": county, "code": f"{county}-BG-{i + 1:04d}", "kind": "benggang",
            "township": rng.choice(TOWNS), "shape": rng.choice(("scoop", "strip", "claw", "arc", "mixed")),
            "activity": rng.choice(("active", "stable")),
            "treatment_status": rng.choice(("untreated", "untreated", "treating", "completed")),
            "geom": _square(lon, lat, rng.uniform(15, 90), rng),
        }))  # fmt: skip
    for w, (name, dlon) in enumerate((("平江小流域", -0.12), ("桃江小流域", 0.12))):
        wuuid = _uuid(f"watershed-{county}-{w}")
        clon, clat = lon0 + dlon, lat0
        out.append(insert_change("watershed", wuuid, {
            "county_code": county, "code": f"{county}-XLY-{w + 1:02d}", "name": name, "county_codes": county,
            "project_type": ("eco_clean", "comprehensive")[w], "year": 2023, "eroded_area": 6.5,
            "geom": _square(clon, clat, 2500, rng),
        }))  # fmt: skip
        for s in range(spots):
            ang, rad = rng.uniform(0, 2 * math.pi), rng.uniform(0.0, 0.012)
            measure = rng.choice(("terrace", "afforestation", "grass", "orchard", "check_weir", "closure"))
            out.append(insert_change("watershed_spot", _uuid(f"spot-{county}-{w}-{s}"), {
                "county_code": county, "watershed_uuid": wuuid, "spot_code": f"TB{w + 1}-{s + 1:03d}",
                "measure_type": measure, "unit": "count" if measure == "check_weir" else "hm2",
                "design_qty": 1.0 if measure == "check_weir" else round(rng.uniform(1, 20), 1),
                "geom": _square(clon + rad * math.cos(ang), clat + rad * math.sin(ang), 120, rng),
            }))  # fmt: skip
    return out


def seed(engine: sa.Engine, county: str = DEMO_COUNTY, **sizes: int) -> dict:
    """Create demo users (if missing) and records. Re-running is harmless (inserts are idempotent)."""
    users = []
    existing = {u["username"] for u in auth.list_users(engine)}
    for name, role, password in DEMO_USERS:
        if name not in existing:
            auth.add_user(engine, name, password, role, [county])
        users.append((name, role, password))
    result = apply_changes(engine, system_principal("seed-demo", [county]), demo_changes(county, **sizes))
    result["users"] = users
    return result
