"""Work off the GUI thread: one function in a QgsTask, its result handed back on the main thread."""

from __future__ import annotations

from collections.abc import Callable

from qgis.core import QgsTask


class CallTask(QgsTask):
    """Run one function off the GUI thread; ``done(result, exception)`` runs on the main thread."""

    def __init__(
        self, description: str, func: Callable[[], object], done: Callable[[object, BaseException | None], None]
    ):
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.func, self.done = func, done
        self.result: object = None
        self.exception: BaseException | None = None

    def run(self) -> bool:
        try:
            self.result = self.func()
        except Exception as exc:  # reported in finished(), on the main thread
            self.exception = exc
            return False
        return True

    def finished(self, result: bool) -> None:
        self.done(self.result, self.exception)
