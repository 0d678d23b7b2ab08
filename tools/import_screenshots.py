"""Screenshots of the register import dialog for the user guide (docs/guide/import-*.png).

    .venv/bin/python tools/demo.py --no-qgis --no-server   # the demo store, once
    .venv/bin/python tools/import_screenshots.py

Runs real QGIS in Chinese (under Xvfb when there is no display) with the demo profile, opens the
demo store and imports a sample ledger as a technician would: a CSV in EPSG:4547 with the northing
first and two bad rows. Look at each picture before committing it.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess  # nosec B404 - fixed argv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guide"

# Runs inside QGIS (Debian's Python): only QGIS, the plugin and the standard library.
SHOTS = r"""
import traceback
from pathlib import Path

from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface, plugins

STORE, SAMPLE, GUIDE = {store!r}, {sample!r}, Path({guide!r})
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
    iface.mainWindow().showMaximized()
    plugin = plugins["shuibao"]
    plugin.open_store(path=STORE)
    dialog = plugin.show_import()
    dialog.resize(980, 700)
    _keep.append(dialog)
    dialog.fileWidget.setFilePath(SAMPLE)
    later(4000, lambda: shot(dialog, "import-1-file.png", lambda: dialog.nextButton.click(), mapping))


def shot(dialog, name, then, after):
    dialog.grab().save(str(GUIDE / name))
    log("saved %s" % name)
    then()
    later(4000, lambda: after(dialog))


def mapping(dialog):
    dialog.mappingTable.scrollToTop()
    shot(dialog, "import-2-mapping.png", lambda: dialog.nextButton.click(), report)


def report(dialog):
    shot(dialog, "import-3-report.png", lambda: dialog.importButton.click(), done)


def done(dialog):
    dialog.grab().save(str(GUIDE / "import-4-done.png"))
    log("saved import-4-done.png: %s" % dialog.summaryLabel.text())
    READY.write_text("done")


later(2500, start)
"""


def _demo():
    spec = importlib.util.spec_from_file_location("shuibao_tools_demo", ROOT / "tools" / "demo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _sample(path: Path) -> Path:
    spec = importlib.util.spec_from_file_location("register_samples", ROOT / "tools" / "register_samples.py")
    rf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rf)
    rows = rf.dam_rows(40, lon0=114.98, lat0=25.86, prefix="XJ")
    rows[5]["坝高"] = "十二米"
    rows[9]["行政责任人"] = ""
    return rf.write_csv_gk(path, rows, epsg=4547)


def main() -> int:
    demo = _demo()
    if not demo.STORE.exists():
        sys.exit(f"{demo.STORE} is missing: run `.venv/bin/python tools/demo.py --no-qgis --no-server` first")
    if not os.environ.get("DISPLAY"):
        return subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, __file__])  # noqa: S603,S607
    GUIDE.mkdir(parents=True, exist_ok=True)
    demo.build_translations()
    demo.write_profile()
    sample = _sample(demo.DEMO / "赣县区新建淤地坝名录.csv")
    script = demo.DEMO / "import_shots.py"
    script.write_text(SHOTS.format(store=str(demo.STORE), sample=str(sample), guide=str(GUIDE),
                                   ready=str(demo.READY), log=str(demo.LOG)), encoding="utf-8")  # fmt: skip
    for f in (demo.READY, demo.LOG):
        f.unlink(missing_ok=True)
    proc = subprocess.Popen(demo.qgis_command(script), env=demo.qgis_env(), cwd=ROOT)  # noqa: S603
    try:
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
