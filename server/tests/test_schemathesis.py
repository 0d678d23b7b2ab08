"""Property-based API tests against the published OpenAPI: no 5xx, answers match the schema.

`test_api_fuzz` sends ~20 generated requests to every operation; `test_api_stateful` follows the
description's links (push → record, history, conflicts → resolve, pull → next page, upload →
photo) through sequences of calls, with changes generated from the per-kind typed schema, in a
county that already holds one record of every kind.
"""

from __future__ import annotations

import hashlib
import json
import uuid as uuidlib
import warnings

import schemathesis
import shapely
from hypothesis import HealthCheck, given
from hypothesis import settings as run_settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.stateful import run_state_machine_as_test
from shapely.geometry import MultiPolygon, Point, Polygon
from shuibao_server.app import create_app
from shuibao_server.testing.helpers import A, B, Client, sample_inserts, sample_values, uid
from starlette.testclient import TestClient

schemathesis.experimental.OPEN_API_3_1.enable()  # FastAPI publishes OpenAPI 3.1


def _shim_many_more() -> None:
    """hypothesis-jsonschema 0.23 calls `many.more()`, which newer Hypothesis replaced by iteration."""
    from hypothesis.internal.conjecture import utils as cu

    if hasattr(cu.many, "more"):
        return

    def more(self) -> bool:
        if not hasattr(self, "_shim_iter"):
            self.__enter__()
            self._shim_iter = iter(self)
        try:
            next(self._shim_iter)
            return True
        except StopIteration:
            self.__exit__(None)
            return False

    cu.many.more = more


_shim_many_more()


def _shim_results_to_targets() -> None:
    """schemathesis 3.39 files each answer under the bundle of its links by overriding Hypothesis'
    `_add_result_to_targets`, which newer Hypothesis calls `_add_results_to_targets`: without this,
    no link is ever followed."""
    from hypothesis.stateful import RuleBasedStateMachine
    from schemathesis.stateful.state_machine import APIStateMachine

    if hasattr(RuleBasedStateMachine, "_add_result_to_targets"):
        return

    def _add_results_to_targets(self, targets, results) -> None:
        for result in results:
            target = self._get_target_for_result(result) if result is not None else None
            if target is not None:
                RuleBasedStateMachine._add_results_to_targets(self, (target,), [result])

    APIStateMachine._add_results_to_targets = _add_results_to_targets


_shim_results_to_targets()

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
STATEFUL_RUNS = 20  # sequences of up to 6 calls, on each database


def _fuzz_app(settings, engine):
    """The app of the test's database; the fuzzer's wrong passwords must not lock out its own logins."""
    unthrottled = {"login_free_per_address": 10**9, "login_free_per_account": 10**9}
    return create_app(settings.model_copy(update=unthrottled), engine)


def test_openapi_is_self_consistent(client):
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "HTTPValidationError" not in json.dumps(spec)  # every 422 is a documented problem
    paths = set(spec["paths"])
    assert {"/api/v1/sync/push", "/api/v1/sync/pull", "/api/v1/conflicts", "/api/v1/blobs/{sha256}"} <= paths
    push = spec["paths"]["/api/v1/sync/push"]["post"]["responses"]["200"]["links"]
    assert push["GetRecord"]["operationId"] == "get_record" and push["ListConflicts"]["operationId"] == "conflicts"
    dam = spec["components"]["schemas"]["Change_dam"]["properties"]["fields"]["properties"]
    new = {name: dam[name]["properties"]["new"] for name in ("hazard_status", "dam_height", "name")}
    assert new["hazard_status"] == {
        "type": ["string", "null"],
        "enum": ["normal", "dangerous", "reinforcing", "cleared", None],
    }
    assert new["dam_height"] == {"type": ["number", "null"], "minimum": 0, "maximum": 100}
    assert new["name"] == {"type": ["string", "null"], "maxLength": 200}
    assert "created_at" not in dam and "scale" not in dam  # server-owned and derived: not the client's


def test_api_fuzz(settings, engine, api):
    """Every operation, ~20 generated requests each, authenticated as a technician of county A."""
    app = _fuzz_app(settings, engine)
    c = api.client("fuzz_tech", "technician")
    c.push(*sample_inserts(A, hashlib.sha256(JPEG).hexdigest())[:1])
    schema = schemathesis.from_asgi("/openapi.json", app)
    _typed_pushes(schema, [uid()], "0" * 64)
    failures = []
    n_ops = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        n_ops += 1
        me = Client(api, "fuzz_tech")  # a fresh token: the logout operation revokes its own
        checks = (not_a_server_error, response_schema_conformance)

        @given(case=operation.as_strategy())
        @run_settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)  # fmt: skip
        def run(case):
            headers = dict(me.headers)
            if case.headers:
                headers.update({k: v for k, v in case.headers.items() if k.lower() != "authorization"})
            response = case.call_asgi(headers=headers)
            case.validate_response(response, checks=checks)

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.verbose_name}: {exc}")
    assert n_ops >= 12
    assert not failures, "\n\n".join(failures)


def _points() -> st.SearchStrategy[str]:
    lon, lat = st.floats(114.9, 115.3), st.floats(25.7, 26.0)
    return st.builds(lambda x, y: shapely.to_wkb(Point(x, y), hex=True), lon, lat)


