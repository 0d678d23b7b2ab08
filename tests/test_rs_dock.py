"""The remote-sensing dock on the demo county: its list filtered by batch, township, determination,
step and deadline with the counts; a spot's timeline and next steps; the layer styled by step; the
spot's parts when QGIS splits it, and its ledgers. (The stories that log in, click and type are in
test_rs_stories.py.)"""

from __future__ import annotations

import collections
import datetime as dt
import sqlite3

import openpyxl
import pytest
from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsProject
from shuibao.layers import splits
from shuibao.layers.project import open_store_in_project
from shuibao.layers.store import Store
from shuibao.model import RECORD_KINDS, rules
from shuibao.reports import excel, ledgers
from shuibao.reports.data import Dataset
from shuibao.ui import actions
from shuibao.ui.docks import RsSpotDock
from shuibao.ui.feature_model import FID_ROLE

KIND = RECORD_KINDS["rs_spot"]


def spots(path) -> list[dict]:
    """The store's spots, read with plain SQL (not through the code under test)."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM rs_spot")]
    finally:
        conn.close()


@pytest.fixture
def chinese(tool):
    from qgis.PyQt.QtCore import QCoreApplication, QTranslator

    [qm] = tool("build_zip").release_translations()
    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    yield
    QCoreApplication.removeTranslator(translator)


@pytest.fixture
def opened(small_store, chinese):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    return small_store, layers


@pytest.fixture
def dock(iface, opened):
    d = RsSpotDock(iface, project=QgsProject.instance(), lang="zh")
    d.reload()
    yield d
    d.disconnect_all()
    d.deleteLater()


def listed(dock) -> set[int]:
    return {dock.model.data(dock.model.index(r, 0), FID_ROLE) for r in range(dock.model.rowCount())}


def pick(combo, data) -> None:
    index = combo.findData(data)
    assert index >= 0, (data, [combo.itemData(i) for i in range(combo.count())])
    combo.setCurrentIndex(index)


def test_the_list_filters_by_batch_township_determination_step_and_deadline(dock, opened):
    path, layers = opened
    rows = spots(path)
    c = dock.contents
    assert dock.windowTitle() == "遥感监管图斑" and dock.count() == len(rows)
    batch, determination = dock.facet_combos["batch"], dock.facet_combos["determination"]
    assert [batch.itemText(i) for i in range(batch.count())] == ["全部批次"] + sorted({r["batch"] for r in rows})
    assert determination.itemText(0) == "全部认定结果" and determination.itemText(2) == "未批先建"
    assert not c.stepCombo.isVisible() and c.dueCombo.isVisibleTo(dock)  # the status is the step

    current = max(r["batch"] for r in rows)
    pick(batch, current)
    assert listed(dock) == {r["fid"] for r in rows if r["batch"] == current}
    pick(c.statusCombo, "issued")
    assert listed(dock) == {r["fid"] for r in rows if r["batch"] == current and r["step"] == "issued"}
    pick(c.statusCombo, "")
    pick(batch, "")
    violation = collections.Counter(r["determination"] for r in rows if r["determination"]).most_common(1)[0][0]
    pick(determination, violation)
    town = collections.Counter(r["township"] for r in rows if r["determination"] == violation).most_common(1)[0][0]
    pick(c.townshipCombo, town)
    assert listed(dock) == {r["fid"] for r in rows if r["determination"] == violation and r["township"] == town}
    pick(determination, "")
    pick(c.townshipCombo, "")
    pick(c.dueCombo, "overdue")
    today = dt.date.today()
    overdue = {r["fid"] for r in rows if rules.spot_overdue(r, today)}
    assert overdue and listed(dock) == overdue
    summary = c.summaryLabel.text()
    steps = collections.Counter(r["step"] for r in rows)
    assert f"已下发 {steps['issued']}" in summary and f"已销号 {steps['closed']}" in summary
    assert f"逾期 {len(overdue)}" in summary and c.countLabel.text() == f"显示 {len(overdue)} / {len(rows)} 条"


def test_an_overdue_spot_shows_its_timeline_next_steps_and_warning(dock, opened):
    path, layers = opened
    today = dt.date.today()
    spot = next(r for r in spots(path) if r["step"] == "rectifying" and rules.spot_overdue(r, today))
    dock.select_fid(spot["fid"])
    items = [dock.contents.childList.item(i).text() for i in range(dock.contents.childList.count())]
    assert f"{spot['notice_date']} · 下发整改通知 · {spot['notice_no']}" in items
    assert any(t.startswith(f"{spot['issued_on']} · 下发 · {spot['batch']}") for t in items)
    assert any("现场复核" in t and "已提交" in t for t in items)
    days = (today - dt.date.fromisoformat(rules.spot_deadline(spot))).days
    assert f"已超过办结期限 {days} 天" in dock.contents.warningLabel.text()
    detail = dock.contents.detailBrowser.toPlainText()
    assert "下一步" in detail and "图斑销号（技术员）：违法违规图斑销号须有整改佐证" in detail
    issued = next(r for r in spots(path) if r["step"] == "issued")
    dock.select_fid(issued["fid"])
    assert "复核完成：提交现场复核后自动完成" in dock.contents.detailBrowser.toPlainText()


def test_the_layer_is_styled_by_step(opened):
    _path, layers = opened
    renderer = layers["rs_spot"].renderer()
    assert renderer.classAttribute() == "step"
    labels = {c.value(): c.label() for c in renderer.categories()}
    assert labels["issued"] == "已下发" and labels["rectifying"] == "整改查处中" and labels["closed"] == "已销号"
    colours = {c.value(): c.symbol().color().name() for c in renderer.categories()}
    assert colours["issued"] == "#d62728" and colours["closed"] == "#2e9e44"
    assert layers["rs_spot"].labeling().settings().fieldName == "spot_id"


def test_a_split_gives_each_part_its_own_id_and_the_link(opened):
    path, layers = opened
    layer = layers["rs_spot"]
    spot = next(f for f in layer.getFeatures() if f["step"] == "issued")
    box = spot.geometry().boundingBox()
    x = box.center().x()
    assert layer.startEditing()
    layer.selectByIds([spot.id()])
    # What QGIS's split tool does with the line a person draws: one edit command.
    layer.beginEditCommand("Features split")
    line = [QgsPointXY(x, box.yMinimum() - 0.001), QgsPointXY(x, box.yMaximum() + 0.001)]
    assert layer.splitFeatures(line, False) == 0
    layer.endEditCommand()
    assert layer.commitChanges(), layer.commitErrors()
    parts = [r for r in spots(path) if r["spot_id"].startswith(spot["spot_id"])]
    assert sorted(r["spot_id"] for r in parts) == [spot["spot_id"], f"{spot['spot_id']}-2"]
    part = next(r for r in parts if r["spot_id"].endswith("-2"))
    assert part["split_from"] == spot["uuid"] and part["uuid"] != spot["uuid"] and part["batch"] == spot["batch"]
    changes = [(c.op, c.kind, c.uuid) for c in Store(path).pending_changes()]
    assert ("insert", "rs_spot", part["uuid"]) in changes and ("update", "rs_spot", spot["uuid"]) in changes
    # a second split of the same spot numbers on
    assert layer.startEditing()
    layer.selectByIds([spot.id()])
    layer.beginEditCommand("Features split")
    y = layer.getFeature(spot.id()).geometry().boundingBox().center().y()
    assert layer.splitFeatures([QgsPointXY(box.xMinimum() - 0.001, y), QgsPointXY(x + 0.001, y)], False) == 0
    layer.endEditCommand()
    assert layer.commitChanges(), layer.commitErrors()
    assert f"{spot['spot_id']}-3" in {r["spot_id"] for r in spots(path)}


def test_a_feature_copied_with_its_uuid_gets_its_own_and_is_no_part(opened):
    path, layers = opened
    layer = layers["dam"]
    dam = next(layer.getFeatures())
    copy = QgsFeature(layer.fields())
    copy.setAttributes(dam.attributes())
    copy["fid"] = None  # a script copying a feature: every attribute but the file's row id
    copy.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(dam.geometry().asPoint().x() + 0.01, 25.9)))
    assert layer.startEditing()
    assert layer.addFeature(copy)
    assert layer.commitChanges(), layer.commitErrors()  # the store's UNIQUE uuid would refuse it
    conn = sqlite3.connect(path)
    uuids = [u for (u,) in conn.execute("SELECT uuid FROM dam WHERE code = ?", (dam["code"],))]
    conn.close()
    assert len(uuids) == 2 and len(set(uuids)) == 2 and dam["uuid"] in uuids
    assert splits.keeper_of(layer) is not None


def test_the_spot_ledgers_in_excel(opened, tmp_path):
    path, _layers = opened
    rows = spots(path)
    ds = Dataset(path)
    offered = [g.name for g in ledgers.ledgers_for("rs_spot")]
    assert offered == ["rs_spots", "rs_violations", "rs_progress"]  # no de-listing list: spots are cases
    tables = ledgers.make_tables(ds, offered, ledgers.Filter(today=dt.date.today()), "zh", "赣县区")
    out = tmp_path / "遥感.xlsx"
    excel.write_workbook(out, tables)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["遥感监管图斑台账", "违法项目清单", "遥感监管进度（分批次）"]
    ledger = book["遥感监管图斑台账"]
    assert ledger["A1"].value == "赣县区遥感监管图斑台账"
    header = [c.value for c in ledger[3]]
    assert header[:4] == ["序号", "图斑编号", "批次", "乡镇"] and "逾期天数" in header
    ids = [r[1] for r in ledger.iter_rows(min_row=4, values_only=True)]
    assert sorted(ids) == sorted(r["spot_id"] for r in rows)
    violations = book["违法项目清单"]
    listed_ids = {r[5] for r in violations.iter_rows(min_row=4, values_only=True)}
    assert listed_ids == {r["spot_id"] for r in rows if r["determination"] in
                          ("unapproved_build", "unapproved_dump", "beyond_scope", "unaccepted_operation", "other")
                          and r["step"] not in ("issued", "rechecked")}  # fmt: skip
    progress = book["遥感监管进度（分批次）"]
    head = [c.value for c in progress[3]]
    last = [c.value for c in progress[progress.max_row]]
    total = dict(zip(head, last))
    today = dt.date.today()
    assert total["批次"] == "合计" and total["下发（个）"] == len(rows)
    assert total["已销号"] == sum(r["step"] == "closed" for r in rows)
    assert total["超期未办结"] == sum(rules.spot_overdue(r, today) for r in rows)
    assert total["已复核"] == sum(r["step"] != "issued" for r in rows)


def test_feature_values_of_a_spot_round_trip(opened):
    _path, layers = opened
    feature = next(layers["rs_spot"].getFeatures())
    values = actions.feature_values(KIND, feature)
    assert values["batch_year"] == feature["batch_year"] and rules.validate(KIND, values) == []
