"""Reading a register file into rows: spatial files with geopandas, spreadsheets with openpyxl/xlrd.

Spatial files (Shapefile, GeoPackage, GeoJSON, KML) keep their geometries and declared CRS; the
Shapefile attribute encoding comes from the .cpg or, without one, from the bytes (UTF-8, else GBK/
GB18030, as Chinese ArcGIS and older software write). Tables (CSV, .xlsx, .xls) keep every cell as
typed, find their header row under any title rows, join two-row headers (行政责任人 / 姓名 · 电话)
and skip total rows (合计). Coordinates in tables are read later, by the mapping.
"""

from __future__ import annotations

import csv
import io
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import vocabulary
from .crs import keep_proj_context
from .deps import need
from .errors import ImportFailure
from .values import is_blank, norm, text

SPATIAL = {".shp", ".gpkg", ".geojson", ".json", ".kml", ".kmz"}
TABLES = {".csv", ".txt", ".xlsx", ".xlsm", ".xls"}
FORMATS = SPATIAL | TABLES
Note = tuple[str, str]


@dataclass
class Table:
    """The rows of one layer or sheet, each a dict column -> value as read."""

    path: str
    layer: str | None
    columns: list[str]
    rows: list[dict[str, Any]]
    numbers: list[int]  # the row number a person sees (spreadsheet row, CSV line, feature number)
    geometries: list[Any] | None = None  # shapely geometries in `crs`, for spatial files
    crs: str | None = None  # declared CRS (EPSG:n or WKT), None when the file does not say
    encoding: str | None = None
    notes: list[Note] = field(default_factory=list)

    @property
    def spatial(self) -> bool:
        return self.geometries is not None

    def sample(self, column: str, n: int = 3) -> list[str]:
        """A few non-empty values of a column, as text (the mapping table shows them)."""
        out = []
        for row in self.rows:
            v = text(row.get(column))
            if v is not None:
                out.append(v)
                if len(out) >= n:
                    break
        return out


def _suffix(path: str | Path) -> str:
    return Path(path).suffix.lower()


def check_format(path: str | Path) -> None:
    p = Path(path)
    if not p.is_file():
        raise ImportFailure(f"找不到文件：{p}", f"no such file: {p}")
    if _suffix(p) not in FORMATS:
        raise ImportFailure(
            f"不支持的文件类型“{p.suffix}”：请使用 Shapefile、GeoPackage、GeoJSON、KML、CSV 或 Excel",
            f"unsupported file type '{p.suffix}': use Shapefile, GeoPackage, GeoJSON, KML, CSV or Excel",
        )


# --- layers ---------------------------------------------------------------------------------------


def layers(path: str | Path) -> list[str]:
    """Sheets of a workbook, layers of a GeoPackage or KML; [] for single-layer formats."""
    check_format(path)
    suffix = _suffix(path)
    try:
        if suffix in (".xlsx", ".xlsm"):
            wb = need("openpyxl").load_workbook(str(path), read_only=True)
            try:
                return list(wb.sheetnames)
            finally:
                wb.close()
        if suffix == ".xls":
            return need("xlrd").open_workbook(str(path), on_demand=True).sheet_names()
        if suffix in (".gpkg", ".kml", ".kmz"):
            return _ogr_layers(path)
    except ImportFailure:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader error means the file cannot be read
        raise _unreadable(path, exc) from None
    return []


def _ogr_layers(path: str | Path) -> list[str]:
    try:
        import pyogrio

        return [str(name) for name, _geom in pyogrio.list_layers(str(path))]
    except ImportError:
        return list(need("fiona").listlayers(str(path)))


def _unreadable(path: str | Path, exc: Exception) -> ImportFailure:
    return ImportFailure(f"无法读取文件 {Path(path).name}：{exc}", f"cannot read {Path(path).name}: {exc}")


