"""The four field stories, done as a person does them in QGIS: log in through the login dialog
against the real server as the role, click the dock's buttons, type into the record forms, press OK,
answer the questions, press 同步, and find the records on the server.

(a) inspector: an overdue dam → inspection with the five checklist tabs → hazard → photo → sync
(b) technician: rectification → re-check → 隐患销号, and 淤地坝登记销号 under the open-hazard rule
(c) acceptor: watershed acceptance → sample → spot checks → computed verdict → sign
(d) inspector: 崩岗 survey → measures → completed

The plugin runs as QGIS loads it (classFactory, initGui): its docks, its sync action, its login.
Each story starts from the county downloaded into a new store (first sync) and uses its own objects.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid as uuidlib

import pytest
from qgis.PyQt.QtGui import QColor, QImage
from qgis.PyQt.QtWidgets import QDialogButtonBox
from shuibao.model import RECORD_KINDS, STRUCTURE_MEASURES, THRESHOLDS, rules
from shuibao.sync.api import ApiClient
from shuibao.ui import actions, tr
from shuibao.ui.feature_model import FID_ROLE
from shuibao_ui_harness import (
    answer,
    choose_file_when_asked,
    click,
    current_tab,
    fill,
    form_of,
    panel_text,
    pick_object,
    pick_record,
    press,
    press_ok,
    shown_text,
    ticked,
    timeline,
    wait_until,
)
from shuibao_ui_harness import log_in as log_in_dialog

pytestmark = pytest.mark.display


class Story:
    """QGIS with the plugin, a store of the demo county, and the person at the keyboard."""

    def __init__(self, iface, server, store):
        from qgis.gui import QgsMessageBar
        from shuibao import classFactory

        self.server, self.store = server, store
        self.bar = QgsMessageBar(iface.mainWindow())  # pytest-qgis's stub bar cannot hold widgets
        iface.messageBar = lambda: self.bar
        self.plugin = classFactory(iface)
        self.plugin.initGui()
        iface.mainWindow().resize(1400, 900)
        iface.mainWindow().show()
        self.layers = self.plugin.open_store(path=str(store))  # as 打开数据库… does
        self.who = None

    def log_in(self, role: str):
        name, password = self.server.users[role]
        self.who = log_in_dialog(self.server.url, name, password, self.store)
        assert self.who.role == role
        return self.who

    def dock(self, name: str):
        dock = self.plugin.dock(name)
        dock.setUserVisible(True)
        dock.raise_()
        dock.reload()
        wait_until(dock.isVisible, 5)
        return dock

    def sync(self) -> str:
        """Press 同步 and wait for the summary in the message bar."""
        ui = self.plugin.sync_ui
        ui.sync_action.trigger()
        wait_until(lambda: ui.task is None, 120)
        assert re.search(r"\b0 conflicts|冲突 0", ui.last_message), ui.last_message
        return ui.last_message

    def on_server(self, uuid: str) -> dict:
        """The record as the server holds it (read by the same user, through the API)."""
        name, password = self.server.users[self.who.role]
        api = ApiClient(self.server.url)
        try:
            api.login(name, password, "story-check")
            found = api.get_record(uuid)
        finally:
            api.close()
        assert found is not None, f"{uuid} is not on the server"
        return found.get("values", found)

    def close(self) -> None:
        for dock in self.plugin.docks:
            if dock.form is not None:
                dock.form.reject()
        self.plugin.unload()


@pytest.fixture
def chinese_qgis(tool):
    """QGIS in zh_CN, as the county's people run it: the plugin loads its Chinese translation."""
    from qgis.core import QgsSettings

    tool("build_zip").release_translations()
    settings = QgsSettings()
    saved = {key: settings.value(key) for key in ("locale/userLocale", "locale/overrideFlag")}
    settings.setValue("locale/userLocale", "zh_CN")
    settings.setValue("locale/overrideFlag", True)
    yield
    for key, value in saved.items():
        if value is None:
            settings.remove(key)
        else:
            settings.setValue(key, value)


