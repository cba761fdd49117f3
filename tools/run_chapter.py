"""Execute one chapter alone (no book build) and print what its cells showed.

    .venv/bin/python tools/run_chapter.py generation [--out /tmp/generation.ipynb]

For working on one chapter: the book build executes every page; this runs one, in book/ as
the build does, with the results store the chapters use, and prints each cell's text output
and the seconds it took. Exit status 1 if a cell raised.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

BOOK = Path(__file__).resolve().parents[1] / "book"


def text_of(output) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") == "error":
        return "\n".join(output.get("traceback", []))
    data = output.get("data", {})
    return data.get("text/markdown") or data.get("text/plain", "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", help="a page of book/ without .md, e.g. generation")
    parser.add_argument("--out", help="where to write the executed notebook")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args()
    nb = jupytext.read(BOOK / f"{args.chapter}.md")
    client = NotebookClient(nb, timeout=args.timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(BOOK)}})
    start, failed = time.perf_counter(), False
    try:
        client.execute()
    except CellExecutionError as exc:
        failed = True
        print(f"FAILED: {exc}"[:4000], file=sys.stderr)
    for n, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        tags = cell.metadata.get("tags", [])
        print(f"---- cell {n} {tags}")
        for output in cell.get("outputs", []):
            print(text_of(output).rstrip()[:3000])
    print(f"==== {args.chapter}: {time.perf_counter() - start:.0f} s, {'FAILED' if failed else 'ok'}")
    out = Path(args.out or f"/tmp/chapter-{args.chapter}.ipynb")
    nbformat.write(nb, out)
    print(f"executed notebook: {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
