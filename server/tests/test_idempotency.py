"""Mutation ids: replays, lost responses, gaps, races, and per-change batch semantics."""

from __future__ import annotations

import threading

from shuibao_server.testing.helpers import dam_values, insert, update


def test_same_batch_twice_applied_once(api):
    c = api.client("insp")
    batch = c.number([insert("dam", dam_values()) for _ in range(3)])
    r1 = c.push_raw(batch).json()
    r2 = c.push_raw(batch).json()
    assert [x["status"] for x in r1["results"]] == ["applied"] * 3
    assert all(x["replayed"] for x in r2["results"])
    assert [(x["status"], x["rev"]) for x in r2["results"]] == [(x["status"], x["rev"]) for x in r1["results"]]
    assert len(c.pull_all()) == 3


def test_replay_after_lost_response_with_more(api):
    c = api.client("insp")
    first = c.number([insert("dam", dam_values()) for _ in range(2)])
    c.push_raw(first)  # response "lost"
    more = c.number([insert("dam", dam_values())])
    r = c.push_raw(first + more).json()
    assert [x.get("replayed", False) for x in r["results"]] == [True, True, False]
    assert r["last_mutation_id"] == 3
    assert len(c.pull_all()) == 3


def test_gap_refused_nothing_applied(api):
    c = api.client("insp")
    c.push(insert("dam", dam_values()))
    batch = [{**insert("dam", dam_values()), "mutation_id": 5}]
    r = c.push_raw(batch)
    assert r.status_code == 409
    body = r.json()
    assert body["type"].endswith("mutation-gap") and body["expected_mutation_id"] == 2
    assert len(c.pull_all()) == 1
    # ids inside one batch must be consecutive
    r = c.push_raw(
        [{**insert("dam", dam_values()), "mutation_id": 2}, {**insert("dam", dam_values()), "mutation_id": 4}]
    )
    assert r.status_code == 422
    assert len(c.pull_all()) == 0


def test_bad_change_k_of_n(api):
    c = api.client("insp")
    changes = [insert("dam", dam_values()) for _ in range(5)]
    changes[2] = insert("dam", dam_values(total_storage=-3.0))
    res = c.push(*changes)
    assert [r["status"] for r in res] == ["applied", "applied", "rejected", "applied", "applied"]
    assert res[2]["errors"][0]["field"] == "total_storage"
    me = api.http.get("/api/v1/auth/me", headers=c.headers).json()
    assert me["last_mutation_id"] == 5  # the rejected one advanced the id too
    assert {i["uuid"] for i in c.pull_all()} == {ch["uuid"] for i, ch in enumerate(changes) if i != 2}
    again = c.push_raw([{**changes[2], "mutation_id": 3}]).json()["results"][0]
    assert again["status"] == "rejected" and again["replayed"]


def test_identical_requests_racing(api):
    c = api.client("insp")
    batch = c.number([insert("dam", dam_values()) for _ in range(20)])
    out = []

    def go():
        out.append(c.push_raw(batch))

    threads = [threading.Thread(target=go) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert all(r.status_code == 200 for r in out), [r.text for r in out]
    revs = {tuple(x["rev"] for x in r.json()["results"]) for r in out}
    assert len(revs) == 1  # every answer describes the same single application
    assert len(c.pull_all()) == 20


def test_concurrent_devices_same_county_no_lost_pull(api):
    """Writers in parallel; a reader that follows the cursor sees every change exactly once."""
    clients = [api.client(f"insp{i}") for i in range(4)]
    reader = api.client("reader")
    seen: dict[str, int] = {}
    stop = threading.Event()

    def write(c):
        for _ in range(5):
            c.push(*[insert("dam", dam_values()) for _ in range(5)])

    def read():
        while not stop.is_set():
            for item in reader.pull_all(limit=7):
                seen[item["uuid"]] = seen.get(item["uuid"], 0) + 1

    rt = threading.Thread(target=read)
    rt.start()
    ws = [threading.Thread(target=write, args=(c,)) for c in clients]
    for w in ws:
        w.start()
    for w in ws:
        w.join()
    stop.set()
    rt.join()
    for item in reader.pull_all():
        seen[item["uuid"]] = seen.get(item["uuid"], 0) + 1
    assert len(seen) == 100 and set(seen.values()) == {1}


def test_photo_blob_missing_is_retry(api):
    import hashlib

    c = api.client("insp")
    dam = insert("dam", dam_values())
    data = b"\xff\xd8\xff\xe0" + b"x" * 500
    sha = hashlib.sha256(data).hexdigest()
    photo = insert(
        "photo",
        {
            "county_code": "360721",
            "parent_kind": "dam",
            "parent_uuid": dam["uuid"],
            "sha256": sha,
            "mime_type": "image/jpeg",
            "size_bytes": len(data),
        },
    )
    after = insert("dam", dam_values())
    batch = c.number([dam, photo, after])
    res = c.push_raw(batch).json()
    assert [r["status"] for r in res["results"]] == ["applied", "retry", "not_processed"]
    assert res["last_mutation_id"] == 1
    r = api.http.put(f"/api/v1/blobs/{sha}", content=data, headers=c.headers)
    assert r.status_code == 201, r.text
    res = c.push_raw(batch).json()
    assert [r["status"] for r in res["results"]] == ["applied", "applied", "applied"]
    r = api.http.get(f"/api/v1/blobs/{sha}", headers=c.headers)
    assert r.status_code == 200 and r.content == data


def test_update_applies_after_rejected_update(api):
    c = api.client("insp")
    ch = insert("dam", dam_values(name="甲"))
    [r] = c.push(ch)
    bad, good = c.push(
        update("dam", ch["uuid"], r["rev"], {"hazard_status": ("normal", "bogus")}),
        update("dam", ch["uuid"], r["rev"], {"name": ("甲", "乙")}),
    )
    assert bad["status"] == "rejected" and good["status"] == "applied"
