"""Printed forms (PDF) from QGIS print layouts, made from the demo county and read back with poppler
(pdfinfo, pdftotext, pdffonts, pdfimages): the pages are there, the text is the store's, the
Chinese fonts are embedded, photos are placed, an atlas prints a whole list in one file."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess

import pytest
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QColor, QFont, QImage, QPainter
from shuibao.layers.photo_files import add_photo
from shuibao.model import THRESHOLDS, rules
from shuibao.reports import layouts
from shuibao.reports.data import Dataset, ReportError

OPTIONS = layouts.FormOptions("赣县区", "赣县区水土保持中心")


def rows(path, sql, *params):
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def store(small_store, qgis_app):
    return small_store


def make_photo(path) -> None:
    """A generated picture standing in for a site photo (a JPEG, as cameras write)."""
    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(QColor("#9dbb6c"))
    painter = QPainter(image)
    painter.fillRect(0, 0, 640, 200, QColor("#bcd7ee"))
    painter.setFont(QFont(layouts.font_family(layouts.TITLE_FONTS), 28))
    painter.drawText(image.rect(), int(Qt.AlignmentFlag.AlignCenter), "坝坡裂缝")
    painter.end()
    assert image.save(str(path), "JPG")


def test_inspection_record_has_the_checklist_signatures_and_the_photo(store, tmp_path):
    insp = rows(store, "SELECT * FROM dam_inspection WHERE result = 'major' AND crack_type <> 'none' LIMIT 1")[0]
    dam = rows(store, "SELECT * FROM dam WHERE uuid = ?", insp["dam_uuid"])[0]
    make_photo(tmp_path / "crack.jpg")
    add_photo(store, "dam_inspection", insp["uuid"], tmp_path / "crack.jpg", caption="坝顶裂缝近景")
    out = layouts.export_pdf(store, "dam_inspection", [insp["uuid"]], tmp_path / "inspection.pdf", OPTIONS)
    assert pages(out) == 2
    text = flat(pdf_text(out))
    for words in ("淤地坝安全检查记录表", dam["name"], dam["code"], dam["admin_person"], dam["tech_person"],
                  dam["patrol_person"], "坝体", "放水建筑物", "溢洪道", "防汛准备", "检查结论", "重大隐患",
                  insp["measures"], insp["deadline"], "检查人：" + insp["inspector"], "记录人：", "校核人：",
                  "日期：", "坝顶裂缝近景"):  # fmt: skip
        assert flat(words) in text, words
    if insp.get("crack_width", 0) >= THRESHOLDS["crack_flag_width"]:
        assert "达到预警值" in text
    images = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True).stdout
    assert len([line for line in images.splitlines()[2:] if line.strip()]) >= 1  # the photo is placed
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # every font embedded (the emb column)
    names = " ".join(line.split()[0] for line in fonts)
    assert any(face in names for face in ("UMing", "SimSun", "NotoSerifCJK")), names  # a Song face for the text


def test_hazard_notice_and_closing_sheet(store, tmp_path):
    hazard = rows(store, "SELECT * FROM dam_hazard ORDER BY deadline LIMIT 1")[0]
    dam = rows(store, "SELECT * FROM dam WHERE uuid = ?", hazard["dam_uuid"])[0]
    out = layouts.export_pdf(store, "dam_hazard", [hazard["uuid"]], tmp_path / "notice.pdf", OPTIONS)
    assert pages(out) == 2
    text = flat(pdf_text(out))
    deadline = hazard["deadline"].split("-")
    for words in ("淤地坝安全隐患整改通知书", hazard["responsible_person"] + "：", dam["name"], hazard["description"],
                  f"请于{int(deadline[0])}年{int(deadline[1])}月{int(deadline[2])}日前完成整改", "赣县区水土保持中心（盖章）",
                  "签收人：", "淤地坝安全隐患整改销号单", "复查人：", "审核人：", "销号日期："):  # fmt: skip
        assert flat(words) in text, words


def test_benggang_survey_sheet_prints_the_chosen_survey(store, tmp_path):
    survey = rows(store, "SELECT * FROM patch_survey ORDER BY surveyed_at LIMIT 1")[0]
    patch = rows(store, "SELECT * FROM patch WHERE uuid = ?", survey["patch_uuid"])[0]
    out = layouts.export_pdf(store, "patch_survey", [survey["uuid"]], tmp_path / "survey.pdf", OPTIONS)
    assert pages(out) == 2
    text = flat(pdf_text(out))
    for words in ("崩岗调查表", patch["code"], patch["name"], patch["township"], "调查内容", "治理措施",
                  survey["surveyor"], f"{survey['depth']:g}", "调查人：" + survey["surveyor"], "记录人：", "校核人："):  # fmt: skip
        assert flat(words) in text, words
    blank = layouts.export_pdf(store, "patch_survey", [rows(store, "SELECT uuid FROM patch WHERE uuid NOT IN"
                               " (SELECT patch_uuid FROM patch_survey) LIMIT 1")[0]["uuid"]], tmp_path / "blank.pdf",
                               OPTIONS)  # fmt: skip
    assert pages(blank) == 2 and "调查人：" in flat(pdf_text(blank))  # a sheet to take to the field


def test_acceptance_record_computes_its_rates_from_the_checks(store, tmp_path):
    acc = rows(store, "SELECT * FROM watershed_acceptance WHERE step = 'signed'")[0]
    shed = rows(store, "SELECT * FROM watershed WHERE uuid = ?", acc["watershed_uuid"])[0]
    checks = rows(store, "SELECT * FROM spot_check WHERE acceptance_uuid = ?", acc["uuid"])
    figures = rules.acceptance_figures(checks, THRESHOLDS)
    out = layouts.export_pdf(store, "watershed_acceptance", [acc["uuid"]], tmp_path / "acceptance.pdf", OPTIONS)
    assert pages(out) >= 2
    text = flat(pdf_text(out))
    for words in (f"{shed['name']}竣工验收鉴定书", "抽样图斑数", str(figures["sampled_count"]), "抽查合格率",
                  f"{figures['pass_rate']:g}", "验收结论", "通过" if figures["verdict"] == "pass" else "不通过",
                  "抽查图斑核查结果", "验收人：" + acc["acceptor"], f"共{len(checks)}个"):  # fmt: skip
        assert flat(words) in text, words
    spots = rows(store, "SELECT spot_code FROM watershed_spot WHERE uuid IN (SELECT spot_uuid FROM spot_check"
                 " WHERE acceptance_uuid = ?)", acc["uuid"])  # fmt: skip
    assert all(s["spot_code"] in text for s in spots)


def test_atlas_prints_a_whole_list_in_one_file(store, tmp_path):
    inspections = rows(store, "SELECT i.uuid, d.code FROM dam_inspection i JOIN dam d ON d.uuid = i.dam_uuid"
                       " ORDER BY i.inspected_at LIMIT 6")  # fmt: skip
    out = layouts.export_pdf(store, "dam_inspection", [i["uuid"] for i in inspections], tmp_path / "atlas.pdf",
                             OPTIONS)  # fmt: skip
    assert pages(out) == 2 * len(inspections)
    for i, inspection in enumerate(inspections):  # in the order given, one record per two pages
        page = subprocess.run(["pdftotext", "-f", str(2 * i + 1), "-l", str(2 * i + 1), str(out), "-"],
                              capture_output=True, text=True, check=True).stdout  # fmt: skip
        assert inspection["code"] in page


def test_nothing_to_print_is_said_and_no_file_is_left(store, tmp_path):
    with pytest.raises(ReportError) as caught:
        layouts.export_pdf(store, "watershed_acceptance", ["00000000-0000-4000-8000-000000000000"],
                           tmp_path / "none.pdf", OPTIONS)  # fmt: skip
    assert caught.value.zh == "没有可打印的记录"
    assert not (tmp_path / "none.pdf").exists()


def test_pages_render_as_images(store, tmp_path):
    """Every page renders (pdftoppm) to a non-blank image: what a printer gets."""
    acc = Dataset(store).rows("watershed_acceptance")[0]
    out = layouts.export_pdf(store, "watershed_acceptance", [acc["uuid"]], tmp_path / "a.pdf", OPTIONS)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(out), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages(out)
    for image in images:
        picture = QImage(str(image))
        assert not picture.isNull()
        dark = sum(1 for x in range(0, picture.width(), 4) for y in range(0, picture.height(), 4)
                   if QColor(picture.pixel(x, y)).lightness() < 128)  # fmt: skip
        assert dark > 50, image


pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
