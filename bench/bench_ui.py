"""Dock benchmark: fill, filter and map-selection sync of the dam dock on a 100,000-dam store, and
fill and filter of the remote-sensing dock on 100,000 spots (a province's worth of batches).

The stores are made with layers.store.create_store + insert_records (SHUIBAO_BENCH_SCALE shrinks them).
Figures: dock_fill_s_100k, dock_filter_s_100k, dock_select_1000_s_100k, rs_dock_fill_s_100k,
rs_dock_filter_s_100k (targets < 0.5 s each).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import struct
import tempfile
import uuid
from pathlib import Path

from .common import scaled, timer

N_DAMS = 100_000
TOWNSHIPS = ("梅林", "王母渡", "韩坊", "大埠", "江口", "田村", "白石", "吉埠", "石芫", "五云")


def _last_patrol(rng: random.Random, now: dt.datetime) -> str | None:
    """A county that patrols: a tenth never inspected, the rest within the last two weeks, so the
    list holds both overdue dams and dams due later this week."""
    if rng.random() < 0.1:
        return None
    return (now - dt.timedelta(hours=rng.uniform(0, 14 * 24))).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _dams(n: int):
    rng = random.Random(7)
    now = dt.datetime.now(dt.timezone.utc)
    for i in range(n):
        lon, lat = 114.6 + rng.random() * 0.8, 25.5 + rng.random() * 0.7
        yield {
            "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "county_code": "360704",
            "code": f"YDB{i:06d}",
            "name": f"测试{i}号坝",
            "township": rng.choice(TOWNSHIPS),
            "total_storage": round(rng.uniform(0.5, 80), 2),
            "hazard_status": rng.choice(("normal", "normal", "dangerous", "reinforcing", "cleared")),
            "register_status": "registered",
            "last_inspected_at": _last_patrol(rng, now),
            "geom": struct.pack("<BI2d", 1, 1, lon, lat),
        }


STEPS = ("issued", "issued", "rechecked", "determined", "rectifying", "closed", "closed")
VIOLATIONS = ("unapproved_build", "unapproved_dump", "beyond_scope", "unaccepted_operation")


def _spots(n: int):
    """Spots of 20 batches over the county: small squares, at every step, some past their deadline."""
    rng = random.Random(11)
    today = dt.date.today()
    for i in range(n):
        lon, lat, d = 114.6 + rng.random() * 0.8, 25.5 + rng.random() * 0.7, 0.0005 + rng.random() * 0.001
        ring = [(lon, lat), (lon + d, lat), (lon + d, lat + d), (lon, lat + d), (lon, lat)]
        step = rng.choice(STEPS)
        round_ = i % 20 + 1
        issued = today - dt.timedelta(days=20 * (21 - round_))
        spot = {
            "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "county_code": "360704",
            "spot_id": f"3607042025{round_:02d}{i:06d}", "batch_year": issued.year, "batch_round": round_,
            "issuer_level": "province", "batch": f"{issued.year}年省级第{round_}批", "issued_on": issued.isoformat(),
            "deadline": (issued + dt.timedelta(days=120)).isoformat(), "township": rng.choice(TOWNSHIPS),
            "step": step, "geom": struct.pack("<BII", 1, 6, 1) + struct.pack("<BII", 1, 3, 1)
            + struct.pack("<I", len(ring)) + b"".join(struct.pack("<2d", *p) for p in ring),
        }  # fmt: skip
        if step not in ("issued", "rechecked"):
            spot["determination"] = rng.choice(VIOLATIONS)
        yield spot


def _spot_dock(results: dict, n: int, tmp: str) -> None:
    from qgis.core import QgsProject
    from shuibao.layers.project import open_store_in_project
    from shuibao.layers.store import create_store
    from shuibao.ui.docks import RsSpotDock

    path = Path(tmp) / "bench-rs.gpkg"
    create_store(path).insert_records("rs_spot", _spots(n))
    project = QgsProject.instance()
    open_store_in_project(str(path), project, language="zh")
    dock = RsSpotDock(None, project=project, lang="zh")
    try:
        with timer() as t:
            dock.reload()
        assert dock.count() == n, (dock.count(), n)
        results["rs_dock_fill_s_100k"] = t[0]
        c = dock.contents
        batch, determination = dock.facet_combos["batch"], dock.facet_combos["determination"]
        steps = (
            lambda: batch.setCurrentIndex(3),
            lambda: determination.setCurrentIndex(determination.findData("unapproved_build")),
            lambda: c.dueCombo.setCurrentIndex(c.dueCombo.findData("overdue")),
            lambda: c.townshipCombo.setCurrentIndex(2),
            *(
                lambda combo=combo: combo.setCurrentIndex(0)
                for combo in (batch, determination, c.dueCombo, c.townshipCombo)
            ),
        )  # each a single change a person makes; the slowest counts
        worst = 0.0
        for step in steps:
            with timer() as t:
                step()
                dock.model.rowCount()
            worst = max(worst, t[0])
        assert dock.model.rowCount() == n
        results["rs_dock_filter_s_100k"] = worst
    finally:
        dock.disconnect_all()
        project.removeAllMapLayers()
        project.clear()


def run(results: dict) -> None:
    from qgis.core import QgsApplication, QgsProject

    app = QgsApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QgsApplication([], True)
        app.initQgis()
    from shuibao.layers.project import open_store_in_project
    from shuibao.layers.store import create_store
    from shuibao.ui.docks import DamDock

    n = scaled(N_DAMS)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench-ui.gpkg"
        store = create_store(path)
        store.insert_records("dam", _dams(n))
        project = QgsProject.instance()
        layers = open_store_in_project(str(path), project, language="zh")
        layer = layers["dam"]
        dock = DamDock(None, project=project, lang="zh")
        try:
            with timer() as t:
                dock.reload()
            assert dock.count() == n, (dock.count(), n)
            results["dock_fill_s_100k"] = t[0]
            c = dock.contents
            steps = (
                lambda: c.filterEdit.setText("YDB0012"),
                lambda: c.statusCombo.setCurrentIndex(c.statusCombo.findData("dangerous")),
                lambda: c.filterEdit.clear(),
                lambda: c.statusCombo.setCurrentIndex(0),
            )
            worst = 0.0
            for step in steps:  # the slowest single filter change counts
                with timer() as t:
                    step()
                    dock.model.rowCount()
                worst = max(worst, t[0])
            assert dock.model.rowCount() == n
            results["dock_filter_s_100k"] = worst
            fids = random.Random(3).sample(layer.allFeatureIds(), min(1000, n))
            with timer() as t:
                layer.selectByIds(fids)
            assert len(dock.selected_fids()) == len(fids)
            results["dock_select_1000_s_100k"] = t[0]
        finally:
            dock.disconnect_all()
            project.removeAllMapLayers()
            project.clear()
        _spot_dock(results, n, tmp)
