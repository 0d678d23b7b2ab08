"""The "Open store…" action: pick a GeoPackage, load it into the project, report the result."""

from __future__ import annotations

import os

from qgis.core import Qgis, QgsProject
from qgis.PyQt.QtWidgets import QFileDialog

from .. import settings
from ..layers.project import StoreError, open_store_in_project
from . import tr


def open_store(iface, path: str, project: QgsProject | None = None) -> dict:
    """Load the store at `path` and tell the user how it went on the message bar."""
    try:
        layers = open_store_in_project(path, project or QgsProject.instance())
    except StoreError as exc:
        iface.messageBar().pushMessage(tr("Shuibao"), str(exc), Qgis.MessageLevel.Critical, 8)
        return {}
    settings.set_last_store_path(path)
    iface.messageBar().pushMessage(
        tr("Shuibao"),
        tr("Opened {0}: {1} layers").format(os.path.basename(path), len(layers)),
        Qgis.MessageLevel.Success,
        4,
    )
    return layers


def ask_and_open_store(iface) -> dict:
    """Ask for a store file, then open it. Returns the layers by kind (empty when cancelled)."""
    last = settings.last_store_path()
    path, _filter = QFileDialog.getOpenFileName(
        iface.mainWindow(),
        tr("Open a Shuibao store"),
        os.path.dirname(last) if last else "",
        tr("Shuibao store (*.gpkg);;All files (*)"),
    )
    if not path:
        return {}
    return open_store(iface, path)
