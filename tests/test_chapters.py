"""Every chapter in book/_toc.yml, as the book build executed it.

The chapters are executed once per ``make test``: by the book build that the browser test
also needs (the ``book_build`` fixture, ``book_pages.ensure_built``: it builds only when a
source is newer than the HTML, and re-executes only the chapters whose code changed,
through jupyter-cache). These
tests read the notebooks that build executed (``book/_build/jupyter_execute``, the outputs
the HTML shows) instead of executing every chapter a second time, and check:

* the source has a python3 kernelspec (so it downloads and launches as a notebook);
* the executed notebook is this source's (the same code cells, in the same order);
* every code cell was executed, and no output is an error;
* a chapter that draws (uses ``mlfootprint.plots``) shows its figures.

The online path (torchvision's download, the Hugging Face Hub) is executed separately, by
``tests/test_online.py``, against loopback stand-ins.
"""

from __future__ import annotations

import jupytext
import nbformat
import pytest
from book_pages import BOOK, chapter_path, executed_notebook_path, toc_pages


def toc_files() -> list[str]:
    return toc_pages(BOOK)


def test_toc_lists_existing_files():
    names = toc_files()
    assert names[0] == "intro"
    for name in names:
        assert chapter_path(name).exists()


def code_of(nb) -> list[str]:
    return [c.source.strip() for c in nb.cells if c.cell_type == "code"]


@pytest.mark.chapter
@pytest.mark.parametrize("name", toc_files())
def test_chapter_executed_cleanly(name, book_build):
    path = chapter_path(name)
    source = jupytext.read(path)
    if not code_of(source):
        pytest.skip(f"{path.name} is a text page with no code cells")
    assert source.metadata.get("kernelspec", {}).get("name") == "python3", \
        f"{path.name} has no python3 kernelspec in its front matter"

    executed_path = executed_notebook_path(name)
    assert executed_path.is_file(), f"the book build left no executed notebook {executed_path}"
    nb = nbformat.read(executed_path, as_version=4)
    assert code_of(nb) == code_of(source), \
        f"{executed_path.name} does not hold the code of {path.name}: the build is stale"

    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code_cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{name}: error outputs: " + "; ".join(
        f"{e.get('ename')}: {e.get('evalue')}" for e in errors)
    unexecuted = [c.source.splitlines()[0] if c.source else "(empty cell)"
                  for c in code_cells if not c.get("execution_count")]
    assert not unexecuted, f"{name}: code cells never executed: {unexecuted}"
    # chapters that draw must show their figures (a non-inline matplotlib backend would not)
    if any("plots" in c.source for c in code_cells):
        images = [o for c in code_cells for o in c.get("outputs", [])
                  if "image/png" in o.get("data", {})]
        assert images, f"{path.name} draws figures but its executed notebook shows none"


# What only a developer should read: exception texts, socket errors, call syntax.
DEVELOPER_TEXT = ("Errno", "urlopen error", "Traceback (most recent call last)", "source='bundled'",
                  "download failed", "did not answer for")


@pytest.mark.chapter
def test_no_page_shows_developer_text(book_build):
    """Fallbacks reach the reader as one plain sentence (the page's source note); the causes
    go to the build log (standard error, which the pages leave out)."""
    html = BOOK / "_build" / "html"
    found = [f"{page.name}: {text!r}" for page in sorted(html.glob("*.html"))
             for text in DEVELOPER_TEXT if text in page.read_text(encoding="utf-8")]
    assert not found, found
