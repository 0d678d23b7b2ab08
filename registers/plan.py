"""Turning rows into records and judging each by the model's rules, before anything is written.

For every row the plan says insert, update (matched by code within the county, and the parent for
child kinds), unchanged, or reject with each problem's field and reason. Values are converted to the
model's types and units, enumeration labels to codes; derived fields (scale, area…) are computed by
``model.rules.derive`` and never read from the file; ``model.rules.validate`` and the workflow rules
judge the result, as they judge a push. Re-importing the same file plans nothing but "unchanged".
"""

from __future__ import annotations

import re
import statistics
import uuid as uuidlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..model import RECORD_KINDS, RecordKind, geodesy, rules
from ..model.rules import Problem
from ..model.schema import BOOL, DATE, DATETIME, ENUM, INT, MULTI_ENUM, REAL, REF, TEXT, Field
from ..model.values import same
from . import crs as crslib
from . import geometry, units, values, vocabulary
from .errors import ImportFailure
from .mapping import Mapping, enum_code, match_field, multi_enum_codes, targets
from .sources import Note, Table

INSERT, UPDATE, UNCHANGED, REJECT = "insert", "update", "unchanged", "reject"
ACTIONS = (INSERT, UPDATE, UNCHANGED, REJECT)
ACTION_LABELS = {INSERT: ("新增", "insert"), UPDATE: ("更新", "update"), UNCHANGED: ("无变化", "unchanged"),
                 REJECT: ("拒绝", "rejected")}  # fmt: skip
OUTLIER_KM = 100.0  # without a known county extent, rows this far from the others are flagged
EXTENT_PAD_DEG = 0.05  # about 5 km around the county's known records
Progress = Callable[[float], None]


@dataclass
class Row:
    number: int  # as the user sees it in the file
    action: str
    code: str | None = None
    title: str | None = None
    uuid: str | None = None
    values: dict[str, Any] = field(default_factory=dict)  # insert: the record; update: changed fields
    problems: list[Problem] = field(default_factory=list)  # why it is rejected
    warnings: list[Problem] = field(default_factory=list)  # imported all the same
    source: dict[str, Any] = field(default_factory=dict)
    county: str | None = None


@dataclass
class Plan:
    kind: str
    rows: list[Row]
    columns: list[str]
    mapping: Mapping
    crs: crslib.Candidate | None = None
    notes: list[Note] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(ACTIONS, 0)
        for r in self.rows:
            out[r.action] += 1
        out["warnings"] = sum(1 for r in self.rows if r.warnings and r.action != REJECT)
        return out

    def inserts(self) -> list[dict[str, Any]]:
        return [r.values for r in self.rows if r.action == INSERT]

    def updates(self) -> dict[str, dict[str, Any]]:
        return {r.uuid: r.values for r in self.rows if r.action == UPDATE and r.uuid}

    def summary(self, lang: str = "zh") -> str:
        c = self.counts()
        if lang == "zh":
            return f"新增 {c[INSERT]}，更新 {c[UPDATE]}，无变化 {c[UNCHANGED]}，拒绝 {c[REJECT]}，警告 {c['warnings']}"
        return (f"{c[INSERT]} to insert, {c[UPDATE]} to update, {c[UNCHANGED]} unchanged, {c[REJECT]} rejected, "
                f"{c['warnings']} with warnings")  # fmt: skip


def _problem(f: Field | None, code: str, zh: str, en: str) -> Problem:
    return Problem(f.name if f else None, code, zh, en)


# --- values ---------------------------------------------------------------------------------------


