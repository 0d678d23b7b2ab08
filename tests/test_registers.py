"""The register import core on real files made here, into a real offline store.

Each test is a register a county really has: a GBK Shapefile in a Gauss-Krüger zone, an Excel
ledger with 度分秒 and m³, a GeoJSON of 崩岗 in WGS84, a GeoPackage with Chinese columns, a CSV
with bad rows. What is checked is what ends up in the store and in the report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import register_files as rf
from shapely import wkb
from shuibao.importer.store_target import StoreTarget
from shuibao.layers.store import create_store
from shuibao.model import RECORD_KINDS, rules
from shuibao.registers import ImportFailure, crs, mapping, report, sources, values
from shuibao.registers.run import run_import


@pytest.fixture
def store(tmp_path):
    return create_store(tmp_path / "store.gpkg")


def by_code(store, kind="dam"):
    return {r[RECORD_KINDS[kind].code_field]: r for r in store.records(kind)}


def lonlat(rec):
    g = wkb.loads(rec["geom"])
    return g.x, g.y


def test_gbk_shapefile_in_gauss_kruger_zone(store, tmp_path):
    rows = rf.dam_rows(12, lon0=108.8, lat0=37.6, prefix="JB")
    shp = rf.write_gbk_shapefile(tmp_path / "靖边淤地坝.shp", rows, epsg=4545)
    assert not shp.with_suffix(".cpg").exists()
    table = sources.read(shp)
    assert table.encoding == "GB18030" and "坝名" in table.columns
    assert table.rows[0]["坝名"] == rows[0]["坝名"]
    res = run_import(shp, "dam", StoreTarget(store), county=rf.JINGBIAN, dry_run=False)
    assert res.plan.crs.crs == "EPSG:4545"
    assert res.written == {"inserted": 12, "updated": 0}
    got = by_code(store)
    first = got["JB00001"]
    assert first["name"] == rows[0]["坝名"] and first["township"] == rows[0]["乡镇"]
    assert first["admin_phone"] == rf.PERSONS[1] and first["outlet_type"] == "inclined_pipe"
    lon, lat = lonlat(first)
    assert abs(lon - 108.8) < 1e-7 and abs(lat - 37.6) < 1e-7
    assert first["scale"] == rules.dam_scale(first["total_storage"])
    assert len(store.pending_changes()) == 12  # logged as local edits: sync pushes them


def test_shapefile_opens_in_qgis(tmp_path, qgis_app):
    from qgis.core import QgsVectorLayer

    shp = rf.write_gbk_shapefile(tmp_path / "dams.shp", rf.dam_rows(3), epsg=4545, cpg=True)
    layer = QgsVectorLayer(str(shp), "dams", "ogr")
    assert layer.isValid() and layer.featureCount() == 3
    assert layer.crs().authid() == "EPSG:4545"
    assert next(layer.getFeatures())["坝名"] == "梅林1号坝"


def test_excel_with_dms_two_row_header_and_cubic_metres(store, tmp_path):
    rows = rf.dam_rows(5)
    xlsx = rf.write_xlsx_dms(tmp_path / "名录.xlsx", rows)
    table = sources.read(xlsx)
    assert "行政责任人姓名" in table.columns and "行政责任人电话" in table.columns
    assert len(table.rows) == 5  # the title and the total row are not records
    res = run_import(xlsx, "dam", StoreTarget(store), county=rf.GANXIAN, dry_run=False)
    assert res.plan.counts()["insert"] == 5, [(r.number, r.problems) for r in res.plan.rows]
    assert res.plan.crs.crs == "EPSG:4490"
    got = by_code(store)["GX00002"]
    assert got["total_storage"] == pytest.approx(rows[1]["总库容"])  # m³ -> 万m³
    assert got["admin_person"] == "张三" and got["tech_phone"] == "13800000002"
    lon, lat = lonlat(got)
    assert abs(lon - rows[1]["lon"]) < 1e-6 and abs(lat - rows[1]["lat"]) < 1e-6  # 度分秒 to 0.01″


def test_geojson_patches_in_wgs84_get_their_area_from_the_model(store, tmp_path):
    path = rf.write_geojson(tmp_path / "崩岗.geojson", rf.patch_frame())
    res = run_import(path, "patch", StoreTarget(store), county=rf.GANXIAN, dry_run=False)
    assert res.plan.counts()["insert"] == 6, [(r.number, r.problems) for r in res.plan.rows]
    got = by_code(store, "patch")["BG003"]
    assert got["kind"] == "benggang" and got["shape"] == "claw" and got["treatment_status"] == "untreated"
    assert got["area"] > 60 and got["area"] != 1.0  # computed from the polygon, not the file's 面积
    assert got["size_class"] == rules.benggang_size_class(got["area"])
    assert wkb.loads(got["geom"]).geom_type == "MultiPolygon"


def test_geopackage_with_chinese_columns_in_4326(store, tmp_path):
    """One of the issue's failures: the old server import printed {} for this file."""
    rows = rf.dam_rows(7)
    path = rf.write_gpkg(tmp_path / "dams.gpkg", rows, epsg=4326)
    res = run_import(path, "dam", StoreTarget(store), county=rf.GANXIAN, dry_run=False)
    assert res.written["inserted"] == 7
    assert res.plan.crs.crs == "EPSG:4326"
    assert by_code(store)["GX00007"]["name"] == rows[6]["坝名"]


