"""A laptop on the previous model (1.1, without remote-sensing spots) keeps working against the new
server, and when the plugin is upgraded its store gains the spots' tables with its unsent edits
intact, and its next sync brings the spots the older plugin had skipped.

The previous plugin is the current one with the two kinds taken out of the model and the model
version it sends set to 1.1: its store is made, downloaded and edited by it, against the real server.
"""

from __future__ import annotations

import sqlite3

from shuibao.layers import store as store_module
from shuibao.layers.store import Store, open_store
from shuibao.model import MODEL_VERSION, RECORD_KINDS
from shuibao.sync.api import ApiClient
from shuibao.sync.run import run_sync

NEW_KINDS = ("rs_spot", "rs_recheck")


def _tables(path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def _server_count(url: str, user: str, password: str, kind: str) -> int:
    api = ApiClient(url)
    try:
        api.login(user, password, "count")
        count, cursor = 0, None
        while True:
            page = api.pull(cursor, 1000)
            count += sum(1 for item in page["items"] if item["kind"] == kind and not item.get("deleted"))
            cursor = page.get("cursor") or cursor
            if not page.get("has_more"):
                return count
    finally:
        api.close()


def test_an_old_store_with_pending_edits_gains_the_spots(demo_server, tmp_path, monkeypatch):
    name, password = demo_server.users["technician"]
    path = tmp_path / "old.gpkg"
    with monkeypatch.context() as m:  # the previous plugin
        for kind in NEW_KINDS:
            m.delitem(RECORD_KINDS, kind)
        m.setattr(store_module, "MODEL_VERSION", "1.1")
        # That plugin synced with the 1.2 server of its day, which took a 1.1 client; today's server
        # is 2.0 and refuses 1.x (tests/test_upgrade.py), so it announces 2.0 here: under test is the
        # store's upgrade (new tables, the cursor reset), not the version handshake.
        api = ApiClient(demo_server.url, model_version=MODEL_VERSION)
        try:
            summary = run_sync(path, api, username=name, password=password, first=True).summary
        finally:
            api.close()
        assert not summary.errors, summary.errors
        old = Store(path)
        assert old.model_version == "1.1" and not set(NEW_KINDS) & _tables(path)
        assert old.get_meta("sync.cursor")  # it went past the server's spots
        dam = old.records("dam")[0]
        old.update_records("dam", {dam["uuid"]: {"name": "离线修改的坝名"}})
        pending = [(c.op, c.kind, c.uuid, c.fields) for c in old.pending_changes()]
    assert pending and pending[0][:3] == ("update", "dam", dam["uuid"])

    store = open_store(path)  # the upgraded plugin opens it

    assert set(NEW_KINDS) <= _tables(path) and store.model_version == MODEL_VERSION
    assert [(c.op, c.kind, c.uuid, c.fields) for c in store.pending_changes()] == pending
    assert store.get_meta("sync.cursor") is None  # the next sync pulls everything again
    api = ApiClient(demo_server.url)
    try:
        summary = run_sync(store.path, api, username=name, password=password).summary
    finally:
        api.close()
    assert not summary.errors, summary.errors
    spots = store.records("rs_spot")
    assert len(spots) == _server_count(demo_server.url, name, password, "rs_spot") > 0
    assert len(store.records("rs_recheck")) == _server_count(demo_server.url, name, password, "rs_recheck")
    assert store.get_record("dam", dam["uuid"])["name"] == "离线修改的坝名"  # the edit went up and stayed
    assert not store.pending_changes()
