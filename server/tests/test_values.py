"""No value a client sends can break a county's sync (issue 12, items 1 and 2).

Every value is checked before anything is written: a bad change is `rejected` with a zh and en
reason and the device's mutation id advances; the server never answers 5xx; pull, records,
history and conflicts keep working afterwards. Pushed as raw JSON text, the way a broken or
hostile client would send it (lone surrogates as `\\ud800` escapes, `NaN`, 400-digit numbers).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shuibao.model import RECORD_KINDS
from shuibao_server.sync.values import SERVER_FILLED, SERVER_OWNED
from shuibao_server.testing.helpers import A, insert, sample_inserts, sample_values, uid, update

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4


def nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


# Values that once broke a county (issue 12), each in every field of every kind.
NASTY = {
    "lone surrogate": "\ud800",
    "NUL": "a\x00b",
    "surrogate key": {"\udfff": 1},
    "400-digit integer": 10**400,
    "2^63": 2**63,
    "NaN": float("nan"),
    "-Infinity": float("-inf"),
    "600 levels": nested(600),
    "JSON text 50,000 levels": "[" * 50_000 + "]" * 50_000,
}


class Device:
    """A logged-in device that pushes raw JSON text and follows the server's last mutation id."""

    def __init__(self, api, client):
        self.api, self.client = api, client
        self.next_id = 1

    def push(self, changes: list[dict]) -> list[dict]:
        numbered = [{**c, "mutation_id": self.next_id + i} for i, c in enumerate(changes)]
        body = json.dumps({"changes": numbered})  # ensure_ascii: lone surrogates travel as \ud800
        r = self.api.http.post(
            "/api/v1/sync/push",
            content=body.encode(),
            headers={**self.client.headers, "Content-Type": "application/json"},
        )
        assert r.status_code == 200, r.text[:2000]
        answer = r.json()
        self.next_id = answer["last_mutation_id"] + 1
        return answer["results"]


def _county(api) -> tuple[Device, dict[str, dict]]:
    """A technician's device and one valid record of every kind ({kind: insert change})."""
    tech = api.client("tech", "technician")
    sha = hashlib.sha256(JPEG).hexdigest()
    assert api.http.put(f"/api/v1/blobs/{sha}", content=JPEG, headers=tech.headers).status_code == 201
    device = Device(api, tech)
    inserts = sample_inserts(A, sha)
    results = device.push(inserts)
    assert [r["status"] for r in results] == ["applied"] * len(inserts), results
    return device, {c["kind"]: {**c, "rev": r["rev"]} for c, r in zip(inserts, results)}


def _reads_work(api, device: Device, records: dict[str, dict]) -> None:
    """Pull, each record, its history and the conflicts still answer 200 with valid JSON."""
    headers = device.client.headers
    for params in ({}, {"limit": 3}):
        r = api.http.get("/api/v1/sync/pull", params=params, headers=headers)
        assert r.status_code == 200, r.text[:500]
    for rec in records.values():
        for url in (f"/api/v1/records/{rec['uuid']}", f"/api/v1/records/{rec['uuid']}/history"):
            r = api.http.get(url, headers=headers)
            assert r.status_code == 200, (url, r.text[:500])
            r.json()
    r = api.http.get("/api/v1/conflicts", params={"status": "all"}, headers=headers)
    assert r.status_code == 200, r.text[:500]


def _writable(kind: str) -> list[str]:
    k = RECORD_KINDS[kind]
    skip = SERVER_OWNED | SERVER_FILLED.get(kind, frozenset())
    names = [f.name for f in k.fields if f.name not in skip and not f.derived]
    return [*names, "geom"] if k.geometry else names


def _assert_rejected(results: list[dict]) -> None:
    for res in results:
        assert res["status"] == "rejected", res
        assert res["errors"] and all(e["zh"] and e["en"] for e in res["errors"]), res


def test_every_bad_value_in_every_field_of_every_kind_is_rejected(api):
    device, records = _county(api)
    for kind, base in records.items():
        values = sample_values(
            kind, A, {k: r["uuid"] for k, r in records.items()}, base["fields"].get("sha256", {}).get("new")
        )
        changes = []
        for name in _writable(kind):
            for bad in NASTY.values():
                changes.append(insert(kind, {**values, name: bad}))
                changes.append(update(kind, base["uuid"], base["rev"] - 1, {name: (bad, bad)}))
        first = device.next_id
        results = device.push(changes)
        _assert_rejected(results)
        assert device.next_id == first + len(changes)  # every rejected change advanced the mutation id
    _reads_work(api, device, records)
    for rec in records.values():  # nothing of it was written
        assert len(api.http.get(f"/api/v1/records/{rec['uuid']}/history", headers=device.client.headers).json()) == 1


