"""The shared domain model is self-consistent, and its derived values are right."""

from __future__ import annotations

import math

import pytest
from pyproj import CRS, Transformer
from shuibao.model import (
    ENUMERATIONS,
    MODEL_VERSION,
    OBJECT_KINDS,
    RECORD_KINDS,
    ROLES,
    THRESHOLDS,
    geodesy,
    rules,
    version,
)
from shuibao.model.rules import Context
from shuibao.model.schema import ENUM, MULTI_ENUM, REF

KINDS = list(RECORD_KINDS.values())
FIELDS = [(k, f) for k in KINDS for f in k.fields]


def _id(value):
    return getattr(value, "name", str(value))


@pytest.mark.parametrize("kind", KINDS, ids=_id)
def test_every_kind_has_identity_and_audit_fields(kind):
    names = kind.field_names()
    assert "uuid" in names and "county_code" in names and "server_rev" in names
    assert len(names) == len(set(names)), "duplicate field names"
    assert kind.name.isidentifier() and kind.zh and kind.en
    assert kind.geometry in (None, "Point", "MultiPolygon", "LineString", "MultiLineString")


@pytest.mark.parametrize("kind", KINDS, ids=_id)
def test_named_fields_exist(kind):
    for attr in ("code_field", "title_field", "status_field", "parent_field"):
        name = getattr(kind, attr)
        if name is not None:
            kind.field(name)  # raises KeyError when missing
    if kind.status_field:
        assert kind.field(kind.status_field).type == ENUM
    if kind.parent:
        assert kind.parent in RECORD_KINDS
        assert kind.field(kind.parent_field).ref == kind.parent
    for rule in kind.rules:
        kind.field(rule.field)
        kind.field(rule.when_field)


def test_object_kinds_name_main_kinds():
    assert set(OBJECT_KINDS) == {"dam", "patch", "watershed", "rs_spot"}
    for obj, (main, zh, en) in OBJECT_KINDS.items():
        assert RECORD_KINDS[main].object_kind == obj and zh and en


@pytest.mark.parametrize("kind, field", FIELDS, ids=lambda v: _id(v))
def test_field_consistency(kind, field):
    assert field.zh and field.en
    if field.type in (ENUM, MULTI_ENUM):
        assert field.enum is not None and field.enum.codes()
        assert field.enum.name in ENUMERATIONS
        if field.default is not None:
            assert field.default in field.enum.codes(), f"{kind.name}.{field.name} default"
    if field.type == REF or field.ref is not None:
        assert field.ref in RECORD_KINDS
    if field.derived:
        assert field.derived in rules.DERIVATIONS
    if field.minimum is not None and field.maximum is not None:
        assert field.minimum <= field.maximum
    steps = set(kind.workflow.step_codes()) if kind.workflow else set()
    allowed = steps | {"*", "registered", "delisted"}
    assert set(field.required_at) <= allowed, f"{kind.name}.{field.name}: {field.required_at}"


def test_enumerations_have_unique_ascii_codes_and_labels():
    for enum in ENUMERATIONS.values():
        codes = enum.codes()
        assert len(codes) == len(set(codes)), enum.name
        assert all(c.isascii() and c for c in codes), enum.name
        assert all(c.zh and c.en for c in enum.choices), enum.name
        assert enum.source in ("V", "S", "I")


@pytest.mark.parametrize("kind", [k for k in KINDS if k.workflow], ids=_id)
def test_workflows(kind):
    wf = kind.workflow
    codes = wf.step_codes()
    assert wf.initial in codes and set(wf.final) <= set(codes)
    assert wf.state_field in kind.field_names()
    state = kind.field(wf.state_field)
    assert state.enum is not None and set(state.enum.codes()) == set(codes)
    for t in wf.transitions:
        assert t.source in codes and t.target in codes
        assert t.roles and set(t.roles) <= set(ROLES), t
        assert t.zh and t.en


def test_dam_scale_thresholds():
    assert rules.dam_scale(None) is None
    assert rules.dam_scale(50) == "backbone"  # ≥ 50万 m³ [V]
    assert rules.dam_scale(49.99) == "medium"
    assert rules.dam_scale(10) == "medium"
    assert rules.dam_scale(9.99) == "small"
    assert rules.dam_scale(1) == "small"
    assert rules.dam_scale(0.5) == "tiny"
    assert rules.derive("dam", {"total_storage": 80.0}) == {"scale": "backbone", "patrol_class": "ordinary"}


def test_thresholds_are_overridable():
    t = THRESHOLDS.with_overrides(dam_backbone_min_storage=30, benggang_large_min_area=2000)
    assert rules.dam_scale(40, t) == "backbone" and rules.dam_scale(40) == "medium"
    assert rules.benggang_size_class(2500, t) == "large" and rules.benggang_size_class(2500) == "medium"
    assert THRESHOLDS["dam_backbone_min_storage"] == 50  # the defaults are untouched
    assert rules.derive("dam", {"total_storage": 40.0}, Context(thresholds=t))["scale"] == "backbone"
    with pytest.raises(KeyError):
        THRESHOLDS.with_overrides(no_such_threshold=1)


