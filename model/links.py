"""Which other records a record's derived values and rules read, and so which records follow when
one changes.

A dam's hazard status follows its hazards, a watershed's treatment degree its completed spots, an
acceptance's figures its spot checks (and, for a completion acceptance, its watershed), a patch
acceptance's completion rate the patch's measures; a watershed's or a patch's 治理状态 reaches 已验收
with its signed completion acceptance, and not without one. The server loads these records for a push
(server sync/related.py) and updates the records that follow in the same transaction; the plugin
builds the same context from its layers (layers/related.py) and mirrors the updates locally.
"""

from __future__ import annotations

from dataclasses import dataclass

from .definition import RECORD_KINDS


@dataclass(frozen=True)
class Needs:
    children: tuple[str, ...] = ()  # kinds whose parent field points at the record
    siblings: tuple[str, ...] = ()  # kinds under the record's parent (a patch acceptance: the patch's measures)
    parent: bool = False  # the parent record's values
    photos: bool = False  # the record's photos (ctx.children["photo"])
    # What of the above only warnings read (kinds, or "photo"): the server does not load it, nothing follows.
    advisory: tuple[str, ...] = ()


NEEDS: dict[str, Needs] = {
    "dam": Needs(children=("dam_hazard",)),
    "patch": Needs(children=("patch_measure", "patch_acceptance"), advisory=("patch_measure",)),
    "patch_acceptance": Needs(siblings=("patch_measure",)),
    "watershed": Needs(children=("watershed_spot", "watershed_acceptance")),
    "watershed_acceptance": Needs(children=("spot_check",), parent=True),
    "rs_recheck": Needs(photos=True, advisory=("photo",)),  # submitted without a photo: a warning
}

PARENT, SIBLINGS, CHILDREN = "parent", "siblings", "children"


def needs(kind: str, advisory: bool = True) -> Needs:
    """What a record of `kind` reads; without `advisory`, only what its rules and derived values read."""
    n = NEEDS.get(kind, Needs())
    if advisory or not n.advisory:
        return n
    rule = tuple(c for c in n.children if c not in n.advisory)
    siblings = tuple(s for s in n.siblings if s not in n.advisory)
    return Needs(rule, siblings, n.parent, n.photos and "photo" not in n.advisory)


def dependents(kind: str) -> list[tuple[str, str]]:
    """(kind, how) of the records whose stored values follow a record of `kind`: PARENT (the
    record's parent), SIBLINGS (records of that kind under the same parent), CHILDREN (its children)."""
    k = RECORD_KINDS[kind]
    out = []
    if k.parent and kind in needs(k.parent, advisory=False).children:
        out.append((k.parent, PARENT))
    for other in RECORD_KINDS.values():
        n = needs(other.name, advisory=False)
        if k.parent and other.parent == k.parent and kind in n.siblings:
            out.append((other.name, SIBLINGS))
        if other.parent == kind and n.parent:
            out.append((other.name, CHILDREN))
    return out


def at_final_step(kind: str, values: dict) -> bool:
    """A record at its main workflow's final step (signed, de-listed) keeps the figures it has [I]."""
    wf = RECORD_KINDS[kind].workflow
    return wf is not None and values.get(wf.state_field) in wf.final


Replace = "tuple[str, str, dict | None] | None"  # (kind, uuid, values before a change, or None: new)


def as_it_was(kind: str, owner: str | None, current: dict[str, dict], replace: Replace) -> list[dict]:
    """The values of the records of `kind` under `owner` (`current`: uuid → values), with the one
    `replace` names as it was before a change: gone when it was new, back when it was deleted."""
    out = dict(current)
    if replace is not None and replace[0] == kind:
        _kind, uuid, old = replace
        out.pop(uuid, None)
        if old is not None and old.get(RECORD_KINDS[kind].parent_field) == owner:
            out[uuid] = old
    return list(out.values())
