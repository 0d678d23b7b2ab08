"""Which other records and blobs a batch of changes needs, so they load in one query each.

The applier loads everything listed here at the start of a push, into its `RecordSet`.
A rule that needs other records (a parent, the hazards of a dam, the re-check of a hazard)
adds them here, and then finds them loaded.
"""

from __future__ import annotations

from typing import Any

from shuibao.model import RECORD_KINDS

from .ids import SHA_RE, UUID_RE


def record_uuids(changes: list[dict]) -> set[str]:
    """The records the changes touch and the parents they point at."""
    uuids = {c["uuid"] for c in changes if isinstance(c.get("uuid"), str)}
    for c in changes:
        uuids.update(_refs(c))
    return {u for u in uuids if UUID_RE.match(u)}


def photo_hashes(changes: list[dict]) -> set[str]:
    """The blob hashes that photo records of the changes refer to."""
    out = set()
    for c in changes:
        sha = _new_value(c, "sha256") if c.get("kind") == "photo" else None
        if isinstance(sha, str) and SHA_RE.match(sha):
            out.add(sha)
    return out


def _refs(change: dict) -> list[str]:
    kind = RECORD_KINDS.get(change.get("kind"))
    names = []
    if kind is not None and kind.parent_field:
        names.append(kind.parent_field)
    if change.get("kind") == "photo":
        names.append("parent_uuid")
    return [ref for ref in (_new_value(change, n) for n in names) if isinstance(ref, str)]


def _new_value(change: dict, name: str) -> Any:
    fv = (change.get("fields") or {}).get(name)
    return fv.get("new") if isinstance(fv, dict) else None
