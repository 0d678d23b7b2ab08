"""`make demo`: start the sync server with the demo county, download it into a store, open QGIS.

    .venv/bin/python tools/demo.py [--no-qgis] [--no-server] [--locale zh|en] [--screenshot] [--seed N]

The server (tools/demo_server.py: `shuibao-server` on its embedded SQLite, data in
build/demo/server) serves 赣县区 (360704) on http://127.0.0.1:8765 with the demo logins it
prints. The store build/demo/ganxian.gpkg is a first sync of `demo_inspector`, so the Sync
button works at once. A store with edits not yet sent is kept, never replaced. Without the
server package (or with --no-server) the store is written straight from the generator.

Without a DISPLAY it re-runs itself under Xvfb, waits until QGIS has drawn the map, saves
build/demo/screenshot.png with ImageMagick's `import -window root`, and stops QGIS. With a
display QGIS stays open until you close it.

QGIS runs with a fresh profile in build/demo-profile (Chinese locale, the plugin enabled) and
finds the plugin through QGIS_PLUGINPATH=build/importroot, where tools/dev_link.py put the
`shuibao` link to this checkout. Its `--code` option runs build/demo/startup.py, which asks the
plugin to open the store.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
DEMO = BUILD / "demo"
PROFILES = BUILD / "demo-profile"
STORE = DEMO / "ganxian.gpkg"
SCREENSHOT = DEMO / "screenshot.png"
READY = DEMO / "qgis-ready"
LOG = DEMO / "startup.log"
SCREEN = "1600x1000"

QGIS_INI = """[PythonPlugins]
shuibao=true

[locale]
userLocale={locale}
overrideFlag=true
globalLocale={global_locale}

[qgis]
showTips{tips}=false
checkVersion=false
allowVersionCheck=false
newProjectDefault=false

[app]
system\\firstRunVersionFlag={version}

[shuibao]
server_url={server_url}

[core]
NewsFeed\\https%3A%2F%2Ffeed.qgis.org\\disabled=true
"""

# Runs inside QGIS (its own Python), so it may only use QGIS and the standard library.
STARTUP = r"""
import traceback
from pathlib import Path

from qgis.core import QgsCoordinateReferenceSystem, QgsFeatureRequest, QgsProject, QgsRectangle
from qgis.PyQt.QtCore import QTimer, Qt
from qgis.PyQt.QtWidgets import QDockWidget
from qgis.utils import iface, plugins

STORE = {store!r}
IDENTITY = {identity!r}  # (server URL, what the server says about the demo store's user) or None
READY = Path({ready!r})
LOG = Path({log!r})
WIDTH, HEIGHT = {width}, {height}
_keep = []


def log(text):
    with LOG.open("a", encoding="utf-8") as f:
        f.write(text + "\n")


def mark_ready():
    READY.write_text("drawn")
    log("ready")


def open_store():
    try:
        window = iface.mainWindow()
        window.setGeometry(0, 0, WIDTH, HEIGHT)
        window.showMaximized()
        plugin = plugins.get("shuibao")
        if plugin is None:
            log("the shuibao plugin is not loaded; plugins: %s" % sorted(plugins))
            mark_ready()
            return
        if IDENTITY:  # the laptop's last login: the user who downloaded the demo store
            from shuibao import settings

            settings.remember_identity(*IDENTITY)
        layers = plugin.open_store(path=STORE)
        log("opened %d layers" % len(layers))
        for dock in plugin.docks:
            dock.setUserVisible(True)
            dock.reload()
        window.resizeDocks(plugin.docks, [430] * len(plugin.docks), Qt.Horizontal)
        browser = window.findChild(QDockWidget, "Browser")
        if browser is not None:
            browser.hide()
        dam_dock = plugin.dock("ShuibaoDamDock")
        if dam_dock is not None:
            dam_dock.raise_()
        # QGIS zooms to the first layers once the event loop runs: zoom afterwards.
        QTimer.singleShot(1500, lambda: zoom(layers))
    except Exception:  # noqa: BLE001 - report anything to the demo runner
        log(traceback.format_exc())
        mark_ready()


