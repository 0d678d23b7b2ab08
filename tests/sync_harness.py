"""Test helpers for the sync client: a real server in a subprocess, stores, dams, and comparisons.

Not a test module. The server runs as ``uvicorn shuibao_server.app:create_app --factory`` on
127.0.0.1 with a temporary data dir (SQLite) or a database URL; users are added directly in the
server database (the ``shuibao-server`` CLI is not there yet).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid as uuidlib
from pathlib import Path
from typing import Any

import requests
import shapely
from shapely.geometry import Point
from shuibao.layers.codec import canon
from shuibao.layers.store import Store, create_store
from shuibao.model import MODEL_VERSION, RECORD_KINDS
from shuibao.sync.api import ApiClient
from shuibao.sync.engine import SyncEngine

A, B = "360721", "360722"
PASSWORD = "secret-password"
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data_dir: Path, database_url: str | None = None, port: int | None = None):
        self.data_dir = Path(data_dir)
        self.database_url = database_url
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.env = dict(os.environ, SHUIBAO_DATA_DIR=str(self.data_dir))
        if database_url:
            self.env["SHUIBAO_DATABASE_URL"] = database_url
        self.env.setdefault("SHUIBAO_MAX_BATCH", "5000")
        self.env["SHUIBAO_MAX_BATCH"] = "5000"
        self._init()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _engine(self):
        from shuibao_server import db
        from shuibao_server.config import Settings

        return db.make_engine(Settings(data_dir=self.data_dir, database_url=self.database_url).url)

    def _init(self) -> None:
        from shuibao_server import db

        engine = self._engine()
        try:
            db.migrate(engine)
        finally:
            engine.dispose()

    def add_user(self, name: str, role: str = "inspector", counties=(A,)) -> str:
        from shuibao_server import auth

        engine = self._engine()
        try:
            auth.add_user(engine, name, PASSWORD, role, list(counties))
        finally:
            engine.dispose()
        return name

    def start(self) -> Server:
        log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(  # nosec B603 - fixed argv
            [PY, "-m", "uvicorn", "shuibao_server.app:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning"],
            env=self.env, stdout=log, stderr=log,
        )  # fmt: skip
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError((self.data_dir / "server.log").read_text()[-3000:])
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self, kill: bool = False) -> None:
        if self.proc is None:
            return
        if kill:
            self.proc.send_signal(signal.SIGKILL)
        else:
            self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def restart(self, kill: bool = True) -> None:
        self.stop(kill=kill)
        self.start()

    # -- reading the server's truth ---------------------------------------------------------
    def contents(self, username: str) -> dict[tuple[str, str], dict]:
        """Every record the user sees, from a fresh device's pull (canonical values)."""
        api = ApiClient(self.url)
        api.login(username, PASSWORD, "inspect-" + uuidlib.uuid4().hex[:8])
        out: dict[tuple[str, str], dict] = {}
        cursor = None
        while True:
            page = api.pull(cursor, 5000)
            for it in page["items"]:
                if it["deleted"]:
                    out.pop((it["kind"], it["uuid"]), None)
                    continue
                out[(it["kind"], it["uuid"])] = canonical(it["kind"], it["values"])
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        api.close()
        return out

    def conflicts(self, username: str, status: str = "open") -> list[dict]:
        api = ApiClient(self.url)
        api.login(username, PASSWORD, "inspect-" + uuidlib.uuid4().hex[:8])
        r = api.request("GET", "/api/v1/conflicts", sync=True, params={"status": status, "limit": 1000})
        api.close()
        return r.json()["items"]


COMPARED_SKIP = {"server_rev", "created_at", "created_by", "updated_at", "updated_by", "fid"}


def canonical(kname: str, values: dict) -> dict:
    kind = RECORD_KINDS[kname]
    out = {}
    for name, v in values.items():
        if name in COMPARED_SKIP or (name != "geom" and name not in kind.field_names()):
            continue
        if name != "geom" and kind.field(name).derived:
            continue
        c = canon(kind, name, v)
        if c is not None:
            out[name] = c
    return out


def store_contents(store: Store, kinds=("dam", "dam_inspection", "photo")) -> dict[tuple[str, str], dict]:
    out = {}
    conn = store.connect()
    try:
        for kname in kinds:
            cur = conn.execute(f'SELECT * FROM "{kname}"')  # nosec B608 - fixed names
            cols = [d[0] for d in cur.description]
            for row in cur:
                rec = dict(zip(cols, row))
                out[(kname, rec["uuid"])] = canonical(kname, rec)
    finally:
        conn.close()
    return out


def point_wkb(lon: float = 115.1, lat: float = 25.9) -> bytes:
    return shapely.to_wkb(Point(lon, lat), flavor="iso")


def dam(county: str = A, **over: Any) -> dict:
    v = {
        "uuid": str(uuidlib.uuid4()), "county_code": county, "code": "D-" + uuidlib.uuid4().hex[:8], "name": "石门坝",
        "total_storage": 12.5, "admin_person": "张三", "tech_person": "李四", "patrol_person": "王五",
        "geom": point_wkb(),
    }  # fmt: skip
    v.update(over)
    return v


def new_store(path: Path) -> Store:
    return create_store(path)


def update(store: Store, kind: str, uuid: str, **values: Any) -> None:
    conn = store.connect()
    try:
        sets = ", ".join(f'"{k}" = ?' for k in values)
        params = []
        for k, v in values.items():
            if k == "geom":
                from shuibao.layers import gpkg

                v = gpkg.encode(v)
            params.append(v)
        conn.execute(f'UPDATE "{kind}" SET {sets} WHERE uuid = ?', (*params, uuid))  # nosec B608 - test names
        conn.commit()
    finally:
        conn.close()


def delete(store: Store, kind: str, uuid: str) -> None:
    conn = store.connect()
    try:
        conn.execute(f'DELETE FROM "{kind}" WHERE uuid = ?', (uuid,))  # nosec B608 - test names
        conn.commit()
    finally:
        conn.close()


def sync(store: Store, server: Server, user: str, **kw: Any):
    api = ApiClient(server.url, retries=kw.pop("retries", 4), backoff=kw.pop("backoff", 0.05))
    try:
        with SyncEngine(store, api, username=user, password=PASSWORD, **kw) as engine:
            return engine.sync()
    finally:
        api.close()


def model_version() -> str:
    return MODEL_VERSION


def canon_value(kname: str, fname: str, value: Any) -> Any:
    return canon(RECORD_KINDS[kname], fname, value)
