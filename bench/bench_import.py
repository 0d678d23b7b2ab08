"""Register import: 10,000 dams from an Excel ledger (度分秒, m³) and from a GBK Shapefile in a
Gauss-Krüger zone, into an empty offline store — the check (dry run), the import, and the same file
again (all unchanged). Beside it, the peer's best case: GDAL's ``ogr2ogr`` appending the same
Shapefile to a GeoPackage as it is (no mapping, no units, no validation, no change log)."""

from __future__ import annotations

import importlib.util
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
        ogr2ogr = shutil.which("ogr2ogr")
        if ogr2ogr:
            with timer() as t:
                subprocess.run([ogr2ogr, "-f", "GPKG", str(work / "peer.gpkg"), str(shp), "-nln", "dam_raw",
                                "-t_srs", "EPSG:4490", "--config", "SHAPE_ENCODING", "GB18030"], check=True)  # fmt: skip
            results["import_peer_ogr2ogr_shp_s"] = t[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)
