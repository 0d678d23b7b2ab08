"""Ledgers, forms and the statistics panel made from the demo county, for looking at and for the guide.

    .venv/bin/python tools/report_shots.py [--out DIR]   # the guide's pictures; default docs/guide

Builds the demo county into build/demo/reports/ganxian.gpkg (tools/demo_data.py; three generated
pictures stand in for site photos and say so), writes every ledger and the statistics to Excel and
each form (one record, and an atlas) to PDF there, renders the PDF pages to PNG (pdftoppm), then
runs QGIS in zh_CN (under Xvfb without a display) and grabs the statistics panel and a dock's
导出/打印 menu. The pictures that tell the most go to docs/guide/. Look at every one before
committing it.
"""

from __future__ import annotations

import sqlite3
import subprocess  # nosec B404 - fixed argv
import sys
from pathlib import Path

import shotkit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "demo" / "reports"
GUIDE = ROOT / "docs" / "guide"
STORE = OUT / "ganxian.gpkg"
COUNTY, UNIT = "赣县区", "赣县区水土保持中心"

# Runs inside QGIS (its own Python): QGIS, the plugin, the standard library and shotkit.
SHOTS = r"""
from qgis.PyQt.QtCore import QPoint, QRect


def start():
    main_window()
    plugin().open_store(path=STORE)
    # as the county technician sees it, offline: the identity kept from the technician's last login
    from shuibao import settings

    settings.remember_identity(settings.server_url(), {"username": "demo_tech", "role": "technician",
                                                      "counties": ["360704"]})
    stats = plugin().reports_ui.dock
    stats.setUserVisible(True)
    stats.setFloating(True)
    stats.setGeometry(200, 40, 680, 940)
    stats.refresh()
    later(1500, lambda: grab_stats(0))


TABS = (("targets", "screenshot-stats-targets.png"), ("benggang", "screenshot-stats-benggang.png"),
        ("hazards", "screenshot-stats-hazards.png"))


def grab_stats(i):
    stats = plugin().reports_ui.dock
    name, file = TABS[i]
    stats.contents.tabs.setCurrentIndex(stats.TABS.index(name))
    def grab():
        save(stats, OUT / file)
        if i + 1 < len(TABS):
            later(300, lambda: grab_stats(i + 1))
        else:
            stats.setUserVisible(False)
            later(500, menu)
    later(800, grab)


def menu():
    dock = show_dock("ShuibaoDamDock", 470)
    dock.layer.selectByIds([first(dock.layer, "hazard_status = 'dangerous'").id()])
    button = dock.report_button
    def shoot():
        area = QRect(dock.mapToGlobal(QPoint(0, 0)), dock.size()).united(button.menu().geometry())
        area.setHeight(min(area.height(), 560))
        grab_screen(OUT / "screenshot-dock-export-menu.png", area)
        button.menu().close()
        later(300, done)
    later(1500, lambda: (later(900, shoot), button.showMenu()))  # showMenu() waits until the menu closes


later(2000, start)
"""


def photo(path: Path, words: str, ground: str) -> None:
    """A generated picture in place of a site photo (the demo has no camera), labelled as such."""
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtGui import QColor, QFont, QImage, QPainter

    image = QImage(800, 600, QImage.Format.Format_RGB32)
    image.fill(QColor(ground))
    painter = QPainter(image)
    painter.fillRect(0, 0, 800, 230, QColor("#bcd7ee"))
    painter.setFont(QFont("WenQuanYi Zen Hei", 34))
    painter.drawText(image.rect(), int(Qt.AlignmentFlag.AlignCenter), f"{words}\n（示例图片）")
    painter.end()
    image.save(str(path), "JPG")


