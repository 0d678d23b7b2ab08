"""Photos in the docks: adding through the strip, thumbnails, refusals, placeholders, full size, download on demand."""

from __future__ import annotations

import hashlib
import sqlite3
import struct
from datetime import datetime, timezone
from pathlib import Path

import pytest
from qgis.core import Qgis, QgsAttributeEditorElement, QgsProject
from qgis.PyQt.QtCore import QBuffer, QByteArray, QIODevice, QSize
from qgis.PyQt.QtGui import QColor, QImage
from shuibao.layers import photo_files
from shuibao.layers.forms import PHOTO_FILE_FIELDS, photos_html
from shuibao.layers.project import open_store_in_project
from shuibao.layers.store import Store
from shuibao.ui import actions
from shuibao.ui.docks import DamDock, PatchDock
from shuibao.ui.photos import THUMB, THUMBNAILS, exif_taken_at
from shuibao_ui_harness import click, form_of, press_ok, wait_until
from shuibao_ui_harness import open_dock as _dock


def _image(path: Path, width: int = 640, height: int = 480, color: str = "steelblue") -> Path:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    assert image.save(str(path))
    return path


def _close(dock):
    dock.disconnect_all()
    dock.deleteLater()


def _photos(store_path) -> list[dict]:
    conn = sqlite3.connect(str(store_path))
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM photo")]
    finally:
        conn.close()


def _photo_changes(store_path) -> list:
    return [c for c in Store(store_path).pending_changes() if c.kind == "photo"]


@pytest.fixture
def dam_dock(iface, small_store, log_in):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    log_in("inspector", small_store)
    dock = _dock(DamDock, iface)
    dam = next(layers["dam"].getFeatures())
    dock.select_fid(dam.id())
    yield dock, layers, dam
    _close(dock)


def test_add_photo_to_the_selected_dam(dam_dock, small_store, small_data, tmp_path):
    dock, layers, dam = dam_dock
    strip = dock.photos
    assert strip.target() == ("dam", dam["uuid"])  # the object, not the newest timeline record
    assert strip.thumbnail_count() == 0 and not strip.listWidget.isVisible()
    jpeg = _image(tmp_path / "坝顶.jpg")
    strip.choose_files = lambda: [str(jpeg)]  # instead of the modal file dialog
    strip.addButton.click()
    assert strip.last_message[1] == Qgis.MessageLevel.Success, strip.last_message

    sha = hashlib.sha256(jpeg.read_bytes()).hexdigest()
    [rec] = _photos(small_store)
    assert (rec["parent_kind"], rec["parent_uuid"], rec["sha256"]) == ("dam", dam["uuid"], sha)
    assert rec["mime_type"] == "image/jpeg" and rec["size_bytes"] == jpeg.stat().st_size
    assert rec["county_code"] == dam["county_code"]
    blob = Path(f"{small_store}.photos") / sha
    assert blob.read_bytes() == jpeg.read_bytes()

    # The change log holds the insert, unsynced: the photo goes to the server with the next sync.
    [change] = _photo_changes(small_store)
    assert change.op == "insert" and change.uuid == rec["uuid"] and change.synced_at is None
    assert change.fields["sha256"][1] == sha

    # QGIS sees it: the photo layer was reloaded, at the dam's position; the dam stays selected and
    # the other layers of the store still read (they share QGIS's connection to the file).
    assert dock.selected_fids() == [dam.id()] and layers["dam"].selectedFeatureIds() == [dam.id()]
    assert len(list(layers["dam"].getFeatures())) == len(small_data["dam"])
    [feature] = list(layers["photo"].getFeatures())
    assert feature["sha256"] == sha
    assert feature.geometry().asPoint() == dam.geometry().centroid().asPoint()

    strip.flush()
    assert strip.thumbnail_count() == 1
    item = strip.listWidget.item(0)
    thumb = THUMBNAILS.get(sha)
    assert thumb is not None and thumb.size() == QSize(THUMB, THUMB)
    assert item.icon().cacheKey() not in (strip._missing_icon.cacheKey(), strip._loading_icon.cacheKey())
    assert "淤地坝" in item.toolTip()

    dialog = strip.open_item(item)
    try:
        assert dialog is not None and dialog.isVisible()
        assert dialog.image.size() == QSize(640, 480)
        dialog.set_fit(False)
        assert dialog.picture.size() == QSize(640, 480) and dialog.picture.shown().size() == QSize(640, 480)
    finally:
        dialog.close()


