"""Features that QGIS copies (its split tool, copy and paste) get their own identity.

QGIS 3.22 gives the parts of a split feature, and pasted features, a copy of every attribute,
the record's ``uuid`` included: the store's UNIQUE constraint then refuses the commit and the
edit is lost. A ``SplitKeeper`` watches one store layer: after each edit command it gives every
new feature that repeats a saved record's uuid a new one. When the command also changed that
record's geometry, the new feature is a part of it (QGIS's split tool): a kind with a
``split_from`` field (remote-sensing spots, split on site as provinces allow) records the link,
and the part's code becomes the original's with a suffix (``-2``, ``-3``…). Anything left is
fixed before the layer commits. qgis.core only.
"""

from __future__ import annotations

import re
import uuid as uuidlib

from qgis.core import QgsFeatureRequest, QgsVectorLayer
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ..model import RecordKind

SPLIT_FIELD = "split_from"


class SplitKeeper(QObject):
    """Owned by its layer. ``split`` is emitted with (original fid, [new part fids]) after a split."""

    split = pyqtSignal(int, list)

    def __init__(self, layer: QgsVectorLayer, kind: RecordKind):
        super().__init__(layer)
        self.layer, self.kind = layer, kind
        self._added: list[int] = []
        self._reshaped: set[int] = set()
        self._signals = (
            (layer.featureAdded, self._on_added),
            (layer.geometryChanged, self._on_reshaped),
            (layer.editCommandEnded, self.settle),
            (layer.editCommandDestroyed, self._forget),
            (layer.beforeCommitChanges, self.settle),
        )
        for signal, slot in self._signals:
            signal.connect(slot)
        _KEEPERS.append(self)

    def _on_added(self, fid: int) -> None:
        self._added.append(fid)

    def _on_reshaped(self, fid: int, _geometry) -> None:
        self._reshaped.add(fid)

    def _forget(self, *_args) -> None:
        self._added, self._reshaped = [], set()

    def settle(self, *_args) -> None:
        """Give the features added since the last command their own uuid (and their split link)."""
        added, reshaped = self._added, self._reshaped
        self._forget()
        if not added or not self.layer.isEditable():
            return
        fields = self.layer.fields()
        saved = self._saved_by_uuid({self.layer.getFeature(fid)["uuid"] for fid in added})
        parts: dict[int, list[int]] = {}
        for fid in added:
            feature = self.layer.getFeature(fid)
            original = saved.get(feature["uuid"])
            if original is None or original == fid:
                continue
            self.layer.changeAttributeValue(fid, fields.indexFromName("uuid"), str(uuidlib.uuid4()))
            if original in reshaped and fields.indexFromName(SPLIT_FIELD) >= 0:
                parts.setdefault(original, []).append(fid)
        for original, fids in parts.items():
            self._link(original, fids)
            self.split.emit(original, fids)

    def _saved_by_uuid(self, uuids: set) -> dict[str, int]:
        """fid of the saved feature (not a new one) holding each of these uuids."""
        wanted = [u for u in uuids if isinstance(u, str) and u]
        if not wanted:
            return {}
        quoted = ", ".join("'" + u.replace("'", "''") + "'" for u in wanted)
        request = QgsFeatureRequest().setFilterExpression(f'"uuid" IN ({quoted})')
        request.setFlags(QgsFeatureRequest.Flag.NoGeometry)
        return {f["uuid"]: f.id() for f in self.layer.dataProvider().getFeatures(request)}

    def _link(self, original: int, fids: list[int]) -> None:
        """The parts point at the original and take its code with the next free suffixes."""
        source = self.layer.getFeature(original)
        fields = self.layer.fields()
        code_field = self.kind.code_field
        code = source[code_field] if code_field else None
        named = isinstance(code, str) and bool(code)
        n = max(self._suffixes(code) | {1}) if named else 1
        for fid in sorted(fids):
            self.layer.changeAttributeValue(fid, fields.indexFromName(SPLIT_FIELD), source["uuid"])
            if named:
                n += 1
                self.layer.changeAttributeValue(fid, fields.indexFromName(code_field), f"{code}-{n}")

    def _suffixes(self, code: str) -> set[int]:
        """The numbers already used after ``code-`` by the layer's records (saved or new)."""
        pattern = re.compile(rf"^{re.escape(code)}-(\d+)$")
        prefix = code.replace("'", "''")  # LIKE's own wildcards in a code only widen the search
        request = QgsFeatureRequest().setFilterExpression(f"\"{self.kind.code_field}\" LIKE '{prefix}-%'")
        request.setFlags(QgsFeatureRequest.Flag.NoGeometry)
        found = (pattern.match(str(f[self.kind.code_field])) for f in self.layer.getFeatures(request))
        return {int(m.group(1)) for m in found if m}


_KEEPERS: list[SplitKeeper] = []


def keeper_of(layer: QgsVectorLayer) -> SplitKeeper | None:
    """The keeper watching `layer`, if any."""
    for keeper in _KEEPERS:
        if not sip.isdeleted(keeper) and not sip.isdeleted(keeper.layer) and keeper.layer is layer:
            return keeper
    return None


def keep_identity(layer: QgsVectorLayer, kind: RecordKind) -> None:
    """Watch a store layer with geometry (once per layer)."""
    if kind.geometry is not None and "uuid" in kind.field_names():
        SplitKeeper(layer, kind)


def unload() -> None:
    """Stop watching every layer (the plugin's unload)."""
    while _KEEPERS:
        keeper = _KEEPERS.pop()
        if not sip.isdeleted(keeper) and not sip.isdeleted(keeper.layer):
            for signal, slot in keeper._signals:
                try:
                    signal.disconnect(slot)
                except TypeError:
                    pass
            keeper.deleteLater()
