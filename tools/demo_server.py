"""Run the Shuibao sync server with the demo county, and make a store synced from it.

    python tools/demo_server.py [--data-dir build/demo/server] [--port 8765] [--small]

prints the URL and the demo logins and keeps serving until Ctrl-C. ``tools/demo.py`` calls
:func:`start_demo_server` and :func:`first_sync_store`, so that ``make demo`` opens in QGIS a
store downloaded from the running server (both show the same county, 赣县区 360704).

The server gets its data as a real one does where it can: ``shuibao-server init``, then the records
of ``tools/demo_data.py`` (same seed as the QGIS demo) through the server's bulk loader, which applies
them with a push's rules, then ``user add`` for the demo users, then ``serve`` on 127.0.0.1 in the
background. Re-running on the same data dir skips the loading (the server database keeps its data
and the edits made during a demo).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess  # nosec B404 - fixed argv, no shell
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = ROOT / "build" / "demo" / "server"
DEFAULT_PORT = 8765
MARKER = ".demo-imported"
# (user, role, password): the same names as `shuibao-server seed-demo`.
DEMO_USERS = (
    ("demo_inspector", "inspector", "demo-inspector-pass"),
    ("demo_inspector2", "inspector", "demo-inspector2-pass"),
    ("demo_tech", "technician", "demo-tech-pass"),
    ("demo_acceptor", "acceptor", "demo-acceptor-pass"),
    ("demo_admin", "admin", "demo-admin-pass"),
)


def _demo_data():
    name = "shuibao_tools_demo_data"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("demo_data.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def server_command() -> list[str]:
    """argv prefix of the ``shuibao-server`` CLI (the venv's script, else ``python -m``)."""
    script = Path(sys.executable).with_name("shuibao-server")
    if script.is_file():
        return [str(script)]
    found = shutil.which("shuibao-server")
    if found:
        return [found]
    return [sys.executable, "-m", "shuibao_server.cli"]


def _cli(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    argv = [*server_command(), "--data-dir", str(data_dir), *args]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False)  # nosec B603
    if check and out.returncode not in (0,):
        raise RuntimeError(f"{' '.join(args[:2])} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return out


def prepare_data(data_dir: str | Path, *, small: bool = False, seed: int | None = None) -> str:
    """init + import the demo county + demo users (skipped when already done). Returns the county code."""
    demo_data = _demo_data()
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    county = demo_data.COUNTY_CODE
    _cli(data_dir, "init")
    if not (data_dir / MARKER).is_file():
        size = demo_data.DemoSize.small() if small else None
        rejects = load_records(data_dir, county, demo_data.generate(seed or demo_data.DEFAULT_SEED, size))
        if rejects:
            print(f"demo data: {len(rejects)} records were rejected, e.g. {rejects[:3]}", file=sys.stderr)
        (data_dir / MARKER).write_text(county + "\n")
    existing = {line.split("\t", 1)[0] for line in _cli(data_dir, "user", "list").stdout.splitlines() if line}
    for name, role, password in DEMO_USERS:
        if name not in existing:
            _cli(data_dir, "user", "add", name, "--role", role, "--county", county, "--password", password)
    return county


# The last step of an object whose records came before it: (field, last value, the value it is
# loaded at, fields it gains only at the last step). A closed record takes no new ones (model.rules).
LAST_STEPS = (
    ("register_status", "delisted", "registered",
     ("delist_cause", "delist_reason", "delist_document", "delist_authority", "delist_date")),
    ("step", "closed", "rechecked", ()),  # a remote-sensing spot, once its re-check is in
)  # fmt: skip


def load_records(data_dir: Path, county: str, data: dict[str, list[dict]]) -> list[dict]:
    """Every demo record, uuids kept, through the server's bulk loader (a push's rules, with history).

    An object that was de-listed or closed is loaded before it, and closed after its records, as it
    happened in the county. Not `shuibao-server import`: that reads a county's register files, one
    kind at a time, matched by code; the demo county also has inspections, hazards, surveys and
    acceptances under them."""
    from shuibao.model import RECORD_KINDS
    from shuibao_server import db
    from shuibao_server.config import Settings
    from shuibao_server.loader import apply_changes, insert_change, system_principal

    parents = {k.parent for k in RECORD_KINDS.values()}
    changes, closings = [], []
    for kind, records in data.items():
        for r in records:
            last = next((s for s in LAST_STEPS if r.get(s[0]) == s[1]), None)
            if last is None or kind not in parents:
                changes.append(insert_change(kind, r["uuid"], r))
                continue
            field, _value, before_value, gained = last
            before = {**r, **dict.fromkeys(gained), field: before_value}
            changes.append(insert_change(kind, r["uuid"], before))
            fields = {k: {"old": before[k], "new": r[k]} for k in (field, *gained) if r.get(k) is not None}
            closings.append({"kind": kind, "uuid": r["uuid"], "op": "update", "base_rev": 0, "fields": fields})
    engine = db.make_engine(Settings(data_dir=data_dir).url)
    try:
        return apply_changes(engine, system_principal("demo-import", [county]), changes + closings)["rejects"]
    finally:
        engine.dispose()


def wait_healthy(url: str, process: subprocess.Popen | None = None, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/api/v1/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server stopped (exit code {process.returncode})")
        time.sleep(0.2)
    raise RuntimeError(f"the server at {url} did not become healthy in {timeout:.0f} s")


def start_demo_server(
    data_dir: str | Path = DEFAULT_DATA_DIR,
    port: int = DEFAULT_PORT,
    *,
    small: bool = False,
    log_path: str | Path | None = None,
) -> tuple[subprocess.Popen, str, list[tuple[str, str, str]]]:
    """Prepare the demo data, start ``shuibao-server serve`` in the background, wait until healthy.

    Returns ``(process, url, users)`` with users as (name, role, password). Stop the server with
    ``process.terminate()`` (it is the server itself, not a shell).
    """
    data_dir = Path(data_dir).resolve()
    prepare_data(data_dir, small=small)
    url = f"http://127.0.0.1:{int(port)}"
    log_file = open(log_path or data_dir / "server.log", "ab")  # noqa: SIM115 - lives as long as the server
    process = subprocess.Popen(  # nosec B603 - fixed argv
        [*server_command(), "--data-dir", str(data_dir), "serve", "--host", "127.0.0.1", "--port", str(int(port)),
         "--log-level", "warning"],
        stdout=log_file, stderr=log_file, env=dict(os.environ, SHUIBAO_DATA_DIR=str(data_dir)),
    )  # fmt: skip
    log_file.close()  # the child keeps its own descriptor
    try:
        wait_healthy(url, process)
    except RuntimeError:
        stop_server(process)
        raise
    return process, url, [tuple(u) for u in DEMO_USERS]  # type: ignore[misc]


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)


def first_sync_store(url: str, user: str, password: str, path: str | Path, *, overwrite: bool = False):
    """Log in and download the user's counties into a new store at ``path``. Returns the SyncSummary."""
    from shuibao.sync.run import run_sync

    path = Path(path)
    if overwrite:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    summary = run_sync(path, url, username=user, password=password, first=True).summary
    if summary.errors:
        raise RuntimeError("first sync: " + "; ".join(summary.errors))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--small", action="store_true", help="a small county (quick start)")
    args = parser.parse_args(argv)
    print(f"preparing demo data in {args.data_dir} …", flush=True)
    process, url, users = start_demo_server(args.data_dir, args.port, small=args.small)
    print(f"Shuibao demo server: {url}  (API {url}/api/v1, OpenAPI {url}/openapi.json)")
    print("demo logins (user / role / password):")
    for name, role, password in users:
        print(f"  {name:16} {role:11} {password}")
    print("Ctrl-C stops the server.", flush=True)
    try:
        while process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("stopping …")
    finally:
        stop_server(process)
    return process.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