def build_store() -> None:
    shotkit.fresh_demo_store(STORE)
    from shuibao.layers.photo_files import add_photo

    conn = sqlite3.connect(STORE)
    insp = conn.execute("SELECT uuid FROM dam_inspection WHERE result = 'major' AND crack_type <> 'none'"
                        " ORDER BY inspected_at DESC LIMIT 1").fetchone()[0]  # fmt: skip
    hazard = conn.execute("SELECT uuid FROM dam_hazard WHERE inspection_uuid = ?", (insp,)).fetchone()
    conn.close()
    for i, (words, ground) in enumerate(
        (("坝顶纵向裂缝", "#9dbb6c"), ("背水坡渗水", "#b7a37a"), ("放水卧管进口", "#8aa4b8"))
    ):
        path = OUT / f"photo{i}.jpg"
        photo(path, words, ground)
        add_photo(STORE, "dam_inspection", insp, path, caption=words, taken_at="2025-06-02T03:10:00Z")
    if hazard:
        add_photo(STORE, "dam_hazard", hazard[0], OUT / "photo0.jpg", caption="坝顶纵向裂缝")


def reports() -> list[Path]:
    """Every ledger, the statistics and each form from the demo store; returns the PDFs."""
    from shuibao.reports import excel, layouts, ledgers, stats
    from shuibao.reports.data import Dataset

    ds = Dataset(STORE)
    excel.write_workbook(OUT / "ledgers.xlsx", ledgers.make_tables(ds, ledgers.LEDGERS, ledgers.Filter(), "zh", COUNTY))
    opts = stats.default_options(ds)
    excel.write_workbook(OUT / "statistics.xlsx", stats.statistics_tables(ds, opts, "zh", COUNTY), stats.charts("zh"))
    conn = sqlite3.connect(STORE)
    picks = {
        "dam_inspection": conn.execute("SELECT parent_uuid FROM photo WHERE parent_kind = 'dam_inspection'").fetchone()[0],
        "dam_hazard": conn.execute("SELECT parent_uuid FROM photo WHERE parent_kind = 'dam_hazard'").fetchone()[0],
        "patch_survey": conn.execute("SELECT s.uuid FROM patch_survey s JOIN patch p ON p.uuid = s.patch_uuid"
                                     " WHERE p.treatment_status = 'treating' LIMIT 1").fetchone()[0],
        "watershed_acceptance": conn.execute("SELECT uuid FROM watershed_acceptance WHERE step = 'signed'").fetchone()[0],
    }  # fmt: skip
    options = layouts.FormOptions(COUNTY, UNIT)
    pdfs = []
    for form, uuid in picks.items():
        pdfs.append(layouts.export_pdf(STORE, form, [uuid], OUT / f"{form}.pdf", options))
    town = [r[0] for r in conn.execute("SELECT i.uuid FROM dam_inspection i JOIN dam d ON d.uuid = i.dam_uuid"
                                        " WHERE d.township = '梅林镇' ORDER BY i.inspected_at DESC LIMIT 10")]  # fmt: skip
    pdfs.append(layouts.export_pdf(STORE, "dam_inspection", town, OUT / "atlas-inspections.pdf", options))
    return pdfs


def render(pdfs: list[Path], guide: Path) -> None:
    for pdf in pdfs:
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(OUT / pdf.stem)], check=True)  # noqa: S603,S607
    for form in ("dam_inspection", "dam_hazard", "patch_survey", "watershed_acceptance"):
        for page in sorted(OUT.glob(f"{form}-*.png"))[:2]:
            subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", page.stem.split("-")[-1], "-l",  # noqa: S603,S607
                            page.stem.split("-")[-1], "-singlefile", str(OUT / f"{form}.pdf"),
                            str(guide / f"form-{form.replace('_', '-')}-{int(page.stem.split('-')[-1])}")], check=True)  # fmt: skip


def main() -> int:
    args = shotkit.arguments(shotkit.parser(__doc__, GUIDE))
    shotkit.qgis_app()  # the photos, the PDFs and the store's writer need QGIS
    build_store()
    render(reports(), args.out)
    ok = shotkit.run_qgis(OUT / "work", SHOTS, store=str(STORE), out=args.out)
    for path in sorted(args.out.glob("*.png")):
        print(path)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
