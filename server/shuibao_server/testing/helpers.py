"""Test helpers: users, logins, and change builders."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

import shapely
import sqlalchemy as sa
from shapely.geometry import MultiPolygon, Point, Polygon
from shuibao.model import AUDIT_FIELD_NAMES, MODEL_VERSION, RECORD_KINDS, rules
from shuibao.model.schema import BOOL, DATE, DATETIME, ENUM, INT, MULTI_ENUM, REAL, Field

from .. import auth, tables

A, B = "360721", "360722"  # two counties
PASSWORD = "secret-password"  # noqa: S105 - test fixture


def uid() -> str:
    return str(uuidlib.uuid4())


def point_hex(lon: float = 115.1, lat: float = 25.9) -> str:
    return shapely.to_wkb(Point(lon, lat), hex=True)


def square_hex(lon: float = 115.1, lat: float = 25.9, d: float = 0.001) -> str:
    poly = Polygon([(lon, lat), (lon + d, lat), (lon + d, lat + d), (lon, lat + d)])
    return shapely.to_wkb(MultiPolygon([poly]), hex=True)


def dam_values(county: str = A, **over: Any) -> dict:
    v = {
        "county_code": county, "code": "D-" + uid()[:8], "name": "石门坝", "total_storage": 12.5,
        "admin_person": "张三", "tech_person": "李四", "patrol_person": "王五", "geom": point_hex(),
    }  # fmt: skip
    v.update(over)
    return v


def sample_values(kind: str, county: str = A, parents: dict[str, str] | None = None, sha: str | None = None) -> dict:
    """Values of a valid new record of `kind` at its first step: each field required there gets a
    plain value of its type, a parent from `parents` ({kind: uuid}); a photo shows `sha` of a dam."""
    k = RECORD_KINDS[kind]
    parents = parents or {}
    values: dict[str, Any] = {"county_code": county}
    if kind == "photo":
        values.update(parent_kind="dam", parent_uuid=parents["dam"], sha256=sha, mime_type="image/jpeg")
    for name in rules.required_fields(k, rules.defaults(k)):
        if name not in values and name not in AUDIT_FIELD_NAMES:
            values[name] = _sample(k.field(name), parents)
    if k.geometry:
        values["geom"] = point_hex() if k.geometry == "Point" else square_hex()
    problems = rules.validate(k, {**{n: v for n, v in values.items() if n != "geom"}, "uuid": uid()})
    assert not problems, (kind, problems)
    return values


def _sample(f: Field, parents: dict[str, str]) -> Any:
    if f.ref is not None:  # a parent (REF), or another record's uuid
        return parents[f.ref]
    if f.type == ENUM:
        return f.default or f.enum.codes()[0]
    if f.type in (INT, REAL):
        low = f.minimum if f.minimum is not None else 1
        return int(low) if f.type == INT else float(low)
    samples = {BOOL: False, DATE: "2024-05-01", DATETIME: "2024-05-01T08:00:00Z", MULTI_ENUM: []}
    return samples.get(f.type, "样例")


def sample_inserts(county: str = A, sha: str | None = None) -> list[dict]:
    """One valid insert of every record kind, parents before children (a photo needs `sha` uploaded)."""
    out: list[dict] = []
    parents: dict[str, str] = {}
    todo = list(RECORD_KINDS)
    while todo:
        kind = next(
            n for n in todo if RECORD_KINDS[n].parent in (None, *parents) and (n != "photo" or "dam" in parents)
        )
        todo.remove(kind)
        change = insert(kind, sample_values(kind, county, parents, sha))
        parents[kind] = change["uuid"]
        out.append(change)
    return out


def fields_new(values: dict) -> dict:
    return {k: {"old": None, "new": v} for k, v in values.items()}


def insert(kind: str, values: dict, uuid: str | None = None) -> dict:
    return {"kind": kind, "uuid": uuid or uid(), "op": "insert", "base_rev": 0, "fields": fields_new(values)}


def update(kind: str, uuid: str, base_rev: int, changes: dict[str, tuple[Any, Any]]) -> dict:
    return {
        "kind": kind, "uuid": uuid, "op": "update", "base_rev": base_rev,
        "fields": {k: {"old": o, "new": n} for k, (o, n) in changes.items()},
    }  # fmt: skip


class Client:
    """One logged-in device."""

    def __init__(self, api: Api, username: str, client_id: str | None = None):
        self.api, self.username = api, username
        self.client_id = client_id or uid()
        r = api.http.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD, "client_id": self.client_id}
        )
        assert r.status_code == 200, r.text
        self.token = r.json()["token"]
        self.next_id = 1
        self.cursor: str | None = None

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}", "X-Shuibao-Model": MODEL_VERSION}

    def number(self, changes: list[dict]) -> list[dict]:
        out = []
        for c in changes:
            out.append({**c, "mutation_id": self.next_id})
            self.next_id += 1
        return out

    def push_raw(self, changes: list[dict]):
        return self.api.http.post("/api/v1/sync/push", json={"changes": changes}, headers=self.headers)

    def push(self, *changes: dict) -> list[dict]:
        r = self.push_raw(self.number(list(changes)))
        assert r.status_code == 200, r.text
        return r.json()["results"]

    def pull_all(self, limit: int = 500) -> list[dict]:
        items = []
        while True:
            params = {"limit": limit}
            if self.cursor:
                params["cursor"] = self.cursor
            r = self.api.http.get("/api/v1/sync/pull", params=params, headers=self.headers)
            assert r.status_code == 200, r.text
            body = r.json()
            items += body["items"]
            self.cursor = body["cursor"]
            if not body["has_more"]:
                return items

    def get(self, uuid: str):
        return self.api.http.get(f"/api/v1/records/{uuid}", headers=self.headers)

    @property
    def device_pk(self) -> int:
        return device_pk(self.api.engine, self.username, self.client_id)


def device_pk(engine: sa.Engine, username: str, client_id: str) -> int:
    """The server's id of a user's device (also the name of its photo upload session)."""
    d, u = tables.devices.c, tables.users.c
    q = sa.select(d.id).join(tables.users, u.id == d.user_id)
    with engine.connect() as conn:
        return conn.execute(q.where(u.username == username, d.client_id == client_id)).scalar_one()


class Api:
    def __init__(self, http, engine):
        self.http, self.engine = http, engine

    def user(self, name: str, role: str = "inspector", counties=(A,)) -> str:
        auth.add_user(self.engine, name, PASSWORD, role, list(counties))
        return name

    def client(self, name: str, role: str = "inspector", counties=(A,), client_id: str | None = None) -> Client:
        self.user(name, role, counties)
        return Client(self, name, client_id)
