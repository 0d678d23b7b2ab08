"""Which source column feeds which model field: guessed from the headers, confirmed by the user, saved.

A guess recognises the model's own labels (``Field.zh``, ``en``, ``name``) and the variants in
:mod:`.vocabulary`, reads units written in headers (库容(万m³), 面积/亩), and finds the coordinate or
WKT columns. A mapping is saved as JSON and reused for the next file with the same columns.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..model import RECORD_KINDS, RecordKind
from ..model.schema import Enumeration, Field
from . import units, vocabulary
from .errors import ImportFailure
from .values import BadValue, norm, text

# Fields an import never writes: the server owns them, or they identify the row in the store.
NOT_IMPORTED = ("uuid", "created_at", "created_by", "updated_at", "updated_by", "server_rev")
FORMAT_VERSION = 1


@dataclass
class Mapping:
    kind: str
    columns: dict[str, str] = field(default_factory=dict)  # model field -> source column
    units: dict[str, str] = field(default_factory=dict)  # model field -> unit of its source column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {written value: code}
    constants: dict[str, Any] = field(default_factory=dict)  # field -> value for every row
    x: str | None = None  # longitude/easting column (or latitude/northing: detected and swapped)
    y: str | None = None
    wkt: str | None = None
    crs: str | None = None  # None: detect from the file and the values
    layer: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in importable_kinds():
            raise ImportFailure(f"不能导入记录类型“{self.kind}”", f"record kind '{self.kind}' cannot be imported")

    @property
    def record_kind(self) -> RecordKind:
        return RECORD_KINDS[self.kind]

    def column_of(self, name: str) -> str | None:
        return self.columns.get(name)

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT_VERSION, **asdict(self)}

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mapping:
        if not isinstance(data, dict) or "kind" not in data:
            raise ImportFailure("字段对应文件格式不正确", "not a field mapping file")
        known = {f for f in cls.__dataclass_fields__}
        m = cls(**{k: v for k, v in data.items() if k in known})
        kind = m.record_kind
        bad = [f for f in list(m.columns) + list(m.units) + list(m.constants) if f not in kind.field_names()]
        if bad:
            raise ImportFailure(f"字段对应文件中有未知字段：{'、'.join(bad)}", f"unknown fields in the mapping: {bad}")
        return m

    @classmethod
    def load(cls, path: str | Path) -> Mapping:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ImportFailure(f"无法读取字段对应文件：{exc}", f"cannot read the mapping file: {exc}") from None
        return cls.from_dict(data)

    def missing_columns(self, columns: list[str]) -> list[str]:
        """Source columns the mapping names that the file does not have."""
        wanted = list(self.columns.values()) + [c for c in (self.x, self.y, self.wkt) if c]
        return [c for c in wanted if c not in columns]


def importable_kinds() -> list[str]:
    """Record kinds with a human code to match on: the registers (dams, patches, watersheds, spots…)."""
    return [k.name for k in RECORD_KINDS.values() if match_field(k) is not None]


def match_field(kind: RecordKind) -> str | None:
    """The field that identifies a record of the kind within its county (and parent): its code."""
    name = kind.code_field
    if name is None or name not in kind.field_names():
        return None
    f = kind.field(name)
    return name if f.type == "text" and "*" in f.required_at else None


def targets(kind: RecordKind) -> list[Field]:
    """The fields a column may feed: all but the server's and the derived ones (the model computes those)."""
    return [f for f in kind.fields if f.name not in NOT_IMPORTED and not f.derived]


# --- headers --------------------------------------------------------------------------------------


def parse_header(header: str) -> tuple[str, str | None]:
    """(name, unit) of a header: "库容(万m³)" → ("库容", "万m3"), "面积/亩" → ("面积", "亩")."""
    s = norm(header).replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")")
    m = re.fullmatch(r"(.+?)\((?:单位[:：]?)?([^()]*)\)", s)
    if m and units.known(m.group(2)):
        return m.group(1), units.normalise(m.group(2))
    if "/" in s:
        base, unit = s.rsplit("/", 1)
        if base and units.known(unit):
            return base, units.normalise(unit)
    if m:
        return m.group(1), None
    return s, None


def _phone_variants(zh: str) -> tuple[str, ...]:
    if not zh.endswith("电话"):
        return ()
    base = zh[: -len("电话")]
    out = tuple(base + s for s in ("联系电话", "手机", "手机号", "联系方式", "电话号码"))
    if base.endswith("责任人"):  # Shapefile names are cut to 10 bytes: 行政责任人电话 -> 行政电话
        short = base[: -len("责任人")]
        out += (short + "电话", short + "手机")
    return out


@cache
def _aliases(kind_name: str) -> dict[str, list[tuple[str, int]]]:
    """field -> [(normalised alias, score)] for a kind; higher scores are surer."""
    kind = RECORD_KINDS[kind_name]
    out: dict[str, list[tuple[str, int]]] = {}
    for f in targets(kind):
        found = [(a, 100) for a in vocabulary.KIND_HEADERS.get(kind_name, {}).get(f.name, ())]
        found += [(f.zh, 95), (f.name, 95), (f.en, 90)]
        found += [(a, 85) for a in _phone_variants(f.zh)]
        if f.zh.endswith("责任人"):
            found.append((f.zh + "姓名", 95))
        found += [(a, 80) for a in vocabulary.COMMON_HEADERS.get(f.name, ())]
        out[f.name] = [(norm(a), s) for a, s in found]
    return out


