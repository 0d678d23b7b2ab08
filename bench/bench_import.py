"""Register import: 10,000 dams from an Excel ledger (度分秒, m³) and from a GBK Shapefile in a
Gauss-Krüger zone, into an empty offline store — the check (dry run), the import, and the same file
again (all unchanged). Beside it, the peer's best case: GDAL's ``ogr2ogr`` appending the same
Shapefile to a GeoPackage as it is (no mapping, no units, no validation, no change log).

The same Shapefile through ``shuibao-server import`` into the server database (SQLite, PostGIS):
the dry run (the push's checks in a transaction rolled back), ``--apply`` (written as a push, with
history) and the re-import; beside it ``ogr2ogr`` copying the Shapefile into PostGIS as it is.

A province's batch of 500 remote-sensing spots (GeoPackage, Chinese headers, 亩, the deadline typed
once) into a store, then its corrected version (matched by issued id: updates), beside ogr2ogr."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .common import scaled, timer

ROOT = Path(__file__).resolve().parent.parent


def _samples():
    spec = importlib.util.spec_from_file_location("register_samples", ROOT / "tools" / "register_samples.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["register_samples"] = module
    spec.loader.exec_module(module)
    return module


def _measure(results: dict, label: str, path: Path, county: str, work: Path) -> None:
    from shuibao.importer.store_target import StoreTarget
    from shuibao.layers.store import create_store
    from shuibao.registers.run import run_import

    target = StoreTarget(create_store(work / f"{label}.gpkg"))
    with timer() as t:
        check = run_import(path, "dam", target, county=county)
    with timer() as w:
        done = run_import(path, "dam", target, county=county, dry_run=False)
    with timer() as again:
        same = run_import(path, "dam", target, county=county, dry_run=False)
    n = len(check.plan.rows)
    assert done.written["inserted"] == n and same.plan.counts()["unchanged"] == n, (done.written, same.plan.counts())
    results[f"import_{label}_rows"] = n
    results[f"import_{label}_check_s"] = t[0]
    results[f"import_{label}_import_s"] = w[0]
    results[f"import_{label}_reimport_s"] = again[0]
    results[f"import_{label}_rows_per_s"] = n / w[0]


def _measure_spots(results: dict, rf, work: Path) -> None:
    """A province batch of 500 spots: check, import, and the corrected batch re-imported."""
    from shuibao.importer.store_target import StoreTarget
    from shuibao.layers.store import create_store
    from shuibao.registers import mapping as mappinglib
    from shuibao.registers import sources
    from shuibao.registers.run import run_import

    n = scaled(500, minimum=20)
    frame = rf.rs_batch_frame(n)
    batch = rf.write_rs_gpkg(work / "batch.gpkg", frame)
    corrected = rf.write_rs_gpkg(work / "batch-corrected.gpkg", rf.corrected_batch(frame))
    table = sources.read(str(batch), None)
    mapping = mappinglib.guess("rs_spot", table.columns, table.spatial)
    mapping.constants["deadline"] = "2025-06-30"
    target = StoreTarget(create_store(work / "spots.gpkg"))
    with timer() as t:
        check = run_import(batch, "rs_spot", target, mapping=mapping)
    with timer() as w:
        done = run_import(batch, "rs_spot", target, mapping=mapping, dry_run=False)
    with timer() as again:
        fixed = run_import(corrected, "rs_spot", target, mapping=mapping, dry_run=False)
    assert done.written["inserted"] == n == len(check.plan.rows), done.written
    assert fixed.written == {"inserted": 1, "updated": 3}, fixed.written
    results["import_rs_batch_spots"] = n
    results["import_rs_batch_check_s"] = t[0]
    results["import_rs_batch_import_s"] = w[0]
    results["import_rs_batch_corrected_s"] = again[0]
    ogr2ogr = shutil.which("ogr2ogr")
    if ogr2ogr:
        with timer() as t:
            subprocess.run([ogr2ogr, "-f", "GPKG", str(work / "peer-spots.gpkg"), str(batch), "-nln", "spots_raw"],
                           check=True)  # fmt: skip
        results["import_rs_batch_peer_ogr2ogr_s"] = t[0]


def _server_import(results: dict, backend: str, url: str, shp: Path, county: str) -> None:
    from shuibao_server import db
    from shuibao_server.cli import main

    db.migrate(db.make_engine(url))
    args = ["--database-url", url, "import", str(shp), "--kind", "dam", "--county", county]
    for step, extra in (("check", []), ("import", ["--apply"]), ("reimport", ["--apply"])):
        out = io.StringIO()
        with timer() as t, contextlib.redirect_stdout(out):
            code = main([*args, *extra])
        assert code == 0, out.getvalue()[-2000:]
        results[f"import_server_{backend}_{step}_s"] = t[0]
    assert "无变化" in out.getvalue() and "新增 0" in out.getvalue(), out.getvalue()[-2000:]


def _server(results: dict, shp: Path, county: str, work: Path) -> None:
    from shuibao_server.testing.pg import PgCluster, pg_bin

    _server_import(results, "sqlite", f"sqlite:///{work / 'server.sqlite'}", shp, county)
    if pg_bin() is None:
        print("[import] PostgreSQL not installed: PostGIS figures skipped")
        return
    with PgCluster() as cluster:
        _server_import(results, "postgis", cluster.create_database("bench_import"), shp, county)
        ogr2ogr = shutil.which("ogr2ogr")
        if ogr2ogr:
            peer = cluster.create_database("bench_import_peer")
            _ogr_pg(results, ogr2ogr, peer, shp)


def _ogr_pg(results: dict, ogr2ogr: str, url: str, shp: Path) -> None:
    """The peer: GDAL copying the Shapefile into a PostGIS table as it is (one transaction)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    pg = f"PG:host={u.host} port={u.port} dbname={u.database} user={u.username}"
    with timer() as t:
        subprocess.run([ogr2ogr, "-f", "PostgreSQL", pg, str(shp), "-nln", "dam_raw", "-t_srs", "EPSG:4490",
                        "-gt", "65536", "--config", "SHAPE_ENCODING", "GB18030"], check=True)  # fmt: skip
    results["import_peer_ogr2ogr_shp_postgis_s"] = t[0]


def run(results: dict) -> None:
    rf = _samples()
    n = scaled(10_000)
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        rows = rf.dam_rows(n)
        xlsx = rf.write_xlsx_dms(work / "dams.xlsx", rows)
        shp = rf.write_gbk_shapefile(work / "dams.shp", rf.dam_rows(n, lon0=108.8, lat0=37.6, prefix="JB"))
        _measure(results, "xlsx", xlsx, "360704", work)
        _measure(results, "shp", shp, "610824", work)
        _measure_spots(results, rf, work)
        _server(results, shp, "610824", work)
        ogr2ogr = shutil.which("ogr2ogr")
        if ogr2ogr:
            with timer() as t:
                subprocess.run([ogr2ogr, "-f", "GPKG", str(work / "peer.gpkg"), str(shp), "-nln", "dam_raw",
                                "-t_srs", "EPSG:4490", "--config", "SHAPE_ENCODING", "GB18030"], check=True)  # fmt: skip
            results["import_peer_ogr2ogr_shp_s"] = t[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)
