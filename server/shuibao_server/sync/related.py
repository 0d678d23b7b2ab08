"""Which other records a batch of changes needs, so they load in a few queries.

The applier loads everything listed here at the start of a push, into its `RecordSet`: the records
the changes touch and the parents they point at, then what the model's rules and derived values of
those records read (`shuibao.model.links.NEEDS`: a dam's hazards, an acceptance's spot checks and
watershed…) and the records that follow them (`links.dependents`: the dam of a hazard…), round by
round, so that a spot that changes a watershed's treatment degree finds the watershed's
acceptances loaded too. A rule that needs other records declares them in the model's links.
"""

from __future__ import annotations

from typing import Any

from shuibao.model import RECORD_KINDS, links

from .ids import SHA_RE, UUID_RE
from .records import Rec, RecordSet, parent_of

ROUNDS = 4  # the longest chain: spot → watershed → acceptance (→ its checks and watershed)

Item = tuple[str, str, "str | None"]  # (kind, uuid, parent uuid)


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
        if isinstance(sha, str) and SHA_RE.fullmatch(sha):
            out.add(sha)
    return out


def load_linked(records: RecordSet, changes: list[dict]) -> None:
    """Load what the changed records' rules read and the records that follow them (after
    record_uuids' records are loaded)."""
    frontier = {item for c in changes if (item := _item(records, c)) is not None}
    seen: set[Item] = set()
    for _ in range(ROUNDS):
        frontier -= seen
        if not frontier:
            return
        seen |= frontier
        groups: dict[str, set[str]] = {}
        parents: set[str] = set()
        for kind, uuid, parent in frontier:
            _reads(kind, uuid, parent, groups, parents)
        records.load({p for p in parents if UUID_RE.match(p)})
        for kind, owners in groups.items():
            records.load_children(kind, {o for o in owners if UUID_RE.match(o)})
        frontier = {(r.kind, r.uuid, parent_of(r)) for item in frontier for r in followers(records, *item)}


def followers(records: RecordSet, kind: str, uuid: str, parent: str | None) -> list[Rec]:
    """The loaded records whose stored values follow the record (`links.dependents`)."""
    out: list[Rec] = []
    for dkind, how in links.dependents(kind):
        if how == links.PARENT:
            rec = records.get(parent)
            out += [rec] if rec is not None and rec.kind == dkind and not rec.deleted else []
        elif how == links.SIBLINGS:
            out += records.children(dkind, parent)
        else:
            out += records.children(dkind, uuid)
    return out


def _reads(kind: str, uuid: str, parent: str | None, groups: dict[str, set[str]], parents: set[str]) -> None:
    """Add the children groups and parents that the record reads or that follow it."""
    need = links.needs(kind, advisory=False)
    for child in need.children:
        groups.setdefault(child, set()).add(uuid)
    for sibling in need.siblings if parent else ():
        groups.setdefault(sibling, set()).add(parent)
    if need.parent and parent:
        parents.add(parent)
    for dkind, how in links.dependents(kind):
        if how == links.PARENT and parent:
            parents.add(parent)
        elif how == links.SIBLINGS and parent:
            groups.setdefault(dkind, set()).add(parent)
        elif how == links.CHILDREN:
            groups.setdefault(dkind, set()).add(uuid)


def _item(records: RecordSet, change: dict) -> Item | None:
    kind, uuid = change.get("kind"), change.get("uuid")
    if kind not in RECORD_KINDS or not isinstance(uuid, str) or not UUID_RE.match(uuid):
        return None
    rec = records.get(uuid)
    sent = _refs(change)
    parent = sent[0] if sent and kind != "photo" else (parent_of(rec) if rec is not None else None)
    return kind, uuid, parent


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