def test_csv_in_4547_with_northing_first_keeps_every_attribute(store, tmp_path):
    """The other failure: pasting such a CSV into QGIS placed the points and dropped the attributes."""
    target = StoreTarget(store)
    seed = rf.write_gpkg(tmp_path / "seed.gpkg", rf.dam_rows(5, prefix="OLD"), epsg=4490)
    run_import(seed, "dam", target, county=rf.GANXIAN, dry_run=False)  # the county's existing dams
    rows = rf.dam_rows(10)
    path = rf.write_csv_gk(tmp_path / "dams.csv", rows, epsg=4547)
    res = run_import(path, "dam", target, county=rf.GANXIAN, dry_run=False)
    assert res.plan.crs.crs == "EPSG:4547" and res.plan.crs.swap  # zone from the county's extent
    assert res.written["inserted"] == 10
    got = by_code(store)["GX00004"]
    assert got["name"] == rows[3]["坝名"] and got["patrol_phone"] == rf.PERSONS[5]
    assert got["total_storage"] == rows[3]["总库容"] and got["has_spillway"] == 1
    lon, lat = lonlat(got)
    assert abs(lon - rows[3]["lon"]) < 1e-7 and abs(lat - rows[3]["lat"]) < 1e-7


def test_no_zone_prefix_and_no_extent_asks_for_the_crs(store, tmp_path):
    path = rf.write_csv_gk(tmp_path / "dams.csv", rf.dam_rows(3), epsg=4547)
    with pytest.raises(ImportFailure) as err:
        run_import(path, "dam", StoreTarget(store), county=rf.GANXIAN)
    assert "带号" in err.value.zh
    res = run_import(path, "dam", StoreTarget(store), county=rf.GANXIAN, crs="EPSG:4547")
    assert res.plan.counts()["insert"] == 3


def test_bad_rows_are_rejected_with_field_and_reason_and_nothing_is_written(store, tmp_path):
    path = rf.write_bad_csv(tmp_path / "bad.csv")
    res = run_import(path, "dam", StoreTarget(store), county=rf.GANXIAN)  # a dry run by default
    assert res.written is None and store.count("dam") == 0
    rows = {r.number: r for r in res.plan.rows}
    reasons = {n: {(p.field, p.zh) for p in r.problems} for n, r in rows.items()}
    assert ("dam_height", "坝高：“十二米”不是数值") in reasons[3]
    assert any(f == "outlet_type" and "木头管" in zh and "卧管" in zh for f, zh in reasons[4])
    assert ("admin_person", "请填写行政责任人") in reasons[5]
    assert ("total_storage", "总库容不能小于0") in reasons[6]
    assert any(f == "geom" and "abc" in zh for f, zh in reasons[7])
    assert any(f == "code" and "第 2 行重复" in zh for f, zh in reasons[8])
    assert [n for n, r in rows.items() if r.action == "insert"] == [2, 9]
    assert res.plan.counts() == {"insert": 2, "update": 0, "unchanged": 0, "reject": 6, "warnings": 0}


