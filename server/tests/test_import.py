"""`shuibao-server import` on the shared import core, on SQLite and PostGIS.

The files are the registers counties have, made by `tools/register_samples.py`: a GBK Shapefile in a
Gauss-Krüger zone, a surveyor's CSV (northing first, no zone number), an Excel ledger with 度分秒 and
m³, GeoPackages with Chinese columns in EPSG:4490 and 4326 — the issue's failures — and files with
bad rows. The admin runs the command; a user of the county pulls what it wrote over the API.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
import register_files as rf
import shapely
import sqlalchemy as sa
from shapely.geometry import Point, Polygon
from shuibao.model import geodesy
from shuibao.registers.run import run_import
from shuibao_server import db
from shuibao_server import tables as t
from shuibao_server.cli import main
from shuibao_server.imports import ServerTarget
from shuibao_server.testing.helpers import dam_values, insert, update

GX, JB = rf.GANXIAN, rf.JINGBIAN
N = 12


class Cli:
    """`shuibao-server --database-url URL import …` as the admin types it."""

    def __init__(self, url: str, capsys):
        self.url, self.capsys = url, capsys

    def __call__(self, *args) -> tuple[int, str, str]:
        code = main(["--database-url", self.url, "import", *map(str, args)])
        out = self.capsys.readouterr()
        assert "Traceback" not in out.out + out.err
        return code, out.out, out.err


@pytest.fixture
def cli(database_url, capsys) -> Cli:
    return Cli(database_url, capsys)


def stored(engine) -> tuple[int, int, int]:
    """(records, history rows, sum of the county sequences): all three stay put when nothing is written."""
    with engine.connect() as conn:
        n = [conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() for table in (t.records, t.history)]
        seqs = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(t.county_seq.c.last_seq), 0))).scalar()
    return n[0], n[1], int(seqs)


def pulled(api, county: str, kind: str = "dam", name: str = "reader") -> dict[str, dict]:
    """What a user of the county receives in a pull, by code."""
    items = api.client(name, counties=(county,)).pull_all()
    code_field = "spot_code" if kind == "watershed_spot" else "code"
    return {i["values"][code_field]: i["values"] for i in items if i["kind"] == kind}


def lonlat(values: dict) -> tuple[float, float]:
    g = shapely.from_wkb(bytes.fromhex(values["geom"]))
    return g.x, g.y


# -- the issue's failures ------------------------------------------------------------------------


def _shp(tmp: Path) -> tuple[Path, list[dict], list]:
    rows = rf.dam_rows(N, lon0=108.8, lat0=37.6, prefix="JB")
    return rf.write_gbk_shapefile(tmp / "靖边县淤地坝.shp", rows, epsg=4545), rows, ["--county", JB]


def _csv(tmp: Path):
    rows = rf.dam_rows(N)
    return rf.write_csv_gk(tmp / "赣县区淤地坝名录.csv", rows, epsg=4547), rows, ["--county", GX, "--crs", "EPSG:4547"]


def _xlsx(tmp: Path):
    rows = rf.dam_rows(N, lon0=108.8, lat0=37.6, prefix="JB")
    return rf.write_xlsx_dms(tmp / "淤地坝基本情况表.xlsx", rows), rows, ["--county", JB]


def _gpkg(epsg: int):
    def make(tmp: Path):
        rows = rf.dam_rows(N)
        return rf.write_gpkg(tmp / f"淤地坝_{epsg}.gpkg", rows, epsg=epsg), rows, ["--county", GX]

    return make


FILES = {"shp": _shp, "csv": _csv, "xlsx": _xlsx, "gpkg4490": _gpkg(4490), "gpkg4326": _gpkg(4326)}


@pytest.mark.parametrize("fmt", list(FILES))
def test_issue_failures_now_import(fmt, cli, engine, api, tmp_path):
    path, rows, options = FILES[fmt](tmp_path)
    county = options[1]

    code, out, _ = cli(path, "--kind", "dam", *options)
    assert code == 0 and f"新增 {N}，更新 0，无变化 0，拒绝 0" in out and "试运行" in out, out
    assert stored(engine) == (0, 0, 0)  # the dry run wrote nothing, not even a sequence number

    code, out, _ = cli(path, "--kind", "dam", *options, "--apply", "--user", "li")
    assert code == 0 and f"已写入：新增 {N}，更新 0" in out, out
    got = pulled(api, county)
    assert sorted(got) == sorted(r["淤地坝编码"] for r in rows)
    for r in rows:
        v = got[r["淤地坝编码"]]
        assert (v["name"], v["township"], v["admin_person"]) == (r["坝名"], r["乡镇"], r["行政责任人"])
        assert v["total_storage"] == pytest.approx(r["总库容"])  # 万m³, also from the m³ of the Excel sheet
        assert geodesy.distance_m(lonlat(v), (r["lon"], r["lat"])) < 0.5
        assert v["created_by"] == "import:li" and v["scale"]  # derived on the server, as for a push

    before = stored(engine)
    code, out, _ = cli(path, "--kind", "dam", *options, "--apply")
    assert code == 0 and f"新增 0，更新 0，无变化 {N}，拒绝 0" in out, out
    assert stored(engine) == before  # re-importing the same file changes nothing


def test_history_names_the_importing_admin(cli, engine, tmp_path):
    path, rows, options = _gpkg(4326)(tmp_path)
    assert cli(path, "--kind", "dam", *options, "--apply", "--user", "wang")[0] == 0
    with engine.connect() as conn:
        users = conn.execute(sa.select(t.history.c.username, t.history.c.op).distinct()).all()
    assert users == [("import:wang", "insert")]


def test_county_extent_tells_the_zone_of_eastings_without_zone_number(cli, api, tmp_path):
    xlsx = rf.write_xlsx_dms(tmp_path / "ledger.xlsx", rf.dam_rows(N))
    assert cli(xlsx, "--kind", "dam", "--county", GX, "--apply")[0] == 0
    survey = rf.write_csv_gk(tmp_path / "survey.csv", rf.dam_rows(5, lon0=115.01, prefix="CS"), epsg=4547)
    code, out, _ = cli(survey, "--kind", "dam", "--county", GX, "--apply")
    assert code == 0 and "EPSG:4547" in out and "按县域范围判定中央经线 114°E" in out, out
    assert "已写入：新增 5" in out and len(pulled(api, GX)) == N + 5


def test_without_extent_or_crs_the_admin_is_asked_for_one(cli, engine, tmp_path):
    path, _rows, _options = _csv(tmp_path)
    code, _out, err = cli(path, "--kind", "dam", "--county", GX)
    assert code == 1 and "无法判断中央经线" in err and "--crs" in err and "EPSG:4547" in err, err
    assert stored(engine) == (0, 0, 0)


# -- bad rows and push rules ---------------------------------------------------------------------


def test_bad_rows_are_reported_in_chinese_and_not_written(cli, api, tmp_path):
    path = rf.write_bad_csv(tmp_path / "有错误的名录.csv")
    report = tmp_path / "检查报告.xlsx"
    code, out, _ = cli(path, "--kind", "dam", "--county", GX, "--report", report)
    assert code == 2 and "新增 2，更新 0，无变化 0，拒绝 6" in out, out
    for reason in ("坝高：“十二米”不是数值", "“木头管”不是有效选项", "请填写行政责任人", "总库容不能小于0",
                   "“abc”不是经纬度", "与第 2 行重复"):  # fmt: skip
        assert reason in out, reason
    sheet = openpyxl.load_workbook(report).worksheets[0]
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][:4] == ("导入行号", "导入结果", "问题字段", "问题原因")
    assert ("坝高", "坝高：“十二米”不是数值") in [(r[2], r[3]) for r in lines[1:] if r[1] == "拒绝"]

    code, out, _ = cli(path, "--kind", "dam", "--county", GX, "--apply")
    assert code == 2 and "已写入：新增 2，更新 0" in out
    assert sorted(pulled(api, GX)) == ["GX00001", "GX00008"]


def _county_csv(path: Path, counties: list[str]) -> Path:
    rows = rf.dam_rows(len(counties))
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["县代码", "淤地坝编码", "坝名", "总库容", "行政责任人", "技术责任人", "巡查责任人", "经度", "纬度"])
        for county, r in zip(counties, rows):
            w.writerow([county, r["淤地坝编码"], r["坝名"], r["总库容"], "张三", "李四", "王五", r["lon"], r["lat"]])
    return path


def test_a_row_of_another_county_is_rejected_as_a_push_is(cli, api, tmp_path):
    other = "360705"
    push = api.client("tech", "technician", counties=(GX,)).push(insert("dam", dam_values(other)))[0]
    assert push["status"] == "rejected"
    path = _county_csv(tmp_path / "两县.csv", [GX, GX, other, GX])

    code, out, _ = cli(path, "--kind", "dam", "--county", GX)
    assert code == 2 and "新增 3，更新 0，无变化 0，拒绝 1" in out, out
    (reason,) = [e["zh"] for e in push["errors"]]
    assert f"第 4 行｜拒绝｜县级行政区划代码｜{reason}" in out  # the CSV's 4th line: its third record

    code, out, _ = cli(path, "--kind", "dam", "--county", GX, "--apply")
    assert code == 2 and "已写入：新增 3" in out
    assert len(pulled(api, GX)) == 3 and pulled(api, other, name="other") == {}


def test_an_edit_pushed_between_check_and_write_is_kept_as_a_conflict(cli, api, engine, tmp_path):
    rows = rf.dam_rows(3)
    assert cli(rf.write_xlsx_dms(tmp_path / "v1.xlsx", rows), "--kind", "dam", "--county", GX, "--apply")[0] == 0
    rows[0]["坝高"], rows[1]["坝高"] = 30.0, 31.0
    target = ServerTarget(engine, "li", {GX}, 100_000)
    plan = run_import(rf.write_xlsx_dms(tmp_path / "v2.xlsx", rows), "dam", target, county=GX).plan
    assert plan.counts()["update"] == 2

    dam = pulled(api, GX)["GX00001"]  # a technician changes the same field meanwhile
    tech = api.client("tech", "technician", counties=(GX,))
    change = update("dam", dam["uuid"], dam["server_rev"], {"dam_height": (dam["dam_height"], 12.5)})
    assert tech.push(change)[0]["status"] == "applied"

    assert target.write(plan) == {"inserted": 0, "updated": 1}  # GX00001 had no other change to apply
    (warned,) = [r for r in plan.rows if r.warnings]
    assert warned.code == "GX00001" and "已记入冲突列表" in warned.warnings[0].zh
    got = pulled(api, GX, name="reader2")
    assert (got["GX00001"]["dam_height"], got["GX00002"]["dam_height"]) == (12.5, 31.0)  # the push's value stands
    with engine.connect() as conn:
        conflicts = conn.execute(sa.select(t.conflicts.c.field, t.conflicts.c.client, t.conflicts.c.client_by)).all()
    assert conflicts == [("dam_height", 30.0, "import:li")]


def test_a_province_file_loads_every_county_it_names(cli, api, tmp_path):
    path = _county_csv(tmp_path / "全省.csv", [GX, GX, "360705"])
    code, out, _ = cli(path, "--kind", "dam", "--apply")
    assert code == 0 and "已写入：新增 3" in out, out
    assert len(pulled(api, GX)) == 2 and len(pulled(api, "360705", name="other")) == 1


def test_derived_fields_come_from_the_geometry_not_the_file(cli, api, tmp_path):
    frame = rf.patch_frame(4)  # its 面积 column says 1.0 for every patch
    path = rf.write_geojson(tmp_path / "崩岗.geojson", frame)
    code, out, _ = cli(path, "--kind", "patch", "--county", GX, "--apply")
    assert code == 0 and "已写入：新增 4" in out, out
    got = pulled(api, GX, kind="patch")
    for row, poly in zip(frame.itertuples(), frame.geometry):
        ring = list(poly.exterior.coords)
        assert got[row.图斑编号]["area"] == pytest.approx(geodesy.polygon_area_m2([[ring]]), rel=1e-3)
        assert got[row.图斑编号]["area"] > 100


def test_spots_find_their_watershed_by_code(cli, api, tmp_path, capsys, database_url):
    assert main(["--database-url", database_url, "seed-demo", "--county", GX, "--dams", "0", "--patches", "0",
                 "--spots", "0"]) == 0  # fmt: skip
    capsys.readouterr()
    square = lambda x: Polygon([(x, 25.87), (x + 0.001, 25.87), (x + 0.001, 25.871), (x, 25.871)])  # noqa: E731
    spots = gpd.GeoDataFrame(
        {"图斑编号": ["S1", "S2"], "小流域编码": [f"{GX}-XLY-01", "XLY-99"], "措施类型": ["梯田", "梯田"],
         "计量单位": ["公顷", "公顷"], "设计数量": [1.5, 2.0]},
        geometry=[square(114.9), square(114.91)], crs="EPSG:4490",
    )  # fmt: skip
    path = tmp_path / "图斑.geojson"
    spots.to_file(path, driver="GeoJSON", engine="pyogrio")
    code, out, _ = cli(path, "--kind", "watershed_spot", "--county", GX, "--apply")
    assert code == 2 and "找不到小流域“XLY-99”" in out, out
    watersheds = pulled(api, GX, kind="watershed")
    (spot,) = pulled(api, GX, kind="watershed_spot", name="reader2").values()
    assert spot["spot_code"] == "S1" and spot["watershed_uuid"] == watersheds[f"{GX}-XLY-01"]["uuid"]
    assert spot["area"] == pytest.approx(
        geodesy.polygon_area_m2([[list(square(114.9).exterior.coords)]]) / 1e4, rel=1e-3
    )


# -- mapping, layers, options --------------------------------------------------------------------


def test_a_saved_mapping_is_reused_and_edited(cli, api, tmp_path):
    path = rf.write_xlsx_dms(tmp_path / "ledger.xlsx", rf.dam_rows(N))
    saved = tmp_path / "mapping.json"
    assert cli(path, "--kind", "dam", "--county", GX, "--save-mapping", saved)[0] == 0
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["format"] == 1 and data["kind"] == "dam" and data["columns"]["name"] == "坝名"
    data["columns"].pop("township")  # the admin decides the 乡镇 column is not to be imported
    saved.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out, _ = cli(path, "--kind", "dam", "--county", GX, "--mapping", saved, "--apply")
    assert code == 0 and "字段对应：乡镇" not in out and "已写入：新增 12" in out
    assert all(v.get("township") is None for v in pulled(api, GX).values())
    code, _out, err = cli(path, "--kind", "patch", "--county", GX, "--mapping", saved)
    assert code == 1 and "字段对应文件是“淤地坝”的" in err


def test_a_plugin_style_geopackage_with_model_columns_and_a_layer(cli, api, tmp_path):
    """What the old command took: layers named like record kinds, columns named like fields."""
    path = tmp_path / "records.gpkg"
    dams = gpd.GeoDataFrame(
        {"uuid": ["00000000-0000-4000-8000-000000000001"], "code": ["D1"], "name": ["一号坝"],
         "total_storage": [5.0], "admin_person": ["a"], "tech_person": ["b"], "patrol_person": ["c"]},
        geometry=[Point(115.0, 25.9)], crs="EPSG:4490",
    )  # fmt: skip
    gpd.GeoDataFrame({"x": [1]}, geometry=[Point(115, 26)], crs="EPSG:4490").to_file(path, layer="other")
    dams.to_file(path, layer="dam", driver="GPKG", engine="pyogrio")
    code, out, _ = cli(path, "--kind", "dam", "--county", GX, "--layer", "dam", "--apply")
    assert code == 0 and "已写入：新增 1" in out, out
    assert pulled(api, GX)["D1"]["name"] == "一号坝"


def test_failures_are_one_clear_message(cli, engine, tmp_path):
    path = rf.write_gpkg(tmp_path / "d.gpkg", rf.dam_rows(3))
    code, _out, err = cli(path, "--kind", "dam")
    assert code == 1 and "请指定县级行政区划代码（6位）" in err and "give the 6-digit county code" in err
    code, _out, err = cli(tmp_path / "none.xlsx", "--kind", "dam", "--county", GX)
    assert code == 1 and "找不到文件" in err
    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
    code, _out, err = cli(tmp_path / "broken.xlsx", "--kind", "dam", "--county", GX)
    assert code == 1 and "无法读取文件 broken.xlsx" in err
    code, _out, err = cli(path, "--kind", "dam", "--county", GX, "--report", tmp_path / "no" / "such" / "r.xlsx")
    assert code == 1 and "无法写入文件" in err
    assert stored(engine) == (0, 0, 0)


def test_a_dry_run_does_not_set_up_the_database(empty_database_url, capsys, tmp_path):
    path = rf.write_gpkg(tmp_path / "d.gpkg", rf.dam_rows(3))
    code = main(["--database-url", empty_database_url, "import", str(path), "--kind", "dam", "--county", GX])
    err = capsys.readouterr().err
    assert code == 1 and "请先运行 shuibao-server init" in err
    engine = db.make_engine(empty_database_url)
    assert db.current_revision(engine) is None
    engine.dispose()
