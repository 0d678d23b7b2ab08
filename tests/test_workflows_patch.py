"""Patch (崩岗/侵蚀沟) workflow through the PatchDock's buttons, proof of visit, digitized boundaries
and due inspections. Every expectation comes from the model (rules, geodesy, THRESHOLDS)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import struct

import pytest
from qgis.core import QgsGeometry, QgsPointXY, QgsProject
from qgis.PyQt.QtGui import QTransform
from shuibao.layers.project import open_store_in_project
from shuibao.model import RECORD_KINDS, THRESHOLDS, geodesy, rules
from shuibao.ui import actions, tr
from shuibao.ui.docks import DamDock, PatchDock
from shuibao.ui.feature_model import FID_ROLE
from shuibao_ui_harness import answer, click, fill, form_of, on_tab, open_dock, press_ok, wait_until
from shuibao_ui_harness import arrange as _set

VISIT_WARNING = "An inspection was recorded {0:.0f} m from the dam (more than {1:g} m)."


def _values(kind, layer, fid):
    return actions.feature_values(RECORD_KINDS[kind], actions.get_feature(layer, fid))


def _close(dock):
    if dock.form is not None:
        dock.form.reject()
    dock.disconnect_all()
    dock.deleteLater()


def _dock(cls, iface):
    dock = open_dock(cls, iface)
    dock.show()
    return dock


def _create(dock, child: str, **values) -> int:
    """Click a create button, type into the new record's form, press OK; returns the record's id."""
    click(dock, f"create:{child}")
    form = form_of(dock)
    fill(form, **values)
    press_ok(form)
    wait_until(lambda: dock.form is None)
    assert dock.last_outcome.ok, dock.last_outcome.message("zh")
    return dock.last_outcome.fid


def _step(dock, kind: str, fid: int, target: str, confirm: bool = False, **typed) -> None:
    """Select the record, click its step button, type what the form asks for, and answer the question."""
    if kind != dock.kind.name:
        assert dock.select_child(kind, fid)
    click(dock, f"step:{kind}:{target}")
    if typed:
        form = form_of(dock)
        fill(form, **typed)
        press_ok(form)
        wait_until(lambda: dock.form is None)
    if confirm:
        answer(dock)
    assert dock.last_outcome.ok, dock.last_outcome.message("zh")


# -- 1. patch survey → measures → acceptance --------------------------------------------------------
@pytest.mark.display
def test_patch_survey_measures_acceptance_through_the_dock(iface, small_store, log_in):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    measured = {m["patch_uuid"] for m in layers["patch_measure"].getFeatures()}
    patch = next(
        p for p in layers["patch"].getFeatures()
        if p["kind"] == "benggang" and p["treatment_status"] == "untreated" and p["uuid"] not in measured
    )  # fmt: skip
    log_in("inspector", small_store)
    dock = _dock(PatchDock, iface)
    try:
        dock.select_fid(patch.id())
        assert layers["patch"].selectedFeatureIds() == [patch.id()]
        assert {"create:patch_survey", "create:patch_measure", "create:patch_acceptance"} <= set(dock.buttons)
        assert "step:patch:treating" not in dock.buttons  # only a technician starts the treatment

        # Survey: the form asks for what 提交调查 needs, on its tab.
        survey = _create(dock, "patch_survey")
        s = _values("patch_survey", layers["patch_survey"], survey)
        assert s["patch_uuid"] == patch["uuid"] and s["step"] == "draft" and s["position_source"] == "map"
        assert s["surveyor"] and s["surveyed_at"]
        assert dock.selected_child() == ("patch_survey", survey)
        click(dock, "step:patch_survey:submitted")
        form = form_of(dock)
        for name in ("area", "depth", "width", "length"):
            assert f"请填写{RECORD_KINDS['patch_survey'].field(name).zh}" + on_tab("尺寸") in form.panel.text()
        fill(form, area="850", depth="6.5", width="18", length="52", shape="瓢形")
        press_ok(form)
        wait_until(lambda: dock.form is None)
        assert dock.last_outcome.ok, dock.last_outcome.message("zh")
        s = _values("patch_survey", layers["patch_survey"], survey)
        assert s["step"] == "submitted" and s["area"] == 850.0 and s["shape"] == "scoop"

        # The technician starts the treatment (it cannot be undone: asked first).
        log_in("technician", small_store)
        dock.select_fid(patch.id())
        _step(dock, "patch", patch.id(), "treating", confirm=True)
        assert _values("patch", layers["patch"], patch.id())["treatment_status"] == "treating"
        log_in("inspector", small_store)

        # Two measures with design quantities, built with completed quantities (one short of design).
        plan = [("截水沟", "米", 120.0, 96.0), ("谷坊", "座/处", 2.0, 2.0)]
        dock.select_fid(patch.id())
        ids = [_create(dock, "patch_measure", measure_type=m, unit=u, design_qty=str(d)) for m, u, d, _ in plan]
        for fid, (_m, _u, _d, done) in zip(ids, plan):
            _step(dock, "patch_measure", fid, "built", completed_qty=str(done))
            m = _values("patch_measure", layers["patch_measure"], fid)
            assert m["step"] == "built" and m["completed_qty"] == done and m["completed_at"]
            dock.select_child("patch_measure", fid)
            assert "step:patch_measure:accepted" not in dock.buttons  # acceptor only

        dock.select_fid(patch.id())
        click(dock, "step:patch:completed")
        said = answer(dock)  # 截水沟 and 谷坊 only: the model warns of the empty positions and the caretaker
        assert "“上截-中削-下堵-内外绿化”中没有措施的部位：中削、内外绿化" in said and "管护员" in said
        assert dock.last_outcome.ok, dock.last_outcome.message("zh")
        assert "step:patch:accepted" not in dock.buttons

        # Acceptance: started and checked by the inspector, signed by the acceptor.
        acc = _create(dock, "patch_acceptance")
        a = _values("patch_acceptance", layers["patch_acceptance"], acc)
        assert a["patch_uuid"] == patch["uuid"] and a["step"] == "draft" and a["kind"] == "completion"
        _step(dock, "patch_acceptance", acc, "checked", verdict="通过", opinion="措施基本完成，同意验收")
        a = _values("patch_acceptance", layers["patch_acceptance"], acc)
        measures = [actions.feature_values(RECORD_KINDS["patch_measure"], m)
                    for m in actions.children("patch_measure", patch["uuid"])]  # fmt: skip
        expected = rules.measure_completion_rate(measures)
        assert expected == rules.measure_completion_rate([{"design_qty": d, "completed_qty": c} for *_x, d, c in plan])
        assert expected < 100.0
        assert a["completion_rate"] == pytest.approx(expected)
        assert a["step"] == "checked" and a["verdict"] == "pass" and a["accepted_at"] == actions.today_iso()
        dock.select_child("patch_acceptance", acc)
        assert "step:patch_acceptance:signed" not in dock.buttons  # an inspector does not sign

        log_in("acceptor", small_store)
        dock.select_fid(patch.id())
        # 治理验收通过 before the 竣工验收 is signed: refused with the reason, the patch stays 已完工.
        click(dock, "step:patch:accepted")
        assert not dock.last_outcome.ok and dock.form is None
        assert "侵蚀图斑须有已签署且结论为通过的竣工验收，才能标为“已验收”" in dock.last_outcome.message("zh")
        assert _values("patch", layers["patch"], patch.id())["treatment_status"] == "completed"
        # Signing the passed 竣工验收 accepts the treatment with it (both are the acceptor's).
        assert dock.select_child("patch_acceptance", acc)
        click(dock, "step:patch_acceptance:signed")
        asked = dock.confirmation.informativeText()
        assert "治理状态 已完工 → 已验收" in asked, asked  # the question says what follows for the patch
        answer(dock)
        assert dock.last_outcome.ok, dock.last_outcome.message("zh")
        a = _values("patch_acceptance", layers["patch_acceptance"], acc)
        assert a["step"] == "signed" and a["acceptor"] and a["signed_at"]
        assert a["completion_rate"] == pytest.approx(expected)
        assert _values("patch", layers["patch"], patch.id())["treatment_status"] == "accepted"
        for fid in ids:
            dock.select_child("patch_measure", fid)
            assert "step:patch_measure:accepted" in dock.buttons
        dock.select_fid(patch.id())
        assert "step:patch:accepted" not in dock.buttons
    finally:
        _close(dock)


def test_patch_acceptance_kind_follows_treatment(iface, small_store):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    status = {p["treatment_status"]: p for p in layers["patch"].getFeatures() if p["register_status"] != "delisted"}
    expected = {"untreated": "stage", "treating": "stage", "completed": "completion", "accepted": "completion"}
    assert set(status) & set(expected)
    for code, patch in status.items():
        out = actions.create_child("patch_acceptance", "patch", patch.id(), "inspector", "张三")
        assert out.ok, out.message("zh")
        a = _values("patch_acceptance", layers["patch_acceptance"], out.fid)
        assert a["kind"] == expected[code]
    refused = actions.create_child("patch_acceptance", "patch", patch.id(), "viewer", "张三")
    assert not refused.ok and refused.problems[0].code == "role"


# -- 2. proof of visit ------------------------------------------------------------------------------
def _offset(point: QgsPointXY, metres: float) -> tuple[float, float]:
    """A lon/lat `metres` east of `point` (by the model's distance)."""
    lon, lat = point.x(), point.y()
    per_degree = geodesy.distance_m((lon, lat), (lon + 0.01, lat)) / 0.01
    return (lon + metres / per_degree, lat)


@pytest.mark.display
def test_proof_of_visit_distance_and_warning(iface, small_store, log_in):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    limit = THRESHOLDS["visit_max_distance"]
    far_from = {i["dam_uuid"] for i in layers["dam_inspection"].getFeatures()
                if i["distance_to_object"] and i["distance_to_object"] > limit}  # fmt: skip
    dams = [d for d in layers["dam"].getFeatures() if d["uuid"] not in far_from][:2]
    assert len(dams) == 2
    log_in("inspector", small_store)
    dock = _dock(DamDock, iface)
    try:
        for dam, metres in ((dams[0], 2.5 * limit), (dams[1], 0.25 * limit)):
            here = dam.geometry().asPoint()
            gps = _offset(here, metres)
            dock._gps_position = lambda gps=gps: gps
            dock.select_fid(dam.id())
            created = _create(dock, "dam_inspection")
            ins = _values("dam_inspection", layers["dam_inspection"], created)
            expected = geodesy.distance_m((here.x(), here.y()), gps)
            assert expected == pytest.approx(metres, rel=1e-3)
            assert ins["position_source"] == "gps"
            assert ins["distance_to_object"] == pytest.approx(expected, abs=0.5)
            warning = tr(VISIT_WARNING).format(ins["distance_to_object"], limit)
            shown = dock.contents.warningLabel.text()
            far = metres > limit
            assert (warning in shown) is far, shown
            marks = [dock.contents.childList.item(i).text() for i in range(dock.contents.childList.count())]
            assert any("⚠" in m for m in marks) is far

            # Submitting keeps the position and distance, and warns through the message bar when far.
            _step(
                dock, "dam_inspection", created, "submitted", flood_storage_ok="是", result="无隐患", signature="张三"
            )
            submitted = dock.last_outcome
            ins = _values("dam_inspection", layers["dam_inspection"], created)
            assert ins["step"] == "submitted" and ins["position_source"] == "gps"
            assert ins["distance_to_object"] == pytest.approx(round(expected, 1), abs=0.05)  # the model's figure
            assert bool(submitted.warnings) is far
            if far:
                assert f"{limit:g} m" in submitted.message("zh")
            dock.select_fid(dam.id())
            assert (warning in dock.contents.warningLabel.text()) is far
    finally:
        _close(dock)


@pytest.mark.display
def test_inspection_without_gps_takes_the_dam_position(iface, small_store, log_in):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    log_in("inspector", small_store)
    dock = _dock(DamDock, iface)
    try:
        dock._gps_position = lambda: None
        dam = next(layers["dam"].getFeatures())
        dock.select_fid(dam.id())
        created = _create(dock, "dam_inspection")
        ins = actions.get_feature(layers["dam_inspection"], created)
        assert ins["position_source"] == "map" and ins["distance_to_object"] == 0
        assert ins.geometry().asPoint() == dam.geometry().asPoint()
    finally:
        _close(dock)


# -- 3. digitizing a corrected boundary -------------------------------------------------------------
def _rings(geometry: QgsGeometry):
    return [[[(p.x(), p.y()) for p in ring] for ring in poly] for poly in geometry.asMultiPolygon()]


def _scaled(geometry: QgsGeometry, factor: float, shift_lon: float = 0.0) -> QgsGeometry:
    g = QgsGeometry(geometry)
    c = g.centroid().asPoint()
    g.translate(-c.x(), -c.y())
    g.transform(QTransform.fromScale(factor, factor))
    g.translate(c.x() + shift_lon, c.y())
    return g


def _gpkg_geometry(blob: bytes) -> QgsGeometry:
    """A GeoPackage geometry blob as a QgsGeometry (header, envelope, then WKB)."""
    assert blob[:2] == b"GP"
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(blob[3] >> 1) & 0x07]
    g = QgsGeometry()
    g.fromWkb(blob[8 + envelope :])
    return g


