"""A store file copied to another laptop, at any moment, still pushes every edit once (SYNC.md 21, 22).

Two copies of one file can only lose edits when both queue different edits under the same mutation
ids, which happens when their syncs are cut off after the edits were queued (a field connection
drops mid-push). Each test makes exactly that happen on both copies, then syncs them in turn to the
end against the real server (SQLite and PostGIS) and checks the server and both files against a
ledger of what was typed.
"""

from __future__ import annotations

import pytest
import shuibao_sync_harness as h
from shuibao.layers import sync_local as local
from shuibao.sync.api import AnswerMismatch, ApiClient, NetworkError
from shuibao.sync.engine import SyncEngine

pg_cluster, backend = h.pg_cluster, h.backend


@pytest.fixture
def server(backend, request, tmp_path):
    srv = h.server_for(backend, request, tmp_path / "server")
    srv.add_user("ann")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def proxy(server):
    p = h.Proxy(server.port)
    yield p
    p.close()


def typed_dam(name: str) -> dict:
    """A dam with eight typed fields."""
    return h.dam(name=name, dam_height=12.5, crest_length=80.0, crest_width=4.0, total_storage=30.0,
                 admin_person="张三", tech_person="李四", patrol_person="王五")  # fmt: skip


def cut_push(store, proxy, user: str = "ann", after: int = 0) -> list[int]:
    """A sync whose push request (the first after ``after`` others) is cut on the way, retries off:
    the edits stay queued. Returns their mutation ids."""
    proxy.faults = [("pass", b"POST /api/v1/sync/push")] * after + [("cut_request", b"POST /api/v1/sync/push")]
    api = ApiClient(proxy.url, retries=0)
    with pytest.raises(NetworkError), SyncEngine(store, api, username=user, password=h.PASSWORD) as e:
        e.sync()
    assert proxy.fired[-1] == "cut_request"
    queued = [m["mutation_id"] for m in local.pending_mutations(store)]
    assert queued
    return queued


def test_store_copied_before_its_first_sync(server, proxy, tmp_path):
    """A county prepares one file and hands copies to two laptops; each syncs as its own device."""
    led = h.Ledger()
    county = h.new_store(tmp_path / "county" / "prepared.gpkg")
    (pre,) = led.insert("county", county, "dam", [typed_dam("预置坝")])
    l1, l2 = h.copy_store(county, tmp_path / "l1" / "a.gpkg"), h.copy_store(county, tmp_path / "l2" / "a.gpkg")
    led.insert("l1", l1, "dam", [typed_dam("一号机坝")])
    led.update("l1", l1, "dam", pre, name="一号机改名")
    led.insert("l2", l2, "dam", [typed_dam("二号机坝")])
    led.update("l2", l2, "dam", pre, crest_width=5.5)
    assert cut_push(l1, proxy) == cut_push(l2, proxy) == [1, 2]  # both queued their own edits as 1 and 2
    r1, r2 = h.sync(l1, server, "ann"), h.sync(l2, server, "ann")
    assert r1.client_id != r2.client_id and not r1.errors and not r2.errors
    h.sync(l1, server, "ann")
    counts = led.check(server, "ann", {"l1": l1, "l2": l2})
    assert counts["lost"] == counts["duplicated"] == 0


def test_synced_store_restored_on_an_identical_laptop(server, proxy, tmp_path):
    """A disk image of a synced laptop restored on a machine with the same host name and path;
    both machines then edit other fields of the same dams."""
    led = h.Ledger()
    place = tmp_path / "laptop" / "a.gpkg"
    s = h.new_store(place)
    dams = led.insert("l1", s, "dam", [typed_dam(f"坝{i}") for i in range(3)])
    r1 = h.sync(s, server, "ann")
    image = h.copy_store(s, tmp_path / "image" / "a.gpkg")  # the backup
    led.update("l1", s, "dam", dams[0], name="一号机")
    ids1 = cut_push(s, proxy)
    with h.placed(place, image.path) as restored:  # the second machine, at the same path
        led.update("l2", restored, "dam", dams[0], crest_width=3.5)
        led.update("l2", restored, "dam", dams[1], dam_height=20.0)
        led.insert("l2", restored, "dam", [typed_dam("二号机坝")])
        cut_push(restored, proxy)
    h.sync(s, server, "ann")
    with h.placed(place, image.path) as restored:
        r2 = h.sync(restored, server, "ann")
        assert r2.client_id != r1.client_id and not r2.errors
    h.sync(s, server, "ann")
    with h.placed(place, image.path) as restored:
        h.sync(restored, server, "ann")
        second = h.copy_store(restored, tmp_path / "check" / "a.gpkg")
    assert ids1 == [4]
    counts = led.check(server, "ann", {"l1": s, "l2": second})
    assert counts["lost"] == counts["duplicated"] == 0


