"""Statistics against targets from the demo county, checked against the store with plain SQL."""

from __future__ import annotations

import datetime as dt
import sqlite3
import zipfile

import openpyxl
from shuibao.model import THRESHOLDS
from shuibao.reports import excel, stats
from shuibao.reports.data import Dataset

TODAY = dt.date(2026, 6, 1)


def query(path, sql, *params):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def treated_in(path, start: int, end: int, township: str | None = None, cluster_as_members: bool = True) -> int:
    """崩岗 treated in [start, end] by the date of their last measure (or acceptance), clusters as members."""
    rows = query(
        path,
        "SELECT p.township, p.is_cluster, p.cluster_members, max(coalesce(m.completed_at, ''), coalesce(a.accepted_at, ''))"
        " FROM patch p LEFT JOIN patch_measure m ON m.patch_uuid = p.uuid LEFT JOIN patch_acceptance a"
        " ON a.patch_uuid = p.uuid WHERE p.kind = 'benggang' AND p.treatment_status IN ('completed', 'accepted')"
        " GROUP BY p.uuid",
    )
    total = 0
    for town, cluster, members, last in rows:
        if last and start <= int(last[:4]) <= end and township in (None, town):
            total += max(members or 1, 1) if cluster and cluster_as_members else 1
    return total


def test_default_period_is_the_longest_plan_period_covering_today(small_store_template, tmp_path):
    ds = Dataset(small_store_template)
    opts = stats.default_options(ds, dt.date(2024, 5, 1))  # 2021–2025 and 2022–2025 and 2024–2025 cover it
    assert (opts.year_from, opts.year_to, opts.today) == (2021, 2025, dt.date(2024, 5, 1))
    assert (stats.default_options(ds, TODAY).year_from, stats.default_options(ds, TODAY).year_to) == (2021, 2025)
    empty = tmp_path / "empty.gpkg"
    from shuibao.layers.store import create_store

    create_store(empty)
    assert (
        stats.default_options(Dataset(empty), TODAY).year_from,
        stats.default_options(Dataset(empty), TODAY).year_to,
    ) == (2026, 2026)


def test_progress_against_each_county_target(small_store_template):
    ds = Dataset(small_store_template)
    opts = stats.Options(2022, 2025, today=TODAY)
    items = {p.target["indicator"]: p for p in stats.progress(ds, opts)}
    assert set(items) == {"benggang_treated", "watersheds_built", "treated_area", "conservation_rate",
                          "hazards_closed"}  # fmt: skip
    bg = items["benggang_treated"]
    assert bg.target["value"] == 1000 and bg.achieved == treated_in(small_store_template, 2022, 2025) > 0
    assert bg.share == round(100 * bg.achieved / 1000, 1)

    built = query(small_store_template, "SELECT count(*) FROM watershed WHERE year BETWEEN 2021 AND 2025"
                  " AND treatment_status IN ('completed', 'accepted')")[0][0]  # fmt: skip
    assert items["watersheds_built"].achieved == built
    area = query(small_store_template, "SELECT sum(s.area) FROM watershed_spot s JOIN watershed w ON"
                 " w.uuid = s.watershed_uuid WHERE w.year BETWEEN 2021 AND 2025 AND s.step = 'completed'")[0][0]  # fmt: skip
    assert items["treated_area"].achieved == round(area / 100, 2)  # hm² of the spots, target in km²

    rate = items["conservation_rate"]
    assert rate.achieved == rate.target["monitored"] and "距目标差" in rate.note_zh

    found = [
        step for step, when in query(small_store_template, "SELECT h.step, coalesce(i.inspected_at, h.created_at)"
                                     " FROM dam_hazard h LEFT JOIN dam_inspection i ON i.uuid = h.inspection_uuid")
        if 2024 <= _beijing_year(when) <= 2025
    ]  # fmt: skip
    closed = found.count("closed")
    assert items["hazards_closed"].note_zh == f"发现 {len(found)} 处，销号 {closed} 处"
    assert items["hazards_closed"].achieved == round(100 * closed / len(found), 1)


