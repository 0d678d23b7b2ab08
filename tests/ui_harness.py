"""Helpers for tests that drive the docks and wait for QGIS tasks (hand-written; loaded by conftest
as ``shuibao_ui_harness``)."""

from __future__ import annotations

import time

from qgis.PyQt.QtCore import QCoreApplication
from shuibao.model import RECORD_KINDS
from shuibao.ui import actions


def open_dock(cls, iface, role: str = "inspector"):
    """A dock in Chinese acting for `role`, with forms and questions switched off (no modal dialogs)."""
    dock = cls(iface, lang="zh")
    dock.open_forms = False
    dock.role_override = role
    dock.ask = lambda kind, name: None
    dock.reload()
    return dock


def set_values(kind: str, fid: int, **values) -> None:
    """Write values through the QGIS layer, as a form would."""
    assert actions.write_values(actions.layer_of(kind), RECORD_KINDS[kind], fid, values)


def wait_until(condition, timeout: float = 30.0) -> None:
    """Run the event loop (QGIS's task manager reports on it) until condition() holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        QCoreApplication.processEvents()
        time.sleep(0.01)