def test_store_copied_with_unanswered_mutations(server, proxy, tmp_path):
    """Copied while its outbox held an edit the server applied but whose answer was lost; then both
    copies edit other fields of the same dam, and both syncs are cut after queueing."""
    led = h.Ledger()
    s = h.new_store(tmp_path / "l1" / "a.gpkg")
    (d,) = led.insert("l1", s, "dam", [typed_dam("坝")])
    h.sync(s, server, "ann")
    led.update("l1", s, "dam", d, name="发送中")
    proxy.faults = [("cut_response", b"POST /api/v1/sync/push")]
    with pytest.raises(NetworkError), SyncEngine(s, ApiClient(proxy.url, retries=0), username="ann",
                                                 password=h.PASSWORD) as e:  # fmt: skip
        e.sync()
    assert [m["fields"]["name"]["new"] for m in local.pending_mutations(s)] == ["发送中"]
    c = h.copy_store(s, tmp_path / "l2" / "a.gpkg")
    led.update("l1", s, "dam", d, crest_length=11.0)
    led.update("l2", c, "dam", d, crest_width=2.5)
    led.insert("l2", c, "dam", [typed_dam("副本坝")])
    assert cut_push(s, proxy, after=1) == [3]  # the resend goes through, the next push is cut
    cut_push(c, proxy, after=1)
    r1, r2 = h.sync(s, server, "ann"), h.sync(c, server, "ann")  # the same inspector's second laptop
    assert r1.client_id != r2.client_id
    h.sync(s, server, "ann")
    counts = led.check(server, "ann", {"l1": s, "l2": c})
    assert counts["lost"] == counts["duplicated"] == 0


def test_answer_about_another_record_is_refused(server, proxy, tmp_path):
    """A server without the device check (an older version) lets two copies push under one id: the
    copy gets its twin's stored results for its own mutation ids. It keeps its edits and says so."""
    led = h.Ledger()
    s = h.new_store(tmp_path / "l1" / "a.gpkg")
    dams = led.insert("l1", s, "dam", [typed_dam(f"坝{i}") for i in range(2)])
    h.sync(s, server, "ann")
    c = h.copy_store(s, tmp_path / "l2" / "a.gpkg")
    proxy.keep = {"not_found", "cut_request"}
    proxy.faults = [("not_found", b"POST /api/v1/sync/device")]
    led.update("l1", s, "dam", dams[0], name="原件")
    led.update("l2", c, "dam", dams[1], name="副本")
    for store in (s, c):  # both queue their edit as mutation 3, both pushes are cut
        proxy.faults.append(("cut_request", b"POST /api/v1/sync/push"))
        with pytest.raises(NetworkError), SyncEngine(store, ApiClient(proxy.url, retries=0), username="ann",
                                                     password=h.PASSWORD) as e:  # fmt: skip
            e.sync()
        proxy.faults.pop()
        assert [m["mutation_id"] for m in local.pending_mutations(store)] == [3]
    h.sync_url(s, proxy.url, "ann")
    with pytest.raises(AnswerMismatch) as err:
        h.sync_url(c, proxy.url, "ann")
    assert "属于另一条记录" in err.value.zh and "全部保留" in err.value.zh
    assert [m["uuid"] for m in local.pending_mutations(c)] == [dams[1]]  # kept, not marked synced
    assert h.sync_url(c, proxy.url, "ann").sent == 1  # under its new id
    h.sync_url(s, proxy.url, "ann")
    counts = led.check(server, "ann", {"l1": s, "l2": c})
    assert counts["lost"] == counts["duplicated"] == 0
