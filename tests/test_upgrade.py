"""A laptop on the previous release meets the upgraded server, then upgrades the plugin.

The previous release is the plugin zip a laptop has installed (tests/data, built from git by
tools/old_release.py); its own code runs in a subprocess. It holds records it pulled before the
server was upgraded and edits not yet sent. Syncing with the upgraded server, it is told in Chinese
to upgrade the plugin and nothing is sent, written or dropped. The current plugin then opens the
store (migrating it with the edits) and the queue pushes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
import shuibao_sync_harness as h
from shuibao.layers import model_upgrade, sync_local
from shuibao.layers.store import open_store
from shuibao.model import MODEL_VERSION, version
from shuibao.sync.api import ApiClient
from shuibao.sync.engine import SyncEngine

OLD_MODEL = "1.1"
OLD_ZIP = Path(__file__).parent / "data" / f"shuibao-model-{OLD_MODEL}.zip"


@pytest.fixture(scope="module")
def old_plugin(tmp_path_factory) -> Path:
    """The previous release unpacked, importable as ``shuibao`` from the returned folder."""
    root = tmp_path_factory.mktemp("old-plugin")
    with zipfile.ZipFile(OLD_ZIP) as z:
        z.extractall(root)
    assert (root / "shuibao" / "model" / "definition.py").is_file()
    return root


def run_old(old_plugin: Path, script: str, **args) -> dict:
    """Run ``script`` with the previous release's code; it prints one JSON line, returned."""
    env = dict(os.environ, PYTHONPATH=str(old_plugin), SHUIBAO_ARGS=json.dumps(args))
    code = "import json, os\nargs = json.loads(os.environ['SHUIBAO_ARGS'])\n" + textwrap.dedent(script)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# What the old laptop did: pulled the county (its own code applying the server's pull items), then
# edited offline as QGIS would (the capture triggers of its store record every edit).
OLD_PULL_AND_EDIT = """
from shuibao.model import MODEL_VERSION
from shuibao.layers.store import create_store, transaction
from shuibao.sync import engine as eng, state
from shuibao.sync.api import ApiClient

store = create_store(args["path"])
with eng.SyncEngine(store, ApiClient(args["url"])) as e, transaction(e.conn):
    e._apply_items(args["items"])  # the old plugin's own pull, of what the server sent before its upgrade
    state.put(e.conn, state.K_CURSOR, args["cursor"])
conn = store.connect()
with conn:
    conn.execute("UPDATE dam SET name = '石门坝（改名）', dam_height = 14.5 WHERE code = 'D1'")
    conn.execute("UPDATE dam SET register_status = 'delisted', delist_reason = '淤满失效，已无拦沙能力',"
                 " delist_date = '2026-05-04' WHERE code = 'D2'")
    conn.execute("UPDATE watershed SET eroded_area = 12.5, forest_grass_cover = 61.0 WHERE code = 'W1'")
conn.close()
store.insert_records("dam", [{"county_code": args["county"], "code": "D3", "name": "新建坝", "total_storage": 8.0,
                              "admin_person": "张三", "tech_person": "李四", "patrol_person": "王五",
                              "geom": bytes.fromhex(args["point"])}])
pending = [(c.op, c.kind, sorted(c.fields)) for c in store.pending_changes()]
print(json.dumps({"model": MODEL_VERSION, "pending": pending}))
"""

OLD_SYNC = """
from shuibao.layers.store import open_store
from shuibao.sync import engine as eng
from shuibao.sync.api import ApiClient, SyncError

store = open_store(args["path"])
before = [(c.seq, c.op, c.kind, c.uuid, sorted(c.fields.items())) for c in store.pending_changes()]
message = None
try:
    with eng.SyncEngine(store, ApiClient(args["url"]), username="tech", password=args["password"]) as e:
        e.sync()
except SyncError as exc:
    message = exc.user_message()
after = [(c.seq, c.op, c.kind, c.uuid, sorted(c.fields.items())) for c in store.pending_changes()]
print(json.dumps({"message": message, "kept": before == after, "count": len(after)}))
"""


@pytest.fixture
def server(tmp_path):
    (tmp_path / "server").mkdir()
    srv = h.Server(tmp_path / "server")
    srv.add_user("tech", role="technician")  # the laptop's user: a technician de-lists a dam in the field
    srv.add_user("office", role="technician")
    srv.start()
    yield srv
    srv.stop()


def _sync(server, store, user: str):
    api = ApiClient(server.url)
    try:
        with SyncEngine(store, api, username=user, password=h.PASSWORD) as engine:
            return engine.sync()
    finally:
        api.close()


def _county_as_pulled(server) -> tuple[list[dict], str]:
    """What the server sends a new device: every item of the county and the cursor after them."""
    api = ApiClient(server.url)
    try:
        api.login("tech", h.PASSWORD, "reader")
        page = api.pull(None, 5000)
        return page["items"], page["cursor"]
    finally:
        api.close()


