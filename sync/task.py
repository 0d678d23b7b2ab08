"""The sync as a QgsTask: inputs copied in, no layers or widgets in run(), results in finished()."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from qgis.core import QgsTask

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
        self.first = first  # a first sync: make the store file and download the user's counties
        self.exception: BaseException | None = None  # what went wrong, for the UI to say which failure

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
        self.summary, self.new_token = done.summary, done.token
        return not self.summary.cancelled

    def finished(self, result: bool) -> None:
        if self.summary is not None and self.error:
            self.summary.errors.append(self.error)
        if self.on_finished is not None:
            self.on_finished(self.summary, self.error)
