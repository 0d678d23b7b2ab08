"""An import step off the GUI thread: reading the file, checking it, writing it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qgis.core import QgsTask

from ..registers import crs

Work = Callable[[Callable[[float], None], Callable[[], bool]], Any]


class ImportTask(QgsTask):
    """Runs ``work(progress, is_canceled)``; ``done(result, exception)`` runs on the main thread.

    Only plain values go in and out: no layer or widget is touched in ``run()``.
    """

    def __init__(self, description: str, work: Work, done: Callable[[Any, BaseException | None], None]):
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.work, self.done = work, done
        self.result: Any = None
        self.exception: BaseException | None = None

    def run(self) -> bool:
        try:
            # This thread's PROJ context first, kept alive (registers.crs): reading a file with a
            # CRS (a GeoPackage, a Shapefile's .prj) would otherwise make one that dies with the task,
            # and the next task on the same thread would crash on it.
            crs.keep_proj_context()
            self.result = self.work(self.setProgress, self.isCanceled)
        except Exception as exc:  # handed to done() on the main thread, shown to the user there
            self.exception = exc
            return False
        return True

    def finished(self, result: bool) -> None:
        self.done(self.result, self.exception)
