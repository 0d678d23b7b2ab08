"""One entry point for an import, whatever runs it: the QGIS dialog's task, ``shuibao:import``,
``shuibao-server import``. Each brings a :class:`Target` that knows its own records and writes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..model import OBJECT_KINDS, RECORD_KINDS
from . import crs as crslib
from . import mapping as mappinglib
from . import plan as planlib
from . import sources
from .errors import ImportFailure


class Target(Protocol):
    """Where records go: the offline store, or the server's database.

    A target may also have ``check(plan)``: a dry run calls it to judge the writes without keeping
    them (the server runs a push's rules in a transaction it rolls back, so its dry run rejects what
    its write would); it marks the rows it refuses in the plan.
    """

    role: str

    def records(self, kind: str, counties: set[str] | None) -> Iterable[dict[str, Any]]:
        """Records of ``kind`` (all their fields, ``geom`` as WKB) in ``counties`` (None: all)."""

    def extent(self, county: str) -> crslib.Extent | None:
        """Lon/lat extent of the county's records, None when there are too few to tell."""

    def write(self, plan: planlib.Plan) -> dict[str, int]:
        """Insert and update the plan's records in one transaction; counts of what was written."""


def extent_kinds() -> list[str]:
    """The kinds whose records outline a county: the registered objects with a geometry."""
    return [main for main, _zh, _en in OBJECT_KINDS.values() if RECORD_KINDS[main].geometry is not None]


@dataclass
class Result:
    plan: planlib.Plan
    written: dict[str, int] | None  # None: a dry run


def prepare(path: str | Path, kind: str, mapping: mappinglib.Mapping | None = None, layer: str | None = None):
    """The table of a file and the mapping to use (the given one, else a guess from the headers)."""
    table = sources.read(path, layer if layer is not None else (mapping.layer if mapping else None))
    if mapping is None:
        mapping = mappinglib.guess(kind, table.columns, table.spatial)
        mapping.layer = table.layer
    elif mapping.kind != kind:
        raise ImportFailure(
            f"字段对应文件是“{RECORD_KINDS[mapping.kind].zh}”的，不是“{RECORD_KINDS[kind].zh}”的",
            f"the mapping is for {mapping.kind}, not {kind}",
        )
    return table, mapping


def counties_of(table: sources.Table, mapping: mappinglib.Mapping, county: str | None) -> set[str]:
    column = mapping.columns.get("county_code")
    found = {planlib._county(r.get(column)) for r in table.rows} if column else set()
    found.discard(None)
    if county:
        found.add(county)
    return {c for c in found if c}


def context_for(target: Target, kind: str, counties: set[str], county: str | None) -> planlib.Context:
    k = RECORD_KINDS[kind]
    extents = {c: e for c in counties if (e := target.extent(c)) is not None}
    parents = list(target.records(k.parent, counties)) if k.parent else []
    return planlib.Context(list(target.records(kind, counties)), parents, extents, county, target.role)


def run_import(
    path: str | Path,
    kind: str,
    target: Target,
    *,
    mapping: mappinglib.Mapping | None = None,
    layer: str | None = None,
    county: str | None = None,
    crs: str | None = None,
    dry_run: bool = True,
    progress: Callable[[float], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
    table: sources.Table | None = None,
) -> Result:
    """Read, map, plan and (unless ``dry_run``) write. Rows that fail are in the plan, not raised.

    ``crs`` (EPSG:n, WKT or PROJ) overrides the mapping's and the file's; None detects it.
    ``table``: the file as already read (the dialog reads it once, to show its columns).
    """
    step = progress or (lambda _p: None)
    step(0.0)
    if table is None:
        table, mapping = prepare(path, kind, mapping, layer)
    elif mapping is None:
        mapping = mappinglib.guess(kind, table.columns, table.spatial)
    if crs:
        mapping.crs = crs
    step(10.0)
    ctx = context_for(target, kind, counties_of(table, mapping, county), county)
    step(20.0)
    plan = planlib.build(table, mapping, ctx, lambda p: step(20.0 + 0.6 * p), is_canceled)
    step(80.0)
    written = None
    if dry_run:
        check = getattr(target, "check", None)
        if check is not None:
            check(plan)
    else:
        if is_canceled is not None and is_canceled():
            raise ImportFailure("已取消", "canceled")
        written = target.write(plan)
    step(100.0)
    return Result(plan, written)
