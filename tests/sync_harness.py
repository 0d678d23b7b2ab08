"""Test helpers for the sync client: a real server in a subprocess, stores, dams, and comparisons.

Not a test module. The server runs as ``uvicorn shuibao_server.app:create_app --factory`` on
127.0.0.1 with a temporary data dir (SQLite) or a database URL; users are added directly in the
server database (the ``shuibao-server`` CLI is not there yet).

``pg_cluster`` and ``backend`` are fixtures: a test module takes them with
``pg_cluster, backend = h.pg_cluster, h.backend`` and gets a server on either database from
``h.server_for(backend, request, data_dir)``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid as uuidlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
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


_databases = iter(range(1, 1 << 30))


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL + PostGIS cluster for the session, with a migrated template database."""
    from shuibao_server import db
    from shuibao_server.testing.pg import PgCluster, pg_bin

    if pg_bin() is None:
        pytest.skip("PostgreSQL binaries not installed")
    cluster = PgCluster().start()
    try:
        engine = db.make_engine(cluster.create_database("sync_tpl"))
        db.migrate(engine)
        engine.dispose()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgis"])
def backend(request) -> str:
    return request.param


def server_for(backend: str, request, data_dir: Path) -> Server:
    """A new (not started) server on the backend: its own SQLite file or its own PostGIS database."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        return Server(data_dir)
    cluster = request.getfixturevalue("pg_cluster")
    name = f"s{next(_databases)}"
    url = cluster.create_database(name, template="sync_tpl")
    request.addfinalizer(lambda: cluster.drop_database(name))
    return Server(data_dir, url)


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
        self.add_users((name, role, counties))
        return name

    def add_users(self, *users: tuple[str, str, tuple[str, ...]]) -> None:
        """Users as (name, role, counties), with one database connection."""
        from shuibao_server import auth

        engine = self._engine()
        try:
            for name, role, counties in users:
                auth.add_user(engine, name, PASSWORD, role, list(counties))
        finally:
            engine.dispose()

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

    @contextmanager
    def fault(self, point: str, log: Path):
        """The server restarted with ``SHUIBAO_FAULT=point`` (see shuibao_server.faults) for the block;
        yields its process. Afterwards it runs again on the same data, without the fault."""
        self.stop()
        self.env.update(SHUIBAO_FAULT=point, SHUIBAO_FAULT_LOG=str(log))
        self.start()
        proc = self.proc
        try:
            yield proc
        finally:
            self.env.pop("SHUIBAO_FAULT")
            if proc.poll() is None:
                self.stop()
            self.proc = None
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
    Path(path).parent.mkdir(parents=True, exist_ok=True)
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
    return sync_url(store, server.url, user, **kw)


def sync_url(store: Store, url: str, user: str, **kw: Any):
    api = ApiClient(url, retries=kw.pop("retries", 4), backoff=kw.pop("backoff", 0.05))
    try:
        with SyncEngine(store, api, username=user, password=PASSWORD, **kw) as engine:
            return engine.sync()
    finally:
        api.close()


def model_version() -> str:
    return MODEL_VERSION


def canon_value(kname: str, fname: str, value: Any) -> Any:
    return canon(RECORD_KINDS[kname], fname, value)


# ------------------------------------------------------------------------------------------
# A fault-injecting TCP proxy (for faults a real server cannot produce)
# ------------------------------------------------------------------------------------------
class Proxy:
    """Forwards 127.0.0.1:port to the server. ``faults`` is a list of (mode, request prefix):
    ``cut_request`` closes the connection after part of a matching request; ``cut_response``
    delivers the request and drops the answer; ``not_found`` answers 404 without forwarding (a
    server without that endpoint); ``pass`` lets one matching request through untouched. ``keep``
    lists modes that stay armed after they fired."""

    def __init__(self, target_port: int):
        self.target = target_port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.port = self.sock.getsockname()[1]
        self.faults: list[tuple[str, bytes]] = []
        self.fired: list[str] = []
        self.keep: set[str] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _take(self, chunk: bytes) -> str | None:
        with self.lock:
            for i, (mode, prefix) in enumerate(self.faults):
                if chunk.startswith(prefix):
                    if mode not in self.keep:
                        del self.faults[i]
                    self.fired.append(mode)
                    return mode
        return None

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target), timeout=30)
        except OSError:
            client.close()
            return
        state = {"drop": False}

        def down() -> None:
            try:
                while True:
                    data = upstream.recv(65536)
                    if not data:
                        break
                    if state["drop"]:
                        break
                    client.sendall(data)
            except OSError:
                pass
            finally:
                for s in (client, upstream):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    s.close()

        threading.Thread(target=down, daemon=True).start()
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                mode = self._take(data)
                if mode == "not_found":
                    state["drop"] = True
                    client.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    raise OSError("answered 404")
                if mode == "cut_request":
                    upstream.sendall(data[: max(1, len(data) // 2)])
                    raise OSError("cut")
                if mode == "cut_response":
                    state["drop"] = True
                upstream.sendall(data)
        except OSError:
            for s in (client, upstream):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self) -> None:
        self.sock.close()


# ------------------------------------------------------------------------------------------
# What was typed, and the check that all of it arrived once
# ------------------------------------------------------------------------------------------
class Ledger:
    """Every edit a test makes on a laptop's store, in order; ``check`` compares with the server.

    Edits are plain SQL on the store, as any tool's commit (the triggers log them).
    """

    def __init__(self) -> None:
        self.t = 0
        self.writes: list[tuple[int, str, str, str, str, Any]] = []  # (t, laptop, kind, uuid, field, value)
        self.records: dict[str, tuple[str, str]] = {}  # uuid -> (kind, code or name)
        self.deleted: set[str] = set()

    def insert(self, laptop: str, store: Store, kind: str, records: list[dict]) -> list[str]:
        store.insert_records(kind, records)
        for rec in records:
            self.records[rec["uuid"]] = (kind, rec.get("code") or rec.get("name") or rec["uuid"])
            for name, value in rec.items():
                if name not in ("uuid", "geom"):
                    self._note(laptop, kind, rec["uuid"], name, value)
        return [r["uuid"] for r in records]

    def update(self, laptop: str, store: Store, kind: str, uuid: str, **values: Any) -> None:
        update(store, kind, uuid, **values)
        for name, value in values.items():
            self._note(laptop, kind, uuid, name, value)

    def delete(self, laptop: str, store: Store, kind: str, uuid: str) -> None:
        delete(store, kind, uuid)
        self.deleted.add(uuid)

    def _note(self, laptop: str, kind: str, uuid: str, name: str, value: Any) -> None:
        self.t += 1
        self.writes.append((self.t, laptop, kind, uuid, name, value))

    def check(self, server: Server, user: str, stores: dict[str, Store]) -> dict[str, int]:
        """Counts of ``lost`` (a record or typed value on the server nowhere: not in the data, not
        overwritten by a later edit, not kept in a conflict on the laptop that typed it) and
        ``duplicated`` records; also asserts every store equals the server and has nothing left."""
        from shuibao.layers import sync_local

        truth = server.contents(user)
        lost = [u for u in self.records if u not in self.deleted and (self.records[u][0], u) not in truth]
        lost += [u for u in self.deleted if (self.records.get(u, ("dam",))[0], u) in truth]
        codes: dict[tuple[str, str], int] = {}
        for (kind, _u), values in truth.items():
            key = values.get("code") or values.get("name")
            codes[(kind, key)] = codes.get((kind, key), 0) + 1
        mine = {(k, c) for k, c in self.records.values()}
        duplicated = sum(n - 1 for key, n in codes.items() if key in mine and n > 1)
        kept = {laptop: sync_local.list_conflicts(store, "all") for laptop, store in stores.items()}
        for t, laptop, kind, uuid, name, value in self.writes:
            if uuid in self.deleted or (kind, uuid) not in truth or name in COMPARED_SKIP:
                continue
            if name != "geom" and RECORD_KINDS[kind].field(name).derived:
                continue
            if canon_value(kind, name, value) == truth[(kind, uuid)].get(name):
                continue
            if any(t2 > t and u2 == uuid and n2 == name for t2, _l, _k, u2, n2, _v in self.writes):
                continue
            if any(
                c["uuid"] == uuid
                and c["field"] == name
                and canon_value(kind, name, c["mine"]) == canon_value(kind, name, value)
                for c in kept.get(laptop, [])
            ):
                continue
            lost.append(f"{laptop}: {kind} {uuid} {name}={value!r}")
        for laptop, store in stores.items():
            assert store_contents(store) == truth, laptop
            assert store.pending_changes() == [], laptop
            assert sync_local.list_rejected(store) == [], laptop
        assert lost == [] and duplicated == 0, (lost, duplicated)
        return {"lost": len(lost), "duplicated": duplicated, "records": len(self.records), "values": len(self.writes)}


@contextmanager
def placed(path: Path, other: Path):
    """``other``'s file at ``path`` for a while (the same path on another machine): swaps the files."""
    aside = path.with_name(path.name + ".aside")
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{path}{suffix}").exists():
            shutil.move(f"{path}{suffix}", f"{aside}{suffix}")
        if Path(f"{other}{suffix}").exists():
            shutil.move(f"{other}{suffix}", f"{path}{suffix}")
    try:
        yield Store(path)
    finally:
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{path}{suffix}").exists():
                shutil.move(f"{path}{suffix}", f"{other}{suffix}")
            if Path(f"{aside}{suffix}").exists():
                shutil.move(f"{aside}{suffix}", f"{path}{suffix}")


