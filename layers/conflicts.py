"""Records with an open sync conflict, shown on the map in bold red above everything else.

Design: two GeoPackage **views** inside the store, registered in ``gpkg_contents`` and
``gpkg_geometry_columns`` so GDAL/QGIS load them as ordinary read-only vector layers:

``sbs_conflict_point``  records with a point geometry (dams, inspections, surveys, photos…),
                        and point-less children shown at their parent's point (dam hazards);
``sbs_conflict_area``   records with a polygon geometry (patches, watersheds, spots), and
                        point-less children shown on their parent's polygon (measures, acceptances).

A view joins the open rows of ``sbs_conflict`` with the record tables' geometry, so it is always
correct without any work: after a sync, a resolution in the dialog, a sync run from Processing or
``qgis_process``, or reopening the project, it shows exactly the open conflicts. The UI only has
to ``reloadData()`` the layers to drop QGIS's feature cache. (A memory layer would need rebuilding
after each of those events and is lost with the project.) Two views rather than one because a
GeoPackage layer has one geometry type; QGIS would draw only one kind of a mixed ``GEOMETRY`` view.

Only qgis.core and sqlite3 here: no widgets. The views are built from the model's table and column
names (never user text) and hold no data, so dropping them loses nothing.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from qgis.core import (
    QgsLayerTreeGroup,
    QgsProject,
    QgsVectorLayer,
)

from ..model import RECORD_KINDS, RecordKind
from ..sync import state
from . import project as proj

CONFLICT_PROPERTY = "shuibao/conflicts"
GROUP_KEY_SUFFIX = "#conflicts"
SRS_ID = 4490
VIEWS = {
    "point": ("sbs_conflict_point", "POINT"),
    "area": ("sbs_conflict_area", "MULTIPOLYGON"),
}
NAMES = {
    "zh": {"group": "冲突", "point": "冲突（点）", "area": "冲突（面）"},
    "en": {"group": "Conflicts", "point": "Conflicts (points)", "area": "Conflicts (areas)"},
}
RED = "220,0,0,255"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _geometry_source(kind: RecordKind) -> tuple[str, str, str] | None:
    """(geometry family, join clause defining alias ``r`` = the record, geometry alias) for a kind."""
    record = f"JOIN {_q(kind.name)} r ON r.uuid = c.uuid"
    if kind.geometry:
        return ("point" if kind.geometry.endswith("Point") else "area"), record, "r"
    # A point-less child is shown at its parent's (or grandparent's) geometry.
    joins, alias, k = [record], "r", kind
    for depth in range(3):
        if not (k.parent and k.parent_field):
            return None
        parent = RECORD_KINDS[k.parent]
        nxt = f"p{depth}"
        joins.append(f"JOIN {_q(parent.name)} {nxt} ON {nxt}.uuid = {alias}.{_q(k.parent_field)}")
        if parent.geometry:
            return ("point" if parent.geometry.endswith("Point") else "area"), " ".join(joins), nxt
        alias, k = nxt, parent
    return None


def view_sql(family: str) -> str:
    """The SELECT of one conflicts view (one row per record with open conflicts)."""
    parts = []
    for kind in RECORD_KINDS.values():
        src = _geometry_source(kind)
        if src is None or src[0] != family:
            continue
        code = f"r.{_q(kind.code_field)}" if kind.code_field else "NULL"
        title = f"r.{_q(kind.title_field)}" if kind.title_field and kind.title_field != kind.code_field else "NULL"
        parts.append(
            "SELECT min(c.id) AS fid, c.kind AS kind, c.uuid AS uuid,"
            f" CAST({code} AS TEXT) AS code, CAST({title} AS TEXT) AS title,"
            f" count(*) AS conflicts, group_concat(c.field, ', ') AS fields, {src[2]}.geom AS geom"
            f" FROM sbs_conflict c {src[1]}"
            f" WHERE c.status = 'open' AND c.kind = '{kind.name}' AND {src[2]}.geom IS NOT NULL"
            " GROUP BY c.kind, c.uuid"
        )
    if not parts:  # keep the view valid (and empty) for a model without such kinds
        parts.append("SELECT NULL AS fid, NULL AS kind, NULL AS uuid, NULL AS code, NULL AS title,"
                     " 0 AS conflicts, NULL AS fields, NULL AS geom WHERE 0")  # fmt: skip
    return " UNION ALL ".join(parts)


def ensure_views(store_path: str | Path) -> None:
    """Create or update the conflicts views in the store (idempotent; one short transaction)."""
    conn = sqlite3.connect(str(store_path), timeout=30)
    try:
        state.ensure(conn)
        have = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'").fetchall())
        conn.execute("BEGIN IMMEDIATE")
        for family, (view, gtype) in VIEWS.items():
            create = f"CREATE VIEW {_q(view)} AS {view_sql(family)}"
            if have.get(view) != create:
                if view in have:
                    conn.execute(f"DROP VIEW {_q(view)}")
                conn.execute(create)
            conn.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)"
                " VALUES (?, 'features', ?, ?, ?)",
                (view, view, "Shuibao: records with open sync conflicts (view)", SRS_ID),
            )
            conn.execute(
                "INSERT OR IGNORE INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)"
                " VALUES (?, 'geom', ?, ?, 0, 0)",
                (view, gtype, SRS_ID),
            )
        conn.commit()
    finally:
        conn.close()


def open_conflict_count(store_path: str | Path) -> int:
    conn = sqlite3.connect(str(store_path), timeout=30)
    try:
        state.ensure(conn)
        return int(conn.execute("SELECT count(*) FROM sbs_conflict WHERE status = 'open'").fetchone()[0])
    finally:
        conn.close()


def _style(layer: QgsVectorLayer, family: str) -> None:
    from qgis.core import QgsFillSymbol, QgsMarkerSymbol, QgsSingleSymbolRenderer

    if family == "point":
        symbol = QgsMarkerSymbol.createSimple({
            "name": "circle", "color": "0,0,0,0", "outline_color": RED, "outline_width": "1",
            "outline_width_unit": "MM", "size": "7", "size_unit": "MM",
        })  # fmt: skip
    else:
        symbol = QgsFillSymbol.createSimple({
            "color": "220,0,0,40", "outline_color": RED, "outline_width": "1.2", "outline_width_unit": "MM",
            "style": "solid",
        })  # fmt: skip
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))


def conflict_layers(project: QgsProject | None = None, store_path: str | None = None) -> dict[str, QgsVectorLayer]:
    """The conflict layers in the project (of one store when given), by family (point/area)."""
    project = project or QgsProject.instance()
    key = proj._norm(store_path) if store_path else None
    out: dict[str, QgsVectorLayer] = {}
    for layer in project.mapLayers().values():
        tag = layer.customProperty(CONFLICT_PROPERTY)
        if tag and (key is None or layer.customProperty(proj.STORE_PROPERTY) == key):
            out.setdefault(str(tag), layer)
    return out


def _store_group(project: QgsProject, key: str, path: str) -> QgsLayerTreeGroup:
    root = project.layerTreeRoot()
    for child in root.children():
        if isinstance(child, QgsLayerTreeGroup) and child.customProperty(proj.GROUP_PROPERTY) == key:
            return child
    group = root.insertGroup(0, proj.group_name(path))
    group.setCustomProperty(proj.GROUP_PROPERTY, key)
    return group


def add_conflict_layer(
    store_path: str, project: QgsProject | None = None, language: str | None = None
) -> dict[str, QgsVectorLayer]:
    """Add the "冲突 / Conflicts" group (point and area layers) on top of the store's group.

    Idempotent: a second call reuses the layers already in the project (and reloads them).
    Returns the layers by family, ``{"point": layer, "area": layer}``.
    """
    project = project or QgsProject.instance()
    path = os.path.abspath(store_path)
    key = proj._norm(path)
    lang = language or proj.default_language()
    lang = "zh" if lang.startswith("zh") else "en"
    ensure_views(path)
    existing = conflict_layers(project, path)
    if len(existing) == len(VIEWS):
        refresh_conflict_layers(path, project)
        return existing
    top = _store_group(project, key, path)
    group = None
    for child in top.children():
        if isinstance(child, QgsLayerTreeGroup) and child.customProperty(proj.GROUP_PROPERTY) == key + GROUP_KEY_SUFFIX:
            group = child
    if group is None:
        group = top.insertGroup(0, NAMES[lang]["group"])
        group.setCustomProperty(proj.GROUP_PROPERTY, key + GROUP_KEY_SUFFIX)
    out = dict(existing)
    # Points above areas: insert the area layer first, then the point layer at the top.
    for family in ("area", "point"):
        if family in out:
            continue
        layer = QgsVectorLayer(f"{path}|layername={VIEWS[family][0]}", NAMES[lang][family], "ogr")
        if not layer.isValid():
            continue
        layer.setCustomProperty(CONFLICT_PROPERTY, family)
        layer.setCustomProperty(proj.STORE_PROPERTY, key)
        layer.setReadOnly(True)
        _style(layer, family)
        layer.setDisplayExpression("coalesce(\"code\", '') || ' ' || coalesce(\"title\", '')")
        project.addMapLayer(layer, False)
        group.insertLayer(0, layer)
        out[family] = layer
    return out


def refresh_conflict_layers(store_path: str | None = None, project: QgsProject | None = None) -> int:
    """Drop QGIS's cached features of the conflict layers; returns the number of marked records."""
    total = 0
    for layer in conflict_layers(project, store_path).values():
        layer.dataProvider().reloadData()
        layer.triggerRepaint()
        total += layer.featureCount()
    return total
