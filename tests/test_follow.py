"""What follows a committed edit on the laptop, whatever tool made it (here the layer's edit buffer,
as the attribute table does): a dam's hazard status after its hazards, a watershed's treatment degree
after its spots, an acceptance's figures after its spot checks; and the change log carries them, so
the server receives the same values it computes itself."""

from __future__ import annotations

import sqlite3

from qgis.core import QgsProject
from shuibao.layers.project import open_store_in_project
from shuibao.model import RECORD_KINDS, rules
from shuibao.ui import actions


def _edit(layer, fid: int, **values) -> None:
    """Change attributes as the attribute table does: an edit session, changeAttributeValue, save."""
    kind = RECORD_KINDS[layer.customProperty("shuibao/kind")]
    assert layer.startEditing()
    for name, value in values.items():
        layer.changeAttributeValue(fid, layer.fields().indexFromName(name), actions.qt_value(kind.field(name), value))
    assert layer.commitChanges(), layer.commitErrors()


def _values(layer, fid: int) -> dict:
    kind = RECORD_KINDS[layer.customProperty("shuibao/kind")]
    return actions.feature_values(kind, actions.get_feature(layer, fid))


def test_a_hazard_edited_in_the_attribute_table_moves_its_dam(qgis_new_project, small_store):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    hazards, dams = layers["dam_hazard"], layers["dam"]
    open_on = {h["dam_uuid"] for h in hazards.getFeatures() if h["step"] != "closed"}
    dam = next(d for d in dams.getFeatures() if d["uuid"] not in open_on and d["hazard_status"] == "normal"
               and d["register_status"] == "registered")  # fmt: skip
    hazard = next(h for h in hazards.getFeatures() if h["step"] == "closed")
    _edit(hazards, hazard.id(), dam_uuid=dam["uuid"], severity="major", step="open", recheck_result=None)
    assert _values(dams, dam.id())["hazard_status"] == "dangerous"
    _edit(hazards, hazard.id(), step="closed", recheck_result="pass")
    assert _values(dams, dam.id())["hazard_status"] == "normal"
    with sqlite3.connect(small_store) as conn:  # the dam's changes are in the change log, to be pushed
        logged = conn.execute(
            "SELECT f.new FROM sb_change c JOIN sb_change_field f ON f.seq = c.seq"
            " WHERE c.uuid = ? AND f.field = 'hazard_status' ORDER BY c.seq", (dam["uuid"],)
        ).fetchall()  # fmt: skip
    assert [v for (v,) in logged][-2:] == ["dangerous", "normal"]


def test_a_spot_completed_in_the_attribute_table_raises_the_treatment_degree(qgis_new_project, small_store):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    spots, sheds = layers["watershed_spot"], layers["watershed"]
    spot = next(s for s in spots.getFeatures() if s["step"] == "planned")
    shed = next(w for w in sheds.getFeatures() if w["uuid"] == spot["watershed_uuid"])
    before = _values(sheds, shed.id())
    _edit(spots, spot.id(), step="completed", completed_qty=spot["design_qty"])
    after = _values(sheds, shed.id())
    children = [_values(spots, s.id()) for s in spots.getFeatures() if s["watershed_uuid"] == shed["uuid"]]
    assert after["treatment_degree"] == rules.treatment_degree(children, after["eroded_area"])
    assert after["treatment_degree"] > before["treatment_degree"]


def test_a_spot_check_recorded_in_the_attribute_table_updates_its_acceptance(qgis_new_project, small_store):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    checks, acceptances = layers["spot_check"], layers["watershed_acceptance"]
    acc = next(a for a in acceptances.getFeatures() if a["step"] == "checked")
    check = next(c for c in checks.getFeatures() if c["acceptance_uuid"] == acc["uuid"])
    _edit(checks, check.id(), step="pending")
    assert _values(acceptances, acc.id())["checked_count"] == acc["checked_count"] - 1
    signed = next(a for a in acceptances.getFeatures() if a["step"] == "signed")
    kept = _values(acceptances, signed.id())
    check = next(c for c in checks.getFeatures() if c["acceptance_uuid"] == signed["uuid"])
    _edit(checks, check.id(), quality="unqualified")  # the laptop allows it; the server refuses it (signed)
    assert _values(acceptances, signed.id()) == kept  # a signed acceptance keeps what it was signed with
