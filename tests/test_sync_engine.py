"""Sync client against a real server: round trips, replays, conflicts, photos, device copies."""

from __future__ import annotations

import shutil

import pytest
import shuibao_sync_harness as h
from shuibao.layers import photo_files
from shuibao.layers import sync_local as local
from shuibao.model import MODEL_VERSION
from shuibao.sync import engine as eng
from shuibao.sync import photos
from shuibao.sync.api import ApiClient, ModelVersionError
from shuibao.sync.run import run_sync

A, PASSWORD, Server, dam, delete, new_store = h.A, h.PASSWORD, h.Server, h.dam, h.delete, h.new_store
point_wkb, store_contents, sync, update = h.point_wkb, h.store_contents, h.sync, h.update


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path / "server")
    (tmp_path / "server").mkdir(exist_ok=True)
    for name, role in (("ann", "inspector"), ("bob", "inspector"), ("cat", "inspector"), ("tec", "technician")):
        srv.add_user(name, role)
    srv.start()
    yield srv
    srv.stop()


def test_round_trip_with_geometry(server, tmp_path):
    s1, s2 = new_store(tmp_path / "a.gpkg"), new_store(tmp_path / "b.gpkg")
    d = dam(name="一号坝", geom=point_wkb(115.2, 25.8))
    s1.insert_records("dam", [d])
    r1 = sync(s1, server, "ann")
    assert r1.sent == 1 and not r1.errors
    r2 = sync(s2, server, "bob")
    assert r2.received >= 1
    got = s2.get_record("dam", d["uuid"])
    assert got["name"] == "一号坝" and got["geom"] == point_wkb(115.2, 25.8)
    update(s2, "dam", d["uuid"], name="二号坝", geom=point_wkb(115.3, 25.7), dam_height=12.0)
    assert sync(s2, server, "bob").sent == 1
    fid = s1.get_record("dam", d["uuid"])["fid"]
    sync(s1, server, "ann")
    got = s1.get_record("dam", d["uuid"])
    assert (got["name"], got["geom"], got["dam_height"]) == ("二号坝", point_wkb(115.3, 25.7), 12.0)
    assert got["fid"] == fid  # pulled in place: QGIS keeps referring to the same feature
    conn = s1.connect()
    assert conn.execute("SELECT minx, miny FROM rtree_dam_geom WHERE id = ?", (fid,)).fetchone() == pytest.approx(
        (115.3, 25.7)
    )
    conn.close()
    assert store_contents(s1) == store_contents(s2) == server.contents("ann")
    assert s1.pending_changes() == [] and s2.pending_changes() == []


def test_lost_response_replay(server, tmp_path):
    s1 = new_store(tmp_path / "a.gpkg")
    d = dam()
    s1.insert_records("dam", [d])
    api = ApiClient(server.url)
    with eng.SyncEngine(s1, api, username="ann", password=PASSWORD) as e:
        e.api.check_model()
        e.login()
        e.claim()
        batch = local.outbox_batch(e.conn, 100)
        first = api.push([change for _mid, change in batch], e.client_id)  # the answer is "lost": not recorded
        assert first["results"][0]["status"] == "applied"
        update(s1, "dam", d["uuid"], name="改名")  # an edit while the push was in flight
        summary = e.sync()  # resends the same mutation id, then the new edit
    assert summary.sent == 2
    rows = [r["result"] for r in e_outbox(s1)]
    assert rows[0]["replayed"] is True
    assert server.contents("ann") == store_contents(s1)
    assert s1.get_record("dam", d["uuid"])["name"] == "改名"


def e_outbox(store):
    conn = store.connect()
    try:
        import json

        return [
            {"mutation_id": m, "result": json.loads(r)}
            for m, r in conn.execute("SELECT mutation_id, result FROM sbs_outbox ORDER BY mutation_id")
        ]
    finally:
        conn.close()


