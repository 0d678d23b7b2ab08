"""Sync benchmarks: end-to-end push + pull-and-apply, local apply vs geodiff and the SQLite floor, QGIS offline editing.

``run(results)`` fills flat figures (seconds). SHUIBAO_BENCH_SCALE shrinks N and K;
SHUIBAO_BENCH_OFFLINE=0 skips the QgsOfflineEditing peer (minutes at full size); SHUIBAO_BENCH_POSTGIS=0 skips PostGIS.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import shapely
from shapely.geometry import Point
from shuibao.layers import codec, gpkg, migrations, sync_local
from shuibao.layers.store import transaction as store_transaction
from shuibao.model import RECORD_KINDS
from shuibao.sync.api import ApiClient
from shuibao.sync.engine import SyncEngine, SyncSettings

from .common import scaled

ROOT = Path(__file__).resolve().parent.parent


def _harness():
    name = "shuibao_sync_harness"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "sync_harness.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


SETTINGS = SyncSettings(batch_size=5000, page_size=5000)


def _sync(store, url: str, user: str) -> object:
    h = _harness()
    api = ApiClient(url)
    try:
        with SyncEngine(store, api, username=user, password=h.PASSWORD, settings=SETTINGS) as e:
            return e.sync()
    finally:
        api.close()


def _fill(store, n: int) -> list[str]:
    h = _harness()
    uuids = []
    for start in range(0, n, 20000):
        dams = [h.dam(name=f"坝{i}", geom=h.point_wkb(110 + (i % 1000) / 100, 30 + (i // 1000) / 1000))
                for i in range(start, min(n, start + 20000))]  # fmt: skip
        store.insert_records("dam", dams)
        uuids += [d["uuid"] for d in dams]
    return uuids


def _edit(path: Path, uuids: list[str], k: int, tag: str) -> None:
    conn = sqlite3.connect(str(path))
    gpkg.register_functions(conn)
    step = max(1, len(uuids) // k)
    rows = []
    for j, u in enumerate(uuids[::step][:k]):
        geom = gpkg.encode(shapely.to_wkb(Point(112 + j / 1e5, 31), flavor="iso"))
        rows.append((f"{tag}{j}", float(j % 90), geom, u))
    conn.executemany("UPDATE dam SET name = ?, dam_height = ?, geom = ? WHERE uuid = ?", rows)
    conn.commit()
    conn.close()


class Setup:
    """A server with N dams pushed by client A and pulled by client B."""

    def __init__(self, n: int, work: Path, database_url: str | None = None):
        h = _harness()
        self.dir = work / f"n{n}-{'pg' if database_url else 'sqlite'}"
        (self.dir / "server").mkdir(parents=True)
        self.server = h.Server(self.dir / "server", database_url)
        self.server.add_user("ann")
        self.server.add_user("bob")
        self.server.start()
        self.a = h.new_store(self.dir / "a.gpkg")
        self.b = h.new_store(self.dir / "b.gpkg")
        self.uuids = _fill(self.a, n)
        t0 = time.perf_counter()
        _sync(self.a, self.server.url, "ann")
        _sync(self.b, self.server.url, "bob")
        self.build_s = time.perf_counter() - t0

    def e2e(self, k: int, tag: str) -> float:
        _edit(self.a.path, self.uuids, k, tag)
        t0 = time.perf_counter()
        _sync(self.a, self.server.url, "ann")
        _sync(self.b, self.server.url, "bob")
        return time.perf_counter() - t0

    def close(self) -> None:
        self.server.stop()


def _pulled_pages(setup: Setup) -> list[dict]:
    """The pages client B pulls next (fetched once: the apply figures leave the network out)."""
    h = _harness()
    api = ApiClient(setup.server.url)
    try:
        with SyncEngine(setup.b, api, username="bob", password=h.PASSWORD, settings=SETTINGS) as e:
            e.login()
            cursor = sync_local.get(e.conn, sync_local.K_CURSOR)
        pages = []
        while True:
            page = api.pull(cursor, 5000)
            pages.append(page)
            cursor = page["cursor"]
            if not page["has_more"]:
                return pages
    finally:
        api.close()


def _plain_dam_copy(store_path: Path, dest: Path) -> Path:
    """A copy of the store where ``dam`` is a plain GeoPackage table: capture triggers dropped."""
    shutil.copy(store_path, dest)
    conn = sqlite3.connect(str(dest))
    gpkg.register_functions(conn)
    with conn:
        migrations.drop_capture(conn)
    conn.close()
    return dest


def _storage_rows(pages: list[dict]) -> tuple[str, list[tuple]]:
    """The pulled dams as one UPDATE statement and its rows in storage form (what the floor writes)."""
    kind = RECORD_KINDS["dam"]
    names = [n for n in kind.field_names() if n != "uuid"] + ["geom"]
    rows = []
    for page in pages:
        for it in page["items"]:
            vals = it["values"]
            rows.append((*(codec.to_storage(kind, n, vals.get(n)) for n in names), it["uuid"]))
    sets = ", ".join(f'"{n}" = ?' for n in names)
    return f"UPDATE dam SET {sets} WHERE uuid = ?", rows  # noqa: S608 - model names


def _dam_digest(path: Path) -> str:
    conn = sqlite3.connect(str(path))
    try:
        rows = conn.execute("SELECT uuid, name, dam_height, hex(geom) FROM dam ORDER BY uuid").fetchall()
    finally:
        conn.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _apply_vs_peers(setup: Setup, k: int, results: dict, suffix: str) -> None:
    """The same K pulled edits applied three ways, each from the same starting state of ``dam``:

    * ours: the pull apply into the store (records, base copies, conflict check; capture off);
    * geodiff ``apply_changeset`` into a plain copy of the ``dam`` table (capture triggers dropped,
      only ``dam`` diffed): its best case, without our bookkeeping;
    * the SQLite floor: one ``executemany`` of the same rows into that plain copy.
    All three end in the same ``dam`` table (checked).
    """
    import pygeodiff

    plain = _plain_dam_copy(setup.b.path, setup.dir / "plain-base.gpkg")
    _edit(setup.a.path, setup.uuids, k, "gd")
    _sync(setup.a, setup.server.url, "ann")
    pages = _pulled_pages(setup)
    assert sum(len(p["items"]) for p in pages) == k  # nosec B101 - the benchmark measures what it says
    with SyncEngine(setup.b, ApiClient(setup.server.url)) as engine:  # its apply; no request is made
        conn = engine.conn
        t0 = time.perf_counter()
        for page in pages:
            with store_transaction(conn):
                engine._apply_items(page["items"])
                sync_local.put(conn, sync_local.K_CURSOR, page["cursor"])
        results[f"local_apply_s_{suffix}"] = time.perf_counter() - t0
    floor = shutil.copy(plain, setup.dir / "floor.gpkg")
    sql, rows = _storage_rows(pages)
    conn = sqlite3.connect(str(floor), isolation_level=None)
    gpkg.register_functions(conn)
    conn.execute("PRAGMA synchronous = FULL")
    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(sql, rows)
    conn.execute("COMMIT")
    results[f"sqlite_floor_s_{suffix}"] = time.perf_counter() - t0
    conn.close()
    gd = pygeodiff.GeoDiff()
    gd.set_tables_to_include(["dam"])
    changeset = str(setup.dir / "changeset.bin")
    t0 = time.perf_counter()
    gd.create_changeset(str(plain), str(floor), changeset)
    results[f"geodiff_create_s_{suffix}"] = time.perf_counter() - t0
    target = shutil.copy(plain, setup.dir / "geodiff-target.gpkg")
    t0 = time.perf_counter()
    gd.apply_changeset(str(target), changeset)
    results[f"geodiff_apply_s_{suffix}"] = time.perf_counter() - t0
    digests = {_dam_digest(p) for p in (Path(setup.b.path), Path(floor), Path(target))}
    assert len(digests) == 1, "the three applies must end in the same dam table"  # nosec B101
    results[f"local_apply_vs_geodiff_{suffix}"] = (
        results[f"local_apply_s_{suffix}"] / results[f"geodiff_apply_s_{suffix}"]
    )
    print(
        f"apply {k} pulled edits, {suffix}: ours {results[f'local_apply_s_{suffix}']:.2f} s, geodiff "
        f"{results[f'geodiff_apply_s_{suffix}']:.2f} s (+{results[f'geodiff_create_s_{suffix}']:.2f} s to diff), "
        f"SQLite floor {results[f'sqlite_floor_s_{suffix}']:.2f} s"
    )


def _offline_editing(n: int, k: int, results: dict, work: Path) -> None:
    from qgis.core import QgsApplication, QgsOfflineEditing, QgsProject, QgsVectorLayer

    h = _harness()
    app = QgsApplication.instance() or QgsApplication([], False)
    app.initQgis()
    work.mkdir(parents=True, exist_ok=True)
    src = h.new_store(work / "offline-src.gpkg")
    uuids = _fill(src, n)
    layer = QgsVectorLayer(f"{src.path}|layername=dam", "dam", "ogr")
    QgsProject.instance().addMapLayer(layer)
    off = QgsOfflineEditing()
    off.convertToOfflineProject(str(work), "offline.gpkg", [layer.id()], False, QgsOfflineEditing.GPKG)
    lyr = next(iter(QgsProject.instance().mapLayers().values()))
    idx = lyr.fields().indexOf("name")
    step = max(1, len(uuids) // k)
    wanted = set(uuids[::step][:k])
    lyr.startEditing()
    for f in lyr.getFeatures():
        if f["uuid"] in wanted:
            lyr.changeAttributeValue(f.id(), idx, "离线")
    lyr.commitChanges()
    t0 = time.perf_counter()
    off.synchronize()
    results[f"offline_editing_sync_s_K{k}_N{n}"] = time.perf_counter() - t0
    QgsProject.instance().clear()


def run(results: dict) -> None:
    work = Path(tempfile.mkdtemp(prefix="sb-bench-sync-"))
    k1 = scaled(1000, 50)
    sizes = {10_000: scaled(10_000, 500), 100_000: scaled(100_000, 1000), 300_000: scaled(300_000, 3000)}
    try:
        for label, n in sizes.items():
            setup = Setup(n, work)
            try:
                results[f"build_base_s_N{label}_sqlite"] = setup.build_s
                setup.e2e(k1, "warm")  # first edit round warms caches
                results[f"e2e_sync_s_K1000_N{label}_sqlite"] = setup.e2e(k1, "e")
                if label == 100_000:
                    results["e2e_sync_s_K10000_N100000_sqlite"] = setup.e2e(scaled(10_000, 100), "f")
                    _apply_vs_peers(setup, scaled(10_000, 100), results, "K10000_N100000")
            finally:
                setup.close()
        if results.get("e2e_sync_s_K1000_N10000_sqlite"):
            results["e2e_growth_N10000_to_N300000"] = (
                results["e2e_sync_s_K1000_N300000_sqlite"] / results["e2e_sync_s_K1000_N10000_sqlite"]
            )
        if os.environ.get("SHUIBAO_BENCH_POSTGIS", "1") != "0":
            _postgis(sizes[100_000], k1, work, results)
        if os.environ.get("SHUIBAO_BENCH_OFFLINE", "1") != "0":
            _offline_editing(sizes[100_000], k1, results, work / "offline")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _postgis(n: int, k: int, work: Path, results: dict) -> None:
    try:
        from shuibao_server.testing.pg import PgCluster, pg_bin
    except ImportError:
        return
    if pg_bin() is None:
        return
    cluster = PgCluster().start()
    try:
        url = cluster.create_database("shuibao_bench")
        setup = Setup(n, work, url)
        try:
            results["build_base_s_N100000_postgis"] = setup.build_s
            setup.e2e(k, "warm")
            results["e2e_sync_s_K1000_N100000_postgis"] = setup.e2e(k, "e")
        finally:
            setup.close()
    finally:
        cluster.stop()


if __name__ == "__main__":
    out: dict = {}
    run(out)
    for key, value in sorted(out.items()):
        print(f"{key:<45} {value:.3f}")
