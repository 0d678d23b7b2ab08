"""A province's batch of remote-sensing spots through the register import core: the GBK Shapefile
with pinyin column names in a Gauss-Krüger zone, the GeoPackage with Chinese headers and 亩, a
deadline typed once for every row, rows without an issued id refused, and a corrected batch matched
by issued id (updates, never duplicates)."""

from __future__ import annotations

import pytest
import register_files as rf
from shuibao.importer.store_target import StoreTarget
from shuibao.layers.store import create_store
from shuibao.registers import mapping as mappinglib
from shuibao.registers import sources
from shuibao.registers.run import run_import


@pytest.fixture
def target(tmp_path):
    return StoreTarget(create_store(tmp_path / "county.gpkg"), role="technician")


def guessed(path) -> mappinglib.Mapping:
    table = sources.read(str(path), None)
    return mappinglib.guess("rs_spot", table.columns, table.spatial)


def test_a_shapefile_batch_with_pinyin_names_in_a_gk_zone(target, tmp_path):
    frame = rf.rs_batch_frame(8)
    shp = rf.write_rs_shapefile(tmp_path / "疑似图斑.shp", frame, deadline="2025-06-30", epsg=4547)
    mapping = guessed(shp)
    assert {f: mapping.columns.get(f) for f in ("spot_id", "batch_round", "issued_area", "deadline", "county_code")} == {
        "spot_id": "TBBH", "batch_round": "PC", "issued_area": "RDMJ", "deadline": "WCSX", "county_code": "XZQDM"}  # fmt: skip
    result = run_import(shp, "rs_spot", target, mapping=mapping, dry_run=False)
    assert result.plan.crs.crs == "EPSG:4547" and result.written == {"inserted": 8, "updated": 0}
    spots = {s["spot_id"]: s for s in target.store.records("rs_spot")}
    first = spots[frame["图斑编号"][0]]
    assert (first["batch_round"], first["issuer_level"], first["deadline"]) == (1, "province", "2025-06-30")
    assert first["batch"] == "2025年省级第1批" and first["step"] == "issued"
    assert first["issued_area"] == pytest.approx(frame["扰动面积(亩)"][0] / 15, abs=1e-3)  # hm²
    assert first["area"] == pytest.approx(first["issued_area"], rel=0.01)  # the outline back in 4490


def test_a_geopackage_batch_with_the_deadline_typed_once_and_its_correction(target, tmp_path):
    frame = rf.rs_batch_frame(10, round_=2)
    batch = rf.write_rs_gpkg(tmp_path / "batch.gpkg", frame)
    mapping = guessed(batch)
    assert mapping.units == {"issued_area": "亩"} and "deadline" not in mapping.columns
    check = run_import(batch, "rs_spot", target, mapping=mapping)
    assert check.plan.counts()["reject"] == 10  # the deadline is required
    assert {p.field for p in check.plan.rows[0].problems} == {"deadline"}
    mapping.constants["deadline"] = "2025年6月30日"  # from the province's letter, typed as people do
    done = run_import(batch, "rs_spot", target, mapping=mapping, dry_run=False)
    assert done.written == {"inserted": 10, "updated": 0}
    assert {s["deadline"] for s in target.store.records("rs_spot")} == {"2025-06-30"}

    fixed = rf.write_rs_gpkg(tmp_path / "batch-corrected.gpkg", rf.corrected_batch(frame))
    again = run_import(fixed, "rs_spot", target, mapping=mapping, dry_run=False)
    assert again.written == {"inserted": 1, "updated": 3} and again.plan.counts()["unchanged"] == 7
    changed = {r.code: sorted(r.values) for r in again.plan.rows if r.action == "update"}
    ids = list(frame["图斑编号"])
    assert changed[ids[0]] == ["area", "geom"] and changed[ids[1]] == ["builder", "project_name"]
    assert changed[ids[2]] == ["township"]
    assert len(target.store.records("rs_spot")) == 11  # never a duplicate
    assert run_import(fixed, "rs_spot", target, mapping=mapping).plan.counts()["unchanged"] == 11


def test_a_row_without_an_issued_id_is_refused_not_given_one(target, tmp_path):
    frame = rf.rs_batch_frame(3)
    frame.loc[1, "图斑编号"] = ""
    batch = rf.write_rs_gpkg(tmp_path / "batch.gpkg", frame)
    mapping = guessed(batch)
    mapping.constants["deadline"] = "2025-06-30"
    plan = run_import(batch, "rs_spot", target, mapping=mapping).plan
    assert [r.action for r in plan.rows] == ["insert", "reject", "insert"]
    assert "按它匹配更正后的批次" in plan.rows[1].problems[0].zh
    assert not plan.notes or all("生成编码" not in zh for zh, _en in plan.notes)


def test_batch_headers_and_values_are_read_as_provinces_write_them():
    mapping = mappinglib.guess("rs_spot", ["图斑编号", "下发批次", "图斑面积", "批次", "面积"], spatial=True)
    assert mapping.columns["spot_id"] == "图斑编号" and mapping.columns["issued_area"] in ("图斑面积", "面积")
    assert mappinglib.ignored_derived("rs_spot", ["批次", "图斑面积", "面积"]) == []  # they feed fields
    from shuibao.registers.values import integer

    assert integer("第2批") == 2 and integer("3") == 3
