"""Full-book build: cold (empty caches) against warm (everything cached), time and peak memory.

The book is copied to a temporary folder and built twice with ``jupyter-book build``:

1. **cold**: an empty jupyter-cache (a fresh ``_build``) *and* an empty results cache
   (``MLFOOTPRINT_DATA`` pointing at an empty folder), so every chapter executes and
   every experiment trains or measures from scratch, as on a fresh clone;
2. **warm**: the same command again, which should re-execute nothing.

While each build runs, the process tree is sampled (psutil, every 0.2 s) for the peak
resident memory of each Jupyter kernel (a chapter's kernel, with any worker processes it
forked) and of the whole tree.
It prints both times, the warm/cold ratio, the peaks, and whether the book meets the
publishing limits (cold build within 12 minutes on this 2-core machine, no chapter kernel
above 2 GB). Timings are noisy when other work shares the CPU: say so when quoting them.

    python benchmarks/bench_book_build.py [--book book] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
COLD_LIMIT_S = 12 * 60
KERNEL_LIMIT_BYTES = 2 * 1024**3


@dataclass
class BuildRun:
    label: str
    seconds: float = 0.0
    returncode: int = 0
    peak_tree_bytes: int = 0
    peak_kernel_bytes: dict[int, int] = field(default_factory=dict)  # pid -> peak RSS
    executed: dict[str, float] = field(default_factory=dict)  # page -> execution seconds
    log_tail: str = ""

    @property
    def peak_kernel(self) -> int:
        return max(self.peak_kernel_bytes.values(), default=0)


def _is_kernel(proc: psutil.Process) -> bool:
    try:
        return any("ipykernel" in part for part in proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def _sample(root: psutil.Process, run: BuildRun, stop: threading.Event) -> None:
    """Peak RSS of the whole tree, and of each kernel counted with its own children
    (workers forked by a chapter belong to its kernel; shared pages are counted in each
    process, so this errs high)."""
    while not stop.is_set():
        try:
            procs = [root] + root.children(recursive=True)
        except psutil.NoSuchProcess:
            return
        rss, parent, kernel = {}, {}, {}
        for proc in procs:
            try:
                rss[proc.pid] = proc.memory_info().rss
                parent[proc.pid] = proc.ppid()
                kernel[proc.pid] = _is_kernel(proc)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
        run.peak_tree_bytes = max(run.peak_tree_bytes, sum(rss.values()))
        totals: dict[int, int] = {}
        for pid in rss:
            top, p = None, pid  # the outermost kernel above (or at) this process
            while p in rss:
                if kernel.get(p):
                    top = p
                p = parent.get(p)
            if top is not None:
                totals[top] = totals.get(top, 0) + rss[pid]
        for pid, total in totals.items():
            run.peak_kernel_bytes[pid] = max(run.peak_kernel_bytes.get(pid, 0), total)
        stop.wait(0.2)


def build(book: Path, env: dict, label: str) -> BuildRun:
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", str(book)]
    run = BuildRun(label)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, cwd=book.parent)
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(psutil.Process(proc.pid), run, stop),
                               daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    run.seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    run.returncode = proc.returncode
    run.log_tail = out[-3000:]
    # myst-nb logs "<path>.md: Executed notebook in 1.28 seconds [mystnb]" per executed page
    run.executed = {Path(path).stem: float(sec) for path, sec in
                    re.findall(r"(\S+): Executed notebook in ([\d.]+) seconds", out)}
    return run


def gib(n: int) -> str:
    return f"{n / 1024**3:.2f} GiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", type=Path, default=ROOT / "book", help="book to copy and build")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-book-"))
    try:
        book = tmp / "book"
        shutil.copytree(args.book, book, ignore=shutil.ignore_patterns("_build"))
        data = tmp / "data"  # empty results cache
        data.mkdir()
        env = dict(os.environ, MLFOOTPRINT_DATA=str(data), MPLBACKEND="Agg",
                   TOKENIZERS_PARALLELISM="false", HF_HUB_DISABLE_TELEMETRY="1")
        print(f"building a copy of {args.book} in {tmp} (results cache: {data}); "
              f"{psutil.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")

        runs = []
        for label in ("cold", "warm"):
            run = build(book, env, label)
            runs.append(run)
            print(f"{label:>5}: {run.seconds:7.1f} s, exit {run.returncode}, "
                  f"{len(run.executed)} notebooks executed, peak kernel {gib(run.peak_kernel)}, "
                  f"peak process tree {gib(run.peak_tree_bytes)}")
            kernels = list(run.peak_kernel_bytes.values())  # in start order = execution order
            names = list(run.executed) if len(run.executed) == len(kernels) else \
                [f"kernel {i + 1}" for i in range(len(kernels))]
            for i, name in enumerate(names):
                secs = run.executed.get(name)
                print(f"         {name:<16} {'' if secs is None else f'{secs:7.1f} s'}"
                      f"  peak {gib(kernels[i])}")
            if run.returncode != 0:
                print(run.log_tail)
                return 1
        cold, warm = runs
        print(f"warm/cold time ratio: {warm.seconds / cold.seconds:.3f} "
              f"(cold is {cold.seconds / max(warm.seconds, 1e-9):.1f}x the warm build)")
        print(f"cold build within {COLD_LIMIT_S / 60:.0f} min: "
              f"{'yes' if cold.seconds <= COLD_LIMIT_S else 'NO'}; "
              f"every kernel under {gib(KERNEL_LIMIT_BYTES)}: "
              f"{'yes' if cold.peak_kernel <= KERNEL_LIMIT_BYTES else 'NO'}")
        print(f"load average after: {os.getloadavg()[0]:.2f} (other work on the machine "
              "inflates these times)")
        return 0
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
