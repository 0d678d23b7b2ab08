"""Shared fixtures: the demo-data generator, a small store, and a QGIS interface that keeps docks.

pytest-qgis provides `qgis_app`, `qgis_iface`, `qgis_new_project` and `qgis_canvas`.
Its interface stub lacks a few QgisInterface methods the plugin calls; `iface` adds them so
that docks and toolbars really land in (and leave) the stub's main window.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from qgis.core import QgsProject

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"


def load_tool(name: str):
    """Import tools/<name>.py as a module (tools/ is not a package)."""
    module_name = f"shuibao_tools_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def _load_test_module(name: str, file: str):
    """Register a helper file of tests/ as a module, so that test files can `import` it by name."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(file))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_load_test_module("shuibao_sync_harness", "sync_harness.py")
_load_test_module("shuibao_ui_harness", "ui_harness.py")
sys.modules["register_files"] = load_tool("register_samples")


@pytest.fixture(scope="session")
def tool():
    """`tool("build_zip")` imports tools/build_zip.py."""
    return load_tool


@pytest.fixture(scope="session")
def demo_data():
    return load_tool("demo_data")


@pytest.fixture(scope="session")
def small_data(demo_data):
    return demo_data.generate(size=demo_data.DemoSize.small())


@pytest.fixture(scope="session")
def small_store_template(tmp_path_factory, demo_data, small_data, qgis_app):
    path = tmp_path_factory.mktemp("store") / "ganxian-small.gpkg"
    demo_data.write_store(path, small_data)
    return path


@pytest.fixture
def small_store(tmp_path, small_store_template):
    """A fresh copy of the small demo store, so tests may edit it."""
    import shutil

    path = tmp_path / "ganxian-small.gpkg"
    shutil.copy(small_store_template, path)
    return path


def _flush_deletes():
    from qgis.PyQt.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


@pytest.fixture
def flush_deletes():
    return _flush_deletes


@pytest.fixture
def iface(qgis_iface, qgis_new_project):
    """pytest-qgis's interface, completed with what QgisInterface has and the stub lacks."""
    from qgis.PyQt.QtWidgets import QMenu

    window = qgis_iface.mainWindow()
    menus: dict[str, QMenu] = {}

    def add_dock(area, dock):
        window.addDockWidget(area, dock)

    def remove_dock(dock):
        window.removeDockWidget(dock)

    def add_toolbar(toolbar):
        tb = window.addToolBar(toolbar) if isinstance(toolbar, str) else toolbar
        if not isinstance(toolbar, str):
            window.addToolBar(tb)
        return tb

    def plugin_menu(name):
        if name not in menus:
            menus[name] = window.menuBar().addMenu(name)
            menus[name].setObjectName(f"menu:{name}")
        return menus[name]

    def add_to_menu(name, action):
        plugin_menu(name).addAction(action)

    def remove_from_menu(name, action):
        menu = menus.get(name)
        if menu is None:
            return
        menu.removeAction(action)
        if not menu.actions():
            window.menuBar().removeAction(menu.menuAction())
            menu.deleteLater()
            del menus[name]

    qgis_iface.addDockWidget = add_dock
    qgis_iface.removeDockWidget = remove_dock
    qgis_iface.addToolBar = add_toolbar
    qgis_iface.addPluginToMenu = add_to_menu
    qgis_iface.removePluginMenu = remove_from_menu
    qgis_iface.plugin_menus = menus
    yield qgis_iface
    _flush_deletes()


@pytest.fixture(autouse=True, scope="session")
def _qgis_app_teardown_guard(qgis_app):
    """pytest-qgis disconnects ``legendLayersAdded`` from ``processEvents`` at session end, and raises
    (turning a green run red) when a QGIS call in between dropped that connection. Make it exactly one."""
    yield
    project = QgsProject.instance()
    try:
        project.legendLayersAdded.disconnect(qgis_app.processEvents)
    except TypeError:
        pass
    project.legendLayersAdded.connect(qgis_app.processEvents)
