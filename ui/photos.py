"""Photos of a record and of its child records: a thumbnail strip, a full-size viewer, adding, downloading.

A photo is a ``photo`` record (parent_kind, parent_uuid, sha256, …) whose file lies beside the store
in ``<store>.photos/<sha256>`` (see layers.photo_files). The strip lists the photos of the records it is
given, scales each thumbnail once while reading it (QImageReader.setScaledSize, cached by sha256, a
few per event-loop turn so a long strip never blocks the dock), shows a placeholder for a photo not
downloaded yet and downloads it in a background task when it is opened (the user's server and
token, see sync.credentials). Adding goes through layers.photo_files.add_photo: the file is copied and fsynced beside
the store before the record is inserted, and the store's triggers log the insert, so a photo added
offline is sent with the next sync. The photo layer is reloaded afterwards so QGIS sees the record.
"""

from __future__ import annotations

import sqlite3
import struct
from collections import OrderedDict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from qgis.core import Qgis, QgsApplication, QgsFeatureRequest, QgsGeometry, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QSize, Qt, QTimer
from qgis.PyQt.QtGui import QColor, QFont, QIcon, QImage, QImageReader, QPainter, QPen, QPixmap
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..layers.photo_files import PhotoError, add_photo, photo_path
from ..layers.project import STORE_PROPERTY
from ..model import RECORD_KINDS
from ..sync import credentials as sync_credentials
from ..sync.api import ApiClient, AuthError, SyncError
from ..sync.photos import fetch_photo
from . import actions, tr
from .tasks import CallTask

THUMB = 80  # thumbnail edge, px
MAX_PHOTO_BYTES = 20 * 1024 * 1024  # the server's default limit (SHUIBAO_MAX_PHOTO_BYTES)
ACCEPTED_TYPES = ("image/jpeg", "image/png")
BATCH = 6  # thumbnails read per event-loop turn
PHOTO_ROLE = Qt.ItemDataRole.UserRole + 20


