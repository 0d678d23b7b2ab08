"""Deleting a mistaken draft from the dock: the author's own, or any draft for a technician.
A kind whose first step is not a draft (a hazard starts 待整改) is named by that step.

Who may delete what is the model's rule (``rules.check_delete``). The delete goes through the
QGIS layers like every other edit, so the store's change log captures it and the next sync sends
it; the draft's photos go with it. The user confirms first: a delete cannot be undone.
"""

from __future__ import annotations

from qgis.core import QgsExpression, QgsFeatureRequest, QgsProject, QgsVectorLayer
from qgis.PyQt.QtWidgets import QMessageBox, QWidget

from .. import settings
from ..layers.records import edit_and_commit
from ..model import RECORD_KINDS, rules
from . import actions, tr


def _values(kind: str, fid: int, project: QgsProject | None) -> dict | None:
    feature = actions.get_feature(actions.layer_of(kind, project), fid)
    return actions.feature_values(RECORD_KINDS[kind], feature) if feature is not None else None


def delete_label(kind: str, lang: str | None = None) -> str:
    """删除草稿, or for a kind whose first step is not a draft the step by name (删除此记录（待整改）)."""
    draft, step = rules.first_step(kind, lang or settings.language())
    return tr("Delete draft") if draft or step is None else tr("Delete this record ({0})").format(step)


def may_delete(kind: str, values: dict) -> bool:
    """Whether the logged-in user may delete this record (a draft of theirs, any draft for a technician)."""
    who = settings.identity()
    return who.known and rules.check_delete(kind, values, who.role, who.username) is None


def _photo_fids(uuid: str, project: QgsProject | None) -> tuple[QgsVectorLayer | None, list[int]]:
    layer = actions.layer_of("photo", project)
    if layer is None:
        return None, []
    expression = QgsExpression.createFieldEqualityExpression("parent_uuid", uuid)
    request = QgsFeatureRequest().setFilterExpression(expression).setNoAttributes()
    request.setFlags(QgsFeatureRequest.Flag.NoGeometry)
    return layer, [f.id() for f in layer.getFeatures(request)]


def _delete(layer: QgsVectorLayer, fids: list[int]) -> bool:
    """Delete through the layer and commit (an edit session the user had open is kept, like actions)."""
    return not fids or edit_and_commit(layer, lambda: layer.deleteFeatures(fids))


def delete_draft(kind: str, fid: int, summary: str, parent: QWidget | None = None,
                 project: QgsProject | None = None) -> bool:  # fmt: skip
    """Ask, then delete the draft and its photos. False when refused, cancelled or not written."""
    values = _values(kind, fid, project)
    k = RECORD_KINDS[kind]
    if values is None:
        return False
    who = settings.identity()
    problem = rules.check_delete(k, values, who.role, who.username)
    title = delete_label(kind)
    if problem is not None:
        QMessageBox.warning(parent, title, problem.zh if settings.language() == "zh" else problem.en)
        return False
    photos, photo_fids = _photo_fids(values["uuid"], project)
    label = k.zh if settings.language() == "zh" else k.en
    draft, step = rules.first_step(k, settings.language())
    question = tr("Delete this draft {0}?") if draft or step is None else tr("Delete this {0} ({1})?")
    text = question.format(label, step) + "\n\n" + summary
    if photo_fids:
        text += "\n" + tr("Its {0} photos are deleted with it.").format(len(photo_fids))
    text += "\n\n" + tr("This cannot be undone here; the next sync deletes it on the server too.")
    answer = QMessageBox.question(parent, title, text,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)  # fmt: skip
    if answer != QMessageBox.StandardButton.Yes:
        return False
    if photos is not None and not _delete(photos, photo_fids):
        return False
    return _delete(actions.layer_of(kind, project), [fid])