def test_an_old_laptop_is_told_to_upgrade_and_its_queue_pushes_after_the_upgrade(server, old_plugin, tmp_path):
    assert version.parse(OLD_MODEL)[0] < version.parse(MODEL_VERSION)[0]  # a major step: the old one is refused
    office = h.new_store(tmp_path / "office.gpkg")
    office.insert_records("dam", [h.dam(code="D1", name="石门坝"), h.dam(code="D2", name="老虎坝")])
    office.insert_records("watershed", [{"county_code": h.A, "code": "W1", "name": "梅林河小流域",
                                         "project_type": "comprehensive"}])  # fmt: skip
    assert _sync(server, office, "office").errors == []
    items, cursor = _county_as_pulled(server)
    path = tmp_path / "laptop.gpkg"
    made = run_old(old_plugin, OLD_PULL_AND_EDIT, path=str(path), url=server.url, items=items, cursor=cursor,
                   county=h.A, point=h.point_wkb(115.2, 25.95).hex())  # fmt: skip
    assert made["model"] == OLD_MODEL
    assert [(op, kind) for op, kind, _f in made["pending"]] == [
        ("update", "dam"), ("update", "dam"), ("update", "watershed"), ("insert", "dam"),
    ]  # fmt: skip

    # 1. The old plugin syncs with the upgraded server: told to upgrade, in Chinese; nothing is lost.
    seen = server.contents("office")
    refused = run_old(old_plugin, OLD_SYNC, path=str(path), url=server.url, password=h.PASSWORD)
    assert "请升级插件" in refused["message"] and "待同步的修改已保留" in refused["message"], refused
    assert refused["kept"] and refused["count"] == 4
    assert server.contents("office") == seen  # nothing written on the server

    # 2. The plugin is upgraded: the store migrates on opening, with every unsent edit.
    store = open_store(path)
    assert store.model_version == MODEL_VERSION
    pending = store.pending_changes()
    assert [(c.op, c.kind) for c in pending] == [(op, kind) for op, kind, _f in made["pending"]]
    assert {f for c in pending for f in c.fields} >= {"name", "dam_height", "register_status", "delist_reason",
                                                      "eroded_area", "forest_grass_cover", "code"}  # fmt: skip
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT name FROM dam WHERE code = 'D1'").fetchone() == ("石门坝（改名）",)
    conn.close()

    # 3. The queue pushes. The de-listing typed under 1.x lacks what 2.0 requires of one (the
    # approving document and authority): the server refuses it with the reason, the laptop keeps it
    # among the refused edits, the technician completes it and sends it again.
    summary = _sync(server, store, "tech")
    assert (summary.sent, summary.rejected) == (3, 1), summary
    assert len(summary.errors) == 1 and "authority" in summary.errors[0], summary
    [refused] = sync_local.list_rejected(store)
    assert refused["kind"] == "dam" and {e["field"] for e in refused["result"]["errors"]} == {
        "delist_document", "delist_authority"}, refused  # fmt: skip
    store.update_records(
        "dam", {refused["uuid"]: {"delist_document": "赣县水字〔2026〕12号", "delist_authority": "赣县区水利局"}}
    )
    assert sync_local.requeue_rejected(store, refused["mutation_id"]) >= 1
    summary = _sync(server, store, "tech")
    assert summary.rejected == 0 and summary.errors == [], summary
    assert store.pending_changes() == []
    after = {v["code"]: v for (kind, _u), v in server.contents("office").items() if kind in ("dam", "watershed")}
    assert after["D1"]["name"] == "石门坝（改名）" and after["D1"]["dam_height"] == 14.5
    assert after["D2"]["register_status"] == "delisted" and after["D2"]["delist_reason"] == "淤满失效，已无拦沙能力"
    assert after["D3"]["name"] == "新建坝"
    # 2.0 derives the eroded area from the areas by intensity class: the 12.5 km² typed under 1.x is
    # not sent as a value the server would overwrite; it is kept as a note for the technician.
    assert after["W1"]["forest_grass_cover"] == 61.0 and after["W1"].get("eroded_area") is None
    [note] = model_upgrade.notes(sqlite3.connect(path))
    assert (note["kind"], note["field"], float(note["value"])) == ("watershed", "eroded_area", 12.5), note


def test_an_old_store_is_upgraded_once_and_a_newer_one_is_refused(old_plugin, tmp_path):
    path = tmp_path / "old.gpkg"
    run_old(old_plugin, """
        from shuibao.layers.store import create_store
        store = create_store(args["path"])
        store.insert_records("dam", [{"county_code": "360704", "code": "D9", "name": "离线坝"}])
        print(json.dumps({}))
    """, path=str(path))  # fmt: skip
    first = open_store(path).pending_changes()
    again = open_store(path).pending_changes()  # opening again changes nothing
    assert [(c.seq, c.fields) for c in first] == [(c.seq, c.fields) for c in again]
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE sb_meta SET value = '9.0' WHERE key = 'model_version'")  # a plugin from the future
    conn.close()
    from shuibao.layers.store import StoreTooNew

    with pytest.raises(StoreTooNew, match="请升级插件"):
        open_store(path)
