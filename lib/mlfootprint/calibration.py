"""The Measuring chapter's experiments on the tracker itself: what it reports and how
stable it is. Each returns plain records, cached under ``data/results/measuring``."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager

import psutil
import torch

from . import compare, measure, units
from .checks import int_list, integer, number
from .progress import tqdm
from .store import cached
from .threads import torch_threads

MATRIX_SIZE = 256
MAX_SIZE = 4096         # a 4096 x 4096 product is about a second on a laptop core
MAX_FLOPS = 1e13        # one workload: minutes of matrix products at most
MAX_RUNS = 100
MAX_THREADS = 64
NEIGHBOUR_SETTLE_S = 0.3   # the busy neighbour runs this long before a measurement starts
NEIGHBOUR_MAX_S = 300.0    # and stops on its own after this long, whatever happens to us


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


def _check_pairs(n_calls: int, size: int, repeats: int, threads: int, min_seconds: float = 0.0,
                 name: str = "repeats") -> dict:
    """The settings of a paired experiment, checked (and its work bounded) before it runs."""
    check_work(n_calls, size)
    repeats = integer(name, repeats, lo=1, hi=measure.MAX_REPEATS)
    min_seconds = number("min_seconds", min_seconds, lo=0, hi=measure.MAX_MIN_SECONDS)
    if repeats * min_seconds > measure.MAX_TOTAL_SECONDS:
        raise ValueError(f"{name} x min_seconds must be at most {measure.MAX_TOTAL_SECONDS:,.0f} s, "
                         f"got {repeats} x {min_seconds:g} s")
    return {"n_calls": n_calls, "pairs": repeats, "size": size,
            "threads": integer("threads", threads, lo=1, hi=MAX_THREADS)}


def _kept(name: str, settings: dict, compute):
    """``compute()`` on the settings' threads, kept by the store under ``measuring/name``."""
    def run():
        with torch_threads(settings["threads"]):
            return compute()

    return cached(f"measuring/{name}", settings, run, code=(__name__,))


def matmul_work(n_calls: int, size: int = MATRIX_SIZE, seed: int = 0):
    """A function doing ``n_calls`` products of two seeded ``size`` x ``size`` matrices
    (2 * size**3 floating-point operations each)."""
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
                   size: int = MATRIX_SIZE, threads: int = 1) -> list[dict]:
    """Measure each amount of work ``runs`` times on ``threads`` torch thread(s) *without*
    repeating it to a minimum duration, the way a naive user would; one row per run."""
    n_calls_list = list(int_list("n_calls_list", n_calls_list, lo=0, example="[0, 10, 100]"))
    for n in n_calls_list:
        check_work(n, size)
    settings = {"n_calls": n_calls_list, "runs": integer("runs", runs, lo=1, hi=MAX_RUNS),
                "size": size, "threads": integer("threads", threads, lo=1, hi=MAX_THREADS)}

    def compute():
        rows = []
        matmul_work(10, size)()  # warm the BLAS library so the first size is not penalised
        for n in tqdm(n_calls_list, desc="energy vs work"):
            work = matmul_work(n, size)
            for run in range(runs):
                _, rec = measure.measure_once(work, label=f"{n} matmuls", settings={"n_calls": n})
                rows.append({"n_calls": n, "flops": flops(n, size), "run": run, "record": rec.to_dict()})
        return rows

    return _kept("energy_vs_work", settings, compute)


def work_charges(rows: list[dict], ram_floor_w: float) -> dict:
    """What :func:`energy_vs_work`'s runs say: the floor (median charge of no work), the power
    charged to the largest runs, the wall time of an empty run the RAM was not charged for, the
    amount whose runs scattered most, how many runs cost less than a run of less work, and the
    runs with the lowest RAM and highest CPU power."""
    number("ram_floor_w", ram_floor_w, lo=0, lo_open=True)
    runs = [(row["n_calls"], measure.Measurement.from_dict(row["record"])) for row in rows]
    empty = [r for n, r in runs if n == 0]
    if not empty or len(runs) == len(empty):
        raise ValueError("work_charges needs runs of no work and runs of some work")
    top = max(n for n, _ in runs)
    spans = {n: sorted(r.energy_j for m, r in runs if m == n) for n in sorted({n for n, _ in runs if n})}
    worst = max(spans, key=lambda n: spans[n][-1] / spans[n][0])
    return {
        "floor_j": statistics.median(r.energy_j for r in empty),
        "empty_s": statistics.median(r.duration_s for r in empty),
        "uncovered_s": statistics.median(max(0.0, r.duration_s - r.ram_energy_kwh * 3.6e6 / ram_floor_w)
                                         for r in empty),
        "power_w": statistics.median(r.energy_j / r.duration_s for n, r in runs if n == top),
        "worst_n": worst, "worst_j": spans[worst],
        # runs charged less than some run of less work
        "crossed": sum(any(e < spans[m][-1] for m in spans if m < n) for n in spans for e in spans[n]),
        "n_runs": len(runs), "n_busy": sum(r.measured_busy for _, r in runs),
        "low_ram": min(runs, key=lambda nr: nr[1].ram_power_w),
        "hot_cpu": max(runs, key=lambda nr: nr[1].cpu_power_w),
    }


