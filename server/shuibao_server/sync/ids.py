"""The shapes of the identifiers a change carries: record uuids and photo hashes."""

from __future__ import annotations

import re
import uuid as uuidlib

from ..blobs.store import SHA_RE

__all__ = ["SHA_RE", "UUID_RE", "is_uuid"]

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_uuid(value: object) -> bool:
    """A lower-case, canonical UUID string."""
    if not isinstance(value, str) or not UUID_RE.match(value):
        return False
    try:
        return str(uuidlib.UUID(value)) == value
    except ValueError:
        return False
