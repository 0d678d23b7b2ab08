"""Register files as counties have them: Chinese headers, GBK, Gauss-Krüger, 度分秒, m³ and 万m³.

The tests and ``bench/bench_import.py`` make their files with these; a person can make samples to
try the import dialog with ``python tools/register_samples.py OUT_DIR``.

Shapefiles and GeoPackages are written with pyogrio (through geopandas), spreadsheets with
openpyxl, CSV with the csv module in the encodings Chinese office software uses.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import pyproj
from shapely.geometry import Point, Polygon

GANXIAN = "360704"  # 赣县区, Jiangxi: CGCS2000 3° zone CM 114°E (EPSG:4547)
JINGBIAN = "610824"  # 靖边县, Shaanxi: CM 108°E (EPSG:4545)
PERSONS = ("张三", "13800000001", "李四", "13800000002", "王五", "13800000003")


def dms(value: float) -> str:
    total = round(value * 360000)  # hundredths of a second
    d, rest = divmod(total, 360000)
    m, s = divmod(rest, 6000)
    return f"{d}°{m}'{s / 100:.2f}\""


def dam_rows(n: int, lon0: float = 115.0, lat0: float = 25.85, prefix: str = "GX") -> list[dict]:
    """n dams with Chinese column names, lon/lat in CGCS2000."""
    towns = ("梅林镇", "王母渡镇", "江口镇", "湖江镇")
    return [
        {
            "淤地坝编码": f"{prefix}{i + 1:05d}", "坝名": f"{towns[i % 4][:2]}{i + 1}号坝", "乡镇": towns[i % 4],
            "lon": lon0 + (i % 100) * 0.002, "lat": lat0 + (i // 100) * 0.002,
            "坝高": 8.0 + i % 20, "总库容": 2.0 + (i % 70), "放水建筑物": ("卧管", "竖井式", "涵洞")[i % 3],
            "溢洪道": "有" if i % 2 else "无", "下游影响": "居民点、学校" if i % 5 == 0 else "无",
            "行政责任人": PERSONS[0], "行政责任人电话": PERSONS[1], "技术责任人": PERSONS[2],
            "技术责任人电话": PERSONS[3], "巡查责任人": PERSONS[4], "巡查责任人电话": PERSONS[5],
            "一坝一人": "是" if i % 5 == 0 else "否",  # 居民点、学校 downstream: 办水保〔2022〕72号
        }
        for i in range(n)
    ]  # fmt: skip


def _projected(rows: list[dict], epsg: int) -> list[tuple[float, float]]:
    t = pyproj.Transformer.from_crs(4490, epsg, always_xy=True)
    return [t.transform(r["lon"], r["lat"]) for r in rows]


def write_csv_gk(path: Path, rows: list[dict], epsg: int = 4547, encoding: str = "gb18030") -> Path:
    """A CSV as a surveyor makes it: X坐标 = northing, Y坐标 = easting, no zone prefix, GBK."""
    cols = [c for c in rows[0] if c not in ("lon", "lat")]
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(["赣县区淤地坝名录（2024年）"])
        w.writerow([*cols, "X坐标", "Y坐标"])
        for r, (e, n) in zip(rows, _projected(rows, epsg)):
            w.writerow([*(r[c] for c in cols), f"{n:.3f}", f"{e:.3f}"])
        w.writerow(["合计", "", "", "", "", sum(r["总库容"] for r in rows)])
    return path


def write_xlsx_dms(path: Path, rows: list[dict]) -> Path:
    """A ledger in Excel: a title row, a two-row header (责任人 / 姓名 · 电话), 度分秒, storage in m³."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "淤地坝名录"
    ws.append(["靖边县淤地坝基本情况表"])
    top = ["编号", "坝名", "乡镇", "经度", "纬度", "坝高(m)", "总库容(m³)", "行政责任人", None, "技术责任人", None,
           "巡查责任人", None]  # fmt: skip
    ws.append(top)
    ws.append([None] * 7 + ["姓名", "电话"] * 3)
    for cell in ("A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3", "F2:F3", "G2:G3", "H2:I2", "J2:K2", "L2:M2"):
        ws.merge_cells(cell)
    for r in rows:
        ws.append([r["淤地坝编码"], r["坝名"], r["乡镇"], dms(r["lon"]), dms(r["lat"]), r["坝高"],
                   r["总库容"] * 10_000, *PERSONS])  # fmt: skip
    ws.append(["合计", None, None, None, None, None, sum(r["总库容"] for r in rows) * 10_000])
    wb.save(str(path))
    return path


