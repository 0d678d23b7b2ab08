"""Readable symbols for the store's layers: one category per value of the kind's status field.

Imports from qgis.core only. Colours follow traffic-light conventions: red needs action,
orange is in progress, green is done, blue was repaired.
"""

from __future__ import annotations

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFillSymbol,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsRendererCategory,
    QgsSimpleMarkerSymbolLayerBase,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor, QFont

from ..model import RECORD_KINDS, RecordKind

_Shape = QgsSimpleMarkerSymbolLayerBase.Shape

# status code -> (colour, marker shape for point layers)
DAM_HAZARD = {
    "normal": ("#2e9e44", _Shape.Circle),
    "dangerous": ("#d62728", _Shape.Triangle),
    "reinforcing": ("#ff8c00", _Shape.Diamond),
    "cleared": ("#1f77b4", _Shape.Square),
}
TREATMENT = {
    "untreated": "#d62728",
    "treating": "#ff8c00",
    "completed": "#9acd32",
    "accepted": "#2e9e44",
}
# Generic workflow steps: early steps warm, final steps green.
STEP_COLOURS = {
    "issued": "#d62728",
    "determined": "#ff8c00",
    "rectifying": "#ffb000",
    "draft": "#ff8c00",
    "planned": "#ffb000",
    "pending": "#ff8c00",
    "open": "#d62728",
    "submitted": "#2e9e44",
    "built": "#9acd32",
    "completed": "#2e9e44",
    "checked": "#1f77b4",
    "rectified": "#9acd32",
    "rechecked": "#1f77b4",
    "closed": "#2e9e44",
    "signed": "#2e9e44",
    "accepted": "#2e9e44",
}
RESULT_COLOURS = {"no_hazard": "#2e9e44", "general": "#ff8c00", "major": "#d62728"}
FALLBACK = ("#7f7f7f", "#8c564b", "#9467bd", "#e377c2", "#17becf", "#bcbd22")


def status_colour(kind: RecordKind | str, code: str, index: int = 0) -> str:
    """The colour that the layer's symbol uses for a status code (the docks reuse it)."""
    kind = RECORD_KINDS[kind] if isinstance(kind, str) else kind
    return _colour(kind, code, index)


def _colour(kind: RecordKind, code: str, index: int) -> str:
    if kind.name == "dam":
        return DAM_HAZARD.get(code, (FALLBACK[index % len(FALLBACK)], None))[0]
    if kind.status_field == "treatment_status":
        return TREATMENT.get(code, FALLBACK[index % len(FALLBACK)])
    if kind.status_field == "result":
        return RESULT_COLOURS.get(code, FALLBACK[index % len(FALLBACK)])
    return STEP_COLOURS.get(code, FALLBACK[index % len(FALLBACK)])


def _symbol(kind: RecordKind, geometry_type: str, colour: str, code: str | None):
    c = QColor(colour)
    if geometry_type == "Point":
        shape = DAM_HAZARD[code][1] if kind.name == "dam" and code in DAM_HAZARD else _Shape.Circle
        symbol = QgsMarkerSymbol.createSimple({"color": colour, "outline_color": "#303030", "outline_width": "0.3"})
        symbol.symbolLayer(0).setShape(shape)
        symbol.setSize(4.0 if kind.name == "dam" else 2.6)
        if kind.name == "dam" and code in ("dangerous", "reinforcing"):
            symbol.setSize(5.2)
        return symbol
    if geometry_type == "Line":
        return QgsLineSymbol.createSimple({"line_color": colour, "line_width": "0.6"})
    if kind.name == "watershed":
        # Outline only: a watershed encloses the dams and patches drawn above it.
        return QgsFillSymbol.createSimple(
            {"style": "no", "outline_color": colour, "outline_width": "0.9", "outline_style": "solid"}
        )
    fill = QColor(c)
    fill.setAlpha(150 if kind.name == "patch" else 110)
    outline = c.darker(140)
    return QgsFillSymbol.createSimple(
        {
            "color": f"{fill.red()},{fill.green()},{fill.blue()},{fill.alpha()}",
            "outline_color": outline.name(),
            "outline_width": "0.3",
        }
    )


def _geometry_type(kind: RecordKind) -> str | None:
    if kind.geometry is None:
        return None
    g = kind.geometry.lower()
    if "polygon" in g:
        return "Polygon"
    if "line" in g:
        return "Line"
    return "Point"


def categorized_renderer(kind: RecordKind | str, lang: str = "zh") -> QgsCategorizedSymbolRenderer | None:
    """A renderer with one category per status code (labels in `lang`), or None for tables."""
    kind = RECORD_KINDS[kind] if isinstance(kind, str) else kind
    gtype = _geometry_type(kind)
    if gtype is None:
        return None
    field = kind.field(kind.status_field) if kind.status_field else None
    if field is None or field.enum is None:
        return None
    categories = []
    for i, choice in enumerate(field.enum.choices):
        colour = _colour(kind, choice.code, i)
        label = choice.zh if lang == "zh" else choice.en
        categories.append(QgsRendererCategory(choice.code, _symbol(kind, gtype, colour, choice.code), label))
    # Anything outside the enumeration (NULL, a typo) stays visible in grey.
    other = QgsRendererCategory("", _symbol(kind, gtype, "#9e9e9e", None), "其他" if lang == "zh" else "Other")
    categories.append(other)
    return QgsCategorizedSymbolRenderer(field.name, categories)


def single_symbol(kind: RecordKind, colour: str = "#6a3d9a"):
    gtype = _geometry_type(kind)
    return _symbol(kind, gtype, colour, None) if gtype else None


def _labeling(field_name: str, size: float, colour: str, max_scale: float | None) -> QgsVectorLayerSimpleLabeling:
    settings = QgsPalLayerSettings()
    settings.fieldName = field_name
    text = QgsTextFormat()
    font = QFont("Noto Sans CJK SC")
    text.setFont(font)
    text.setSize(size)
    text.setSizeUnit(QgsUnitTypes.RenderUnit.RenderPoints)
    text.setColor(QColor(colour))
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    buffer.setColor(QColor("white"))
    text.setBuffer(buffer)
    settings.setFormat(text)
    if max_scale is not None:
        settings.scaleVisibility = True
        settings.minimumScale = max_scale  # most zoomed-out scale at which labels show
        settings.maximumScale = 0
    return QgsVectorLayerSimpleLabeling(settings)


def apply_style(layer: QgsVectorLayer, kind: RecordKind | str, lang: str = "zh") -> None:
    """Symbols per status and, for the main objects, labels with their names."""
    kind = RECORD_KINDS[kind] if isinstance(kind, str) else kind
    if not layer.isSpatial():
        return
    renderer = categorized_renderer(kind, lang)
    if renderer is not None:
        layer.setRenderer(renderer)
    else:
        symbol = single_symbol(kind)
        if symbol is not None:
            layer.renderer().setSymbol(symbol)
    if kind.name == "watershed":
        layer.setLabeling(_labeling("name", 11, "#1b5e20", None))
        layer.setLabelsEnabled(True)
    elif kind.name == "dam":
        layer.setLabeling(_labeling("name", 8, "#3e2723", 50000))
        layer.setLabelsEnabled(True)
    elif kind.name == "patch":
        layer.setLabeling(_labeling("code", 7, "#5a1d0c", 10000))
        layer.setLabelsEnabled(True)
    elif kind.name == "rs_spot":
        layer.setLabeling(_labeling("spot_id", 7, "#4a148c", 25000))
        layer.setLabelsEnabled(True)
    layer.triggerRepaint()
