"""Benchmarks: `python -m bench` runs every `bench/bench_*.py` module's `run(results)`.

Figures land in bench/results/latest.json (a flat mapping name -> number). Set
SHUIBAO_BENCH_SCALE (e.g. 0.1) for a quick, smaller run.
"""