def read(path: str | Path, layer: str | None = None) -> Table:
    """Every row of ``layer`` (a sheet or layer name; the first when None)."""
    check_format(path)
    suffix = _suffix(path)
    try:
        if suffix in SPATIAL:
            return _read_spatial(Path(path), layer)
        if suffix in (".csv", ".txt"):
            return _read_csv(Path(path))
        if suffix == ".xls":
            return _read_xls(Path(path), layer)
        return _read_xlsx(Path(path), layer)
    except ImportFailure:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken file is the user's to fix: say so, do not crash
        raise _unreadable(path, exc) from None


# --- spatial files --------------------------------------------------------------------------------

_CPG = {"936": "GB18030", "cp936": "GB18030", "gbk": "GB18030", "gb2312": "GB18030", "gb18030": "GB18030",
        "utf8": "UTF-8", "utf-8": "UTF-8", "65001": "UTF-8", "ansi 936": "GB18030"}  # fmt: skip


def shapefile_encoding(shp: Path) -> tuple[str, Note]:
    """Attribute encoding of a Shapefile: from its .cpg, else guessed from the .dbf bytes."""
    for cpg in (shp.with_suffix(".cpg"), shp.with_suffix(".CPG")):
        if cpg.is_file():
            declared = cpg.read_text(encoding="ascii", errors="replace").strip()
            enc = _CPG.get(declared.lower(), declared)
            return enc, (f"属性编码按 .cpg 文件读取：{declared}", f"attribute encoding from the .cpg: {declared}")
    dbf = next((p for p in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if p.is_file()), None)
    if dbf is None:
        return "UTF-8", ("", "")
    with open(dbf, "rb") as f:
        head = f.read(32)
        header_len = struct.unpack("<H", head[8:10])[0] if len(head) >= 10 else 32
        f.seek(0)
        sample = f.read(header_len + 256 * 1024)
    ldid = head[29] if len(head) > 29 else 0
    try:
        sample.decode("utf-8")
        if ldid != 0x4D:
            return "UTF-8", (
                "属性编码：UTF-8（无 .cpg 文件，按内容判断）",
                "attribute encoding UTF-8 (no .cpg; from the bytes)",
            )
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:  # the sample cut a character in two
            return "UTF-8", (
                "属性编码：UTF-8（无 .cpg 文件，按内容判断）",
                "attribute encoding UTF-8 (no .cpg; from the bytes)",
            )
    return "GB18030", ("属性编码：GBK/GB18030（无 .cpg 文件，按内容判断）", "attribute encoding GBK/GB18030 (no .cpg)")


def _plain(value: Any) -> Any:
    """numpy scalars to Python values; missing values to None."""
    if is_blank(value):
        return None
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy":
        return item()
    if type(value).__name__ == "Timestamp":
        return value.to_pydatetime()
    return value


