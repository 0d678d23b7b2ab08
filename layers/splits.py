"""The parts of a split feature keep the link to the feature they were cut from.

QGIS's split tool cuts a feature within one edit command: the original keeps its id and gets the
first part's outline, every other part is added with a copy of its attributes (QGIS 3.22 gives
it a new ``uuid`` through the field's default, being UNIQUE, and copies the rest). A
``SplitKeeper`` watches one store layer: after each edit command, a feature added beside one
whose outline changed, touching it and with its code, is a part of it; a kind with a
``split_from`` field (remote-sensing spots, split on site as provinces allow) records the link and
the part's code becomes the original's with a suffix (``-2``, ``-3``…). A feature added with a
saved record's uuid (a script copying features) gets its own uuid, so the store's UNIQUE
constraint never loses an edit. Anything left is settled before the layer commits. qgis.core only.
"""

from __future__ import annotations

import re
import uuid as uuidlib

from qgis.core import Qgis, QgsFeatureRequest, QgsMessageLog, QgsVectorLayer
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
            (layer.afterRollBack, self._forget),
            (layer.afterCommitChanges, self._forget),
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
        """Give the features added since the last command their own uuid, and the parts of a split
        their link to the feature they were cut from. A slot of QGIS's signals: it never raises
        (PyQt would abort QGIS), it logs."""
        added, reshaped = self._added, self._reshaped
        self._forget()
        if not added or not self.layer.isEditable():
            return
        try:
            self._settle(added, reshaped)
        except Exception as exc:  # noqa: BLE001 - see above
            QgsMessageLog.logMessage(f"split keeper of {self.kind.name}: {exc!r}", "Shuibao", Qgis.MessageLevel.Warning)

    def _settle(self, added: list[int], reshaped: set[int]) -> None:
        fields = self.layer.fields()
        features = {fid: self.layer.getFeature(fid) for fid in added}
        features = {fid: f for fid, f in features.items() if f.isValid()}  # undone since
        saved = self._saved_by_uuid({f["uuid"] for f in features.values()})
        for fid, feature in features.items():
            if saved.get(feature["uuid"], fid) != fid:  # a copy of a saved record's identity
                self.layer.changeAttributeValue(fid, fields.indexFromName("uuid"), str(uuidlib.uuid4()))
        if fields.indexFromName(SPLIT_FIELD) < 0:
            return
        parts: dict[int, list[int]] = {}
        for fid, feature in features.items():
            original = self._cut_from(feature, reshaped - set(added))
            if original is not None:
                parts.setdefault(original, []).append(fid)
        for original, fids in parts.items():
            self._link(original, fids)
            self.split.emit(original, fids)

    def _cut_from(self, part, reshaped: set[int]) -> int | None:
        """The feature reshaped in the same command that `part` was cut from: QGIS copied its code
        into the part, and the two touch."""
        code_field = self.kind.code_field
        for fid in sorted(reshaped):
            original = self.layer.getFeature(fid)
            same = code_field is None or original[code_field] == part[code_field]
            if same and part.hasGeometry() and original.geometry().intersects(part.geometry()):
                return fid
        return None

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