def _beijing_year(stamp: str) -> int:
    utc = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return utc.astimezone(dt.timezone(dt.timedelta(hours=8))).year


def test_benggang_by_township_against_township_targets(small_store_template):
    ds = Dataset(small_store_template)
    opts = stats.Options(2022, 2025, today=TODAY)
    table = stats.benggang_table(ds, opts, "zh")
    assert table.headers[:6] == ["乡镇", "崩岗（座）", "累计已治理", "期内完成治理", "目标（座）", "完成率 (%)"]
    targets = dict(query(small_store_template, "SELECT township, value FROM target WHERE township IS NOT NULL"
                         " AND indicator = 'benggang_treated'"))  # fmt: skip
    for row in table.rows:
        town, period, target, share = row[0], row[3], row[4], row[5]
        assert period == treated_in(small_store_template, 2022, 2025, town)
        assert target == targets.get(town)
        assert share == (round(100 * period / target, 1) if target else None)
    assert table.total[4] == 1000 and table.total[3] == sum(r[3] for r in table.rows)


def test_a_cluster_counted_as_one_when_the_county_counts_so(small_store_template):
    ds = Dataset(small_store_template)
    as_one = stats.Options(2022, 2025, today=TODAY, thresholds=THRESHOLDS.with_overrides(
        benggang_cluster_counts_members=0))  # fmt: skip
    members = stats.benggang_table(ds, stats.Options(2022, 2025, today=TODAY), "zh").total[1]
    ones = stats.benggang_table(ds, as_one, "zh").total[1]
    clusters = query(small_store_template, "SELECT count(*), sum(cluster_members) FROM patch WHERE is_cluster"
                     " AND kind = 'benggang' AND register_status = 'registered'")[0]  # fmt: skip
    assert members - ones == (clusters[1] or 0) - clusters[0]


def test_dams_and_hazards_by_township(small_store_template):
    ds = Dataset(small_store_template)
    opts = stats.Options(2024, 2025, today=TODAY)
    dams = stats.dam_table(ds, opts, "zh")
    registered = query(small_store_template, "SELECT township, count(*) FROM dam WHERE register_status = 'registered'"
                       " GROUP BY township")  # fmt: skip
    assert {r[0]: r[1] for r in dams.rows if r[1]} == dict(registered)
    assert dams.total[1] == sum(n for _t, n in registered) == sum(dams.total[2:6])
    hazards = stats.hazard_table(ds, opts, "zh")
    open_by_town = dict(query(small_store_template, "SELECT d.township, count(*) FROM dam_hazard h JOIN dam d"
                              " ON d.uuid = h.dam_uuid WHERE h.step <> 'closed' GROUP BY d.township"))  # fmt: skip
    assert {r[0]: r[4] for r in hazards.rows if r[4]} == open_by_town
    overdue = query(small_store_template, "SELECT count(*) FROM dam_hazard WHERE step <> 'closed' AND deadline < ?",
                    TODAY.isoformat())[0][0]  # fmt: skip
    assert hazards.total[5] == overdue


def test_statistics_workbook_has_every_table_and_charts(small_store_template, tmp_path):
    ds = Dataset(small_store_template)
    opts = stats.Options(2022, 2025, township=None, today=TODAY)
    path = excel.write_workbook(tmp_path / "stats.xlsx", stats.statistics_tables(ds, opts, "zh", "赣县区"),
                                stats.charts("zh"))  # fmt: skip
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["目标任务完成情况", "淤地坝分乡镇统计", "隐患排查整改分乡镇统计", "崩岗治理分乡镇统计",
                               "小流域治理情况"]  # fmt: skip
    assert book["目标任务完成情况"]["A1"].value == "赣县区目标任务完成情况"
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3