@pytest.mark.display
def test_photo_of_a_timeline_record_and_several_files(dam_dock, small_store, tmp_path):
    dock, layers, dam = dam_dock
    dock.show()
    click(dock, "create:dam_inspection")
    press_ok(form_of(dock))  # a draft with gaps saves
    created = dock.last_outcome
    assert created.ok, created.message("zh")
    inspection = actions.get_feature(layers["dam_inspection"], created.fid)
    assert dock.photos.target() == ("dam_inspection", inspection["uuid"])  # follows the chosen record

    files = [_image(tmp_path / "a.png", 300, 200, "darkgreen"), _image(tmp_path / "b.jpg", 200, 300, "sienna")]
    added = dock.photos.add_files([str(f) for f in files])
    assert len(added) == 2
    recs = _photos(small_store)
    assert {(r["parent_kind"], r["parent_uuid"]) for r in recs} == {("dam_inspection", inspection["uuid"])}
    assert {r["mime_type"] for r in recs} == {"image/png", "image/jpeg"}
    assert len(_photo_changes(small_store)) == 2

    # The object's strip shows the photos of its timeline records too, also after a reload.
    dock.reload()
    assert dock.photos.thumbnail_count() == 2
    assert all("淤地坝检查" in p["owner"] for p in dock.photos.photos())
    assert dock.photos.set_target("dam", dam["uuid"])
    dock.photos.add_files([str(files[0])])
    assert dock.photos.thumbnail_count() == 3


def test_refused_files_write_nothing(dam_dock, small_store, tmp_path):
    dock, _layers, _dam = dam_dock
    strip = dock.photos
    text = tmp_path / "notes.jpg"
    text.write_text("这不是照片", encoding="utf-8")
    big = _image(tmp_path / "big.jpg", 1200, 900)
    strip.max_bytes = big.stat().st_size - 1
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)  # the signature, but no image

    assert strip.add_files([str(text), str(big), str(fake), str(tmp_path / "gone.jpg")]) == []
    message, level = strip.last_message
    assert level == Qgis.MessageLevel.Warning
    assert "notes.jpg" in message and "not a JPEG or PNG" in message
    assert "big.jpg" in message and "too large" in message
    assert "fake.png" in message and "gone.jpg" in message
    assert _photos(small_store) == [] and _photo_changes(small_store) == []
    folder = Path(f"{small_store}.photos")
    assert not folder.exists() or not any(folder.iterdir())
    assert strip.thumbnail_count() == 0


def test_missing_blob_shows_placeholder_and_asks_for_login(dam_dock, small_store, tmp_path):
    dock, layers, dam = dam_dock
    jpeg = _image(tmp_path / "remote.jpg", 320, 240, "gray")
    uid = photo_files.add_photo(
        small_store, "dam", dam["uuid"], jpeg, caption="远端照片"
    )  # as if pulled from the server
    sha = Store(small_store).get_record("photo", uid)["sha256"]
    photo_files.photo_path(small_store, sha).unlink()
    layers["photo"].dataProvider().reloadData()
    dock.reload()
    strip = dock.photos
    strip.flush()
    assert strip.thumbnail_count() == 1
    item = strip.listWidget.item(0)
    assert item.icon().cacheKey() == strip._missing_icon.cacheKey()
    assert item.text() == "远端照片" and "download" in item.toolTip()

    strip.credentials = lambda: ("", "")  # not logged in
    assert strip.open_item(item) is None
    message, level = strip.last_message
    assert level == Qgis.MessageLevel.Warning and "log in" in message


def test_patch_photo_gets_a_point(iface, small_store, tmp_path):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    dock = _dock(PatchDock, iface)
    try:
        patch = next(layers["patch"].getFeatures())
        dock.select_fid(patch.id())
        assert dock.photos.add_files([str(_image(tmp_path / "p.jpg"))])
        [feature] = list(layers["photo"].getFeatures())
        assert feature["parent_kind"] == "patch"
        assert feature.geometry().asPoint() == patch.geometry().centroid().asPoint()  # not the polygon
    finally:
        _close(dock)


def _with_exif(jpeg: bytes, when: str) -> bytes:
    """A JPEG with an EXIF block holding DateTimeOriginal (little-endian TIFF)."""
    value = when.encode("ascii") + b"\0"
    ifd0 = struct.pack("<H", 1) + struct.pack("<HHII", 0x8769, 4, 1, 26) + struct.pack("<I", 0)
    exif = struct.pack("<H", 1) + struct.pack("<HHII", 0x9003, 2, len(value), 44) + struct.pack("<I", 0)
    tiff = b"II*\0" + struct.pack("<I", 8) + ifd0 + exif + value
    app1 = b"Exif\0\0" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpeg[2:]


