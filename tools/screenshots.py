"""Screenshots for the README: each dock with an object's detail, and a dam inspection form.

    .venv/bin/python tools/screenshots.py        # needs the demo store: run `make demo` once first

Runs QGIS (under Xvfb when there is no display) with the demo profile of tools/demo.py, opens
the demo store, and saves into docs/: screenshot-dock-dam.png, screenshot-dock-patch.png,
screenshot-dock-watershed.png and screenshot-inspection-form.png. Look at each one before
committing it.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess  # nosec B404 - fixed argv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# Runs inside QGIS. Each step waits for the event loop so that the docks have filled.
SHOTS = r"""
import traceback
from pathlib import Path

from qgis.core import QgsFeatureRequest, QgsProject
from qgis.gui import QgsAttributeDialog, QgsAttributeEditorContext
from qgis.PyQt.QtCore import QTimer, Qt
from qgis.utils import iface, plugins

STORE = {store!r}
DOCS = Path({docs!r})
READY = Path({ready!r})
LOG = Path({log!r})
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


def start():
    window = iface.mainWindow()
    window.setGeometry(0, 0, 1600, 1000)
    window.showMaximized()
    plugin = plugins["shuibao"]
    layers = plugin.open_store(path=STORE)
    _keep.append((plugin, layers))
    later(1500, lambda: shot_dock("ShuibaoDamDock", "dam", "hazard_status = 'dangerous'", 0))


def select_detail(dock, kind, expression):
    layer = dock.layer
    feature = next(layer.getFeatures(QgsFeatureRequest().setFilterExpression(expression)), None)
    if feature is not None:
        layer.selectByIds([feature.id()])
    return feature


ORDER = [
    ("ShuibaoDamDock", "dam", "hazard_status = 'dangerous'"),
    ("ShuibaoPatchDock", "patch", "treatment_status = 'treating'"),
    ("ShuibaoWatershedDock", "watershed", "1 = 1"),
]


def shot_dock(name, obj, expression, i):
    plugin, layers = _keep[0]
    dock = plugin.dock(name)
    dock.setUserVisible(True)
    dock.raise_()
    iface.mainWindow().resizeDocks([dock], [470], Qt.Horizontal)
    dock.reload()
    feature = select_detail(dock, obj, expression)
    log("%s: %s" % (obj, feature.id() if feature else None))
    def grab():
        dock.grab().save(str(DOCS / ("screenshot-dock-%s.png" % obj)))
        if i + 1 < len(ORDER):
            later(300, lambda: shot_dock(*ORDER[i + 1], i + 1))
        else:
            later(300, shot_form)
    later(1200, grab)


def shot_form():
    plugin, layers = _keep[0]
    dams = layers["dam"]
    inspections = layers["dam_inspection"]
    request = QgsFeatureRequest().setFilterExpression("result = 'general' AND step = 'submitted'")
    feature = next(inspections.getFeatures(request))
    inspections.startEditing()  # as an inspector sees it: editable, not greyed out
    context = QgsAttributeEditorContext()
    context.setVectorLayerTools(iface.vectorLayerTools())
    context.setMapCanvas(iface.mapCanvas())
    dialog = QgsAttributeDialog(inspections, feature, False, iface.mainWindow(), True, context)
    dialog.resize(760, 640)
    dialog.show()
    _keep.append(dialog)
    def tab_and_grab():
        from qgis.PyQt.QtWidgets import QTabWidget
        tabs = dialog.findChildren(QTabWidget)
        if tabs:
            tabs[0].setCurrentIndex(1)  # 坝体: the dam-body checklist
        later(500, lambda: (dialog.grab().save(str(DOCS / "screenshot-inspection-form.png")),
                            inspections.rollBack(), READY.write_text("done")))
    later(800, tab_and_grab)


later(1500, start)
"""


def _demo():
    spec = importlib.util.spec_from_file_location("shuibao_tools_demo", ROOT / "tools" / "demo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    demo = _demo()
    if not demo.STORE.exists():
        sys.exit(f"{demo.STORE} is missing: run `make demo` first")
    if not os.environ.get("DISPLAY"):
        return subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, __file__])  # noqa: S603,S607
    demo.build_translations()
    demo.write_profile()
    script = demo.DEMO / "shots.py"
    script.write_text(SHOTS.format(store=str(demo.STORE), docs=str(DOCS), ready=str(demo.READY), log=str(demo.LOG)),
                      encoding="utf-8")  # fmt: skip
    for f in (demo.READY, demo.LOG):
        f.unlink(missing_ok=True)
    proc = subprocess.Popen(demo.qgis_command(script), env=demo.qgis_env(), cwd=ROOT)  # noqa: S603
    try:
        import time

        deadline = time.monotonic() + 180
        while not demo.READY.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        if demo.LOG.exists():
            print(demo.LOG.read_text(encoding="utf-8").strip())
    for name in ("dam", "patch", "watershed"):
        print(DOCS / f"screenshot-dock-{name}.png")
    print(DOCS / "screenshot-inspection-form.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