def zoom(layers):
    try:
        # Measure and draw in the CGCS2000 3-degree Gauss-Kruger zone of the county (CM 114°E).
        QgsProject.instance().setCrs(QgsCoordinateReferenceSystem("EPSG:4547"))
        canvas = iface.mapCanvas()
        shed = layers.get("watershed")
        if shed is not None and shed.featureCount():
            feature = next(shed.getFeatures())
            canvas.zoomToFeatureIds(shed, [feature.id()])
            canvas.zoomByFactor(1.05)
        QgsProject.instance().setDirty(False)
        canvas.mapCanvasRefreshed.connect(lambda: QTimer.singleShot(2500, mark_ready))
        canvas.refreshAllLayers()  # reloads the layers, which drops their selection: select afterwards
        dams = layers.get("dam")
        if dams is not None and shed is not None and shed.featureCount():
            # A dangerous dam inside the watershed: its detail shows inspections and open hazards.
            request = QgsFeatureRequest().setFilterExpression("hazard_status = 'dangerous'")
            request.setFilterRect(feature.geometry().boundingBox())  # both layers are in EPSG:4490
            dam = next(dams.getFeatures(request), None)
            if dam is not None:
                dams.selectByIds([dam.id()])
            log("selected dam: %s" % (dam["name"] if dam is not None else None))
        QTimer.singleShot(45000, mark_ready)  # draw or not, do not hang the demo
    except Exception:  # noqa: BLE001 - report anything to the demo runner
        log(traceback.format_exc())
        mark_ready()


_timer = QTimer()
_timer.setSingleShot(True)
_timer.timeout.connect(open_store)
_timer.start(1500)
_keep.append(_timer)
"""


def _load_tool(name: str):
    spec = importlib.util.spec_from_file_location(f"shuibao_tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def build_store(seed: int) -> Path:
    demo_data = _load_tool("demo_data")
    DEMO.mkdir(parents=True, exist_ok=True)
    data = demo_data.generate(seed)
    problems = demo_data.problems(data)
    if problems:
        print("demo data problems:", *problems[:10], sep="\n  ")
    demo_data.write_store(STORE, data)
    counts = ", ".join(f"{k} {len(v)}" for k, v in data.items())
    print(f"demo store {STORE.relative_to(ROOT)}: {counts}")
    return STORE


def build_translations() -> None:
    build_zip = _load_tool("build_zip")
    build_zip.release_translations(ROOT)


DEMO_PORT = 8765
DEMO_USER, DEMO_PASSWORD = "demo_inspector", "demo-inspector-pass"


def _free_port(preferred: int) -> int:
    import socket

    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port")


def start_server_if_available() -> tuple[subprocess.Popen, str] | None:
    """Start the demo sync server (embedded SQLite, demo county, demo users) in the background."""
    if importlib.util.find_spec("shuibao_server") is None:
        print("shuibao_server is not installed: the demo runs without a sync server")
        return None
    demo_server = _load_tool("demo_server")
    print("starting the demo sync server …", flush=True)
    process, url, users = demo_server.start_demo_server(DEMO / "server", _free_port(DEMO_PORT))
    print(f"sync server {url} (OpenAPI {url}/openapi.json, log build/demo/server/server.log)")
    print("demo logins (user / role / password):")
    for name, role, password in users:
        print(f"  {name:16} {role:11} {password}")
    return process, url


def _unsent_edits(path: Path) -> int:
    """Edits of a store synced with a server that are not sent yet (0 for a never-synced store)."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            if not conn.execute("SELECT 1 FROM sb_meta WHERE key = 'sync.server_url'").fetchone():
                return 0
            return conn.execute("SELECT count(*) FROM sb_change WHERE synced_at IS NULL").fetchone()[0]
    except sqlite3.Error:
        return 0


def sync_store(url: str) -> Path:
    """The demo store as a first sync from the server; a store with unsent edits is kept."""
    pending = _unsent_edits(STORE) if STORE.exists() else 0
    if pending:
        print(f"keeping {STORE.relative_to(ROOT)}: it holds {pending} edits not yet synced (press Sync in QGIS)")
        return STORE
    demo_server = _load_tool("demo_server")
    summary = demo_server.first_sync_store(url, DEMO_USER, DEMO_PASSWORD, STORE, overwrite=True)
    print(f"demo store {STORE.relative_to(ROOT)}: first sync as {DEMO_USER}, {summary.received} records received")
    return STORE


