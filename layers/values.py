"""Values between QGIS features and the model: the one conversion the forms, the docks and the
workflow actions share (the model stores ISO strings for dates, bool, int, float and codes).

qgis.core only, so that form expression functions can use it without widgets.
"""

from __future__ import annotations

import json
from typing import Any

from qgis.core import QgsApplication, QgsFeature, QgsValueRelationFieldFormatter
from qgis.PyQt.QtCore import QDate, QDateTime, Qt, QVariant

from ..model import RecordKind
from ..model.schema import BOOL, DATE, DATETIME, INT, MULTI_ENUM, REAL, Field


def is_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, QVariant):
        return value.isNull()
    return isinstance(value, (QDate, QDateTime)) and value.isNull()


def python_value(f: Field, value: Any) -> Any:
    """A layer attribute as the model stores it (ISO strings for dates, bool, int, float)."""
    if is_null(value):
        return None
    if isinstance(value, str) and f.type != BOOL and value == QgsApplication.nullRepresentation():
        return None  # an empty line edit in a form shows (and hands back) QGIS's NULL text; QGIS saves NULL
    if isinstance(value, QDateTime):
        return value.toUTC().toString(Qt.DateFormat.ISODate)
    if isinstance(value, QDate):
        return value.toString(Qt.DateFormat.ISODate)
    if f.type == BOOL:
        if isinstance(value, str):  # a value map's "true"/"false" before the layer converts it
            return value.strip().lower() in ("true", "1", "t", "yes")
        return bool(value)
    if f.type == MULTI_ENUM and isinstance(value, (str, list)):
        return codes_text(value)
    if f.type in (INT, REAL):
        try:
            return int(value) if f.type == INT else float(value)
        except (TypeError, ValueError):
            return value  # validation reports the wrong type
    return value


def codes_text(value: Any) -> Any:
    """A multi-choice value as the store holds it: the JSON list of codes. A form's multi-choice
    editor (QGIS's value relation) hands back ``{a,b}`` text, nothing chosen as ``{}`` (no value);
    JSON text and anything else pass as they are (validation judges them)."""
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value), ensure_ascii=False)
    if not (isinstance(value, str) and value.strip().startswith("{")):
        return value
    codes = QgsValueRelationFieldFormatter.valueToStringList(value)
    return json.dumps(codes, ensure_ascii=False) if codes else None


def feature_values(kind: RecordKind, feature: QgsFeature) -> dict[str, Any]:
    """The model's values of a feature (fields of `kind` only)."""
    names = set(feature.fields().names())
    return {f.name: python_value(f, feature[f.name]) for f in kind.fields if f.name in names}


def qt_value(f: Field, value: Any) -> Any:
    """A model value as a layer attribute (a multi-choice list as the JSON text the store holds)."""
    if value is None:
        return QVariant()
    if f.type == MULTI_ENUM and isinstance(value, (list, tuple)):
        return codes_text(value)
    if f.type == DATETIME and isinstance(value, str):
        return QDateTime.fromString(value, Qt.DateFormat.ISODate)
    if f.type == DATE and isinstance(value, str):
        return QDate.fromString(value[:10], Qt.DateFormat.ISODate)
    return value
