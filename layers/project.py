"""Load an offline store (GeoPackage) into a QGIS project as grouped, styled, labelled layers.

Imports from qgis.core only: no widgets, so it runs in tests, Processing and qgis_process.
Every layer added here carries custom properties ``shuibao/kind`` and ``shuibao/store``:
the docks find their layers by them, and opening the same store twice reuses them.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from contextlib import closing

from qgis.core import (
    QgsEditorWidgetSetup,
    QgsExpressionContextUtils,
    QgsLayerTreeGroup,
    QgsProject,
    QgsRelation,
    QgsVectorLayer,
)

from ..model import OBJECT_KINDS, RECORD_KINDS, RecordKind
from ..model.schema import ENUM, REF
from . import forms, styles

KIND_PROPERTY = "shuibao/kind"
STORE_PROPERTY = "shuibao/store"
GROUP_PROPERTY = "shuibao/store_group"
PROJECT_SCOPE = "shuibao"
READ_ONLY_FIELDS = ("uuid", "server_rev", "created_at", "created_by", "updated_at", "updated_by")


class StoreError(Exception):
    """The file is not a Shuibao store, or it cannot be read."""


def default_language() -> str:
    from ..settings import language

    return language()


def _norm(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def group_name(path: str) -> str:
    return f"水保巡检 {os.path.basename(path)}"


def layer_uri(path: str, kind: str) -> str:
    return f"{path}|layername={kind}"


def store_layers(project: QgsProject | None = None, path: str | None = None) -> dict[str, QgsVectorLayer]:
    """The Shuibao layers already in the project, by kind (of one store when `path` is given)."""
    project = project or QgsProject.instance()
    wanted = _norm(path) if path else None
    found: dict[str, QgsVectorLayer] = {}
    for layer in project.mapLayers().values():
        kind = layer.customProperty(KIND_PROPERTY)
        if not kind or not isinstance(layer, QgsVectorLayer):
            continue
        if wanted is not None and layer.customProperty(STORE_PROPERTY) != wanted:
            continue
        found.setdefault(str(kind), layer)
    return found


def find_layer(kind: str, project: QgsProject | None = None) -> QgsVectorLayer | None:
    """The first layer of `kind` in the project, from whichever store is open."""
    return store_layers(project).get(kind)


def _group(parent: QgsLayerTreeGroup, name: str, key: str) -> QgsLayerTreeGroup:
    for child in parent.children():
        if isinstance(child, QgsLayerTreeGroup) and child.customProperty(GROUP_PROPERTY) == key:
            return child
    group = parent.addGroup(name)
    group.setCustomProperty(GROUP_PROPERTY, key)
    return group


def _value_map(field, lang: str) -> QgsEditorWidgetSetup:
    entries = [{(c.zh if lang == "zh" else c.en): c.code} for c in field.enum.choices]
    return QgsEditorWidgetSetup("ValueMap", {"map": entries})


def configure_layer(layer: QgsVectorLayer, kind: RecordKind, lang: str) -> None:
    """Aliases, value maps, read-only derived fields, display expression and symbols."""
    form = layer.editFormConfig()
    fields = layer.fields()
    for f in kind.fields:
        idx = fields.indexFromName(f.name)
        if idx < 0:
            continue
        layer.setFieldAlias(idx, f.label(lang))
        if f.type == ENUM and f.enum is not None:
            layer.setEditorWidgetSetup(idx, _value_map(f, lang))
        if f.derived or f.name in READ_ONLY_FIELDS or f.type == REF:
            form.setReadOnly(idx, True)
    layer.setEditFormConfig(form)
    if kind.code_field and kind.title_field and kind.code_field != kind.title_field:
        layer.setDisplayExpression(
            f"coalesce(\"{kind.code_field}\", '') || ' ' || coalesce(\"{kind.title_field}\", '')"
        )
    elif kind.code_field:
        layer.setDisplayExpression(f'"{kind.code_field}"')
    styles.apply_style(layer, kind, lang)


def relation_id(path: str, kind: str) -> str:
    suffix = hashlib.sha1(_norm(path).encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
    return f"shuibao_{kind}_{suffix}"


def _add_relations(
    project: QgsProject, layers: dict[str, QgsVectorLayer], path: str, lang: str
) -> dict[str, QgsRelation]:
    """Parent → child relations; returns them by child kind."""
    manager = project.relationManager()
    found: dict[str, QgsRelation] = {}
    suffix = hashlib.sha1(_norm(path).encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
    for name, kind in RECORD_KINDS.items():
        if not kind.parent or not kind.parent_field or name not in layers or kind.parent not in layers:
            continue
        rel_id = f"shuibao_{name}_{suffix}"
        if manager.relation(rel_id).isValid():
            found[name] = manager.relation(rel_id)
            continue
        relation = QgsRelation()
        relation.setId(rel_id)
        relation.setName(f"{RECORD_KINDS[kind.parent].label(lang)} → {kind.label(lang)}")
        relation.setReferencingLayer(layers[name].id())
        relation.setReferencedLayer(layers[kind.parent].id())
        relation.addFieldPair(kind.parent_field, "uuid")
        if relation.isValid():
            manager.addRelation(relation)
            found[name] = manager.relation(rel_id)
    return found


def _configure_forms(
    project: QgsProject, layers: dict[str, QgsVectorLayer], new: set[str], relations: dict[str, QgsRelation], lang: str
) -> None:
    """Attribute forms of the newly added layers (tabs, widgets, constraints, defaults, children)."""
    from ..settings import user_name

    QgsExpressionContextUtils.setProjectVariable(project, forms.USER_VARIABLE, user_name())
    county = None
    for name in ("dam", "patch", "watershed"):
        layer = layers.get(name)
        if layer is not None and county is None:
            idx = layer.fields().indexFromName("county_code")
            values = layer.uniqueValues(idx, 1) if idx >= 0 else set()
            county = next((v for v in values if v), None)
    if county:
        QgsExpressionContextUtils.setProjectVariable(project, forms.COUNTY_VARIABLE, str(county))
    ids = {name: layer.id() for name, layer in layers.items()}
    for name in new:
        kind = RECORD_KINDS[name]
        children = {child: rel for child, rel in relations.items() if RECORD_KINDS[child].parent == name}
        forms.configure_form(layers[name], kind, lang, children, ids)


def _object_of(kind: RecordKind) -> str | None:
    if kind.object_kind in OBJECT_KINDS:
        return kind.object_kind
    return None


def _switch_to_wal(path: str, layers) -> None:
    """QGIS resets the file to DELETE on opening it; put it back to WAL (see layers.store) and reload
    the layers, so that QGIS reads in WAL from now on and keeps seeing features while a sync writes."""
    from .store import use_wal

    try:
        with closing(sqlite3.connect(path, timeout=2)) as conn:
            use_wal(conn)
    except sqlite3.Error:
        return  # read-only or locked: QGIS keeps the file as it is
    for layer in layers:
        layer.dataProvider().reloadData()


def _upgrade(path: str) -> None:
    """Bring a store made by an older plugin up to the model before QGIS reads it (new record kinds'
    tables, new columns, capture triggers; layers.migrations). Files that are not stores pass as they are."""
    from .store import StoreError as FileError
    from .store import StoreTooNew, open_store

    try:
        open_store(path)
    except StoreTooNew as exc:
        raise StoreError(str(exc)) from exc
    except FileError:
        pass  # not a Shuibao store: the checks below decide what QGIS may load
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise StoreError(f"{path}: the store could not be upgraded (数据文件升级失败): {exc}") from exc
    except sqlite3.DatabaseError:
        pass  # not an SQLite file at all: reported below as not a store


def open_store_in_project(
    path: str, project: QgsProject | None = None, language: str | None = None
) -> dict[str, QgsVectorLayer]:
    """Add every layer of the store at `path` to `project`, grouped, styled and labelled.

    Opening a store that is already in the project adds nothing and returns its layers.
    Raises StoreError when the file holds none of the model's tables.
    """
    project = project or QgsProject.instance()
    lang = language or default_language()
    lang = "zh" if lang.startswith("zh") else "en"
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise StoreError(f"no such file: {path}")
    _upgrade(path)
    key = _norm(path)
    existing = store_layers(project, path)

    root = project.layerTreeRoot()
    top = _group(root, group_name(path), key)
    groups: dict[str | None, QgsLayerTreeGroup] = {None: top}
    # Dams above patches above watersheds, so points draw over polygons.
    for obj in ("dam", "patch", "watershed"):
        groups[obj] = _group(top, RECORD_KINDS[OBJECT_KINDS[obj][0]].label(lang), f"{key}#{obj}")

    layers: dict[str, QgsVectorLayer] = {}
    for name, kind in RECORD_KINDS.items():
        if name in existing:
            layers[name] = existing[name]
            continue
        layer = QgsVectorLayer(layer_uri(path, name), kind.label(lang), "ogr")
        if not layer.isValid():
            continue
        layer.setCustomProperty(KIND_PROPERTY, name)
        layer.setCustomProperty(STORE_PROPERTY, key)
        configure_layer(layer, kind, lang)
        project.addMapLayer(layer, False)
        obj = _object_of(kind)
        # Photos go on top of the store's group: their points draw over everything.
        node = top.insertLayer(0, layer) if obj is None else groups[obj].addLayer(layer)
        main = OBJECT_KINDS.get(kind.object_kind or "", (None,))[0] == name
        if node is not None and kind.geometry is not None and not main and name != "watershed_spot":
            node.setItemVisibilityChecked(False)  # child points overlap their object: off by default
        if node is not None and not main:
            node.setExpanded(False)
        layers[name] = layer
    if not layers:
        if not top.children() or all(not g.children() for g in top.children()):
            root.removeChildNode(top)
        raise StoreError(f"{path} holds no Shuibao tables")
    for obj in ("dam", "patch", "watershed"):
        if not groups[obj].children():
            top.removeChildNode(groups[obj])
    if not existing:
        _switch_to_wal(path, layers.values())
    relations = _add_relations(project, layers, path, lang)
    _configure_forms(project, layers, set(layers) - set(existing), relations, lang)
    stores, _ok = project.readListEntry(PROJECT_SCOPE, "/stores")
    if key not in stores:
        project.writeEntry(PROJECT_SCOPE, "/stores", [*stores, key])
    from .conflicts import add_conflict_layer  # conflicts imports this module

    add_conflict_layer(path, project, lang)
    return layers


def opened_stores(project: QgsProject | None = None) -> list[str]:
    """Paths (normalised) of the stores that have layers in the project."""
    project = project or QgsProject.instance()
    paths: list[str] = []
    for layer in project.mapLayers().values():
        path = layer.customProperty(STORE_PROPERTY)
        if path and path not in paths:
            paths.append(str(path))
    return paths
