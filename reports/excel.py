"""Tables to an Excel workbook a county can file and print (openpyxl).

One sheet per table: a title row (merged, 黑体), the lines under it, a header row that repeats on
every printed page, frozen panes and an auto-filter, real Excel dates, number formats, thin borders,
column widths from the contents (a Chinese character counts twice), landscape pages fitted to the
width. A table may carry a bar chart (the statistics do).

openpyxl is imported when a workbook is written: QGIS runs with the system Python, which has it
only when installed (Debian: python3-openpyxl). Without it the user gets a clear message in Chinese.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .data import ReportError
from .ledgers import Table

TITLE_FONT = "黑体"
BODY_FONT = "宋体"
HEADER_FILL = "DDE6F0"
MAX_WIDTH = 48
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class BarChart:
    """A clustered bar chart of some columns of a table, one bar group per row."""

    title: str
    columns: tuple[int, ...]  # the value columns (0-based)
    y_title: str = ""
    percent: bool = False


def _openpyxl():
    try:
        import openpyxl
    except ImportError:
        raise ReportError(
            "导出 Excel 需要 Python 库 openpyxl，当前 QGIS 的 Python 中没有安装。"
            "Debian/Ubuntu：sudo apt install python3-openpyxl；Windows（OSGeo4W）：在 OSGeo4W 安装程序中选择 python3-openpyxl。",
            "Writing Excel files needs the Python library openpyxl, which QGIS's Python lacks. "
            "Debian/Ubuntu: sudo apt install python3-openpyxl; Windows (OSGeo4W): select python3-openpyxl in the installer.",
        ) from None
    return openpyxl


def _width(value: Any) -> float:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 11
    text = value if isinstance(value, str) else f"{value:.2f}" if isinstance(value, float) else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def sheet_name(name: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("_", name)[:31] or "Sheet"
    out, n = base, 2
    while out in used:
        suffix = f"({n})"
        out, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(out)
    return out


def write_workbook(path: str | Path, tables: list[Table], charts: dict[str, BarChart] | None = None) -> Path:
    """Write ``tables`` (one sheet each, in order) to ``path``; ``charts`` maps a table name to its chart."""
    openpyxl = _openpyxl()
    path = Path(path)
    book = openpyxl.Workbook()
    book.remove(book.active)
    used: set[str] = set()
    styles = _Styles(book)
    for table in tables:
        sheet = book.create_sheet(sheet_name(table.sheet or table.title, used))
        _fill(sheet, table, styles)
        chart = (charts or {}).get(table.name)
        if chart is not None and table.rows:
            _chart(sheet, table, chart)
    try:
        book.save(path)
    except OSError as exc:
        raise ReportError(
            f"无法写入 {path}：{exc.strerror or exc}（文件是否在 Excel 中打开？）",
            f"cannot write {path}: {exc.strerror or exc} (is it open in Excel?)",
        ) from exc
    return path


class _Styles:
    """Named styles of a workbook, made once each: a cell takes a style by name, which costs far less
    than giving every cell its own font, border and alignment objects (openpyxl hashes each)."""

    def __init__(self, book):
        self.book = book
        self.made: set[str] = set()

    def get(self, kind: str, fmt: str | None = None) -> str:
        name = f"sb_{kind}_{fmt or 'general'}"
        if name not in self.made:
            self.book.add_named_style(self._make(name, kind, fmt))
            self.made.add(name)
        return name

    @staticmethod
    def _make(name: str, kind: str, fmt: str | None):
        from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

        thin = Side(style="thin", color="808080")
        style = NamedStyle(name=name)
        if kind == "title":
            style.font = Font(name=TITLE_FONT, size=16, bold=True)
            style.alignment = Alignment(horizontal="center", vertical="center")
            return style
        if kind == "subtitle":
            style.font = Font(name=BODY_FONT, size=10)
            style.alignment = Alignment(wrap_text=True, vertical="center")
            return style
        style.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        style.font = Font(name=BODY_FONT, bold=kind in ("header", "total"))
        if kind == "header":
            style.fill = PatternFill("solid", fgColor=HEADER_FILL)
            style.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        elif kind == "wrap":
            style.alignment = Alignment(wrap_text=True, vertical="top")
        if fmt:
            style.number_format = fmt
        return style


def _fill(sheet, table: Table, styles: _Styles) -> None:
    from openpyxl.utils import get_column_letter

    ncols = max(len(table.headers), 1)
    sheet.append([table.title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    sheet.cell(1, 1).style = styles.get("title")
    sheet.row_dimensions[1].height = 30
    row = 1
    for line in table.subtitle:
        sheet.append([line])
        row += 1
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        sheet.cell(row, 1).style = styles.get("subtitle")
        sheet.row_dimensions[row].height = 15 * max(1, _width(line) // (ncols * 12) + 1)
    sheet.append(table.headers)
    header = row = row + 1
    for col in range(1, ncols + 1):
        sheet.cell(header, col).style = styles.get("header")
    body = [*table.rows, *([table.total] if table.total else [])]
    plain = [styles.get("body", fmt) for fmt in table.formats]
    total = [styles.get("total", fmt) for fmt in table.formats]
    wrap = styles.get("wrap")
    for values in body:
        sheet.append(values)
        row += 1
        names = total if values is table.total else plain
        for col, value in enumerate(values[: len(names)]):
            long_text = isinstance(value, str) and _width(value) > MAX_WIDTH
            sheet.cell(row, col + 1).style = wrap if long_text else names[col]
    widths = [_width(h) for h in table.headers]
    for values in body[:2000]:
        for i, value in enumerate(values[: len(widths)]):
            widths[i] = max(widths[i], _width(value))
    for i, w in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(i)].width = min(max(w + 2, 6), MAX_WIDTH)
    sheet.freeze_panes = sheet.cell(header + 1, 1)
    last = header + len(table.rows)
    if table.rows:
        sheet.auto_filter.ref = f"A{header}:{get_column_letter(ncols)}{last}"
    sheet.print_title_rows = f"{header}:{header}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def header_row(table: Table) -> int:
    """The sheet row (1-based) of a table's header."""
    return 2 + len(table.subtitle)


def _chart(sheet, table: Table, spec: BarChart) -> None:
    from openpyxl.chart import BarChart as XlBarChart
    from openpyxl.chart import Reference

    header = header_row(table)
    first, last = header + 1, header + len(table.rows)
    chart = XlBarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = spec.title
    chart.y_axis.title = spec.y_title
    chart.height = max(7.5, 0.6 * len(table.rows) + 3)
    chart.width = 18
    for col in spec.columns:
        data = Reference(sheet, min_col=col + 1, min_row=header, max_row=last)
        chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
    if spec.percent:
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 100
    below = last + (2 if table.total else 1) + 1  # under the table: it prints on the same pages
    sheet.add_chart(chart, sheet.cell(below, 1).coordinate)
