"""The statistics panel as a technician uses it: open it, read the targets, pick a township and years,
export to Excel, open the targets for editing; an inspector reads but cannot edit targets."""

from __future__ import annotations

import sqlite3
import zipfile

import openpyxl
import pytest
import shuibao
from qgis.core import QgsProject
from shuibao.layers.project import open_store_in_project
from shuibao.reports import stats
from shuibao.reports.data import Dataset
from shuibao.ui.stats_dock import StatsDock
from shuibao_ui_harness import wait_until


@pytest.fixture
def bar(iface):
    from qgis.gui import QgsMessageBar

    message_bar = QgsMessageBar(iface.mainWindow())
    iface.messageBar = lambda: message_bar
    return message_bar


@pytest.fixture
def panel(iface, bar, small_store, log_in):
    open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    log_in("technician", small_store)  # through the login dialog, against the demo server
    dock = StatsDock(iface, lang="zh")
    dock.jobs.opener = lambda path: None
    dock.refresh()
    yield dock
    dock.disconnect_all()
    dock.deleteLater()


def cells(view, row: int) -> list[str]:
    return [view.item(row, c).text() for c in range(view.columnCount())]


def test_targets_with_what_was_achieved_and_a_chart(panel, small_store):
    ds = Dataset(small_store)
    opts = stats.default_options(ds)
    c = panel.contents
    assert (c.fromSpin.value(), c.toSpin.value()) == (opts.year_from, opts.year_to)
    view = panel.views["targets"]
    expected = stats.progress(ds, opts)
    assert view.rowCount() == len(expected) > 0
    first = cells(view, 0)
    assert first[:4] == ["治理崩岗", "全县", "2022—2025", "1000"]
    assert first[5] == f"{expected[0].achieved:g}" and first[6] == f"{expected[0].share:g}"
    chart = panel.charts["targets"]
    assert chart.categories[0].startswith("治理崩岗") and chart.reference == 100.0
    assert chart.bar_count() == sum(1 for p in expected if p.share is not None)
    assert "崩岗群按所含崩岗个数计" in c.noteLabel.text()
    image = chart.grab()  # it paints
    assert image.width() > 200 and image.height() == chart.height()


def test_a_township_and_other_years(panel, small_store):
    c = panel.contents
    c.townshipCombo.setCurrentIndex(c.townshipCombo.findData("梅林镇"))
    c.fromSpin.setValue(2024)
    c.toSpin.setValue(2025)
    wait_until(lambda: panel.options.township == "梅林镇" and panel.tables["benggang"].rows[0][0] == "梅林镇")
    benggang = panel.views["benggang"]
    assert [benggang.item(r, 0).text() for r in range(benggang.rowCount())] == ["梅林镇", "合计"]
    targets = [cells(panel.views["targets"], r)[:2] for r in range(panel.views["targets"].rowCount())]
    assert ["治理崩岗", "梅林镇"] in targets  # the township's own target joins the county's
    conn = sqlite3.connect(small_store)
    found = conn.execute("SELECT count(*) FROM dam_hazard h JOIN dam d ON d.uuid = h.dam_uuid JOIN dam_inspection i"
                         " ON i.uuid = h.inspection_uuid WHERE d.township = '梅林镇'"
                         " AND strftime('%Y', i.inspected_at, '+8 hours') BETWEEN '2024' AND '2025'").fetchone()[0]  # fmt: skip
    assert panel.tables["hazards"].rows[0][1] == found
    assert "2024–2025" in c.statusLabel.text()


def test_export_writes_the_tables_with_charts(panel):
    panel.contents.exportButton.click()
    wait_until(lambda: not panel.jobs.busy())
    path = panel.jobs.last_path
    assert panel.jobs.last_error is None and path.endswith(".xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "目标任务完成情况" and len(book.sheetnames) == 5
    with zipfile.ZipFile(path) as z:
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == 3


def test_technicians_open_the_targets_inspectors_cannot(panel, iface, small_store, log_in):
    shown = []
    iface.showAttributeTable = shown.append  # QGIS's attribute table (the stub lacks it)
    assert panel.contents.targetsButton.isEnabled()
    panel.contents.targetsButton.click()
    layer = shown[0]
    assert layer.customProperty("shuibao/kind") == "target" and layer.isEditable()
    county = next(f for f in layer.getFeatures() if f["indicator"] == "benggang_treated" and not f["township"])
    layer.changeAttributeValue(county.id(), layer.fields().indexFromName("value"), 1200.0)  # as in the table
    assert layer.commitChanges()
    wait_until(lambda: cells(panel.views["targets"], 0)[3] == "1200")
    log_in("inspector", small_store)  # someone else logs in on this computer
    panel.refresh()
    assert not panel.contents.targetsButton.isEnabled()
    assert "technicians" in panel.contents.targetsButton.toolTip()
    assert panel.edit_targets() is False and len(shown) == 1
    assert not layer.isEditable()


def test_the_plugin_menu_shows_the_panel_and_the_dialogs(iface, bar, small_store):
    plugin = shuibao.classFactory(iface)
    plugin.initGui()
    try:
        reports = plugin.reports_ui
        toggle = next(a for a in reports.actions if a.objectName() == "ShuibaoStatsDockAction")
        assert not reports.dock.isVisibleTo(iface.mainWindow())
        toggle.trigger()
        assert reports.dock.isVisibleTo(iface.mainWindow())
        assert reports.open_dialog("ledgers") is None  # no store yet: said in the message bar
        open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
        dialog = reports.open_dialog("forms")
        assert dialog.isVisible() and dialog.formCombo.count() == 4 and dialog.townshipCombo.isEnabled()
        dialog.reject()
    finally:
        plugin.unload()