def _pairs_dict(pairs: compare.Pairs) -> dict:
    return {"a": [r.to_dict() for r in pairs.a], "b": [r.to_dict() for r in pairs.b]}


def naive_vs_repeated(size: int = MATRIX_SIZE, pairs: int = 3, min_seconds: float = 1.0,
                      threads: int = 1) -> dict:
    """One short call measured naively (cold: matrices of a size not used before, measured
    once) paired with the repeated protocol on warm calls: {"a": cold, "b": repeated}."""
    integer("size", size, lo=1, hi=MAX_SIZE - 100)
    settings = {**_check_pairs(1, size, pairs, threads, min_seconds, "pairs"), "min_seconds": min_seconds}
    sizes = iter(range(size + 1, size + 100))
    warm = matmul_work(1, size)

    def cold():   # each call a size not used before: the first product pays for its set-up
        return measure.measure_once(matmul_work(1, next(sizes)), label="one call, measured once, cold")

    def repeated():
        return measure.measure_repeated(warm, label="one call, repeated protocol", repeats=1,
                                        min_seconds=min_seconds)

    return _kept("naive_vs_repeated", settings,
                 lambda: _pairs_dict(compare.measure_pairs(cold, repeated, pairs=pairs)))


def tracking_modes(n_calls: int = 1000, repeats: int = 3, size: int = MATRIX_SIZE,
                   threads: int = 1) -> dict:
    """The same work in ``machine`` mode (A) and ``process`` mode (B), in interleaved pairs."""
    settings = _check_pairs(n_calls, size, repeats, threads)
    one = _in_mode(matmul_work(n_calls, size), threads)
    return _kept("tracking_modes", settings, lambda: _pairs_dict(
        compare.measure_pairs(one("machine"), one("process"), pairs=repeats)))


def _in_mode(work, threads: int):
    """``one(mode, beside)``: a callable measuring ``work`` once in ``mode``, returning its record."""
    def one(mode: str, beside: bool | None = None):
        extra = {} if beside is None else {"neighbour": beside}

        def run():
            with busy_neighbour(bool(beside)):
                return measure.measure_once(work, label=f"{mode} mode", tracking_mode=mode,
                                            settings={"threads": threads, **extra})[1]
        return run

    return one


def neighbour_effect(n_calls: int = 1000, repeats: int = 3, size: int = MATRIX_SIZE,
                     threads: int = 1) -> dict:
    """The same work measured alone (A) and beside a busy neighbour (B), in ``repeats``
    interleaved pairs, in each tracking mode: {mode: {"a": [...], "b": [...]}}. Machine mode
    charges a neighbour's work to ours; process mode counts this process's CPU time (and its
    children's: the neighbour is not one, see :func:`busy_neighbour`)."""
    settings = _check_pairs(n_calls, size, repeats, threads)
    one = _in_mode(matmul_work(n_calls, size), threads)
    return _kept("neighbour_effect", settings, lambda: {
        mode: _pairs_dict(compare.measure_pairs(one(mode, False), one(mode, True), pairs=repeats))
        for mode in measure.TRACKING_MODES})


