"""Execute one chapter of the book as a notebook, outside the book build.

    .venv/bin/python tools/run_chapter.py classification [--out /tmp/me] [--timeout 1800]

Writes the executed notebook to ``<out>/<chapter>.ipynb`` and prints how long each cell
took and any error. The chapter runs in ``book/`` (as in the build) and reads and writes
results under ``data/`` (or ``$MLFOOTPRINT_DATA``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from mlfootprint.lab import execute_chapter

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", help="page name in book/ (without .md)")
    parser.add_argument("--out", default="/tmp/chapters", help="folder for the executed notebook")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args()
    path = ROOT / "book" / f"{args.chapter}.md"
    if not path.is_file():
        print(f"no chapter {path}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    nb, error = execute_chapter(path, args.timeout)
    rc = 0
    if error is not None:
        print(f"cell failed:\n{error}", file=sys.stderr)
        rc = 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out / f"{args.chapter}.ipynb")
    print(f"{args.chapter}: executed in {time.perf_counter() - start:.0f} s -> {out / (args.chapter + '.ipynb')}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