def test_taken_at_from_exif(dam_dock, small_store, tmp_path):
    dock, _layers, _dam = dam_dock
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("navy"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPG")
    path = tmp_path / "exif.jpg"
    path.write_bytes(_with_exif(bytes(data), "2024:05:01 10:30:00"))
    expected = datetime(2024, 5, 1, 10, 30).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    assert exif_taken_at(path) == expected + "Z"
    assert exif_taken_at(_image(tmp_path / "plain.jpg")) is None
    assert dock.photos.add_files([str(path)])
    [rec] = _photos(small_store)
    assert rec["taken_at"].startswith(expected)


def test_photo_forms(qgis_new_project, small_store):
    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    photo = layers["photo"]
    config = photo.editFormConfig()
    fields = photo.fields()
    assert all(config.readOnly(fields.indexFromName(n)) for n in PHOTO_FILE_FIELDS)
    assert not config.readOnly(fields.indexFromName("caption"))
    assert photo.editorWidgetSetup(fields.indexFromName("parent_kind")).type() == "ValueMap"
    for kind in ("dam", "dam_inspection", "dam_hazard", "patch_survey"):
        tabs = layers[kind].editFormConfig().tabs()
        assert "照片" in [t.name() for t in tabs], kind
        [element] = next(t for t in tabs if t.name() == "照片").children()
        assert element.type() == QgsAttributeEditorElement.AttributeEditorType.AeTypeHtmlElement
    html = photos_html(photo.id(), "zh")
    assert photo.id() in html and "parent_uuid" in html and html.startswith("<script>")


# -- on-demand download against the real server ------------------------------------------------


def test_download_on_demand(iface, tmp_path):
    import shuibao_sync_harness as h
    from shuibao.sync.api import ApiClient

    (tmp_path / "server").mkdir(exist_ok=True)
    server = h.Server(tmp_path / "server")
    server.add_user("ann")
    server.add_user("bob")
    server.start()
    try:
        s1 = h.new_store(tmp_path / "a.gpkg")
        dam = h.dam(name="石门坝")
        s1.insert_records("dam", [dam])
        jpeg = _image(tmp_path / "crack.jpg", 800, 600, "sienna")
        photo_files.add_photo(s1, "dam", dam["uuid"], jpeg, caption="坝顶裂缝")
        assert h.sync(s1, server, "ann").photos_up == 1
        s2 = h.new_store(tmp_path / "b.gpkg")
        assert h.sync(s2, server, "bob").received == 2
        sha = hashlib.sha256(jpeg.read_bytes()).hexdigest()
        assert not photo_files.photo_path(s2, sha).exists()

        layers = open_store_in_project(str(s2.path), QgsProject.instance(), language="zh")
        dock = _dock(DamDock, iface)
        try:
            dock.select_fid(next(layers["dam"].getFeatures()).id())
            strip = dock.photos
            strip.flush()
            item = strip.listWidget.item(0)
            assert item.icon().cacheKey() == strip._missing_icon.cacheKey()
            api = ApiClient(server.url)
            api.login("bob", h.PASSWORD, "photo-viewer")
            strip.credentials = lambda: (server.url, api.token)
            assert strip.open_item(item) is None  # downloading in a task: QGIS stays usable
            assert strip.download_task is not None
            assert strip.open_item(item) is None and "being downloaded" in strip.last_message[0]
            wait_until(lambda: strip.download_task is None)
            dialog = strip.last_dialog
            assert dialog is not None, strip.last_message
            assert dialog.image.size() == QSize(800, 600)
            dialog.close()
            assert photo_files.photo_path(s2, sha).read_bytes() == jpeg.read_bytes()
            assert len(list(layers["dam"].getFeatures())) == 1
            strip.flush()
            assert strip.listWidget.item(0).icon().cacheKey() != strip._missing_icon.cacheKey()

            strip.credentials = lambda: (server.url, "not-a-token")
            photo_files.photo_path(s2, sha).unlink()
            strip.last_dialog = None
            assert strip.open_item(strip.listWidget.item(0)) is None
            wait_until(lambda: strip.download_task is None)
            assert "log in again" in strip.last_message[0] and strip.last_dialog is None

            # A server that does not answer: QGIS goes on, and the photo says why it is missing.
            server.stop()
            strip.credentials = lambda: (server.url, api.token)
            assert strip.open_item(strip.listWidget.item(0)) is None
            wait_until(lambda: strip.download_task is None, 60)
            assert "could not be downloaded" in strip.last_message[0] and strip.last_dialog is None
            api.close()
        finally:
            _close(dock)
    finally:
        server.stop()
