"""Screenshots of thresholds that follow the region (docs/guide/thresholds-*.png).

    .venv/bin/python tools/threshold_shots.py

Builds the demo county 赣县区 as it would be on 5 May 2026 if it had patrolled at the cadence the
plugin asked for before (the northern defaults: 5 May is outside the flood season, twice a week),
with two sets of thresholds: Jiangxi's as the server delivers it (main flood season since 1 April:
twice a day) and the northern defaults. Runs real QGIS in Chinese (under Xvfb when there is no
display) with the plugin's clock on that day, shows the dam dock's overdue list under each, and the
thresholds viewer. Look at each picture.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import sqlite3
import subprocess  # nosec B404 - fixed argv
import sys
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guide"
DAY = dt.date(2026, 5, 5)

# Runs inside QGIS (Debian's Python): only QGIS, the plugin and the standard library.
SHOTS = r"""
import datetime as dt
import traceback
from pathlib import Path

from qgis.core import QgsProject
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface, plugins

STORES, GUIDE = {stores!r}, Path({guide!r})
READY, LOG = Path({ready!r}), Path({log!r})
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
    from shuibao.ui import feature_model

    feature_model.utc_now = lambda: dt.datetime(2026, 5, 5, 17, 0, tzinfo=dt.timezone.utc)
    iface.mainWindow().showMaximized()
    dock_of(0)


def dock_of(i):
    plugin = plugins["shuibao"]
    QgsProject.instance().clear()
    plugin.open_store(path=STORES[i])
    dock = plugin.dock("ShuibaoDamDock")
    dock.show()
    dock.raise_()
    later(4000, lambda: grab_dock(i))


def grab_dock(i):
    dock = plugins["shuibao"].dock("ShuibaoDamDock")
    dock.reload()
    c = dock.contents
    c.dueCombo.setCurrentIndex(c.dueCombo.findData("overdue"))
    name = ("thresholds-dock-jiangxi.png", "thresholds-dock-north.png")[i]
    later(1500, lambda: save_dock(i, dock, name))


def save_dock(i, dock, name):
    iface.mainWindow().grab().save(str(GUIDE / name))
    log("saved %s: %s | %s" % (name, dock.contents.summaryLabel.text(), dock.contents.countLabel.text()))
    if i == 0:
        later(500, lambda: dock_of(1))
    else:
        later(500, viewer)


def viewer():
    QgsProject.instance().clear()
    plugins["shuibao"].open_store(path=STORES[0])
    dialog = plugins["shuibao"].show_thresholds()
    dialog.resize(1280, 760)
    _keep.append(dialog)
    later(2000, lambda: save_viewer(dialog))


def save_viewer(dialog):
    dialog.grab().save(str(GUIDE / "thresholds-viewer.png"))
    log("saved thresholds-viewer.png: %s" % dialog.deliveryLabel.text())
    READY.write_text("done")


later(2500, start)
"""


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(f"shuibao_tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def build_stores(demo) -> list[str]:
    """The demo county on DAY under Jiangxi's set (as delivered), and under the northern defaults."""
    from shuibao.layers import thresholds
    from shuibao.model import THRESHOLDS, regions
    from shuibao.model.schema import Thresholds

    demo_data = _tool("demo_data")
    north = Thresholds(THRESHOLDS.defaults, county=demo_data.COUNTY_CODE)  # the plugin before issue 13
    data = demo_data.generate(today=DAY, patrols=north)
    sets = {"jiangxi": regions.resolve(demo_data.COUNTY_CODE), "north": north}
    paths = []
    for name, t in sets.items():
        path = demo.DEMO / f"ganxian-0505-{name}.gpkg"
        path.unlink(missing_ok=True)
        demo_data.write_store(path, data)
        with closing(sqlite3.connect(path)) as conn, conn:
            thresholds.save(conn, demo_data.COUNTY_CODE, regions.to_payload(t))
        paths.append(str(path))
    return paths


def main() -> int:
    demo = _tool("demo")
    if not os.environ.get("DISPLAY"):
        return subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, __file__])  # noqa: S603,S607
    GUIDE.mkdir(parents=True, exist_ok=True)
    demo.DEMO.mkdir(parents=True, exist_ok=True)
    stores = build_stores(demo)
    demo.build_translations()
    demo.write_profile()
    script = demo.DEMO / "threshold_shots.py"
    script.write_text(SHOTS.format(stores=stores, guide=str(GUIDE), ready=str(demo.READY), log=str(demo.LOG)),
                      encoding="utf-8")  # fmt: skip
    for f in (demo.READY, demo.LOG):
        f.unlink(missing_ok=True)
    proc = subprocess.Popen(demo.qgis_command(script), env=demo.qgis_env(), cwd=ROOT)  # noqa: S603
    try:
        deadline = time.monotonic() + 240
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
