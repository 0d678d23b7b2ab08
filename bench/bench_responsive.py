"""Does QGIS stay responsive while a sync of 100,000 changes runs in its task manager?

A client pulls and applies 100,000 dams (pushed by another client) through ``SyncTask`` in
``QgsApplication.taskManager()``, exactly as the Sync button does, while the main thread runs a
20 ms timer, as the event loop of QGIS would serve a paint or a click. The figures are the gaps
between the timer's ticks: a gap far above 20 ms is a freeze the user feels.

Figures: ui_sync_task_s_100k, ui_stall_p99_ms_sync_100k, ui_stall_max_ms_sync_100k.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from .common import scaled

TICK_MS = 20


def run(results: dict) -> None:
    from qgis.core import QgsApplication

    app = QgsApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QgsApplication([], False)
        app.initQgis()
    from qgis.PyQt.QtCore import QTimer
    from shuibao.sync.task import SyncTask

    from .bench_sync import SETTINGS, Setup, _harness

    n = scaled(100_000, 1000)
    work = Path(tempfile.mkdtemp(prefix="sb-bench-responsive-"))
    try:
        setup = Setup(n, work)  # server with n dams from client A; client B already pulled them
        try:
            h = _harness()
            fresh = h.new_store(work / "fresh.gpkg")  # a third laptop: pulls all n changes
            done: dict = {}
            task = SyncTask(fresh.path, setup.server.url, username="bob", password=h.PASSWORD, settings=SETTINGS,
                            on_finished=lambda summary, error: done.update(summary=summary, error=error))  # fmt: skip
            ticks: list[float] = []
            timer = QTimer()
            timer.setInterval(TICK_MS)
            timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
            timer.start()
            start = time.perf_counter()
            QgsApplication.taskManager().addTask(task)
            while "summary" not in done:
                app.processEvents()
                time.sleep(0.001)
            elapsed = time.perf_counter() - start
            timer.stop()
            summary = done["summary"]
            assert summary is not None and not done["error"], done["error"]
            assert summary.received >= n, (summary.received, n)
            gaps = sorted((b - a) * 1000 for a, b in zip(ticks, ticks[1:]))
            results["ui_sync_task_s_100k"] = elapsed
            results["ui_stall_p99_ms_sync_100k"] = gaps[int(0.99 * (len(gaps) - 1))]
            results["ui_stall_max_ms_sync_100k"] = gaps[-1]
            print(f"sync task {elapsed:.1f} s, {len(ticks)} ticks of {TICK_MS} ms: "
                  f"p99 gap {results['ui_stall_p99_ms_sync_100k']:.0f} ms, max {gaps[-1]:.0f} ms")  # fmt: skip
        finally:
            setup.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
