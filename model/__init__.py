"""The Shuibao domain model, shared by the QGIS plugin and the central server.

Imports nothing from QGIS: the server and plain tests use it as it is.
"""

from .definition import (
    AUDIT_FIELD_NAMES,
    AUDIT_FIELDS,
    DELIST_FIELDS,
    ENUMERATIONS,
    MODEL_VERSION,
    OBJECT_KINDS,
    RECORD_KINDS,
    STRUCTURE_MEASURES,
    THRESHOLDS,
    kind,
)
from .schema import ROLES, Field, RecordKind, Thresholds, Workflow

__all__ = [
    "AUDIT_FIELDS",
    "AUDIT_FIELD_NAMES",
    "DELIST_FIELDS",
    "ENUMERATIONS",
    "MODEL_VERSION",
    "OBJECT_KINDS",
    "RECORD_KINDS",
    "ROLES",
    "STRUCTURE_MEASURES",
    "THRESHOLDS",
    "Field",
    "RecordKind",
    "Thresholds",
    "Workflow",
    "kind",
]
