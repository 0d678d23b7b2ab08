"""`shuibao-server import`: a county's or a province's registers into the server database.

The import itself is the plugin's core (`shuibao.registers`: reading Excel, CSV, Shapefile,
GeoPackage, GeoJSON and KML, the CRS, Chinese headers, units, option labels, the plan of what is
inserted, updated, unchanged or rejected). This module is its server target: existing records and
county extents come from the database, and writes go through a push's applier as `import:<user>`,
an admin of the import's counties, so every rule of a push holds (values, roles and steps, the
model's validation, derived fields, references, county scoping) and the history says who loaded what.
The dry run (the default) makes the same writes in a transaction it rolls back, so it rejects
exactly the rows that `--apply` would.
"""

from __future__ import annotations

import getpass
import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

import sqlalchemy as sa
from shuibao.model import RECORD_KINDS, RecordKind
from shuibao.model.rules import Problem
from shuibao.model.schema import MULTI_ENUM
from shuibao.registers import ImportFailure, MissingLibrary, deps, geometry, report
from shuibao.registers.mapping import Mapping
from shuibao.registers.plan import INSERT, REJECT, UNCHANGED, UPDATE, Plan, Row
from shuibao.registers.run import Result, extent_kinds, run_import

from . import auth, db
from .config import Settings
from .loader import apply_in, insert_change, system_principal, trial_tx
from .sync import records
from .sync.records import Rec

# What `shuibao.registers` imports, as the [import] extra installs it (pyogrio or fiona reads files).
EXTRA_MODULES = (("geopandas",), ("pyogrio", "fiona"), ("pyproj",), ("openpyxl",), ("xlrd",))
INSTALL = "pip install 'shuibao-server[import]'"
PRINTED_ROWS = 100  # problem rows shown on the terminal; the --report file has them all


# -- the optional libraries ----------------------------------------------------------------------


def missing_libraries() -> list[str]:
    return [names[0] for names in EXTRA_MODULES if not any(deps.available(n) for n in names)]


def missing_message(missing: list[str]) -> str:
    names = "、".join(missing)
    return (
        f"导入登记数据需要可选组件 [import]，当前环境缺少 Python 库：{names}。\n"
        f"请在安装 shuibao-server 的虚拟环境中运行：{INSTALL}"
        "（从 wheel 文件安装时：pip install 'shuibao_server-<版本>-py3-none-any.whl[import]'）\n"
        f"Importing registers needs the optional [import] extra; missing Python libraries: {', '.join(missing)}.\n"
        f"In the server's virtual environment run: {INSTALL} "
        "(from a wheel file: pip install 'shuibao_server-<version>-py3-none-any.whl[import]')"
    )


# -- the server as the target of an import -------------------------------------------------------


@dataclass
class ServerTarget:
    """Records read from, and written to, the server database (see `shuibao.registers.run.Target`)."""

    engine: sa.Engine
    username: str  # recorded as import:<username>
    counties: set[str] | None  # where rows may be written; None: every county the file names
    max_vertices: int
    role: str = "admin"
    base: dict[str, Rec] = field(default_factory=dict)  # the records the plan was made from, by uuid

    def records(self, kind: str, counties: set[str] | None) -> list[dict[str, Any]]:
        with db.read_tx(self.engine) as conn:
            found = records.of_kinds(conn, [kind], counties)
        self.base.update((r.uuid, r) for r in found)
        return [{**r.data, "uuid": r.uuid, "county_code": r.county_code, "geom": r.wkb} for r in found]

    def extent(self, county: str) -> tuple[float, float, float, float] | None:
        with db.read_tx(self.engine) as conn:
            found = records.of_kinds(conn, extent_kinds(), {county})
        return geometry.extent(r.wkb for r in found)

    def write(self, plan: Plan) -> dict[str, int]:
        """The plan's inserts and updates as a push would apply them, in one transaction."""
        return self._apply(plan, keep=True)

    def check(self, plan: Plan) -> None:
        """The same, rolled back: the rows a write would refuse are rejected in the plan."""
        self._apply(plan, keep=False)

    def _apply(self, plan: Plan, keep: bool) -> dict[str, int]:
        rows = [r for r in plan.rows if r.action in (INSERT, UPDATE)]
        kind = RECORD_KINDS[plan.kind]
        changes = [self._change(kind, r) for r in rows]
        allowed = self.counties if self.counties is not None else {r.county for r in rows if r.county}
        principal = system_principal(f"import:{self.username}", allowed)
        with trial_tx(self.engine, keep) as conn:
            results = apply_in(conn, principal, changes, self.max_vertices)
        return _fold(kind, rows, results, keep)

    def _change(self, kind: RecordKind, row: Row) -> dict[str, Any]:
        if row.action == INSERT:
            return insert_change(kind.name, row.uuid or "", {n: _wire(kind, n, v) for n, v in row.values.items()})
        base = self.base[row.uuid or ""]
        fields = {n: {"old": base.value(n), "new": _wire(kind, n, v)} for n, v in row.values.items()}
        return {"kind": kind.name, "uuid": row.uuid, "op": "update", "base_rev": base.rev, "fields": fields}