def test_three_inspectors_merge_and_conflict(server, tmp_path):
    stores = [new_store(tmp_path / f"{n}.gpkg") for n in "abc"]
    users = ["ann", "bob", "cat"]
    d = dam()
    stores[0].insert_records("dam", [d])
    for s, u in zip(stores, users):
        sync(s, server, u)
    u0 = d["uuid"]
    update(stores[0], "dam", u0, dam_height=10.0)  # different fields: merge
    update(stores[1], "dam", u0, crest_length=80.0)
    update(stores[2], "dam", u0, name="三号坝")
    for s, u in zip(stores, users):
        assert sync(s, server, u).conflicts == 0
    for s, u in zip(stores, users):
        sync(s, server, u)
    rec = stores[0].get_record("dam", u0)
    assert (rec["name"], rec["dam_height"], rec["crest_length"]) == ("三号坝", 10.0, 80.0)
    # same field, different values → conflict for the later pusher
    update(stores[0], "dam", u0, name="甲")
    update(stores[1], "dam", u0, name="乙")
    update(stores[2], "dam", u0, name="甲")  # same value as ann: no conflict
    assert sync(stores[0], server, "ann").conflicts == 0
    assert sync(stores[2], server, "cat").conflicts == 0
    r = sync(stores[1], server, "bob")
    assert r.conflicts == 1
    conflicts = local.list_conflicts(stores[1])
    assert [(c["field"], c["mine"], c["theirs"]) for c in conflicts] == [("name", "乙", "甲")]
    assert stores[1].get_record("dam", u0)["name"] == "甲"  # the server value is shown
    local.resolve_conflict(stores[1], conflicts[0]["id"], "mine")
    sync(stores[1], server, "bob")
    for s, u in zip(stores, users):
        sync(s, server, u)
    assert server.conflicts("bob") == []  # closed on the server too
    truth = server.contents("ann")
    rec = truth[("dam", u0)]
    assert (rec["name"], rec["dam_height"], rec["crest_length"]) == ("乙", 10.0, 80.0)
    for s in stores:
        assert store_contents(s) == truth


def test_conflict_found_on_pull(server, tmp_path):
    s1, s2 = new_store(tmp_path / "a.gpkg"), new_store(tmp_path / "b.gpkg")
    d = dam()
    s1.insert_records("dam", [d])
    sync(s1, server, "ann")
    sync(s2, server, "bob")
    update(s1, "dam", d["uuid"], name="甲", dam_height=5.0)
    sync(s1, server, "ann")
    update(s2, "dam", d["uuid"], name="乙", crest_length=9.0)
    with eng.SyncEngine(s2, ApiClient(server.url), username="bob", password=PASSWORD) as e:
        e.api.check_model()
        e.login()
        e.pull()  # pull before push: the rebase finds the conflict
        assert e.summary.conflicts == 1
        e.push()
        e.pull()
    conflicts = local.list_conflicts(s2)
    assert [(c["field"], c["mine"], c["theirs"], c["source"]) for c in conflicts] == [("name", "乙", "甲", "pull")]
    truth = server.contents("ann")[("dam", d["uuid"])]
    assert (truth["name"], truth["dam_height"], truth["crest_length"]) == ("甲", 5.0, 9.0)
    local.resolve_conflict(s2, conflicts[0]["id"], "value", "丙")
    sync(s2, server, "bob")
    sync(s1, server, "ann")
    assert server.contents("ann")[("dam", d["uuid"])]["name"] == "丙"
    assert store_contents(s1) == store_contents(s2) == server.contents("ann")


