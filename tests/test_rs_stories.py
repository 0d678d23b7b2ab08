"""Remote-sensing supervision done as the county does it, in QGIS in zh_CN with the plugin as QGIS
loads it: log in through the login dialog against the real server as the role, pick the spot in
the fourth dock, click its buttons, type into the forms, press OK, answer the questions, press 同步,
and find the records on the server.

(a) inspector: re-checks an issued spot offline with a photo, then syncs
(b) technician: determines 未批先建, issues the notice, records the plan's approval and closes it
(c) technician: a 合规 spot closes at 认定
(d) inspector: splits a spot in two on site with QGIS's split tool
(e) technician: imports a province batch and then its corrected version through the import dialog
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest
import register_files as rf
from qgis.core import QgsPointXY
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import QAction
from shuibao.layers.store import Store
from shuibao.sync.api import ApiClient
from shuibao.ui.feature_model import FID_ROLE
from shuibao_ui_harness import (
    answer,
    choose_file_when_asked,
    click,
    current_tab,
    fill,
    form_of,
    labels,
    panel_text,
    pick_object,
    pick_record,
    press,
    press_ok,
    shown_text,
    timeline,
    wait_until,
)


def _field_stories():
    """The field stories' QGIS with the plugin and its fixtures (tests are not a package)."""
    path = Path(__file__).with_name("test_workflows_stories.py")
    spec = importlib.util.spec_from_file_location("shuibao_field_stories", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_stories = _field_stories()
chinese_qgis, story = _stories.chinese_qgis, _stories.story  # the fixtures: QGIS in zh_CN, the demo county
_photo, _values = _stories._photo, _stories._values

pytestmark = pytest.mark.display
DOCK = "ShuibaoRsSpotDock"


def choose(combo, data) -> None:
    """Pick an entry of one of the dock's filter lists."""
    index = combo.findData(data)
    assert index >= 0, (data, [combo.itemData(i) for i in range(combo.count())])
    combo.setCurrentIndex(index)


def day(offset: int) -> str:
    """A date from today, as typed into a date field (today itself is what an empty one shows)."""
    return (dt.date.today() + dt.timedelta(days=offset)).isoformat()


def listed(dock) -> list[int]:
    return [dock.model.data(dock.model.index(r, 0), FID_ROLE) for r in range(dock.model.rowCount())]


def on_server_or_none(story, uuid: str) -> dict | None:
    name, password = story.server.users[story.who.role]
    api = ApiClient(story.server.url)
    try:
        api.login(name, password, "rs-story-check")
        found = api.get_record(uuid)
    finally:
        api.close()
    return None if found is None else found.get("values", found)


def spot(story, fid: int) -> dict:
    return _values(story, "rs_spot", fid)


# -- (a) ------------------------------------------------------------------------------------------
def test_a_inspector_rechecks_a_spot_offline_with_a_photo_and_syncs(story, tmp_path):
    me = story.log_in("inspector")
    dock = story.dock(DOCK)
    c = dock.contents
    batches = [dock.facet_combos["batch"].itemData(i) for i in range(1, dock.facet_combos["batch"].count())]
    choose(dock.facet_combos["batch"], batches[-1])  # this year's batch
    choose(c.statusCombo, "issued")
    fid = listed(dock)[0]
    issued = spot(story, fid)
    pick_object(dock, fid)
    assert "开始复核" in labels(dock) and "分割图斑" in labels(dock) and "图斑认定" not in labels(dock)

    click(dock, "create:rs_recheck")
    form = form_of(dock)
    assert shown_text(form, "inspector") == me.name
    wait_until(lambda: shown_text(form, "spot_uuid").startswith(issued["spot_id"]))  # the spot by its id
    fill(form, disturbance_found="是", extent_matches="否", disturbed_area="1.35", construction_status="施工")
    assert current_tab(form) == "现场情况"
    fill(form, project_type="房地产", project_name="梅林镇安置房建设项目", builder="赣县区城投置业有限公司")
    fill(form, determination="未批先建", evidence="现场在建住宅楼3栋，未取得水土保持方案批复")
    press_ok(form)
    wait_until(lambda: dock.form is None)
    recheck = dock.last_outcome.fid
    r = _values(story, "rs_recheck", recheck)
    assert r["step"] == "draft" and r["spot_uuid"] == issued["uuid"] and r["disturbance_found"] is True

    pick_record(dock, "rs_recheck", recheck)
    assert dock.photos.target() == ("rs_recheck", r["uuid"])
    jpeg = tmp_path / "现场.jpg"
    sha = _photo(jpeg)
    choose_file_when_asked(jpeg)
    press(dock.photos.addButton)
    wait_until(lambda: dock.photos.last_message is not None)
    click(dock, "step:rs_recheck:submitted")
    assert dock.last_outcome.ok, dock.last_outcome.message("zh")
    assert not dock.last_outcome.warnings  # a photo, and made at the spot
    moved = spot(story, fid)
    assert (moved["step"], moved["determination"], moved["recheck_uuid"]) == (
        "rechecked",
        "unapproved_build",
        r["uuid"],
    )
    assert moved["builder"] == "赣县区城投置业有限公司"  # what the re-check found
    assert any("现场复核 · 已提交" in t for t in timeline(dock))
    assert on_server_or_none(story, r["uuid"]) is None  # all of it on the laptop until 同步

    story.sync()
    done = story.on_server(r["uuid"])
    assert (done["step"], done["determination"], done["extent_matches"], done["disturbed_area"]) == (
        "submitted", "unapproved_build", False, 1.35)  # fmt: skip
    assert done["inspector"] == me.name and done["distance_to_object"] == 0.0
    assert story.on_server(issued["uuid"])["step"] == "rechecked"
    [photo] = [p for p in story.layers["photo"].getFeatures() if p["parent_uuid"] == r["uuid"]]
    assert story.on_server(photo["uuid"])["sha256"] == sha


# -- (b) ------------------------------------------------------------------------------------------
def test_b_technician_determines_unapproved_build_issues_the_notice_and_closes_it(story):
    me = story.log_in("technician")
    dock = story.dock(DOCK)
    choose(dock.contents.statusCombo, "rechecked")
    fid = listed(dock)[0]
    pick_object(dock, fid)
    assert "图斑认定（技术员）" in dock.contents.detailBrowser.toPlainText()  # the next step, and who takes it

    click(dock, "form:rs_spot")  # the technician reviews the re-check and writes down the determination
    form = form_of(dock)
    fill(form, determination="未批先建", determination_note="经核查，项目未编报水土保持方案即开工建设")
    press_ok(form)
    wait_until(lambda: dock.form is None)
    click(dock, "step:rs_spot:determined")
    assert dock.last_outcome.ok, dock.last_outcome.message("zh")
    s = spot(story, fid)
    assert (s["step"], s["determination"], s["determined_by"]) == ("determined", "unapproved_build", me.name)

    click(dock, "step:rs_spot:rectifying")  # 下发整改通知: the notice is asked for
    form = form_of(dock)
    assert current_tab(form) == "整改查处" and form.ok_button().text() == "下发整改通知"
    fill(form, notice_type="限期编报水土保持方案通知书", notice_no="赣县水保通〔2025〕12号")
    fill(form, notice_date=day(-1), notice_deadline=day(30))
    press_ok(form)
    said = answer(dock)  # only an administrator takes it back: asked, with what changes
    assert "已认定 → 整改查处中" in said and "赣县水保通〔2025〕12号" in said

    choose(dock.contents.statusCombo, "rectifying")  # where the spot is now
    pick_object(dock, fid)
    click(dock, "step:rs_spot:closed")  # 图斑销号: the evidence is asked for
    form = form_of(dock)
    assert current_tab(form) == "销号" and form.ok_button().text() == "图斑销号"
    fill(form, evidence_type="水土保持设施验收报备回执", evidence_no="赣县水保验备〔2025〕3号",
         evidence_date=day(-1))  # fmt: skip
    press_ok(form)  # not the evidence a 未批先建 takes: the form stays open and says so
    assert dock.form is form and "佐证应为：水土保持方案批复" in panel_text(form)
    fill(form, evidence_type="水土保持方案批复", evidence_no="赣县水保许〔2025〕31号")
    press_ok(form)
    said = answer(dock)
    assert "整改查处中 → 已销号" in said and me.name in said
    s = spot(story, fid)
    assert (s["step"], s["closed_by"], s["evidence_type"]) == ("closed", me.name, "plan_approval")
    assert "开始复核" not in labels(dock) and "分割图斑" not in labels(dock)  # a closed case

    story.sync()
    done = story.on_server(s["uuid"])
    assert (done["step"], done["notice_no"], done["evidence_no"]) == ("closed", "赣县水保通〔2025〕12号",
                                                                      "赣县水保许〔2025〕31号")  # fmt: skip
    assert done["determined_by"] == me.name and done["closed_at"]


# -- (c) ------------------------------------------------------------------------------------------
def test_c_a_compliant_spot_closes_at_determination(story):
    me = story.log_in("technician")
    dock = story.dock(DOCK)
    choose(dock.contents.statusCombo, "rechecked")
    fid = listed(dock)[-1]
    pick_object(dock, fid)
    click(dock, "form:rs_spot")
    form = form_of(dock)
    fill(form, determination="合规", plan_approval_no="")
    press_ok(form)
    wait_until(lambda: dock.form is None)
    click(dock, "step:rs_spot:determined")  # the approval of its plan is what makes it compliant
    form = form_of(dock)
    assert "认定合规须填写水土保持方案批复文号" in panel_text(form)
    fill(form, plan_approval_no="赣县水保许〔2024〕8号")
    press_ok(form)
    said = answer(dock)  # it closes at once, which only an administrator takes back
    assert "已复核 → 已销号" in said and me.name in said
    s = spot(story, fid)
    assert (s["step"], s["determination"], s["closed_by"]) == ("closed", "compliant", me.name)
    assert not s.get("notice_no") and not s.get("evidence_type")
    story.sync()
    assert story.on_server(s["uuid"])["step"] == "closed"


# -- (d) ------------------------------------------------------------------------------------------
@pytest.fixture
def split_tool(iface):
    """QGIS's own map tools as the interface offers them (the stub has none): the split tool's
    action, and the pan tool's the dock returns to."""
    chosen: list[str] = []
    actions = {}
    for name in ("actionSplitFeatures", "actionPan"):
        action = QAction(name, iface.mainWindow())
        action.triggered.connect(lambda _checked=False, n=name: chosen.append(n))
        actions[name] = action
        setattr(iface, name, lambda a=action: a)
    yield chosen
    for name in actions:
        delattr(iface, name)


def draw_split_line(layer, fid: int) -> None:
    """What QGIS's split tool does with the line a person draws across the spot: one edit command
    that cuts the selected feature (QgsMapToolSplitFeatures is in QGIS's application, not its API)."""
    box = layer.getFeature(fid).geometry().boundingBox()
    x = box.center().x()
    layer.beginEditCommand("Features split")
    assert (
        layer.splitFeatures([QgsPointXY(x, box.yMinimum() - 0.001), QgsPointXY(x, box.yMaximum() + 0.001)], False) == 0
    )
    layer.endEditCommand()


def test_d_inspector_splits_a_spot_in_two_on_site(story, split_tool):
    story.log_in("inspector")
    dock = story.dock(DOCK)
    choose(dock.contents.statusCombo, "issued")
    fid = listed(dock)[1]
    whole = spot(story, fid)
    layer = story.layers["rs_spot"]
    pick_object(dock, fid)
    click(dock, "split:rs_spot")
    assert split_tool == ["actionSplitFeatures"] and layer.isEditable() and layer.selectedFeatureIds() == [fid]
    assert "取消分割" in labels(dock)
    draw_split_line(layer, fid)
    wait_until(lambda: not layer.isEditable())  # the parts are saved at once
    assert split_tool == ["actionSplitFeatures", "actionPan"]
    parts = [f for f in layer.getFeatures() if f["spot_id"] in (whole["spot_id"], whole["spot_id"] + "-2")]
    assert len(parts) == 2
    part = next(f for f in parts if f.id() != fid)
    assert part["split_from"] == whole["uuid"] and part["batch"] == whole["batch"]
    areas = sorted(f["area"] for f in parts)
    assert sum(areas) == pytest.approx(whole["area"], rel=0.01) and areas[0] > 0
    assert dock.last_outcome.ok and story.bar.currentItem().text() == "图斑已分割为 2 块。"
    assert dock.model.row_of_fid(fid) >= 0 and dock.model.row_of_fid(part.id()) >= 0  # both listed

    story.sync()
    on_server = story.on_server(part["uuid"])
    assert (on_server["spot_id"], on_server["split_from"]) == (whole["spot_id"] + "-2", whole["uuid"])
    assert story.on_server(whole["uuid"])["area"] == pytest.approx(spot(story, fid)["area"], rel=1e-3)


# -- (e) ------------------------------------------------------------------------------------------
def test_e_a_province_batch_and_its_corrected_version_are_imported(story, iface, tmp_path):
    story.log_in("technician")
    dock = story.dock(DOCK)
    before = dock.count()
    frame = rf.rs_batch_frame(12, year=2025, round_=3, county="360704")
    batch = rf.write_rs_gpkg(tmp_path / "2025年第3批疑似违法违规图斑.gpkg", frame)
    corrected = rf.write_rs_gpkg(tmp_path / "2025年第3批（更正）.gpkg", rf.corrected_batch(frame))

    def import_file(path, summary: str) -> dict:
        iface.mainWindow().findChild(QAction, "ShuibaoImportAction").trigger()
        dlg = story.plugin.import_dialog
        dlg.fileWidget.setFilePath(str(path))  # as picked in the file dialog
        wait_until(lambda: dlg.task is None and dlg.table is not None)
        dlg.kindCombo.setCurrentIndex(dlg.kindCombo.findText("遥感监管图斑"))
        assert dlg.crsCombo.currentData() == "EPSG:4490"
        dlg.nextButton.click()
        table = dlg.mappingTable
        row_of = {table.item(r, 0).data(0x0100): r for r in range(table.rowCount())}
        assert table.cellWidget(row_of["spot_id"], 1).currentText() == "图斑编号"
        assert table.cellWidget(row_of["issued_area"], 2).currentText() == "亩"
        deadline = table.cellWidget(row_of["deadline"], 4)  # not in the file: from the province's letter
        deadline.selectAll()
        QTest.keyClicks(deadline, "2025-06-30")
        dlg.nextButton.click()
        wait_until(lambda: dlg.task is None and dlg.plan is not None)
        assert summary in dlg.summaryLabel.text(), dlg.summaryLabel.text()
        dlg.importButton.click()
        wait_until(lambda: dlg.task is None and dlg.written is not None)
        written = dict(dlg.written)
        dlg.close()
        return written

    assert import_file(batch, "新增 12") == {"inserted": 12, "updated": 0}
    assert import_file(corrected, "新增 1，更新 3，无变化 9") == {"inserted": 1, "updated": 3}
    dock.reload()
    assert dock.count() == before + 13
    ids = {f["spot_id"]: f for f in story.layers["rs_spot"].getFeatures() if f["batch"] == "2025年省级第3批"}
    assert len(ids) == 13
    renamed = ids[frame["图斑编号"][1]]
    assert (
        renamed["project_name"] == "梅林镇安置房建设项目（二期）"
        and renamed["deadline"].toString("yyyy-MM-dd") == "2025-06-30"
    )
    assert ids[frame["图斑编号"][2]]["township"] == "沙地镇"

    story.sync()
    assert story.on_server(renamed["uuid"])["builder"] == "赣县区城投置业有限公司"
    assert len(Store(story.store).records("rs_spot", {"batch": ["2025年省级第3批"]})) == 13
    assert not Store(story.store).pending_changes()
