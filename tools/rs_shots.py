"""Screenshots of the remote-sensing dock and its forms for the user guide (docs/guide/rs-*.png),
taken in real QGIS in Chinese, and a split done with QGIS's own split tool on the map canvas.

    .venv/bin/python tools/rs_shots.py [--out DIR]     # default docs/guide; look at every PNG

Starts the demo sync server with the demo county (data in build/rs-shots/server), downloads it as
the technician, runs QGIS (under Xvfb when there is no display) with a fresh Chinese profile, logs
in through the login dialog and works the dock as a person does: an overdue spot with its timeline
and next steps, the filters, the re-check form, the notice in the spot's form, and a spot split by
clicking a line across it with QGIS's split tool.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shotkit

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "rs-shots"

# Runs inside QGIS (its own Python, with shotkit): the steps run one after another on the event loop.
SHOTS = r"""
from qgis.core import QgsPointXY
from qgis.PyQt.QtCore import QPoint, Qt
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import QApplication, QDialogButtonBox
from qgis.utils import iface

state = {}


def dock():
    return plugin().dock("ShuibaoRsSpotDock")


def pick(fid):
    d = dock()
    d.select_fid(fid)
    QApplication.processEvents()


def choose(combo, data):
    combo.setCurrentIndex(combo.findData(data))


def spots():
    layer = dock().layer
    return [f for f in layer.getFeatures()]


def zoom_to(fid, scale=4000):
    canvas = iface.mapCanvas()
    feature = dock().layer.getFeature(fid)
    canvas.setCenter(feature.geometry().centroid().asPoint())
    canvas.zoomScale(scale)
    canvas.refresh()


@step
def start():
    main_window()
    master_password("guide-master-password")
    plugin().open_store(path=STORE)
    from shuibao.ui.login_dialog import LoginDialog
    dialog = LoginDialog(iface.mainWindow(), store_path=STORE)
    dialog.url_edit.setText(URL)
    dialog.user_edit.setText(USER[0])
    dialog.password_edit.setText(USER[1])
    dialog.show()
    state["login"] = dialog
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    show_dock("ShuibaoRsSpotDock", 520)
    run_next(4000)


@step
def overdue_spot():
    d = dock()
    d.reload()
    overdue = [f for f in spots() if f["step"] == "rectifying"]
    overdue.sort(key=lambda f: f["notice_deadline"].toString("yyyy-MM-dd"))
    fid = overdue[0].id()
    state["overdue"] = fid
    pick(fid)
    zoom_to(fid)
    later(2500, lambda: (save(d, OUT / "rs-dock.png"), grab_screen(OUT / "rs-screen.png"), run_next()))


@step
def filtered():
    d = dock()
    batch = d.facet_combos["batch"]
    batch.setCurrentIndex(batch.count() - 1)
    choose(d.facet_combos["determination"], "unapproved_build")
    if d.model.rowCount():
        pick(d.model.fid(0))
    later(1200, lambda: (save(d, OUT / "rs-dock-filter.png"), run_next()))


@step
def recheck_form():
    d = dock()
    choose(d.facet_combos["determination"], "")
    d.facet_combos["batch"].setCurrentIndex(0)
    choose(d.contents.statusCombo, "issued")
    fid = [f for f in spots() if f["step"] == "issued"][0].id()
    state["issued"] = fid
    pick(fid)
    zoom_to(fid, 3000)
    d.buttons["create:rs_recheck"].click()
    def shoot():
        form = d.form
        values = {"disturbance_found": "true", "extent_matches": "false", "disturbed_area": 1.35,
                   "construction_status": "building", "project_type": "real_estate",
                   "project_name": "梅林镇安置房建设项目", "builder": "赣县区城投置业有限公司",
                   "determination": "unapproved_build", "evidence": "现场在建住宅楼3栋，未取得水土保持方案批复"}
        for name, value in values.items():  # what the inspector types on site
            form.attributeForm().changeAttribute(name, value)
        choose_tab(form, "现场情况")
        form.resize(760, 620)
        later(800, lambda: (save(form, OUT / "rs-recheck-form.png"), next_tab(form)))
    later(1500, shoot)


def next_tab(form):
    choose_tab(form, "项目与认定")
    later(800, lambda: (save(form, OUT / "rs-recheck-form-2.png"), form.reject(), run_next()))


@step
def notice_form():
    d = dock()
    choose(d.contents.statusCombo, "determined")
    fid = [f for f in spots() if f["step"] == "determined"][0].id()
    pick(fid)
    d.buttons["step:rs_spot:rectifying"].click()
    def shoot():
        form = d.form
        form.resize(760, 620)
        later(800, lambda: (save(form, OUT / "rs-notice-form.png"), form.reject(), run_next()))
    later(1500, shoot)


@step
def split():
    d = dock()
    choose(d.contents.statusCombo, "issued")
    fid = state["issued"]
    pick(fid)
    zoom_to(fid, 3000)
    state["before"] = len(spots())
    iface.messageBar().clearWidgets()  # the notice form's cancelled step said what it lacked
    later(1500, lambda: draw(fid))


def draw(fid):
    d = dock()
    d.buttons["split:rs_spot"].click()
    canvas = iface.mapCanvas()
    box = d.layer.getFeature(fid).geometry().boundingBox()
    x = box.center().x()
    points = [QgsPointXY(x - box.width() * 0.05, box.yMaximum() + box.height() * 0.3),
              QgsPointXY(x + box.width() * 0.05, box.yMinimum() - box.height() * 0.3)]
    pixels = [canvas.getCoordinateTransform().transform(p) for p in points]
    viewport = canvas.viewport()
    log("map tool: " + type(canvas.mapTool()).__name__)
    def click(i):
        if i < len(pixels):
            pos = QPoint(int(pixels[i].x()), int(pixels[i].y()))
            QTest.mouseMove(viewport, pos)
            QTest.mouseClick(viewport, Qt.LeftButton, Qt.NoModifier, pos)
            later(400, lambda: click(i + 1))
        else:
            pos = QPoint(int(pixels[-1].x()), int(pixels[-1].y()))
            QTest.mouseClick(viewport, Qt.RightButton, Qt.NoModifier, pos)
            later(1200, split_done)
    later(600, lambda: click(0))


def split_done():
    d = dock()
    count = len(spots())
    log(f"spots before {state['before']}, after {count}, editing {d.layer.isEditable()}")
    d.reload()
    iface.mapCanvas().refresh()
    later(300, lambda: (save(d, OUT / "rs-dock-split.png"), grab_screen(OUT / "rs-split.png"), run_next()))


run_next(2500)
"""


def main() -> int:
    args = shotkit.arguments(shotkit.parser(__doc__, ROOT / "docs" / "guide"))
    shotkit.cleared(BUILD, "*.gpkg*")
    with shotkit.demo_server(BUILD / "server", 8776) as (url, users):
        tech = next((name, password) for name, role, password in users if role == "technician")
        store = BUILD / "technician.gpkg"
        shotkit.tool("demo_server").first_sync_store(url, *tech, store)
        ok = shotkit.run_qgis(
            BUILD, SHOTS, timeout=300, server_url=url, out=args.out, url=url, user=tech, store=str(store)
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
