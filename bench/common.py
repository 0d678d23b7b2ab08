"""Helpers shared by the benchmark modules."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LATEST = RESULTS_DIR / "latest.json"


def scale() -> float:
    """Size factor from SHUIBAO_BENCH_SCALE (default 1.0 = the full benchmark)."""
    try:
        value = float(os.environ.get("SHUIBAO_BENCH_SCALE", "1"))
    except ValueError:
        value = 1.0
    return max(value, 0.001)


def scaled(n: int, minimum: int = 100) -> int:
    return max(int(n * scale()), minimum)


@contextmanager
def timer() -> Iterator[list[float]]:
    """``with timer() as t: ...`` then ``t[0]`` holds the elapsed wall seconds, ``t[1]`` the CPU seconds."""
    box: list[float] = [0.0, 0.0]
    start, cpu = time.perf_counter(), time.process_time()
    try:
        yield box
    finally:
        box[0] = time.perf_counter() - start
        box[1] = time.process_time() - cpu


def merge_results(figures: dict[str, float], path: Path = LATEST) -> dict[str, float]:
    """Merge figures into the results file (flat name -> number), print them, return the whole file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data: dict[str, float] = {}
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
    for name, value in figures.items():
        data[name] = round(float(value), 6)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    width = max((len(n) for n in figures), default=0)
    for name in sorted(figures):
        print(f"{name:<{width}}  {data[name]:g}")
    return data
