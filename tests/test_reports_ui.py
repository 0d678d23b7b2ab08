"""Export and print from a dock as a person does: filter the list, open 导出/打印, pick the action,
fill the dialog, press OK; the file is written in the background and opened."""

from __future__ import annotations

import sqlite3
import subprocess

import openpyxl
import pytest
from qgis.core import QgsProject
from qgis.PyQt.QtWidgets import QDialogButtonBox
from shuibao.layers.project import open_store_in_project
from shuibao.ui.docks import DamDock, WatershedDock
from shuibao_ui_harness import open_dock, wait_until

TOWN = "梅林镇"


@pytest.fixture
def bar(iface):
    from qgis.gui import QgsMessageBar

    message_bar = QgsMessageBar(iface.mainWindow())  # pytest-qgis's stub bar cannot hold widgets
    iface.messageBar = lambda: message_bar
    return message_bar


@pytest.fixture
def dam_dock(iface, bar, small_store):
    open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    dock = open_dock(DamDock, iface)
    opened: list[str] = []
    dock.report_button.jobs.opener = opened.append  # what the system viewer would get
    dock.opened = opened
    yield dock
    dock.disconnect_all()
    dock.deleteLater()


def choose(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def action(button, text_part: str):
    button.menu().aboutToShow.emit()  # what opening the menu does: enable the actions for the selection
    found = [a for a in button.menu().actions() if text_part in a.text()]
    assert len(found) == 1, [a.text() for a in button.menu().actions()]
    return found[0]


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_export_the_ledgers_of_the_filtered_list(dam_dock, small_store, tmp_path):
    choose(dam_dock.contents.townshipCombo, TOWN)
    choose(dam_dock.contents.statusCombo, "normal")
    button = dam_dock.report_button
    assert button.parent() is dam_dock.contents and button.text()
    action(button, "Excel").trigger()
    dialog = button.dialog
    assert dialog.isVisible() and dialog.chosen_ledgers() == ["dam_register", "dam_hazards", "dam_inspections",
                                                               "delisting"]  # fmt: skip
    assert f" {len(dam_dock.model.fids)} " in dialog.scopeLabel.text()
    dialog.countyEdit.setText("赣县区")
    out = tmp_path / "梅林镇台账.xlsx"
    dialog.outputWidget.setFilePath(str(out))
    dialog.openCheck.setChecked(False)
    dialog.buttonBox.button(QDialogButtonBox.StandardButton.Ok).click()
    wait_until(lambda: not button.jobs.busy())
    assert button.jobs.last_error is None and button.jobs.last_path == str(out)
    assert dam_dock.opened == []  # not asked to open
    book = openpyxl.load_workbook(out)
    register = book["淤地坝名录"]
    assert register["A1"].value == "赣县区淤地坝名录"
    assert "乡镇：梅林镇" in register["A2"].value and "筛选：梅林镇；正常" in register["A2"].value
    codes = [r[0].value for r in register.iter_rows(min_row=4)]
    conn = sqlite3.connect(small_store)
    expected = [r[0] for r in conn.execute("SELECT code FROM dam WHERE township = ? AND hazard_status = 'normal'"
                                           " AND register_status = 'registered' ORDER BY code", (TOWN,))]  # fmt: skip
    assert codes == expected and codes


def test_print_the_selected_inspection_in_one_click(dam_dock, small_store):
    conn = sqlite3.connect(small_store)
    dam_uuid, insp_uuid = conn.execute("SELECT dam_uuid, uuid FROM dam_inspection WHERE result = 'major'"
                                       " ORDER BY inspected_at LIMIT 1").fetchone()  # fmt: skip
    code = conn.execute("SELECT code FROM dam WHERE uuid = ?", (dam_uuid,)).fetchone()[0]
    layer = dam_dock.layer
    fid = next(f.id() for f in layer.getFeatures() if f["uuid"] == dam_uuid)
    dam_dock.select_fid(fid)
    child = next(f.id() for f in _layer("dam_inspection").getFeatures() if f["uuid"] == insp_uuid)
    assert dam_dock.select_child("dam_inspection", child)
    act = action(dam_dock.report_button, "淤地坝安全检查记录表")
    assert act.isEnabled()
    act.trigger()
    jobs = dam_dock.report_button.jobs
    wait_until(lambda: not jobs.busy())
    assert jobs.last_error is None and dam_dock.opened == [jobs.last_path]
    assert pdf_pages(jobs.last_path) == 2
    text = subprocess.run(["pdftotext", jobs.last_path, "-"], capture_output=True, text=True, check=True).stdout
    assert code in text and "检查人" in text


def test_print_needs_a_selection(dam_dock):
    dam_dock.layer.removeSelection()
    act = action(dam_dock.report_button, "隐患整改通知书")
    assert not act.isEnabled()
    assert dam_dock.report_button.print_selection("dam_hazard") is None


def test_print_the_forms_of_the_whole_list(dam_dock, small_store, tmp_path):
    choose(dam_dock.contents.townshipCombo, TOWN)
    button = dam_dock.report_button
    action(button, "whole list").trigger()
    dialog = button.dialog
    assert dialog.isVisible() and dialog.formCombo.count() == 2
    choose(dialog.formCombo, "dam_hazard")
    conn = sqlite3.connect(small_store)
    hazards = conn.execute("SELECT count(*) FROM dam_hazard h JOIN dam d ON d.uuid = h.dam_uuid"
                           " WHERE d.township = ?", (TOWN,)).fetchone()[0]  # fmt: skip
    assert len(dialog.records()) == hazards > 0
    assert f"{hazards} " in dialog.scopeLabel.text()
    out = tmp_path / "notices.pdf"
    dialog.outputWidget.setFilePath(str(out))
    dialog.buttonBox.button(QDialogButtonBox.StandardButton.Ok).click()
    wait_until(lambda: not button.jobs.busy())
    assert button.jobs.last_error is None and dam_dock.opened == [str(out)]
    assert pdf_pages(out) == 2 * hazards


def test_watershed_dock_prints_the_latest_acceptance(iface, bar, small_store):
    open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    dock = open_dock(WatershedDock, iface)
    try:
        opened: list[str] = []
        dock.report_button.jobs.opener = opened.append
        conn = sqlite3.connect(small_store)
        shed, name = conn.execute("SELECT w.uuid, w.name FROM watershed w JOIN watershed_acceptance a"
                                  " ON a.watershed_uuid = w.uuid LIMIT 1").fetchone()  # fmt: skip
        dock.select_fid(next(f.id() for f in dock.layer.getFeatures() if f["uuid"] == shed))
        dock.contents.childList.setCurrentRow(-1)
        dock.report_button.print_selection("watershed_acceptance")
        wait_until(lambda: not dock.report_button.jobs.busy())
        text = subprocess.run(["pdftotext", opened[0], "-"], capture_output=True, text=True, check=True).stdout
        assert name in text and "鉴定书" in text
    finally:
        dock.disconnect_all()
        dock.deleteLater()


def _layer(kind):
    from shuibao.layers.project import find_layer

    return find_layer(kind)
