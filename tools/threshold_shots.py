"""Screenshots of thresholds that follow the region (docs/guide/thresholds-*.png).

    .venv/bin/python tools/threshold_shots.py [--out DIR]   # default docs/guide

Builds the demo county 赣县区 as it would be on 5 May 2026 if it had patrolled at the cadence the
plugin asked for before (the northern defaults: 5 May is outside the flood season, twice a week),
with two sets of thresholds: Jiangxi's as the server delivers it (main flood season since 1 April:
twice a day) and the northern defaults. Runs real QGIS in Chinese (under Xvfb when there is no
display) with the plugin's clock on that day, shows the dam dock's overdue list under each, and the
thresholds viewer. Look at each picture.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import shotkit

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guide"
DAY = dt.date(2026, 5, 5)

# Runs inside QGIS (Debian's Python): only QGIS, the plugin, the standard library and shotkit.
SHOTS = r"""
import datetime as dt

from qgis.core import QgsProject
from qgis.utils import iface


def start():
    from shuibao.ui import feature_model

    feature_model.utc_now = lambda: dt.datetime(2026, 5, 5, 17, 0, tzinfo=dt.timezone.utc)
    main_window()
    dock_of(0)


def dock_of(i):
    QgsProject.instance().clear()
    plugin().open_store(path=STORES[i])
    show_dock("ShuibaoDamDock")
    later(4000, lambda: grab_dock(i))


def grab_dock(i):
    dock = plugin().dock("ShuibaoDamDock")
    dock.reload()
    c = dock.contents
    c.dueCombo.setCurrentIndex(c.dueCombo.findData("overdue"))
    name = ("thresholds-dock-jiangxi.png", "thresholds-dock-north.png")[i]
    later(1500, lambda: save_dock(i, dock, name))


def save_dock(i, dock, name):
    save(iface.mainWindow(), OUT / name)
    log("%s | %s" % (dock.contents.summaryLabel.text(), dock.contents.countLabel.text()))
    if i == 0:
        later(500, lambda: dock_of(1))
    else:
        later(500, viewer)


def viewer():
    QgsProject.instance().clear()
    plugin().open_store(path=STORES[0])
    dialog = keep(plugin().show_thresholds())
    dialog.resize(1280, 760)
    later(2000, lambda: save_viewer(dialog))


def save_viewer(dialog):
    save(dialog, OUT / "thresholds-viewer.png")
    log(dialog.deliveryLabel.text())
    done()


later(2500, start)
"""


def build_stores(demo) -> list[str]:
    """The demo county on DAY under Jiangxi's set (as delivered), and under the northern defaults."""
    from shuibao.layers import thresholds
    from shuibao.model import THRESHOLDS, regions
    from shuibao.model.schema import Thresholds

    demo_data = shotkit.tool("demo_data")
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
    args = shotkit.arguments(shotkit.parser(__doc__, GUIDE))
    demo = shotkit.tool("demo")
    demo.DEMO.mkdir(parents=True, exist_ok=True)
    stores = build_stores(demo)
    ok = shotkit.run_qgis(demo.DEMO / "threshold-shots", SHOTS, timeout=240, stores=stores, out=args.out)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
