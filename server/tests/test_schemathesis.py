"""Property-based API tests against the published OpenAPI: no 5xx, responses match the schema."""

from __future__ import annotations

import json

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from shuibao_server.testing.helpers import Client, dam_values, insert

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


def test_openapi_is_self_consistent(client):
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "HTTPValidationError" not in json.dumps(spec)  # every 422 is a documented problem
    paths = set(spec["paths"])
    assert {"/api/v1/sync/push", "/api/v1/sync/pull", "/api/v1/conflicts", "/api/v1/blobs/{sha256}"} <= paths


def test_api_fuzz(app, api):
    """Every operation, ~20 generated requests each, authenticated as a technician of county A."""
    c = api.client("fuzz_tech", "technician")
    c.push(*[insert("dam", dam_values()) for _ in range(3)])
    schema = schemathesis.from_asgi("/openapi.json", app)
    failures = []
    n_ops = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        n_ops += 1
        me = Client(api, "fuzz_tech")  # a fresh token: the logout operation revokes its own
        checks = (not_a_server_error,) if operation.method.upper() == "HEAD" else (
            not_a_server_error, response_schema_conformance)

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
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