def copy_store(src: Store, dest: Path) -> Store:
    """A byte copy of a store file (as a user copies it: the file alone, after QGIS closed it)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    conn = src.connect()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    shutil.copy(src.path, dest)
    return Store(dest)


# ------------------------------------------------------------------------------------------
# A sync in a subprocess, killed at a chosen request
# ------------------------------------------------------------------------------------------
KILL_SCRIPT = r"""
import json, os, signal, sys
import requests
from shuibao.sync.api import ApiClient
from shuibao.sync.engine import SyncSettings
from shuibao.sync.run import run_sync

store, url, user, password, settings, spec, log_path = sys.argv[1:8]
spec = json.loads(spec)
log = open(log_path, "a", buffering=1)


class Transport(requests.adapters.HTTPAdapter):
    seen = 0

    def send(self, request, **kw):
        line = f"{request.method} {request.path_url.split('?')[0]}"
        hit = bool(spec) and line.startswith(f"{spec['method']} {spec['path']}")
        if hit:
            Transport.seen += 1
            hit = Transport.seen == spec["nth"]
        if hit and spec["when"] == "before":
            log.write(f"KILL before {spec['method']} {spec['path']} #{spec['nth']}\n")
            os.kill(os.getpid(), signal.SIGKILL)
        resp = super().send(request, **kw)
        resp.content  # the whole answer is read
        log.write(f"{resp.status_code} {line}\n")
        if hit:
            log.write(f"KILL after {spec['method']} {spec['path']} #{spec['nth']}\n")
            os.kill(os.getpid(), signal.SIGKILL)
        return resp


