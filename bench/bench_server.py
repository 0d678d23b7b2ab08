"""Server benchmark: push and pull throughput over HTTP on SQLite and PostGIS, and 50 concurrent clients.

`run(results)` adds:
  server_push_changes_per_s_{sqlite,postgis}   10,000 dam inserts in batches of 500
  server_pull_s_100k_{sqlite,postgis}          seconds to pull 100,000 records (pages of 5,000)
  server_concurrent_*_postgis                  50 clients × 200 changes (batches of 50), 2 workers
SHUIBAO_BENCH_SCALE (e.g. 0.1) shrinks every count.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from shuibao.model import MODEL_VERSION
from shuibao_server import auth, db
from shuibao_server.loader import apply_changes, system_principal
from shuibao_server.testing.helpers import dam_values, insert
from shuibao_server.testing.pg import PgCluster, free_port, pg_bin

COUNTY = "360721"
PASSWORD = "bench-password-1"  # noqa: S105 - throwaway benchmark user


def _scale() -> float:
    return float(os.environ.get("SHUIBAO_BENCH_SCALE", "1") or 1)


class Server:
    """A live uvicorn in a subprocess on 127.0.0.1."""

    def __init__(self, url: str, data_dir: Path, workers: int):
        self.port = free_port()
        env = dict(os.environ, SHUIBAO_DATABASE_URL=url, SHUIBAO_DATA_DIR=str(data_dir), SHUIBAO_MAX_PAGE="5000")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "shuibao_server.app:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(workers), "--log-level", "warning"],
            env=env,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("uvicorn did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _login(http: httpx.Client, username: str) -> dict:
    r = http.post(
        "/api/v1/auth/login", json={"username": username, "password": PASSWORD, "client_id": str(uuid.uuid4())}
    )
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}", "X-Shuibao-Model": MODEL_VERSION}


def _push_all(http: httpx.Client, headers: dict, n: int, batch: int, latencies: list | None = None) -> int:
    """Push n dam inserts; returns the number of non-applied results (errors)."""
    errors = 0
    mid = 1
    for start in range(0, n, batch):
        changes = []
        for _ in range(min(batch, n - start)):
            changes.append({**insert("dam", dam_values(COUNTY)), "mutation_id": mid})
            mid += 1
        t0 = time.perf_counter()
        r = http.post("/api/v1/sync/push", json={"changes": changes}, headers=headers)
        if latencies is not None:
            latencies.append(time.perf_counter() - t0)
        if r.status_code != 200:
            errors += len(changes)
            continue
        errors += sum(1 for x in r.json()["results"] if x["status"] != "applied")
    return errors


def _pull_all(http: httpx.Client, headers: dict) -> int:
    cursor, n = None, 0
    while True:
        params = {"limit": 5000, **({"cursor": cursor} if cursor else {})}
        r = http.get("/api/v1/sync/pull", params=params, headers=headers)
        r.raise_for_status()
        body = r.json()
        n += len(body["items"])
        cursor = body["cursor"]
        if not body["has_more"]:
            return n


def _bench_backend(name: str, url: str, data_dir: Path, results: dict, workers: int, concurrent: bool) -> None:
    scale = _scale()
    engine = db.make_engine(url)
    db.migrate(engine)
    for u in ("bench", *(f"bench{i}" for i in range(50))):
        auth.add_user(engine, u, PASSWORD, "inspector", [COUNTY])
    server = Server(url, data_dir, workers)
    try:
        with httpx.Client(base_url=server.base, timeout=300) as http:
            headers = _login(http, "bench")
            n_push = max(500, int(10_000 * scale))
            t0 = time.perf_counter()
            errors = _push_all(http, headers, n_push, 500)
            dt = time.perf_counter() - t0
            results[f"server_push_changes_per_s_{name}"] = round(n_push / dt, 1)
            print(f"[server/{name}] push {n_push} changes in {dt:.2f}s ({n_push / dt:.0f}/s), {errors} errors")

            n_pull = max(1000, int(100_000 * scale))
            extra = n_pull - n_push
            if extra > 0:  # fill up server-side through the same apply code (faster than HTTP)
                t1 = time.perf_counter()
                changes = [insert("dam", dam_values(COUNTY)) for _ in range(extra)]
                apply_changes(engine, system_principal("bench-seed", [COUNTY]), changes, batch=2000)
                print(f"[server/{name}] seeded {extra} records in {time.perf_counter() - t1:.1f}s")
            t0 = time.perf_counter()
            got = _pull_all(http, headers)
            dt = time.perf_counter() - t0
            results[f"server_pull_s_100k_{name}"] = round(dt, 2)  # for n_pull records when scaled down
            print(f"[server/{name}] pull {got} records in {dt:.2f}s ({got / dt:.0f}/s)")

        if concurrent:
            per_client = max(50, int(200 * scale))
            latencies: list[float] = []
            errors_total = [0]
            lock = threading.Lock()

            with httpx.Client(base_url=server.base, timeout=300) as http:
                tokens = [_login(http, f"bench{i}") for i in range(50)]  # logins (argon2) are not timed
            start = threading.Barrier(51)
            done_at: list[float] = []

            def client(i: int) -> None:
                with httpx.Client(base_url=server.base, timeout=300) as http:
                    http.get("/api/v1/health")  # open the connection before the clock starts
                    start.wait()
                    try:
                        lat: list[float] = []
                        err = _push_all(http, tokens[i], per_client, 50, lat)
                    except httpx.HTTPError:
                        lat, err = [], per_client
                with lock:
                    latencies.extend(lat)
                    errors_total[0] += err
                    done_at.append(time.perf_counter())

            threads = [threading.Thread(target=client, args=(i,)) for i in range(50)]
            for th in threads:
                th.start()
            start.wait()
            t0 = time.perf_counter()
            for th in threads:
                th.join()
            dt = max(done_at) - t0
            total = 50 * per_client
            lat_sorted = sorted(latencies)
            p99 = lat_sorted[min(len(lat_sorted) - 1, int(0.99 * len(lat_sorted)))] if lat_sorted else None
            results[f"server_concurrent_changes_per_s_{name}"] = round(total / dt, 1)
            results[f"server_concurrent_p50_s_{name}"] = round(statistics.median(latencies), 3) if latencies else None
            results[f"server_concurrent_p99_s_{name}"] = round(p99, 3) if p99 is not None else None
            results[f"server_concurrent_errors_{name}"] = errors_total[0]
            print(
                f"[server/{name}] 50 clients × {per_client}: {total / dt:.0f} changes/s, "
                f"p50 {results[f'server_concurrent_p50_s_{name}']}s, p99 {results[f'server_concurrent_p99_s_{name}']}s "
                f"(per request of 50), errors {errors_total[0]}"
            )
    finally:
        server.stop()
        engine.dispose()


def run(results: dict) -> None:
    with tempfile.TemporaryDirectory(prefix="shuibao-bench-") as tmp:
        tmp_path = Path(tmp)
        _bench_backend("sqlite", f"sqlite:///{tmp_path / 'bench.sqlite'}", tmp_path / "sqlite-data", results, 1, False)
        if pg_bin() is None:
            print("[server] PostgreSQL not installed: PostGIS figures skipped")
            return
        with PgCluster() as cluster:
            url = cluster.create_database("bench")
            _bench_backend("postgis", url, tmp_path / "pg-data", results, 2, True)


if __name__ == "__main__":
    out: dict = {}
    run(out)
    print(out)
