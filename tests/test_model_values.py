"""One value comparison for every side (model.values): the plugin's sync client, the server's merge
and the register import agree whether two values of a field are the same. A property test over
every field type: each value in each form it takes (the store's, the wire's, the server database's,
a register file's) is the same as itself, and two different values never are."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from shuibao.layers import codec as client
from shuibao.model import RECORD_KINDS
from shuibao.model.schema import BOOL, DATE, DATETIME, ENUM, FIELD_TYPES, INT, MULTI_ENUM, REAL
from shuibao.model.values import canon, same
from shuibao_server.sync import compare

# One field of each type (the comparison depends on the type only).
FIELDS = {}
for _kind in RECORD_KINDS.values():
    for _f in _kind.fields:
        FIELDS.setdefault(_f.type, (_kind, _f))
assert set(FIELDS) == set(FIELD_TYPES)

_UTC = dt.timezone.utc
_instants = st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(_UTC)
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))


def _gdal(d: dt.datetime) -> str:
    return d.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def _forms(ftype: str, value, data) -> list:
    """The forms one value takes: as typed, through JSON (the wire, the server's JSON column), in the
    store (GeoPackage), and as other programs hand it over."""
    wire = json.loads(json.dumps(value if not isinstance(value, (dt.date, dt.datetime)) else str(value)))
    forms = [value, wire]
    if ftype == BOOL:
        forms += [int(value), float(value), "true" if value else "false", "1" if value else "0"]
    elif ftype == REAL:
        forms += [float(value), json.loads(json.dumps(float(value)))]
        if float(value).is_integer():
            forms.append(int(value))
    elif ftype == INT:
        forms += [float(value)] if abs(value) < 2**53 else []
    elif ftype == MULTI_ENUM:
        forms += [json.dumps(value), json.dumps(list(reversed(value))), tuple(value)]
    elif ftype == DATETIME:
        offset = dt.timezone(dt.timedelta(hours=data.draw(st.integers(-12, 14))))
        forms = [value, _gdal(value), value.isoformat(), value.isoformat().replace("+00:00", "Z"),
                 value.astimezone(offset).isoformat(), value.replace(tzinfo=None).isoformat()]  # fmt: skip
    elif ftype == DATE:
        forms = [value, value.isoformat(), f"{value.isoformat()}T00:00:00"]
    return forms


def _store_forms(kind, name: str, forms: list) -> list:
    """The same value as the laptop's store holds it from the wire, and sends it back (the client's codec)."""
    stored = client.to_storage(kind, name, forms[1])  # forms[1]: as JSON carried it
    return [stored, client.to_wire(kind, name, stored)]


def _values(ftype: str, kind, f):
    if ftype == BOOL:
        return st.booleans()
    if ftype == INT:
        return st.integers(min_value=-(2**62), max_value=2**62)
    if ftype == REAL:
        return st.one_of(st.integers(-(10**9), 10**9), st.floats(-1e9, 1e9, allow_nan=False)).map(
            lambda v: round(v, 6) if isinstance(v, float) else v
        )
    if ftype == ENUM:
        return st.sampled_from(f.enum.codes())
    if ftype == MULTI_ENUM:
        return st.lists(st.sampled_from(f.enum.codes()), unique=True, min_size=1)
    if ftype == DATETIME:
        return _instants
    if ftype == DATE:
        return st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 1, 1))
    return st.text(min_size=1).filter(lambda s: s.strip() != "")  # TEXT, REF


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_form_of_a_value_is_the_same_value_and_different_values_differ(data):
    for ftype, (kind, f) in FIELDS.items():
        a, b = data.draw(_values(ftype, kind, f)), data.draw(_values(ftype, kind, f))
        forms_a, forms_b = _forms(ftype, a, data), _forms(ftype, b, data)
        forms_a += _store_forms(kind, f.name, forms_a)
        forms_b += _store_forms(kind, f.name, forms_b)
        for x in forms_a:
            assert same(kind, f.name, x, forms_a[0]), (ftype, x, forms_a[0])
            assert compare.same(kind, f.name, x, forms_a[0]), (ftype, x)  # the server's merge agrees
            assert client.same(kind, f.name, x, forms_a[0]), (ftype, x)  # and the laptop's sync
        differ = canon(kind, f.name, a) != canon(kind, f.name, b)
        meant = (sorted(a) != sorted(b)) if ftype == MULTI_ENUM else (a != b)
        if ftype == REAL:
            meant = round(float(a), 9) != round(float(b), 9)
        assert differ == meant, (ftype, a, b)
        assert all(client.same(kind, f.name, x, y) != meant for x in forms_a for y in forms_b), (ftype, a, b)


def test_what_the_two_sides_used_to_disagree_on():
    dam, inspection = RECORD_KINDS["dam"], RECORD_KINDS["dam_inspection"]
    assert same(dam, "total_storage", 5, 5.0)  # an integer in a REAL field
    assert same(dam, "has_spillway", 1, True) and same(dam, "has_spillway", "false", 0)
    assert not same(dam, "has_spillway", True, 0) and not same(dam, "has_spillway", None, False)
    assert not same(dam, "year_built", True, 1)  # a boolean is not an integer
    assert same(dam, "last_inspected_at", "2026-07-01T08:00:00Z", "2026-07-01T16:00:00.000+08:00")
    assert same(dam, "last_inspected_at", "2026-07-01T08:00:00.123456Z", "2026-07-01T08:00:00.123Z")
    assert same(dam, "downstream_exposure", '["school", "residents"]', ["residents", "school"])
    assert same(inspection, "deadline", "2026-07-01", dt.date(2026, 7, 1))
    assert same(dam, "name", "", None) and not same(dam, "name", "石门坝 ", "石门坝")
    assert same(dam, "total_storage", float("nan"), float("nan"))  # refused on push, but never a false change
