"""The real server in a subprocess, on a test's database and data folder, reached over a socket."""

from __future__ import annotations

import subprocess
import sys
import time

import requests
from shuibao.model import MODEL_VERSION

from .helpers import PASSWORD
from .pg import free_port


class ServerProcess:
    """`shuibao-server serve` (or the given program, run with the port as its argument) on a free port."""

    def __init__(self, env: dict, program: str | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api/v1"
        if program is not None:
            args = [sys.executable, "-c", program, str(self.port)]
        else:
            args = [sys.executable, "-m", "shuibao_server.cli", "serve", "--host", "127.0.0.1",
                    "--port", str(self.port), "--log-level", "warning"]  # fmt: skip
        self.proc = subprocess.Popen(args, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "server exited at start"
            try:
                if requests.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("server did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(20)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def login(self, username: str, client_id: str = "laptop-1") -> dict:
        body = {"username": username, "password": PASSWORD, "client_id": client_id}
        r = requests.post(self.url + "/auth/login", json=body, timeout=10)
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['token']}", "X-Shuibao-Model": MODEL_VERSION}