def test_edit_versus_delist(server, tmp_path):
    s1, s2 = new_store(tmp_path / "a.gpkg"), new_store(tmp_path / "b.gpkg")
    d = dam()
    s1.insert_records("dam", [d])
    sync(s1, server, "tec")
    sync(s2, server, "ann")
    update(
        s1,
        "dam",
        d["uuid"],
        register_status="delisted",
        delist_cause="silted_up",
        delist_date="2024-05-01",
        delist_document="赣县水字〔2024〕8号",
        delist_authority="赣县区水利局",
    )
    assert not sync(s1, server, "tec").errors
    update(s2, "dam", d["uuid"], dam_height=33.0)
    r = sync(s2, server, "ann")
    assert r.conflicts == 1
    (c,) = local.list_conflicts(s2)
    assert c["reason"] == "delisted" and c["mine"] == 33.0
    assert s2.get_record("dam", d["uuid"])["register_status"] == "delisted"
    local.resolve_conflict(s2, c["id"], "theirs")
    sync(s2, server, "ann")
    assert store_contents(s1) == store_contents(s2) == server.contents("ann")


def test_model_version_mismatch_writes_nothing(server, tmp_path):
    s1 = new_store(tmp_path / "a.gpkg")
    s1.insert_records("dam", [dam()])
    before = s1.pending_changes()
    newer = f"{int(MODEL_VERSION.split('.')[0]) + 1}.0"  # a plugin of the next major against this server
    api = ApiClient(server.url, model_version=newer)
    with pytest.raises(ModelVersionError) as err, eng.SyncEngine(s1, api, username="ann", password=PASSWORD) as e:
        e.sync()
    assert "不兼容" in str(err.value) and "incompatible" in str(err.value)
    assert s1.pending_changes() == before
    assert local.pending_mutations(s1) == []
    assert server.contents("ann") == {}
    # and a server answer 409 is mapped too (header sent on the sync request itself)
    api2 = ApiClient(server.url, model_version=newer)
    api2.login("ann", PASSWORD, "x-1")
    with pytest.raises(ModelVersionError):
        api2.pull(None, 10)


def test_photos_resumable_and_on_demand(server, tmp_path):
    s1, s2 = new_store(tmp_path / "a.gpkg"), new_store(tmp_path / "b.gpkg")
    d = dam()
    s1.insert_records("dam", [d])
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4000 + b"\xff\xd9"
    src = tmp_path / "p.jpg"
    src.write_bytes(jpeg)
    pid = photo_files.add_photo(s1, "dam", d["uuid"], src, caption="坝顶裂缝")
    sha = s1.get_record("photo", pid)["sha256"]
    # upload the first chunk only, as if the network broke half-way
    api = ApiClient(server.url)
    with eng.SyncEngine(s1, api, username="ann", password=PASSWORD, settings=eng.SyncSettings(chunk_size=200_000)) as e:
        e.login()
        api.put_chunk(sha, jpeg[:200_000], 0, len(jpeg))
        assert api.upload_status(sha)["offset"] == 200_000
        r = e.sync()
    assert r.photos_up == 1 and r.sent == 2 and not r.errors
    r2 = sync(s2, server, "bob")
    assert r2.received == 2 and r2.photos_down == 0
    assert not photo_files.photo_path(s2, sha).exists()
    with eng.SyncEngine(s2, ApiClient(server.url), username="bob", password=PASSWORD) as e2:
        e2.login()
        path = photos.fetch_photo(s2, e2.api, sha)
    assert path.read_bytes() == jpeg
    s3 = tmp_path / "c.gpkg"
    r3 = run_sync(
        s3, server.url, username="cat", password=PASSWORD, first=True, settings=eng.SyncSettings(download_photos="all")
    ).summary
    assert r3.photos_down == 1 and photo_files.photo_path(s3, sha).read_bytes() == jpeg


def test_store_copied_to_another_laptop(server, tmp_path):
    s1 = new_store(tmp_path / "a.gpkg")
    d = dam()
    s1.insert_records("dam", [d])
    sync(s1, server, "ann")
    update(s1, "dam", d["uuid"], name="改一")
    copy = tmp_path / "laptop2" / "a.gpkg"
    copy.parent.mkdir()
    shutil.copy(s1.path, copy)
    s2 = type(s1)(copy)
    update(s2, "dam", d["uuid"], dam_height=7.0)
    r1, r2 = sync(s1, server, "ann"), sync(s2, server, "ann")
    assert not r1.errors and not r2.errors
    assert r1.client_id != r2.client_id
    sync(s1, server, "ann")
    truth = server.contents("ann")
    assert (truth[("dam", d["uuid"])]["name"], truth[("dam", d["uuid"])]["dam_height"]) == ("改一", 7.0)
    assert store_contents(s1) == store_contents(s2) == truth