def _wire(kind: RecordKind, name: str, value: Any) -> Any:
    """A planned value as a push sends it: geometry as hex WKB, multi-enums as lists."""
    if name == "geom":
        return bytes(value).hex() if isinstance(value, (bytes, bytearray, memoryview)) else value
    if isinstance(value, str) and name in kind.field_names() and kind.field(name).type == MULTI_ENUM:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _fold(kind: RecordKind, rows: list[Row], results: list[dict], kept: bool) -> dict[str, int]:
    """Put the applier's answers into the plan's rows; counts of what was (or would be) written."""
    written = {"inserted": 0, "updated": 0}
    for row, res in zip(rows, results):
        if res["status"] not in ("applied", "conflict"):
            row.action = REJECT
            row.problems = [_problem(e) for e in res["errors"]]
            continue
        if row.action == UPDATE and not res["applied"] and not res["conflicts"]:
            row.action, row.values = UNCHANGED, {}  # only derived values differed: the server's stand
            continue
        if row.action == INSERT or res["applied"]:
            written["inserted" if row.action == INSERT else "updated"] += 1
        if res["conflicts"]:  # the other fields applied; these wait in the conflict list, as after a push
            row.warnings.append(_conflict_warning(kind, res["conflicts"], kept))
        row.warnings += [_problem(w) for w in res.get("warnings") or []]  # accepted, reported, as in a push
    return written


def _problem(e: dict) -> Problem:
    return Problem(e.get("field"), e.get("code") or "rejected", e.get("zh") or "", e.get("en") or "")


def _conflict_warning(kind: RecordKind, conflicts: list[dict], kept: bool) -> Problem:
    names = [c.get("field") for c in conflicts]
    labels = "、".join(kind.field(n).zh if n in kind.field_names() else str(n) for n in names)
    zh = "已记入冲突列表，待技术员处理" if kept else "导入时将记入冲突列表"
    return Problem(
        names[0] if len(names) == 1 else None, "conflict",
        f"{labels}：服务器上的值在读取后被他人修改，{zh}",
        f"{', '.join(map(str, names))}: changed on the server by someone else meanwhile; kept as conflicts",
    )  # fmt: skip


# -- the command ---------------------------------------------------------------------------------


def command(settings: Settings, args) -> int:
    """`shuibao-server import FILE --kind KIND …`: 0 all rows fine, 2 some rows rejected, 1 failed."""
    missing = missing_libraries()
    if missing:
        print(missing_message(missing), file=sys.stderr)
        return 1
    username = _username(args.user)
    if args.county:
        auth.check_counties([args.county])
    engine = db.make_engine(settings.url)
    try:
        _ready(engine, args.apply)
        result = run_import(
            args.file, args.kind,
            ServerTarget(engine, username, {args.county} if args.county else None, settings.max_vertices),
            mapping=Mapping.load(args.mapping) if args.mapping else None, layer=args.layer, county=args.county,
            crs=args.crs, dry_run=not args.apply, progress=_progress(sys.stderr),
        )  # fmt: skip
    except MissingLibrary as exc:
        print(missing_message([exc.module]), file=sys.stderr)
        return 1
    except ImportFailure as exc:
        print(f"导入失败：{exc.zh}\nimport failed: {exc.en}", file=sys.stderr)
        if "坐标系" in exc.zh:  # the dialog asks for it; here it is an option
            print("用 --crs 指定文件的坐标系，如 --crs EPSG:4547 (give the file's CRS with --crs)", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print_report(result, sys.stdout)
    try:
        _save(result, args)
    except OSError as exc:
        print(f"无法写入文件：{exc}\ncannot write the file: {exc}", file=sys.stderr)
        return 1
    return 2 if result.plan.counts()[REJECT] else 0


def _progress(err: TextIO):
    """Percent done on a terminal (a province's file takes a while); nothing in a log or a pipe."""
    if not err.isatty():
        return None

    def show(percent: float) -> None:
        print(f"\r{percent:3.0f}%", end="\n" if percent >= 100 else "", file=err, flush=True)

    return show


def _username(given: str | None) -> str:
    try:
        name = given or getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        name = "admin"
    if not re.fullmatch(r"[\w.@-]{1,57}", name):
        raise ValueError("--user: 1–57 letters, digits, . @ - _ (用户名只能包含字母、数字和 . @ - _)")
    return name


def _ready(engine: sa.Engine, apply: bool) -> None:
    """A database at the current schema; `--apply` migrates it as `seed-demo` does, a dry run does not."""
    if db.current_revision(engine) == db.head_revision():
        return
    if not apply:
        raise ImportFailure(
            "数据库尚未初始化或版本较旧：请先运行 shuibao-server init",
            "the database is not initialised or is out of date: run shuibao-server init first",
        )
    db.migrate(engine)


def _save(result: Result, args) -> None:
    if args.report:
        path = report.write(result.plan, args.report)
        print(f"检查报告已写入 {path} (report written)")
    if args.save_mapping:
        result.plan.mapping.save(args.save_mapping)
        print(f"字段对应已保存到 {args.save_mapping}（可编辑后用 --mapping 再次导入） (mapping saved)")


def print_report(result: Result, out: TextIO) -> None:
    """The plugin's report on a terminal: notes, mapping, counts, then every rejected or warned row."""
    plan = result.plan
    for line in report.notes(plan):
        print(line, file=out)
    problems = report.lines(plan, only_problems=True)[1:]
    if problems:
        print("有问题的行（行号｜结果｜问题字段｜原因｜警告）：", file=out)
    for number, action, fields, reasons, warnings, *_source in problems[:PRINTED_ROWS]:
        parts = [f"第 {number} 行", action, fields, reasons, f"警告：{warnings}" if warnings else ""]
        print("  " + "｜".join(p for p in parts if p), file=out)
    if len(problems) > PRINTED_ROWS:
        print(f"  …… 另有 {len(problems) - PRINTED_ROWS} 行，全部见 --report 文件", file=out)
    if result.written is None:
        print(f"试运行，未写入任何数据；确认无误后加 --apply 写入。Dry run ({plan.summary('en')}): nothing "
              "written; add --apply to write.", file=out)  # fmt: skip
    else:
        w = result.written
        print(f"已写入：新增 {w['inserted']}，更新 {w['updated']}。Written: {w['inserted']} inserted, "
              f"{w['updated']} updated.", file=out)  # fmt: skip
