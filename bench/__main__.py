"""Run every bench/bench_*.py module that has a `run(results: dict)` function."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from .common import merge_results, scale


def main(argv: list[str]) -> int:
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # QGIS parts run headless
    here = Path(__file__).resolve().parent
    names = sorted(p.stem for p in here.glob("bench_*.py"))
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    print(f"benchmarks: {', '.join(names)} (scale {scale():g})")
    for name in names:
        module = importlib.import_module(f"{__package__}.{name}")
        run = getattr(module, "run", None)
        if run is None:
            continue
        results: dict[str, float] = {"bench_scale": scale()}  # figures at scale < 1 are not the real ones
        print(f"--- {name}")
        try:
            run(results)
        finally:
            merge_results(results)  # what was measured before a failure is kept
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