def convert(f: Field, raw: Any, mapping: Mapping) -> Any:
    """A cell as the model value of ``f`` (units converted, labels to codes); BadValue when it cannot be."""
    if values.is_blank(raw):
        return None
    overrides = mapping.values.get(f.name)
    if f.type in (TEXT, REF):
        return values.text(raw)
    if f.type == REAL:
        number, unit = values.number(raw)
        unit = unit or mapping.units.get(f.name)
        if unit and f.unit and units.known(f.unit):
            try:
                number *= units.factor(unit, f.unit)
            except ValueError:
                raise values.BadValue(
                    f"“{raw}”的单位与{f.zh}（{f.unit}）不符", f"'{raw}' has a unit that is not one of {f.en} ({f.unit})"
                ) from None
        return round(number, 9)
    if f.type == INT:
        return values.integer(raw)
    if f.type == BOOL:
        return values.boolean(raw)
    if f.type == DATE:
        return values.date(raw)
    if f.type == DATETIME:
        return values.datetime(raw)
    if f.type == ENUM:
        return enum_code(f, raw, overrides)
    if f.type == MULTI_ENUM:
        return multi_enum_codes(f, raw, overrides)
    return raw


def _county(raw: Any) -> str | None:
    s = values.text(raw)
    if s is None:
        return None
    s = re.sub(r"\s", "", s)
    return s[:6] if re.fullmatch(r"\d{6}(\d{3}|\d{6})?", s) else s


# --- coordinates ----------------------------------------------------------------------------------


def _source_points(table: Table, mapping: Mapping, problems: dict[int, list[Problem]]) -> list[Any]:
    """Per row: a shapely geometry in the source CRS, or None; coordinate errors go to ``problems``."""
    if table.spatial:
        return list(table.geometries or [])
    out: list[Any] = []
    for i, row in enumerate(table.rows):
        g = None
        try:
            if mapping.wkt:
                wkt = values.text(row.get(mapping.wkt))
                g = geometry.from_wkt(wkt) if wkt else None
            elif mapping.x and mapping.y:
                rx, ry = row.get(mapping.x), row.get(mapping.y)
                if not values.is_blank(rx) or not values.is_blank(ry):
                    g = geometry.point(values.degrees(rx), values.degrees(ry))
        except values.BadValue as exc:
            problems.setdefault(i, []).append(Problem("geom", "coordinates", exc.zh, exc.en))
        except geometry.GeometryProblem as exc:
            problems.setdefault(i, []).append(Problem("geom", "geometry", exc.zh, exc.en))
        out.append(g)
    return out


def detect_crs(
    table: Table, mapping: Mapping, extent: crslib.Extent | None = None, points: list[Any] | None = None
) -> crslib.Detection | None:
    """How the file's coordinates are to be read (None: the file has no coordinates mapped)."""
    points = _source_points(table, mapping, {}) if points is None else points
    reps = [geometry.representative(g) for g in points if g is not None]
    if not reps:
        return None
    xs, ys = [p[0] for p in reps], [p[1] for p in reps]
    if mapping.crs:
        return crslib.Detection([crslib.choose(mapping.crs, xs, ys)], True)
    return crslib.detect(xs, ys, table.crs, extent)


def _transform(points: list[Any], cand: crslib.Candidate) -> list[Any]:
    return geometry.transform_all(points, lambda xs, ys: crslib.to_lonlat(xs, ys, cand))


# --- existing records -----------------------------------------------------------------------------


@dataclass
class Existing:
    """Records already in the target, indexed for matching."""

    kind: RecordKind
    by_key: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    by_title: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    codes: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def of(cls, kind: RecordKind, records: Iterable[dict[str, Any]]) -> Existing:
        ex = cls(kind)
        code_f, parent_f, title_f = match_field(kind), kind.parent_field, kind.title_field
        names = set(kind.field_names()) | {"geom"}
        for r in records:
            r = {k: v for k, v in r.items() if k in names}  # drop the target's own columns (fid…)
            county, code = r.get("county_code") or "", r.get(code_f) or ""
            parent = r.get(parent_f) or "" if parent_f else ""
            ex.by_key[(county, parent, str(code))] = r
            ex.codes.add((county, str(code)))
            if title_f and r.get(title_f):
                ex.by_title.setdefault((county, str(r[title_f])), []).append(r)
        return ex


