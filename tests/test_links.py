"""Every internal link of the built website resolves: prose links, links made by code output,
images, scripts and stylesheets (``href`` and ``src`` of every element of every page).

A link that code output writes in Markdown (``[x](chapter.md)``) is not rewritten by
Sphinx and points at a file the site does not have; this test walks what was really built.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from book_pages import BOOK

HTML = BOOK / "_build" / "html"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def internal_targets(page: Path) -> list[tuple[str, Path]]:
    """(link as written, file it points at) for every link of ``page`` inside the site."""
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    out = []
    for link in parser.links:
        url = urlsplit(link)
        if url.scheme or url.netloc or link.startswith(("#", "mailto:", "javascript:", "data:")):
            continue
        if not url.path:
            continue
        out.append((link, (page.parent / unquote(url.path)).resolve()))
    return out


def broken_links(html: Path) -> tuple[int, list[str]]:
    checked, broken = 0, []
    for page in sorted(html.rglob("*.html")):
        if "_static" in page.relative_to(html).parts:
            continue  # the themes' template fragments, not pages of the site
        for link, target in internal_targets(page):
            checked += 1
            if not (target.is_file() or (target.is_dir() and (target / "index.html").is_file())):
                broken.append(f"{page.relative_to(html)}: {link}")
    return checked, broken


def test_a_link_to_a_missing_file_is_found(tmp_path):
    (tmp_path / "a.html").write_text('<a href="b.html#x">b</a> <a href="c.md">c</a> '
                                     '<img src="_static/i.png"> <a href="https://example.org/">e</a>')
    (tmp_path / "b.html").write_text("<p>b</p>")
    checked, broken = broken_links(tmp_path)
    assert checked == 3 and broken == ["a.html: c.md", "a.html: _static/i.png"]


@pytest.mark.chapter
def test_every_internal_link_of_the_built_book_resolves(book_build):
    checked, broken = broken_links(HTML)
    print(f"{checked:,} internal links checked")
    assert checked > 100
    assert not broken, f"{len(broken)} broken internal link(s): {broken[:10]}"
