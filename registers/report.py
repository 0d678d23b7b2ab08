"""The validation report as a file the user opens in Excel, fixes, and imports again.

One line per row of the source: what the import does with it, the fields and reasons in Chinese,
then the row's own columns unchanged, so the rejected rows can be corrected in place and the file
re-imported (the report's own columns map to no field).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ..model import RECORD_KINDS
from .deps import need
from .plan import ACTION_LABELS, REJECT, Plan
from .values import text

REPORT_COLUMNS = ("导入行号", "导入结果", "问题字段", "问题原因", "警告")
ORDER = {REJECT: 0, "insert": 1, "update": 2, "unchanged": 3}


def _label(kind: str, name: str | None) -> str:
    if name is None:
        return ""
    if name == "geom":
        return "坐标/图形"
    try:
        return RECORD_KINDS[kind].field(name).zh
    except KeyError:
        return name


def lines(plan: Plan, only_problems: bool = False) -> list[list[Any]]:
    """The report table: header, then one list per source row (rejected rows first)."""
    header = list(REPORT_COLUMNS) + list(plan.columns)
    out: list[list[Any]] = [header]
    rows = sorted(plan.rows, key=lambda r: (ORDER[r.action], r.number))
    for r in rows:
        if only_problems and r.action != REJECT and not r.warnings:
            continue
        fields = "、".join(dict.fromkeys(_label(plan.kind, p.field) for p in r.problems if p.field))
        reasons = "；".join(p.zh for p in r.problems)
        warnings = "；".join(p.zh for p in r.warnings)
        source = [_cell(r.source.get(c)) for c in plan.columns]
        out.append([r.number, ACTION_LABELS[r.action][0], fields, reasons, warnings, *source])
    return out


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str)):
        return value
    return text(value)


def notes(plan: Plan) -> list[str]:
    out = [f"记录类型：{RECORD_KINDS[plan.kind].zh}", f"结果：{plan.summary('zh')}"]
    if plan.crs is not None:
        out.append(f"坐标系：{plan.crs.zh}")
    out += [n[0] for n in plan.notes if n[0]]
    for name, column in plan.mapping.columns.items():
        unit = plan.mapping.units.get(name)
        out.append(f"字段对应：{column} → {_label(plan.kind, name)}" + (f"（源单位 {unit}）" if unit else ""))
    return out


def write(plan: Plan, path: str | Path, only_problems: bool = False) -> Path:
    """Write the report as .xlsx (with a notes sheet) or .csv (UTF-8 with BOM, which Excel reads)."""
    path = Path(path)
    table = lines(plan, only_problems)
    if path.suffix.lower() == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows(table)
        return path
    openpyxl = need("openpyxl")
    from openpyxl.styles import Font, PatternFill

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "导入检查"
    for row in table:
        ws.append(row)
    bold, red, yellow = Font(bold=True), PatternFill("solid", fgColor="FFD7D7"), PatternFill("solid", fgColor="FFF3C4")
    for cell in ws[1]:
        cell.font = bold
    for i, row in enumerate(table[1:], start=2):
        fill = red if row[1] == ACTION_LABELS[REJECT][0] else yellow if row[4] else None
        if fill is not None:
            for cell in ws[i][: len(REPORT_COLUMNS)]:
                cell.fill = fill
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = ws.dimensions
    for col, width in zip("ABCDE", (8, 8, 16, 48, 36)):
        ws.column_dimensions[col].width = width
    info = wb.create_sheet("说明")
    for line in notes(plan):
        info.append([line])
    info.column_dimensions["A"].width = 100
    wb.save(str(path))
    return path