def _parent_index(kind: RecordKind, parents: Iterable[dict[str, Any]]) -> dict[tuple[str, str], str]:
    parent = RECORD_KINDS[kind.parent] if kind.parent else None
    if parent is None:
        return {}
    code_f = match_field(parent)
    return {(r.get("county_code") or "", str(r.get(code_f))): r["uuid"] for r in parents if r.get(code_f)}


class _Codes:
    """Codes for new records of a file without a code column: {county}{prefix}{n:04d}, continuing."""

    def __init__(self, kind: RecordKind, existing: Existing):
        self.prefix = vocabulary.CODE_PREFIX.get(kind.name, kind.name.upper())
        self.next: dict[str, int] = {}
        pattern = re.compile(rf"^(\d{{6}}){re.escape(self.prefix)}(\d+)$")
        for county, code in existing.codes:
            m = pattern.match(code)
            if m:
                self.next[county] = max(self.next.get(county, 1), int(m.group(2)) + 1)

    def new(self, county: str) -> str:
        n = self.next.get(county, 1)
        self.next[county] = n + 1
        return f"{county}{self.prefix}{n:04d}"


# --- the plan -------------------------------------------------------------------------------------


@dataclass
class Context:
    """Everything a plan needs besides the file: the target's records and who imports."""

    existing: Iterable[dict[str, Any]] = ()
    parents: Iterable[dict[str, Any]] = ()
    extents: dict[str, crslib.Extent] = field(default_factory=dict)  # county -> known extent
    county: str | None = None  # for rows without a county column
    role: str = "admin"


def build(table: Table, mapping: Mapping, ctx: Context, progress: Progress | None = None,
          is_canceled: Callable[[], bool] | None = None) -> Plan:  # fmt: skip
    """The plan for every row of ``table``: nothing is written."""
    kind = mapping.record_kind
    missing = mapping.missing_columns(table.columns)
    if missing:
        raise ImportFailure(f"文件中没有这些列：{'、'.join(missing)}", f"the file has no columns {missing}")
    if "county_code" not in mapping.columns and not (ctx.county or mapping.constants.get("county_code")):
        raise ImportFailure("请指定县级行政区划代码（6位）", "give the 6-digit county code")
    plan = Plan(kind.name, [], table.columns, mapping, notes=list(table.notes))
    row_problems: dict[int, list[Problem]] = {}
    points = _source_points(table, mapping, row_problems) if kind.geometry else [None] * len(table.rows)
    lonlat = _locate(table, mapping, ctx, points, plan)
    existing = Existing.of(kind, ctx.existing)
    judge = _Judge(kind, mapping, ctx, existing, _parent_index(kind, ctx.parents))
    seen: dict[tuple[str, str, str], int] = {}
    total = max(len(table.rows), 1)
    for i, (raw, number) in enumerate(zip(table.rows, table.numbers)):
        if is_canceled is not None and i % 500 == 0 and is_canceled():
            raise ImportFailure("已取消", "canceled")
        row = judge.row(raw, number, lonlat[i], row_problems.get(i, []), seen)
        plan.rows.append(row)
        if progress is not None and i % 200 == 0:
            progress(100.0 * i / total)
    _flag_outliers(plan, lonlat, ctx)
    if judge.generated:
        plan.notes.append((f"文件中没有编码：已为 {judge.generated} 条新记录生成编码（县代码+{judge.codes.prefix}+序号）",
                           f"the file has no codes: generated {judge.generated} ({judge.codes.prefix} + number)"))  # fmt: skip
    return plan


