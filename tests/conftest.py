"""Shared fixtures: the demo-data generator, a small store, and a QGIS interface that keeps docks.

pytest-qgis provides `qgis_app`, `qgis_iface`, `qgis_new_project` and `qgis_canvas`.
Its interface stub lacks a few QgisInterface methods the plugin calls; `iface` adds them so
that docks and toolbars really land in (and leave) the stub's main window.
"""

from __future__ import annotations

import importlib.util
import os
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

OFFSCREEN = "offscreen"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Before pytest-qgis starts QGIS: without a display, fall back to the offscreen platform."""
    config.addinivalue_line("markers", "display: opens QGIS attribute forms (needs a display: run under xvfb-run)")
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", OFFSCREEN)
    if os.environ.get("SHUIBAO_TEST_DISPLAY") == "required" and os.environ.get("QT_QPA_PLATFORM") == OFFSCREEN:
        raise pytest.UsageError("make test runs every test on a display (xvfb-run), none may be skipped")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("QT_QPA_PLATFORM") != OFFSCREEN:
        return
    skip = pytest.mark.skip(reason="forms with relation editors crash offscreen: run under xvfb-run (make test)")
    for item in items:
        if "display" in item.keywords:
            item.add_marker(skip)


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
    stub_bar = qgis_iface.messageBar
    yield qgis_iface
    qgis_iface.messageBar = stub_bar  # a test that swapped in a real message bar must not leak it
    _flush_deletes()


class DemoServer:
    """The sync server with the small demo county; `users` maps a role (and a user name) to (name, password)."""

    def __init__(self, url: str, users):
        self.url = url
        self.users: dict[str, tuple[str, str]] = {}
        for name, role, password in users:
            self.users.setdefault(role, (name, password))
            self.users[name] = (name, password)


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """The real server (its embedded SQLite) with the small demo county and one demo login per role."""
    from shuibao_sync_harness import free_port

    demo = load_tool("demo_server")
    process, url, users = demo.start_demo_server(tmp_path_factory.mktemp("demo-server"), free_port(), small=True)
    yield DemoServer(url, users)
    demo.stop_server(process)


@pytest.fixture
def auth_db(qgis_app):
    """The QGIS authentication database, unlocked; the plugin's credentials are forgotten afterwards."""
    from qgis.core import QgsApplication
    from shuibao.sync import credentials

    manager = QgsApplication.authManager()
    if not manager.masterPasswordIsSet():
        assert manager.setMasterPassword("shuibao-test-master", True)
    yield manager
    credentials.forget()


@pytest.fixture(autouse=True)
def _nobody_logged_in(qgis_app):
    """Each test starts with no server and no identity: whoever acts must log in (see `log_in`)."""
    from qgis.core import QgsSettings

    def clear():
        settings = QgsSettings()
        for key in ("shuibao/identities", "shuibao/server_url"):
            settings.remove(key)

    clear()
    yield
    clear()


@pytest.fixture
def log_in(demo_server, auth_db):
    """`log_in("technician", store)` logs in through the login dialog as the demo user of that role
    (or user name), against the demo server, bound to the store when one is given. Returns the identity."""
    from shuibao_ui_harness import log_in as dialog_log_in

    def run(who: str, store_path=None):
        name, password = demo_server.users[who]
        return dialog_log_in(demo_server.url, name, password, store_path)

    return run


@pytest.fixture
def message_bar(iface):
    """A real message bar for the test (pytest-qgis's stub bar cannot hold widgets), put back after."""
    from qgis.gui import QgsMessageBar

    bar = QgsMessageBar(iface.mainWindow())
    iface.messageBar = lambda: bar
    yield bar
    del iface.messageBar  # the stub's own again, for the tests that read its messages
    bar.deleteLater()


@pytest.fixture
def plugin(iface, message_bar, flush_deletes, qgis_new_project):
    """The plugin as QGIS loads it, with a message bar that holds widgets (sync progress, buttons)."""
    from shuibao import classFactory

    loaded = classFactory(iface)
    loaded.initGui()
    yield loaded
    loaded.unload()
    QgsProject.instance().clear()
    flush_deletes()


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


@pytest.fixture
def docks(iface, small_store, log_in):
    """(make, layers): make(cls, role) opens the dock of `cls` for a user of `role` logged in through
    the login dialog, on the small demo store; open forms and the docks are closed afterwards."""
    from shuibao.layers.project import open_store_in_project
    from shuibao_ui_harness import open_dock

    layers = open_store_in_project(str(small_store), QgsProject.instance(), language="zh")
    made = []

    def make(cls, role: str):
        log_in(role, small_store)
        dock = open_dock(cls, iface)
        dock.show()
        made.append(dock)
        return dock

    yield make, layers
    for dock in made:
        if dock.form is not None:
            dock.form.reject()
        dock.disconnect_all()
        dock.deleteLater()


@pytest.fixture
def provider(qgis_app):
    """The shuibao Processing provider, registered in QGIS's own Processing framework."""
    plugins = "/usr/share/qgis/python/plugins"
    if not Path(plugins, "processing").is_dir():
        pytest.skip("the QGIS processing plugin is not installed")
    if plugins not in sys.path:
        sys.path.append(plugins)
    from processing.core.Processing import Processing
    from shuibao.sync.processing import register_provider, unregister_provider

    Processing.initialize()
    prov = register_provider()
    yield prov
    unregister_provider()
