"""Ledgers (台账) written to Excel from the demo county and read back with openpyxl, cell by cell
against the store (read here with plain SQL, not through the report code)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys

import openpyxl
import pytest
from shuibao.model import RECORD_KINDS
from shuibao.reports import excel, ledgers
from shuibao.reports.data import Dataset, ReportError

BEIJING = dt.timezone(dt.timedelta(hours=8))
TOWN = "梅林镇"


def store_rows(path, kind: str) -> list[dict]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(f'SELECT * FROM "{kind}"')]
    finally:
        conn.close()


def label(kind: str, field: str, code):
    return RECORD_KINDS[kind].field(field).enum.label(code) if code is not None else None


def sheet_rows(sheet, header_row: int) -> tuple[list[str], list[dict]]:
    """Header labels and the data rows (dicts by header) of a sheet, the total row left out."""
    headers = [c.value for c in sheet[header_row]]
    rows = []
    for cells in sheet.iter_rows(min_row=header_row + 1):
        values = [c.value for c in cells]
        if values[0] in ("合计", None):
            continue
        rows.append(dict(zip(headers, cells)))
    return headers, rows


@pytest.fixture(scope="module")
def workbook(small_store_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "ledgers.xlsx"
    ds = Dataset(small_store_template)
    tables = ledgers.make_tables(ds, ledgers.LEDGERS, ledgers.Filter(), "zh", "赣县区")
    excel.write_workbook(path, tables)
    return openpyxl.load_workbook(path), tables


def test_one_sheet_per_ledger_with_title_and_header(workbook):
    book, tables = workbook
    assert book.sheetnames == [g.zh for g in ledgers.LEDGERS.values()]
    for table in tables:
        sheet = book[table.sheet]
        assert sheet["A1"].value == f"赣县区{ledgers.LEDGERS[table.name].zh}"
        assert "共 " in sheet["A2"].value and "北京时间" in sheet["A2"].value
        header = excel.header_row(table)
        assert [c.value for c in sheet[header]] == table.headers
        assert sheet.freeze_panes == f"A{header + 1}"
        if table.rows:
            assert sheet.auto_filter.ref.startswith(f"A{header}:")


def test_dam_register_cell_by_cell(workbook, small_store_template):
    book, tables = workbook
    table = next(t for t in tables if t.name == "dam_register")
    _headers, rows = sheet_rows(book["淤地坝名录"], excel.header_row(table))
    dams = {d["code"]: d for d in store_rows(small_store_template, "dam") if d["register_status"] == "registered"}
    assert sorted(r["淤地坝编码"].value for r in rows) == sorted(dams)
    for row in rows:
        dam = dams[row["淤地坝编码"].value]
        assert row["淤地坝名称"].value == dam["name"] and row["乡镇"].value == dam["township"]
        assert row["坝型规模"].value == label("dam", "scale", dam["scale"])
        assert row["安全状况"].value == label("dam", "hazard_status", dam["hazard_status"])
        assert row["总库容 (万m³)"].value == dam["total_storage"]
        assert row["总库容 (万m³)"].number_format == "0.00" and row["建成年份"].value == dam["year_built"]
        order = [c.code for c in RECORD_KINDS["dam"].field("downstream_exposure").enum.choices]
        exposure = sorted(json.loads(dam["downstream_exposure"]), key=order.index)  # in the model's order
        assert row["下游影响对象"].value == "、".join(label("dam", "downstream_exposure", c) for c in exposure)
        for who in ("行政", "技术", "巡查"):
            prefix = {"行政": "admin", "技术": "tech", "巡查": "patrol"}[who]
            assert row[f"{who}责任人"].value == dam[f"{prefix}_person"]
            assert row[f"{who}责任人电话"].value == dam[f"{prefix}_phone"]  # text, leading digits kept
        assert row["一坝一人专职巡查"].value == ("是" if dam["dedicated_patroller"] else "否")
        important = {"residents", "school", "industry", "traffic"} & set(exposure)
        needed = bool(important) and dam["silted_storage"] < dam["silt_storage"]
        assert row["应落实一坝一人"].value == ("是" if needed else "否")
        last = row["最近巡查时间"]
        if dam["last_inspected_at"]:
            utc = dt.datetime.fromisoformat(dam["last_inspected_at"].replace("Z", "+00:00"))
            assert last.is_date and last.value == utc.astimezone(BEIJING).replace(tzinfo=None, microsecond=0)
            assert last.number_format == "yyyy-mm-dd hh:mm"


def test_hazard_ledger_carries_dams_as_code_and_name_and_dates_as_dates(workbook, small_store_template):
    book, tables = workbook
    table = next(t for t in tables if t.name == "dam_hazards")
    _headers, rows = sheet_rows(book["隐患排查整改台账"], excel.header_row(table))
    hazards = store_rows(small_store_template, "dam_hazard")
    dams = {d["uuid"]: d for d in store_rows(small_store_template, "dam")}
    assert len(rows) == len(hazards) and [r["序号"].value for r in rows] == list(range(1, len(rows) + 1))
    by_key = {(dams[h["dam_uuid"]]["code"], h["description"], h["deadline"]): h for h in hazards}
    today = dt.date.today()
    for row in rows:
        deadline = row["整改期限"].value.date()
        h = by_key[(row["淤地坝编码"].value, row["隐患描述"].value, deadline.isoformat())]
        assert row["淤地坝名称"].value == dams[h["dam_uuid"]]["name"]
        assert row["隐患等级"].value == label("dam_hazard", "severity", h["severity"])
        assert row["流程步骤"].value == label("dam_hazard", "step", h["step"])
        assert row["整改期限"].is_date and row["整改期限"].number_format == "yyyy-mm-dd"
        closed = row["销号日期"].value
        assert (closed.date().isoformat() if closed else None) == h["closed_at"]
        overdue = row["逾期天数"].value
        expected = (today - deadline).days if h["step"] != "closed" and deadline < today else None
        assert overdue == expected


def test_township_period_status_and_dock_filters(small_store_template, tmp_path):
    ds = Dataset(small_store_template)
    dams = store_rows(small_store_template, "dam")
    flt = ledgers.Filter(township=TOWN)
    register = ledgers.make_table(ds, ledgers.LEDGERS["dam_register"], flt, county_name="赣县区")
    in_town = [d for d in dams if d["township"] == TOWN and d["register_status"] == "registered"]
    assert len(register.rows) == len(in_town) > 0
    assert "乡镇：梅林镇" in register.subtitle[0]

    start, end = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    period = ledgers.Filter(date_from=start, date_to=end)
    inspections = ledgers.make_table(ds, ledgers.LEDGERS["dam_inspections"], period)
    when = inspections.headers.index("检查时间")
    assert all(start <= r[when].date() <= end for r in inspections.rows) and inspections.rows
    expected = [
        i for i in store_rows(small_store_template, "dam_inspection")
        if start <= dt.datetime.fromisoformat(i["inspected_at"].replace("Z", "+00:00")).astimezone(BEIJING).date() <= end
    ]  # fmt: skip
    assert len(inspections.rows) == len(expected)
    assert "统计期间：2025-01-01 至 2025-12-31" in inspections.subtitle[0]

    open_only = ledgers.make_table(ds, ledgers.LEDGERS["dam_hazards"], ledgers.Filter(statuses=("open",)))
    step = open_only.headers.index("流程步骤")
    assert {r[step] for r in open_only.rows} == {"待整改"}

    chosen = frozenset(d["uuid"] for d in dams[:3])
    docked = ledgers.Filter(objects=chosen, note="安全状况：病险")
    register = ledgers.make_table(ds, ledgers.LEDGERS["dam_register"], docked)
    codes = {d["code"] for d in dams[:3] if d["register_status"] == "registered"}
    assert {r[0] for r in register.rows} == codes and "筛选：安全状况：病险" in register.subtitle[0]
    hazards = ledgers.make_table(ds, ledgers.LEDGERS["dam_hazards"], docked)
    assert {r[1] for r in hazards.rows} <= codes


def test_benggang_progress_counts_clusters_and_totals(small_store_template):
    ds = Dataset(small_store_template)
    table = ledgers.make_table(ds, ledgers.LEDGERS["benggang_progress"], ledgers.Filter())
    patches = [p for p in store_rows(small_store_template, "patch") if p["kind"] == "benggang"]
    patches = [p for p in patches if p["register_status"] == "registered"]
    plan = sum(max(p["cluster_members"] or 1, 1) if p["is_cluster"] else 1 for p in patches)
    assert table.total[0] == "合计" and table.total[1] == plan
    assert sum(r[1] for r in table.rows) == plan
    assert "崩岗群按所含崩岗个数计" in table.subtitle[1]


def test_watershed_ledgers_show_the_watershed_as_code_and_name(small_store_template):
    ds = Dataset(small_store_template)
    sheds = {w["uuid"]: w for w in store_rows(small_store_template, "watershed")}
    spots = ledgers.make_table(ds, ledgers.LEDGERS["watershed_spots"], ledgers.Filter())
    assert len(spots.rows) == len(store_rows(small_store_template, "watershed_spot"))
    assert {r[0] for r in spots.rows} == {f"{w['code']} {w['name']}" for w in sheds.values()}
    acceptances = ledgers.make_table(ds, ledgers.LEDGERS["watershed_acceptances"], ledgers.Filter())
    stored = store_rows(small_store_template, "watershed_acceptance")
    assert sorted((r[0], r[2], r[9]) for r in acceptances.rows) == sorted(
        (f"{sheds[a['watershed_uuid']]['code']} {sheds[a['watershed_uuid']]['name']}", a["year"],
         label("watershed_acceptance", "verdict", a["verdict"])) for a in stored
    )  # fmt: skip


def test_without_openpyxl_the_user_is_told_what_to_install(small_store_template, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as in a QGIS whose Python lacks it
    ds = Dataset(small_store_template)
    table = ledgers.make_table(ds, ledgers.LEDGERS["delisting"], ledgers.Filter())
    with pytest.raises(ReportError) as caught:
        excel.write_workbook(tmp_path / "x.xlsx", [table])
    assert "python3-openpyxl" in caught.value.zh and "openpyxl" in caught.value.en
    assert not (tmp_path / "x.xlsx").exists()