def _locate(table: Table, mapping: Mapping, ctx: Context, points: list[Any], plan: Plan) -> list[Any]:
    """Geometries in EPSG:4490 (None where a row has none)."""
    if not any(p is not None for p in points):
        return points
    extent = _union([e for e in ctx.extents.values()]) if ctx.extents else None
    if extent is not None:  # zones are 3° apart: half a degree of slack cannot pick the wrong one
        extent = (extent[0] - 0.5, extent[1] - 0.5, extent[2] + 0.5, extent[3] + 0.5)
    detection = detect_crs(table, mapping, extent, points)
    if detection is None:
        return [None] * len(points)
    if not detection.certain:
        zh, en = detection.notes[-1] if detection.notes else ("无法确定坐标系", "cannot tell the CRS")
        options = "、".join(c.crs for c in detection.candidates[:4])
        raise ImportFailure(f"{zh}（可选 {options} 等）", f"{en} (e.g. {options})")
    plan.crs = detection.best
    plan.notes += detection.notes
    warning = crslib.datum_warning(plan.crs)
    if warning:
        plan.notes.append(warning)
    return _transform(points, plan.crs)


def _union(extents: list[crslib.Extent]) -> crslib.Extent | None:
    if not extents:
        return None
    return (min(e[0] for e in extents), min(e[1] for e in extents), max(e[2] for e in extents),
            max(e[3] for e in extents))  # fmt: skip


def _flag_outliers(plan: Plan, lonlat: list[Any], ctx: Context) -> None:
    """Say which rows fall outside their county's extent (or far from the others when it is unknown)."""
    reps = [geometry.representative(g) if g is not None else None for g in lonlat]
    by_county: dict[str, list[tuple[float, float]]] = {}
    for row, p in zip(plan.rows, reps):
        if p is not None and row.action != REJECT:
            by_county.setdefault(row.county or "", []).append(p)
    centres = {
        c: (statistics.median(p[0] for p in pts), statistics.median(p[1] for p in pts))
        for c, pts in by_county.items()
        if len(pts) >= 3
    }
    for row, p in zip(plan.rows, reps):
        if p is None or row.action == REJECT:
            continue
        extent = ctx.extents.get(row.county or "")
        if extent is not None:
            e = (extent[0] - EXTENT_PAD_DEG, extent[1] - EXTENT_PAD_DEG, extent[2] + EXTENT_PAD_DEG,
                 extent[3] + EXTENT_PAD_DEG)  # fmt: skip
            if not (e[0] <= p[0] <= e[2] and e[1] <= p[1] <= e[3]):
                row.warnings.append(Problem(
                    "geom", "extent", f"位置（{p[0]:.5f}, {p[1]:.5f}）在本县已有数据范围之外，请核对坐标",
                    f"position ({p[0]:.5f}, {p[1]:.5f}) lies outside the county's known extent",
                ))  # fmt: skip
            continue
        centre = centres.get(row.county or "")
        if centre is not None:
            km = geodesy.distance_m(centre, p) / 1000.0
            if km > OUTLIER_KM:
                row.warnings.append(Problem(
                    "geom", "extent", f"位置距其余记录约 {km:.0f} km，请核对坐标",
                    f"position is about {km:.0f} km from the other records",
                ))  # fmt: skip


