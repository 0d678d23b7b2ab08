"""Screenshots for the README: each dock with an object's detail, and a dam inspection form.

    .venv/bin/python tools/screenshots.py [--out DIR]   # needs the demo store: run `make demo` once first

Runs QGIS (under Xvfb when there is no display) with the demo profile of tools/demo.py, opens
the demo store, and saves into docs/ (or DIR): screenshot-dock-dam.png, screenshot-dock-patch.png,
screenshot-dock-watershed.png and screenshot-inspection-form.png. Look at each one before
committing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shotkit

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# Runs inside QGIS. Each step waits for the event loop so that the docks have filled.
SHOTS = r"""
from qgis.core import QgsFeatureRequest
from qgis.gui import QgsAttributeDialog, QgsAttributeEditorContext
from qgis.PyQt.QtWidgets import QTabWidget
from qgis.utils import iface

ORDER = [
    ("ShuibaoDamDock", "dam", "hazard_status = 'dangerous'"),
    ("ShuibaoPatchDock", "patch", "treatment_status = 'treating'"),
    ("ShuibaoWatershedDock", "watershed", "1 = 1"),
]
layers = {}


def start():
    main_window()
    layers.update(plugin().open_store(path=STORE))
    later(1500, lambda: shot_dock(0))


def shot_dock(i):
    name, obj, expression = ORDER[i]
    dock = show_dock(name, 470)
    dock.reload()
    feature = first(dock.layer, expression)
    if feature is not None:
        dock.layer.selectByIds([feature.id()])
    log("%s: %s" % (obj, feature.id() if feature else None))

    def grab():
        save(dock, OUT / ("screenshot-dock-%s.png" % obj))
        later(300, (lambda: shot_dock(i + 1)) if i + 1 < len(ORDER) else shot_form)

    later(1200, grab)


def shot_form():
    inspections = layers["dam_inspection"]
    feature = first(inspections, "result = 'general' AND step = 'submitted'")
    inspections.startEditing()  # as an inspector sees it: editable, not greyed out
    context = QgsAttributeEditorContext()
    context.setVectorLayerTools(iface.vectorLayerTools())
    context.setMapCanvas(iface.mapCanvas())
    dialog = keep(QgsAttributeDialog(inspections, feature, False, iface.mainWindow(), True, context))
    dialog.resize(760, 640)
    dialog.show()

    def tab_and_grab():
        tabs = dialog.findChildren(QTabWidget)
        if tabs:
            tabs[0].setCurrentIndex(1)  # 坝体: the dam-body checklist
        later(500, lambda: (save(dialog, OUT / "screenshot-inspection-form.png"), inspections.rollBack(), done()))

    later(800, tab_and_grab)


later(1500, start)
"""


def main() -> int:
    demo = shotkit.tool("demo")
    if not demo.STORE.exists():
        sys.exit(f"{demo.STORE} is missing: run `make demo` first")
    args = shotkit.arguments(shotkit.parser(__doc__, DOCS))
    ok = shotkit.run_qgis(demo.DEMO / "screenshots", SHOTS, store=demo.STORE, out=args.out)
    for name in ("dam", "patch", "watershed"):
        print(args.out / f"screenshot-dock-{name}.png")
    print(args.out / "screenshot-inspection-form.png")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
