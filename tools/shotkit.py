"""What the screenshot scripts (tools/*shots.py, tools/*screenshots.py) share, so that each keeps only
its own steps and pictures.

Runner side (the venv's Python): re-run under Xvfb without a display, the demo sync server, a
fresh Chinese QGIS profile, QGIS started with `--code` on a script and waited for until the script
says it is done (or a timeout), its log printed.

QGIS side (QGIS's own Python): the script `run_qgis` writes puts tools/ on sys.path and imports
the names in __all__ from here: log(), later() that turns any exception into a logged traceback
and a "failed" READY (so the runner never waits for a hung QGIS), step()/run_next() for steps in
order, first(), grabbing a widget or the screen, showing a dock. Only the standard library at the
top: QGIS's Python imports this module too.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import os
import shutil
import subprocess  # nosec B404 - fixed argv
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCREEN = "1600x1000"

# The QGIS-side names a script gets (`from shotkit import *` in the text run_qgis writes).
__all__ = [
    "choose_tab",
    "done",
    "first",
    "grab_screen",
    "keep",
    "later",
    "log",
    "main_window",
    "master_password",
    "plugin",
    "run_next",
    "save",
    "show_dock",
    "step",
    "when",
]


# ------------------------------------------------------------------------------------------------
# Runner side
# ------------------------------------------------------------------------------------------------
@functools.cache
def tool(name: str):
    """tools/<name>.py as a module (tools/ is no package)."""
    spec = importlib.util.spec_from_file_location(f"shuibao_tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def parser(doc: str, out: Path) -> argparse.ArgumentParser:
    """The scripts' command line: --out DIR for the pictures (default where the guide wants them)."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--out", type=Path, default=out, help=f"where the pictures go (default {out})")
    return p


