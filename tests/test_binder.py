"""Binder's set-up: postBuild copies files that exist and runs the preparation, and the
preparation executes every chapter with code, in the book's order, writing nothing back.

What the preparation buys in time and disk is measured by benchmarks/bench_first_run.py,
not here (tests never depend on this machine's speed).
"""

from __future__ import annotations

import re
import sys

import jupytext
import pytest
from book_pages import BOOK, ROOT, toc_pages

sys.path.insert(0, str(ROOT / "binder"))
import prepare  # noqa: E402

CHAPTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A page

```{code-cell} ipython3
import os
open("ran-in", "w").write(os.getcwd())
```
"""


def test_postbuild_copies_files_that_exist_and_runs_the_preparation():
    script = (ROOT / "binder" / "postBuild").read_text()
    copied = re.findall(r"^cp (\S+) ", script, flags=re.M)
    assert copied, "postBuild copies the lab settings"
    for path in copied:
        assert (ROOT / path).is_file(), f"postBuild copies {path}, which does not exist"
    assert re.search(r"^python binder/prepare\.py$", script, flags=re.M)
    for path in re.findall(r"-r (\S+)", script):
        assert (ROOT / path).is_file(), f"postBuild installs from {path}, which does not exist"


def test_the_preparation_executes_every_chapter_with_code_in_reading_order():
    names = [p.stem for p in prepare.chapters()]
    with_code = [n for n in toc_pages(BOOK)
                 if any(c.cell_type == "code" for c in jupytext.read(BOOK / f"{n}.md").cells)]
    assert names == with_code
    assert {"classification", "generation", "text", "synthesis"} <= set(names)


def test_a_chapter_runs_in_its_folder_and_is_not_written_back(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(CHAPTER)
    before = page.read_bytes()
    prepare.run_chapter(page, timeout=120)
    assert (tmp_path / "ran-in").read_text() == str(tmp_path)
    assert page.read_bytes() == before


def test_a_failing_cell_stops_the_preparation_naming_the_error(tmp_path):
    page = tmp_path / "broken.md"
    page.write_text(CHAPTER.replace('open("ran-in", "w").write(os.getcwd())', "1 / 0"))
    with pytest.raises(RuntimeError, match="(?s)broken.md failed.*ZeroDivisionError"):
        prepare.run_chapter(page, timeout=120)
