"""The "Open store…" action: pick a GeoPackage, check that it is a Shuibao store, load it into the
project in place of the store open before, and report the result.

A GeoPackage that is not a Shuibao store (say a county file that happens to have a ``dam`` table)
is refused before anything is added to the project, so it never takes over the docks. One store
at a time: the docks list one county's objects, and a store opened after another replaces it.
"""

from __future__ import annotations

import os

from qgis.core import Qgis, QgsLayerTreeGroup, QgsProject
from qgis.PyQt.QtWidgets import QFileDialog

from .. import settings
from ..layers import store as store_file
from ..layers.project import GROUP_PROPERTY, STORE_PROPERTY, StoreError, _norm, open_store_in_project
from . import tr


def check_store(path: str) -> str | None:
    """None when `path` is a Shuibao store this plugin can open (migrated in place when older),
    else the reason in the user's language."""
    if not os.path.isfile(path):
        return tr("{0} does not exist.").format(path)
    try:
        store_file.open_store(path)
    except store_file.StoreTooNew:
        return tr("{0} was written by a newer Shuibao plugin: update the plugin to open it.").format(
            os.path.basename(path)
        )
    except store_file.StoreError:
        return tr("{0} is not a Shuibao store: it was not downloaded by this plugin. Open the store file made by "
                  "“Connect to the server and download my county”, or download your county again.").format(
            os.path.basename(path))  # fmt: skip
    return None


def close_other_stores(project: QgsProject, keep: str) -> list[str]:
    """Remove the layers of every store but `keep`; returns the names of layers with unsaved edits
    (then nothing is removed)."""
    keep_key = _norm(keep)
    layers = [lyr for lyr in project.mapLayers().values()
              if lyr.customProperty(STORE_PROPERTY) and lyr.customProperty(STORE_PROPERTY) != keep_key]  # fmt: skip
    unsaved = [lyr.name() for lyr in layers if lyr.isEditable() and lyr.isModified()]
    if unsaved:
        return unsaved
    project.removeMapLayers([lyr.id() for lyr in layers])
    root = project.layerTreeRoot()
    for node in list(root.children()):  # the closed stores' groups, now empty
        key = node.customProperty(GROUP_PROPERTY)
        if isinstance(node, QgsLayerTreeGroup) and key and key != keep_key and not node.findLayers():
            root.removeChildNode(node)
    return []


def open_store(iface, path: str, project: QgsProject | None = None) -> dict:
    """Load the store at `path` and tell the user how it went on the message bar."""
    project = project or QgsProject.instance()
    bar = iface.messageBar()
    problem = check_store(path)
    if problem is not None:
        bar.pushMessage(tr("Shuibao"), problem, Qgis.MessageLevel.Critical, 0)
        return {}
    unsaved = close_other_stores(project, path)
    if unsaved:
        bar.pushMessage(tr("Shuibao"), tr("Save or discard the edits of {0} before opening another store.")
                        .format(", ".join(unsaved)), Qgis.MessageLevel.Warning, 10)  # fmt: skip
        return {}
    try:
        layers = open_store_in_project(path, project)
    except StoreError as exc:
        bar.pushMessage(tr("Shuibao"), str(exc), Qgis.MessageLevel.Critical, 0)
        return {}
    settings.set_last_store_path(path)
    bar.pushMessage(tr("Shuibao"), tr("Opened {0}: {1} layers").format(os.path.basename(path), len(layers)),
                    Qgis.MessageLevel.Success, 4)  # fmt: skip
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