_TD = re.compile(r"<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def kml_description_fields(html: str) -> dict[str, str]:
    """Attributes ArcGIS and others put into a KML description as an HTML table of name/value cells."""
    out = {}
    for key, value in _TD.findall(html or ""):
        k, v = _TAG.sub("", key).strip(), _TAG.sub("", value).strip()
        if k and not k.startswith("<") and k not in out:
            out[k] = v
    return out


def _read_spatial(path: Path, layer: str | None) -> Table:
    keep_proj_context()  # geopandas makes the file's CRS with pyproj: this thread's context first
    gpd = need("geopandas")
    suffix = path.suffix.lower()
    kwargs: dict[str, Any] = {}
    notes: list[Note] = []
    encoding = None
    if suffix == ".shp":
        encoding, note = shapefile_encoding(path)
        kwargs["encoding"] = encoding
        if note[0]:
            notes.append(note)
    if layer is not None:
        kwargs["layer"] = layer
    elif suffix in (".gpkg", ".kml", ".kmz"):
        names = _ogr_layers(path)
        if names:
            kwargs["layer"] = names[0]
    if suffix in (".kml", ".kmz"):
        _enable_kml()
    frame = gpd.read_file(str(path), **kwargs)
    spatial = isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns
    geom_name = frame._geometry_column_name if spatial else None
    columns = [str(c) for c in frame.columns if c != geom_name]
    records = frame.drop(columns=[geom_name]).to_dict("records") if geom_name else frame.to_dict("records")
    rows = [{str(k): _plain(v) for k, v in r.items()} for r in records]
    if suffix in (".kml", ".kmz"):
        columns = _expand_descriptions(columns, rows)
    geometries = [None if g is None or g.is_empty else g for g in frame.geometry] if geom_name else None
    crs = None
    if spatial and frame.crs is not None:
        code = frame.crs.to_epsg(min_confidence=70)
        crs = f"EPSG:{code}" if code else frame.crs.to_wkt()
    elif suffix in (".geojson", ".json", ".kml", ".kmz"):
        crs = "EPSG:4326"  # RFC 7946 and KML are WGS84 by definition
    return Table(str(path), kwargs.get("layer"), columns, rows, list(range(1, len(rows) + 1)), geometries, crs,
                 encoding, notes)  # fmt: skip


def _enable_kml() -> None:
    try:
        import pyogrio  # noqa: F401 - pyogrio reads KML as it is
    except ImportError:
        fiona = need("fiona")
        fiona.drvsupport.supported_drivers.setdefault("KML", "r")
        fiona.drvsupport.supported_drivers.setdefault("LIBKML", "r")


def _expand_descriptions(columns: list[str], rows: list[dict[str, Any]]) -> list[str]:
    desc = next((c for c in columns if c.lower() == "description"), None)
    if desc is None:
        return columns
    extra: list[str] = []
    for row in rows:
        for k, v in kml_description_fields(str(row.get(desc) or "")).items():
            if k not in columns and k not in extra:
                extra.append(k)
            row.setdefault(k, v)
    return columns + extra


# --- tables ---------------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc), ("UTF-8" if enc == "utf-8-sig" else "GB18030")
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _read_csv(path: Path) -> Table:
    content, encoding = _decode(path.read_bytes())
    try:
        dialect = csv.Sniffer().sniff(content[:8192], delimiters=",\t;|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    grid = [row for row in csv.reader(io.StringIO(content), delimiter=delimiter)]
    table = _from_grid(path, None, grid, list(range(1, len(grid) + 1)))
    table.encoding = encoding
    if encoding != "UTF-8":
        table.notes.insert(0, (f"文件编码：{encoding}", f"file encoding: {encoding}"))
    return table


def _read_xlsx(path: Path, layer: str | None) -> Table:
    openpyxl = need("openpyxl")
    wb = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    try:
        ws = wb[layer] if layer else wb.worksheets[0]
        grid = [list(r) for r in ws.iter_rows(values_only=True)]
        return _from_grid(path, ws.title, grid, list(range(1, len(grid) + 1)))
    finally:
        wb.close()


def _read_xls(path: Path, layer: str | None) -> Table:
    xlrd = need("xlrd")
    book = xlrd.open_workbook(str(path))
    sheet = book.sheet_by_name(layer) if layer else book.sheet_by_index(0)
    grid = []
    for r in range(sheet.nrows):
        row = []
        for c in range(sheet.ncols):
            cell = sheet.cell(r, c)
            if cell.ctype == xlrd.XL_CELL_DATE:
                row.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
            elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                row.append(None)
            else:
                row.append(cell.value)
        grid.append(row)
    return _from_grid(path, sheet.name, grid, list(range(1, len(grid) + 1)))


def _is_label(value: Any) -> bool:
    """A cell that looks like a header: text that is not a number."""
    s = text(value)
    if s is None or isinstance(value, (int, float)):
        return False
    try:
        float(s.replace(",", ""))
        return False
    except ValueError:
        return True


_KNOWN = None


def _known_headers() -> set[str]:
    global _KNOWN
    if _KNOWN is None:
        from ..model import RECORD_KINDS

        names = {norm(a) for a in vocabulary.COMMON_HEADERS.values() for a in a}
        names |= {norm(a) for kind in vocabulary.KIND_HEADERS.values() for v in kind.values() for a in v}
        names |= {norm(f.zh) for k in RECORD_KINDS.values() for f in k.fields}
        names |= {norm(h) for h in vocabulary.X_HEADERS + vocabulary.Y_HEADERS + vocabulary.WKT_HEADERS}
        _KNOWN = names
    return _KNOWN


def _header_score(row: list[Any]) -> int:
    labels = [norm(text(v) or "") for v in row if _is_label(v)]
    known = _known_headers()
    return len(labels) + 3 * sum(1 for lab in labels if re.sub(r"\(.*\)$", "", lab) in known)


def _header_row(grid: list[list[Any]]) -> int:
    scores = [_header_score(r) for r in grid[:20]]
    if not scores or max(scores) == 0:
        raise ImportFailure("表格中找不到表头行", "no header row found in the table")
    return scores.index(max(scores))


def _joined_header(parent: list[Any], child: list[Any]) -> list[str] | None:
    """Header names from two header rows (a merged parent cell over sub-columns), or None."""
    width = max(len(parent), len(child))
    parent = list(parent) + [None] * (width - len(parent))
    child = list(child) + [None] * (width - len(child))
    subs = [i for i, v in enumerate(child) if _is_label(v)]
    if len(subs) < 2 or any(not is_blank(v) and not _is_label(v) for v in child):
        return None
    if not any(is_blank(parent[i]) for i in subs):  # no merged parent above the sub-columns
        return None
    names, last = [], ""
    for p, c in zip(parent, child):
        if not is_blank(p):
            last = text(p) or ""
        head = text(p) if not is_blank(p) else last
        sub = text(c)
        if sub is None:
            names.append(head or "")
        elif head and re.fullmatch(r"[(（].*[)）]|[a-zA-Z0-9²³/·%万亩方米]+", sub):
            names.append(f"{head}({sub.strip('()（）')})")  # a units row under the headers
        else:
            names.append(f"{head}{sub}" if head else sub)
    return names


def _unique(names: list[str]) -> list[str]:
    out: list[str] = []
    for i, n in enumerate(names):
        base = n.strip() or f"列{i + 1}"
        name, k = base, 2
        while name in out:
            name, k = f"{base}_{k}", k + 1
        out.append(name)
    return out


def _is_total(row: list[Any]) -> bool:
    first = [text(v) for v in row[:4] if not is_blank(v)]
    return bool(first) and any(w in norm(first[0]) for w in vocabulary.TOTAL_ROW_WORDS)


def _from_grid(path: Path, layer: str | None, grid: list[list[Any]], numbers: list[int]) -> Table:
    if not grid:
        raise ImportFailure(f"{path.name} 是空的", f"{path.name} is empty")
    h = _header_row(grid)
    notes: list[Note] = []
    names = [text(v) or "" for v in grid[h]]
    start = h + 1
    if start < len(grid):
        joined = _joined_header(grid[h], grid[start])
        if joined is not None:
            names, start = joined, start + 1
            notes.append(("表头为两行，已合并", "two header rows were joined"))
    if h:
        notes.append((f"跳过表头前的 {h} 行（标题等）", f"skipped {h} rows above the header (titles)"))
    width = len(names)
    while width and not names[width - 1].strip():
        width -= 1  # trailing unnamed columns are empty formatting
    columns = _unique(names[:width])
    rows, nums, totals = [], [], 0
    for raw, n in zip(grid[start:], numbers[start:]):
        if all(is_blank(v) for v in raw):
            continue
        if _is_total(raw):
            totals += 1
            continue
        cells = list(raw[:width]) + [None] * (width - len(raw))
        rows.append({c: (None if is_blank(v) else v) for c, v in zip(columns, cells)})
        nums.append(n)
    if totals:
        notes.append((f"跳过合计/小计行 {totals} 行", f"skipped {totals} total rows"))
    return Table(str(path), layer, columns, rows, nums, notes=notes)