def test_report_exported_fixed_and_imported_again(store, tmp_path):
    import openpyxl

    path = rf.write_bad_csv(tmp_path / "bad.csv")
    res = run_import(path, "dam", StoreTarget(store), county=rf.GANXIAN, dry_run=False)
    assert res.written["inserted"] == 2
    out = report.write(res.plan, tmp_path / "检查.xlsx")
    ws = openpyxl.load_workbook(out)["导入检查"]
    table = [list(r) for r in ws.iter_rows(values_only=True)]
    head = table[0]
    assert head[:5] == list(report.REPORT_COLUMNS) and "坝名" in head
    first = dict(zip(head, table[1]))
    assert first["导入结果"] == "拒绝" and first["问题字段"] == "坝高" and "十二米" in first["问题原因"]
    # the technician fixes the rejected rows in the report and imports that file
    fixed = tmp_path / "fixed.xlsx"
    wb = openpyxl.load_workbook(out)
    ws = wb["导入检查"]
    col = {name: i + 1 for i, name in enumerate(head)}
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, col["导入结果"]).value != "拒绝":
            continue
        ws.cell(r, col["坝高"]).value = 12
        ws.cell(r, col["放水建筑物"]).value = "卧管"
        ws.cell(r, col["行政责任人"]).value = "赵六"
        ws.cell(r, col["总库容"]).value = 5
        ws.cell(r, col["经度"]).value = "115°01'00\""
        if ws.cell(r, col["淤地坝编码"]).value == "GX00001" and ws.cell(r, col["坝名"]).value != "梅林1号坝":
            ws.cell(r, col["淤地坝编码"]).value = "GX00099"
    wb.save(fixed)
    again = run_import(fixed, "dam", StoreTarget(store), county=rf.GANXIAN, dry_run=False)
    c = again.plan.counts()
    assert (c["insert"], c["unchanged"], c["reject"]) == (6, 2, 0), [r.problems for r in again.plan.rows]
    assert store.count("dam") == 8


def test_reimport_changes_nothing_and_a_changed_cell_updates_one_field(store, tmp_path):
    rows = rf.dam_rows(6)
    target = StoreTarget(store)
    path = rf.write_csv_gk(tmp_path / "a.csv", rows)
    run_import(path, "dam", target, county=rf.GANXIAN, crs="EPSG:4547", dry_run=False)
    logged = len(store.pending_changes())
    again = run_import(path, "dam", target, county=rf.GANXIAN, crs="EPSG:4547", dry_run=False)
    assert again.plan.counts()["unchanged"] == 6 and again.written == {"inserted": 0, "updated": 0}
    assert len(store.pending_changes()) == logged  # nothing logged, nothing to push
    rows[2]["总库容"] = 60  # now a backbone dam
    run_import(rf.write_csv_gk(tmp_path / "b.csv", rows), "dam", target, county=rf.GANXIAN, crs="EPSG:4547",
               dry_run=False)  # fmt: skip
    changes = store.pending_changes()[logged:]
    assert len(changes) == 1 and set(changes[0].fields) == {"total_storage", "scale"}
    assert by_code(store)["GX00003"]["scale"] == "backbone"


