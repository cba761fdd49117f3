"""The pages of the book, read from book/_toc.yml (shared by the chapter, jupytext, browser
and online tests), and the notebooks the book build executed."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"


def toc_pages(book: Path = BOOK) -> list[str]:
    """Every page of ``book/_toc.yml``, root first, in reading order."""
    toc = yaml.safe_load((Path(book) / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))
            for part in entry.get("parts", []) or []:
                walk(part.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []) or []:
        walk(part.get("chapters"))
    return pages


def chapter_path(name: str, book: Path = BOOK) -> Path:
    """The source file of page ``name`` (``.md`` or ``.ipynb``)."""
    for suffix in (".md", ".ipynb"):
        path = Path(book) / f"{name}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(f"no {name}.md or {name}.ipynb in {book}")


def executed_notebook_path(name: str, book: Path = BOOK) -> Path:
    """Where the book build (myst-nb) writes page ``name`` as it executed it: the outputs the
    HTML shows, after ``stderr_output: remove``, taken from the execution cache when the page
    did not change."""
    return Path(book) / "_build" / "jupyter_execute" / f"{name}.ipynb"


_BUILT: dict[Path, Path] = {}


def ensure_built(book: Path = BOOK) -> Path:
    """Build ``book`` once per test session (``jupyter-book build``: a page is executed again
    only when its fingerprint changed, see ``book/_ext/fresh_pages.py``), so one
    ``make test`` builds once and every test reads a book that is fresh."""
    import browser_helpers as bh

    book = Path(book)
    if book not in _BUILT:
        bh.build_book(book)
        _BUILT[book] = book / "_build"
    return _BUILT[book]


def output_text(nb, include_code: bool = False) -> str:
    """Everything a reader sees in a notebook's outputs, as text (streams, plain text, HTML
    and Markdown), optionally with the code."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if include_code:
            parts.append(cell.source)
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            for mime in ("text/plain", "text/html", "text/markdown"):
                value = out.get("data", {}).get(mime)
                if value:
                    parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)