def _squares() -> st.SearchStrategy[str]:
    def square(x: float, y: float, d: float) -> str:
        return shapely.to_wkb(MultiPolygon([Polygon([(x, y), (x + d, y), (x + d, y + d), (x, y + d)])]), hex=True)

    return st.builds(square, st.floats(114.9, 115.3), st.floats(25.7, 26.0), st.floats(0.0002, 0.01))


def _changes(spec: dict, uuids: list[str], sha: str) -> st.SearchStrategy[dict]:
    """Push bodies from the description's typed changes (`Change_<kind>`), one kind per change;
    uuids of the county's records, its counties and geometries in it, its uploaded photo."""
    formats = {
        "uuid": st.sampled_from(uuids) | st.uuids(version=4).map(str),
        "county-code": st.sampled_from([A, A, A, B, "999999"]),
        "sha256": st.sampled_from([sha, "0" * 64]),
        "wkb-point": _points(),
        "wkb-multipolygon": _squares(),
    }
    schemas = spec["components"]["schemas"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overriding the standard "uuid" format is what we mean
        kinds = [from_schema(schemas[ref["$ref"].rsplit("/", 1)[1]], custom_formats=formats)
                 for ref in schemas["Change"]["anyOf"]]  # fmt: skip
    return st.fixed_dictionaries({"changes": st.lists(st.one_of(kinds), min_size=1, max_size=6)})


def _typed_pushes(schema, uuids: list[str], sha: str) -> None:
    """Generate push bodies from the typed changes, one kind at a time: drawn through the description's
    `anyOf` of 13 kinds, hypothesis-jsonschema takes seconds per body."""
    bodies = _changes(schema.raw_schema, uuids, sha)

    @schema.hook("before_generate_body")
    def typed_changes(context, strategy):
        return bodies if context.operation.path.endswith("/sync/push") else strategy


def _as_a_client(http: TestClient, headers: dict, changes: list[dict], parents: dict, sha: str) -> None:
    """What a real client adds to the changes it sends: consecutive mutation ids after its last one;
    a new uuid and every required field for a new record (the generated values win); the county's
    record of that kind for a change of an existing one, with, every other time, the rev it last
    pulled."""
    last = http.get("/api/v1/auth/me", headers=headers).json()["last_mutation_id"]
    for i, change in enumerate(changes):
        change["mutation_id"] = last + 1 + i
        if change["op"] == "insert":
            change["uuid"] = str(uuidlib.uuid4())
            sample = sample_values(change["kind"], A, parents, sha)
            change["fields"] = {**{n: {"old": None, "new": v} for n, v in sample.items()}, **change["fields"]}
            continue
        change["uuid"] = parents[change["kind"]]
        if i % 2 == 0:
            record = http.get(f"/api/v1/records/{change['uuid']}", headers=headers)
            if record.status_code == 200:
                change["base_rev"] = record.json()["rev"]


def test_api_stateful(settings, engine, api):
    """Sequences of calls along the description's links, as a technician of counties A and B whose
    county A holds one record of every kind: generated changes insert, update, delete and clash
    with them (the county's state carries over from one sequence to the next), the links read back
    records and history, list conflicts and resolve them, and pull. No answer is a 5xx, every
    answer matches the description."""
    app = _fuzz_app(settings, engine)
    tech = api.client("state_tech", "technician", counties=(A, B))
    sha = hashlib.sha256(JPEG).hexdigest()
    assert api.http.put(f"/api/v1/blobs/{sha}", content=JPEG, headers=tech.headers).status_code == 201
    inserts = sample_inserts(A, sha)
    assert {r["status"] for r in tech.push(*inserts)} == {"applied"}
    parents = {c["kind"]: c["uuid"] for c in inserts}
    schema = schemathesis.from_asgi("/openapi.json", app)
    _typed_pushes(schema, list(parents.values()), sha)
    http = TestClient(app, raise_server_exceptions=False)

    seen: dict[str, dict[int, int]] = {}
    results: dict[str, int] = {}

    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": tech.headers}

        def before_call(self, case):
            if case.operation.path.endswith("/sync/push"):
                _as_a_client(http, tech.headers, case.body["changes"], parents, sha)

        def after_call(self, response, case):
            codes = seen.setdefault(case.operation.verbose_name, {})
            codes[response.status_code] = codes.get(response.status_code, 0) + 1
            if case.operation.path.endswith("/sync/push") and response.status_code == 200:
                for res in response.json()["results"]:
                    results[res["status"]] = results.get(res["status"], 0) + 1

        def validate_response(self, response, case, additional_checks=()):
            case.validate_response(response, checks=(not_a_server_error, response_schema_conformance))

    run_state_machine_as_test(
        Workflow,
        settings=run_settings(
            max_examples=STATEFUL_RUNS,
            stateful_step_count=6,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),  # fmt: skip
    )
    print("stateful calls:", seen, "push results:", results)
    assert {"applied", "rejected"} <= set(results), results  # typed changes get past the envelope
    followed = {op for op in seen if not op.endswith("/sync/push")}
    assert len(followed) >= 4, seen  # the links were followed to other operations