def test_codes_are_generated_once_and_reimport_matches_by_name_and_place(store, tmp_path):
    rows = rf.dam_rows(4)
    for r in rows:
        del r["淤地坝编码"]
    path = rf.write_gpkg(tmp_path / "nocode.gpkg", rows)
    first = run_import(path, "dam", StoreTarget(store), county=rf.GANXIAN, dry_run=False)
    assert sorted(by_code(store)) == [f"{rf.GANXIAN}YDB000{i}" for i in range(1, 5)]
    assert any("生成编码" in n[0] for n in first.plan.notes)
    again = run_import(path, "dam", StoreTarget(store), county=rf.GANXIAN, dry_run=False)
    assert again.plan.counts()["unchanged"] == 4


def test_outside_county_extent_is_a_warning_outside_china_a_rejection(store, tmp_path):
    target = StoreTarget(store)
    run_import(rf.write_gpkg(tmp_path / "seed.gpkg", rf.dam_rows(5, prefix="S")), "dam", target,
               county=rf.GANXIAN, dry_run=False)  # fmt: skip
    rows = rf.dam_rows(3)
    rows[1]["lon"], rows[1]["lat"] = 113.2, 23.1  # Guangzhou
    rows[2]["lon"], rows[2]["lat"] = 150.0, 25.0  # the Pacific
    res = run_import(rf.write_gpkg(tmp_path / "far.gpkg", rows), "dam", target, county=rf.GANXIAN)
    by = {r.code: r for r in res.plan.rows}
    assert by["GX00001"].action == "insert" and not by["GX00001"].warnings
    assert by["GX00002"].action == "insert" and "范围之外" in by["GX00002"].warnings[0].zh
    assert by["GX00003"].action == "reject" and "不在中国境内" in by["GX00003"].problems[0].zh


def test_child_records_find_their_parent_by_code(store, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Polygon

    target = StoreTarget(store)
    ws = gpd.GeoDataFrame([{"小流域编码": "XLY01", "小流域名称": "清溪小流域", "项目类型": "生态清洁型"}],
                          geometry=[Polygon([(115, 25.8), (115.05, 25.8), (115.05, 25.85), (115, 25.85)])],
                          crs="EPSG:4490")  # fmt: skip
    run_import(rf.write_geojson(tmp_path / "ws.geojson", ws), "watershed", target, county=rf.GANXIAN, dry_run=False)
    spots = gpd.GeoDataFrame(
        [{"图斑编号": "T1", "小流域编码": "XLY01", "措施类型": "梯田", "计量单位": "公顷", "设计数量": 3},
         {"图斑编号": "T2", "小流域编码": "XLY99", "措施类型": "造林", "计量单位": "公顷", "设计数量": 5}],
        geometry=[Polygon([(115.01, 25.81), (115.02, 25.81), (115.02, 25.82)])] * 2, crs="EPSG:4490",
    )  # fmt: skip
    res = run_import(rf.write_geojson(tmp_path / "spots.geojson", spots), "watershed_spot", target,
                     county=rf.GANXIAN, dry_run=False)  # fmt: skip
    by = {r.code: r for r in res.plan.rows}
    assert by["T1"].action == "insert" and by["T2"].action == "reject"
    assert "找不到小流域“XLY99”" in by["T2"].problems[0].zh
    parent = store.records("watershed")[0]
    assert store.records("watershed_spot")[0]["watershed_uuid"] == parent["uuid"]
    assert parent["project_type"] == "eco_clean"


def test_kml_from_google_earth(store, tmp_path):
    from osgeo import ogr, osr

    path = tmp_path / "dams.kml"
    ds = ogr.GetDriverByName("KML").CreateDataSource(str(path))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    layer = ds.CreateLayer("淤地坝", srs, ogr.wkbPoint)
    for i, r in enumerate(rf.dam_rows(3)):
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetField("Name", r["坝名"])
        desc = "".join(f"<tr><td>{k}</td><td>{r[k]}</td></tr>" for k in ("淤地坝编码", "乡镇", "总库容", "行政责任人",
                                                                           "技术责任人", "巡查责任人"))  # fmt: skip
        f.SetField("Description", f"<table>{desc}</table>")
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({r['lon']} {r['lat']})"))
        layer.CreateFeature(f)
    ds = None
    m = mapping.guess("dam", sources.read(path).columns, spatial=True)
    m.columns["name"] = "Name"
    res = run_import(path, "dam", StoreTarget(store), mapping=m, county=rf.GANXIAN, dry_run=False)
    assert res.written["inserted"] == 3, [r.problems for r in res.plan.rows]
    assert by_code(store)["GX00002"]["name"] == "王母2号坝"


def test_mapping_guess_save_and_reuse(tmp_path):
    cols = ["序号", "坝名", "淤地坝编号", "所在乡镇", "库容(万m³)", "坝高/m", "控制面积(km²)", "已淤地面积（亩）",
            "行政责任人", "行政责任人联系电话", "坝型", "东经", "北纬"]  # fmt: skip
    m = mapping.guess("dam", cols)
    assert m.columns["name"] == "坝名" and m.columns["code"] == "淤地坝编号"
    assert m.columns["township"] == "所在乡镇" and m.columns["total_storage"] == "库容(万m³)"
    assert m.columns["admin_phone"] == "行政责任人联系电话" and m.columns["silted_farmland"] == "已淤地面积（亩）"
    assert m.units == {"silted_farmland": "亩"} and (m.x, m.y) == ("东经", "北纬")
    assert "序号" not in m.columns.values() and "scale" not in m.columns  # derived: the model computes it
    m.save(tmp_path / "m.json")
    again = mapping.Mapping.load(tmp_path / "m.json")
    assert again == m
    bad = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    bad["columns"]["nonsense"] = "x"
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ImportFailure, match="未知字段"):
        mapping.Mapping.load(tmp_path / "bad.json")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("114°56'30.5\"", 114.941805), ("114°56′30.5″", 114.941805), ("114度56分30.5秒", 114.941805),
     ("E114°56.5'", 114.941667), ("北纬25°10′30″", 25.175), ("114.9418", 114.9418), (114.9418, 114.9418),
     ("114 56 30.5", 114.941805), ("25°10'30\"S", -25.175)],
)  # fmt: skip
def test_degrees(raw, expected):
    assert values.degrees(raw) == pytest.approx(expected, abs=1e-6)


