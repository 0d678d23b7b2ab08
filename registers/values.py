"""Reading the values people type into registers: numbers with units, 度分秒, 是/否, Chinese dates.

Each parser takes a raw cell (str, number, date or None) and returns a model value, or raises
:class:`BadValue` with the reason in Chinese and English. No pandas here: cells come as Python values.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

from .units import UNIT_PATTERN, split_unit


class BadValue(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def norm(text: str) -> str:
    """Full-width to half-width (NFKC: （）→(), ２→2, ㎡→m2), spaces dropped, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and value.strip() in ("", "/", "-", "—", "——", "无数据", "nan", "NaN", "NULL", "null"):
        return True
    return type(value).__name__ in ("NaTType", "NAType")  # pandas' missing values


def text(value: Any) -> str | None:
    """A cell as text: 12.0 → "12" (codes and phone numbers typed as numbers), dates as ISO."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    out = str(value).strip()
    return out or None


_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)(.*)$")


def number(value: Any) -> tuple[float, str | None]:
    """A number and the unit written after it: "12.5万m³" → (12.5, "万m3"), "1,234" → (1234.0, None)."""
    if isinstance(value, bool):
        raise BadValue(f"“{value}”不是数值", f"'{value}' is not a number")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise BadValue("数值无效", "not a finite number")
        return float(value), None
    raw = str(value)
    s = norm(raw).replace(",", "")
    m = _NUMBER.match(s)
    if not m:
        raise BadValue(f"“{raw}”不是数值", f"'{raw}' is not a number")
    rest = m.group(2)
    if rest and not UNIT_PATTERN.fullmatch(rest):
        raise BadValue(f"“{raw}”不是数值（无法识别“{rest}”）", f"'{raw}' is not a number ('{rest}' unknown)")
    result = float(m.group(1))
    if not math.isfinite(result):
        raise BadValue("数值无效", "not a finite number")
    return result, (split_unit(rest) or None) if rest else None


def integer(value: Any) -> int:
    """Whole numbers, also "2015年" and 2015.0."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.year
    s = norm(text(value) or "")
    s = re.sub(r"(年|座|个|处|人|条|批次|批|轮)$", "", re.sub(r"^第", "", s))  # 第2批 → 2
    try:
        f, unit = number(s)
    except BadValue:
        raise BadValue(f"“{value}”不是整数", f"'{value}' is not a whole number") from None
    if unit or not f.is_integer():
        raise BadValue(f"“{value}”不是整数", f"'{value}' is not a whole number")
    return int(f)


TRUE = {"是", "有", "√", "✓", "✔", "y", "yes", "true", "t", "1", "对", "已", "已配备", "已落实", "专职"}
FALSE = {"否", "无", "×", "✗", "✘", "n", "no", "false", "f", "0", "没有", "未", "未配备", "未落实", "兼职"}


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    s = norm(text(value) or "")
    if s in TRUE:
        return True
    if s in FALSE:
        return False
    raise BadValue(f"“{value}”不是“是/否”", f"'{value}' is not yes/no")


_DATE = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[t ](\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2}(?:\.\d+)?))?秒?)?"
)


def _excel_serial(value: float) -> dt.datetime:
    return dt.datetime(1899, 12, 30) + dt.timedelta(days=value)


def _datetime_of(value: Any) -> tuple[dt.datetime, bool]:
    """(datetime, has_time) of a cell."""
    if isinstance(value, dt.datetime):
        return value, True
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day), False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 19000101 <= value <= 21001231 and float(value).is_integer():  # 20200501
            v = int(value)
            return dt.datetime(v // 10000, v // 100 % 100, v % 100), False
        if 1 <= value < 80000:  # an Excel serial day number
            d = _excel_serial(float(value))
            return d, not float(value).is_integer()
        raise ValueError
    s = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if re.fullmatch(r"\d{8}", s):
        return dt.datetime(int(s[:4]), int(s[4:6]), int(s[6:])), False
    try:
        d = dt.datetime.fromisoformat(s.replace("z", "+00:00"))
        return d, len(s) > 10
    except ValueError:
        pass
    m = _DATE.match(s)
    if not m:
        raise ValueError
    y, mo, d, h, mi, sec = m.groups()
    return dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(float(sec or 0))), h is not None


def date(value: Any) -> str:
    """ISO date from 2020-05-01, 2020/5/1, 2020年5月1日, 20200501, an Excel date."""
    try:
        return _datetime_of(value)[0].date().isoformat()
    except (ValueError, OverflowError):
        raise BadValue(f"“{value}”不是日期", f"'{value}' is not a date") from None


CHINA_TZ = dt.timezone(dt.timedelta(hours=8))


def datetime(value: Any) -> str:
    """ISO date-time with offset; a time written without one is China time (UTC+8)."""
    try:
        d, _has_time = _datetime_of(value)
    except (ValueError, OverflowError):
        raise BadValue(f"“{value}”不是日期时间", f"'{value}' is not a date and time") from None
    if d.tzinfo is None:
        d = d.replace(tzinfo=CHINA_TZ)
    return d.isoformat()


# 度分秒: 114°56'30.5", 114°56′30.5″, 114度56分30.5秒, 114:56:30.5, 114 56 30.5, E114°56'30", 北纬25°…
_DMS = re.compile(
    r"^(?P<h1>[nsew]|北纬|南纬|东经|西经)?(?P<d>\d+(?:\.\d+)?)(?:°|度|:|\s+)"
    r"(?:(?P<m>\d+(?:\.\d+)?)(?:'|′|分|:|\s+|$))?"
    r"(?:(?P<s>\d+(?:\.\d+)?)(?:\"|″|''|′′|秒)?)?(?P<h2>[nsew])?$"
)


def degrees(value: Any) -> float:
    """Decimal degrees from a number or 度分秒 text; S and W (南纬, 西经) are negative."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise BadValue("坐标值无效", "not a finite coordinate")
        return float(value)
    raw = text(value)
    if raw is None:
        raise BadValue("缺少坐标", "no coordinate")
    s = unicodedata.normalize("NFKC", raw).strip().lower().replace("º", "°").replace("˚", "°")
    s = s.replace("”", '"').replace("“", '"').replace("’", "'").replace("‘", "'")
    s = re.sub(r"\s*([°'\"′″度分秒:])\s*", r"\1", s)
    try:
        return float(s.replace(",", ""))
    except ValueError:
        pass
    m = _DMS.match(s)
    if not m or (m.group("m") is None and m.group("s") is not None):
        raise BadValue(f"“{raw}”不是经纬度（应为度或度分秒，如 114°56'30.5\"）", f"'{raw}' is not a coordinate")
    minutes, seconds = float(m.group("m") or 0), float(m.group("s") or 0)
    if minutes > 60 or seconds > 60:  # exactly 60 is a rounding artefact (59.996″ written as 60.00″)
        raise BadValue(f"“{raw}”：分、秒应小于60", f"'{raw}': minutes and seconds must be below 60")
    result = float(m.group("d")) + minutes / 60 + seconds / 3600
    hemi = (m.group("h1") or "") + (m.group("h2") or "")
    return -result if hemi in ("s", "w", "南纬", "西经") else result
