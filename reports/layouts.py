"""Printed forms (PDF) from QGIS print layouts: one record, or an atlas of many in one file.

Each form is a QgsPrintLayout built in code on A4 (labels, grid tables, photos, a map inset with
scale bar and north arrow, signature lines). The layout's atlas runs over the records to print (a
layer of the store filtered to their uuids); on each atlas feature the form fills its items from
the store (:mod:`.data`), so the values read exactly as in the ledgers. Maps draw the store's own
layers with the plugin's styles, projected to the record's CGCS2000 Gauss-Krüger zone, plus a
highlight of the record; no base map (the laptops are offline).

Fonts: a Song (宋体) face for the text and a Hei (黑体) face for titles, the first installed of
SimSun/SimHei (Windows), AR PL UMing/WenQuanYi Zen Hei (Debian) and Noto CJK. Qt writes text of
the Noto CJK faces into PDFs with CJK radicals in place of some characters (长 → ⻓) when copied
or searched, so the Debian faces come before Noto.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsFeatureRequest,
    QgsFeedback,
    QgsFillSymbol,
    QgsGeometry,
    QgsLayoutExporter,
    QgsLayoutFrame,
    QgsLayoutItem,
    QgsLayoutItemLabel,
    QgsLayoutItemManualTable,
    QgsLayoutItemMap,
    QgsLayoutItemPage,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsLayoutMultiFrame,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsPrintLayout,
    QgsProject,
    QgsRectangle,
    QgsRenderContext,
    QgsSingleSymbolRenderer,
    QgsTableCell,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QColor, QFont, QFontDatabase, QFontMetricsF, QImage

from ..layers import styles
from ..layers.forms import SECTIONS
from ..layers.photo_files import photo_path
from ..model import RECORD_KINDS, Thresholds, rules
from ..model.geodesy import gk_epsg
from .data import Dataset, ReportError, display, hazard_found_on, parse_date, pick, text

PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait, mm
MARGIN = 18.0
WIDTH = PAGE_W - 2 * MARGIN
BODY_FONTS = ("SimSun", "宋体", "AR PL UMing CN", "Noto Serif CJK SC", "Source Han Serif SC")
TITLE_FONTS = ("SimHei", "黑体", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Source Han Sans SC")
LABEL_FILL = QColor("#eef2f6")
HIGHLIGHT = "#d62728"


def font_family(choices: tuple[str, ...]) -> str:
    """The first installed family of ``choices`` (Qt falls back by itself when none is)."""
    installed = set(QFontDatabase().families())
    return next((c for c in choices if c in installed), choices[-1])


@dataclass
class FormOptions:
    county_name: str = ""
    unit_name: str = ""  # who issues the form, e.g. 赣县区水土保持中心
    lang: str = "zh"

    def unit(self) -> str:
        return self.unit_name or pick(self.lang, f"{self.county_name}水土保持中心", f"{self.county_name} SWC centre")


# --- building blocks ------------------------------------------------------------------------------


class Sheet:
    """Places items on an A4 print layout, in millimetres from the top left of a page."""

    def __init__(self, project: QgsProject, pages: int):
        self.layout = QgsPrintLayout(project)
        self.layout.initializeDefaults()
        collection = self.layout.pageCollection()
        collection.page(0).setPageSize(QgsLayoutSize(PAGE_W, PAGE_H))
        for _ in range(pages - 1):
            page = QgsLayoutItemPage(self.layout)
            page.setPageSize(QgsLayoutSize(PAGE_W, PAGE_H))
            collection.addPage(page)
        self.body = font_family(BODY_FONTS)
        self.title_face = font_family(TITLE_FONTS)

    def _place(self, item, page: int, x: float, y: float, w: float, h: float) -> None:
        item.attemptMove(QgsLayoutPoint(x, y), page=page)
        item.attemptResize(QgsLayoutSize(w, h))

    def label(self, page: int, x: float, y: float, w: float, h: float, text: str = "", size: float = 10.5,
              title: bool = False, align=Qt.AlignmentFlag.AlignLeft) -> QgsLayoutItemLabel:  # fmt: skip
        item = QgsLayoutItemLabel(self.layout)
        font = QFont(self.title_face if title else self.body)
        font.setPointSizeF(size)
        item.setFont(font)
        item.setText(text)
        item.setHAlign(align)
        item.setVAlign(Qt.AlignmentFlag.AlignTop)
        item.setMarginX(0)
        item.setMarginY(0)
        self.layout.addLayoutItem(item)
        self._place(item, page, x, y, w, h)
        return item

    def title(self, page: int, y: float, text: str, size: float = 18) -> QgsLayoutItemLabel:
        return self.label(page, MARGIN, y, WIDTH, size * 0.6, text, size, True, Qt.AlignmentFlag.AlignHCenter)

    def footer(self, page: int, text: str) -> QgsLayoutItemLabel:
        return self.label(page, MARGIN, PAGE_H - 12, WIDTH, 5, text, 8, False, Qt.AlignmentFlag.AlignHCenter)

    def grid(self, page: int, x: float, y: float, w: float, h: float, widths: tuple[float, ...],
             size: float = 9.5, flow: bool = False, row_height: float = 0) -> Grid:  # fmt: skip
        table = QgsLayoutItemManualTable.create(self.layout)
        self.layout.addMultiFrame(table)
        frame = QgsLayoutFrame(self.layout, table)
        self._place(frame, page, x, y, w, h)
        table.addFrame(frame)
        return Grid(self, table, frame, widths, size, flow, row_height)

    def picture(self, page: int, x: float, y: float, w: float, h: float) -> QgsLayoutItemPicture:
        item = QgsLayoutItemPicture(self.layout)
        item.setResizeMode(QgsLayoutItemPicture.ResizeMode.Zoom)
        item.setPictureAnchor(QgsLayoutItem.ReferencePoint.Middle)
        item.setFrameEnabled(True)
        item.setFrameStrokeColor(QColor("#9e9e9e"))
        self.layout.addLayoutItem(item)
        self._place(item, page, x, y, w, h)
        return item

    def map(self, page: int, x: float, y: float, w: float, h: float, layers: list[QgsVectorLayer]) -> MapInset:
        item = QgsLayoutItemMap(self.layout)
        item.setLayers(layers)
        item.setKeepLayerSet(True)
        item.setFrameEnabled(True)
        item.setBackgroundColor(QColor("#fbfaf5"))
        self.layout.addLayoutItem(item)
        self._place(item, page, x, y, w, h)
        scale = QgsLayoutItemScaleBar(self.layout)
        scale.setLinkedMap(item)
        scale.setStyle("Single Box")
        scale.setUnits(QgsUnitTypes.DistanceUnit.DistanceMeters)
        scale.setUnitLabel("m")
        scale.setNumberOfSegments(2)
        scale.setNumberOfSegmentsLeft(0)
        fmt = QgsTextFormat()
        fmt.setFont(QFont(self.body))
        fmt.setSize(7)
        scale.setTextFormat(fmt)
        scale.setBackgroundEnabled(True)
        self.layout.addLayoutItem(scale)
        scale.attemptMove(QgsLayoutPoint(x + 3, y + h - 11), page=page)
        north = QgsLayoutItemPicture(self.layout)
        north.setPicturePath(_north_arrow())
        self.layout.addLayoutItem(north)
        self._place(north, page, x + w - 10, y + 2, 8, 12)
        return MapInset(item, scale)


class MapInset:
    """A map item and its scale bar."""

    def __init__(self, item: QgsLayoutItemMap, scalebar: QgsLayoutItemScaleBar):
        self.item, self.scalebar = item, scalebar

    def zoom(self, geometry: QgsGeometry | None, min_scale: float, margin: float = 1.3) -> None:
        """Centre on ``geometry`` in its Gauss-Krüger zone, at ``min_scale`` or further out to fit it."""
        if geometry is None or geometry.isEmpty():
            return
        crs = QgsCoordinateReferenceSystem(f"EPSG:{gk_epsg(geometry.centroid().asPoint().x())}")
        self.item.setCrs(crs)
        projected = QgsGeometry(geometry)
        projected.transform(QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4490"), crs,
                                                   self.item.layout().project()))  # fmt: skip
        box = projected.boundingBox()
        size = self.item.rect()
        ratio = size.width() / size.height()
        half_w = max(box.width() * margin, box.height() * margin * ratio, min_scale * size.width() / 1000.0) / 2
        half_h = half_w / ratio
        c = box.center()
        # setExtent, not zoomToExtent: the latter needs a project CRS, which Processing runs may lack.
        self.item.setExtent(QgsRectangle(c.x() - half_w, c.y() - half_h, c.x() + half_w, c.y() + half_h))
        self.item.refresh()
        self.scalebar.applyDefaultSize(QgsUnitTypes.DistanceUnit.DistanceMeters)
        self.scalebar.update()


CELL_MARGIN = 1.2
GRID_STROKE = 0.25
MEASURE_DPI = 600


def text_width_mm(font: QFont, size: float, line: str) -> float:
    """How wide ``line`` prints in ``font`` at ``size`` points."""
    sized = QFont(font)
    sized.setPointSizeF(size)
    image = QImage(1, 1, QImage.Format.Format_Mono)
    image.setDotsPerMeterX(round(MEASURE_DPI / 0.0254))
    image.setDotsPerMeterY(round(MEASURE_DPI / 0.0254))
    return QFontMetricsF(sized, image).horizontalAdvance(line) / MEASURE_DPI * 25.4


def wrap(line: str, font: QFont, size: float, width: float) -> str:
    """Break ``line`` to fit ``width`` mm. QGIS tables wrap at spaces only, and Chinese has none:
    break between characters, keeping a Latin word (a code, a number) whole when it fits."""
    out: list[str] = []
    for paragraph in line.split("\n"):
        current = ""
        for token in re.findall(r"[A-Za-z0-9_.\-/]+|\s+|.", paragraph):
            if current and text_width_mm(font, size, current + token) > width:
                out.append(current.rstrip())
                current = token.lstrip()
            else:
                current += token
        out.append(current)
    return "\n".join(out)


class Grid:
    """A manual table in one frame (or flowing over new pages): rows of text cells, wrapped to the
    column widths, label cells shaded."""

    def __init__(self, sheet: Sheet, table: QgsLayoutItemManualTable, frame: QgsLayoutFrame,
                 widths: tuple[float, ...], size: float, flow: bool, row_height: float = 0):  # fmt: skip
        self.sheet, self.table, self.frame, self.size = sheet, table, frame, size
        # QGIS adds the cell margins and the grid line to each column's width.
        self.widths = [w - 2 * CELL_MARGIN - GRID_STROKE for w in widths]
        self.row_height = row_height
        self.font = QFont(sheet.body)
        table.setIncludeTableHeader(False)
        table.setShowGrid(True)
        table.setGridStrokeWidth(GRID_STROKE)
        table.setGridColor(QColor("#404040"))
        table.setCellMargin(CELL_MARGIN)
        table.setContentTextFormat(self._format(False))
        table.setColumnWidths(self.widths)
        if flow:
            table.setResizeMode(QgsLayoutMultiFrame.ResizeMode.RepeatUntilFinished)

    def _format(self, bold: bool) -> QgsTextFormat:
        fmt = QgsTextFormat()
        font = QFont(self.sheet.body)
        font.setBold(bold)
        fmt.setFont(font)
        fmt.setSize(self.size)
        fmt.setColor(QColor("#000000"))
        return fmt

    def set_rows(self, rows: list[list[Any]], label_columns: tuple[int, ...] = (), header: bool = False) -> None:
        """Fill the table; ``label_columns`` are shaded (label cells), a header row is bold and shaded."""
        contents = []
        for r, row in enumerate(rows):
            cells = []
            for c, value in enumerate(row):
                words = value if isinstance(value, str) else text(value)
                cell = QgsTableCell(
                    wrap(words, self.font, self.size, self.widths[c]) if c < len(self.widths) else words
                )
                if c in label_columns or (header and r == 0):
                    cell.setBackgroundColor(LABEL_FILL)
                    cell.setTextFormat(self._format(header and r == 0))
                    cell.setHorizontalAlignment(Qt.AlignmentFlag.AlignHCenter if header and r == 0
                                                else Qt.AlignmentFlag.AlignLeft)  # fmt: skip
                cells.append(cell)
            contents.append(cells)
        self.table.setTableContents(contents)
        self.table.setColumnWidths(self.widths)
        if self.row_height:
            self.table.setRowHeights([self.row_height] * len(rows))
        self.table.recalculateFrameSizes()


def _north_arrow() -> str:
    for folder in QgsApplication.svgPaths():
        path = Path(folder) / "arrows" / "NorthArrow_02.svg"
        if path.is_file():
            return str(path)
    return ""


class Signatures:
    """A row of signature fields (检查人：张三＿＿＿ 记录人：＿＿＿ … 日期：…), one label each."""

    SIZE = 10.5

    def __init__(self, sheet: Sheet, page: int, y: float, roles: list[str]):
        self.width = WIDTH / len(roles) - 3
        self.roles, self.font = roles, QFont(sheet.body)
        self.labels = [sheet.label(page, MARGIN + i * (self.width + 3), y, self.width, 7, "", self.SIZE)
                       for i in range(len(roles))]  # fmt: skip

    def set(self, names: list[str | None]) -> None:
        underscore = text_width_mm(self.font, self.SIZE, "_")
        for role, name, label in zip(self.roles, names, self.labels):
            words = f"{role}：{name or ''}"
            room = self.width - text_width_mm(self.font, self.SIZE, words) - 1
            label.setText(words + "_" * max(int(room / underscore), 3))


# --- the store's layers for the maps ------------------------------------------------------------


class MapLayers:
    """The store's layers (styled as in the project) and a highlight layer per form, kept alive for
    the export; the map items hold only references."""

    def __init__(self, store: Path, lang: str):
        self.store, self.lang = store, lang
        self.layers: dict[str, QgsVectorLayer] = {}
        self.highlights: list[QgsVectorLayer] = []

    def get(self, kind: str) -> QgsVectorLayer:
        if kind not in self.layers:
            layer = QgsVectorLayer(f"{self.store}|layername={kind}", RECORD_KINDS[kind].label(self.lang), "ogr")
            if not layer.isValid():
                raise ReportError(f"数据文件中没有图层 {kind}", f"the store has no layer {kind}")
            styles.apply_style(layer, kind, self.lang)
            self.layers[kind] = layer
        return self.layers[kind]

    def highlight(self, geometry: str, outline: bool = True, label_field: str | None = None) -> QgsVectorLayer:
        """An empty memory layer (EPSG:4490) drawn in red over the map: the record printed."""
        layer = QgsVectorLayer(f"{geometry}?crs=EPSG:4490&field=label:string", "highlight", "memory")
        if geometry == "Point":
            symbol = QgsMarkerSymbol.createSimple({"name": "circle", "color": "255,255,255,0", "outline_color": HIGHLIGHT,
                                                   "outline_width": "0.8", "size": "7"})  # fmt: skip
        else:
            symbol = QgsFillSymbol.createSimple({"color": "214,39,40,40" if not outline else "255,255,255,0",
                                                 "outline_color": HIGHLIGHT, "outline_width": "0.7"})  # fmt: skip
        layer.setRenderer(QgsSingleSymbolRenderer(symbol))
        if label_field:
            settings = QgsPalLayerSettings()
            settings.fieldName = label_field
            fmt = QgsTextFormat()
            fmt.setFont(QFont(font_family(BODY_FONTS)))
            fmt.setSize(6.5)
            fmt.setColor(QColor(HIGHLIGHT))
            settings.setFormat(fmt)
            layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
            layer.setLabelsEnabled(True)
        self.highlights.append(layer)
        return layer

    def geometry(self, kind: str, uuid: str | None) -> QgsGeometry | None:
        if not uuid:
            return None
        request = QgsFeatureRequest().setFilterExpression(f"\"uuid\" = '{_quote(uuid)}'")
        for feature in self.get(kind).getFeatures(request):
            return QgsGeometry(feature.geometry())
        return None


def _quote(value: str) -> str:
    return value.replace("'", "''")


def set_highlight(layer: QgsVectorLayer, shapes: list[tuple[QgsGeometry, str]]) -> None:
    provider = layer.dataProvider()
    provider.truncate()
    features = []
    for geometry, label in shapes:
        feature = QgsFeature(layer.fields())
        feature.setGeometry(geometry)
        feature.setAttributes([label])
        features.append(feature)
    provider.addFeatures(features)
    layer.updateExtents()
    layer.triggerRepaint()


# --- forms ----------------------------------------------------------------------------------------


class Form:
    """A printed form of one record kind. Subclasses build their items once and fill them per record."""

    name = ""
    kind = ""
    zh = en = ""
    menu = ("", "")  # the form's name in menus (zh, en)
    pages = 1

    @classmethod
    def menu_label(cls, lang: str) -> str:
        return pick(lang, *cls.menu)

    def __init__(self, ds: Dataset, options: FormOptions, project: QgsProject | None = None):
        self.ds, self.options, self.lang = ds, options, options.lang
        self.project = project or QgsProject()
        self.maps = MapLayers(ds.path, self.lang)
        self.sheet = Sheet(self.project, self.pages)
        self.build()

    @property
    def layout(self) -> QgsPrintLayout:
        return self.sheet.layout

    def t(self, zh: str, en: str) -> str:
        return pick(self.lang, zh, en)

    def title(self) -> str:
        return self.t(self.zh, self.en)

    def build(self) -> None:
        raise NotImplementedError

    def fill(self, record: dict[str, Any]) -> None:
        raise NotImplementedError

    def records(self, uuids: list[str]) -> list[dict[str, Any]]:
        """The records to print, in order (uuids of the form's kind, or of an object whose records it prints)."""
        found = [self.ds.get(self.kind, u) for u in uuids]
        return [r for r in found if r is not None]

    # helpers shared by the forms
    def value(self, kind: str, record: dict[str, Any] | None, name: str) -> str:
        if not record:
            return ""
        return text(display(RECORD_KINDS[kind].field(name), record.get(name), self.lang))

    def pairs(self, kind: str, record: dict[str, Any] | None, names: list[str]) -> list[list[str]]:
        """Rows of four cells: label, value, label, value."""
        cells = [(RECORD_KINDS[kind].field(n).label(self.lang), self.value(kind, record, n)) for n in names]
        rows = []
        for i in range(0, len(cells), 2):
            left, right = cells[i], cells[i + 1] if i + 1 < len(cells) else ("", "")
            rows.append([left[0], left[1], right[0], right[1]])
        return rows

    def photos(self, owners: list[tuple[str, str | None]], limit: int) -> list[tuple[str | None, str]]:
        """Up to ``limit`` photos of the given records: (local file or None when not downloaded, caption)."""
        out = []
        for p in self.ds.rows("photo"):
            if (p.get("parent_kind"), p.get("parent_uuid")) in owners:
                path = photo_path(self.ds.path, p["sha256"]) if p.get("sha256") else None
                when = text(display(RECORD_KINDS["photo"].field("taken_at"), p.get("taken_at"), self.lang))
                caption = " ".join(x for x in (p.get("caption") or "", when) if x)
                out.append((str(path) if path and path.is_file() else None, caption))
        return out[:limit]

    def show_photos(self, slots: list[tuple[QgsLayoutItemPicture, QgsLayoutItemLabel]], photos) -> None:
        for i, (picture, caption) in enumerate(slots):
            if i < len(photos):
                path, words = photos[i]
                picture.setPicturePath(path or "", QgsLayoutItemPicture.Format.FormatRaster)
                missing = self.t("（照片未下载：在对象面板中打开照片即可下载）", "(photo not downloaded)")
                caption.setText(words if path else f"{words} {missing}")
            else:
                picture.setPicturePath("", QgsLayoutItemPicture.Format.FormatRaster)
                caption.setText(self.t("（照片粘贴处）", "(place for a photo)") if i == len(photos) else "")

    def photo_slots(self, page: int, y: float, rows: int, cols: int, h: float):
        slots = []
        w = (WIDTH - (cols - 1) * 4) / cols
        for r in range(rows):
            for c in range(cols):
                x, top = MARGIN + c * (w + 4), y + r * (h + 9)
                slots.append(
                    (self.sheet.picture(page, x, top, w, h), self.sheet.label(page, x, top + h + 1, w, 6, "", 8))
                )
        return slots


CHECK_SECTIONS = [s for s in SECTIONS["dam_inspection"] if s[1] not in ("Basic", "Result")]


class InspectionForm(Form):
    """淤地坝安全检查记录表: the dam and its three responsible persons, the checklist of the form's
    sections with flags, the result; photos, a map inset and the signatures on the second page."""

    name = kind = "dam_inspection"
    zh, en, pages = "淤地坝安全检查记录表", "Check dam inspection record", 2
    menu = (zh, en)

    def build(self) -> None:
        s = self.sheet
        s.title(0, 12, self.title())
        self.number = s.label(0, MARGIN, 24, WIDTH, 5, "", 9, align=Qt.AlignmentFlag.AlignRight)
        self.basic = s.grid(0, MARGIN, 31, WIDTH, 52, (30, 57, 30, 57))
        self.checks = s.grid(0, MARGIN, 86, WIDTH, 190, (26, 50, 98), size=9)
        s.footer(0, self.t("第 1 页 共 2 页", "page 1 of 2"))
        s.title(1, 12, self.t("检查结论、现场照片与位置", "Result, photos and location"), 14)
        self.result = s.grid(1, MARGIN, 22, WIDTH, 32, (30, 144))
        self.photo_items = self.photo_slots(1, 58, 2, 2, 52)
        layers = [self.maps.highlight("Point"), self.maps.get("dam_inspection"), self.maps.get("dam"),
                  self.maps.get("patch"), self.maps.get("watershed")]  # fmt: skip
        self.here = layers[0]
        self.map = s.map(1, MARGIN, 180, WIDTH, 76, layers)
        s.label(1, MARGIN, 257, WIDTH, 5, self.t("位置示意图：红圈为本坝，小点为检查位置；高斯-克吕格投影（CGCS2000）",
                                                "Location: the dam in red, the inspection position; CGCS2000 Gauss-Krüger"), 8)  # fmt: skip
        self.sign = Signatures(s, 1, 266, [self.t("检查人", "Inspector"), self.t("记录人", "Recorder"),
                                           self.t("校核人", "Checker"), self.t("日期", "Date")])  # fmt: skip
        s.footer(1, self.t("第 2 页 共 2 页", "page 2 of 2"))

    def fill(self, insp: dict[str, Any]) -> None:
        dam = self.ds.get("dam", insp.get("dam_uuid")) or {}
        when = parse_date(insp.get("inspected_at"))
        self.number.setText(f"{self.options.county_name}　{dam.get('code', '')}-{when:%Y%m%d}" if when else "")
        persons = [[self.t(f"{who}责任人", f"{en} person"), f"{dam.get(p + '_person') or ''} {dam.get(p + '_phone') or ''}"]
                   for who, en, p in (("行政", "Administrative", "admin"), ("技术", "Technical", "tech"),
                                      ("巡查", "Patrol", "patrol"))]  # fmt: skip
        rows = self.pairs("dam", dam, ["name", "code", "township", "village", "scale", "total_storage", "dam_height",
                                       "hazard_status"])  # fmt: skip
        rows += [
            [persons[0][0], persons[0][1], persons[1][0], persons[1][1]],
            [
                persons[2][0],
                persons[2][1],
                self.t("一坝一人", "一坝一人"),
                self.value("dam", dam, "dedicated_patroller"),
            ],
        ]
        rows += self.pairs("dam_inspection", insp, ["kind", "inspected_at", "inspector", "position_source",
                                                    "distance_to_object", "step"])  # fmt: skip
        self.basic.set_rows(rows, label_columns=(0, 2))
        flags = set(rules.inspection_flags(insp, self.ds.thresholds(insp.get("county_code"))))
        checks = [[self.t("部位", "Part"), self.t("检查项目", "Item"), self.t("检查情况", "Finding")]]
        for zh, en, names in CHECK_SECTIONS:
            for i, name in enumerate(names):
                shown = self.value("dam_inspection", insp, name) or "—"
                if name in flags:
                    shown += self.t("　⚠ 达到预警值", "  ⚠ at or past the flag")
                f = RECORD_KINDS["dam_inspection"].field(name)
                checks.append([self.t(zh, en) if i == 0 else "", f.label(self.lang), shown])
        self.checks.set_rows(checks, label_columns=(0,), header=True)
        self.result.set_rows([[RECORD_KINDS["dam_inspection"].field(n).label(self.lang),
                               self.value("dam_inspection", insp, n) or "—"]
                              for n in ("result", "measures", "deadline", "signature")], label_columns=(0,))  # fmt: skip
        self.show_photos(self.photo_items, self.photos([("dam_inspection", insp["uuid"]), ("dam", dam.get("uuid"))], 4))
        dam_point = self.maps.geometry("dam", dam.get("uuid"))
        set_highlight(self.here, [(dam_point, dam.get("name") or "")] if dam_point else [])
        self.maps.get("dam_inspection").setSubsetString(f"\"uuid\" = '{_quote(insp['uuid'])}'")
        self.map.zoom(dam_point, 10000)
        self.sign.set([insp.get("inspector"), None, None, text(when)])


def _date_zh(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "＿＿年＿＿月＿＿日"


class HazardForm(Form):
    """隐患整改通知书 (to the person responsible, with the deadline and photos) and its 销号单 (the
    rectification, re-check and closing, with signatures)."""

    name, kind, zh, en, pages = "dam_hazard", "dam_hazard", "淤地坝安全隐患整改通知书", "Hazard rectification notice", 2
    menu = ("隐患整改通知书及销号单", "Hazard notice and closing sheet")

    def build(self) -> None:
        s = self.sheet
        s.title(0, 14, self.title())
        self.number = s.label(0, MARGIN, 27, WIDTH, 5, "", 9, align=Qt.AlignmentFlag.AlignRight)
        self.to = s.label(0, MARGIN, 36, WIDTH, 7, "", 12)
        self.opening = s.label(0, MARGIN, 45, WIDTH, 16, "", 11)
        self.items = s.grid(0, MARGIN, 63, WIDTH, 50, (32, 142), size=10.5, row_height=7)
        self.closing = s.label(0, MARGIN, 115, WIDTH, 16, "", 11)
        s.label(0, MARGIN, 134, WIDTH, 5, self.t("现场照片：", "Photos:"), 10.5)
        self.photo_items = self.photo_slots(0, 141, 1, 2, 62)
        self.issuer = s.label(0, MARGIN + WIDTH / 2, 226, WIDTH / 2, 16, "", 11, align=Qt.AlignmentFlag.AlignHCenter)
        self.receipt = Signatures(s, 0, 254, [self.t("签收人", "Received by"), self.t("签收日期", "Received on")])
        s.footer(0, self.t("本通知书一式两份，整改责任人和发出单位各执一份", "two copies: one for each party"))
        s.title(1, 14, self.t("淤地坝安全隐患整改销号单", "Hazard closing sheet (销号单)"))
        self.number2 = s.label(1, MARGIN, 27, WIDTH, 5, "", 9, align=Qt.AlignmentFlag.AlignRight)
        self.record = s.grid(1, MARGIN, 35, WIDTH, 205, (36, 138), size=10.5, row_height=9.5)
        self.sign = Signatures(s, 1, 250, [self.t("整改责任人", "Responsible"), self.t("复查人", "Re-checked by"),
                                           self.t("审核人", "Approved by"), self.t("销号日期", "Closed on")])  # fmt: skip

    def fill(self, hazard: dict[str, Any]) -> None:
        dam = self.ds.get("dam", hazard.get("dam_uuid")) or {}
        inspection = self.ds.get("dam_inspection", hazard.get("inspection_uuid"))
        found = hazard_found_on(self.ds, hazard)
        deadline = parse_date(hazard.get("deadline"))
        number = f"{self.t('编号', 'No.')}：{dam.get('code', '')}-YH-{found:%Y%m%d}" if found else ""
        self.number.setText(number)
        self.number2.setText(number)
        self.to.setText(f"{hazard.get('responsible_person') or '________'}：")
        how = self.value("dam_inspection", inspection, "kind") if inspection else self.t("检查", "an inspection")
        place = f"{dam.get('township') or ''}{dam.get('village') or ''}"
        self.opening.setText(self.t(
            f"　　{_date_zh(found)}{how}中，发现你负责的{dam.get('name', '')}（编码 {dam.get('code', '')}，位于{place}）"
            "存在下列安全隐患，请按要求限期整改：",
            f"On {found} ({how}) a hazard was found at {dam.get('name', '')} ({dam.get('code', '')}, {place}):"))  # fmt: skip
        k = "dam_hazard"
        self.items.set_rows([[RECORD_KINDS[k].field(n).label(self.lang), self.value(k, hazard, n) or "—"]
                             for n in ("description", "severity", "measure", "responsible_person", "deadline")],
                            label_columns=(0,))  # fmt: skip
        unit = self.options.unit()
        self.closing.setText(self.t(
            f"　　请于{_date_zh(deadline)}前完成整改，整改完成后及时报{unit}复查，复查合格后予以销号。"
            "整改期间应加强巡查，发现险情立即报告并采取应急措施。",
            f"Complete the rectification by {deadline} and report to {unit} for a re-check."))  # fmt: skip
        owners = [("dam_hazard", hazard["uuid"]), ("dam_inspection", hazard.get("inspection_uuid"))]
        self.show_photos(self.photo_items, self.photos(owners, 2))
        issued = max((d for d in (parse_date(hazard.get("created_at")), found) if d), default=None)
        self.issuer.setText(f"{unit}（{self.t('盖章', 'seal')}）\n{_date_zh(issued)}")
        self.receipt.set([None, None])
        rows = [[self.t("淤地坝", "Dam"), f"{dam.get('code', '')} {dam.get('name', '')}　{place}"],
                [self.t("发现日期", "Found on"), text(found)]]  # fmt: skip
        rows += [[RECORD_KINDS[k].field(n).label(self.lang), self.value(k, hazard, n)]  # blank: written by hand
                 for n in ("description", "severity", "measure", "responsible_person", "deadline", "rectified_at",
                           "rectification_note", "rechecked_at", "rechecked_by", "recheck_result", "closed_at",
                           "closed_by", "step")]  # fmt: skip
        self.record.set_rows(rows, label_columns=(0,))
        self.sign.set([hazard.get("responsible_person"), hazard.get("rechecked_by"), hazard.get("closed_by"),
                       self.value(k, hazard, "closed_at")])  # fmt: skip


SURVEY_FIELDS = ["surveyed_at", "surveyor", "area", "depth", "width", "length", "shape", "development_stage",
                 "activity", "catchment_area", "alluvial_fan_area", "channel_length", "channel_width",
                 "channel_gradient", "mouth_width", "branch_count", "vegetation_cover", "erosion_volume",
                 "erosion_modulus", "erosion_intensity", "farmland_threatened", "people_threatened", "unit_cost",
                 "note"]  # fmt: skip


class BenggangSurveyForm(Form):
    """崩岗调查表: the register values of a 崩岗, its field survey (the chosen one or the latest), its
    treatment measures, a map of the patch, photos and the signatures (调查人/记录人/校核人/日期)."""

    name, kind, zh, en, pages = "patch_survey", "patch", "崩岗调查表", "崩岗 survey sheet", 2
    menu = (zh, en)

    def __init__(self, *args, **kwargs):
        self.chosen: dict[str, dict[str, Any]] = {}  # patch uuid -> the survey asked for
        super().__init__(*args, **kwargs)

    def records(self, uuids: list[str]) -> list[dict[str, Any]]:
        """Patches, or surveys (then their patch, with that survey)."""
        out = []
        for uuid in uuids:
            survey = self.ds.get("patch_survey", uuid)
            patch = self.ds.get("patch", survey["patch_uuid"] if survey else uuid)
            if survey and patch:
                self.chosen[patch["uuid"]] = survey
            if patch and patch not in out:
                out.append(patch)
        return out

    def build(self) -> None:
        s = self.sheet
        s.title(0, 12, self.title())
        self.number = s.label(0, MARGIN, 24, WIDTH, 5, "", 9, align=Qt.AlignmentFlag.AlignRight)
        s.label(0, MARGIN, 30, WIDTH, 5, self.t("一、基本情况", "1. Register"), 10.5, title=True)
        self.basic = s.grid(0, MARGIN, 36, WIDTH, 62, (32, 55, 32, 55))
        s.label(0, MARGIN, 103, WIDTH, 5, self.t("二、调查内容", "2. Survey"), 10.5, title=True)
        self.survey = s.grid(0, MARGIN, 109, WIDTH, 92, (32, 55, 32, 55))
        s.label(0, MARGIN, 207, WIDTH, 5, self.t("三、治理措施", "3. Treatment measures"), 10.5, title=True)
        self.measures = s.grid(0, MARGIN, 213, WIDTH, 60, (34, 20, 26, 26, 24, 24, 20))
        s.footer(0, self.t("第 1 页 共 2 页", "page 1 of 2"))
        s.title(1, 12, self.t("四、位置图与现场照片", "4. Map and photos"), 14)
        self.outline = self.maps.highlight("MultiPolygon")
        self.point = self.maps.highlight("Point")
        self.maps.get("patch_survey")  # opened now: a layer first opened while the atlas renders fails in GDAL
        layers = [self.point, self.outline, self.maps.get("patch"), self.maps.get("dam"), self.maps.get("watershed")]
        self.map = s.map(1, MARGIN, 22, WIDTH, 110, layers)
        self.caption = s.label(1, MARGIN, 133, WIDTH, 5, "", 8)
        self.photo_items = self.photo_slots(1, 142, 2, 2, 46)
        self.sign = Signatures(s, 1, 262, [self.t("调查人", "Surveyor"), self.t("记录人", "Recorder"),
                                           self.t("校核人", "Checker"), self.t("日期", "Date")])  # fmt: skip
        s.footer(1, self.t("第 2 页 共 2 页", "page 2 of 2"))

    def fill(self, patch: dict[str, Any]) -> None:
        surveys = self.ds.children("patch_survey", [patch["uuid"]])
        survey = self.chosen.get(patch["uuid"]) or max(surveys, key=lambda v: v.get("surveyed_at") or "", default=None)
        self.number.setText(f"{self.options.county_name}　{self.t('编码', 'Code')}：{patch.get('code', '')}")
        shape = self.maps.geometry("patch", patch["uuid"])
        centre = shape.centroid().asPoint() if shape else None
        rows = self.pairs("patch", patch, ["code", "name", "township", "village", "watershed_code", "area",
                                           "size_class", "shape", "is_cluster", "cluster_members", "activity",
                                           "vegetation_cover", "people_threatened", "farmland_threatened",
                                           "treatment_status", "treatment_mode"])  # fmt: skip
        rows.append([self.t("中心经度", "Centre longitude"), f"{centre.x():.6f}" if centre else "",
                     self.t("中心纬度", "Centre latitude"), f"{centre.y():.6f}" if centre else ""])  # fmt: skip
        self.basic.set_rows(rows, label_columns=(0, 2))
        self.survey.set_rows(self.pairs("patch_survey", survey, SURVEY_FIELDS), label_columns=(0, 2))
        k = "patch_measure"
        head = [RECORD_KINDS[k].field(n).label(self.lang)
                for n in ("measure_type", "unit", "design_qty", "completed_qty", "unit_cost", "completed_at", "step")]  # fmt: skip
        measures = [[self.value(k, m, n) for n in ("measure_type", "unit", "design_qty", "completed_qty", "unit_cost",
                                                    "completed_at", "step")]
                    for m in self.ds.children(k, [patch["uuid"]])]  # fmt: skip
        self.measures.set_rows([head, *(measures or [[self.t("（未设计治理措施）", "(no measures)")] + [""] * 6])],
                               header=True)  # fmt: skip
        set_highlight(self.outline, [(shape, "")] if shape else [])
        where = self.maps.geometry("patch_survey", survey["uuid"]) if survey else None
        set_highlight(self.point, [(where, "")] if where else [])
        self.map.zoom(shape, 2000, margin=2.5)
        self.caption.setText(self.t("红线为崩岗范围，红圈为调查位置；高斯-克吕格投影（CGCS2000）",
                                    "red: the patch and the survey position; CGCS2000 Gauss-Krüger"))  # fmt: skip
        owners = [("patch", patch["uuid"])] + ([("patch_survey", survey["uuid"])] if survey else [])
        self.show_photos(self.photo_items, self.photos(owners, 4))
        self.sign.set([survey.get("surveyor") if survey else None, None, None,
                       self.value("patch_survey", survey, "surveyed_at")[:10] if survey else None])  # fmt: skip


class AcceptanceForm(Form):
    """小流域验收鉴定书: the watershed, the sample and the rates computed from the spot checks, the
    verdict and opinion, the sample map and the signatures; the checks of every sampled spot follow
    as a table over as many pages as they need."""

    name, kind, zh, en, pages = "watershed_acceptance", "watershed_acceptance", "鉴定书", "acceptance record", 2
    menu = ("小流域验收鉴定书", "Watershed acceptance record")

    def build(self) -> None:
        s = self.sheet
        self.heading = s.title(0, 12, "")
        self.number = s.label(0, MARGIN, 24, WIDTH, 5, "", 9, align=Qt.AlignmentFlag.AlignRight)
        self.basic = s.grid(0, MARGIN, 31, WIDTH, 26, (32, 55, 32, 55))
        self.sample = s.grid(0, MARGIN, 60, WIDTH, 33, (32, 55, 32, 55))
        self.criteria = s.label(0, MARGIN, 95, WIDTH, 9, "", 8.5)
        self.opinion = s.grid(0, MARGIN, 105, WIDTH, 30, (32, 142))
        self.spots = self.maps.highlight("MultiPolygon", outline=False, label_field="label")
        layers = [self.spots, self.maps.get("watershed_spot"), self.maps.get("watershed")]
        self.map = s.map(0, MARGIN, 140, WIDTH, 105, layers)
        self.caption = s.label(0, MARGIN, 246, WIDTH, 5, "", 8)
        self.sign = Signatures(s, 0, 258, [self.t("验收组组长", "Head"), self.t("验收组成员", "Members"),
                                           self.t("验收人", "Acceptor"), self.t("日期", "Date")])  # fmt: skip
        s.footer(0, self.t("附表：抽查图斑核查结果见后页", "the spot checks follow"))
        s.title(1, 12, self.t("附表　抽查图斑核查结果", "Annex: checks of the sampled spots"), 14)
        self.checks = s.grid(1, MARGIN, 22, WIDTH, 255, (9, 30, 17, 14, 11, 15, 15, 13, 12, 12, 12, 14),
                             size=8, flow=True)  # fmt: skip

    def fill(self, acc: dict[str, Any]) -> None:
        shed = self.ds.get("watershed", acc.get("watershed_uuid")) or {}
        kind = self.value("watershed_acceptance", acc, "kind")
        self.heading.setText(f"{shed.get('name', '')}{kind}{self.t('鉴定书', ' record')}")
        self.number.setText(f"{self.options.county_name}　{shed.get('code', '')}　{acc.get('year') or ''}")
        self.basic.set_rows(self.pairs("watershed", shed, ["name", "code", "project_type", "year", "area",
                                                           "treatment_status", "conservation_rate",
                                                           "treatment_degree"]), label_columns=(0, 2))  # fmt: skip
        checks = self.ds.children("spot_check", [acc["uuid"]])
        t = self.ds.thresholds(acc.get("county_code"))
        figures = rules.acceptance_figures(checks, t)  # computed now from the checks
        shown = {**acc, **figures}
        self.sample.set_rows(self.pairs("watershed_acceptance", shown, ["kind", "year", "sample_share", "sample_seed",
                                                                        "sampled_count", "checked_count", "pass_rate",
                                                                        "survival_rate", "verdict", "step"]),
                             label_columns=(0, 2))  # fmt: skip
        self.criteria.setText(self.t(
            f"验收标准（本县阈值，见“阈值与依据”）：抽查合格率 ≥ {t['acceptance_min_pass_rate']:g}%，平均保存率 ≥ "
            f"{t['acceptance_min_survival_rate']:g}%，图斑面积偏差不超过 ±{t['acceptance_max_area_deviation']:g}%；"
            "谷坊、拦沙坝、塘堰、沟头防护每处均抽查。合格率、保存率由核查记录计算。",
            f"Criteria: pass rate ≥ {t['acceptance_min_pass_rate']:g}%, mean survival ≥ "
            f"{t['acceptance_min_survival_rate']:g}%, area deviation ≤ {t['acceptance_max_area_deviation']:g}%."))  # fmt: skip
        self.opinion.set_rows([[RECORD_KINDS["watershed_acceptance"].field("opinion").label(self.lang),
                                self.value("watershed_acceptance", acc, "opinion") or ""]], label_columns=(0,))  # fmt: skip
        spots = self.ds.by_uuid("watershed_spot")
        sampled = [(self.maps.geometry("watershed_spot", c.get("spot_uuid")), spots.get(c.get("spot_uuid"), {}))
                   for c in checks]  # fmt: skip
        set_highlight(self.spots, [(g, s.get("spot_code", "")[-3:]) for g, s in sampled if g is not None])
        self.map.zoom(self.maps.geometry("watershed", shed.get("uuid")), 10000, margin=1.05)
        self.caption.setText(self.t(f"抽样图（红色为抽查图斑，共 {len(checks)} 个，标注为图斑编号后三位）",
                                    f"sample map: {len(checks)} sampled spots in red"))  # fmt: skip
        self.sign.set([None, None, acc.get("acceptor"), self.value("watershed_acceptance", acc, "signed_at")[:10]])
        self.checks.set_rows(self.check_rows(checks, spots, t), header=True)

    def check_rows(
        self, checks: list[dict[str, Any]], spots: dict[str, dict[str, Any]], t: Thresholds
    ) -> list[list[str]]:
        c, s = "spot_check", "watershed_spot"
        head = [self.t("序号", "No."), RECORD_KINDS[s].field("spot_code").label(self.lang)]
        head += [RECORD_KINDS[s].field(n).label(self.lang) for n in ("measure_type", "design_qty", "unit", "area")]
        head += [RECORD_KINDS[c].field(n).label(self.lang) for n in ("measured_area", "area_deviation",
                                                                    "matches_design", "survival_rate", "quality",
                                                                    "passed")]  # fmt: skip
        rows = [head]
        for i, check in enumerate(
            sorted(checks, key=lambda x: spots.get(x.get("spot_uuid"), {}).get("spot_code") or ""), 1
        ):
            spot = spots.get(check.get("spot_uuid"), {})
            passed = rules.spot_check_passed(check, t)
            rows.append([str(i), spot.get("spot_code", ""), *[self.value(s, spot, n) for n in ("measure_type",
                         "design_qty", "unit", "area")],
                         *[self.value(c, check, n) for n in ("measured_area", "area_deviation", "matches_design",
                                                              "survival_rate", "quality")],
                         self.t("合格", "pass") if passed else self.t("不合格", "fail") if passed is False else ""])  # fmt: skip
        return rows


FORMS: dict[str, type[Form]] = {f.name: f for f in (InspectionForm, HazardForm, BenggangSurveyForm, AcceptanceForm)}


# --- export ---------------------------------------------------------------------------------------


def export_pdf(store: str | Path, form_name: str, uuids: list[str], path: str | Path,
               options: FormOptions | None = None, feedback=None, project: QgsProject | None = None) -> Path:  # fmt: skip
    """Print the records ``uuids`` (of the form's kind) into one PDF at ``path``; returns it."""
    options = options or FormOptions()
    ds = Dataset(store)
    # A project of its own: the layout never touches the user's project, and the export can run in a
    # QgsTask's thread (the layers, the layout and the project all live in that thread).
    project = project or QgsProject()
    form = FORMS[form_name](ds, options, project)
    records = form.records(list(dict.fromkeys(uuids)))
    if not records:
        raise ReportError("没有可打印的记录", "nothing to print")
    coverage = QgsVectorLayer(f"{ds.path}|layername={form.kind}", form.kind, "ogr")
    listed = ",".join(f"'{_quote(r['uuid'])}'" for r in records)
    coverage.setSubsetString(f'"uuid" IN ({listed})')
    atlas = form.layout.atlas()
    atlas.setCoverageLayer(coverage)
    atlas.setHideCoverage(False)
    order = {r["uuid"]: i for i, r in enumerate(records)}
    atlas.setSortFeatures(True)
    atlas.setSortExpression(_order_expression(order))
    atlas.setEnabled(True)

    feedback = feedback or QgsFeedback()
    failed: list[BaseException] = []

    def on_feature(feature) -> None:
        # An exception must not leave a Qt slot (PyQt aborts): keep it and stop the export.
        if not feature.isValid() or failed:
            return
        try:
            form.fill(ds.get(form.kind, feature.attribute("uuid")))
        except Exception as exc:  # reported below, after the exporter returned
            failed.append(exc)
            feedback.cancel()

    atlas.featureChanged.connect(on_feature)
    settings = QgsLayoutExporter.PdfExportSettings()
    settings.dpi = 200
    settings.rasterizeWholeImage = False
    settings.textRenderFormat = QgsRenderContext.TextFormatAlwaysText
    settings.exportMetadata = True
    path = Path(path)
    result, error = QgsLayoutExporter.exportToPdf(atlas, str(path), settings, feedback)
    atlas.featureChanged.disconnect(on_feature)
    if failed:
        path.unlink(missing_ok=True)
        raise failed[0]
    if result == QgsLayoutExporter.ExportResult.Canceled:
        path.unlink(missing_ok=True)
        raise ReportError("已取消", "canceled")
    if result != QgsLayoutExporter.ExportResult.Success:
        raise ReportError(f"无法生成 PDF：{error or result}", f"the PDF could not be made: {error or result}")
    return path


def _order_expression(order: dict[str, int]) -> str:
    """The atlas order: the order the records were given in (the dock's list order)."""
    listed = ", ".join(f"'{_quote(u)}'" for u in sorted(order, key=order.get))
    return f'array_find(array({listed}), "uuid")'
