"""The choices of the model's multi-choice fields as a lookup layer, so that a form ticks labels.

QGIS 3.22 has one editor that ticks several values of a list: the value relation with AllowMulti,
which reads its choices from a layer. The layer here is a virtual layer whose query holds the
enumerations themselves (no table in the store, nothing to migrate or sync): its source is saved
with the project, so a reopened project finds it, and it follows the model when the plugin opens
a store again. It is in the project but not in the layer tree.

The editor reads the store's JSON list; it hands back ``{a,b}`` text, which layers.values turns
back into JSON (the forms' problems while typing, and before each commit: layers.forms).
"""

from __future__ import annotations

from urllib.parse import quote

from qgis.core import QgsEditorWidgetSetup, QgsProject, QgsVectorLayer

from ..model import RECORD_KINDS
from ..model.schema import MULTI_ENUM, Field

PROPERTY = "shuibao/choices"
LAYER_NAME = "shuibao_choices"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def query() -> str:
    """One row per choice of every multi-choice field's enumeration."""
    rows: dict[tuple[str, str], str] = {}
    for kind in RECORD_KINDS.values():
        for f in kind.fields:
            if f.type != MULTI_ENUM:
                continue
            for i, c in enumerate(f.enum.choices):
                key = (f.enum.name, c.code)
                rows.setdefault(key, f"SELECT {_lit(f.enum.name)}, {_lit(c.code)}, {_lit(c.zh)}, {_lit(c.en)}, {i}")
    head = "SELECT '' AS enumeration, '' AS code, '' AS zh, '' AS en, 0 AS ord WHERE 0"
    return " UNION ALL ".join([head, *rows.values()])


def lookup_layer(project: QgsProject | None = None) -> QgsVectorLayer:
    """The project's lookup layer of choices (added once, replaced when the model's choices changed)."""
    project = project or QgsProject.instance()
    source = "?query=" + quote(query())
    for layer in list(project.mapLayers().values()):
        if layer.customProperty(PROPERTY):
            if layer.source() == source and layer.isValid():
                return layer
            project.removeMapLayer(layer.id())
    layer = QgsVectorLayer(source, LAYER_NAME, "virtual")
    layer.setCustomProperty(PROPERTY, True)
    project.addMapLayer(layer, False)  # not in the layer tree: only forms read it
    return layer


def widget_setup(f: Field, layer: QgsVectorLayer, lang: str) -> QgsEditorWidgetSetup:
    """Tick boxes labelled in `lang`, one per choice of `f` (QGIS 3.22 lists them by code)."""
    config = {
        "Layer": layer.id(), "LayerName": layer.name(), "LayerSource": layer.source(), "LayerProviderName": "virtual",
        "Key": "code", "Value": "zh" if lang == "zh" else "en", "AllowMulti": True, "AllowNull": True,
        "OrderByValue": False, "NofColumns": 2, "UseCompleter": False,
        "FilterExpression": f'"enumeration" = {_lit(f.enum.name)}',
    }  # fmt: skip
    return QgsEditorWidgetSetup("ValueRelation", config)