session = requests.Session()
session.mount("http://", Transport())
api = ApiClient(url, session=session, retries=0)
run_sync(store, api, username=user, password=password, settings=SyncSettings(**json.loads(settings)))
log.write("DONE\n")
"""


def sync_in_subprocess(store: Store, url: str, user: str, settings: dict, spec: dict | None, log: Path) -> int:
    """Run one sync in a new Python process (``spec``: where to kill it). Returns the exit code."""
    proc = subprocess.run(  # nosec B603 - fixed argv
        [PY, "-c", KILL_SCRIPT, str(store.path), url, user, PASSWORD, json.dumps(settings), json.dumps(spec or {}),
         str(log)],
        capture_output=True, timeout=300,
    )  # fmt: skip
    if proc.returncode not in (0, -signal.SIGKILL):
        raise RuntimeError(proc.stderr.decode()[-3000:])
    return proc.returncode


def census(store: Store, url: str, user: str, settings: dict, log: Path) -> list[str]:
    """The requests of one whole sync, in order (``METHOD /path``)."""
    assert sync_in_subprocess(store, url, user, settings, None, log) == 0
    lines = log.read_text().splitlines()
    assert lines[-1] == "DONE"
    return [line.split(" ", 1)[1] for line in lines[:-1]]


def check_store_file(store: Store) -> dict[str, int]:
    """After a kill: the file passes ``integrity_check`` and QGIS reads every layer as SQLite counts it."""
    from qgis.core import QgsFeatureRequest, QgsVectorLayer

    conn = sqlite3.connect(str(store.path))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counts = {k: conn.execute(f'SELECT count(*) FROM "{k}"').fetchone()[0] for k in RECORD_KINDS}  # noqa: S608
    finally:
        conn.close()
    for kind, n in counts.items():
        layer = QgsVectorLayer(f"{store.path}|layername={kind}", kind, "ogr")
        assert layer.isValid(), kind
        request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry).setNoAttributes()
        assert sum(1 for _ in layer.getFeatures(request)) == n, kind
    return counts