# -- files -------------------------------------------------------------------------------------
def sniff(path: str | Path) -> str | None:
    """The image type of a file from its first bytes (JPEG or PNG), else None."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def check_photo_file(path: str | Path, max_bytes: int = MAX_PHOTO_BYTES) -> str | None:
    """Why a file cannot be attached as a photo (a message for the user), or None."""
    name = Path(path).name
    try:
        size = Path(path).stat().st_size
        kind = sniff(path)
    except OSError as exc:
        return tr("{0} cannot be read: {1}").format(name, exc.strerror or exc)
    if size > max_bytes:
        return tr("{0} is too large ({1:.1f} MB; at most {2:.0f} MB).").format(name, size / 2**20, max_bytes / 2**20)
    reader = QImageReader(str(path))
    if kind not in ACCEPTED_TYPES or not reader.canRead() or not reader.size().isValid():  # reads the header only
        return tr("{0} is not a JPEG or PNG photo.").format(name)
    return None


def exif_taken_at(path: str | Path) -> str | None:
    """When a JPEG was taken (EXIF DateTimeOriginal, else DateTime) as UTC ISO; camera local time assumed."""
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 17)
    except OSError:
        return None
    if not data.startswith(b"\xff\xd8"):
        return None
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker, (length,) = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])
        if marker in (0xD9, 0xDA):
            return None
        if marker == 0xE1 and data[i + 4 : i + 10] == b"Exif\x00\x00":
            return _exif_datetime(data[i + 10 : i + 2 + length])
        i += 2 + length
    return None


def _exif_datetime(tiff: bytes) -> str | None:
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None:
        return None

    def ifd(offset: int) -> dict[int, tuple[int, int, int]]:
        entries: dict[int, tuple[int, int, int]] = {}
        try:
            (count,) = struct.unpack_from(order + "H", tiff, offset)
            for n in range(count):
                tag, typ, num, value = struct.unpack_from(order + "HHII", tiff, offset + 2 + 12 * n)
                entries[tag] = (typ, num, value)
        except struct.error:
            pass
        return entries

    try:
        (first,) = struct.unpack_from(order + "I", tiff, 4)
    except struct.error:
        return None
    ifd0 = ifd(first)
    found = ifd(ifd0[0x8769][2]).get(0x9003) if 0x8769 in ifd0 else None
    typ, num, offset = found or ifd0.get(0x0132) or (0, 0, 0)
    if typ != 2 or num < 19:
        return None
    try:
        local = datetime.strptime(tiff[offset : offset + 19].decode("ascii"), "%Y:%m:%d %H:%M:%S")
    except (UnicodeDecodeError, ValueError):
        return None
    return local.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- thumbnails --------------------------------------------------------------------------------
class ThumbnailCache:
    """Scaled thumbnails by sha256 (content-addressed, so never stale), least recently used dropped."""

    def __init__(self, limit: int = 500):
        self.limit = limit
        self._items: OrderedDict[str, QPixmap] = OrderedDict()

    def get(self, sha: str) -> QPixmap | None:
        pixmap = self._items.get(sha)
        if pixmap is not None:
            self._items.move_to_end(sha)
        return pixmap

    def load(self, sha: str, path: Path, edge: int = THUMB) -> QPixmap | None:
        """Read the file scaled to fit `edge` (JPEGs decode at the reduced size); None when unreadable."""
        pixmap = self.get(sha)
        if pixmap is not None:
            return pixmap
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)
        size = reader.size()
        if size.isValid() and (size.width() > edge or size.height() > edge):
            reader.setScaledSize(size.scaled(edge, edge, Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        if image.isNull():
            return None
        pixmap = QPixmap(edge, edge)  # square, so that every caption lines up under its tile
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.drawImage((edge - image.width()) // 2, (edge - image.height()) // 2, image)
        painter.end()
        self._items[sha] = pixmap
        while len(self._items) > self.limit:
            self._items.popitem(last=False)
        return pixmap

    def clear(self) -> None:
        self._items.clear()


THUMBNAILS = ThumbnailCache()


def placeholder(text: str, arrow: bool = True, edge: int = THUMB) -> QIcon:
    """A grey tile with a download arrow (or nothing) and a short text."""
    pixmap = QPixmap(edge, edge)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor("#9e9e9e"), 1))
    p.setBrush(QColor("#eeeeee"))
    p.drawRoundedRect(1, 1, edge - 2, edge - 2, 6, 6)
    p.setPen(QPen(QColor("#757575"), 3))
    if arrow:
        cx, top, bottom = edge // 2, edge // 8, edge * 3 // 8
        p.drawLine(cx, top, cx, bottom)
        p.drawLine(cx - 10, bottom - 10, cx, bottom)
        p.drawLine(cx + 10, bottom - 10, cx, bottom)
        p.drawLine(cx - 16, bottom + 8, cx + 16, bottom + 8)
    font = QFont(p.font())
    font.setPixelSize(max(edge // 8, 9))
    p.setFont(font)
    p.setPen(QColor("#424242"))
    flags = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
    p.drawText(3, edge * 5 // 8, edge - 6, edge * 3 // 8 - 2, flags, text)
    p.end()
    return QIcon(pixmap)


# -- the full-size viewer ----------------------------------------------------------------------
class _Picture(QWidget):
    """A pixmap drawn centred, scaled down to the widget when ``fit`` (the scaled copy is kept)."""

    def __init__(self, pixmap: QPixmap, parent=None):
        super().__init__(parent)
        self.pixmap = pixmap
        self.fit = True
        self._scaled: QPixmap | None = None
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self.pixmap.size()

    def shown(self) -> QPixmap:
        """The pixmap as drawn now: the original, or a copy scaled to fit the widget."""
        if not self.fit or (self.pixmap.width() <= self.width() and self.pixmap.height() <= self.height()):
            return self.pixmap
        target = self.pixmap.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        if self._scaled is None or self._scaled.size() != target:
            self._scaled = self.pixmap.scaled(target, Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation)  # fmt: skip
        return self._scaled

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        pixmap = self.shown()
        painter = QPainter(self)
        painter.drawPixmap((self.width() - pixmap.width()) // 2, (self.height() - pixmap.height()) // 2, pixmap)
        painter.end()


class PhotoDialog(QDialog):
    """One photo at full size in a scroll area, fitted to the window unless asked for 100 %."""

    def __init__(self, path: str | Path, title: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ShuibaoPhotoDialog")
        self.setWindowTitle(title or tr("Photo"))
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)
        self.image: QImage = reader.read()
        self.picture = _Picture(QPixmap.fromImage(self.image) if not self.image.isNull() else QPixmap(), self)
        self.scroll = QScrollArea(self)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll.setWidget(self.picture)
        self.scroll.setWidgetResizable(True)
        self.fitCheck = QCheckBox(tr("Fit to window"), self)
        self.fitCheck.setChecked(True)
        self.fitCheck.toggled.connect(self.set_fit)
        info = QLabel(self)
        if self.image.isNull():
            info.setText(tr("This photo cannot be shown: {0}").format(reader.errorString()))
            self.fitCheck.setEnabled(False)
        else:
            info.setText(f"{self.image.width()} × {self.image.height()} px · {file_size(Path(path).stat().st_size)}")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.fitCheck)
        row.addWidget(info, 1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll, 1)
        layout.addLayout(row)
        screen = QApplication.primaryScreen()
        room = screen.availableGeometry().size() * 0.85 if screen is not None else QSize(1200, 900)
        want = self.image.size() + QSize(40, 80) if not self.image.isNull() else QSize(400, 160)
        self.resize(min(want.width(), room.width()), min(want.height(), room.height()))

    def set_fit(self, fit: bool) -> None:
        """Fit the photo to the window, or show it at 100 % with scroll bars."""
        self.picture.fit = fit
        self.scroll.setWidgetResizable(fit)
        if not fit:
            self.picture.resize(self.picture.pixmap.size())
        self.picture.update()


def file_size(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{max(1, round(size / 1024))} KB"


# -- the strip ---------------------------------------------------------------------------------
class PhotoStrip(QWidget):
    """Thumbnails of the photos of some records (an object and its children), with "Add photo…".

    ``set_records`` gives the records as ``(kind, uuid, label)``, the first being the default
    target of new photos; ``set_target`` chooses another one. Tests replace ``choose_files`` and
    ``credentials`` to avoid the modal file dialog and the QGIS authentication database.
    """

    def __init__(self, project: QgsProject | None = None, iface=None, lang: str = "zh", parent=None):
        super().__init__(parent)
        self.setObjectName("ShuibaoPhotoStrip")
        self.project = project or QgsProject.instance()
        self.iface = iface
        self.lang = lang
        self.max_bytes = MAX_PHOTO_BYTES
        self.last_message: tuple[str, Qgis.MessageLevel] | None = None
        self.last_dialog: PhotoDialog | None = None
        self.download_task: CallTask | None = None
        self._closed = False
        self._records: list[tuple[str, str, str]] = []
        self._photos: list[dict[str, Any]] = []
        self._pending: list[QListWidgetItem] = []
        self._layer: QgsVectorLayer | None = None
        self._layer_signals: list[tuple[object, object]] = []
        self._missing_icon = placeholder(tr("Not downloaded"))
        self._broken_icon = placeholder(tr("Cannot show"), arrow=False)
        self._loading_icon = placeholder("", arrow=False)

        self.titleLabel = QLabel(self)
        self.targetCombo = QComboBox(self)
        self.targetCombo.setObjectName("photoTargetCombo")
        self.targetCombo.setToolTip(tr("The record new photos are attached to"))
        self.targetCombo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.targetCombo.setMinimumContentsLength(12)
        self.addButton = QPushButton(tr("Add photo…"), self)
        self.addButton.setObjectName("addPhotoButton")
        self.addButton.setToolTip(tr("Attach JPEG or PNG photos to the chosen record"))
        self.addButton.clicked.connect(self._on_add)

        self.listWidget = QListWidget(self)
        self.listWidget.setObjectName("photoList")
        lw = self.listWidget
        lw.setViewMode(QListView.ViewMode.IconMode)
        lw.setFlow(QListView.Flow.LeftToRight)
        lw.setWrapping(False)
        lw.setMovement(QListView.Movement.Static)
        lw.setResizeMode(QListView.ResizeMode.Adjust)
        lw.setUniformItemSizes(True)
        lw.setIconSize(QSize(THUMB, THUMB))
        text_height = lw.fontMetrics().height()
        width = max(THUMB + 16, lw.fontMetrics().horizontalAdvance("0000-00-00") + 16)
        lw.setGridSize(QSize(width, THUMB + text_height + 12))
        lw.setTextElideMode(Qt.TextElideMode.ElideRight)
        lw.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        lw.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        lw.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scrollbar = lw.horizontalScrollBar().sizeHint().height()
        lw.setFixedHeight(THUMB + text_height + 12 + scrollbar + 2 * lw.frameWidth())
        lw.itemActivated.connect(self.open_item)

        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.titleLabel)
        head.addStretch(1)
        head.addWidget(self.targetCombo, 1)
        head.addWidget(self.addButton)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(head)
        layout.addWidget(self.listWidget)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._load_batch)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(200)
        self._refresh_timer.timeout.connect(self.refresh)
        self.set_records([])

    # -- records -------------------------------------------------------------------------------
    def set_records(self, records: list[tuple[str, str, str]]) -> None:
        """Show the photos of these records; new photos go to the first one until set_target says otherwise."""
        records = [r for r in records if r[1]]
        target = self.target()
        same = [(k, u) for k, u, _ in records] == [(k, u) for k, u, _ in self._records]
        self._records = records
        combo = self.targetCombo
        combo.blockSignals(True)
        combo.clear()
        for kind, uuid, label in records:
            combo.addItem(label, (kind, uuid))
        if same and target is not None:
            self.set_target(*target)
        combo.blockSignals(False)
        self.addButton.setEnabled(bool(records))
        combo.setEnabled(bool(records))
        self.refresh()

    def set_target(self, kind: str, uuid: str) -> bool:
        """Attach new photos to this record (one of the records given to set_records)."""
        for i in range(self.targetCombo.count()):
            if tuple(self.targetCombo.itemData(i)) == (kind, uuid):
                self.targetCombo.setCurrentIndex(i)
                return True
        return False

    def target(self) -> tuple[str, str] | None:
        data = self.targetCombo.currentData()
        return tuple(data) if data else None

    def photo_layer(self) -> QgsVectorLayer | None:
        return actions.layer_of("photo", self.project)

    def store_path(self) -> str | None:
        layer = self.photo_layer()
        if layer is None:
            return None
        return str(layer.customProperty(STORE_PROPERTY) or "") or layer.source().split("|")[0]

    def photos(self) -> list[dict[str, Any]]:
        """The photos shown, newest first (photo record values plus ``owner``, the record's label)."""
        return list(self._photos)

    # -- listing -------------------------------------------------------------------------------
    def _watch(self, layer: QgsVectorLayer | None) -> None:
        if layer is self._layer:
            return
        self._unwatch()
        self._layer = layer
        if layer is not None:
            self._layer_signals = [(layer.dataChanged, self.schedule_refresh),
                                   (layer.afterCommitChanges, self.schedule_refresh),
                                   (layer.willBeDeleted, self._unwatch)]  # fmt: skip
            for signal, slot in self._layer_signals:
                signal.connect(slot)

    def _unwatch(self, *_args) -> None:
        for signal, slot in self._layer_signals:
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass  # the layer is gone
        self._layer_signals = []
        self._layer = None

    def schedule_refresh(self, *_args) -> None:
        self._refresh_timer.start()

    def disconnect_all(self) -> None:
        """Stop timers and forget the photo layer (called when the dock unloads); a download that
        is still running finishes without showing anything."""
        self._closed = True
        self._timer.stop()
        self._refresh_timer.stop()
        self._unwatch()

    def _query(self, layer: QgsVectorLayer) -> list[dict[str, Any]]:
        labels = {uuid: label for _kind, uuid, label in self._records}
        quoted = ", ".join("'" + u.replace("'", "") + "'" for u in labels)
        request = QgsFeatureRequest().setFilterExpression(f'"parent_uuid" IN ({quoted})')
        request.setFlags(QgsFeatureRequest.Flag.NoGeometry)
        kind = RECORD_KINDS["photo"]
        found = []
        for feature in layer.getFeatures(request):
            values = actions.feature_values(kind, feature)
            if not values.get("sha256"):
                continue
            values["fid"] = feature.id()
            values["owner"] = labels.get(values.get("parent_uuid"), "")
            found.append(values)
        found.sort(key=lambda v: v.get("taken_at") or v.get("created_at") or "", reverse=True)
        return found

    def refresh(self) -> None:
        """List the photos of the records again (thumbnails come from the cache or a few at a time)."""
        self._refresh_timer.stop()
        layer = self.photo_layer()
        self._watch(layer)
        self._photos = self._query(layer) if layer is not None and self._records else []
        store = self.store_path()
        lw = self.listWidget
        lw.clear()
        self._pending = []
        for photo in self._photos:
            item = QListWidgetItem(self._item_text(photo))
            item.setSizeHint(self.listWidget.gridSize() - QSize(4, 4))  # room for a whole date under the tile
            item.setData(PHOTO_ROLE, photo)
            path = local_path(store, photo["sha256"])
            local = path is not None and path.is_file()
            item.setToolTip(self._tooltip(photo, local))
            cached = THUMBNAILS.get(photo["sha256"])
            if cached is not None:
                item.setIcon(QIcon(cached))
            elif local:
                item.setIcon(self._loading_icon)
                self._pending.append(item)
            else:
                item.setIcon(self._missing_icon)
            lw.addItem(item)
        self.titleLabel.setText(tr("Photos ({0})").format(len(self._photos)))
        lw.setVisible(bool(self._photos))
        if self._pending:
            self._timer.start()

    def _item_text(self, photo: dict[str, Any]) -> str:
        caption = (photo.get("caption") or "").strip()
        return caption or (photo.get("taken_at") or photo.get("created_at") or "")[:10]

    def _tooltip(self, photo: dict[str, Any], local: bool) -> str:
        lines = []
        if photo.get("caption"):
            lines.append(photo["caption"])
        if photo.get("taken_at"):
            lines.append(tr("Taken {0}").format(_when(photo["taken_at"])))
        elif photo.get("created_at"):
            lines.append(tr("Added {0}").format(_when(photo["created_at"])))
        if photo.get("owner"):
            lines.append(photo["owner"])
        if photo.get("size_bytes"):
            lines.append(file_size(photo["size_bytes"]))
        lines.append(tr("Double-click to open at full size.") if local
                     else tr("Not downloaded yet: double-click to download it."))  # fmt: skip
        return "\n".join(lines)

    def _load_batch(self) -> None:
        store = self.store_path()
        batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
        for item in batch:
            self._set_thumbnail(item, store)
        if self._pending:
            self._timer.start()

    def _set_thumbnail(self, item: QListWidgetItem, store: str | None) -> None:
        try:
            photo = item.data(PHOTO_ROLE)
        except RuntimeError:
            return  # the list was cleared meanwhile
        path = local_path(store, photo["sha256"])
        if path is None or not path.is_file():
            item.setIcon(self._missing_icon)
            return
        pixmap = THUMBNAILS.load(photo["sha256"], path)
        item.setIcon(QIcon(pixmap) if pixmap is not None else self._broken_icon)

    def flush(self) -> None:
        """Read every pending thumbnail now (tests, screenshots)."""
        self._timer.stop()
        store = self.store_path()
        pending, self._pending = self._pending, []
        for item in pending:
            self._set_thumbnail(item, store)

    def thumbnail_count(self) -> int:
        return self.listWidget.count()

    # -- messages ------------------------------------------------------------------------------
    def message(self, text: str, level: Qgis.MessageLevel = Qgis.MessageLevel.Info, duration: int = 6) -> None:
        self.last_message = (text, level)
        bar = self.iface.messageBar() if self.iface is not None and hasattr(self.iface, "messageBar") else None
        if bar is not None:
            bar.pushMessage(tr("Shuibao"), text, level, duration)

    # -- adding --------------------------------------------------------------------------------
    def choose_files(self) -> list[str]:
        """The files to attach (a file dialog; tests replace this method)."""
        paths, _filter = QFileDialog.getOpenFileNames(
            self, tr("Add photos"), "", tr("Photos (*.jpg *.jpeg *.png *.JPG *.JPEG *.PNG)")
        )
        return list(paths)

    def _on_add(self, *_args) -> None:
        paths = self.choose_files()
        if paths:
            self.add_files(paths)

    def _point_of(self, kind: str, uuid: str) -> bytes | None:
        """The point a new photo gets: the centroid of its record (ISO WKB lon/lat), else None."""
        layer = actions.layer_of(kind, self.project)
        if layer is None:
            return None
        request = QgsFeatureRequest().setFilterExpression(f"\"uuid\" = '{uuid.replace(chr(39), '')}'")
        feature = next(iter(layer.getFeatures(request)), None)
        if feature is None or not feature.hasGeometry():
            return None
        point = QgsGeometry.fromPointXY(feature.geometry().centroid().asPoint())
        return bytes(point.asWkb())

    def add_files(self, paths: list[str]) -> list[str]:
        """Attach the files to the target record; returns the new photo uuids (errors go to the message bar)."""
        target = self.target()
        layer, store = self.photo_layer(), self.store_path()
        if target is None:
            self.message(tr("Select an object first."), Qgis.MessageLevel.Warning)
            return []
        if layer is None or not store:
            self.message(tr("No photo layer: open a Shuibao store first."), Qgis.MessageLevel.Warning)
            return []
        if layer.isEditable() and layer.isModified():
            self.message(tr("Save or discard the edits of the photo layer first."), Qgis.MessageLevel.Warning)
            return []
        kind, uuid = target
        geom = self._point_of(kind, uuid)
        added: list[str] = []
        refused: list[str] = []
        for path in paths:
            problem = check_photo_file(path, self.max_bytes)
            if problem is not None:
                refused.append(problem)
                continue
            try:
                added.append(add_photo(store, kind, uuid, path, taken_at=exif_taken_at(path), geom=geom))
            except (SyncError, PhotoError) as exc:
                refused.append(
                    tr("{0} was not added: {1}").format(Path(path).name, exc.zh if self.lang == "zh" else exc.en)
                )
            except (OSError, ValueError, sqlite3.Error) as exc:
                refused.append(tr("{0} was not added: {1}").format(Path(path).name, exc))
        if added:
            self.reload_photo_layer()
            self.refresh()
        label = self.targetCombo.currentText()
        if refused:
            text = "; ".join(refused)
            if added:
                text = tr("{0} photo(s) added to {1}.").format(len(added), label) + " " + text
            self.message(text, Qgis.MessageLevel.Warning, 10)
        elif added:
            self.message(tr("{0} photo(s) added to {1}.").format(len(added), label), Qgis.MessageLevel.Success, 3)
        return added

    # -- opening and downloading ---------------------------------------------------------------
    def open_item(self, item: QListWidgetItem) -> PhotoDialog | None:
        photo = item.data(PHOTO_ROLE) if item is not None else None
        return self.open_photo(photo) if photo else None

    def open_photo(self, photo: dict[str, Any]) -> PhotoDialog | None:
        """Show a photo at full size. One not on this laptop is downloaded first, in a background
        task, and shown when it arrives (then None is returned; see ``download_task``)."""
        path = local_path(self.store_path(), photo["sha256"])
        if path is None:
            return None
        if not path.is_file():
            self.download(photo)
            return None
        return self._show(photo, path)

    def _show(self, photo: dict[str, Any], path: Path) -> PhotoDialog:
        title = " · ".join(p for p in (photo.get("caption"), _when(photo.get("taken_at")), photo.get("owner")) if p)
        dialog = PhotoDialog(path, title, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.show()
        self.last_dialog = dialog
        return dialog

    def _downloaded(self, sha: str) -> None:
        store = self.store_path()
        for i in range(self.listWidget.count()):
            item = self.listWidget.item(i)
            photo = item.data(PHOTO_ROLE)
            if photo and photo["sha256"] == sha:
                self._set_thumbnail(item, store)
                item.setToolTip(self._tooltip(photo, True))

    def reload_photo_layer(self) -> None:
        """Make QGIS read the store again after a sqlite connection wrote beside it.

        QGIS's GeoPackage connection, shared by the store's layers, may see no features at all after
        another connection opened the file; reloading one layer reopens it for all of them. Only the
        photo layer is reloaded: reloading a layer clears its selection, and the dock follows the
        object layer's selection.
        """
        layer = self.photo_layer()
        if layer is not None and not (layer.isEditable() and layer.isModified()):
            layer.dataProvider().reloadData()
            layer.triggerRepaint()

    def credentials(self) -> tuple[str, str]:
        """(server URL, token) of the logged-in user; empty strings when not logged in."""
        return sync_credentials.server_url(), sync_credentials.load().get("token", "")

    def download(self, photo: dict[str, Any]) -> bool:
        """Start downloading one photo from the server into the store's photo folder, off the GUI
        thread; it opens full size when it has arrived. False (and a message) when it cannot start."""
        store = self.store_path()
        url, token = self.credentials()
        if not store:
            return False
        if not url or not token:
            self.message(tr("This photo is not on this laptop yet: log in with “Server and login…” to download it."),
                         Qgis.MessageLevel.Warning, 8)  # fmt: skip
            return False
        if self.download_task is not None:
            self.message(tr("A photo is being downloaded: wait for it."), Qgis.MessageLevel.Info, 3)
            return False

        def fetch() -> Path:
            api = ApiClient(url, token)
            try:
                return fetch_photo(store, api, photo["sha256"])
            finally:
                api.close()

        def done(path, exc) -> None:
            self.download_task = None
            if self._closed:
                return
            if exc is None:
                self.reload_photo_layer()  # fetch_photo opened the store with sqlite
                self._downloaded(photo["sha256"])
                self._show(photo, path)
            elif isinstance(exc, AuthError):
                self.message(tr("Your login has expired: log in again with “Server and login…” to download photos."),
                             Qgis.MessageLevel.Warning, 8)  # fmt: skip
            elif isinstance(exc, SyncError):
                text = exc.zh if self.lang == "zh" else exc.en
                self.message(tr("The photo could not be downloaded: {0}").format(text), Qgis.MessageLevel.Warning, 8)
            else:
                self.message(tr("The photo could not be downloaded: {0}").format(exc), Qgis.MessageLevel.Warning, 8)

        self.download_task = CallTask(tr("Downloading a photo"), fetch, done)
        QgsApplication.taskManager().addTask(self.download_task)
        self.message(tr("Downloading the photo…"), Qgis.MessageLevel.Info, 3)
        return True


def local_path(store: str | None, sha: str) -> Path | None:
    """Where a photo's file is (or would be) beside the store; None without a store or for a bad hash."""
    try:
        return photo_path(store, sha) if store else None
    except ValueError:
        return None


def _when(value: str | None) -> str:
    return (value or "")[:16].replace("T", " ")