def _score(alias: str, score: int, name: str) -> int:
    if name == alias:
        return score
    if len(alias) >= 2 and (name.endswith(alias) or name.startswith(alias)) and len(name) <= len(alias) + 4:
        return score // 2 + len(alias)
    return 0


def _first(columns: list[str], wanted: tuple[str, ...], taken: set[str]) -> str | None:
    keys = [norm(w) for w in wanted]
    for key in keys:
        for c in columns:
            if c not in taken and parse_header(c)[0] == key:
                return c
    return None


def guess(kind: str, columns: list[str], spatial: bool = False) -> Mapping:
    """The likely mapping of ``columns`` to the fields of ``kind``, with units read from the headers."""
    m = Mapping(kind)
    parsed = {c: parse_header(c) for c in columns}
    if not spatial:
        m.wkt = _first(columns, vocabulary.WKT_HEADERS, set())
        if m.wkt is None:
            m.x = _first(columns, vocabulary.X_HEADERS, set())
            m.y = _first(columns, vocabulary.Y_HEADERS, {m.x} if m.x else set())
            if m.x is None or m.y is None:
                m.x = m.y = None
    taken = {c for c in (m.x, m.y, m.wkt) if c}
    options = []
    for fname, aliases in _aliases(kind).items():
        for c in columns:
            if c in taken:
                continue
            best = max((_score(a, s, parsed[c][0]) for a, s in aliases), default=0)
            if best:
                options.append((best, -columns.index(c), fname, c))
    used_fields: set[str] = set()
    for _, _pos, fname, c in sorted(options, reverse=True):
        if fname in used_fields or c in taken:
            continue
        m.columns[fname] = c
        used_fields.add(fname)
        taken.add(c)
        unit = parsed[c][1]
        f = RECORD_KINDS[kind].field(fname)
        if unit and f.unit and units.dimension(unit) == units.dimension(f.unit):
            if units.normalise(unit) != units.normalise(f.unit):
                m.units[fname] = unit
    return m


def ignored_derived(kind: str, columns: list[str]) -> list[tuple[str, str]]:
    """Columns that hold a derived field (规模, 面积 of a polygon…): (column, field label), never imported."""
    k = RECORD_KINDS[kind]
    fed = {a for found in _aliases(kind).values() for a, _score in found}  # a header that feeds a field
    out = []
    for f in k.fields:
        if f.derived:
            for c in columns:
                header = parse_header(c)[0]
                if header in (norm(f.zh), norm(f.name)) and header not in fed:
                    out.append((c, f.zh))
    return out


# --- enumeration values ---------------------------------------------------------------------------


def _parts(label: str) -> list[str]:
    return [p for p in re.split(r"[（）()/、+]", label) if p]


@cache
def _enum_index(enum: Enumeration) -> dict[str, str]:
    """Normalised written value -> code, for codes, labels, parts of labels and known variants."""
    idx: dict[str, str] = {}
    ambiguous: set[str] = set()
    for c in enum.choices:
        for t in (c.code, c.zh, c.en):
            idx[norm(t)] = c.code
    for c in enum.choices:
        for p in _parts(c.zh):
            key = norm(p)
            if key in idx and idx[key] != c.code:
                ambiguous.add(key)
            idx.setdefault(key, c.code)
    for key in ambiguous - {norm(t) for c in enum.choices for t in (c.code, c.zh, c.en)}:
        idx.pop(key, None)
    for written, code in vocabulary.ENUM_VALUES.get(enum.name, {}).items():
        idx[norm(written)] = code
    return idx


def enum_code(f: Field, raw: Any, overrides: dict[str, str] | None = None) -> str:
    """The code of a written enumeration value; BadValue listing the choices when none fits."""
    written = text(raw) or ""
    if overrides and written in overrides:
        return overrides[written]
    idx = _enum_index(f.enum)
    key = norm(written)
    if key in idx:
        return idx[key]
    hits = {code for k, code in idx.items() if len(k) >= 2 and k in key}
    if len(hits) == 1:
        return hits.pop()
    choices = "、".join(c.zh for c in f.enum.choices)
    raise BadValue(
        f"{f.zh}：“{written}”不是有效选项（可选：{choices}）",
        f"{f.en}: '{written}' is not one of {', '.join(c.en for c in f.enum.choices)}",
    )


def multi_enum_codes(f: Field, raw: Any, overrides: dict[str, str] | None = None) -> list[str]:
    parts = [p for p in re.split(r"[、,，;；/\s]+", text(raw) or "") if p]
    codes: list[str] = []
    for p in parts:
        code = enum_code(f, p, overrides)
        if code not in codes:
            codes.append(code)
    return codes
