"""The reports as Processing algorithms: processing.run inside QGIS, and qgis_process.bin as an office
script runs them with the installed plugin."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import openpyxl
import pytest


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_the_provider_offers_the_report_algorithms(provider):
    ids = {a.id() for a in provider.algorithms()}
    assert {"shuibao:sync", "shuibao:export_ledgers", "shuibao:print_forms", "shuibao:statistics"} <= ids


def test_export_ledgers_filtered_by_township_and_status(provider, small_store, tmp_path):
    import processing

    out = processing.run("shuibao:export_ledgers", {
        "STORE": str(small_store), "LANGUAGE": 1, "LEDGERS": [0, 1], "TOWNSHIP": "梅林镇", "STATUS": "open,normal",
        "COUNTY_NAME": "赣县区", "OUTPUT": str(tmp_path / "l.xlsx"),
    })  # fmt: skip
    book = openpyxl.load_workbook(out["OUTPUT"])
    assert book.sheetnames == ["淤地坝名录", "隐患排查整改台账"]
    conn = sqlite3.connect(small_store)
    normal = conn.execute("SELECT count(*) FROM dam WHERE township = '梅林镇' AND hazard_status = 'normal'"
                          " AND register_status = 'registered'").fetchone()[0]  # fmt: skip
    open_hazards = conn.execute("SELECT count(*) FROM dam_hazard h JOIN dam d ON d.uuid = h.dam_uuid"
                                " WHERE d.township = '梅林镇' AND h.step = 'open'").fetchone()[0]  # fmt: skip
    register = book["淤地坝名录"]
    assert register["A1"].value == "赣县区淤地坝名录"
    assert register.max_row - 3 == normal and out["ROWS"] == normal + open_hazards


def test_bad_dates_are_refused_in_chinese(provider, small_store, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException) as err:
        processing.run("shuibao:export_ledgers", {"STORE": str(small_store), "DATE_FROM": "2024-13-40",
                                                  "OUTPUT": str(tmp_path / "x.xlsx")})  # fmt: skip
    assert "2024-13-40" in str(err.value)
    assert not (tmp_path / "x.xlsx").exists()


def test_print_forms_of_a_filter_as_an_atlas(provider, small_store, tmp_path):
    import processing

    conn = sqlite3.connect(small_store)
    expected = conn.execute("SELECT count(*) FROM dam_inspection WHERE inspected_at >= '2025-01-01'"
                            " AND inspected_at < '2025-07-01'").fetchone()[0]  # fmt: skip
    out = processing.run("shuibao:print_forms", {
        "STORE": str(small_store), "FORM": 0, "DATE_FROM": "2025-01-01", "DATE_TO": "2025-06-30",
        "COUNTY_NAME": "赣县区", "OUTPUT": str(tmp_path / "f.pdf"),
    })  # fmt: skip
    assert out["RECORDS"] == expected > 0  # (times near midnight UTC fall on the next Beijing day: none here)
    assert pdf_pages(out["OUTPUT"]) == 2 * expected


def test_statistics_workbook(provider, small_store, tmp_path):
    import processing

    out = processing.run("shuibao:statistics", {"STORE": str(small_store), "LANGUAGE": 1, "YEAR_FROM": 2022, "YEAR_TO": 2025,
                                                "COUNTY_NAME": "赣县区", "OUTPUT": str(tmp_path / "s.xlsx")})  # fmt: skip
    book = openpyxl.load_workbook(out["OUTPUT"])
    targets = book["目标任务完成情况"]
    assert targets["A1"].value == "赣县区目标任务完成情况"
    assert [c.value for c in targets[3]][:3] == ["指标", "范围", "目标期限"]
    assert targets["A4"].value == "治理崩岗" and targets["D4"].value == 1000


def test_qgis_process_exports_and_prints(small_store, tmp_path):
    """An office script: qgis_process.bin with the installed plugin (the wrapper's flag breaks 3.22)."""
    binary = shutil.which("qgis_process.bin") or "/usr/bin/qgis_process.bin"
    if not Path(binary).exists():
        pytest.skip("qgis_process.bin is not installed")
    config = tmp_path / "qgis-config"
    (config / "profiles" / "default" / "QGIS").mkdir(parents=True)
    (config / "profiles" / "default" / "QGIS" / "QGIS3.ini").write_text("[PythonPlugins]\nshuibao=true\n")
    import shuibao

    links = tmp_path / "plugins"
    links.mkdir()
    (links / "shuibao").symlink_to(Path(shuibao.__file__).resolve().parent)
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(config), QT_QPA_PLATFORM="offscreen",
               QGIS_PLUGINPATH=str(links))  # fmt: skip

    def run(algorithm, *args):
        argv = [binary, "--json", "run", algorithm, "--", f"STORE={small_store}", "LANGUAGE=1", *args]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)  # noqa: S603
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout[done.stdout.index("{") :])["results"]

    ledgers = run("shuibao:export_ledgers", "COUNTY_NAME=赣县区", f"OUTPUT={tmp_path / 'q.xlsx'}")
    assert openpyxl.load_workbook(ledgers["OUTPUT"]).sheetnames[0] == "淤地坝名录"
    acceptance = sqlite3.connect(small_store).execute("SELECT uuid FROM watershed_acceptance").fetchone()[0]
    forms = run("shuibao:print_forms", "FORM=3", f"UUIDS={acceptance}", f"OUTPUT={tmp_path / 'q.pdf'}")
    assert forms["RECORDS"] == 1 and pdf_pages(forms["OUTPUT"]) >= 2
