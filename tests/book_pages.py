"""The pages of the book, read from book/_toc.yml (shared by the chapter, jupytext, browser
and online tests), and the notebooks the book build executed."""

from __future__ import annotations

from html.parser import HTMLParser
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


class _Visible(HTMLParser):
    """The text of a page outside scripts, styles, the cells' source code and any element
    with one of ``skip`` among its classes."""

    VOID = ("br", "img", "meta", "link", "input", "hr", "wbr", "source")
    BLOCK = ("p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "br",
             "dt", "dd", "section", "table", "ul", "ol")

    def __init__(self, skip: tuple[str, ...] = ()):
        super().__init__()
        self.parts: list[str] = []
        self._stack: list[bool] = []
        self._skip = {"cell_input", *skip}

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCK:
            self.parts.append("\n")
        if tag in self.VOID:
            return
        classes = set((dict(attrs).get("class", "") or "").split())
        hidden = tag in ("script", "style") or bool(classes & self._skip)
        self._stack.append(hidden or (bool(self._stack) and self._stack[-1]))

    def handle_endtag(self, tag):
        if tag in self.BLOCK:
            self.parts.append("\n")
        if tag not in self.VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if not (self._stack and self._stack[-1]):
            self.parts.append(data)


def visible_text(html: str, skip: tuple[str, ...] = ()) -> str:
    """What a reader sees of a built page (prose, glued values, tables, printed output), one
    line per paragraph, cell or list item: not the cells' source, scripts, or elements of the
    classes ``skip``."""
    parser = _Visible(skip)
    parser.feed(html)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def printed_by_cells(sources: list[str], data_dir: Path, monkeypatch) -> list[str]:
    """Run code ``sources`` as one notebook in ``book/`` (as the chapters run), with the
    results store in ``data_dir`` and no progress bars; what each cell printed."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    monkeypatch.setenv("MLFOOTPRINT_DATA", str(data_dir))
    monkeypatch.setenv("MLFOOTPRINT_STATIC_BUILD", "1")
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(BOOK)}}).execute()
    return ["".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            for cell in nb.cells]

