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

# Controls a reader can move, in the DOM that @jupyter-widgets/html-manager 1.0 renders.
SLIDER_HANDLE = ".widget-slider .noUi-handle"
DROPDOWN = ".widget-dropdown select"
TOGGLES = ".widget-toggle-buttons"


def chromium_path() -> str | None:
    return shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)


# ---------------------------------------------------------------- build -----------------
def book_sources(book: Path) -> list[Path]:
    """Files whose change makes book/_build/html stale."""
    found = [p for p in book.rglob("*") if p.is_file() and "_build" not in p.parts]
    return [p for p in found if p.suffix in {".md", ".ipynb", ".yml", ".py", ".js", ".png",
                                             ".json", ".css", ".bib"}]


def html_is_stale(book: Path) -> str | None:
    """Why the HTML build must be redone, or None when it is newer than every source."""
    index = book / "_build" / "html" / "index.html"
    if not index.exists():
        return f"{index} does not exist"
    built = index.stat().st_mtime
    newer = [p for p in book_sources(book) if p.stat().st_mtime > built]
    if newer:
        return f"{len(newer)} source file(s) changed since the build, e.g. {newer[0]}"
    return None


def build_book(book: Path) -> None:
    """``jupyter-book build`` (executes the chapters, using the execution/results caches)."""
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", str(book)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
                          cwd=book.parent)
    if proc.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` failed ({proc.returncode}):\n"
                           f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    # touch the index so a build that changed nothing still counts as fresh
    os.utime(book / "_build" / "html" / "index.html")


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