class _Judge:
    """Turns one row into a planned record."""

    def __init__(self, kind: RecordKind, mapping: Mapping, ctx: Context, existing: Existing,
                 parents: dict[tuple[str, str], str]):  # fmt: skip
        self.kind, self.mapping, self.ctx, self.existing, self.parents = kind, mapping, ctx, existing, parents
        self.code_field = match_field(kind)
        self.fields = {f.name: f for f in targets(kind)}
        self.codes = _Codes(kind, existing)
        self.defaults = rules.defaults(kind)
        self.generated = 0  # codes made for rows without one

    def row(self, raw: dict[str, Any], number: int, geom: Any, problems: list[Problem],
            seen: dict[tuple[str, str, str], int]) -> Row:  # fmt: skip
        out = Row(number, REJECT, source=raw, problems=list(problems))
        vals = self._values(raw, out)
        county = vals.get("county_code")
        out.county = county
        if county is not None and not re.fullmatch(r"\d{6}", county):
            out.problems.append(Problem("county_code", "county", f"县级行政区划代码“{county}”应为6位数字",
                                        f"county code '{county}' must be 6 digits"))  # fmt: skip
        self._geometry(geom, vals, out)
        code = vals.get(self.code_field)
        out.code, out.title = code, vals.get(self.kind.title_field or "")
        if out.problems:
            self._add_model_problems(vals, out)
            return out
        parent = vals.get(self.kind.parent_field) if self.kind.parent_field else ""
        current = self._match(county, parent or "", code, vals, geom)
        if code is None and self.kind.name in vocabulary.ISSUED_CODES:
            f = self.kind.field(self.code_field)
            out.problems.append(Problem(self.code_field, "required", f"请填写{f.zh}（按它匹配更正后的批次）",
                                        f"{f.en} is required (a corrected batch is matched on it)"))  # fmt: skip
            return out
        if code is None:
            code = current[self.code_field] if current else self.codes.new(county)
            vals[self.code_field] = code
            out.code = code
            if current is None:
                self.generated += 1
        key = (county, parent or "", code)
        if key in seen:
            out.problems.append(Problem(self.code_field, "duplicate", f"编码“{code}”与第 {seen[key]} 行重复",
                                        f"code '{code}' repeats row {seen[key]}"))  # fmt: skip
            return out
        seen[key] = number
        return self._insert(vals, geom, out) if current is None else self._update(current, vals, geom, out)

    def _add_model_problems(self, vals: dict[str, Any], out: Row) -> None:
        """A row rejected for its values also gets the model's other complaints, all fixed in one go."""
        failed = {p.field for p in out.problems}
        record = {**self.defaults, **{k: v for k, v in vals.items() if v is not None and k != "geom"}}
        record.setdefault(self.code_field, "-")
        record["uuid"] = "-"
        out.problems += [p for p in rules.validate(self.kind, record) if p.field not in failed]

    def _values(self, raw: dict[str, Any], out: Row) -> dict[str, Any]:
        vals: dict[str, Any] = {}
        for name, value in self.mapping.constants.items():
            f = self.fields.get(name)
            try:  # typed once for every row (a batch's deadline): read like a cell
                vals[name] = value if f is None or name == "county_code" else convert(f, value, self.mapping)
            except values.BadValue as exc:
                out.problems.append(Problem(name, "value", f"{f.zh}：{exc.zh}", f"{f.en}: {exc.en}"))
        if self.ctx.county and "county_code" not in vals:
            vals["county_code"] = self.ctx.county
        for name, column in self.mapping.columns.items():
            f = self.fields.get(name)
            if f is None:
                continue
            cell = raw.get(column)
            try:
                value = _county(cell) if name == "county_code" else convert(f, cell, self.mapping)
            except values.BadValue as exc:
                zh = exc.zh if exc.zh.startswith(f.zh) else f"{f.zh}：{exc.zh}"
                out.problems.append(Problem(name, "value", zh, f"{f.en}: {exc.en}"))
                continue
            if value is not None or name not in vals:
                vals[name] = value
        for name, f in self.fields.items():
            if f.type == REF and vals.get(name) is not None:
                ref = self.parents.get((vals.get("county_code") or "", str(vals[name])))
                if ref is None:
                    parent = RECORD_KINDS[f.ref]
                    out.problems.append(Problem(name, "ref", f"找不到{parent.zh}“{vals[name]}”（按编码匹配）",
                                                f"no {parent.en} with code '{vals[name]}'"))  # fmt: skip
                vals[name] = ref
            if f.type == MULTI_ENUM and isinstance(vals.get(name), list):
                vals[name] = _json(vals[name])
        return vals

    def _geometry(self, geom: Any, vals: dict[str, Any], out: Row) -> None:
        if not self.kind.geometry:
            return
        if geom is None:
            if not any(p.field == "geom" for p in out.problems):
                out.warnings.append(Problem("geom", "no_geometry", "没有坐标或图形：记录会导入，但不在地图上显示",
                                            "no coordinates or shape: imported, but not on the map"))  # fmt: skip
            return
        try:
            g = geometry.as_kind(geom, self.kind.geometry)
        except geometry.GeometryProblem as exc:
            out.problems.append(Problem("geom", "geometry", exc.zh, exc.en))
            return
        x, y = geometry.representative(g)
        if not geodesy.in_china(x, y):
            out.problems.append(Problem("geom", "outside_china",
                                        f"位置（{x:.5f}, {y:.5f}）不在中国境内：请检查坐标系或经纬度是否填反",
                                        f"position ({x:.5f}, {y:.5f}) is outside China: check the CRS"))  # fmt: skip
            return
        vals["geom"] = g

    def _match(self, county: str, parent: str, code: str | None, vals: dict[str, Any], geom: Any):
        if code is not None:
            return self.existing.by_key.get((county, parent, code))
        title = vals.get(self.kind.title_field or "")
        if title is None:
            return None
        same_name = self.existing.by_title.get((county, str(title)), [])
        if len(same_name) == 1 and geom is None:
            return same_name[0]
        near = [r for r in same_name if geometry.near(r.get("geom"), vals.get("geom"), 100.0)]
        return near[0] if len(near) == 1 else None

    def _context(self, vals: dict[str, Any]) -> rules.Context:
        g = vals.get("geom")
        return rules.Context(point=geometry.point_of(g), polygons=geometry.polygons_of(g))

    def _insert(self, vals: dict[str, Any], geom: Any, out: Row) -> Row:
        record = {**self.defaults, **{k: v for k, v in vals.items() if v is not None}}
        record["uuid"] = str(uuidlib.uuid4())
        record.update(rules.derive(self.kind, record, self._context(record)))
        out.problems += _model_problems(self.kind, None, record, self.ctx.role)
        if out.problems:
            return out
        record["geom"] = geometry.wkb(record.get("geom"))
        out.action, out.uuid, out.values = INSERT, record["uuid"], record
        return out

    def _update(self, current: dict[str, Any], vals: dict[str, Any], geom: Any, out: Row) -> Row:
        before = {k: v for k, v in current.items() if k != "geom"}
        after = dict(before)
        changed: dict[str, Any] = {}
        for name, value in vals.items():
            if name in ("geom", "county_code"):
                continue
            if value is None:
                continue  # an empty cell leaves the stored value alone
            if not same(self.kind, name, current.get(name), value):
                after[name] = changed[name] = value
        new_geom = vals.get("geom")
        old_geom = geometry.load(current.get("geom"))
        if new_geom is not None and not geometry.equal(old_geom, new_geom):
            changed["geom"] = new_geom
        derived = rules.derive(self.kind, after, self._context({**after, "geom": new_geom or old_geom}))
        for name, value in derived.items():
            if not same(self.kind, name, current.get(name), value):
                after[name] = changed[name] = value
        out.uuid = current.get("uuid")
        if not changed:
            out.action = UNCHANGED
            return out
        old = {(p.field, p.code) for p in rules.validate(self.kind, before)}
        problems = [p for p in _model_problems(self.kind, before, after, self.ctx.role) if (p.field, p.code) not in old]
        if problems:
            out.problems += problems
            return out
        if "geom" in changed:
            changed["geom"] = geometry.wkb(changed["geom"])
        out.action, out.values = UPDATE, changed
        return out


def _model_problems(kind: RecordKind, before: dict[str, Any] | None, after: dict[str, Any], role: str) -> list[Problem]:
    """The model's judgement of a record, as a push gets it: values and required fields, then steps."""
    record = {k: v for k, v in after.items() if k != "geom"}
    return rules.validate(kind, record) + rules.step_problems(kind, before, record, role)


def _json(codes: list[str]) -> str:
    import json

    return json.dumps(codes, ensure_ascii=False)
