"""What Binder's preparation buys: a chapter's first Run All with and without it.

Each phase gets its own empty results store and Hub cache (temporary folders), as a fresh
image would:

1. **without**: each chapter executed on an empty store, one store per chapter (a learner
   may open any chapter first, and pays for whatever it needs);
2. **prepare**: ``binder/prepare.py`` (what postBuild runs) on an empty store: its time,
   and what it adds to the store and the Hub cache;
3. **with**: each chapter executed on the prepared store (a learner's first Run All in a
   prepared image);
4. **warm**: each chapter again on the same store (the second Run All).

Printed per chapter: the three times and the ratios without/with and with/warm (the
baseline, warm, is measured in the same run). The postBuild steps before prepare.py (two
pip installs with no dependencies, copying three settings files) are not timed here.

    .venv/bin/python benchmarks/bench_first_run.py [--chapters classification generation text]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "binder"))

from prepare import BOOK, chapters, run_chapter  # noqa: E402


def fresh(prefix: str) -> dict:
    """Point the store and the Hub cache at new empty folders (kernels inherit them)."""
    folder = Path(tempfile.mkdtemp(prefix=f"first-run-{prefix}-"))
    env = {"MLFOOTPRINT_DATA": str(folder / "data"), "HF_HOME": str(folder / "hf")}
    os.environ.update(env)
    return env


def timed(path: Path) -> float:
    start = time.perf_counter()
    run_chapter(path)
    return time.perf_counter() - start


def size_mb(folder: str) -> float:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chapters", nargs="+", default=["classification", "generation", "text"],
                        help="chapter names (book/<name>.md)")
    args = parser.parse_args()
    known = {p.stem: p for p in chapters()}
    unknown = [c for c in args.chapters if c not in known]
    if unknown:
        parser.error(f"no chapter with code named {unknown}; choose from {sorted(known)}")
    paths = [known[c] for c in args.chapters]

    without = {}
    for path in paths:
        fresh(f"without-{path.stem}")
        without[path.stem] = timed(path)
        print(f"without preparation: {path.stem} {without[path.stem]:.0f} s", flush=True)

    env = fresh("prepared")
    start = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "binder" / "prepare.py")], check=True, cwd=ROOT,
                   env=os.environ.copy())
    prepare_s = time.perf_counter() - start
    print(f"prepare.py: {prepare_s:.0f} s; it added {size_mb(env['MLFOOTPRINT_DATA']):.0f} MB to the "
          f"store and {size_mb(env['HF_HOME']):.0f} MB to the Hub cache", flush=True)

    prepared = {p.stem: timed(p) for p in paths}
    warm = {p.stem: timed(p) for p in paths}
    print(f"\n{'chapter':16s} {'without':>9s} {'with':>9s} {'warm':>9s} {'without/with':>13s} {'with/warm':>10s}")
    for path in paths:
        name = path.stem
        print(f"{name:16s} {without[name]:8.0f}s {prepared[name]:8.0f}s {warm[name]:8.0f}s "
              f"{without[name] / prepared[name]:13.1f} {prepared[name] / warm[name]:10.2f}")
    print(f"(book: {BOOK}; each 'without' on its own empty store)")
    return 0


if __name__ == "__main__":
    start = time.perf_counter()
    rc = main()
    print(f"benchmark took {time.perf_counter() - start:.0f} s")
    sys.exit(rc)
