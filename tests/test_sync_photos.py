"""Photos that cannot reach the server hold back only themselves (SYNC.md 23).

Real server (SQLite and PostGIS); the photo's state is produced as it happens in the field.
"""

from __future__ import annotations

import signal

import pytest
import shuibao_sync_harness as h
from shuibao.layers import sync_local as local
from shuibao.layers.photo_files import add_photo
from shuibao.sync.api import ApiClient, NetworkError
from shuibao.sync.engine import SyncSettings

pg_cluster, backend = h.pg_cluster, h.backend
MAX_PHOTO = 100_000


@pytest.fixture
def server(backend, request, tmp_path):
    srv = h.server_for(backend, request, tmp_path / "server")
    srv.env["SHUIBAO_MAX_PHOTO_BYTES"] = str(MAX_PHOTO)
    srv.add_user("ann")
    srv.start()
    yield srv
    srv.stop()


def jpeg(path, size: int):
    path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(i % 251 for i in range(size - 6)) + b"\xff\xd9")
    return path


def test_a_photo_the_server_refuses_holds_back_only_itself(server, tmp_path):
    s = h.new_store(tmp_path / "a.gpkg")
    dams = [h.dam(name=f"坝{i}") for i in range(3)]
    s.insert_records("dam", dams)
    h.sync(s, server, "ann")
    pid = add_photo(s, "dam", dams[0]["uuid"], jpeg(tmp_path / "big.jpg", MAX_PHOTO + 50_000), caption="坝顶")
    h.update(s, "dam", dams[1]["uuid"], name="照片之后的修改")  # typed after the photo
    r = h.sync(s, server, "ann")
    assert (r.sent, r.stuck, r.photos_up) == (1, 1, 0)
    (stuck,) = local.list_rejected(s)
    assert (stuck["status"], stuck["kind"], stuck["uuid"]) == ("stuck", "photo", pid)
    reasons = " ".join(e["zh"] for e in stuck["errors"])
    assert "照片文件尚未上传" in reasons and "过大" in reasons, reasons
    # the next edits keep flowing, sync after sync; the photo stays listed with its reason
    h.update(s, "dam", dams[2]["uuid"], name="再改")
    r2 = h.sync(s, server, "ann")
    assert (r2.sent, r2.stuck) == (1, 1)
    truth = server.contents("ann")
    assert truth[("dam", dams[1]["uuid"])]["name"] == "照片之后的修改"
    assert truth[("dam", dams[2]["uuid"])]["name"] == "再改"
    assert ("photo", pid) not in truth
    assert {c.kind for c in s.pending_changes()} == {"photo"}
    assert [x["uuid"] for x in local.list_rejected(s)] == [pid]
    _the_panel_shows_it_waiting(s, pid)


def _the_panel_shows_it_waiting(store, pid: str) -> None:
    """The refused-edits panel lists the held photo with its reason; it cannot be sent again or given
    up there (it goes out by itself once its file reaches the server)."""
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtTest import QTest
    from shuibao.ui.rejected_dialog import RejectedDialog

    panel = RejectedDialog(str(store.path), language="zh")
    try:
        (row,) = panel.model_rows()
        assert (row["uuid"], row["status"]) == (pid, "stuck") and "过大" in row["reason"], row
        item = panel.tree.topLevelItem(0)
        QTest.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=panel.tree.visualItemRect(item).center())
        assert panel.selected()["uuid"] == pid
        assert panel.open_button.isEnabled()
        assert not panel.retry_button.isEnabled() and not panel.discard_button.isEnabled()
        assert panel.retry() == 0 and panel.discard() is False  # nothing to do: it waits
        assert [x["uuid"] for x in local.list_rejected(store)] == [pid]
    finally:
        panel.deleteLater()


def test_photo_whose_bytes_all_reached_a_server_killed_before_it_kept_them(server, tmp_path):
    """The server dies between fsyncing the last chunk and committing the blob; restarted on the
    same data, it holds every byte in the laptop's upload session (.partial/<device>/). The next sync finishes the upload, and the edits
    typed meanwhile go out with it."""
    led = h.Ledger()
    s = h.new_store(tmp_path / "a.gpkg")
    dams = led.insert("l1", s, "dam", [h.dam(name=f"坝{i}") for i in range(2)])
    h.sync(s, server, "ann")
    data = jpeg(tmp_path / "crack.jpg", 90_000)  # two chunks of 64 KiB
    pid = add_photo(s, "dam", dams[0], data, caption="坝顶裂缝")
    led.records[pid] = ("photo", "坝顶裂缝")
    led.update("l1", s, "dam", dams[1], name="照片之后的修改")
    fault_log = tmp_path / "fault.log"
    with server.fault("blob.written", fault_log) as proc:
        with pytest.raises(NetworkError):
            h.sync(s, server, "ann", settings=SyncSettings(chunk_size=65_536), retries=1)
        assert proc.wait(10) == -signal.SIGKILL
    assert fault_log.read_text().splitlines() == ["KILL blob.written #1"]  # died where it was meant to
    sha = s.get_record("photo", pid)["sha256"]
    (partial,) = (server.data_dir / "blobs" / ".partial").glob(f"*/{sha}")  # the laptop's upload session
    assert partial.read_bytes() == data.read_bytes()
    api = ApiClient(server.url)
    api.login("ann", h.PASSWORD, s.get_meta(local.K_CLIENT))  # the session is the device's: ask as the laptop
    status = api.upload_status(sha)
    assert (status["complete"], status["offset"]) == (False, 90_000)  # every byte there, never kept
    r = h.sync(s, server, "ann", settings=SyncSettings(chunk_size=65_536))
    assert (r.photos_up, r.stuck, r.errors) == (1, 0, [])
    assert api.upload_status(sha)["complete"] is True
    api.close()
    assert led.check(server, "ann", {"l1": s})["lost"] == 0