def test_a_bad_field_name_is_rejected_and_a_resent_batch_gets_the_same_answer(api):
    device, records = _county(api)
    dam = records["dam"]
    bad_names = ["\ud800", "name\x00", "x" * 10_000, "Name", "名称"]
    changes = [update("dam", dam["uuid"], dam["rev"], {name: ("a", "b")}) for name in bad_names]
    first = device.next_id
    results = device.push(changes)
    _assert_rejected(results)
    assert all(e["code"] == "unknown" for r in results for e in r["errors"])
    device.next_id = first  # the answer was lost: the laptop sends the same batch again
    again = device.push(changes)
    assert [{**r, "replayed": False} for r in again] == results and all(r["replayed"] for r in again)
    _reads_work(api, device, records)


def test_numbers_beyond_the_database_or_the_model_are_rejected(api):
    device, records = _county(api)
    patch = sample_values("patch")
    results = device.push(
        [
            insert("patch", {**patch, "people_threatened": 10**30}),
            insert("patch", {**patch, "people_threatened": 10**400}),
            insert("patch", {**patch, "people_threatened": -1}),
            insert("patch", {**patch, "people_threatened": 1_000_000}),  # more than the model allows
            insert("patch", {**patch, "gradient": 100.5}),
            insert(
                "patch", {**patch, "people_threatened": 2**53 + 1}
            ),  # a bigint that JSON clients cannot read exactly
        ]
    )
    assert [r["status"] for r in results] == ["rejected"] * 6
    assert {e["field"] for r in results for e in r["errors"]} == {"people_threatened", "gradient"}


def test_names_longer_than_the_model_allows_are_rejected(api):
    device, records = _county(api)
    dam = records["dam"]
    results = device.push(
        [
            update("dam", dam["uuid"], dam["rev"], {"name": ("样例", "x" * 10_000_000)}),  # a 10 MB name
            update("dam", dam["uuid"], dam["rev"], {"name": ("样例", "坝" * 201)}),
        ]
    )
    _assert_rejected(results)
    assert results[1]["errors"][0]["code"] == "length" and "200" in results[1]["errors"][0]["zh"]
    [ok] = device.push([update("dam", dam["uuid"], dam["rev"], {"name": ("样例", "坝" * 200)})])
    assert ok["status"] == "applied"


def test_conflict_resolution_refuses_values_that_cannot_be_stored(api):
    device, records = _county(api)
    other = Device(api, api.client("insp", "inspector"))
    dam = records["dam"]
    other.push([update("dam", dam["uuid"], dam["rev"], {"total_storage": (0.0, 3.0)})])
    [res] = device.push([update("dam", dam["uuid"], dam["rev"], {"total_storage": (0.0, 4.0)})])
    assert res["status"] == "conflict"
    cid = res["conflicts"][0]["id"]
    for text in ('{"resolution": "value", "value": %s}' % ("9" * 400), '{"resolution": "value", "value": NaN}'):
        r = api.http.post(
            f"/api/v1/conflicts/{cid}/resolve",
            content=text.encode(),
            headers={**device.client.headers, "Content-Type": "application/json"},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["zh"], r.text
    _reads_work(api, device, records)


def test_a_cursor_beyond_a_bigint_is_a_bad_cursor(api):
    c = api.client("insp")
    for position in (2**63, 2**64 + 5, -1, True, 1.5):
        raw = json.dumps({A: position}).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        r = api.http.get("/api/v1/sync/pull", params={"cursor": cursor}, headers=c.headers)
        assert r.status_code == 400 and r.json()["type"].endswith("/bad-cursor"), (position, r.text)
        assert r.json()["errors"][0]["zh"]


# -- any JSON in any field -----------------------------------------------------------------------
TEXT = st.text(st.characters(exclude_categories=[]), max_size=20)  # lone surrogates and NUL included
SCALARS = st.none() | st.booleans() | st.integers(-(10**500), 10**500) | st.floats() | TEXT
JSON_VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12
) | st.sampled_from(list(NASTY.values()))


def test_any_json_in_any_field_of_any_kind_never_breaks_sync(api):
    """Hypothesis: each example pushes, for every kind, an insert and an update with one field set to
    arbitrary JSON (old and new); the push answers 200, each change is judged, and reads still work."""
    device, records = _county(api)
    parents = {k: r["uuid"] for k, r in records.items()}
    sha = records["photo"]["fields"]["sha256"]["new"]
    statuses: set[str] = set()

    @given(data=st.data())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(data):
        changes = []
        for kind, base in records.items():
            name = data.draw(st.sampled_from(_writable(kind)), label=f"{kind} field")
            old, new = data.draw(JSON_VALUES, label="old"), data.draw(JSON_VALUES, label="new")
            changes.append(insert(kind, {**sample_values(kind, A, parents, sha), name: new}, uuid=uid()))
            base_rev = data.draw(st.sampled_from([0, base["rev"], 10**6]), label="base_rev")
            changes.append(update(kind, base["uuid"], base_rev, {name: (old, new)}))
        results = device.push(changes)
        for res in results:
            assert res["status"] in ("applied", "conflict", "rejected", "retry", "not_processed"), res
            if res["status"] == "rejected":
                assert all(e["zh"] and e["en"] for e in res["errors"]), res
            statuses.add(res["status"])
        _reads_work(api, device, records)

    run()
    assert {"applied", "rejected"} <= statuses
