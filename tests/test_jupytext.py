"""Every page in book/_toc.yml converts with jupytext to a valid notebook with a kernel spec.

That is what JupyterLab (with jupytext) and Binder open, and what the .ipynb download
offers. Execution of each chapter is tested once, in tests/test_chapters.py.
"""

from __future__ import annotations

import jupytext
import nbformat
import pytest

from test_chapters import BOOK, chapter_path, toc_files

INTRO_HEADER = jupytext.read(BOOK / "intro.md").metadata


@pytest.mark.parametrize("name", toc_files())
def test_chapter_converts_to_notebook(name, tmp_path):
    path = chapter_path(name)
    nb = jupytext.read(path)
    kernelspec = nb.metadata.get("kernelspec", {})
    assert kernelspec.get("name") == "python3", f"{path.name}: no python3 kernel spec"
    assert kernelspec.get("language") == "python"
    assert kernelspec.get("display_name")
    fmt = nb.metadata.get("jupytext", {}).get("text_representation", {})
    assert fmt.get("format_name") == "myst", f"{path.name}: not a MyST notebook"

    # through an .ipynb file on disk, as `jupytext --to notebook` writes it
    out = tmp_path / f"{name}.ipynb"
    jupytext.write(nb, out, fmt="ipynb")
    again = nbformat.read(out, as_version=4)
    nbformat.validate(again)  # raises ValidationError on a malformed notebook
    assert again.metadata["kernelspec"]["name"] == "python3"
    assert any(c.cell_type == "markdown" for c in again.cells)
    code = [c for c in again.cells if c.cell_type == "code"]
    assert len(code) == len([c for c in nb.cells if c.cell_type == "code"])
    assert all(c.source.strip() for c in code), f"{path.name} has an empty code cell"

    # and back: the round trip keeps every cell (what JupyterLab saves is what we wrote)
    back = jupytext.reads(jupytext.writes(again, fmt="md:myst"), fmt="md:myst")
    assert [c.source for c in back.cells] == [c.source for c in again.cells]


@pytest.mark.parametrize("name", toc_files())
def test_chapter_header_matches_intro(name):
    """Each chapter's front matter is the one from book/intro.md (same kernel and format)."""
    meta = jupytext.read(chapter_path(name)).metadata
    assert meta.get("kernelspec") == INTRO_HEADER["kernelspec"]
    assert (meta["jupytext"]["text_representation"]["format_name"]
            == INTRO_HEADER["jupytext"]["text_representation"]["format_name"])


def test_conversion_detects_missing_kernelspec(tmp_path):
    """The check above can fail: a markdown page without front matter has no kernel spec."""
    page = tmp_path / "plain.md"
    page.write_text("# A page\n\n```{code-cell} ipython3\n1 + 1\n```\n")
    nb = jupytext.read(page)
    assert nb.metadata.get("kernelspec", {}).get("name") != "python3"