def aa_noise(pairs: int = 3, short_seconds: float = 0.5, long_calls: int = 3000,
             threads=(1, 2), size: int = MATRIX_SIZE) -> list[dict]:
    """The same work paired with itself (an A/A test) with :func:`compare.measure_pairs`:
    short work (one matrix product, in one window of ``short_seconds``, per product) and long
    work (``long_calls`` products measured once), on each number of ``threads``, alone and
    beside a busy neighbour. One row per condition: {"work", "threads", "neighbour", "a", "b"}."""
    pairs = integer("pairs", pairs, lo=2, hi=20)
    short_seconds = number("short_seconds", short_seconds, lo=0.05, hi=5.0)
    check_work(long_calls, size)
    threads = list(int_list("threads", threads, hi=MAX_THREADS, example="(1, 2)"))
    settings = {"pairs": pairs, "short_seconds": short_seconds, "long_calls": long_calls,
                "threads": threads, "size": size, "neighbour_s": NEIGHBOUR_SETTLE_S}
    one, long = matmul_work(1, size), matmul_work(long_calls, size)
    kinds = {"short": lambda: measure.measure_repeated(one, label="one product", repeats=1,
                                                       min_seconds=short_seconds),
             "long": lambda: measure.measure_once(long, label=f"{long_calls} products")}

    def compute():
        rows = []
        for (kind, run), t, beside in tqdm([(k, t, b) for k in kinds.items() for t in threads
                                            for b in (False, True)], desc="A/A pairs"):
            with torch_threads(t), busy_neighbour(beside):
                matmul_work(10, size)()  # warm the matrix library at this thread count
                p = compare.measure_pairs(run, run, pairs=pairs, warmup=False)
            rows.append({"work": kind, "threads": t, "neighbour": beside, **_pairs_dict(p)})
        return rows

    return cached("measuring/aa_noise", settings, compute, code=(__name__,))


def aa_summary(rows: list[dict]) -> list[dict]:
    """Each A/A condition judged by the course's rule: the verdict, every pair's ratio, and
    how busy the machine was (other processes' share of its CPU, over the records)."""
    out = []
    for row in rows:
        a, b = ([measure.Measurement.from_dict(r) for r in row[k]] for k in "ab")
        known = [r.busy_share for r in a + b if r.busy_share is not None]
        a, b = [r.energy_kwh for r in a], [r.energy_kwh for r in b]
        out.append({"work": row["work"], "threads": row["threads"], "neighbour": row["neighbour"],
                    "verdict": compare.verdict(a, b), "ratios": [x / y for x, y in zip(a, b)],
                    "busy_low": min(known) if known else None, "busy_high": max(known) if known else None})
    return out


@contextmanager
def busy_neighbour(active: bool = True, *, max_seconds: float = NEIGHBOUR_MAX_S):
    """Another Python process spinning on one CPU thread while the block runs, stopped when
    the block ends (also on an error), and on its own after ``max_seconds`` at the latest.
    It is started through a short-lived go-between, so that it is *not* a child of this
    process: CodeCarbon's process mode counts its children's CPU time as its own."""
    max_seconds = number("max_seconds", max_seconds, lo=0.1, hi=3600)
    if not active:
        yield None
        return
    spin = f"import time\nend = time.monotonic() + {max_seconds!r}\nwhile time.monotonic() < end: pass"
    starter = ("import subprocess, sys\n"
               "p = subprocess.Popen([sys.executable, '-c', sys.argv[1]], start_new_session=True, "
               "stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
               "print(p.pid)")
    out = subprocess.run([sys.executable, "-c", starter, spin], capture_output=True, text=True,
                         timeout=30, check=True)
    proc = psutil.Process(int(out.stdout))
    try:
        time.sleep(NEIGHBOUR_SETTLE_S)  # let it reach full speed before measuring
        yield proc.pid
    finally:
        _stop(proc)


def _stop(proc: psutil.Process, timeout: float = 10.0) -> None:
    """Kill ``proc`` and wait until it stops (a zombie is stopped: not our child to reap)."""
    try:
        proc.kill()
        deadline = time.monotonic() + timeout
        while proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the busy neighbour (process {proc.pid}) did not stop")
            time.sleep(0.01)
    except psutil.NoSuchProcess:
        pass


def clock_ticks_per_second() -> int:
    """How finely the kernel counts a process's CPU time (what process mode reads): ticks per second."""
    return int(os.sysconf("SC_CLK_TCK"))


def co2_by_country(energy_kwh: float, codes=("SWE", "FRA", "BRA", "CAN", "GBR", "USA", "DEU",
                                             "CHN", "POL", "IND", "ZAF")) -> list[dict]:
    """The same energy turned into CO2 with each country's grid intensity (CodeCarbon's data)."""
    number("energy_kwh", energy_kwh, lo=0)
    if isinstance(codes, str) or not codes:
        raise TypeError(f"codes must be a list of ISO alpha-3 country codes such as ('FRA', 'USA'), "
                        f"got {codes!r}")
    grids = sorted((measure.carbon_intensity(code) for code in codes), key=lambda g: g.g_per_kwh)
    return [{"country_iso": g.country_iso, "country": g.country_name, "g_per_kwh": g.g_per_kwh,
             "year": g.year, "emissions_g": energy_kwh * g.g_per_kwh} for g in grids]