def write_gbk_shapefile(path: Path, rows: list[dict], epsg: int = 4545, cpg: bool = False) -> Path:
    """A Shapefile in GBK (as Chinese ArcGIS writes it), by default without the .cpg that would say so."""
    cols = [c for c in rows[0] if c not in ("lon", "lat")]
    pts = _projected(rows, epsg)
    frame = gpd.GeoDataFrame([{c: r[c] for c in cols} for r in rows], geometry=[Point(p) for p in pts],
                             crs=f"EPSG:{epsg}")  # fmt: skip
    frame = frame.rename(
        columns={"行政责任人电话": "行政电话", "技术责任人电话": "技术电话", "巡查责任人电话": "巡查电话"}
    )
    frame.to_file(str(path), driver="ESRI Shapefile", encoding="GBK", engine="pyogrio")
    if not cpg:
        path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


def patch_frame(n: int = 6, lon0: float = 115.0, lat0: float = 25.85) -> gpd.GeoDataFrame:
    """崩岗 polygons in lon/lat with a wrong 面积 column (the model computes area, never the file)."""
    rows, geoms = [], []
    for i in range(n):
        x, y = lon0 + i * 0.01, lat0
        d = 0.0003 + 0.0002 * i
        geoms.append(Polygon([(x, y), (x + d, y), (x + d, y + d), (x, y + d)]))
        rows.append({"图斑编号": f"BG{i + 1:03d}", "名称": f"崩岗{i + 1}", "类型": "崩岗", "乡镇": "梅林镇",
                     "形态": ("瓢形", "条形", "爪形")[i % 3], "面积": 1.0, "治理状态": "未治理"})  # fmt: skip
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")


def write_geojson(path: Path, frame: gpd.GeoDataFrame) -> Path:
    frame.to_crs(4326).to_file(str(path), driver="GeoJSON", engine="pyogrio")
    return path


def write_gpkg(path: Path, rows: list[dict], epsg: int = 4326, layer: str = "淤地坝") -> Path:
    cols = [c for c in rows[0] if c not in ("lon", "lat")]
    frame = gpd.GeoDataFrame([{c: r[c] for c in cols} for r in rows],
                             geometry=[Point(r["lon"], r["lat"]) for r in rows], crs="EPSG:4490")  # fmt: skip
    frame.to_crs(epsg).to_file(str(path), driver="GPKG", layer=layer, engine="pyogrio")
    return path


def write_bad_csv(path: Path) -> Path:
    """Good rows and rows each wrong in one way a person gets it wrong."""
    rows = dam_rows(8)
    rows[1]["坝高"] = "十二米"  # not a number
    rows[2]["放水建筑物"] = "木头管"  # not a choice
    rows[3]["行政责任人"] = ""  # required
    rows[4]["总库容"] = -5  # below the minimum
    rows[5]["lon"], rows[5]["lat"] = "abc", "25.9"  # not a coordinate
    rows[6]["淤地坝编码"] = rows[0]["淤地坝编码"]  # duplicate code
    cols = [c for c in rows[0] if c not in ("lon", "lat")]
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow([*cols, "经度", "纬度"])
        for r in rows:
            w.writerow([*(r[c] for c in cols), r["lon"], r["lat"]])
    return path


# --- a province's batch of remote-sensing spots (遥感监管疑似违法违规图斑) ----------------------------
RS_TOWNS = (("梅林镇", 114.98, 25.87), ("王母渡镇", 114.93, 25.63), ("江口镇", 115.13, 25.97),
            ("田村镇", 115.16, 25.79), ("储潭镇", 114.96, 25.98), ("茅店镇", 115.03, 25.95))  # fmt: skip
RS_KINDS = (("其他扰动", "房地产", "赣县区{0}安置房建设项目", "赣县区城投置业有限公司"),
            ("弃土（渣）场", "交通", "{0}至赣州绕城公路改建工程", "赣州市交通建设集团有限公司"),
            ("取土（石）场", "矿山采石", "{0}建筑用砂石料场", None), ("其他扰动", "能源", "{0}农光互补光伏电站", None),
            ("其他扰动", "工业", "赣县经开区{0}标准厂房", "赣县区工业园区开发有限公司"),
            ("其他扰动", "农林开发", "{0}脐橙果园开发", None), ("其他扰动", None, None, None))  # fmt: skip


