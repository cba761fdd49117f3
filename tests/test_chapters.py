"""Every chapter in book/_toc.yml converts to a notebook with a kernel spec and executes."""

from __future__ import annotations

import os
from pathlib import Path

import jupytext
import nbformat
import pytest
from book_pages import BOOK, chapter_path, toc_pages
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def toc_files() -> list[str]:
    return toc_pages(BOOK)


def test_toc_lists_existing_files():
    names = toc_files()
    assert names[0] == "intro"
    for name in names:
        assert chapter_path(name).exists()


@pytest.mark.chapter
@pytest.mark.parametrize("name", toc_files())
def test_chapter_executes(name):
    path = chapter_path(name)
    nb = jupytext.read(path)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    if not code_cells:
        pytest.skip(f"{path.name} is a text page with no code cells")
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", \
        f"{path.name} has no python3 kernelspec in its front matter"
    client = NotebookClient(nb, timeout=1800, kernel_name="python3",
                            resources={"metadata": {"path": str(BOOK)}})
    client.execute()  # raises CellExecutionError when a cell raises
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    executed = [c for c in code_cells if c.get("execution_count")]
    assert len(executed) == len(code_cells)
    # chapters that draw must show their figures (a non-inline matplotlib backend would not)
    if any("plots" in c.source for c in code_cells):
        images = [o for c in code_cells for o in c.get("outputs", [])
                  if "image/png" in o.get("data", {})]
        assert images, f"{path.name} draws figures but its executed notebook shows none"
    # keep the executed notebook for people to look at
    out = ROOT / "book" / "_build" / "executed"
    out.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out / f"{name}.ipynb")
