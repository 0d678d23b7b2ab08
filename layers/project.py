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
from ..model.schema import DATE, DATETIME, ENUM, REF, Field
from . import forms, splits, styles

KIND_PROPERTY = "shuibao/kind"
STORE_PROPERTY = "shuibao/store"
GROUP_PROPERTY = "shuibao/store_group"
PROJECT_SCOPE = "shuibao"
# The objects' groups from top to bottom, so points draw over small polygons over large ones.
DRAW_ORDER = ("dam", "rs_spot", "patch", "watershed")
assert set(DRAW_ORDER) == set(OBJECT_KINDS)


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
        if f.derived or f.name in forms.SERVER_OWNED or f.ref is not None:
            form.setReadOnly(idx, True)
    layer.setEditFormConfig(form)
    styles.apply_style(layer, kind, lang)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _shown(f: Field, lang: str, layer_ids: dict[str, str]) -> str:
    """A field as a person reads it: labels for codes, the code of a referenced record, dates as dates.

    A literal map and get_feature, not represent_value(): relation widgets evaluate display expressions
    in a background thread, where represent_value() finds no layer and the whole name comes out empty.
    """
    name = '"' + f.name.replace('"', '""') + '"'
    if f.type == ENUM and f.enum is not None:
        pairs = ", ".join(f"{_lit(c.code)}, {_lit(c.zh if lang == 'zh' else c.en)}" for c in f.enum.choices)
        return f"map_get(map({pairs}), {name})"
    if f.ref is not None and f.ref in layer_ids:
        target = RECORD_KINDS[f.ref]
        return f"attribute(get_feature({_lit(layer_ids[f.ref])}, 'uuid', {name}), {_lit(target.code_field)})"
    if f.type == DATETIME:
        return f"format_date({name}, 'yyyy-MM-dd HH:mm')"
    if f.type == DATE:
        return f"format_date({name}, 'yyyy-MM-dd')"
    if f.type == REF:
        return "''"
    return f"to_string({name})"


def display_expression(kind: RecordKind, lang: str = "zh", layer_ids: dict[str, str] | None = None) -> str:
    """How a record is named wherever QGIS refers to it (relation widgets, the attribute table's
    reference columns, the docks' timeline): its code and title, empty parts left out, never NULL."""
    names = [n for n in dict.fromkeys((kind.code_field, kind.title_field)) if n]
    parts = [f"coalesce({_shown(kind.field(n), lang, layer_ids or {})}, '')" for n in names]
    joined = " || ' ' || ".join(parts)
    return f"trim({joined})" if parts else ""


def relation_id(path: str, kind: str) -> str:
    suffix = hashlib.sha1(_norm(path).encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
    return f"shuibao_{kind}_{suffix}"


def _relation(manager, rel_id: str, name: str, child: QgsVectorLayer, parent: QgsVectorLayer, field: str):
    if manager.relation(rel_id).isValid():
        return manager.relation(rel_id)
    relation = QgsRelation()
    relation.setId(rel_id)
    relation.setName(name)
    relation.setReferencingLayer(child.id())
    relation.setReferencedLayer(parent.id())
    relation.addFieldPair(field, "uuid")
    if not relation.isValid():
        return None
    manager.addRelation(relation)
    return manager.relation(rel_id)


def _add_relations(
    project: QgsProject, layers: dict[str, QgsVectorLayer], path: str, lang: str
) -> tuple[dict[str, QgsRelation], dict[str, dict[str, str]]]:
    """A relation for every reference field (the parent's uuid, an inspection's, a spot's).

    Returns the parent → child relations by child kind (the forms' child tabs) and, by kind, the
    relation id each reference field follows (its widget shows the referenced record's name).
    """
    manager = project.relationManager()
    children: dict[str, QgsRelation] = {}
    references: dict[str, dict[str, str]] = {}
    suffix = hashlib.sha1(_norm(path).encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
    for name, kind in RECORD_KINDS.items():
        for f in kind.fields:
            if f.ref is None or name not in layers or f.ref not in layers:
                continue
            parent = f.name == kind.parent_field
            rel_id = f"shuibao_{name}_{suffix}" if parent else f"shuibao_{name}_{f.name}_{suffix}"
            title = f"{RECORD_KINDS[f.ref].label(lang)} → {kind.label(lang)}"
            relation = _relation(manager, rel_id, title if parent else f"{title} ({f.label(lang)})",
                                 layers[name], layers[f.ref], f.name)  # fmt: skip
            if relation is None:
                continue
            references.setdefault(name, {})[f.name] = rel_id
            if parent:
                children[name] = relation
    return children, references


def _configure_forms(
    project: QgsProject,
    layers: dict[str, QgsVectorLayer],
    new: set[str],
    relations: tuple[dict[str, QgsRelation], dict[str, dict[str, str]]],
    lang: str,
) -> None:
    """Attribute forms of the newly added layers (tabs, widgets, constraints, defaults, children)."""
    from ..settings import user_name

    QgsExpressionContextUtils.setProjectVariable(project, forms.USER_VARIABLE, user_name())
    county = None
    for name in DRAW_ORDER:
        layer = layers.get(name)
        if layer is not None and county is None:
            idx = layer.fields().indexFromName("county_code")
            values = layer.uniqueValues(idx, 1) if idx >= 0 else set()
            county = next((v for v in values if v), None)
    if county:
        QgsExpressionContextUtils.setProjectVariable(project, forms.COUNTY_VARIABLE, str(county))
    from . import follow  # follow imports records, which imports this module

    ids = {name: layer.id() for name, layer in layers.items()}
    parents, references = relations
    for name in new:
        kind = RECORD_KINDS[name]
        children = {child: rel for child, rel in parents.items() if RECORD_KINDS[child].parent == name}
        forms.configure_form(layers[name], kind, lang, children, ids, references.get(name, {}))
        follow.attach(layers[name], kind, project)


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
    for obj in DRAW_ORDER:
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
        splits.keep_identity(layer, kind)
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
    for obj in DRAW_ORDER:
        if not groups[obj].children():
            top.removeChildNode(groups[obj])
    if not existing:
        _switch_to_wal(path, layers.values())
    ids = {name: layer.id() for name, layer in layers.items()}
    for name in set(layers) - set(existing):
        expression = display_expression(RECORD_KINDS[name], lang, ids)
        if expression:
            layers[name].setDisplayExpression(expression)
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
