"""Pages are executed again when what they show can change (book/_ext/fresh_pages.py).

jupyter-cache alone keys a page on its code cells, so a change to the library, to a
documented setting or to the results store left every page as it was. These tests build a
one-page book whose page prints a sentence of the library, the grid setting and a stored
result, and check that each change reaches the page, and that a build with no change executes
nothing. The library is a stand-in package put first on ``PYTHONPATH`` (the build and its
kernel import it), so editing it touches nothing of the real course.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

import browser_helpers as bh

ROOT = Path(__file__).resolve().parent.parent
EXT = ROOT / "book" / "_ext"
sys.path.insert(0, str(EXT))
import fresh_pages  # noqa: E402  (a Sphinx extension of the book, not a package)

PAGE = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---

# Page

```{code-cell} ipython3
import json, os, pathlib
import mlfootprint

store = pathlib.Path(os.environ["MLFOOTPRINT_DATA"]) / "results" / "result.json"
print("sentence:", mlfootprint.SENTENCE)
print("country:", os.environ.get("MLFOOTPRINT_COUNTRY", "USA"))
print("stored:", json.loads(store.read_text())["value"] if store.exists() else "nothing")
```
"""

CONFIG = """title: fresh
execute:
  execute_notebooks: cache
  raise_on_error: true
sphinx:
  local_extensions:
    fresh_pages: _ext/
"""


def write_library(folder: Path, sentence: str) -> None:
    package = folder / "mlfootprint"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(f"SENTENCE = {sentence!r}\n")


@pytest.fixture
def tiny_book(tmp_path):
    book = tmp_path / "book"
    (book / "_ext").mkdir(parents=True)
    shutil.copy(EXT / "fresh_pages.py", book / "_ext" / "fresh_pages.py")
    (book / "_config.yml").write_text(CONFIG)
    (book / "_toc.yml").write_text("format: jb-book\nroot: page\n")
    (book / "page.md").write_text(PAGE)
    write_library(tmp_path / "lib", "the first sentence")
    data = tmp_path / "data"
    (data / "results").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFOOTPRINT_")}
    env.update(PYTHONPATH=str(tmp_path / "lib"), MLFOOTPRINT_DATA=str(data))
    return book, env, tmp_path


def build(book: Path, env: dict) -> tuple[bool, str]:
    """(whether the page was executed, what it printed)."""
    log = bh.build_book(book, env=env)
    nb = nbformat.read(book / "_build" / "jupyter_execute" / "page.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    return "page.md: Executing notebook" in log, printed


def test_each_change_reaches_the_page_and_nothing_else_executes(tiny_book):
    book, env, tmp = tiny_book
    executed, printed = build(book, env)
    assert executed and "sentence: the first sentence" in printed and "country: USA" in printed
    assert "stored: nothing" in printed

    executed, printed = build(book, env)
    assert not executed, "a build with no change executed the page again"

    executed, printed = build(book, {**env, "MLFOOTPRINT_COUNTRY": "FRA"})
    assert executed and "country: FRA" in printed

    write_library(tmp / "lib", "a corrected sentence")
    executed, printed = build(book, env)
    assert executed and "sentence: a corrected sentence" in printed and "country: USA" in printed

    (tmp / "data" / "results" / "result.json").write_text(json.dumps({"value": 42}))
    executed, printed = build(book, env)
    assert executed and "stored: 42" in printed
    executed, printed = build(book, env)
    assert not executed

    (tmp / "data" / "results" / "result.json").unlink()    # a cleared store is a change too
    executed, printed = build(book, env)
    assert executed and "stored: nothing" in printed


def test_the_fingerprint_is_reused_only_when_nothing_changed():
    last = {"code": "c1", "store": "s1", "fingerprint": "f1"}
    assert fresh_pages.fingerprint("c1", "s1", last) == "f1"
    changed = {fresh_pages.fingerprint("c2", "s1", last), fresh_pages.fingerprint("c1", "s2", last)}
    assert "f1" not in changed and len(changed) == 2
    # back to a state seen before: still a new fingerprint, never an old page
    first = fresh_pages.fingerprint("c1", "s0", {})
    again = fresh_pages.fingerprint("c1", "s0", {"code": "c1", "store": "s1", "fingerprint": first})
    assert again != first


def test_the_store_digest_sees_contents_not_writes_in_progress(tmp_path):
    (tmp_path / "a.json").write_text('{"value": 1}')
    before = fresh_pages.store_digest(tmp_path)
    (tmp_path / ".a.json.123-abcd.tmp").write_text("half")       # a write in progress
    assert fresh_pages.store_digest(tmp_path) == before
    (tmp_path / "a.json").write_text('{"value": 2}')             # same size, other content
    assert fresh_pages.store_digest(tmp_path) != before
    assert fresh_pages.store_digest(tmp_path / "missing") != before


def test_settings_are_the_documented_variables(monkeypatch):
    monkeypatch.setenv("MLFOOTPRINT_COUNTRY", "FRA")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv(fresh_pages.STARTED_ENV, "123")
    monkeypatch.setenv("SOMETHING_ELSE", "x")
    settings = fresh_pages.settings_in_force()
    assert settings["MLFOOTPRINT_COUNTRY"] == "FRA" and settings["OMP_NUM_THREADS"] == "1"
    assert fresh_pages.STARTED_ENV not in settings and "SOMETHING_ELSE" not in settings


@pytest.mark.parametrize("name", ["intro", "classification", "what_building_cost"])
def test_every_page_gets_the_stamp_in_its_kernelspec(name):
    import jupytext

    text = (ROOT / "book" / f"{name}.md").read_text()
    stamped = fresh_pages.stamp_kernelspec(text, "abc123")
    nb = jupytext.reads(stamped, fmt="md:myst")
    assert nb.metadata["kernelspec"][fresh_pages.KERNELSPEC_KEY] == "abc123"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert stamped.replace(f"  {fresh_pages.KERNELSPEC_KEY}: 'abc123'\n", "") == text
    assert fresh_pages.stamp_kernelspec("# no front matter\n", "x") == "# no front matter\n"


def test_the_store_lists_what_a_page_uses_during_a_build(tmp_data, tmp_path, monkeypatch):
    """The page on what building the book cost sums the results the pages used: the store
    lists each result it is asked for (read or computed) in the file the build names."""
    from mlfootprint import store

    uses = tmp_path / "uses.txt"
    store.cached("demo/a", {"k": 1}, lambda: {"v": 1})             # not listed: no build
    monkeypatch.setenv(fresh_pages.USES_ENV, str(uses))
    store.cached("demo/a", {"k": 1}, lambda: {"v": 1})             # read back
    store.cached("demo/b", {"k": 2}, lambda: {"v": 2})             # computed
    listed = uses.read_text().split()
    assert len(listed) == 2 and all(Path(p).is_file() and str(tmp_data) in p for p in listed)
    assert {Path(p).parent.name for p in listed} == {"a", "b"}
