"""Experiments about the measuring itself: what the tracker reports, and how stable it is.

Used by the "Measuring" chapter. Each function returns plain records (lists of dicts or
:class:`~mlfootprint.measure.Measurement`), cached under ``data/results/measuring``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import contextmanager

import torch

from . import measure, units, wording
from .checks import integer, number
from .progress import tqdm
from .store import cached
from .threads import torch_threads

MATRIX_SIZE = 256
MAX_SIZE = 4096         # a 4096 x 4096 product is about a second on a laptop core
MAX_FLOPS = 1e13        # one workload: minutes of matrix products at most
MAX_RUNS = 100


def check_work(n_calls: int, size: int = MATRIX_SIZE) -> tuple[int, int]:
    """``n_calls`` and ``size`` checked, and the work they make bounded, before it runs."""
    n_calls = integer("n_calls", n_calls, lo=0)
    size = integer("size", size, lo=1, hi=MAX_SIZE)
    if flops(n_calls, size) > MAX_FLOPS:
        raise ValueError(f"n_calls={n_calls:,} products of {size} x {size} matrices are "
                         f"{units.count(flops(n_calls, size), compact=True)} floating-point operations, "
                         f"more than the {units.count(MAX_FLOPS, compact=True)} allowed (minutes of work); "
                         f"use fewer calls or smaller matrices")
    return n_calls, size


def _check_repeats(repeats: int, min_seconds: float = 0.0) -> None:
    repeats = integer("repeats", repeats, lo=1, hi=measure.MAX_REPEATS)
    min_seconds = number("min_seconds", min_seconds, lo=0, hi=measure.MAX_MIN_SECONDS)
    if repeats * min_seconds > measure.MAX_TOTAL_SECONDS:
        raise ValueError(f"repeats x min_seconds must be at most {measure.MAX_TOTAL_SECONDS:,.0f} s, "
                         f"got {repeats} x {min_seconds:g} s")


def matmul_work(n_calls: int, size: int = MATRIX_SIZE, seed: int = 0):
    """A deterministic CPU workload: ``n_calls`` products of two ``size`` x ``size`` matrices.

    Returns a function that does the work; 2 * size**3 floating-point operations per call.
    """
    n_calls, size = check_work(n_calls, size)
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(size, size, generator=g)
    b = torch.randn(size, size, generator=g)

    def work():
        out = a
        for _ in range(n_calls):
            out = torch.mm(a, b)
        return float(out[0, 0])

    return work


def flops(n_calls: int, size: int = MATRIX_SIZE) -> float:
    return 2.0 * size ** 3 * n_calls


def energy_vs_work(n_calls_list=(0, 1, 3, 10, 30, 100, 300, 1000, 3000), runs: int = 3,
                   size: int = MATRIX_SIZE) -> list[dict]:
    """Measure each amount of work ``runs`` times *without* repeating it to a minimum duration,
    the way a naive user would; returns one row per run."""
    if isinstance(n_calls_list, (str, bytes)) or not hasattr(n_calls_list, "__iter__") or not list(n_calls_list):
        raise TypeError(f"n_calls_list must be a non-empty list of call counts, got {n_calls_list!r:.60}")
    for i, n in enumerate(n_calls_list):
        check_work(integer(f"n_calls_list[{i}]", n, lo=0), size)
    integer("runs", runs, lo=1, hi=MAX_RUNS)
    settings = {"n_calls": list(n_calls_list), "runs": runs, "size": size,
                "threads": torch.get_num_threads()}

    def compute():
        rows = []
        matmul_work(10, size)()  # warm the BLAS library so the first size is not penalised
        for n in tqdm(n_calls_list, desc="energy vs work"):
            work = matmul_work(n, size)
            for run in range(runs):
                _, rec = measure.measure_once(work, label=f"{n} matmuls", settings={"n_calls": n})
                rows.append({"n_calls": n, "flops": flops(n, size), "run": run,
                             "record": rec.to_dict()})
        return rows

    return cached("measuring/energy_vs_work", settings, compute, code=(__name__,))


def repeated_single_runs(n_calls: int = 1000, runs: int = 12, size: int = MATRIX_SIZE) -> list[dict]:
    """The same ~1 s of work measured ``runs`` times, each as one tracker task."""
    check_work(n_calls, size)
    integer("runs", runs, lo=1, hi=MAX_RUNS)
    settings = {"n_calls": n_calls, "runs": runs, "size": size, "threads": torch.get_num_threads()}

    def compute():
        work = matmul_work(n_calls, size)
        work()  # warm-up, excluded
        recs = []
        for _ in tqdm(range(runs), desc="same work, many times"):
            _, rec = measure.measure_once(work, label=f"{n_calls} matmuls", settings=settings)
            recs.append(rec.to_dict())
        return recs

    return cached("measuring/repeated_single_runs", settings, compute,
                  code=(__name__,))


def naive_vs_repeated(size: int = MATRIX_SIZE, repeats: int = 5, min_seconds: float = 1.0) -> dict:
    """One short call measured naively (cold, once) against the repeated protocol."""
    check_work(1, integer("size", size, lo=1, hi=MAX_SIZE - 1))
    _check_repeats(repeats, min_seconds)
    settings = {"size": size, "repeats": repeats, "min_seconds": min_seconds,
                "threads": torch.get_num_threads()}

    def compute():
        # a fresh pair of matrices of a size not used before: the first call pays for allocation
        work = matmul_work(1, size + 1)
        _, naive = measure.measure_once(work, label="one call, measured once, no warm-up")
        rec = measure.measure_repeated(work, label="one call, repeated protocol", repeats=repeats,
                                       min_seconds=min_seconds)
        return {"naive": naive.to_dict(), "repeated": rec.to_dict()}

    return cached("measuring/naive_vs_repeated", settings, compute,
                  code=(__name__,))


def tracking_modes(n_calls: int = 1000, repeats: int = 3, size: int = MATRIX_SIZE,
                   threads: int = 1) -> dict:
    """The same work on ``threads`` torch thread(s), under CodeCarbon's ``machine`` and
    ``process`` tracking modes: {mode: Measurement dict}."""
    check_work(n_calls, size)
    _check_repeats(repeats)
    settings = {"n_calls": n_calls, "repeats": repeats, "size": size, "threads": threads}

    def compute():
        work = matmul_work(n_calls, size)
        out = {}
        with torch_threads(threads):
            for mode in measure.TRACKING_MODES:
                out[mode] = measure.measure_repeated(work, label=f"{mode} mode", repeats=repeats,
                                                     min_seconds=0.0, tracking_mode=mode,
                                                     settings={"threads": threads}).to_dict()
        return out

    return cached("measuring/tracking_modes", settings, compute, code=(__name__,))


def neighbour_effect(n_calls: int = 1000, repeats: int = 3, size: int = MATRIX_SIZE,
                     threads: int = 1) -> dict:
    """The same work measured alone and beside a busy neighbour (another process spinning
    on the CPU), in each tracking mode: {mode: {"alone": dict, "neighbour": dict}}.

    Machine mode charges the whole machine's load, so a neighbour's work is charged to
    ours; process mode counts this process's CPU time only.
    """
    check_work(n_calls, size)
    _check_repeats(repeats)
    settings = {"n_calls": n_calls, "repeats": repeats, "size": size, "threads": threads}

    def compute():
        work = matmul_work(n_calls, size)
        out: dict = {}
        with torch_threads(threads):
            for mode in measure.TRACKING_MODES:
                out[mode] = {}
                for case in ("alone", "neighbour"):
                    with _busy_neighbour(case == "neighbour"):
                        out[mode][case] = measure.measure_repeated(
                            work, label=f"{mode} mode, {case}", repeats=repeats, min_seconds=0.0,
                            tracking_mode=mode, settings={"threads": threads, "case": case}).to_dict()
        return out

    return cached("measuring/neighbour_effect", settings, compute, code=(__name__,))


def neighbour_lesson(results: dict) -> str:
    """The sentence :func:`neighbour_effect`'s records support, chosen by the data:
    ``results`` is {mode: {"alone": Measurement, "neighbour": Measurement}}."""
    mach, proc = results["machine"], results["process"]
    tdp = mach["alone"].cpu_tdp_w
    rise = {m: r["neighbour"].cpu_power_w / max(r["alone"].cpu_power_w, 1e-9) for m, r in results.items()}
    shown = (f"machine mode {units.power(mach['alone'].cpu_power_w)} → "
             f"{units.power(mach['neighbour'].cpu_power_w)}, process mode "
             f"{units.power(proc['alone'].cpu_power_w)} → {units.power(proc['neighbour'].cpu_power_w)}")
    if tdp and mach["alone"].cpu_power_w >= 0.95 * tdp:
        return (f"Machine mode charged the full {units.power(tdp)} even *without* our neighbour ({shown}): "
                f"other programs already kept this machine busy, and machine mode charged their "
                f"load to our work. Process mode charged only our own process's CPU time.")
    verdict = wording.compare(rise["machine"], rise["process"], tolerance=0.1,
                              more="rose more in machine mode than in process mode",
                              less="rose more in process mode than in machine mode",
                              same="moved about as much in both modes")
    return (f"With the neighbour, the CPU power charged to our work {verdict} ({shown}). "
            f"The work's duration also depends on the neighbours (a busy machine runs it slower), "
            f"which is why figures come with their repeats and spread.")


@contextmanager
def _busy_neighbour(active: bool):
    """Another Python process spinning on one CPU thread while the block runs."""
    if not active:
        yield
        return
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)  # let it reach full speed before measuring
        yield
    finally:
        proc.kill()
        proc.wait(timeout=10)


def co2_by_country(energy_kwh: float, codes=("SWE", "FRA", "BRA", "CAN", "GBR", "USA", "DEU",
                                             "CHN", "POL", "IND", "ZAF")) -> list[dict]:
    """The same energy turned into CO2 with each country's grid intensity (CodeCarbon's data)."""
    number("energy_kwh", energy_kwh, lo=0)
    if isinstance(codes, str) or not codes:
        raise TypeError(f"codes must be a list of ISO alpha-3 country codes such as ('FRA', 'USA'), "
                        f"got {codes!r}")
    rows = []
    for code in codes:
        grid = measure.carbon_intensity(code)
        rows.append({"country_iso": grid.country_iso, "country": grid.country_name,
                     "g_per_kwh": grid.g_per_kwh, "year": grid.year,
                     "emissions_g": energy_kwh * grid.g_per_kwh})
    return sorted(rows, key=lambda r: r["g_per_kwh"])
