"""The server installs on its own: wheel -> fresh venv without the plugin -> init, user, serve, sync.

A province admin installs `shuibao-server` from a wheel, with no plugin checkout. These tests
build the wheel from this checkout, install it (with the pinned dependencies) into one new
virtual environment that sees neither the system's packages nor the checkout, and use it as
the admin and a client would: the CLI, then login, push and pull over HTTP; then `import`, which
without the `[import]` extra says what to install, and with it loads a register.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from shuibao.model import MODEL_VERSION
from shuibao_server.testing.helpers import A, dam_values, insert
from shuibao_server.testing.pg import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "long-enough-pw"


def _run(args: list, cwd: Path, env: dict, timeout: int = 300) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _clean_env(tmp_path: Path) -> dict:
    """The environment without this checkout's venv, import paths or server settings."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("SHUIBAO_")}
    env["HOME"] = os.environ.get("HOME", str(tmp_path))
    return env


def _install(tmp_path: Path, env: dict) -> tuple[Path, Path]:
    """Build the wheel and install it into a fresh venv. Returns the venv's bin folder and the wheel."""
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", ROOT / "server", "-w", wheels], tmp_path, env)
    (wheel,) = wheels.glob("shuibao_server-*.whl")
    venv = tmp_path / "venv"
    _run(["/usr/bin/python3", "-m", "venv", "--without-pip", venv], tmp_path, env)
    pip = [sys.executable, "-m", "pip", "--python", venv / "bin" / "python"]
    _run([*pip, "install", "-q", "-c", ROOT / "constraints.txt", wheel], tmp_path, env)
    return venv / "bin", wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict, Path, Path]:
    """(folder, environment, the venv's bin folder, the wheel), made once for this module."""
    tmp = tmp_path_factory.mktemp("install")
    env = _clean_env(tmp)
    bin_dir, wheel = _install(tmp, env)
    return tmp, env, bin_dir, wheel


def _serve(bin_dir: Path, data: Path, env: dict, port: int) -> subprocess.Popen:
    log = open(data / "serve.log", "wb")  # noqa: SIM115 - closed with the process below
    proc = subprocess.Popen(
        [bin_dir / "shuibao-server", "--data-dir", data, "serve", "--port", str(port), "--log-level", "warning"],
        cwd=data, env=env, stdout=log, stderr=log,
    )  # fmt: skip
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, (data / "serve.log").read_text()[-3000:]
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.terminate()
    raise AssertionError("the installed server did not start: " + (data / "serve.log").read_text()[-3000:])


def test_wheel_installs_and_serves_alone(installed, tmp_path):
    home, env, bin_dir, _wheel = installed
    py = bin_dir / "python"
    # The shared model comes from the wheel, and the plugin is not there.
    where = _run([py, "-c", "import shuibao.model as m; print(m.__file__)"], tmp_path, env)
    assert str(home / "venv") in where and str(ROOT) not in where
    probe = subprocess.run([py, "-c", "import shuibao.layers"], cwd=tmp_path, env=env, capture_output=True)
    assert probe.returncode != 0

    data = tmp_path / "data"
    cli = [bin_dir / "shuibao-server", "--data-dir", data]
    assert "database at revision" in _run([*cli, "init"], tmp_path, env)
    _run([*cli, "user", "add", "ann", "--role", "inspector", "--county", A, "--password", PASSWORD], tmp_path, env)

    port = free_port()
    proc = _serve(bin_dir, data, env, port)
    try:
        _login_push_pull(f"http://127.0.0.1:{port}/api/v1")
    finally:
        proc.terminate()
        proc.wait(20)


def _login_push_pull(base: str) -> None:
    r = requests.post(
        f"{base}/auth/login", json={"username": "ann", "password": PASSWORD, "client_id": "w1"}, timeout=10
    )
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['token']}", "X-Shuibao-Model": MODEL_VERSION}
    dam = {**insert("dam", dam_values(A, name="安装坝")), "mutation_id": 1}
    r = requests.post(f"{base}/sync/push", json={"changes": [dam]}, headers=headers, timeout=30)
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "applied", r.text
    r = requests.get(f"{base}/sync/pull", headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    assert [(i["uuid"], i["values"]["name"]) for i in r.json()["items"]] == [(dam["uuid"], "安装坝")]


def test_import_says_what_to_install_then_imports(installed, tmp_path):
    import register_files as rf
    from shuibao_server.testing.helpers import A as county

    _home, env, bin_dir, wheel = installed
    data = tmp_path / "data"
    cli = [bin_dir / "shuibao-server", "--data-dir", data]
    _run([*cli, "init"], tmp_path, env)
    register = rf.write_gpkg(tmp_path / "淤地坝.gpkg", rf.dam_rows(5), epsg=4326)
    args = [*cli, "import", register, "--kind", "dam", "--county", county]

    bare = subprocess.run([str(a) for a in args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert bare.returncode == 1 and "Traceback" not in bare.stderr, bare.stderr
    assert "可选组件 [import]" in bare.stderr and "pip install 'shuibao-server[import]'" in bare.stderr
    assert "geopandas" in bare.stderr and "optional [import] extra" in bare.stderr

    started = time.monotonic()
    pip = [sys.executable, "-m", "pip", "--python", bin_dir / "python"]
    _run([*pip, "install", "-q", "-c", ROOT / "constraints.txt", f"{wheel}[import]"], tmp_path, env)
    print(f"installing the [import] extra took {time.monotonic() - started:.1f} s")
    out = _run([*args, "--apply", "--user", "admin"], tmp_path, env)
    assert "已写入：新增 5，更新 0" in out, out
    out = _run([*args, "--report", tmp_path / "report.xlsx"], tmp_path, env)
    assert "无变化 5" in out and (tmp_path / "report.xlsx").is_file()