def rs_batch_frame(n: int, year: int = 2025, round_: int = 1, county: str = GANXIAN) -> gpd.GeoDataFrame:
    """n spots of one province batch as the province sends them: Chinese headers, area in 亩, the
    project where the imagery shows one, no deadline (it comes in the covering letter). EPSG:4490."""
    import math
    import random

    rng = random.Random(year * 100 + round_)  # noqa: S311 - sample data
    rows, geoms = [], []
    for i in range(n):
        town, cx, cy = RS_TOWNS[i % len(RS_TOWNS)]
        x, y = cx + rng.uniform(-0.06, 0.06), cy + rng.uniform(-0.05, 0.05)
        r = math.sqrt(rng.uniform(0.1, 3.0) * 10_000 / math.pi) / 111_000  # 0.1–3 hm², in degrees
        corners = [(x + r * math.cos(a) * rng.uniform(0.7, 1.2), y + r * math.sin(a) * rng.uniform(0.7, 1.2))
                   for a in (k * math.pi / 4 for k in range(8))]  # fmt: skip
        polygon = Polygon(corners)
        disturbance, project_type, project, builder = RS_KINDS[i % len(RS_KINDS)]
        known = project is not None and rng.random() < 0.6
        rows.append({
            "图斑编号": f"{county}{year}{round_:02d}{i + 1:04d}", "县级行政区划代码": county, "乡镇": town,
            "下发年度": year, "下发批次": f"第{round_}批", "下发层级": "省级", "下发日期": f"{year}-03-15",
            "扰动面积(亩)": round(_area_hm2(polygon) * 15, 2), "扰动类型": disturbance, "项目类型": project_type or "",
            "项目名称": project.format(town[:2]) if known else "", "建设单位": (builder or "") if known else "",
        })  # fmt: skip
        geoms.append(polygon)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4490")


def _area_hm2(polygon: Polygon) -> float:
    from shuibao.model import geodesy

    return geodesy.polygon_area_m2([[list(polygon.exterior.coords)]]) / 10_000


def corrected_batch(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The same batch as the province corrects it: the first spot's outline redrawn, the second's
    project named, the third's township fixed, and one spot added at the end."""
    import pandas as pd
    from shapely import affinity

    fixed = frame.copy()
    fixed.loc[0, "geometry"] = affinity.scale(fixed.geometry[0], 1.3, 1.3)
    fixed.loc[1, "项目名称"] = "梅林镇安置房建设项目（二期）"
    fixed.loc[1, "建设单位"] = "赣县区城投置业有限公司"
    fixed.loc[2, "乡镇"] = "沙地镇"
    extra = frame.iloc[[3]].copy()
    extra["图斑编号"] = extra["图斑编号"].str[:-4] + f"{len(frame) + 1:04d}"
    extra["geometry"] = extra.geometry.translate(0.01, 0.01)
    return gpd.GeoDataFrame(pd.concat([fixed, extra], ignore_index=True), crs=frame.crs)


def write_rs_gpkg(path: Path, frame: gpd.GeoDataFrame, layer: str = "疑似违法违规图斑") -> Path:
    frame.to_file(str(path), driver="GPKG", layer=layer, engine="pyogrio")
    return path


RS_SHAPEFILE_NAMES = {"图斑编号": "TBBH", "县级行政区划代码": "XZQDM", "乡镇": "XZMC", "下发年度": "ND", "下发批次": "PC",
                      "下发层级": "XFJB", "下发日期": "XFRQ", "扰动面积(亩)": "RDMJ", "扰动类型": "RDLX", "项目类型": "XMLX",
                      "项目名称": "XMMC", "建设单位": "JSDW"}  # fmt: skip


def write_rs_shapefile(path: Path, frame: gpd.GeoDataFrame, deadline: str = "2025-06-30", epsg: int = 4547) -> Path:
    """The batch as a GBK Shapefile in the CGCS2000 3° zone, with pinyin initials for names (as a
    dbf's ten characters force), area in hm² (RDMJ) and the deadline in the file (WCSX)."""
    out = frame.rename(columns=RS_SHAPEFILE_NAMES).to_crs(epsg)
    out["RDMJ"] = (out["RDMJ"] / 15).round(4)
    out["WCSX"] = deadline
    out.to_file(str(path), driver="ESRI Shapefile", encoding="GBK", engine="pyogrio")
    return path


if __name__ == "__main__":
    import sys

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "build/register-samples")
    out.mkdir(parents=True, exist_ok=True)
    rows = dam_rows(50)
    for made in (write_csv_gk(out / "赣县区淤地坝名录_4547.csv", rows), write_xlsx_dms(out / "淤地坝基本情况表.xlsx", rows),
                 write_gbk_shapefile(out / "淤地坝_4545.shp", dam_rows(50, lon0=108.8, lat0=37.6, prefix="JB")),
                 write_geojson(out / "崩岗.geojson", patch_frame(20)), write_bad_csv(out / "有错误的名录.csv")):  # fmt: skip
        print(made)