def test_values_and_units():
    from shuibao.registers import units

    assert values.number("12.5万m³") == (12.5, "万m3") and values.number("1,234") == (1234.0, None)
    assert units.factor("亩", "hm²") == pytest.approx(1 / 15) and units.factor("万方", "m³") == 10_000
    assert values.date("2020年5月1日") == values.date("2020/5/1") == values.date(20200501) == "2020-05-01"
    assert values.datetime("2020-05-01 08:30") == "2020-05-01T08:30:00+08:00"
    assert values.integer("2015年") == 2015 and values.boolean("√") is True and values.boolean("无") is False
    with pytest.raises(values.BadValue):
        values.degrees("114°61'")
    f = RECORD_KINDS["dam"].field("hazard_status")
    assert mapping.enum_code(f, "病险坝") == "dangerous" and mapping.enum_code(f, "正常") == "normal"
    assert mapping.enum_code(RECORD_KINDS["dam"].field("outlet_type"), "卧管式放水") == "inclined_pipe"


def test_crs_families_and_detection():
    import pyproj

    for datum, name in (("cgcs2000", "CGCS2000"), ("xian80", "Xian 1980"), ("beijing54", "Beijing 1954")):
        assert pyproj.CRS.from_epsg(crs.gk_code(datum, 3, 114, True)).name == f"{name} / 3-degree Gauss-Kruger zone 38"
        assert pyproj.CRS.from_epsg(crs.gk_code(datum, 3, 108, False)).name == f"{name} / 3-degree Gauss-Kruger CM 108E"
        assert pyproj.CRS.from_epsg(crs.gk_code(datum, 6, 117, True)).name == f"{name} / Gauss-Kruger zone 20"
        assert pyproj.CRS.from_epsg(crs.gk_code(datum, 6, 117, False)).name == f"{name} / Gauss-Kruger CM 117E"
    e, n = pyproj.Transformer.from_crs(4490, 4526, always_xy=True).transform(115.0, 25.85)
    found = crs.detect([e], [n])
    assert found.certain and found.best.crs == "EPSG:4526"  # zone 38 from the easting's digits
    assert [c.crs for c in found.candidates] == ["EPSG:4526", "EPSG:2362", "EPSG:2414"]
    found = crs.detect([n], [e])
    assert found.best.crs == "EPSG:4526" and found.best.swap
    e6, n6 = pyproj.Transformer.from_crs(4490, 4498, always_xy=True).transform(115.0, 25.85)
    assert crs.detect([e6], [n6]).best.crs == "EPSG:4498"  # 6° zone 20
    lat_first = crs.detect([25.85], [115.0])
    assert lat_first.best.crs == "EPSG:4490" and lat_first.best.swap
    legacy = crs.Candidate("EPSG:2362", "", "")
    assert "七参数" in crs.datum_warning(legacy)[0] and crs.datum_warning(crs.Candidate("EPSG:4526", "", "")) is None


