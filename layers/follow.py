"""The records that follow a change, mirrored on the laptop as the server maintains them.

When a layer of the store commits, the records whose values follow the committed ones
(model.links: a dam's hazard status after its hazards, a watershed's treatment degree after its
spots, an acceptance's figures after its spot checks, a patch acceptance's completion rate after
the measures) are updated in their own layers with the model's rules.refresh, whatever tool made
the edit: a form, the attribute table, the docks, Python. The server does the same in the push
transaction, so both sides hold the same values; a sync writes the store directly and never
passes here (it brings the server's values). qgis.core only.
"""

from __future__ import annotations

from typing import Any

from qgis.core import QgsFeatureRequest, QgsProject, QgsVectorLayer
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QObject

from ..model import RECORD_KINDS, RecordKind, links, rules
from .records import by_uuid, children, context, layer_of, write_values
from .values import feature_values

MAX_DEPTH = 4  # the longest chain: spot → watershed → acceptance


class Follower(QObject):
    """Watches one layer's commits: remembers the records' values before (beforeCommitChanges) and
    updates the records that follow them after (afterCommitChanges). Owned by its layer."""

    def __init__(self, layer: QgsVectorLayer, kind: RecordKind, project: QgsProject | None = None):
        super().__init__(layer)
        self.layer, self.kind, self.project = layer, kind, project
        self._before: dict[str, dict[str, Any] | None] = {}
        layer.beforeCommitChanges.connect(self._remember)
        layer.afterCommitChanges.connect(self._follow)
        _FOLLOWERS.append(self)

    def _remember(self, *_args) -> None:
        """The committed records' values as the file holds them now (None: a new record)."""
        buffer = self.layer.editBuffer()
        self._before = {}
        if buffer is None:
            return
        fids = set(buffer.changedAttributeValues()) | set(buffer.deletedFeatureIds())
        fids |= set(buffer.changedGeometries())
        request = QgsFeatureRequest().setFilterFids([f for f in fids if f >= 0])
        for feature in self.layer.dataProvider().getFeatures(request):
            values = feature_values(self.kind, feature)
            if values.get("uuid"):
                self._before[values["uuid"]] = values
        for feature in buffer.addedFeatures().values():
            uuid = feature_values(self.kind, feature).get("uuid")
            if uuid:
                self._before[uuid] = None

    def _follow(self, *_args) -> None:
        before, self._before = self._before, {}
        for uuid, old in before.items():
            follow(self.kind.name, uuid, old, self.project)


def follow(kind: str, uuid: str, before: dict[str, Any] | None, project: QgsProject | None, depth: int = 0) -> None:
    """Update the records that follow the record `uuid` of `kind`, which was `before` (None: new)."""
    if depth >= MAX_DEPTH or not links.dependents(kind):
        return
    k = RECORD_KINDS[kind]
    now = by_uuid(kind, uuid, project)
    now_values = feature_values(k, now) if now is not None else None
    parents = {(v or {}).get(k.parent_field) for v in (now_values, before)} if k.parent_field else set()
    for dep_kind, how in links.dependents(kind):
        for dep in _followers(dep_kind, how, uuid, {p for p in parents if p}, project):
            dk = RECORD_KINDS[dep_kind]
            values = feature_values(dk, dep)
            if links.at_final_step(dep_kind, values):
                continue
            ctx = context(dk, values, dep, project)
            was = context(dk, values, dep, project, replace=(kind, uuid, before))
            changes = rules.refresh(dk, values, ctx, was)
            layer = layer_of(dep_kind, project)
            if changes and layer is not None and write_values(layer, dk, dep.id(), changes):
                if not layer.isEditable():  # committed: its own follower went on from there
                    continue
                follow(dep_kind, values["uuid"], values, project, depth + 1)


def _followers(kind: str, how: str, uuid: str, parents: set[str], project: QgsProject | None) -> list:
    if how == links.PARENT:
        return [f for f in (by_uuid(kind, p, project) for p in parents) if f is not None]
    if how == links.SIBLINGS:
        return [f for p in parents for f in children(kind, p, project)]
    return children(kind, uuid, project)


_FOLLOWERS: list[Follower] = []


def attach(layer: QgsVectorLayer, kind: RecordKind, project: QgsProject | None = None) -> None:
    """Follow the commits of `layer` when records of other kinds follow its records."""
    if links.dependents(kind.name):
        Follower(layer, kind, project)


def unload() -> None:
    while _FOLLOWERS:
        f = _FOLLOWERS.pop()
        if not sip.isdeleted(f) and not sip.isdeleted(f.layer):
            f.layer.beforeCommitChanges.disconnect(f._remember)
            f.layer.afterCommitChanges.disconnect(f._follow)
            f.deleteLater()
