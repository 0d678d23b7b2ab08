"""Field values between their three forms, in one place.

* **storage**: what the GeoPackage holds (geometry as a GeoPackage blob, multi-enum as JSON text,
  booleans 0/1, datetimes as GDAL writes them);
* **record**: what :meth:`Store.insert_records` takes and the server's pull items carry apart from
  geometry (geometry as ISO WKB bytes, multi-enum as a list);
* **wire**: the JSON of the sync API (geometry as hex ISO WKB).

``canon`` gives a comparable form of a value in any of them (never stored): the sync client
compares with it, so equal values never make a false conflict. Fields compare through the model's
one comparison (``model.values.canon``, as the server's merge and the import do); geometry by its
normalised WKB. Plain Python, no QGIS.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

from ..model import values as model_values
from ..model.schema import BOOL, DATE, DATETIME, MULTI_ENUM, RecordKind
from . import gpkg


def format_datetime(value: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.sssZ`` in UTC, as GDAL writes a GeoPackage datetime."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def utc_now() -> str:
    return format_datetime(datetime.now(timezone.utc))


def to_sql(ftype: str, value: Any) -> Any:
    """A record value of type ``ftype`` as the store holds it (geometry aside).

    Lists (multi-enum) as JSON text, booleans as 0/1, datetimes in UTC as GDAL writes them, dates as
    ISO text; other values unchanged.
    """
    if value is None:
        return None
    if ftype == MULTI_ENUM and isinstance(value, (list, tuple, set)):
        return json.dumps(list(value), ensure_ascii=False)
    if ftype == BOOL:
        return int(bool(value))
    if ftype == DATETIME:
        if isinstance(value, datetime):
            return format_datetime(value)
        if isinstance(value, str):
            try:
                return format_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")))
            except ValueError:
                return value
    if ftype == DATE and isinstance(value, date):
        return value.isoformat()
    return value


def _ftype(kind: RecordKind, name: str) -> str | None:
    try:
        return kind.field(name).type
    except KeyError:
        return None


def to_wire(kind: RecordKind, name: str, value: Any) -> Any:
    """A stored value as the sync API sends it."""
    if value is None:
        return None
    if name == "geom":
        return gpkg.decode(bytes(value)).hex()
    ftype = _ftype(kind, name)
    if ftype == BOOL:
        return bool(value)
    if ftype == MULTI_ENUM and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, bytes):
        return value.hex()
    return value


def to_storage(kind: RecordKind, name: str, value: Any) -> Any:
    """A wire (or record) value as the store holds it."""
    if value is None:
        return None
    if name == "geom":
        return gpkg.encode(bytes.fromhex(value)) if isinstance(value, str) else gpkg.encode(bytes(value))
    ftype = _ftype(kind, name)
    return to_sql(ftype, value) if ftype else value


def to_record(kind: RecordKind, name: str, value: Any) -> Any:
    """A wire value in record form (what ``Store.insert_records``/``apply_remote`` take)."""
    if name == "geom" and isinstance(value, str):
        return bytes.fromhex(value) if value else None
    return value


def canon(kind: RecordKind, name: str, value: Any) -> Any:
    """A comparable form of a value in any form (never stored): the geometry by its normalised WKB,
    every other field by the model's one comparison (``model.values``, which the server uses too)."""
    if name != "geom":
        return model_values.canon(kind, name, value)
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    try:
        if isinstance(value, str):
            wkb = bytes.fromhex(value)
        elif bytes(value[:2]) == b"GP":
            wkb = gpkg.decode(bytes(value))
        else:
            wkb = bytes(value)
        return gpkg.decode(gpkg.encode(wkb))
    except (ValueError, gpkg.GeometryError):
        return ("raw", str(value))


def same(kind: RecordKind, name: str, a: Any, b: Any) -> bool:
    return canon(kind, name, a) == canon(kind, name, b)


def dumps(value: Any) -> str:
    """JSON text of a wire value (kept in the sync tables)."""
    return json.dumps(value, ensure_ascii=False)


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)
