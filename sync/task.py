"""The sync as a QgsTask: inputs copied in, no layers or widgets in run(), results in finished()."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path

from qgis.core import QgsMapLayer, QgsProject, QgsTask, QgsVectorLayer
from qgis.PyQt.QtCore import QTimer

from ..layers.store import GATE_TIMEOUT_S, WRITE_GATE
from .api import SyncError
from .engine import SyncSettings, SyncSummary
from .run import run_sync

log = logging.getLogger(__name__)


class SyncTask(QgsTask):
    """Run one sync of a store. Keep a reference to the task until finished() ran.

    ``on_finished(summary, error_message)`` is called on the main thread from finished(); the UI
    refreshes layers and docks there.
    """

    def __init__(
        self,
        store_path: str | Path,
        server_url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        settings: SyncSettings | None = None,
        on_finished: Callable[[SyncSummary | None, str | None], None] | None = None,
        description: str = "水保巡检同步 (Shuibao sync)",
        first: bool = False,
    ):
        super().__init__(description, QgsTask.CanCancel)
        self.store_path = str(store_path)
        self.server_url = str(server_url)
        self.username, self.password, self.token = username, password, token
        self.settings = settings or SyncSettings()
        self.on_finished = on_finished
        self.summary: SyncSummary | None = None
        self.error: str | None = None
        self.new_token: str | None = None
        self.user: dict | None = None  # what the server said about the user (/auth/me)
        self.first = first  # a first sync: make the store file and download the user's counties
        self.exception: BaseException | None = None  # what went wrong, for the UI to say which failure
        self.guard = CommitGuard(self.store_path)
        self.guard.start()

    def run(self) -> bool:
        try:
            done = run_sync(self.store_path, self.server_url, username=self.username, password=self.password,
                            token=self.token, settings=self.settings, progress=self.setProgress,
                            is_canceled=self.isCanceled, first=self.first)  # fmt: skip
        except SyncError as exc:
            self.exception, self.error = exc, exc.user_message()
            return False
        except Exception as exc:  # reported in finished(), on the main thread
            log.exception("sync failed")
            self.exception, self.error = exc, f"同步失败（sync failed）: {exc}"
            return False
        self.summary, self.new_token, self.user = done.summary, done.token, done.user
        return not self.summary.cancelled

    def finished(self, result: bool) -> None:
        self.guard.stop()
        if self.summary is not None and self.error:
            self.summary.errors.append(self.error)
        if self.on_finished is not None:
            self.on_finished(self.summary, self.error)


def _file_of(layer: QgsMapLayer) -> str:
    return os.path.normcase(os.path.realpath(layer.source().split("|")[0]))


class CommitGuard:
    """While a sync runs, each QGIS commit to a layer of the store holds ``WRITE_GATE``.

    QGIS's OGR provider commits in a deferred transaction that reads before it writes; a sync
    commit in between made SQLite refuse the QGIS write at once ("database is locked", measured: 22
    of 56 commits during syncs, each refused in ~0.1 s, well within GDAL's 5 s busy timeout). With
    the gate the commit waits for the sync's current write transaction (bounded by the batch and
    page sizes), and the sync waits for the commit. Main thread only; covers this QGIS process.
    """

    def __init__(self, store_path: str, project: QgsProject | None = None):
        self.file = os.path.normcase(os.path.realpath(store_path))
        self.project = project or QgsProject.instance()
        self.layers: dict[str, tuple[QgsVectorLayer, Callable, Callable]] = {}  # id -> layer, its two slots
        self.held: set[str] = set()  # layers whose commit holds the gate now

    def start(self) -> None:
        self.project.layersAdded.connect(self._added)
        self._added(list(self.project.mapLayers().values()))

    def stop(self) -> None:
        try:
            self.project.layersAdded.disconnect(self._added)
        except (TypeError, RuntimeError):
            pass
        for lid, (layer, before, after) in self.layers.items():
            try:
                layer.beforeCommitChanges.disconnect(before)
                layer.afterCommitChanges.disconnect(after)
            except (TypeError, RuntimeError):  # the layer is gone
                pass
            self._release(lid)
        self.layers.clear()

    def _added(self, layers) -> None:
        for layer in layers:
            if isinstance(layer, QgsVectorLayer) and layer.id() not in self.layers and _file_of(layer) == self.file:
                before, after = partial(self._hold, layer.id()), partial(self._release, layer.id())
                layer.beforeCommitChanges.connect(before)
                layer.afterCommitChanges.connect(after)
                self.layers[layer.id()] = (layer, before, after)

    def _hold(self, lid: str, *_stop_editing) -> None:
        if lid in self.held:
            return
        if WRITE_GATE.acquire(timeout=GATE_TIMEOUT_S):
            self.held.add(lid)
            QTimer.singleShot(0, partial(self._release, lid))  # also when the commit failed
        else:
            log.warning("a QGIS commit went ahead without the write gate (held over %s s)", GATE_TIMEOUT_S)

    def _release(self, lid: str) -> None:
        if lid in self.held:
            self.held.discard(lid)
            WRITE_GATE.release()