def arguments(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The parsed command line, its --out folder made. Without a display this script runs again
    under Xvfb and exits with it: the caller then only ever runs with a screen."""
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        sys.exit(under_xvfb())
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def under_xvfb() -> int:
    """Runs this script again, same arguments, on a virtual screen; returns its exit code."""
    return subprocess.call(["xvfb-run", "-a", "-s", f"-screen 0 {SCREEN}x24", sys.executable, *sys.argv])


def qgis_app():
    """QGIS in the runner itself, for scripts that draw pictures or PDFs before QGIS runs."""
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from qgis.core import QgsApplication

    app = keep(QgsApplication([], False))  # dropped, it would take QGIS down with it
    app.initQgis()
    return app


def cleared(folder: Path, pattern: str) -> Path:
    """`folder`, made, without what matches `pattern` (a store's -wal/-shm and photo folder too)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(pattern):
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    return folder


def fresh_demo_store(path: Path) -> Path:
    """The generated demo county written to `path` afresh (the runner needs qgis_app() first)."""
    demo_data = tool("demo_data")
    cleared(path.parent, path.name + "*")
    demo_data.write_store(path, demo_data.generate())
    return path


@contextmanager
def demo_server(data_dir: Path, port: int, small: bool = False):
    """The demo sync server on a free port near `port`; yields (url, [(name, role, password)])."""
    server = tool("demo_server")
    process, url, users = server.start_demo_server(data_dir, tool("demo")._free_port(port), small=small)
    try:
        yield url, users
    finally:
        server.stop_server(process)


def run_qgis(folder: Path, body: str, /, *, timeout: float = 180, server_url: str = "", **values) -> bool:
    """Runs `body` in QGIS (fresh Chinese demo profile) until it calls done() or fails; True if done.

    Each keyword becomes an upper-case constant of the script (a Path stays a Path). The script,
    its READY file and its log live in `folder`; the log is printed at the end.
    """
    demo = tool("demo")
    folder.mkdir(parents=True, exist_ok=True)
    ready, log_file, script = folder / "ready", folder / "log.txt", folder / "shots.py"
    for f in (ready, log_file):
        f.unlink(missing_ok=True)
    demo.build_translations()
    demo.write_profile(server_url)
    script.write_text(_prefix(ready, log_file, values) + body, encoding="utf-8")
    proc = subprocess.Popen(demo.qgis_command(script), env=demo.qgis_env(), cwd=ROOT)
    try:
        deadline = time.monotonic() + timeout
        while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    if log_file.exists():
        print(log_file.read_text(encoding="utf-8").strip())
    state = ready.read_text(encoding="utf-8") if ready.exists() else f"QGIS did not finish in {timeout:.0f} s"
    if state != "done":
        print(state)
    return state == "done"


def _prefix(ready: Path, log_file: Path, values: dict) -> str:
    lines = [
        "# Written by tools/shotkit.py: QGIS runs it with --code.",
        "import sys",
        "from pathlib import Path",
        f"sys.path.insert(0, {str(ROOT / 'tools')!r})",
        "from shotkit import *  # noqa: F403 - log, later, save, ...",
        "import shotkit",
        f"shotkit.begin(Path({str(ready)!r}), Path({str(log_file)!r}))",
    ]
    for name, value in values.items():
        text = f"Path({str(value)!r})" if isinstance(value, Path) else repr(value)
        lines.append(f"{name.upper()} = {text}")
    return "\n".join(lines) + "\n\n"


# ------------------------------------------------------------------------------------------------
# QGIS side
# ------------------------------------------------------------------------------------------------
_ready: Path | None = None
_log: Path | None = None
_keep: list = []  # Python would collect dialogs and timers nobody else holds
_steps: list = []


def begin(ready: Path, log_file: Path) -> None:
    global _ready, _log
    _ready, _log = ready, log_file


def log(text) -> None:
    with _log.open("a", encoding="utf-8") as f:
        f.write(str(text) + "\n")


def done() -> None:
    _ready.write_text("done")


def later(ms: int, fn) -> None:
    """fn on the event loop after ms; an exception is logged and ends the run as failed."""
    from qgis.PyQt.QtCore import QTimer

    def run():
        try:
            fn()
        except Exception:  # noqa: BLE001 - report to the runner, never hang
            log(traceback.format_exc())
            _ready.write_text("failed")

    QTimer.singleShot(ms, run)


def step(fn):
    """Marks fn as the next step; each step ends by calling run_next()."""
    _steps.append(fn)
    return fn


def run_next(delay: int = 800) -> None:
    def go():
        if not _steps:
            done()
            return
        fn = _steps.pop(0)
        log("step " + fn.__name__)
        fn()

    later(delay, go)


def when(condition, then, timeout: int = 120000, every: int = 250) -> None:
    """then() once condition() holds (a sync task ended, a dialog closed); failed after timeout ms."""
    waited = [0]

    def poll():
        if condition():
            then()
        elif waited[0] > timeout:
            raise TimeoutError(f"waited {timeout} ms for {condition}")
        else:
            waited[0] += every
            later(every, poll)

    later(0, poll)


def keep(obj):
    _keep.append(obj)
    return obj


def plugin():
    from qgis.utils import plugins

    return plugins["shuibao"]


def main_window():
    """QGIS's window at the Xvfb screen's size, so every run lays out the same."""
    from qgis.utils import iface

    window = iface.mainWindow()
    window.setGeometry(0, 0, 1600, 1000)
    window.showMaximized()
    return window


def master_password(password: str) -> None:
    """Set at once, so a login does not open QGIS's own master-password prompt."""
    from qgis.core import QgsApplication

    manager = QgsApplication.authManager()
    if not manager.masterPasswordIsSet():
        manager.setMasterPassword(password, True)


def show_dock(name: str, width: int | None = None):
    from qgis.PyQt.QtCore import Qt
    from qgis.utils import iface

    dock = plugin().dock(name)
    dock.setUserVisible(True)
    dock.raise_()
    if width:
        iface.mainWindow().resizeDocks([dock], [width], Qt.Orientation.Horizontal)
    return dock


def first(layer, expression: str):
    """The first feature matching the expression, or None."""
    from qgis.core import QgsFeatureRequest

    return next(layer.getFeatures(QgsFeatureRequest().setFilterExpression(expression)), None)


def save(widget, path: Path) -> None:
    """The widget as drawn (without the window frame)."""
    widget.grab().save(str(path))
    log(f"saved {Path(path).name}")


def grab_screen(path: Path, area=None) -> None:
    """The whole screen, or the QRect `area` of it: menus and window frames included."""
    from qgis.PyQt.QtGui import QGuiApplication

    screen = QGuiApplication.primaryScreen().grabWindow(0)
    (screen.copy(area) if area is not None else screen).save(str(path))
    log(f"saved {Path(path).name}")


def choose_tab(widget, title: str) -> None:
    """Shows the tab called `title` (its & shortcut marker ignored) in any tab widget inside."""
    from qgis.PyQt.QtWidgets import QTabWidget

    for tabs in widget.findChildren(QTabWidget):
        for i in range(tabs.count()):
            if tabs.tabText(i).replace("&", "") == title:
                tabs.setCurrentIndex(i)