def write_profile(server_url: str = "", locale: str = "zh") -> None:
    from qgis.core import Qgis

    profile = PROFILES / "profiles" / "default" / "QGIS"
    if PROFILES.exists():
        shutil.rmtree(PROFILES)
    profile.mkdir(parents=True)
    version = Qgis.QGIS_VERSION_INT
    (profile / "QGIS3.ini").write_text(
        QGIS_INI.format(
            tips=version // 100,
            version=version,
            server_url=server_url,
            locale="zh-Hans" if locale == "zh" else "en_US",
            global_locale="zh_CN" if locale == "zh" else "en_US",
        ),
        encoding="utf-8",
    )
    (PROFILES / "profiles" / "profiles.ini").write_text("[core]\ndefaultProfile=default\n", encoding="utf-8")


def demo_identity(url: str) -> tuple[str, dict]:
    """What the server says about the demo store's user, as a login on the laptop would keep it."""
    from shuibao.sync.api import ApiClient

    api = ApiClient(url, retries=1)
    try:
        user = api.login(DEMO_USER, DEMO_PASSWORD, "demo-profile")["user"]
    finally:
        api.close()
    return url, dict(user)


def write_startup(identity: tuple[str, dict] | None = None) -> Path:
    width, height = (int(x) for x in SCREEN.split("x"))
    script = DEMO / "startup.py"
    script.write_text(
        STARTUP.format(store=str(STORE), identity=identity, ready=str(READY), log=str(LOG), width=width,
                       height=height),
        encoding="utf-8",
    )  # fmt: skip
    return script


def qgis_command(script: Path) -> list[str]:
    return [
        "qgis",
        "--profiles-path", str(PROFILES),
        "--profile", "default",
        "--nologo",
        "--noversioncheck",
        "--code", str(script),
    ]  # fmt: skip


def qgis_env() -> dict[str, str]:
    env = dict(os.environ)
    env["QGIS_PLUGINPATH"] = str(BUILD / "importroot")
    env["QT_QPA_PLATFORM"] = "xcb"  # the Makefile exports offscreen for the tests
    env.setdefault("LANG", "C.UTF-8")
    return env


def run_qgis(screenshot: bool, timeout: float = 180.0, identity: tuple[str, dict] | None = None) -> int:
    script = write_startup(identity)
    for f in (READY, LOG):
        f.unlink(missing_ok=True)
    proc = subprocess.Popen(qgis_command(script), env=qgis_env(), cwd=ROOT)  # noqa: S603
    if not screenshot:
        return proc.wait()
    try:
        deadline = time.monotonic() + timeout
        while not READY.exists():
            if proc.poll() is not None:
                print(f"QGIS exited early with {proc.returncode}")
                break
            if time.monotonic() > deadline:
                print("QGIS did not report a drawn map in time; taking the screenshot anyway")
                break
            time.sleep(0.5)
        subprocess.run(["import", "-window", "root", str(SCREENSHOT)], check=True, env=qgis_env())  # noqa: S603
        print(f"screenshot {SCREENSHOT.relative_to(ROOT)}")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if LOG.exists():
            print(LOG.read_text(encoding="utf-8").strip())
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=360704)
    parser.add_argument("--no-qgis", action="store_true", help="only build the demo store")
    parser.add_argument("--screenshot", action="store_true", help="save a screenshot and stop QGIS")
    parser.add_argument("--no-server", action="store_true", help="no sync server; write the store directly")
    parser.add_argument("--locale", choices=("zh", "en"), default="zh", help="QGIS and plugin language")
    parser.add_argument("--skip-store", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if not os.environ.get("DISPLAY") and not args.no_qgis:
        if shutil.which("xvfb-run") is None:
            sys.exit("no DISPLAY and no xvfb-run: install xvfb or run with --no-qgis")
        command = [sys.executable, __file__, "--screenshot", "--seed", str(args.seed)]
        command += ["--no-server"] if args.no_server else []
        command += ["--locale", args.locale]
        return subprocess.call(["xvfb-run", "-a", "-s", f"-screen 0 {SCREEN}x24", *command])  # noqa: S603

    server = None if args.no_server else start_server_if_available()
    try:
        if server is not None:
            sync_store(server[1])
        elif not args.skip_store:
            build_store(args.seed)
        if args.no_qgis:
            return 0
        build_translations()
        write_profile(server[1] if server else "", args.locale)
        return run_qgis(args.screenshot, identity=demo_identity(server[1]) if server else None)
    finally:
        if server is not None:
            _load_tool("demo_server").stop_server(server[0])


if __name__ == "__main__":
    sys.exit(main())