@pytest.fixture
def story(iface, demo_server, auth_db, tmp_path, tool, chinese_qgis, flush_deletes):
    name, password = demo_server.users["technician"]
    store = tmp_path / "county.gpkg"
    tool("demo_server").first_sync_store(demo_server.url, name, password, store)  # the county, downloaded
    story = Story(iface, demo_server, store)
    yield story
    story.close()
    flush_deletes()


def _values(story, kind: str, fid: int) -> dict:
    return actions.feature_values(RECORD_KINDS[kind], actions.get_feature(story.layers[kind], fid))


def _photo(path) -> str:
    image = QImage(320, 240, QImage.Format.Format_RGB32)
    image.fill(QColor("sienna"))
    assert image.save(str(path))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _server_kind(record: dict, kind: str) -> None:
    assert record.get("kind", kind) == kind, record


# -- (a) ------------------------------------------------------------------------------------------
def test_a_inspector_inspects_an_overdue_dam_records_a_hazard_with_a_photo_and_syncs(story, tmp_path):
    me = story.log_in("inspector")
    dock = story.dock("ShuibaoDamDock")
    combo = dock.contents.dueCombo
    combo.setCurrentIndex(combo.findData("overdue"))  # 逾期
    overdue = {dock.model.data(dock.model.index(r, 0), FID_ROLE) for r in range(dock.model.rowCount())}
    dams = [d for d in story.layers["dam"].getFeatures() if d.id() in overdue and d["register_status"] != "delisted"]
    dam = dams[len(dams) // 2]
    pick_object(dock, dam.id())
    assert tr("The next patrol of this dam is overdue.") in dock.contents.warningLabel.text()

    click(dock, "create:dam_inspection")
    form = form_of(dock)
    assert form.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"
    assert shown_text(form, "inspector") == me.name
    wait_until(lambda: shown_text(form, "dam_uuid") == f"{dam['code']} {dam['name']}")  # the dam by name
    # The five checklist tabs, each as the inspector walks the dam.
    fill(form, flood_storage_ok="是", settlement="1.5", crack_type="横向", crack_length="2.4", crack_width="3")
    assert current_tab(form) == "坝体"
    fill(form, outlet_blocked=True)
    assert current_tab(form) == "放水建筑物"
    fill(form, spillway_scour=True)
    assert current_tab(form) == "溢洪道"
    fill(form, silt_elevation="1032.5")
    assert current_tab(form) == "淤积"
    fill(form, warning_signs=False)
    assert current_tab(form) == "防汛准备"
    fill(form, result="一般隐患", measures="进水口清淤，坝坡裂缝灌浆", deadline="2027-05-31", signature=me.name)
    press_ok(form)
    wait_until(lambda: dock.form is None)
    inspection = dock.last_outcome.fid
    click(dock, "step:dam_inspection:submitted")  # nothing missing: submitted at once
    assert dock.last_outcome.ok, dock.last_outcome.message("zh")
    ins = _values(story, "dam_inspection", inspection)
    assert ins["step"] == "submitted" and ins["inspector"] == me.name

    click(dock, "create:dam_hazard")
    form = form_of(dock)
    assert shown_text(form, "severity") == "一般隐患"  # taken from the inspection
    fill(form, description="坝坡横向裂缝，进水口淤堵")
    press_ok(form)
    wait_until(lambda: dock.form is None)
    hazard = dock.last_outcome.fid
    h = _values(story, "dam_hazard", hazard)
    assert h["inspection_uuid"] == ins["uuid"] and h["step"] == "open"
    pick_record(dock, "dam_hazard", hazard)
    assert dock.photos.target() == ("dam_hazard", h["uuid"])
    jpeg = tmp_path / "裂缝.jpg"
    sha = _photo(jpeg)
    choose_file_when_asked(jpeg)
    press(dock.photos.addButton)
    wait_until(lambda: dock.photos.last_message is not None)

    story.sync()
    on_server = story.on_server(ins["uuid"])
    assert on_server["step"] == "submitted" and on_server["crack_type"] == "transverse"
    assert (
        on_server["crack_width"] == 3.0 and on_server["outlet_blocked"] is True and on_server["warning_signs"] is False
    )
    assert on_server["inspector"] == me.name and on_server["signature"] == me.name
    hz = story.on_server(h["uuid"])
    assert hz["inspection_uuid"] == ins["uuid"] and hz["description"] == "坝坡横向裂缝，进水口淤堵"
    photos = [p for p in story.layers["photo"].getFeatures() if p["parent_uuid"] == h["uuid"]]
    assert [p["sha256"] for p in photos] == [sha]
    assert story.on_server(photos[0]["uuid"])["sha256"] == sha
    assert story.on_server(dam["uuid"])["last_inspected_at"]


# -- (b) ------------------------------------------------------------------------------------------
def _dam_of_hazard(story, step: str, severity: str, alone: bool = False):
    """A hazard at `step` of `severity` and its dam (`alone`: the dam's only hazard not closed)."""
    hazards = list(story.layers["dam_hazard"].getFeatures())
    still_open = [h["dam_uuid"] for h in hazards if h["step"] != "closed"]
    hazard = next(h for h in hazards if (h["step"], h["severity"]) == (step, severity)
                  and (not alone or still_open.count(h["dam_uuid"]) == 1))  # fmt: skip
    dam = next(d for d in story.layers["dam"].getFeatures() if d["uuid"] == hazard["dam_uuid"])
    return dam, hazard


def test_b_technician_closes_a_hazard_and_de_lists_dams_under_the_open_hazard_rule(story):
    me = story.log_in("technician")
    dock = story.dock("ShuibaoDamDock")
    dam, hazard = _dam_of_hazard(story, "open", "general", alone=True)
    assert all(h["step"] == "closed" or h.id() == hazard.id() for h in story.layers["dam_hazard"].getFeatures()
               if h["dam_uuid"] == dam["uuid"])  # fmt: skip
    pick_object(dock, dam.id())
    assert "隐患销号" not in [b.text() for b in dock.buttons.values()]
    pick_record(dock, "dam_hazard", hazard.id())

    click(dock, "step:dam_hazard:rectified")  # 记录整改: the form asks for what was done
    form = form_of(dock)
    assert current_tab(form) == "整改" and form.ok_button().text() == "记录整改", form.panel.text()
    fill(form, rectification_note="进水口已清淤，裂缝已灌浆封闭")
    press_ok(form)
    said = answer(dock)  # a recorded rectification is not taken back: asked, with what changes
    assert "待整改 → 已整改" in said and "进水口已清淤" in said
    pick_record(dock, "dam_hazard", hazard.id())
    click(dock, "step:dam_hazard:rechecked")
    form = form_of(dock)
    fill(form, recheck_result="通过")
    press_ok(form)
    wait_until(lambda: dock.form is None)
    pick_record(dock, "dam_hazard", hazard.id())
    click(dock, "step:dam_hazard:closed")
    said = answer(dock)
    assert "隐患销号" in said and "已复查 → 已销号" in said and me.name in said
    h = _values(story, "dam_hazard", hazard.id())
    assert h["step"] == "closed" and h["closed_by"] == me.name and h["rechecked_by"] == me.name

    # A dam with an open 重大隐患 is not de-listed: refused, with the reason.
    major_dam, _major = _dam_of_hazard(story, "rectified", "major")
    pick_object(dock, major_dam.id())
    click(dock, "step:dam:delisted")
    assert dock.form is None and dock.confirmation is None and "重大隐患" in dock.last_outcome.message("zh")
    assert "不能登记销号" in dock.last_outcome.message("zh")

    # The dam whose hazard is now closed: the cause, document and authority in its form, then the question.
    pick_object(dock, dam.id())
    click(dock, "step:dam:delisted")
    form = form_of(dock)
    assert form.ok_button().text() == "淤地坝登记销号"
    fill(form, delist_cause="淤满失效", delist_document="赣县水字〔2026〕7号", delist_authority="赣县区水利局",
         delist_reason="坝库已淤满，转为坝地耕种")  # fmt: skip
    press_ok(form)
    said = answer(dock)
    assert "在册 → 销号" in said and "⚠" not in said
    pick_object(dock, dam.id())
    assert not [name for name in dock.buttons if name.startswith("create:")]  # no new inspection of it

    story.sync()
    assert story.on_server(h["uuid"])["step"] == "closed"
    assert story.on_server(h["uuid"])["closed_by"] == me.name
    de_listed = story.on_server(dam["uuid"])
    assert de_listed["register_status"] == "delisted" and de_listed["delist_reason"] == "坝库已淤满，转为坝地耕种"
    assert story.on_server(major_dam["uuid"])["register_status"] == "registered"


def test_b_technician_ticks_what_lies_below_a_dam_and_it_reaches_the_server(story):
    """A multi-choice field (下游影响对象) is ticked by its labels and kept as the model's JSON list."""
    story.log_in("technician")
    dock = story.dock("ShuibaoDamDock")
    dam = next(d for d in story.layers["dam"].getFeatures() if d["register_status"] == "registered")
    pick_object(dock, dam.id())
    click(dock, "form:dam")  # 编辑登记信息…
    form = form_of(dock)
    fill(form, downstream_exposure=["学校", "居民点"])
    # The model reads the ticks while typing: a school below asks for a patroller of the dam's own.
    assert "须落实“一坝一人”专职巡查责任人" in panel_text(form)
    fill(form, dedicated_patroller="刘六")
    press_ok(form)
    wait_until(lambda: dock.form is None)
    stored = _values(story, "dam", dam.id())["downstream_exposure"]
    assert sorted(json.loads(stored)) == ["residents", "school"]  # the store's JSON, not QGIS's {a,b}
    assert "居民点、学校" in dock.contents.detailBrowser.toPlainText()  # the detail reads labels

    story.sync()
    assert sorted(story.on_server(dam["uuid"])["downstream_exposure"]) == ["residents", "school"]
    pick_object(dock, dam.id())
    click(dock, "form:dam")
    form = form_of(dock)
    assert sorted(ticked(form, "downstream_exposure")) == ["学校", "居民点"]
    fill(form, downstream_exposure=[])  # nothing below any more: an empty value, not "[]" or "{}"
    press_ok(form)
    wait_until(lambda: dock.form is None)
    assert _values(story, "dam", dam.id())["downstream_exposure"] is None


# -- (c) ------------------------------------------------------------------------------------------
def test_c_acceptor_samples_checks_and_signs_a_watershed_acceptance(story):
    me = story.log_in("acceptor")
    dock = story.dock("ShuibaoWatershedDock")
    shed = next(story.layers["watershed"].getFeatures())
    pick_object(dock, shed.id())
    click(dock, "create:watershed_acceptance")
    form = form_of(dock)
    assert shown_text(form, "kind") == "阶段验收" and shown_text(form, "year") == str(dt.date.today().year)
    press_ok(form)
    wait_until(lambda: dock.form is None)
    acceptance = dock.last_outcome.fid

    click(dock, "step:watershed_acceptance:sampled")
    said = answer(dock)
    spots = [s for s in story.layers["watershed_spot"].getFeatures() if s["watershed_uuid"] == shed["uuid"]]
    structures = sum(1 for s in spots if s["measure_type"] in STRUCTURE_MEASURES)
    assert f"all {structures} structures" in said or f"全部 {structures} 个工程措施" in said
    a = _values(story, "watershed_acceptance", acceptance)
    checks = [c for c in story.layers["spot_check"].getFeatures() if c["acceptance_uuid"] == a["uuid"]]
    assert a["step"] == "sampled" and len(checks) == a["sampled_count"] >= structures, (
        a,
        [(c["acceptance_uuid"], c["spot_uuid"]) for c in story.layers["spot_check"].getFeatures()],
    )

    for i, check in enumerate(checks):  # the first spot fails its quality check
        pick_object(dock, shed.id())
        text = pick_record(dock, "spot_check", check.id())
        assert check["spot_uuid"] not in text  # the spot by its code, not its uuid
        click(dock, "step:spot_check:checked")
        form = form_of(dock)
        wait_until(lambda form=form: shown_text(form, "spot_uuid") and "(" not in shown_text(form, "spot_uuid"))
        fill(
            form, area_deviation="3.5", matches_design="是", survival_rate="88", quality="不合格" if i == 0 else "合格"
        )
        press_ok(form)
        wait_until(lambda: dock.form is None)
        assert dock.last_outcome.ok, dock.last_outcome.message("zh")
    a = _values(story, "watershed_acceptance", acceptance)
    n = len(checks)
    rate = round(100.0 * (n - 1) / n, 1)
    assert (a["checked_count"], a["pass_rate"]) == (n, rate)  # computed from the checks
    verdict = "pass" if rate >= THRESHOLDS["acceptance_min_pass_rate"] else "fail"
    assert a["verdict"] == verdict

    pick_object(dock, shed.id())
    pick_record(dock, "watershed_acceptance", acceptance)
    click(dock, "step:watershed_acceptance:checked")
    form = form_of(dock)
    assert current_tab(form) == "结论"
    fill(form, opinion="抽查图斑措施基本到位，同意通过" if verdict == "pass" else "合格率不足，整改后复验")
    press_ok(form)
    wait_until(lambda: dock.form is None)
    pick_record(dock, "watershed_acceptance", acceptance)
    click(dock, "step:watershed_acceptance:signed")
    said = answer(dock)
    label = RECORD_KINDS["watershed_acceptance"].field("verdict").enum.label(verdict)
    assert "签署验收" in said and me.name in said and label in said  # the verdict one signs
    assert _values(story, "watershed_acceptance", acceptance)["step"] == "signed"

    story.sync()
    signed = story.on_server(a["uuid"])
    assert signed["step"] == "signed" and signed["acceptor"] == me.name and signed["opinion"]
    # The verdict and rates are derived: the server computes them itself from the checks (test below).
    on_server = [story.on_server(c["uuid"]) for c in checks]
    assert all(c["step"] == "checked" and c["checker"] == me.name for c in on_server)
    assert sorted(c["quality"] for c in on_server) == sorted(["unqualified"] + ["qualified"] * (n - 1))


# -- (d) ------------------------------------------------------------------------------------------
def test_d_inspector_surveys_a_benggang_records_its_measures_and_completes_it(story):
    me = story.log_in("inspector")
    dock = story.dock("ShuibaoPatchDock")
    patch = next(p for p in story.layers["patch"].getFeatures()
                 if p["kind"] == "benggang" and p["treatment_status"] == "treating")  # fmt: skip
    pick_object(dock, patch.id())

    click(dock, "create:patch_survey")
    form = form_of(dock)
    assert shown_text(form, "surveyor") == me.name
    press_ok(form)  # the draft first: measuring comes next
    wait_until(lambda: dock.form is None)
    survey = dock.last_outcome.fid
    click(dock, "step:patch_survey:submitted")
    form = form_of(dock)
    assert current_tab(form) == "尺寸", form.panel.text()
    fill(form, area="1250", depth="8.5", width="22", length="61", shape="爪形", development_stage="壮年期")
    fill(form, vegetation_cover="35", erosion_modulus="6800")
    press_ok(form)
    wait_until(lambda: dock.form is None)
    s = _values(story, "patch_survey", survey)
    assert s["step"] == "submitted" and s["erosion_intensity"] == rules.erosion_intensity(6800, 500)

    pick_object(dock, patch.id())
    click(dock, "create:patch_measure")
    form = form_of(dock)
    fill(form, measure_type="谷坊", unit="座/处", design_qty="3")
    press_ok(form)
    wait_until(lambda: dock.form is None)
    measure = dock.last_outcome.fid
    pick_record(dock, "patch_measure", measure)
    click(dock, "step:patch_measure:built")
    form = form_of(dock)
    fill(form, completed_qty="3")
    press_ok(form)
    wait_until(lambda: dock.form is None)
    assert _values(story, "patch_measure", measure)["step"] == "built"

    pick_object(dock, patch.id())
    click(dock, "step:patch:completed")  # 治理完工 can be sent back, but the model warns: asked, with why
    said = answer(dock)
    assert "“上截-中削-下堵-内外绿化”中没有措施的部位：" in said and "应明确管护员" in said
    assert dock.last_outcome.ok, dock.last_outcome.message("zh")
    assert (
        "已完工" in " ".join(timeline(dock)) or _values(story, "patch", patch.id())["treatment_status"] == "completed"
    )

    story.sync()
    assert story.on_server(s["uuid"])["step"] == "submitted"
    assert story.on_server(s["uuid"])["surveyor"] == me.name
    m = story.on_server(_values(story, "patch_measure", measure)["uuid"])
    assert (m["step"], m["measure_type"], m["completed_qty"]) == ("built", "check_weir", 3.0)
    assert story.on_server(patch["uuid"])["treatment_status"] == "completed"


def test_the_server_keeps_an_acceptance_s_computed_figures(tmp_path):
    import shapely
    import shuibao_sync_harness as h
    from shapely.geometry import MultiPolygon, box

    (tmp_path / "server").mkdir()
    server = h.Server(tmp_path / "server")
    server.add_user("tech", "technician")
    server.start()
    try:
        store = h.new_store(tmp_path / "tech.gpkg")
        area = shapely.to_wkb(MultiPolygon([box(115.10, 25.90, 115.12, 25.92)]), flavor="iso")
        shed, spot, acc = (str(uuidlib.uuid4()) for _ in range(3))
        store.insert_records("watershed", [{"uuid": shed, "county_code": h.A, "code": "W-1", "name": "桃溪小流域",
                                            "project_type": "eco_clean", "geom": area}])  # fmt: skip
        store.insert_records("watershed_spot", [{"uuid": spot, "county_code": h.A, "watershed_uuid": shed,
                                                 "spot_code": "S-1", "measure_type": "terrace", "unit": "hm2",
                                                 "design_qty": 5.0, "geom": area}])  # fmt: skip
        store.insert_records("watershed_acceptance", [{"uuid": acc, "county_code": h.A, "watershed_uuid": shed,
                                                       "kind": "stage", "year": 2026, "step": "sampled",
                                                       "sample_share": 0.2, "sample_seed": 7}])  # fmt: skip
        check = {"uuid": str(uuidlib.uuid4()), "county_code": h.A, "acceptance_uuid": acc, "spot_uuid": spot,
                 "step": "checked", "checked_at": "2026-07-01T08:00:00Z", "checker": "tech", "area_deviation": 1.0,
                 "matches_design": True, "quality": "qualified", "geom": h.point_wkb()}  # fmt: skip
        store.insert_records("spot_check", [check])
        h.sync(store, server, "tech")
        api = ApiClient(server.url)
        try:
            api.login("tech", h.PASSWORD, "figures-check")
            record = api.get_record(acc)
        finally:
            api.close()
        assert record["values"]["step"] == "sampled"  # the record itself is there …
        figures = record["values"]
        assert figures.get("sampled_count") == 1 and figures.get("verdict") == "pass"  # … and its figures
    finally:
        server.stop()
