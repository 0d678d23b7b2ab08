"""Story (e): two inspectors, one field, the conflict dialog.

Two laptops (two stores, each downloaded and logged in through the real server as its inspector)
measure the silt level of the same dam and type it into the dam's form (the dock's 编辑登记信息…);
both press 同步. The
second gets the conflict: 处理冲突… lists it by the dam's code and name, the field's label and both
values; the inspector clicks the value to keep, applies, syncs again, and the server holds it.
"""

from __future__ import annotations

import pytest
from qgis.core import QgsFeatureRequest
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import QDialogButtonBox
from shuibao import settings
from shuibao_ui_harness import Dialogs, bar_button, click, form_of, pick_object, press_ok, press_sync, type_into

FIELD = "current_silt_elevation"  # 现状淤积高程 (m)


@pytest.mark.display
def test_two_inspectors_one_field_the_conflict_dialog(plugin, iface, demo_server, tool, log_in, tmp_path):
    bar = iface.messageBar()
    stores = {}
    for who in ("demo_inspector", "demo_inspector2"):
        stores[who] = tmp_path / f"{who}.gpkg"
        tool("demo_server").first_sync_store(demo_server.url, *demo_server.users[who], stores[who])
    code = None
    values = {"demo_inspector": "1206.4", "demo_inspector2": "1205.9"}
    for who in ("demo_inspector", "demo_inspector2"):  # first one laptop, then the other
        layers = plugin.open_store(path=str(stores[who]))
        log_in(who, stores[who])
        assert settings.identity().username == who
        dams = layers["dam"]
        request = QgsFeatureRequest().setFilterExpression("register_status = 'registered'")
        dam = next(dams.getFeatures(request)) if code is None else next(
            dams.getFeatures(QgsFeatureRequest().setFilterExpression(f"code = '{code}'")))  # fmt: skip
        code, name = dam["code"], dam["name"]
        iface.mainWindow().show()
        dock = plugin.dock("ShuibaoDamDock")
        dock.setUserVisible(True)
        dock.raise_()
        dock.reload()
        pick_object(dock, dam.id())  # the dam's row in the list
        click(dock, "form:dam")  # 编辑登记信息…: the dam's own form, ready to type
        form = form_of(dock)
        type_into(form, FIELD, values[who])
        press_ok(form)  # saved to the store (no edit mode, no layer to save)
        assert not press_sync(plugin.sync_ui).errors

    summary = plugin.sync_ui.last_summary
    assert summary.conflicts == 1  # the second laptop gets the conflict
    seen = {}

    def choose(dialog):
        (row,) = dialog.model_rows()
        seen.update(row)
        item = dialog.items[row["id"]]
        tree = dialog.tree
        cell = tree.visualRect(tree.indexFromItem(item, 3))  # the server's value (the first inspector's)
        QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=cell.center())
        assert dialog.choice(row["id"]) == "theirs"
        QTest.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
        assert dialog.model_rows() == []
        dialog.buttons.button(QDialogButtonBox.StandardButton.Close).click()

    dialogs = Dialogs(choose)
    bar_button(bar, "Resolve conflicts…").click()  # the button beside the sync summary
    assert dialogs.done()
    assert seen["record"] == f"Check dam {code} {name}"  # names, not uuids
    assert seen["field"] == "Current silt elevation (m)"
    assert (seen["mine"], seen["theirs"]) == ("1205.9", "1206.4")
    assert seen["who"].startswith("demo_inspector ")

    assert not press_sync(plugin.sync_ui).errors
    assert _server_value(demo_server, code) == 1206.4
    assert plugin.sync_ui.last_summary.conflicts == 0


def _server_value(demo_server, code: str):
    from shuibao.sync.api import ApiClient

    api = ApiClient(demo_server.url)
    api.login(*demo_server.users["technician"], "inspect-story-e")
    value, cursor = None, None
    while True:
        page = api.pull(cursor, 5000)
        for item in page["items"]:
            if item["kind"] == "dam" and item["values"].get("code") == code:
                value = item["values"].get(FIELD)
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    api.close()
    return value
