"""Records with an open sync conflict, shown on the map in bold red above everything else.

The store holds two GeoPackage **views** (made with the sync client's tables, see
``layers.sync_local``), registered in ``gpkg_contents`` and ``gpkg_geometry_columns`` so GDAL/QGIS
load them as ordinary read-only vector layers:

``sbs_conflict_point``  records with a point geometry (dams, inspections, surveys, photos…),
                        and point-less children shown at their parent's point (dam hazards);
``sbs_conflict_area``   records with a polygon geometry (patches, watersheds, spots), and
                        point-less children shown on their parent's polygon (measures, acceptances).

A view is always correct without any work: after a sync, a resolution in the dialog, a sync run
from Processing or ``qgis_process``, or reopening the project, it shows exactly the open conflicts.
The UI only has to ``reloadData()`` the layers to drop QGIS's feature cache. (A memory layer would
need rebuilding after each of those events and is lost with the project.) Two views rather than
one because a GeoPackage layer has one geometry type.

This module only adds, styles and refreshes the layers; it reads no table itself.
"""

from __future__ import annotations

import os
from pathlib import Path

from qgis.core import (
    QgsLayerTreeGroup,
    QgsProject,
    QgsVectorLayer,
)

from . import project as proj
from . import sync_local
from .sync_local import CONFLICT_VIEWS as VIEWS

CONFLICT_PROPERTY = "shuibao/conflicts"
GROUP_KEY_SUFFIX = "#conflicts"
NAMES = {
    "zh": {"group": "冲突", "point": "冲突（点）", "area": "冲突（面）"},
    "en": {"group": "Conflicts", "point": "Conflicts (points)", "area": "Conflicts (areas)"},
}
RED = "220,0,0,255"


def ensure_views(store_path: str | Path) -> None:
    """Make sure the store has the conflict views (and the sync tables they read)."""
    with sync_local.opened(store_path):
        pass


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
