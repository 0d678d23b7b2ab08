"""Fault injection: kills, cut connections, server restarts, disk full, and a Hypothesis state machine.

Each fault happens at a chosen point, never on a timer, and the test asserts it happened there:
the client killed in a subprocess before or after the N-th request of a kind (34 points on
SQLite, the 17 after an answer on PostGIS), the server killed at five points of a push
(``SHUIBAO_FAULT``, on both). Every test ends by
comparing the server's and the stores' contents with what was entered.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import uuid as uuidlib
from collections import Counter
from pathlib import Path

import pytest
import shuibao_sync_harness as h
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from shuibao.layers import sync_local as local
from shuibao.layers.photo_files import add_photo
from shuibao.layers.store import Store
from shuibao.sync import engine as eng
from shuibao.sync.api import ApiClient, SyncError
from shuibao.sync.engine import SyncEngine

PASSWORD = h.PASSWORD
pg_cluster = h.pg_cluster


@pytest.fixture
def server(tmp_path):
    (tmp_path / "server").mkdir()
    srv = h.Server(tmp_path / "server")
    for name in ("ann", "bob", "cat"):
        srv.add_user(name)
    srv.start()
    yield srv
    srv.stop()


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------
def entered(store: Store, n: int, prefix: str) -> dict[str, dict]:
    dams = [h.dam(name=f"{prefix}{i}", dam_height=float(i % 50)) for i in range(n)]
    store.insert_records("dam", dams)
    return {d["uuid"]: d for d in dams}


def check_same(server, user: str, stores: list[Store], expect: dict[str, dict] | None = None) -> None:
    truth = server.contents(user)
    for s in stores:
        assert h.store_contents(s) == truth
        assert s.pending_changes() == []
    if expect is not None:
        names = {u: v["name"] for (_k, u), v in truth.items()}
        assert set(names) == set(expect)  # nothing lost, nothing duplicated
        for u, d in expect.items():
            assert names[u] == d["name"]


# ------------------------------------------------------------------------------------------
# tests
# ------------------------------------------------------------------------------------------
# ------------------------------------------------------------------------------------------
# The client killed at chosen requests (SYNC.md 3, 4, 9), each in its own subprocess
# ------------------------------------------------------------------------------------------
SETTINGS = {"batch_size": 70, "page_size": 100, "chunk_size": 65_536}
PHOTO_BYTES = 150_000  # three chunks
DEVICE = ("POST", "/api/v1/sync/device")
LOGIN, BLOB, PUSH, PULL = (
    ("POST", "/api/v1/auth/login"),
    ("PUT", "/api/v1/blobs/"),
    ("POST", "/api/v1/sync/push"),
    (
        "GET",
        "/api/v1/sync/pull",
    ),
)
KILL_POINTS = [
    (laptop, request, nth, when)
    for laptop, plan in (
        ("ann", ((LOGIN, (1,)), (DEVICE, (1,)), (BLOB, (1, 2, "last")), (PUSH, (1, 2, "last")), (PULL, (1, "last")))),
        ("bob", ((LOGIN, (1,)), (PUSH, (1, 2, "last")), (PULL, (1, 2, "last")))),
    )
    for request, nths in plan
    for nth in nths
    for when in ("before", "after")
]
_counties = iter(range(1, 10_000))


# On PostGIS the points after an answer was read: before it, the server saw nothing of the request.
KILL_CASES = [("sqlite", p) for p in KILL_POINTS] + [("postgis", p) for p in KILL_POINTS if p[3] == "after"]


@pytest.fixture(scope="module")
def servers(request, tmp_path_factory):
    """``servers(backend)``: one server per database for the module, started when first asked for."""
    made: dict[str, h.Server] = {}

    def get(backend: str) -> h.Server:
        if backend not in made:
            made[backend] = h.server_for(backend, request, tmp_path_factory.mktemp(f"server-{backend}")).start()
        return made[backend]

    yield get
    for srv in made.values():
        srv.stop()


class Laptops:
    """Two laptops of a county of their own: ann (technician) and bob (inspector).

    Prepared: 60 dams on both. Then typed offline: ann adds 150 dams, renames 30, deletes 6, sets
    the height of 5 and adds a photo (three chunks); bob adds 120 dams, sets the crest width of 20
    and the height of the same 5 (other values: conflicts). Each pushes three batches.
    """

    def __init__(self, server: h.Server, tmp: Path):
        self.server, self.led = server, h.Ledger()
        county = f"36{next(_counties):04d}"
        self.users = {"ann": f"ann{county}", "bob": f"bob{county}"}
        server.add_user(self.users["ann"], "technician", (county,))
        server.add_user(self.users["bob"], "inspector", (county,))
        self.stores = {name: h.new_store(tmp / name / "store.gpkg") for name in self.users}
        self.county = county
        self.tmp = tmp

    def sync(self, laptop: str):
        return h.sync(self.stores[laptop], self.server, self.users[laptop])

    def prepare_and_type(self) -> None:
        ann, bob, led = self.stores["ann"], self.stores["bob"], self.led
        old = led.insert("ann", ann, "dam", [h.dam(self.county, name=f"旧{i}") for i in range(60)])
        self.sync("ann")
        self.sync("bob")
        led.insert("ann", ann, "dam", [h.dam(self.county, name=f"甲{i}") for i in range(150)])
        for u in old[:30]:
            led.update("ann", ann, "dam", u, name="甲改")
        for u in old[50:56]:
            led.delete("ann", ann, "dam", u)
        for u in old[40:45]:
            led.update("ann", ann, "dam", u, dam_height=7.0)
        photo = self.tmp / "crack.jpg"
        body = self.county.encode() + bytes(i % 251 for i in range(PHOTO_BYTES - 12))  # a photo of its own
        photo.write_bytes(b"\xff\xd8\xff\xe0" + body + b"\xff\xd9")
        pid = add_photo(ann, "dam", old[0], photo, caption="坝顶裂缝")
        led.records[pid] = ("photo", "坝顶裂缝")
        led.insert("bob", bob, "dam", [h.dam(self.county, name=f"乙{i}") for i in range(120)])
        for u in old[10:30]:
            led.update("bob", bob, "dam", u, crest_width=3.5)
        for u in old[40:45]:
            led.update("bob", bob, "dam", u, dam_height=9.0)

    def finish(self) -> dict[str, int]:
        for laptop in ("ann", "bob", "ann", "bob"):
            self.sync(laptop)
        return self.led.check(self.server, self.users["ann"], self.stores)


@pytest.fixture(scope="module")
def requests_made(servers, tmp_path_factory) -> dict[str, Counter]:
    """How many requests of each kind a whole sync of each laptop makes (one undisturbed run)."""
    kill_server = servers("sqlite")
    lt = Laptops(kill_server, tmp_path_factory.mktemp("census"))
    lt.prepare_and_type()
    out = {}
    for laptop in ("ann", "bob"):
        log = lt.tmp / f"{laptop}.log"
        made = h.census(lt.stores[laptop], kill_server.url, lt.users[laptop], SETTINGS, log)
        out[laptop] = Counter(next((f"{m} {p}" for m, p in (LOGIN, DEVICE, BLOB, PUSH, PULL) if r.startswith(f"{m} {p}")), r)
                              for r in made)  # fmt: skip
    assert out["ann"][" ".join(BLOB)] == 3 and out["ann"][" ".join(PUSH)] == 3 and out["bob"][" ".join(PUSH)] == 3
    assert out["bob"][" ".join(PULL)] >= 3
    assert lt.finish()["lost"] == 0
    return out


@pytest.mark.parametrize(
    ("backend", "point"), KILL_CASES,
    ids=lambda c: c if isinstance(c, str) else f"{c[0]}-{c[1][1].rsplit('/', 1)[-1] or 'blob'}-{c[2]}-{c[3]}",
)  # fmt: skip
def test_client_killed_at_a_chosen_request(servers, requests_made, tmp_path, backend, point, qgis_app):
    kill_server = servers(backend)
    laptop, (method, path), nth, when = point
    lt = Laptops(kill_server, tmp_path)
    lt.prepare_and_type()
    if laptop == "bob":
        lt.sync("ann")  # bob's pull then brings ann's work
    n = requests_made[laptop][f"{method} {path}"] if nth == "last" else nth
    log = tmp_path / "kill.log"
    spec = {"method": method, "path": path, "nth": n, "when": when}
    assert h.sync_in_subprocess(lt.stores[laptop], kill_server.url, lt.users[laptop], SETTINGS, spec, log) == -9
    assert log.read_text().splitlines()[-1] == f"KILL {when} {method} {path} #{n}"  # died where it was meant to
    h.check_store_file(lt.stores[laptop])
    counts = lt.finish()
    assert counts["lost"] == counts["duplicated"] == 0


def test_lost_and_cut_connections(server, tmp_path):
    proxy = h.Proxy(server.port)
    try:
        s1, s2 = h.new_store(tmp_path / "a.gpkg"), h.new_store(tmp_path / "b.gpkg")
        expect = entered(s1, 300, "坝")
        proxy.faults = [("cut_response", b"POST /api/v1/sync/push"), ("cut_request", b"POST /api/v1/sync/push"),
                        ("cut_response", b"POST /api/v1/sync/push")]  # fmt: skip
        api = ApiClient(proxy.url, retries=5, backoff=0.05)
        with eng.SyncEngine(s1, api, username="ann", password=PASSWORD, settings=eng.SyncSettings(batch_size=50)) as e:
            r = e.sync()
        assert r.sent == 300 and not r.errors
        proxy.faults = [("cut_response", b"GET /api/v1/sync/pull"), ("cut_request", b"GET /api/v1/sync/pull")]
        api2 = ApiClient(proxy.url, retries=5, backoff=0.05)
        with eng.SyncEngine(s2, api2, username="bob", password=PASSWORD, settings=eng.SyncSettings(page_size=40)) as e:
            r2 = e.sync()
        assert r2.received == 300
        assert len(proxy.fired) == 5
        replayed = [json.loads(r)["replayed"] for (r,) in s1.connect().execute("SELECT result FROM sbs_outbox")]
        assert any(replayed)
        check_same(server, "ann", [s1, s2], expect)
    finally:
        proxy.close()


def test_partition_then_queue_drains(server, tmp_path):
    s1 = h.new_store(tmp_path / "a.gpkg")
    expect = entered(s1, 20, "坝")
    h.sync(s1, server, "ann")
    server.stop()
    expect.update(entered(s1, 20, "离"))
    api = ApiClient(server.url, retries=1, backoff=0.01)
    with pytest.raises(SyncError) as err, eng.SyncEngine(s1, api, username="ann", password=PASSWORD) as e:
        e.sync()
    assert "无法连接服务器" in err.value.user_message()
    server.start()
    h.sync(s1, server, "ann")
    check_same(server, "ann", [s1], expect)


SERVER_POINTS = ("push.received", "push.checked", "push.applied", "push.recorded", "push.committed")


@pytest.mark.parametrize("backend", ["sqlite", "postgis"])
@pytest.mark.parametrize("point", SERVER_POINTS)
def test_server_killed_at_a_chosen_point_of_a_push(servers, tmp_path, backend, point, qgis_app):
    """The server SIGKILLed inside ann's second push batch, restarted on the same data (SYNC.md 6):
    before the transaction, inside it at three points, and after the commit with the answer lost."""
    srv = servers(backend)
    lt = Laptops(srv, tmp_path)
    lt.prepare_and_type()
    fault_log = tmp_path / "fault.log"
    with srv.fault(f"{point}:2", fault_log) as proc:
        api = ApiClient(srv.url, retries=2, backoff=0.05)
        settings = eng.SyncSettings(batch_size=SETTINGS["batch_size"])
        with pytest.raises(SyncError), SyncEngine(lt.stores["ann"], api, username=lt.users["ann"],
                                                  password=PASSWORD, settings=settings) as e:  # fmt: skip
            e.sync()
        assert proc.wait(10) == -signal.SIGKILL
    assert fault_log.read_text().splitlines() == [f"KILL {point} #2"]  # died where it was meant to
    h.check_store_file(lt.stores["ann"])
    counts = lt.finish()
    assert counts["lost"] == counts["duplicated"] == 0
    replayed = [json.loads(r)["replayed"] for (r,) in lt.stores["ann"].connect().execute(
        "SELECT result FROM sbs_outbox WHERE status != 'pending'") if json.loads(r).get("replayed")]  # fmt: skip
    assert bool(replayed) == (point == "push.committed")  # only a lost answer makes the resend a replay


def test_disk_full_while_pulling(server, tmp_path):
    s1 = h.new_store(tmp_path / "a.gpkg")
    expect = entered(s1, 3000, "坝坝坝坝坝坝坝坝坝坝")
    h.sync(s1, server, "ann")
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(  # nosec B603 B607 - fixed argv
            ["mount", "-t", "tmpfs", "-o", "size=1200k", "tmpfs", str(mnt)], capture_output=True
        ).returncode
    ):
        pytest.skip("cannot mount a tiny tmpfs (needs root) to make the disk full")
    try:
        s2 = h.new_store(mnt / "b.gpkg")
        with pytest.raises(Exception) as err:
            h.sync(s2, server, "bob", settings=eng.SyncSettings(page_size=200))
        assert "full" in str(err.value).lower()
        # what was committed is consistent: every page applied together with its cursor
        n_local = s2.count("dam")
        assert n_local % 200 == 0 and n_local < 3000
        subprocess.run(["mount", "-o", "remount,size=64m", str(mnt)], check=True)  # nosec B603 B607
        h.sync(s2, server, "bob", settings=eng.SyncSettings(page_size=200))
        check_same(server, "ann", [s1, s2], expect)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)  # nosec B603 B607


# ------------------------------------------------------------------------------------------
# Hypothesis: 3 clients, random edits and syncs, faults; at quiescence everything agrees
# ------------------------------------------------------------------------------------------
_shared: dict = {}


def shared_server(tmp_root: Path):
    if "srv" not in _shared:
        (tmp_root / "server").mkdir(parents=True, exist_ok=True)
        srv = h.Server(tmp_root / "server")
        for name in ("ann", "bob", "cat"):
            srv.add_user(name)
        srv.start()
        _shared["srv"] = srv
        _shared["proxy"] = h.Proxy(srv.port)
    return _shared["srv"], _shared["proxy"]


FIELDS = {"name": ["甲", "乙", "丙"], "dam_height": [1.0, 2.0, 3.0], "crest_length": [10.0, 20.0]}
USERS = ("ann", "bob", "cat")


class ThreeInspectors(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        import tempfile

        self.dir = Path(tempfile.mkdtemp(prefix="sbsm-"))
        self.server, self.proxy = shared_server(Path(tempfile.mkdtemp(prefix="sbsm-server-")))
        self.stores = [h.new_store(self.dir / f"{u}.gpkg") for u in USERS]
        self.dams: list[str] = []
        self.writes: list[tuple[int, int, str, str, object]] = []  # (t, client, uuid, field, value)
        self.t = 0

    def _sync(self, i: int, fault: str | None = None) -> None:
        if fault:
            self.proxy.faults = [(fault, b"POST /api/v1/sync/push" if random.random() < 0.5 else b"GET /api/v1/sync")]
            api = ApiClient(self.proxy.url, retries=3, backoff=0.01)
        else:
            api = ApiClient(self.server.url, retries=3, backoff=0.01)
        try:
            with eng.SyncEngine(self.stores[i], api, username=USERS[i], password=PASSWORD) as e:
                e.sync()
        finally:
            api.close()
            self.proxy.faults = []

    @initialize(client=st.integers(0, 2))
    def first_dam(self, client):
        self.create(client)

    @rule(client=st.integers(0, 2))
    def create(self, client):
        d = h.dam(name="新")
        self.stores[client].insert_records("dam", [d])
        self.dams.append(d["uuid"])
        self.t += 1
        self.writes.append((self.t, client, d["uuid"], "name", "新"))

    @rule(client=st.integers(0, 2), idx=st.integers(0, 50), fname=st.sampled_from(sorted(FIELDS)), v=st.integers(0, 2))
    def edit(self, client, idx, fname, v):
        uuid = self.dams[idx % len(self.dams)]
        if self.stores[client].get_record("dam", uuid) is None:
            return
        value = FIELDS[fname][v % len(FIELDS[fname])]
        h.update(self.stores[client], "dam", uuid, **{fname: value})
        self.t += 1
        self.writes.append((self.t, client, uuid, fname, value))

    @rule(client=st.integers(0, 2), fault=st.sampled_from([None, None, "cut_response", "cut_request"]))
    def sync(self, client, fault):
        self._sync(client, fault)

    @rule(client=st.integers(0, 2))
    def resolve_one(self, client):
        open_ = local.list_conflicts(self.stores[client])
        if open_:
            c = open_[0]
            local.resolve_conflict(self.stores[client], c["id"], "mine" if c["reason"] == "field" else "theirs")
            if c["reason"] == "field":
                self.t += 1
                self.writes.append((self.t, client, c["uuid"], c["field"], c["mine"]))

    @invariant()
    def nothing_pending_is_lost(self):
        for s in self.stores:
            assert local.list_rejected(s) == []

    def teardown(self):
        try:
            for _round in range(2):
                for i in range(3):
                    self._sync(i)
            mine = set(self.dams)
            truth = {k: v for k, v in self.server.contents("ann").items() if k[1] in mine}
            assert {u for (_k, u) in truth} == mine  # every created dam is there, once
            for s in self.stores:
                assert {k: v for k, v in h.store_contents(s).items() if k[1] in mine} == truth
                assert s.pending_changes() == []
            conflicts = {i: local.list_conflicts(self.stores[i], "all") for i in range(3)}
            for t, client, uuid, fname, value in self.writes:
                final = truth[("dam", uuid)].get(fname)
                if h.canon_value("dam", fname, value) == final:
                    continue
                later = any(t2 > t and u2 == uuid and f2 == fname for t2, _c2, u2, f2, _v2 in self.writes)
                kept = any(c["uuid"] == uuid and c["field"] == fname and
                           h.canon_value("dam", fname, c["mine"]) == h.canon_value("dam", fname, value)
                           for c in conflicts[client])  # fmt: skip
                assert later or kept, (t, client, uuid, fname, value, final)
        finally:
            import shutil

            shutil.rmtree(self.dir, ignore_errors=True)


ThreeInspectors.TestCase.settings = settings(
    max_examples=int(os.environ.get("SHUIBAO_SM_EXAMPLES", "6")), stateful_step_count=12, deadline=None,
    suppress_health_check=list(HealthCheck),
)  # fmt: skip
test_three_inspectors_state_machine = ThreeInspectors.TestCase


def teardown_module(_module):
    if "srv" in _shared:
        _shared["proxy"].close()
        _shared.pop("srv").stop()


def test_uuid_helper():
    assert len(str(uuidlib.uuid4())) == 36
