"""The pages of the book, read from book/_toc.yml (shared by the chapter, jupytext and browser tests)."""

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