def test_clock_wrong_by_days(server, tmp_path):
    s1, s2 = new_store(tmp_path / "a.gpkg"), new_store(tmp_path / "b.gpkg")
    d = dam()
    s1.insert_records("dam", [d])
    sync(s1, server, "ann")
    sync(s2, server, "bob")
    # laptop 1 thinks it is a year ahead, laptop 2 a year behind; the later server edit still wins
    update(s1, "dam", d["uuid"], name="先", updated_at="2031-01-01T00:00:00.000Z")
    sync(s1, server, "ann")
    update(s2, "dam", d["uuid"], crest_width=4.0, updated_at="2019-01-01T00:00:00.000Z")
    sync(s2, server, "bob")
    update(s2, "dam", d["uuid"], name="后", updated_at="2019-01-02T00:00:00.000Z")
    sync(s2, server, "bob")
    sync(s1, server, "ann")
    truth = server.contents("ann")[("dam", d["uuid"])]
    assert (truth["name"], truth["crest_width"]) == ("后", 4.0)
    assert store_contents(s1) == store_contents(s2) == server.contents("ann")


def test_delete_then_resync(server, tmp_path):
    s1, s2 = new_store(tmp_path / "a.gpkg"), new_store(tmp_path / "b.gpkg")
    d = dam()
    s1.insert_records("dam", [d])
    sync(s1, server, "tec")
    sync(s2, server, "ann")
    delete(s1, "dam", d["uuid"])
    sync(s1, server, "tec")
    sync(s2, server, "ann")
    assert s2.get_record("dam", d["uuid"]) is None
    assert server.contents("ann") == {} == store_contents(s2)


def test_county_a_only(server):
    assert A == "360721"


def test_a_refused_edit_stays_on_its_record_when_a_pull_brings_the_record(server, tmp_path):
    """The refused value stays on the record (not only in the refused-edits list) through later pulls
    of that record, so the user fixes it there and sends it again; nothing typed is wiped."""
    tec, ann = new_store(tmp_path / "tec.gpkg"), new_store(tmp_path / "ann.gpkg")
    d = dam(name="石门坝")
    tec.insert_records("dam", [d])
    assert sync(tec, server, "tec").errors == []
    sync(ann, server, "ann")
    update(ann, "dam", d["uuid"], patrol_phone="0797-12", dam_height=14.5)  # a bad phone number
    summary = sync(ann, server, "ann")
    assert summary.rejected == 1 and "电话" in summary.errors[0], summary
    update(tec, "dam", d["uuid"], name="石门坝（改）")  # meanwhile the office renames it
    assert sync(tec, server, "tec").errors == []
    sync(ann, server, "ann")  # the pull brings the renamed dam
    got = ann.get_record("dam", d["uuid"])
    assert (got["name"], got["patrol_phone"], got["dam_height"]) == ("石门坝（改）", "0797-12", 14.5)
    [refused] = local.list_rejected(ann)
    update(ann, "dam", d["uuid"], patrol_phone="0797-8123456")  # fixed where it was typed
    assert local.requeue_rejected(ann, refused["mutation_id"]) >= 1
    assert sync(ann, server, "ann").errors == []
    on_server = {v["uuid"]: v for (k, _u), v in server.contents("ann").items() if k == "dam"}[d["uuid"]]
    assert (on_server["name"], on_server["patrol_phone"], on_server["dam_height"]) == (
        "石门坝（改）",
        "0797-8123456",
        14.5,
    )
