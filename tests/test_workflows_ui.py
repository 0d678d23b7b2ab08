"""Workflows driven through the docks' buttons: dam inspection → hazard → 销号, watershed acceptance."""

from __future__ import annotations

import sqlite3

from qgis.core import QgsFeatureRequest, QgsProject
from shuibao.layers.project import open_store_in_project
from shuibao.model import STRUCTURE_MEASURES
from shuibao.ui import actions
from shuibao.ui.docks import DamDock, WatershedDock
from shuibao.ui.feature_model import sync_label
from shuibao_ui_harness import open_dock as _dock
from shuibao_ui_harness import set_values as _set


def test_dam_inspection_hazard_rectification_recheck_close(iface, small_store, log_in):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    log_in("inspector", small_store)
    dock = _dock(DamDock, iface)
    try:
        dam = next(layers["dam"].getFeatures())
        dock.select_fid(dam.id())
        assert layers["dam"].selectedFeatureIds() == [dam.id()]
        assert "create:dam_inspection" in dock.buttons
        assert "step:dam:delisted" not in dock.buttons  # inspectors cannot de-list a dam

        dock.buttons["create:dam_inspection"].click()
        created = dock.last_outcome
        assert created.ok, created.message("zh")
        ins = actions.get_feature(layers["dam_inspection"], created.fid)
        assert ins["dam_uuid"] == dam["uuid"] and ins["step"] == "draft" and ins["position_source"] == "map"
        assert dock.selected_child() == ("dam_inspection", created.fid)

        # Submitting an incomplete inspection is refused with the model's messages.
        dock.buttons["step:dam_inspection:submitted"].click()
        assert not dock.last_outcome.ok
        assert any("检查结论" in p.zh for p in dock.last_outcome.problems)
        assert actions.get_feature(layers["dam_inspection"], created.fid)["step"] == "draft"

        _set("dam_inspection", created.fid, flood_storage_ok=True, result="general", signature="张三")
        dock.select_child("dam_inspection", created.fid)
        dock.buttons["step:dam_inspection:submitted"].click()
        assert not dock.last_outcome.ok  # a hazard needs measures and a deadline
        assert {p.field for p in dock.last_outcome.problems} >= {"measures", "deadline"}
        _set("dam_inspection", created.fid, measures="清理溢洪道", deadline="2030-01-01")
        dock.select_child("dam_inspection", created.fid)
        dock.buttons["step:dam_inspection:submitted"].click()
        assert dock.last_outcome.ok, dock.last_outcome.message("zh")
        ins = actions.get_feature(layers["dam_inspection"], created.fid)
        assert ins["step"] == "submitted" and ins["distance_to_object"] == 0
        assert actions.get_feature(layers["dam"], dam.id())["last_inspected_at"]

        dock.buttons["create:dam_hazard"].click()
        hazard = dock.last_outcome
        assert hazard.ok, hazard.message("zh")
        h = actions.get_feature(layers["dam_hazard"], hazard.fid)
        assert h["inspection_uuid"] == ins["uuid"] and h["severity"] == "general" and h["step"] == "open"

        dock.ask = lambda kind, name: {"rectification_note": "已清理", "recheck_result": "pass"}.get(name)
        dock.select_child("dam_hazard", hazard.fid)
        dock.buttons["step:dam_hazard:rectified"].click()
        assert dock.last_outcome.ok, dock.last_outcome.message("zh")
        dock.select_child("dam_hazard", hazard.fid)
        dock.buttons["step:dam_hazard:rechecked"].click()
        assert dock.last_outcome.ok, dock.last_outcome.message("zh")
        dock.select_child("dam_hazard", hazard.fid)
        assert "step:dam_hazard:closed" not in dock.buttons  # an inspector cannot close (销号)
        outcome = dock.step("dam_hazard", hazard.fid, "closed")
        assert not outcome.ok and outcome.problems[0].code == "role"

        log_in("technician", small_store)
        dock.select_child("dam_hazard", hazard.fid)
        dock.buttons["step:dam_hazard:closed"].click()
        assert dock.last_outcome.ok, dock.last_outcome.message("zh")
        h = actions.get_feature(layers["dam_hazard"], hazard.fid)
        assert h["step"] == "closed" and h["closed_by"] and h["recheck_result"] == "pass"

        # Every step went through the layer: the change log has it.
        with sqlite3.connect(small_store) as conn:
            n = conn.execute(
                "SELECT count(*) FROM sb_change WHERE kind = 'dam_hazard' AND uuid = ? AND synced_at IS NULL",
                (h["uuid"],),
            ).fetchone()[0]
        assert n >= 4
        dock.reload()
        row = dock.model.row_of_fid(dam.id())
        assert dock.model.sync_state(dock.model.row_values(row)) == "pending"  # sync badge
        assert dock.model.index(row, 4).data() == sync_label("pending")
    finally:
        dock.disconnect_all()
        dock.deleteLater()