def _max_seq(path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT coalesce(max(seq), 0) FROM sb_change").fetchone()[0]


def _logged(path, kind: str, uuid: str, after: int) -> dict[str, tuple]:
    """Unsynced logged field changes of one record since `after`: field → (old, new) (last wins)."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT f.field, f.old, f.new FROM sb_change c JOIN sb_change_field f ON f.seq = c.seq"
            " WHERE c.kind = ? AND c.uuid = ? AND c.seq > ? AND c.op = 'update' AND c.synced_at IS NULL"
            " ORDER BY c.seq",
            (kind, uuid, after),
        ).fetchall()
    return {field: (old, new) for field, old, new in rows}


def _digitize(layer, fid: int, geometry: QgsGeometry):
    assert layer.startEditing()
    assert layer.changeGeometry(fid, geometry)
    assert layer.commitChanges(), layer.commitErrors()
    return actions.get_feature(layer, fid)


@pytest.mark.parametrize(("factor", "shift_lon"), [(2.8, 0.0), (0.6, 0.0), (1.0, 2.5)])
def test_digitized_benggang_boundary_recomputes_area_and_class(iface, small_store, factor, shift_lon):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    layer = layers["patch"]
    patch = next(p for p in layer.getFeatures() if p["kind"] == "benggang" and p["size_class"] == "small")
    before = actions.feature_values(RECORD_KINDS["patch"], patch)
    seq = _max_seq(small_store)

    edited = _digitize(layer, patch.id(), _scaled(patch.geometry(), factor, shift_lon))
    rings = _rings(edited.geometry())
    lon = edited.geometry().centroid().asPoint().x()
    cm = geodesy.gk_central_meridian(geodesy.gk_zone(lon))
    model_area = geodesy.polygon_area_m2(rings, cm)
    assert edited["area"] == pytest.approx(model_area, rel=0.005)
    assert edited["area"] == pytest.approx(model_area, abs=0.1)  # the zone's own projection, rounded to 0.1 m²
    assert edited["area"] == pytest.approx(before["area"] * factor**2, rel=0.01)
    if shift_lon:
        # Moved into the next 3° zone: measured there, not in the zone the patch came from.
        wrong = geodesy.polygon_area_m2(rings, geodesy.gk_central_meridian(geodesy.gk_zone(lon - shift_lon)))
        assert geodesy.gk_zone(lon) != geodesy.gk_zone(lon - shift_lon)
        assert abs(edited["area"] - wrong) > 10 * abs(edited["area"] - model_area)
    derived = rules.derive("patch", before, rules.Context(polygons=rings))
    assert edited["size_class"] == derived["size_class"] == rules.benggang_size_class(model_area)
    if factor == 2.8:
        assert edited["size_class"] != before["size_class"]

    log = _logged(small_store, "patch", patch["uuid"], seq)
    assert log["area"] == (pytest.approx(before["area"]), pytest.approx(edited["area"]))
    assert _gpkg_geometry(log["geom"][1]).equals(edited.geometry())
    assert _gpkg_geometry(log["geom"][0]).equals(patch.geometry())
    if edited["size_class"] != before["size_class"]:
        assert log["size_class"] == (before["size_class"], edited["size_class"])


def test_digitized_gully_keeps_its_surveyed_class(iface, small_store):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    layer = layers["patch"]
    gully = next(p for p in layer.getFeatures() if p["kind"] == "gully")
    _set("patch", gully.id(), size_class="medium")
    seq = _max_seq(small_store)
    edited = _digitize(layer, gully.id(), _scaled(gully.geometry(), 3.0))
    assert edited["area"] == pytest.approx(geodesy.polygon_area_m2(_rings(edited.geometry())), rel=0.005)
    assert edited["size_class"] == "medium"  # 侵蚀沟 classes are entered from the survey
    log = _logged(small_store, "patch", gully["uuid"], seq)
    assert {"geom", "area"} <= set(log) and "size_class" not in log


def test_digitized_watershed_boundary_recomputes_area(iface, small_store):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    layer = layers["watershed"]
    shed = next(layer.getFeatures())
    before = actions.feature_values(RECORD_KINDS["watershed"], shed)
    seq = _max_seq(small_store)
    edited = _digitize(layer, shed.id(), _scaled(shed.geometry(), 1.2))
    rings = _rings(edited.geometry())
    model_km2 = geodesy.polygon_area_m2(rings) / 1e6
    assert edited["area"] == pytest.approx(model_km2, rel=0.005)
    assert edited["area"] == pytest.approx(before["area"] * 1.44, rel=0.01)
    assert edited["area"] <= THRESHOLDS["watershed_max_area"]
    derived = rules.derive("watershed", {**before, "area": edited["area"]}, rules.Context(polygons=rings))
    assert edited["conservation_rate"] == pytest.approx(derived["conservation_rate"])
    assert edited["conservation_rate"] != before["conservation_rate"]
    log = _logged(small_store, "watershed", shed["uuid"], seq)
    assert log["area"] == (pytest.approx(before["area"]), pytest.approx(edited["area"]))
    assert log["conservation_rate"][1] == pytest.approx(edited["conservation_rate"])
    assert _gpkg_geometry(log["geom"][1]).equals(edited.geometry())


# -- 4. due inspections -----------------------------------------------------------------------------
def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parse(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _expected_due(values: list[dict], now: dt.datetime) -> tuple[set[str], set[str]]:
    """(overdue, due within the week) uuids by the model's patrol interval, as the dock computes it: under
    the thresholds of the dam's county and for its patrol class; de-listed dams are not due."""
    from shuibao.layers import thresholds as local_thresholds

    overdue, week = set(), set()
    for v in values:
        if v.get("register_status") == "delisted":
            continue
        t = local_thresholds.of(v.get("county_code"))
        due = rules.next_inspection_due(_parse(v.get("last_inspected_at")), now, t, v.get("patrol_class"))
        if due <= now:
            overdue.add(v["uuid"])
        elif due <= now + dt.timedelta(days=7):
            week.add(v["uuid"])
    return overdue, week


@pytest.mark.display
def test_due_filter_lists_overdue_and_this_weeks_dams(iface, small_store, log_in):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    layer = layers["dam"]
    kind = RECORD_KINDS["dam"]
    dams = list(layer.getFeatures())
    now = dt.datetime.now(dt.timezone.utc)
    # A: ten days ago (overdue whatever the season); B: an hour ago (due within the interval, < a week);
    # C: never inspected (due now); D: de-listed long ago (never due).
    a, b, c, d = dams[:4]
    _set("dam", a.id(), last_inspected_at=_iso(now - dt.timedelta(days=10)))
    _set("dam", b.id(), last_inspected_at=_iso(now - dt.timedelta(hours=1)))
    _set("dam", c.id(), last_inspected_at=None)
    _set("dam", d.id(), last_inspected_at=_iso(now - dt.timedelta(days=30)), register_status="delisted",
         delist_reason="已淤满", delist_date="2026-01-01")  # fmt: skip
    due_a = rules.next_inspection_due(now - dt.timedelta(days=10), now)
    due_b = rules.next_inspection_due(_parse(_iso(now - dt.timedelta(hours=1))), now)
    assert due_a <= now < due_b <= now + dt.timedelta(days=7)

    log_in("inspector", small_store)
    dock = _dock(DamDock, iface)
    try:
        before = dt.datetime.now(dt.timezone.utc)
        dock.reload()
        after = dt.datetime.now(dt.timezone.utc)
        values = [actions.feature_values(kind, f) for f in layer.getFeatures()]
        exp_early, exp_late = _expected_due(values, before), _expected_due(values, after)
        # A dam whose due time falls between the two clocks may go either way: leave it out.
        unsure = (exp_early[0] ^ exp_late[0]) | (exp_early[1] ^ exp_late[1])
        overdue, week = exp_late
        assert a["uuid"] in overdue and c["uuid"] in overdue and b["uuid"] in week
        assert d["uuid"] not in overdue | week

        uuid_of = {f.id(): f["uuid"] for f in layer.getFeatures()}

        def listed(due: str) -> set[str]:
            combo = dock.contents.dueCombo
            combo.setCurrentIndex(combo.findData(due))
            shown = {uuid_of[dock.model.data(dock.model.index(r, 0), FID_ROLE)]
                     for r in range(dock.model.rowCount())}  # fmt: skip
            return shown - unsure

        assert listed("overdue") == overdue - unsure
        # "Due this week": everything to patrol by the end of the week, the overdue dams included.
        assert listed("week") == (overdue | week) - unsure
        assert b["uuid"] not in listed("overdue") and d["uuid"] not in listed("week")
        if not unsure:
            assert dock.due_counts() == (len(week), len(overdue))  # the summary counts them apart
        dock.contents.dueCombo.setCurrentIndex(0)
        assert dock.model.rowCount() == len(dams)

        # The detail of an overdue dam says so; that of a dam due later does not.
        overdue_text = tr("The next patrol of this dam is overdue.")
        dock.select_fid(a.id())
        assert overdue_text in dock.contents.warningLabel.text()
        dock.select_fid(b.id())
        assert overdue_text not in dock.contents.warningLabel.text()

        # Submitting an inspection of A takes it off the overdue list.
        dock.select_fid(a.id())
        created = _create(dock, "dam_inspection", flood_storage_ok="是", result="无隐患", signature="张三")
        _step(dock, "dam_inspection", created, "submitted")
        assert a["uuid"] not in listed("overdue")
        assert a["uuid"] in listed("week")
    finally:
        _close(dock)


def test_gpkg_geometry_helper_reads_what_the_store_writes(small_store):
    """The helper above must itself be right, or the log assertions prove nothing."""
    with sqlite3.connect(small_store) as conn:
        blob, area = conn.execute("SELECT geom, area FROM patch WHERE kind = 'benggang' LIMIT 1").fetchone()
    g = _gpkg_geometry(blob)
    assert not g.isEmpty()
    assert geodesy.polygon_area_m2(_rings(g)) == pytest.approx(area, rel=0.005)
    assert struct.unpack("<B", blob[2:3])[0] == 0  # GeoPackage version 1
