"""Issue 13's rules as a person meets them in the forms, in real QGIS in zh_CN, for looking at.

    .venv/bin/python tools/rule_shots.py

Builds the demo county into build/demo/rules/ganxian.gpkg (tools/demo_data.py), runs QGIS with the
plugin (under Xvfb without a display), opens record forms the way the docks do and types into them
what a person might (an inspection at a flag concluding 无隐患, 正常 over an open major hazard, a
dam that needs 一坝一人, a de-listing, a treated 崩岗, a watershed's erosion by class and clean
indicators, a failed acceptance, an upkeep check), and saves a screenshot of each window to
build/demo/rules/. Look at every one.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess  # nosec B404 - fixed argv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "demo" / "rules"
STORE = OUT / "ganxian.gpkg"

SHOTS = r"""
import traceback
from pathlib import Path

from qgis.core import QgsFeatureRequest
from qgis.PyQt.QtCore import QPoint, QRect, QTimer
from qgis.PyQt.QtGui import QGuiApplication
from qgis.PyQt.QtWidgets import QTabWidget
from qgis.utils import iface, plugins

STORE, OUT, READY, LOG = {store!r}, Path({out!r}), Path({ready!r}), Path({log!r})
_keep = []


def log(text):
    with LOG.open("a", encoding="utf-8") as f:
        f.write(text + "\n")


def later(ms, fn):
    def run():
        try:
            fn()
        except Exception:  # noqa: BLE001 - report to the runner, never hang
            log(traceback.format_exc())
            READY.write_text("failed")
    QTimer.singleShot(ms, run)


def first(layer, expression):
    return next(layer.getFeatures(QgsFeatureRequest().setFilterExpression(expression)))


def form_of(kind, feature, new=False):
    from shuibao.model import RECORD_KINDS
    from shuibao.ui.record_form import RecordForm
    from shuibao.layers.project import find_layer

    form = RecordForm(find_layer(kind), feature, RECORD_KINDS[kind], new=new, lang="zh", parent=iface.mainWindow(),
                      iface=iface)
    form.setGeometry(120, 40, 820, 900)
    form.show()
    return form


def type_values(form, **values):
    for name, value in values.items():
        form.attributeForm().changeAttribute(name, value)
    form.refresh_problems()


def tab(form, title):
    for tabs in form.attributeForm().findChildren(QTabWidget):
        for i in range(tabs.count()):
            if tabs.tabText(i).replace("&", "") == title:
                tabs.setCurrentIndex(i)


def shoot(form, name, then):
    def grab():
        form.refresh_problems()
        screen = QGuiApplication.primaryScreen().grabWindow(0)
        area = QRect(form.mapToGlobal(QPoint(0, 0)), form.size()).adjusted(-2, -30, 2, 2)
        screen.copy(area).save(str(OUT / name))
        log("saved " + name)
        form.reject()
        later(400, then)
    later(1200, grab)


def inspection():
    from shuibao.ui import actions

    dam = first(actions.layer_of("dam"), "hazard_status = 'normal' AND register_status = 'registered'")
    outcome, feature = actions.new_child("dam_inspection", "dam", dam.id(), "inspector", "王五")
    form = form_of("dam_inspection", feature, new=True)
    type_values(form, crack_type="transverse", crack_width=15.0, crack_length=6.0, seepage="piping",
                seepage_location="坝脚右侧", settlement=30.0, result="no_hazard")
    tab(form, "结论")
    shoot(form, "rule-inspection-flags.png", dam_status)


def dam_status():
    from shuibao.ui import actions

    hazard = first(actions.layer_of("dam_hazard"), "severity = 'major' AND step <> 'closed'")
    dam = first(actions.layer_of("dam"), "uuid = '%s'" % hazard["dam_uuid"])
    form = form_of("dam", dam)
    type_values(form, hazard_status="normal")
    shoot(form, "rule-dam-hazard-status.png", dedicated)


def dedicated():
    from shuibao.ui import actions

    dam = first(actions.layer_of("dam"), "patrol_class = 'dedicated' AND register_status = 'registered'")
    form = form_of("dam", dam)
    type_values(form, dedicated_patroller=False, patrol_phone="1390797", construction_stage="built")
    tab(form, "安全责任")
    shoot(form, "rule-dam-duty.png", delisting)


def delisting():
    from shuibao.ui import actions

    dam = first(actions.layer_of("dam"), "register_status = 'registered' AND hazard_status = 'normal'")
    form = form_of("dam", dam)
    type_values(form, register_status="delisted", delist_cause="other", delist_date="2026-06-30")
    tab(form, "登记销号")
    shoot(form, "rule-dam-delisting.png", patch)


def patch():
    from shuibao.ui import actions

    treated = first(actions.layer_of("patch"), "kind = 'benggang' AND treatment_status = 'completed'")
    form = form_of("patch", treated)
    type_values(form, risk_level="high", caretaker_phone="0797")
    tab(form, "治理与管护")
    shoot(form, "rule-patch-treated.png", watershed)


def watershed():
    from shuibao.ui import actions

    shed = first(actions.layer_of("watershed"), "project_type = 'eco_clean'")
    form = form_of("watershed", shed)
    tab(form, "指标")
    shoot(form, "rule-watershed-figures.png", lambda: watershed_clean(shed))


def watershed_clean(shed):
    form = form_of("watershed", shed)
    type_values(form, sewage_treatment_rate=55.0)
    tab(form, "生态清洁")
    shoot(form, "rule-watershed-clean.png", acceptance)


def acceptance():
    from shuibao.ui import actions

    signed = first(actions.layer_of("watershed_acceptance"), "step = 'signed'")
    form = form_of("watershed_acceptance", signed)
    tab(form, "结论")
    shoot(form, "rule-acceptance-reasons.png", upkeep)


def upkeep():
    from shuibao.ui import actions

    accepted = first(actions.layer_of("patch"), "kind = 'benggang' AND treatment_status = 'accepted'")
    outcome, feature = actions.new_child("patch_upkeep", "patch", accepted.id(), "inspector", "王五")
    form = form_of("patch_upkeep", feature, new=True)
    type_values(form, caretaker_present=False, facilities_intact=False, vegetation_kept=True, result="poor")
    tab(form, "结论")
    shoot(form, "rule-upkeep.png", lambda: READY.write_text("done"))


def start():
    iface.mainWindow().showMaximized()
    plugin = plugins["shuibao"]
    plugin.open_store(path=STORE)
    _keep.append(plugin)
    later(2500, inspection)


later(2000, start)
"""


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(f"shuibao_tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def build_store() -> None:
    demo_data = _tool("demo_data")
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("ganxian.gpkg*"):
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    demo_data.write_store(STORE, demo_data.generate())


def shots() -> None:
    demo = _tool("demo")
    demo.build_translations()
    demo.write_profile()
    script = OUT / "shots.py"
    ready, log = OUT / "shots-ready", OUT / "shots.log"
    for f in (ready, log):
        f.unlink(missing_ok=True)
    script.write_text(SHOTS.format(store=str(STORE), out=str(OUT), ready=str(ready), log=str(log)), encoding="utf-8")
    proc = subprocess.Popen(demo.qgis_command(script), env=demo.qgis_env(), cwd=ROOT)  # noqa: S603
    try:
        deadline = time.monotonic() + 240
        while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    if log.exists():
        print(log.read_text(encoding="utf-8").strip())


def main() -> int:
    if not os.environ.get("DISPLAY"):
        return subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, __file__])  # noqa: S603,S607
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    build_store()
    shots()
    for path in sorted(OUT.glob("rule-*.png")):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
