"""Screenshots of the register import dialog for the user guide (docs/guide/import-*.png).

    .venv/bin/python tools/demo.py --no-qgis --no-server   # the demo store, once
    .venv/bin/python tools/import_screenshots.py [--out DIR]   # default docs/guide

Runs real QGIS in Chinese (under Xvfb when there is no display) with the demo profile, opens the
demo store and imports a sample ledger as a technician would: a CSV in EPSG:4547 with the northing
first and two bad rows. Look at each picture before committing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shotkit

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guide"

# Runs inside QGIS (Debian's Python): only QGIS, the plugin, the standard library and shotkit.
SHOTS = r"""
def start():
    main_window()
    plugin().open_store(path=STORE)
    dialog = keep(plugin().show_import())
    dialog.resize(980, 700)
    dialog.fileWidget.setFilePath(SAMPLE)
    later(4000, lambda: shot(dialog, "import-1-file.png", lambda: dialog.nextButton.click(), mapping))


def shot(dialog, name, then, after):
    save(dialog, OUT / name)
    then()
    later(4000, lambda: after(dialog))


def mapping(dialog):
    dialog.mappingTable.scrollToTop()
    shot(dialog, "import-2-mapping.png", lambda: dialog.nextButton.click(), report)


def report(dialog):
    shot(dialog, "import-3-report.png", lambda: dialog.importButton.click(), imported)


def imported(dialog):
    save(dialog, OUT / "import-4-done.png")
    log(dialog.summaryLabel.text())
    done()


later(2500, start)
"""


def _sample(path: Path) -> Path:
    rf = shotkit.tool("register_samples")
    rows = rf.dam_rows(40, lon0=114.98, lat0=25.86, prefix="XJ")
    rows[5]["坝高"] = "十二米"
    rows[9]["行政责任人"] = ""
    return rf.write_csv_gk(path, rows, epsg=4547)


def main() -> int:
    demo = shotkit.tool("demo")
    if not demo.STORE.exists():
        sys.exit(f"{demo.STORE} is missing: run `.venv/bin/python tools/demo.py --no-qgis --no-server` first")
    args = shotkit.arguments(shotkit.parser(__doc__, GUIDE))
    sample = _sample(demo.DEMO / "赣县区新建淤地坝名录.csv")
    ok = shotkit.run_qgis(demo.DEMO / "import-shots", SHOTS, store=str(demo.STORE), sample=str(sample), out=args.out)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
