"""Overhead of measuring: the same work run bare and inside mlfootprint's tracker tasks.

Prints the time per call of a small workload (i) bare, (ii) inside one tracker task per
call (measure_once), and (iii) with the repeated protocol (measure_repeated), each as a
ratio to the bare time measured in the same run, interleaved to share the machine's noise.

    .venv/bin/python benchmarks/bench_measure_overhead.py
"""

from __future__ import annotations

import statistics
import time

from mlfootprint import calibration, measure

ROUNDS = 5
CALLS = 200


def bare(work) -> float:
    start = time.perf_counter()
    for _ in range(CALLS):
        work()
    return (time.perf_counter() - start) / CALLS


def per_call_task(work) -> float:
    start = time.perf_counter()
    for _ in range(CALLS):
        measure.measure_once(work)
    return (time.perf_counter() - start) / CALLS


def repeated(work) -> float:
    start = time.perf_counter()
    rec = measure.measure_repeated(work, repeats=2, min_seconds=0.2, warmup=False)
    elapsed = time.perf_counter() - start
    return elapsed / (rec.items_per_repeat * 2)


def main() -> None:
    work = calibration.matmul_work(1, size=128)
    measure.measure_once(work)  # the first tracker start pays for hardware detection
    results = {"bare": [], "one task per call": [], "repeated protocol": []}
    for _ in range(ROUNDS):
        results["bare"].append(bare(work))
        results["one task per call"].append(per_call_task(work))
        results["repeated protocol"].append(repeated(work))
    base = statistics.median(results["bare"])
    print(f"workload: one 128x128 matrix product; {ROUNDS} interleaved rounds, medians")
    for name, values in results.items():
        med = statistics.median(values)
        print(f"{name:20s} {med * 1e6:9.1f} us/call   ratio to bare: {med / base:6.2f}x")


if __name__ == "__main__":
    main()