def _square(lon: float, lat: float, side_m: float) -> list[tuple[float, float]]:
    dlat = side_m / 110_900.0
    dlon = side_m / (111_320.0 * math.cos(math.radians(lat)))
    return [(lon, lat), (lon + dlon, lat), (lon + dlon, lat + dlat), (lon, lat + dlat)]


def test_benggang_size_class_from_area():
    assert rules.benggang_size_class(None) is None
    assert rules.benggang_size_class(3000) == "large"
    assert rules.benggang_size_class(2999.9) == "medium"
    assert rules.benggang_size_class(1000) == "medium"
    assert rules.benggang_size_class(999) == "small"
    for side, expected in ((70, "large"), (40, "medium"), (20, "small")):
        ctx = Context(polygons=[[_square(115.0, 25.85, side)]])
        derived = rules.derive("patch", {"kind": "benggang"}, ctx)
        assert derived["size_class"] == expected
        assert derived["area"] == pytest.approx(side * side, rel=0.01)
    # 侵蚀沟 keep their hand-entered class
    derived = rules.derive(
        "patch", {"kind": "gully", "size_class": "large"}, Context(polygons=[[_square(115, 25.85, 20)]])
    )
    assert "size_class" not in derived


@pytest.mark.parametrize(
    "lon, epsg, prefixed",
    [(114.5, 4547, 4526), (115.0, 4547, 4526), (113.0, 4547, 4526), (111.0, 4546, 4525), (109.4, 4545, 4524),
     (75.0, 4534, 4513), (135.0, 4554, 4533)],
)  # fmt: skip
def test_gk_zone_epsg(lon, epsg, prefixed):
    assert geodesy.gk_epsg(lon) == epsg
    assert geodesy.gk_epsg(lon, with_zone_prefix=True) == prefixed
    cm = geodesy.gk_central_meridian(geodesy.gk_zone(lon))
    params = {p.name: p.value for p in CRS.from_epsg(epsg).coordinate_operation.params}
    assert params["Longitude of natural origin"] == cm
    assert abs(lon - cm) <= 1.5


def test_gk_epsg_outside_china():
    with pytest.raises(ValueError):
        geodesy.gk_epsg(10.0)


def test_gk_forward_matches_pyproj():
    to_gk = Transformer.from_crs(4490, 4547, always_xy=True)
    for lon, lat in ((115.0, 25.85), (113.2, 22.1), (114.9, 38.4)):
        x, y = geodesy.gk_forward(lon, lat, 114.0)
        px, py = to_gk.transform(lon, lat)
        assert abs(x - px) < 0.001 and abs(y - py) < 0.001


def test_gk_area_matches_pyproj():
    ring = [(115.0 + 0.03 * math.cos(a / 20 * math.tau) * (1 + 0.3 * math.sin(3 * a)), 25.85 + 0.02 * math.sin(a / 20 * math.tau))
            for a in range(20)]  # fmt: skip
    hole = [(115.0 + 0.004 * math.cos(a / 8 * math.tau), 25.85 + 0.004 * math.sin(a / 8 * math.tau)) for a in range(8)]
    ours = geodesy.polygon_area_m2([[ring, hole]])
    to_gk = Transformer.from_crs(4490, geodesy.gk_epsg(115.0), always_xy=True)

    def planar(points):
        pts = [to_gk.transform(x, y) for x, y in points]
        return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1]))) / 2

    theirs = planar(ring) - planar(hole)
    assert theirs > 1e6
    assert abs(ours - theirs) / theirs < 1e-4


def test_erosion_intensity():
    t = THRESHOLDS["tolerable_loss_red_soil"]
    assert rules.erosion_intensity(400, t) == "slight"
    assert rules.erosion_intensity(500, t) == "light"
    assert rules.erosion_intensity(2500, t) == "moderate"
    assert rules.erosion_intensity(16000, t) == "severe"


def test_model_version_compatibility():
    major, minor = version.parse(MODEL_VERSION)
    assert version.is_compatible(MODEL_VERSION, MODEL_VERSION)
    assert version.is_compatible(f"{major}.0", f"{major}.{minor + 1}")
    assert not version.is_compatible(f"{major}.{minor + 1}", MODEL_VERSION)
    assert not version.is_compatible(f"{major + 1}.0", MODEL_VERSION)
    assert not version.is_compatible("garbage", MODEL_VERSION)
    with pytest.raises(version.IncompatibleModel) as err:
        version.check_compatible(f"{major + 1}.0")
    assert "不兼容" in str(err.value)