def test_watershed_acceptance_sampling_and_signing(iface, small_store, log_in):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    log_in("inspector", small_store)
    dock = _dock(WatershedDock, iface)
    try:
        shed = next(layers["watershed"].getFeatures())
        dock.select_fid(shed.id())
        assert "create:watershed_acceptance" not in dock.buttons  # inspectors do not start acceptances
        log_in("technician", small_store)
        dock.select_fid(shed.id())
        dock.show_detail(shed.id())
        dock.buttons["create:watershed_acceptance"].click()
        acc = dock.last_outcome
        assert acc.ok, acc.message("zh")
        dock.select_child("watershed_acceptance", acc.fid)
        dock.buttons["step:watershed_acceptance:sampled"].click()
        assert dock.last_outcome.ok, dock.last_outcome.message("zh")
        a = actions.get_feature(layers["watershed_acceptance"], acc.fid)
        assert a["step"] == "sampled" and a["sample_share"] == 0.2

        spots = [s for s in layers["watershed_spot"].getFeatures() if s["watershed_uuid"] == shed["uuid"]]
        checks = [c for c in layers["spot_check"].getFeatures() if c["acceptance_uuid"] == a["uuid"]]
        sampled = {c["spot_uuid"] for c in checks}
        structures = {s["uuid"] for s in spots if s["measure_type"] in STRUCTURE_MEASURES}
        others = [s for s in spots if s["measure_type"] not in STRUCTURE_MEASURES]
        assert structures <= sampled
        assert len(sampled - structures) >= 0.2 * len(others)
        # Reproducible: the same seed draws the same sample.
        from shuibao.model import rules

        values = [actions.feature_values(actions.RECORD_KINDS["watershed_spot"], s) for s in spots]
        assert set(rules.sample_spots(values, 0.2, a["sample_seed"])) == sampled

        # Check every spot through the dock's buttons; one fails.
        for i, c in enumerate(checks):
            _set("spot_check", c.id(), area_deviation=2.0, matches_design=True, survival_rate=90.0,
                 quality="qualified" if i else "unqualified")  # fmt: skip
            dock.show_detail(shed.id())
            assert dock.select_child("spot_check", c.id())
            dock.buttons["step:spot_check:checked"].click()
            assert dock.last_outcome.ok, dock.last_outcome.message("zh")
        dock.select_child("watershed_acceptance", acc.fid)
        _set("watershed_acceptance", acc.fid, opinion="同意")
        dock.select_child("watershed_acceptance", acc.fid)
        dock.buttons["step:watershed_acceptance:checked"].click()
        assert dock.last_outcome.ok, dock.last_outcome.message("zh")
        dock.select_child("watershed_acceptance", acc.fid)
        assert "step:watershed_acceptance:signed" not in dock.buttons  # acceptor only
        log_in("acceptor", small_store)
        dock.select_child("watershed_acceptance", acc.fid)
        dock.buttons["step:watershed_acceptance:signed"].click()
        assert dock.last_outcome.ok, dock.last_outcome.message("zh")
        a = actions.get_feature(layers["watershed_acceptance"], acc.fid)
        n = len(checks)
        expected_rate = round(100.0 * (n - 1) / n, 1)
        assert a["step"] == "signed" and a["sampled_count"] == n and a["checked_count"] == n
        assert a["pass_rate"] == expected_rate
        assert a["verdict"] == ("pass" if expected_rate >= 80 else "fail")
        assert a["acceptor"]
    finally:
        dock.disconnect_all()
        dock.deleteLater()


def test_filters_counts_and_selection_sync(iface, small_store, small_data, log_in):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    log_in("inspector", small_store)
    dock = _dock(DamDock, iface)
    try:
        layer = layers["dam"]
        counts = dock.status_counts()
        assert sum(counts.values()) == len(small_data["dam"])
        c = dock.contents
        c.statusCombo.setCurrentIndex(c.statusCombo.findData("dangerous"))
        assert dock.model.rowCount() == counts.get("dangerous", 0)
        c.statusCombo.setCurrentIndex(0)
        township = c.townshipCombo.itemData(1)
        c.townshipCombo.setCurrentIndex(1)
        assert dock.model.rowCount() == sum(1 for d in small_data["dam"] if d.get("township") == township)
        c.townshipCombo.setCurrentIndex(0)
        c.hazardCheck.setChecked(True)
        open_dams = {h["dam_uuid"] for h in small_data["dam_hazard"] if h.get("step") != "closed"}
        assert dock.model.rowCount() == len(open_dams)
        c.hazardCheck.setChecked(False)
        week, overdue = dock.due_counts()
        c.dueCombo.setCurrentIndex(c.dueCombo.findData("overdue"))
        assert dock.model.rowCount() == overdue
        c.dueCombo.setCurrentIndex(0)
        assert dock.model.rowCount() == len(small_data["dam"])

        # map → list
        fids = [f.id() for f in layer.getFeatures(QgsFeatureRequest().setLimit(3))]
        layer.selectByIds(fids)
        assert sorted(dock.selected_fids()) == sorted(fids)
        # list → map
        dock.select_fid(fids[1])
        assert layer.selectedFeatureIds() == [fids[1]]
        # sorting keeps working with the filters
        dock.model.sort(1, 1)
        names = [dock.model.index(r, 1).data() for r in range(dock.model.rowCount())]
        assert names == sorted(names, reverse=True)
    finally:
        dock.disconnect_all()
        dock.deleteLater()