def test_unreadable_and_unsupported_files_say_so(tmp_path):
    junk = tmp_path / "dams.xlsx"
    junk.write_bytes(b"not a workbook")
    with pytest.raises(ImportFailure, match="无法读取文件"):
        sources.read(junk)
    (tmp_path / "x.docx").write_text("x")
    with pytest.raises(ImportFailure, match="不支持的文件类型"):
        sources.read(tmp_path / "x.docx")


DEBIAN_PY = "/usr/bin/python3"


def test_core_runs_on_debians_python_as_qgis_does(tmp_path):
    """QGIS runs the plugin on Debian's Python with Debian's geopandas 0.12, shapely 1.8 and fiona."""
    probe = subprocess.run([DEBIAN_PY, "-c", "import geopandas, openpyxl, fiona"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("Debian's python3-geopandas/python3-openpyxl are not installed (tools/setup_system.sh)")
    import shuibao

    root = Path(shuibao.__file__).parent.parent  # the folder that holds the `shuibao` link
    shp = rf.write_gbk_shapefile(tmp_path / "dams.shp", rf.dam_rows(4, lon0=108.8, lat0=37.6), epsg=4545)
    xlsx = rf.write_xlsx_dms(tmp_path / "dams.xlsx", rf.dam_rows(3))
    geojson = rf.write_geojson(tmp_path / "p.geojson", rf.patch_frame(3))
    script = f"""
import json, sys
from shuibao.layers.store import create_store
from shuibao.importer.store_target import StoreTarget
from shuibao.registers.run import run_import
t = StoreTarget(create_store({str(tmp_path / "deb.gpkg")!r}))
out = []
for path, kind, county in (({str(shp)!r}, "dam", "610824"), ({str(xlsx)!r}, "dam", "360704"),
                           ({str(geojson)!r}, "patch", "360704")):
    r = run_import(path, kind, t, county=county, dry_run=False)
    out.append([r.written["inserted"], r.plan.crs.crs])
import geopandas, shapely
out.append([geopandas.__version__, shapely.__version__])
print(json.dumps(out))
"""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONPATH"] = str(root)
    done = subprocess.run([DEBIAN_PY, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out[:3] == [[4, "EPSG:4545"], [3, "EPSG:4490"], [3, "EPSG:4326"]]
    assert out[3][1].startswith("1.")  # really Debian's shapely 1.8, not the venv's 2.x
    assert shutil.which(DEBIAN_PY)


def test_a_missing_library_is_named_in_chinese():
    from shuibao.registers import MissingLibrary, deps

    with pytest.raises(MissingLibrary) as err:
        deps.need("geopandas_not_installed_here")
    assert "导入登记数据需要 Python 库 geopandas_not_installed_here" in err.value.zh and "apt install" in err.value.zh
    assert deps.need("pyproj") is not None
