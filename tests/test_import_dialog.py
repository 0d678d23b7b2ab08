"""The import dialog driven as a technician does: toolbar button, pick the file, confirm the
coordinate system and the mapping, check, read the report, press 导入 — in Chinese."""

from __future__ import annotations

import pytest
import register_files as rf
import shuibao
from qgis.core import QgsProject
from qgis.PyQt.QtCore import QCoreApplication, QTranslator
from qgis.PyQt.QtWidgets import QAction
from shuibao import settings
from shuibao.layers.project import open_store_in_project, store_layers
from shuibao.layers.store import Store
from shuibao_ui_harness import wait_until


@pytest.fixture
def chinese(tool):
    [qm] = tool("build_zip").release_translations()
    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    settings.set_language("zh")
    yield
    settings.set_language("")
    QCoreApplication.removeTranslator(translator)


@pytest.fixture
def plugin(iface, chinese, flush_deletes):
    p = shuibao.classFactory(iface)
    p.initGui()
    yield p
    p.unload()
    flush_deletes()


def press_import_button(iface):
    action = iface.mainWindow().findChild(QAction, "ShuibaoImportAction")
    assert action.text() == "导入登记数据…"
    action.trigger()


def test_import_dialog_end_to_end(plugin, iface, small_store, tmp_path):
    open_store_in_project(str(small_store), QgsProject.instance())
    dams = store_layers(QgsProject.instance())["dam"]
    before = dams.featureCount()
    rows = rf.dam_rows(8, prefix="NEW")
    path = rf.write_csv_gk(tmp_path / "新建淤地坝.csv", rows, epsg=4547)

    press_import_button(iface)
    dlg = plugin.import_dialog
    assert dlg.isVisible() and dlg.windowTitle() == "导入登记数据"
    assert dlg.countyEdit.text() == "360704"  # the county of the open store
    dlg.fileWidget.setFilePath(str(path))  # as picked in the file dialog
    wait_until(lambda: dlg.task is None and dlg.table is not None)
    assert "共 8 行" in dlg.fileInfo.text()
    assert dlg.kindCombo.currentText() == "淤地坝"
    assert dlg.crsCombo.currentData() == "EPSG:4547"  # the zone from where the county's dams are
    assert "中央经线114°E" in dlg.crsCombo.currentText()

    dlg.nextButton.click()
    assert dlg.stepLabel.text() == "<b>第2步：字段对应</b>"
    table = dlg.mappingTable
    row_of = {table.item(r, 0).data(0x0100): r for r in range(table.rowCount())}
    assert table.cellWidget(row_of["name"], 1).currentText() == "坝名"
    assert table.cellWidget(row_of["admin_phone"], 1).currentText() == "行政责任人电话"
    assert table.item(row_of["name"], 3).text().startswith("梅林1号坝")
    village = table.cellWidget(row_of["village"], 1)  # the technician puts 乡镇 into 村 as well
    village.setCurrentIndex(village.findText("乡镇"))
    assert dlg.nextButton.text() == "检查"

    dlg.nextButton.click()
    wait_until(lambda: dlg.task is None and dlg.plan is not None)
    assert dlg.stepLabel.text() == "<b>第3步：检查与导入</b>"
    assert "新增 8" in dlg.summaryLabel.text() and "试运行" in dlg.summaryLabel.text()
    assert dlg.reportTable.rowCount() == 8 and dlg.reportTable.item(0, 1).text() == "新增"
    assert Store(small_store).count("dam") == before  # nothing written by the check

    assert dlg.importButton.text() == "导入"
    dlg.importButton.click()
    wait_until(lambda: dlg.task is None and dlg.written is not None)
    assert dlg.written == {"inserted": 8, "updated": 0}
    assert "已写入数据库" in dlg.summaryLabel.text() and not dlg.importButton.isEnabled()
    rec = Store(small_store).records("dam", {"code": ["NEW00003"]})[0]
    assert rec["name"] == rows[2]["坝名"] and rec["village"] == rows[2]["乡镇"]
    assert rec["tech_phone"] == rf.PERSONS[3] and rec["total_storage"] == rows[2]["总库容"]
    wait_until(lambda: dams.featureCount() == before + 8)  # the map layer shows them
    assert len(Store(small_store).pending_changes()) >= 8  # and the next sync pushes them

    report = dlg.export_report(str(tmp_path / "检查.xlsx"))
    import openpyxl

    assert openpyxl.load_workbook(report)["导入检查"].cell(2, 2).value == "新增"

    # the same file again: the remembered mapping, nothing to import
    dlg.close()
    press_import_button(iface)
    dlg = plugin.import_dialog
    dlg.fileWidget.setFilePath(str(path))
    wait_until(lambda: dlg.task is None and dlg.table is not None)
    dlg.nextButton.click()
    assert dlg.mappingTable.cellWidget(row_of["village"], 1).currentText() == "乡镇"  # remembered
    dlg.nextButton.click()
    wait_until(lambda: dlg.task is None and dlg.plan is not None)
    assert "无变化 8" in dlg.summaryLabel.text() and not dlg.importButton.isEnabled()


def test_bad_rows_shown_in_red_and_import_needs_a_store(plugin, iface, small_store, tmp_path):
    from qgis.core import Qgis

    press_import_button(iface)  # no store open yet
    assert plugin.import_dialog is None
    assert any("请先打开数据库" in m for m in iface.messageBar().get_messages(Qgis.Warning))
    open_store_in_project(str(small_store), QgsProject.instance())
    press_import_button(iface)
    dlg = plugin.import_dialog
    dlg.fileWidget.setFilePath(str(rf.write_bad_csv(tmp_path / "bad.csv")))
    wait_until(lambda: dlg.task is None and dlg.table is not None)
    assert dlg.crsCombo.currentData() == "EPSG:4490"
    dlg.nextButton.click()
    dlg.nextButton.click()
    wait_until(lambda: dlg.task is None and dlg.plan is not None)
    assert "拒绝 6" in dlg.summaryLabel.text()
    first = [dlg.reportTable.item(0, c).text() for c in range(5)]
    assert first[:2] == ["3", "拒绝"] and "十二米" in first[4]
    assert dlg.reportTable.item(0, 0).background().color().name() == "#ffd7d7"
    dlg.problemsOnly.setChecked(True)
    assert dlg.reportTable.rowCount() == 6
