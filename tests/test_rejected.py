"""Rejections can be fixed: the edits the server refused are listed with its reason; the user opens
the record, fixes it and sends it again, or gives the edit up (the record goes back to the server's
values). Done through the sync summary's button and the panel, against the real server."""

from __future__ import annotations

import pytest
from qgis.core import QgsFeatureRequest
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import QDialogButtonBox, QMessageBox
from shuibao.ui import actions
from shuibao_ui_harness import Dialogs, bar_button, fill, form_of, press_ok, press_sync


def _dams(layer, n: int):
    request = QgsFeatureRequest().setFilterExpression("register_status = 'registered'")
    return list(layer.getFeatures(request))[:n]


def _select_row(panel, text: str) -> dict:
    for i in range(panel.tree.topLevelItemCount()):
        item = panel.tree.topLevelItem(i)
        if text in item.text(0):
            rect = panel.tree.visualItemRect(item)
            QTest.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            return panel.selected()
    raise AssertionError(f"no row for {text}: {panel.model_rows()}")


def _yes(box):
    assert isinstance(box, QMessageBox), type(box)
    box.button(QMessageBox.StandardButton.Yes).click()


@pytest.mark.display
def test_refused_edits_are_listed_fixed_and_sent_or_given_up(plugin, iface, demo_server, tool, log_in, tmp_path):
    path = tmp_path / "inspector.gpkg"
    tool("demo_server").first_sync_store(demo_server.url, *demo_server.users["demo_inspector"], path)
    layers = plugin.open_store(path=str(path))
    log_in("demo_inspector", path)
    dams = layers["dam"]
    typo, gone = _dams(dams, 2)
    typo_id, gone_id = typo.id(), gone.id()
    iface.mainWindow().show()
    dock = plugin.dock("ShuibaoDamDock")
    dock.setUserVisible(True)
    dock.raise_()
    dock.reload()
    # Two edits made in QGIS's own tools, which no form check guards (the dock's form refuses both):
    # a dam height typed in the attribute table (meant 15.0), a dam deleted with QGIS's delete tool.
    assert dams.startEditing()
    assert dams.changeAttributeValue(typo_id, dams.fields().indexFromName("dam_height"), 150.0)
    assert dams.deleteFeature(gone_id) and dams.commitChanges()
    press_sync(plugin.sync_ui)
    assert plugin.sync_ui.last_summary.rejected == 2
    bar = iface.messageBar()
    assert "2 edits refused by the server (kept)" in bar.currentItem().text()
    seen = {}

    def first_look(panel):
        seen["rows"] = panel.model_rows()
        _select_row(panel, gone["code"])
        assert panel.discard_button.isEnabled()
        QTest.mouseClick(panel.discard_button, Qt.MouseButton.LeftButton)  # give the delete up (asks first)
        _select_row(panel, typo["code"])
        QTest.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)  # show the dam: its dock, the map
        seen["after"] = panel.model_rows()
        panel.buttons.button(QDialogButtonBox.StandardButton.Close).click()

    dialogs = Dialogs(first_look, _yes)
    bar_button(bar, "Refused edits…").click()
    assert dialogs.done(), dialogs.seen
    rows = {r["uuid"]: r for r in seen["rows"]}
    assert set(rows) == {typo["uuid"], gone["uuid"]}
    assert rows[typo["uuid"]]["record"] == f"Check dam {typo['code']} {typo['name']}"  # names, not uuids
    assert rows[typo["uuid"]]["change"] == "Dam height (m) = 150" and "100" in rows[typo["uuid"]]["reason"]
    assert rows[gone["uuid"]]["op"] == "deleted" and "technician" in rows[gone["uuid"]]["reason"]
    assert [r["uuid"] for r in seen["after"]] == [typo["uuid"]]  # the delete was given up: the dam is back
    assert actions.get_feature(dams, gone_id) is None  # its old fid is gone …
    back = list(dams.getFeatures(QgsFeatureRequest().setFilterExpression(f"uuid = '{gone['uuid']}'")))
    assert len(back) == 1 and back[0]["name"] == gone["name"]  # … and the dam is back with the server's values
    assert dams.selectedFeatureIds() == [typo_id] and dock.selected_fids() == [typo_id]

    form = form_of(dock)  # 打开 opened the dam's own form, ready to type: the fix
    fill(form, dam_height="15")
    press_ok(form)

    def send_again(panel):
        _select_row(panel, typo["code"])
        QTest.mouseClick(panel.retry_button, Qt.MouseButton.LeftButton)
        seen["left"] = panel.model_rows()
        panel.buttons.button(QDialogButtonBox.StandardButton.Close).click()

    dialogs = Dialogs(send_again)
    plugin.sync_ui.rejected_action.trigger()  # 被拒绝的修改… in the plugin menu
    assert dialogs.done() and seen["left"] == []
    press_sync(plugin.sync_ui)
    summary = plugin.sync_ui.last_summary
    assert (summary.sent, summary.rejected) == (1, 0)
    server = _server_dams(demo_server)
    assert server[typo["uuid"]]["dam_height"] == 15 and gone["uuid"] in server


def _server_dams(demo_server) -> dict[str, dict]:
    from shuibao.sync.api import ApiClient

    api = ApiClient(demo_server.url)
    api.login(*demo_server.users["technician"], "inspect-rejected")
    out: dict[str, dict] = {}
    cursor = None
    while True:
        page = api.pull(cursor, 5000)
        for item in page["items"]:
            if item["kind"] == "dam":
                if item["deleted"]:
                    out.pop(item["uuid"], None)
                else:
                    out[item["uuid"]] = item["values"]
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    api.close()
    return out
