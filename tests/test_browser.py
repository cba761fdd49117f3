"""The published book in a real browser: headless Chromium over book/_build/html.

For every page in book/_toc.yml, served from a local http.server with every request off
the machine blocked (the book must work offline):

* no console errors (and no uncaught exceptions, no failed local requests);
* every <img> loads (naturalWidth > 0);
* no cell output shows a traceback, and every formula is typeset (MathJax, vendored);
* every widget renders, and moving a slider, dropdown or toggle changes the visible view
  (kernel-less: the controls are jslinked to precomputed views); the chapters
  classification, generation and text must have at least one such control;
* the page offers a download of its .ipynb, which is a notebook with a kernel spec;
* the Binder link opens this page's source, and Thebe's Live Code button is there.

A full-page screenshot of each page is saved to book/_build/screenshots/<page>.png.

The test builds the book first (``jupyter-book build book``, using the execution and
results caches) when book/_build/html is missing or older than any source. It needs
Debian's ``chromium`` (``apt-get install -y chromium``): without it the test is skipped,
except in CI (``CI`` set), where it fails. ``BROWSER_TEST_BOOK=/path/to/book`` points it at
another copy of the book (for trying changes without touching book/).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

import browser_helpers as bh
from book_pages import toc_pages

ROOT = Path(__file__).resolve().parent.parent
BOOK = Path(os.environ.get("BROWSER_TEST_BOOK", ROOT / "book")).resolve()
HTML = BOOK / "_build" / "html"
SCREENSHOTS = BOOK / "_build" / "screenshots"
# Chapters the publishing issue requires to have a working kernel-less control.
MUST_HAVE_CONTROLS = {"classification", "generation", "text"}
BOOK_CONFIG = yaml.safe_load((BOOK / "_config.yml").read_text())

def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def chromium() -> str:
    path = bh.chromium_path()
    if path is None:
        message = ("Debian's chromium is not installed (apt-get update && apt-get install -y "
                   "chromium); the browser test needs /usr/bin/chromium")
        if in_ci():
            pytest.fail(message + " and CI is set, so this is an error, not a skip")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def built_book(chromium) -> Path:
    reason = bh.html_is_stale(BOOK)
    if reason:
        print(f"\nbuilding the book: {reason}")
        bh.build_book(BOOK)
    assert (HTML / "index.html").exists()
    return HTML


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=bh.CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def base_url(built_book):
    with bh.serve(built_book) as url:
        yield url


@pytest.fixture
def visit(browser, base_url):
    """Open one page in a fresh context (fresh localStorage, like a first visit)."""
    contexts = []

    def _visit(name: str) -> tuple[object, bh.PageReport]:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)  # never hang on one element
        report = bh.PageReport(name)
        url = f"{base_url}/{name}.html"
        bh.open_page(page, url, report, base_url)
        return page, report

    yield _visit
    for c in contexts:
        c.close()


def test_vendored_widget_js_is_intact():
    """The committed widget JavaScript and MathJax match the npm versions recorded for them,
    and the book config loads them from the book, not from a CDN."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("vendor", ROOT / "tools" / "vendor_widgets_js.py")
    vendor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor)
    assert vendor.check() == []
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    scripts = config["sphinx"]["config"]["nb_ipywidgets_js"]
    assert all("://" not in src for src in scripts), "widget JS must not come from a CDN"
    static = ROOT / "book" / "_extra" / "_static"
    assert all((static / src).is_file() for src in scripts)
    mathjax = config["sphinx"]["config"]["mathjax_path"]
    assert "://" not in mathjax and (static / mathjax).is_file(), "MathJax must come from the book"


@pytest.mark.browser
@pytest.mark.parametrize("name", toc_pages(BOOK))
def test_page_in_browser(name, built_book, visit):
    if not (built_book / f"{name}.html").exists():
        pytest.fail(f"{name}.html was not built (is {name} in _toc.yml but missing?)")
    page, report = visit(name)
    bh.wait_for_widgets(page, report)
    bh.check_images(page, report)
    bh.check_tracebacks(page, report)
    bh.check_math(page, report)
    bh.screenshot(page, SCREENSHOTS / f"{name}.png", report)  # before moving controls
    bh.check_controls(page, report)
    bh.check_ipynb_download(page, report)
    bh.check_launch_buttons(page, report, name, BOOK_CONFIG["repository"]["path_to_book"])

    problems = report.problems(must_have_controls=name in MUST_HAVE_CONTROLS)
    assert not problems, f"{name}.html:\n  " + "\n  ".join(problems)


def test_stale_build_is_detected(tmp_path):
    """The build fixture rebuilds when the HTML is missing or older than a source."""
    book = tmp_path / "book"
    (book / "_build" / "html").mkdir(parents=True)
    (book / "intro.md").write_text("# Intro\n")
    assert "does not exist" in bh.html_is_stale(book)
    index = book / "_build" / "html" / "index.html"
    index.write_text("<html></html>")
    os.utime(book / "intro.md", (1_000, 1_000))
    assert bh.html_is_stale(book) is None
    os.utime(book / "intro.md")  # edited after the build
    assert "intro.md" in bh.html_is_stale(book)
    os.utime(book / "intro.md", (1_000, 1_000))
    os.utime(index, (2_000, 2_000))
    (book / "_build" / "html" / "extra.md").write_text("built output is not a source")
    assert bh.html_is_stale(book) is None
