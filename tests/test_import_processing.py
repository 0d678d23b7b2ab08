"""``shuibao:import`` through processing.run and through qgis_process.bin, as an office scripts it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import register_files as rf
from shuibao.layers.store import create_store
from shuibao.registers.mapping import importable_kinds

DAM = importable_kinds().index("dam")


def test_dry_run_reports_then_import_writes(provider, tmp_path):
    import openpyxl
    import processing

    store = create_store(tmp_path / "s.gpkg")
    path = rf.write_bad_csv(tmp_path / "dams.csv")
    params = {"INPUT": str(path), "KIND": DAM, "STORE": str(store.path), "COUNTY": rf.GANXIAN,
              "REPORT": str(tmp_path / "report.xlsx")}  # fmt: skip
    out = processing.run("shuibao:import", params)
    assert (out["INSERTED"], out["REJECTED"]) == (2, 6) and store.count("dam") == 0  # dry run by default
    ws = openpyxl.load_workbook(out["REPORT"])["导入检查"]
    assert sum(1 for r in ws.iter_rows(min_row=2, values_only=True) if r[1] == "拒绝") == 6
    out = processing.run("shuibao:import", {**params, "DRY_RUN": False})
    assert json.loads(out["SUMMARY"])["written"] == {"inserted": 2, "updated": 0}
    assert store.count("dam") == 2


def test_crs_parameter_and_saved_mapping(provider, tmp_path):
    import processing
    from qgis.core import QgsCoordinateReferenceSystem
    from shuibao.registers import mapping, sources

    store = create_store(tmp_path / "s.gpkg")
    rows = rf.dam_rows(4)
    path = rf.write_csv_gk(tmp_path / "dams.csv", rows)
    m = mapping.guess("dam", sources.read(path).columns)
    m.columns["village"] = m.columns.pop("township")  # a deliberate choice the guess would not make
    m.save(tmp_path / "m.json")
    out = processing.run("shuibao:import", {"INPUT": str(path), "KIND": DAM, "STORE": str(store.path),
                                            "COUNTY": rf.GANXIAN, "CRS": QgsCoordinateReferenceSystem("EPSG:4547"),
                                            "MAPPING": str(tmp_path / "m.json"), "DRY_RUN": False})  # fmt: skip
    assert out["INSERTED"] == 4 and json.loads(out["SUMMARY"])["crs"] == "EPSG:4547"
    rec = store.records("dam", {"code": ["GX00001"]})[0]
    assert rec["village"] == rows[0]["乡镇"] and rec["township"] is None


@pytest.fixture
def chinese():
    from shuibao import settings

    settings.set_language("zh")
    yield
    settings.set_language("")


def test_unknown_crs_is_a_clear_error(provider, tmp_path, chinese):
    import processing
    from qgis.core import QgsProcessingException

    store = create_store(tmp_path / "s.gpkg")
    path = rf.write_csv_gk(tmp_path / "dams.csv", rf.dam_rows(3))
    with pytest.raises(QgsProcessingException, match="横坐标没有带号"):
        processing.run("shuibao:import", {"INPUT": str(path), "KIND": DAM, "STORE": str(store.path),
                                          "COUNTY": rf.GANXIAN})  # fmt: skip
    with pytest.raises(QgsProcessingException, match="找不到文件"):
        processing.run("shuibao:import", {"INPUT": str(tmp_path / "none.xlsx"), "KIND": DAM,
                                          "STORE": str(store.path), "COUNTY": rf.GANXIAN})  # fmt: skip


def test_qgis_process_imports_the_issues_three_files(tmp_path):
    """The files the issue saw fail: a GeoPackage with Chinese columns, the same in EPSG:4326, and
    .shp/.csv/.xlsx — imported by the installed plugin's algorithm through qgis_process.bin."""
    binary = shutil.which("qgis_process.bin") or "/usr/bin/qgis_process.bin"
    if not Path(binary).exists():
        pytest.skip("qgis_process.bin is not installed")
    config = tmp_path / "qgis-config"
    (config / "profiles" / "default" / "QGIS").mkdir(parents=True)
    (config / "profiles" / "default" / "QGIS" / "QGIS3.ini").write_text(
        "[PythonPlugins]\nshuibao=true\n[shuibao]\nrole=technician\n"
    )
    import shuibao

    links = tmp_path / "plugins"
    links.mkdir()
    (links / "shuibao").symlink_to(Path(shuibao.__file__).resolve().parent)
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(config), QT_QPA_PLATFORM="offscreen",
               QGIS_PLUGINPATH=str(links))  # fmt: skip
    store = create_store(tmp_path / "s.gpkg")
    files = [
        (rf.write_gpkg(tmp_path / "a.gpkg", rf.dam_rows(3, prefix="A"), epsg=4490), []),
        (rf.write_gpkg(tmp_path / "b.gpkg", rf.dam_rows(3, prefix="B"), epsg=4326), []),
        (rf.write_gbk_shapefile(tmp_path / "c.shp", rf.dam_rows(3, prefix="C"), epsg=4547), []),
        (rf.write_csv_gk(tmp_path / "d.csv", rf.dam_rows(3, prefix="D")), ["CRS=EPSG:4547"]),
        (rf.write_xlsx_dms(tmp_path / "e.xlsx", rf.dam_rows(3, prefix="E")), []),
    ]
    for path, extra in files:
        argv = [binary, "--json", "run", "shuibao:import", "--", f"INPUT={path}", f"KIND={DAM}",
                f"STORE={store.path}", f"COUNTY={rf.GANXIAN}", "DRY_RUN=false", *extra]  # fmt: skip
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (path, done.stdout[-2000:], done.stderr[-2000:])
        results = json.loads(done.stdout[done.stdout.index("{") :])["results"]
        assert results["INSERTED"] == 3 and results["REJECTED"] == 0, (path, results)
    assert sorted({r["code"][0] for r in store.records("dam")}) == list("ABCDE")
    assert store.count("dam") == 15
