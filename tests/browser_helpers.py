"""Helpers for tests/test_browser.py: build the book if needed, serve it, drive Chromium.

Kept apart from the test so the checks read as a list, and so they can be tried on a copy
of the book (see ``BOOK`` in test_browser.py).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BUILD_TIMEOUT_S = 45 * 60

# The two sizes every page is read at: a laptop and a phone (CSS pixels).
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

# Controls a reader can move, in the DOM that @jupyter-widgets/html-manager 1.0 renders.
SLIDER_HANDLE = ".widget-slider .noUi-handle"
DROPDOWN = ".widget-dropdown select"
TOGGLES = ".widget-toggle-buttons"


def chromium_path() -> str | None:
    return shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)


# ---------------------------------------------------------------- build -----------------
def build_book(book: Path, *, env: dict | None = None, path_output: Path | None = None) -> str:
    """``jupyter-book build``: it executes each page whose fingerprint changed (its code, the
    library, a documented setting or the results store: ``book/_ext/fresh_pages.py``) and
    reuses the others, so a build that changes nothing takes seconds. Returns the log."""
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", str(book)]
    if path_output is not None:
        cmd += ["--path-output", str(path_output)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
                          cwd=book.parent, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` failed ({proc.returncode}):\n"
                           f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc.stdout + proc.stderr


# ---------------------------------------------------------------- serve -----------------
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output readable
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """Serve ``directory`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- page checks -----------
@dataclass
class PageReport:
    name: str
    console_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    n_images: int = 0
    tracebacks: list[str] = field(default_factory=list)
    n_widget_views: int = 0
    unrendered_widgets: int = 0
    controls: list[tuple[str, bool]] = field(default_factory=list)  # (description, view changed)
    ipynb_problem: str | None = None
    launch_problem: str | None = None
    math_problem: str | None = None
    screenshot: Path | None = None
    viewport: str = "desktop"
    # reading like a book (issue 16): each entry names the element and where it is
    wide_tables: list[str] = field(default_factory=list)        # wider than their box
    unscrollable_tables: list[str] = field(default_factory=list)  # phone: cut off, or 1st column lost
    page_overflow: list[str] = field(default_factory=list)      # elements that scroll the page sideways
    e_notation_cells: list[str] = field(default_factory=list)
    e_notation_prose: list[str] = field(default_factory=list)
    progress_bars: list[str] = field(default_factory=list)
    bad_alt: list[str] = field(default_factory=list)
    python_labels: list[str] = field(default_factory=list)
    n_tables: int = 0
    n_figures: int = 0

    def counts(self) -> dict[str, int]:
        """The issue-16 counts of this page at this viewport."""
        return {"wide tables": len(self.wide_tables),
                "tables cut on phone": len(self.unscrollable_tables),
                "page scrolls sideways": int(bool(self.page_overflow)),
                "e-notation cells": len(self.e_notation_cells),
                "e-notation in text": len(self.e_notation_prose),
                "progress bars": len(self.progress_bars),
                "figures without alt": len(self.bad_alt),
                "Python-syntax labels": len(self.python_labels)}

    def reading_problems(self) -> list[str]:
        """What makes the page read like a build log rather than a book, one line each."""
        out = [f"table wider than its box: {t}" for t in self.wide_tables]
        out += [f"table cut off on a phone: {t}" for t in self.unscrollable_tables]
        if self.page_overflow:
            out.append("the page scrolls sideways; widest elements: " + "; ".join(self.page_overflow))
        out += [f"e-notation in a table cell: {c}" for c in self.e_notation_cells]
        out += [f"e-notation in the text: {c}" for c in self.e_notation_prose]
        out += [f"progress bar baked into the page: {b}" for b in self.progress_bars]
        out += [f"figure without alt text saying what it shows: {a}" for a in self.bad_alt]
        out += [f"model label in Python syntax: {label}" for label in self.python_labels]
        return out

    def problems(self, must_have_controls: bool = False) -> list[str]:
        """Everything wrong with the page, one line each (empty when the page is fine)."""
        out = [f"console error: {e}" for e in self.console_errors]
        out += [f"request to outside the book (must work offline): {u}"
                for u in self.external_requests]
        out += [f"failed request: {u}" for u in self.failed_requests]
        out += [f"image did not load: {u}" for u in self.broken_images]
        out += [f"traceback in an output: {t!r}" for t in self.tracebacks]
        if self.unrendered_widgets:
            out.append(f"{self.unrendered_widgets} of {self.n_widget_views} widgets did not render")
        out += [f"control does not change the view without a kernel: {what}"
                for what, changed in self.controls if not changed]
        if must_have_controls and not self.controls:
            out.append("no slider, dropdown or toggle over precomputed views")
        if self.math_problem:
            out.append(f"math: {self.math_problem}")
        if self.launch_problem:
            out.append(f"launch buttons: {self.launch_problem}")
        if self.ipynb_problem:
            out.append(f".ipynb download: {self.ipynb_problem}")
        out += self.reading_problems()
        if self.screenshot is None or self.screenshot.stat().st_size < 10_000:
            out.append("no (or an empty) screenshot")
        return out


_VISIBLE_VIEWS_JS = """
(root) => {
  // What the reader sees of a widget, controls left out: visible images and HTML views.
  const isControl = (el) => el.closest(
      '.widget-slider, .widget-dropdown, .widget-toggle-buttons, .widget-label');
  const seen = [];
  for (const el of root.querySelectorAll('img, .widget-html-content, .widget-output')) {
    if (isControl(el) || !el.checkVisibility()) continue;
    seen.push(el.tagName === 'IMG' ? 'img:' + el.src : 'html:' + el.innerHTML);
  }
  return seen.join('\\n');
}
"""

_WIDGETS_RENDERED_JS = """
() => {
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
  let missing = 0;
  for (const s of views) {
    if (!s.parentElement.querySelector('.jupyter-widgets')) missing += 1;
  }
  return missing;
}
"""


def open_page(page, url: str, report: PageReport, base_url: str) -> None:
    """Go to ``url`` recording console errors and any request that leaves the local server."""
    def on_console(msg):
        if msg.type == "error":
            where = (msg.location or {}).get("url") or ""
            report.console_errors.append(f"{msg.text} [{where}]" if where else msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: report.console_errors.append(f"uncaught: {exc}"))
    page.on("requestfailed", lambda req: report.failed_requests.append(
        f"{req.url} ({req.failure})") if req.url.startswith(base_url) else None)

    def route(route_):
        url_ = route_.request.url
        if url_.startswith(base_url) or url_.startswith(("blob:", "data:")):
            route_.continue_()
        else:  # the book must work offline: nothing from a CDN or elsewhere
            report.external_requests.append(url_)
            route_.abort()

    page.route("**/*", route)
    page.goto(url, wait_until="load", timeout=60_000)


def wait_for_widgets(page, report: PageReport, timeout_ms: int = 30_000) -> None:
    report.n_widget_views = page.locator(
        'script[type="application/vnd.jupyter.widget-view+json"]').count()
    if report.n_widget_views:
        try:
            page.wait_for_function(f"({_WIDGETS_RENDERED_JS})() === 0", timeout=timeout_ms)
        except Exception:
            pass
        report.unrendered_widgets = page.evaluate(_WIDGETS_RENDERED_JS)


def check_images(page, report: PageReport, timeout_ms: int = 20_000) -> None:
    try:
        page.wait_for_function("Array.from(document.images).every(i => i.complete)",
                               timeout=timeout_ms)
    except Exception:
        pass
    images = page.evaluate("""Array.from(document.images).map(i => ({
        src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0}))""")
    report.n_images = len(images)
    report.broken_images = [i["src"][:200] for i in images if not i["ok"]]


def check_tracebacks(page, report: PageReport) -> None:
    found = page.evaluate("""() => {
      const found = new Set(document.querySelectorAll(
          '.cell_output .traceback, .cell_output .output.error'));
      for (const el of document.querySelectorAll('.cell_output')) {
        if (el.innerText.includes('Traceback (most recent call last)') &&
            !el.querySelector('.traceback, .output.error')) found.add(el);
      }
      return Array.from(found, (el) => el.innerText.slice(0, 300));
    }""")
    report.tracebacks = found


def check_math(page, report: PageReport, timeout_ms: int = 20_000) -> None:
    """Every formula is typeset by the vendored MathJax (an mjx-container per .math)."""
    n_math = page.locator(".math").count()
    if not n_math:
        return
    try:
        page.wait_for_function(
            "document.querySelectorAll('mjx-container').length >= "
            f"{n_math}", timeout=timeout_ms)
    except Exception:
        pass
    typeset = page.locator("mjx-container").count()
    if typeset < n_math:
        report.math_problem = f"{typeset} of {n_math} formulas typeset by MathJax"


def _move(page, control, kind: str) -> str:
    """Move one control to another value; returns a description of the move."""
    if kind == "slider":
        now = control.get_attribute("aria-valuenow")
        high = control.get_attribute("aria-valuemax")
        control.focus()
        key = "Home" if now == high else "End"
        page.keyboard.press(key)
        return f"slider {now} -> {control.get_attribute('aria-valuenow')} ({key})"
    if kind == "dropdown":
        current = control.evaluate("s => s.selectedIndex")
        target = 1 if current == 0 else 0
        control.select_option(index=target)
        return f"dropdown {current} -> {target}"
    buttons = control.locator("button")
    for i in range(buttons.count()):
        if "mod-active" not in (buttons.nth(i).get_attribute("class") or ""):
            label = buttons.nth(i).inner_text()
            buttons.nth(i).click()
            return f"toggle -> {label!r}"
    return "toggle (no other value)"


def check_controls(page, report: PageReport, max_per_widget: int = 3) -> None:
    """Move each control of each top-level widget and record whether the view changed."""
    roots = page.locator(".cell_output .widget-subarea > .jupyter-widgets")
    for r in range(roots.count()):
        root = roots.nth(r)
        candidates = []
        for kind, selector in (("slider", SLIDER_HANDLE), ("dropdown", DROPDOWN),
                               ("toggle", TOGGLES)):
            loc = root.locator(selector)
            candidates += [(kind, loc.nth(i)) for i in range(loc.count())]
        for kind, control in candidates[:max_per_widget]:
            if kind == "dropdown" and control.locator("option").count() < 2:
                continue
            if not control.is_visible():  # e.g. inside a collapsed hide-output cell
                continue
            control.scroll_into_view_if_needed()
            before = root.evaluate(_VISIBLE_VIEWS_JS)
            what = _move(page, control, kind)
            changed = False
            for _ in range(20):  # up to 2 s for the jslinked Stack to switch
                page.wait_for_timeout(100)
                if root.evaluate(_VISIBLE_VIEWS_JS) != before:
                    changed = True
                    break
            report.controls.append((f"widget {r}: {what}", changed))


def check_ipynb_download(page, report: PageReport) -> None:
    """The page's download menu links an .ipynb that is a notebook with a kernel spec."""
    link = page.locator("a.btn-download-notebook-button")
    if link.count() == 0:
        link = page.locator("a[href$='.ipynb']")
    if link.count() == 0:
        report.ipynb_problem = "no .ipynb download link on the page"
        return
    href = link.first.get_attribute("href")
    url = page.evaluate("h => new URL(h, document.baseURI).href", href)
    response = page.request.get(url)
    if response.status != 200:
        report.ipynb_problem = f"{url} answered {response.status}"
        return
    try:
        nb = json.loads(response.text())
    except ValueError as exc:
        report.ipynb_problem = f"{url} is not JSON: {exc}"
        return
    if nb.get("nbformat") != 4 or not nb.get("metadata", {}).get("kernelspec", {}).get("name"):
        report.ipynb_problem = f"{url} is not an nbformat 4 notebook with a kernel spec"


def check_launch_buttons(page, report: PageReport, name: str, path_to_book: str) -> None:
    """A Binder link that opens this page's source in JupyterLab, and Thebe's Live Code."""
    wanted = f"urlpath=lab/tree/{path_to_book.strip('/')}/{name}.md"
    hrefs = page.eval_on_selector_all("a[href*='mybinder.org']", "els => els.map(e => e.href)")
    if not any(wanted in h for h in hrefs):
        report.launch_problem = f"no Binder link with {wanted!r} (found {hrefs})"
    elif page.locator("[onclick*='initThebe']").count() == 0:
        report.launch_problem = "no Thebe (Live Code) launch button"


def screenshot(page, path: Path, report: PageReport) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    report.screenshot = path


# ---------------------------------------------------------------- reading checks --------
# A number in e-notation (1.85e-05, 7.85e+04, 1e-3), not part of a word or a hash.
E_NOTATION_JS = r"/(^|[^\w.])[-+]?\d+(\.\d+)?[eE][-+]?\d+(?![\w.])/"
# A model named in Python syntax: "MLP (12,)", "CNN (4,)", "CVAE-MLP (32, 16)" (a name in
# capitals before a tuple; "shape (5000, 784)" is not a model), or a bare one-tuple "(4,)".
PYTHON_LABEL_JS = r"/\b[A-Z][A-Z0-9-]*\s?\((\s*\d+\s*,)+\s*(\d+\s*)?\)|\(\d+,\)/"
# Alt text that is no description: a file name, a path, a hash, or too short.
BAD_ALT_JS = r"/(\.(png|jpe?g|gif|svg|webp)$|_images\/|[0-9a-f]{16,})/i"
UNDESCRIBED = "Figure without a title or axis labels"  # mlfootprint.plots.UNDESCRIBED
MIN_ALT_CHARS = 12

_READING_JS = """
(args) => {
  const [E_NOTATION, PY_LABEL, BAD_ALT, UNDESCRIBED, MIN_ALT, PHONE] = [
      new RegExp(args.e.source, args.e.flags), new RegExp(args.py.source, args.py.flags),
      new RegExp(args.alt.source, args.alt.flags), args.undescribed, args.minAlt, args.phone];
  const article = document.querySelector('.bd-article') || document.body;
  const clip = (t, n = 70) => {
    t = (t || '').replace(/\\s+/g, ' ').trim();
    return t.length > n ? t.slice(0, n - 1) + '…' : t;
  };
  const where = (el) => {
    // the nearest heading before the element: "section 'Sweep'"
    let sec = el.closest('section');
    const h = sec ? sec.querySelector('h1, h2, h3, h4') : null;
    return h ? `section "${clip(h.textContent.replace(/[#¶]/g, ''), 50)}"` : 'top of page';
  };
  const name = (el) => {
    const cls = (typeof el.className === 'string' && el.className.trim())
        ? '.' + el.className.trim().split(/\\s+/).slice(0, 2).join('.') : '';
    return el.tagName.toLowerCase() + cls;
  };
  const visible = (el) => el.checkVisibility ? el.checkVisibility() : el.offsetParent !== null;
  const scrollsX = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const scrollBox = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (scrollsX(a)) return a;
      if (a === article) return a;
    }
    return article;
  };
  const out = {wide: [], cut: [], overflow: [], eCells: [], eProse: [], bars: [], alt: [],
               py: [], nTables: 0, nFigures: 0};

  // tables: desktop -- fit the box; phone -- or scroll inside their own box, 1st column sticky
  for (const t of article.querySelectorAll('table')) {
    if (!visible(t)) continue;
    out.nTables += 1;
    const box = scrollBox(t);
    const tw = Math.round(t.getBoundingClientRect().width), bw = box.clientWidth;
    const head = clip(Array.from(t.querySelectorAll('tr:first-child > *'), c => c.innerText).join(' | '), 60);
    const label = `${where(t)}, table [${head}]`;
    if (tw > bw + 1) {
      if (!PHONE) out.wide.push(`${label}: ${tw} px wide in a ${bw} px box`);
      else {
        const first = t.querySelector('tbody tr > :first-child');
        const sticky = first && getComputedStyle(first).position === 'sticky';
        if (!scrollsX(box) || box === article) out.cut.push(`${label}: ${tw} px in a ${bw} px box that does not scroll`);
        else if (!sticky) out.cut.push(`${label}: scrolls, but its first column does not stay in view`);
      }
    }
    for (const c of t.querySelectorAll('td, th')) {
      if (E_NOTATION.test(c.innerText)) out.eCells.push(`${label}: cell "${clip(c.innerText, 40)}"`);
    }
  }

  // the page itself must not scroll sideways
  const vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > vw + 1) {
    const clipped = (el) => {
      for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
        const o = getComputedStyle(a).overflowX;
        if (o !== 'visible') return true;
      }
      return false;
    };
    const culprits = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right <= vw + 1 || r.width === 0 || getComputedStyle(el).position === 'fixed') continue;
      if (clipped(el)) continue;
      // keep the outermost offender only
      if (culprits.some(c => c.contains(el))) continue;
      culprits.push(el);
    }
    out.overflow = culprits.slice(0, 5).map(
        el => `${name(el)} in ${where(el)} reaches ${Math.round(el.getBoundingClientRect().right)} px ` +
              `(viewport ${vw} px): "${clip(el.innerText || el.getAttribute('alt') || '', 50)}"`);
    if (!out.overflow.length) out.overflow.push(`document is ${document.documentElement.scrollWidth} px wide (viewport ${vw} px)`);
  }

  // text a reader sees (prose and printed output; not code, not math)
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  const skip = '.cell_input, script, style, mjx-container, .math, table, select, option';
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(skip)) continue;
    if (el.closest('code.literal') && !el.closest('.cell_output')) continue;  // `1e-3` in prose code
    const text = n.textContent;
    const every = new RegExp(E_NOTATION.source, 'g');
    for (const m of text.matchAll(every)) {  // each number, with a little context
      const at = m.index + m[1].length;
      out.eProse.push(`${where(el)}: "${clip(text.slice(Math.max(0, at - 30), at + m[0].length + 15), 70)}"`);
    }
    const m = text.match(PY_LABEL);
    if (m) out.py.push(`${where(el)}: "${m[0]}"`);
  }
  // labels in tables, widget menus and slider read-outs, and alt texts
  for (const el of article.querySelectorAll('td, th, option, .widget-readout, .widget-label, label')) {
    const m = (el.textContent || '').match(PY_LABEL);
    if (m) out.py.push(`${where(el)}: ${name(el)} "${m[0]}"`);
  }

  // progress bars: widgets (tqdm's HBox around a progress bar) and text bars
  // (@jupyter-widgets/html-manager 1.0 renders FloatProgress as .widget-hprogress)
  const barSel = '.widget-hprogress, .widget-vprogress, .widget-progress, progress, [role="progressbar"]';
  for (const el of article.querySelectorAll(barSel)) {
    if (el.parentElement && el.parentElement.closest(barSel)) continue;  // one bar, not its parts
    const row = el.closest('.widget-hbox') || el;
    out.bars.push(`${where(el)}: "${clip(row.textContent, 60) || 'a progress bar'}"`);
  }
  for (const el of article.querySelectorAll('.cell_output pre')) {
    const m = el.textContent.match(/[^\\n]*\\d+%\\|[█▏▎▍▌▋▊▉ #]*\\|[^\\n]*/);
    if (m) out.bars.push(`${where(el)}: text bar "${clip(m[0], 60)}"`);
  }

  // figures: alt text that says what they show
  for (const img of article.querySelectorAll('img')) {
    out.nFigures += 1;
    const alt = (img.getAttribute('alt') || '').trim();
    const src = img.getAttribute('src') || '';
    const what = src.startsWith('data:') ? 'inline image' : src.startsWith('blob:') ? 'widget image' : clip(src, 50);
    let why = null;
    if (!alt) why = 'no alt text';
    else if (BAD_ALT.test(alt)) why = `alt is a file name or hash ("${clip(alt, 50)}")`;
    else if (alt === UNDESCRIBED) why = 'the figure has no title or axis labels to describe it';
    else if (alt.length < MIN_ALT) why = `alt "${alt}" is too short to say what it shows`;
    if (why) out.alt.push(`${where(img)}, ${what}: ${why}`);
  }
  out.py = Array.from(new Set(out.py));
  return out;
}
"""


def _regex(js: str) -> dict:
    body, flags = js[1:].rsplit("/", 1)
    return {"source": body, "flags": flags}


def check_reading(page, report: PageReport) -> None:
    """Tables, sideways scrolling, e-notation, progress bars, alt text and model labels."""
    found = page.evaluate(_READING_JS, {
        "e": _regex(E_NOTATION_JS), "py": _regex(PYTHON_LABEL_JS), "alt": _regex(BAD_ALT_JS),
        "undescribed": UNDESCRIBED, "minAlt": MIN_ALT_CHARS, "phone": report.viewport == "phone"})
    report.wide_tables = found["wide"]
    report.unscrollable_tables = found["cut"]
    report.page_overflow = found["overflow"]
    report.e_notation_cells = found["eCells"]
    report.e_notation_prose = found["eProse"]
    report.progress_bars = found["bars"]
    report.bad_alt = found["alt"]
    report.python_labels = found["py"]
    report.n_tables = found["nTables"]
    report.n_figures = found["nFigures"]


# ---------------------------------------------------------------- counts (no asserts) ---
def count_pages(book: Path, pages: list[str], screenshots: Path | None = None) -> dict:
    """The issue-16 counts of every page at both viewports: {page: {viewport: counts}}, plus
    the problems found. For before/after reports; the test asserts on the same checks."""
    from playwright.sync_api import sync_playwright

    html = Path(book) / "_build" / "html"
    results: dict = {}
    with serve(html) as base_url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            for name in pages:
                results[name] = {}
                for viewport, size in VIEWPORTS.items():
                    context = browser.new_context(viewport=size)
                    page = context.new_page()
                    page.set_default_timeout(15_000)
                    report = PageReport(name, viewport=viewport)
                    open_page(page, f"{base_url}/{name}.html", report, base_url)
                    wait_for_widgets(page, report)
                    check_images(page, report)
                    check_reading(page, report)
                    if screenshots is not None:
                        screenshot(page, Path(screenshots) / viewport / f"{name}.png", report)
                    results[name][viewport] = {"counts": report.counts(),
                                               "problems": report.reading_problems(),
                                               "tables": report.n_tables,
                                               "images": report.n_figures}
                    context.close()
        finally:
            browser.close()
    return results


def main(argv: list[str] | None = None) -> int:
    """``python tests/browser_helpers.py BOOK [--json OUT] [--screenshots DIR]``: print the
    issue-16 counts of every page of an already built book."""
    import argparse

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from book_pages import toc_pages

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("book", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--screenshots", type=Path)
    args = parser.parse_args(argv)
    results = count_pages(args.book, toc_pages(args.book), args.screenshots)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    keys = list(PageReport("x").counts())
    print("page / viewport".ljust(24) + " | ".join(k for k in keys))
    for name, by_view in results.items():
        for viewport, r in by_view.items():
            print(f"{name} / {viewport}".ljust(24) +
                  " | ".join(str(r["counts"][k]).rjust(len(k)) for k in keys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
