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
* the Binder link opens this page's source, and Thebe's Live Code button is there;

and, at both sizes a reader uses, a laptop (1280x900) and a phone (390x844), that the page
reads like a book (issue 16):

* no table is wider than its box on the desktop; on the phone a wider table scrolls inside
  its own box with its first column kept in view; the page never scrolls sideways;
* no number in e-notation, in a table cell or in the text (code cells excepted);
* no progress bar from the build;
* every figure has alt text that says what it shows (not a file name, a hash or nothing);
* no model named in Python syntax ("MLP (12,)").

A failure names the page, the viewport and each offending element with the section it is
in. A full-page screenshot of each page at each size is saved to
book/_build/screenshots/desktop/<page>.png and book/_build/screenshots/phone/<page>.png.
``python tests/browser_helpers.py BOOK`` prints the same counts for a built book without
asserting (for before/after comparisons).

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
from book_pages import ensure_built, toc_pages

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
    ensure_built(BOOK)
    assert (HTML / "index.html").exists()
    return HTML


@pytest.fixture(scope="session")
def browser(chromium, playwright_session):
    browser = playwright_session.chromium.launch(executable_path=chromium, args=bh.CHROMIUM_ARGS)
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

    def _visit(name: str, viewport: str = "desktop") -> tuple[object, bh.PageReport]:
        context = browser.new_context(viewport=bh.VIEWPORTS[viewport])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)  # never hang on one element
        report = bh.PageReport(name, viewport=viewport)
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
    """Desktop (1280x900): everything, controls and downloads included."""
    if not (built_book / f"{name}.html").exists():
        pytest.fail(f"{name}.html was not built (is {name} in _toc.yml but missing?)")
    page, report = visit(name, "desktop")
    bh.wait_for_widgets(page, report)
    bh.check_images(page, report)
    bh.check_tracebacks(page, report)
    bh.check_math(page, report)
    bh.check_reading(page, report)
    bh.screenshot(page, SCREENSHOTS / "desktop" / f"{name}.png", report)  # before moving controls
    bh.check_controls(page, report)
    bh.check_ipynb_download(page, report)
    bh.check_launch_buttons(page, report, name, BOOK_CONFIG["repository"]["path_to_book"])

    problems = report.problems(must_have_controls=name in MUST_HAVE_CONTROLS)
    size = bh.VIEWPORTS["desktop"]
    assert not problems, (f"{name}.html at {size['width']}x{size['height']}:\n  "
                          + "\n  ".join(problems))


@pytest.mark.browser
@pytest.mark.parametrize("name", toc_pages(BOOK))
def test_page_on_a_phone(name, built_book, visit):
    """Phone (390x844): the page loads cleanly and reads like a book at that width."""
    if not (built_book / f"{name}.html").exists():
        pytest.fail(f"{name}.html was not built (is {name} in _toc.yml but missing?)")
    page, report = visit(name, "phone")
    bh.wait_for_widgets(page, report)
    bh.check_images(page, report)
    bh.check_reading(page, report)
    bh.screenshot(page, SCREENSHOTS / "phone" / f"{name}.png", report)

    problems = [f"console error: {e}" for e in report.console_errors]
    problems += [f"image did not load: {u}" for u in report.broken_images]
    if report.unrendered_widgets:
        problems.append(f"{report.unrendered_widgets} of {report.n_widget_views} widgets did not render")
    problems += report.reading_problems()
    if report.screenshot is None or report.screenshot.stat().st_size < 10_000:
        problems.append("no (or an empty) screenshot")
    size = bh.VIEWPORTS["phone"]
    assert not problems, (f"{name}.html at {size['width']}x{size['height']}:\n  "
                          + "\n  ".join(problems))


_BAD_PAGE = """<!DOCTYPE html><html><head><style>
  .bd-article { width: 600px; }
  .scroll { overflow-x: auto; }
</style></head><body><main><article class="bd-article">
<section><h2>Sweep</h2>
<table id="wide"><tr><th>Model</th><th>Energy</th></tr>
  <tr><td>MLP (12,)</td><td style="white-space:nowrap">%s</td></tr></table>
<div class="cell_output"><pre>energy 7.85e+04 mJ, git 3e8f0a, 2e5x, shape (5000, 784)</pre></div>
<p>Cost is 1.85e-05 Wh per use.</p>
<div class="jupyter-widgets widget-hbox"><div class="widget-html">classifiers 100%%</div>
  <div class="jupyter-widgets widget-hprogress"><div class="progress"><div class="progress-bar"></div></div></div></div>
<img alt="_images/0123456789abcdef0123.png" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<img alt="Figure: CO2 against parameters. X axis: Parameters." src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
</section>
<section><h2>Phone</h2><div class="scroll"><table id="scrolls"><tr><td>CNN 8-16</td>
  <td style="white-space:nowrap">%s</td></tr></table></div></section>
</article></main></body></html>""" % ("x" * 200, "y" * 200)


@pytest.mark.browser
def test_reading_checks_find_each_problem(browser):
    """The checks can fail: a page with each problem is reported element by element."""
    page = browser.new_page(viewport=bh.VIEWPORTS["desktop"])
    page.set_content(_BAD_PAGE)
    report = bh.PageReport("bad", viewport="desktop")
    bh.check_reading(page, report)
    # on a desktop a table must fit, even one that could scroll
    assert [w.split(":")[0] for w in report.wide_tables] == [
        'section "Sweep", table [Model | Energy]', 'section "Phone", table [CNN 8-16 | ' + "y" * 48 + "…]"]
    assert "px wide in a 600 px box" in report.wide_tables[0]
    assert report.e_notation_cells == []
    assert [p.split(":")[0] for p in report.e_notation_prose] == ['section "Sweep"'] * 2
    assert len(report.progress_bars) == 1 and "classifiers 100%" in report.progress_bars[0]
    assert len(report.bad_alt) == 2
    assert "file name or hash" in report.bad_alt[0] and "no alt text" in report.bad_alt[1]
    assert len(report.python_labels) == 1 and '"MLP (12,)"' in report.python_labels[0]
    assert report.page_overflow  # the wide table pushes the page sideways
    page.close()

    phone = browser.new_page(viewport=bh.VIEWPORTS["phone"])
    phone.set_content(_BAD_PAGE.replace("1.85e-05 Wh", "18.5 µWh"))
    report = bh.PageReport("bad", viewport="phone")
    bh.check_reading(phone, report)
    cut = "\n".join(report.unscrollable_tables)
    assert "does not scroll" in cut and "first column does not stay in view" in cut
    assert report.wide_tables == []  # on a phone, wide is fine if it scrolls in its box
    assert len(report.e_notation_prose) == 1  # the printed output is still checked
    phone.close()
