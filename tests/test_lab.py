"""A real JupyterLab, driven by Playwright and Debian's Chromium, as a learner would use it.

Starts ``jupyter lab`` on 127.0.0.1 with a token (the same options as ``make lab``), opens a
chapter from the file browser (it must open as a notebook), runs all cells, checks that no
raw MyST role is left in the rendered prose, uses the chapter's bench (forecast, run,
progress, the star on the figure, a bad size), saves the untouched chapter and checks that
its file did not change; the generation and text benches get shorter versions. The server
is always stopped. Screenshots of each bench before, during and after a run land in
``book/_build/screenshots/lab/``.

Run All executes the whole chapter: with the results store warm it takes a minute or two,
cold it trains everything first (set ``MLFOOTPRINT_DATA`` to a warm copy to keep it short).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from browser_helpers import CHROMIUM_ARGS, chromium_path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
SHOTS = BOOK / "_build" / "screenshots" / "lab"
RUN_ALL_TIMEOUT_S = float(os.environ.get("MLFOOTPRINT_LAB_TIMEOUT", 40 * 60))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_command(port: int, token: str) -> list[str]:
    """What ``make lab`` runs, on a chosen port with a chosen token and no browser."""
    cmd = [str(Path(sys.executable).with_name("jupyter")), "lab", "--no-browser", f"--notebook-dir={BOOK}",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
           "--ServerApp.contents_manager_class=mlfootprint.lab.LabContentsManager",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def install_lab_settings() -> None:
    """As ``make lab`` does: chapters open as notebooks, lab kernels remember glued values."""
    prefix = Path(sys.prefix)
    (prefix / "share/jupyter/lab/settings").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "binder/overrides.json", prefix / "share/jupyter/lab/settings/overrides.json")
    (prefix / "etc/ipython").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "binder/ipython_kernel_config.py", prefix / "etc/ipython/ipython_kernel_config.py")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not chromium_path():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")
    pytest.importorskip("jupyterlab_myst")
    install_lab_settings()
    port, token = _free_port(), secrets.token_hex(16)
    log = tmp_path_factory.mktemp("lab") / "server.log"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(log.parent / "runtime"))
    with open(log, "w") as out:
        proc = subprocess.Popen(lab_command(port, token), stdout=out, stderr=subprocess.STDOUT, env=env,
                                cwd=ROOT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 120
        while time.time() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"jupyter lab did not listen within 120 s:\n{log.read_text()[-3000:]}")
        yield {"url": f"{base}/lab?token={token}", "log": log}
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser(playwright_session):
    b = playwright_session.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    yield b
    b.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def answer_dialog(page, name: str) -> str | None:
    """A modal dialog JupyterLab put up (it blocks every click behind it), answered as a
    learner would, with what it said. "Select Kernel" (asked when a notebook opens before the
    page has the list of kernels) is answered with its default, the chapter's own python3
    kernel; any other dialog fails the test with its text and a screenshot, so it is known."""
    dialog = page.locator(".jp-Dialog:visible")
    if not dialog.count():
        return None
    text = dialog.first.inner_text()
    shot(page, f"{name}-dialog")
    print(f"{name}: JupyterLab dialog: {text[:300]!r}")
    if "Select Kernel" not in text:
        pytest.fail(f"{name}: JupyterLab showed a dialog: {text[:500]!r}")
    dialog.first.locator(".jp-Dialog-button.jp-mod-accept").click()
    return text


def open_chapter(page, lab, name: str):
    page.goto(lab["url"], wait_until="domcontentloaded", timeout=120_000)
    item = page.locator(".jp-DirListing-item", has_text=f"{name}.md").first
    item.wait_for(timeout=120_000)
    item.dblclick()
    panel = page.locator(".jp-NotebookPanel:visible")
    panel.wait_for(timeout=60_000)    # opened as a notebook, not as a text file
    deadline = time.time() + 120
    while time.time() < deadline:     # the chapter's own kernel, started and idle
        answer_dialog(page, name)
        kernel = page.locator(".jp-NotebookPanel:visible .jp-Toolbar-kernelName").first
        idle = page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']:visible")
        if kernel.count() and "Python 3" in kernel.inner_text() and idle.count():
            return panel
        page.wait_for_timeout(500)
    pytest.fail(f"{name}: the notebook's kernel was not idle within 120 s")


def prompts(panel) -> list[str]:
    """The input prompts of the code cells: ``[ ]:`` not run, ``[*]:`` running or queued, ``[7]:`` run."""
    return panel.locator(".jp-CodeCell .jp-InputPrompt").evaluate_all("els => els.map(e => e.innerText.trim())")


def run_all(page, panel, timeout_s: float) -> None:
    """Run > Run All Cells, then wait until every code cell shows an execution number.

    A menu click can land before the notebook is ready for it and do nothing (seen twice:
    no cell ran, and the prose kept its raw roles), so the test checks that the run started
    (a cell queued or numbered) and opens the menu again if not."""
    start = time.time()
    for _ in range(3):
        answer_dialog(page, "run-all")
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).first.click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).first.click()
        clicked = time.time()
        while time.time() < clicked + 60:
            if any("*" in p or re.search(r"\d", p) for p in prompts(panel)):
                break
            page.wait_for_timeout(1000)
        else:
            continue
        break
    else:
        pytest.fail("Run All Cells never started a cell (three tries)")
    while time.time() < start + timeout_s:
        shown = prompts(panel)
        if shown and all(re.fullmatch(r"\[\d+\]:", p) for p in shown):
            return
        page.wait_for_timeout(2000)
    pytest.fail(f"Run All did not finish within {timeout_s:.0f} s: prompts {prompts(panel)}")


def raw_roles_settled(page, panel, source: Path, timeout_s: float = 300) -> list[str]:
    """:func:`raw_roles` once jupyterlab-myst's expression replies have arrived (they come
    after the code cells, from the same kernel queue). The wait ends as soon as none is
    left; how long it took is printed."""
    start = time.time()
    while True:
        problems = raw_roles(panel, source)
        if not problems or time.time() > start + timeout_s:
            print(f"{source.name}: rendered prose settled after {time.time() - start:.0f} s "
                  f"({len(problems)} raw role(s) left)")
            return problems
        page.wait_for_timeout(3000)


def raw_roles(panel, source: Path) -> list[str]:
    """Rendered prose that still shows a role, an unevaluated expression, or a glued name
    (an unknown role renders its content; a failed expression names what is missing)."""
    from mlfootprint.lab import GLUE_ROLE

    names = sorted({m.group(2) for m in GLUE_ROLE.finditer(source.read_text())
                    if "_" in m.group(2) or ":" in m.group(2)})
    texts = panel.locator(".jp-MarkdownCell").evaluate_all("els => els.map(e => e.innerText)")
    assert len(texts) > 5 and sum(map(len, texts)) > 1000, "no rendered prose found"
    found = [t[:200] for t in texts if re.search(r"\{glue|\{eval\}|glued\(|glue:", t)]
    found += [f"{n!r} shown instead of its value" for n in names if any(n in t for t in texts)]
    return found


def tracebacks(panel) -> list[str]:
    return panel.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").evaluate_all(
        "els => els.map(e => e.innerText).filter(t => t.includes('Traceback')).map(t => t.slice(0, 300))")


def save(page) -> None:
    page.keyboard.press("Control+s")
    page.wait_for_timeout(2000)


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def bench_input(bench, label: str):
    return bench.locator(".widget-text, .widget-inline-hbox", has_text=label).locator("input").first


# chapter -> (settings typed into its bench, a bad setting, words its message must hold)
BENCH_RUNS = {
    "classification": ({"layer sizes": "16, 8", "epochs": "2"}, ("layer sizes", "0"), "at least 1"),
    "generation": ({"epochs (CVAE)": "2"}, ("hidden sizes", "abc"), "whole number"),
}


@pytest.mark.browser
@pytest.mark.parametrize("chapter", list(BENCH_RUNS))
def test_a_chapter_and_its_bench(lab, browser, chapter):
    """Run All, the prose with its numbers, the bench (forecast, run with its progress bar,
    "Yours" with the figure, a bad setting), then the chapter saved unchanged."""
    settings, (bad_label, bad_value), words = BENCH_RUNS[chapter]
    source = BOOK / f"{chapter}.md"
    before = digest(source)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        panel = open_chapter(page, lab, chapter)
        run_all(page, panel, RUN_ALL_TIMEOUT_S)
        assert not tracebacks(panel)
        problems = raw_roles_settled(page, panel, source)
        assert not problems, problems
        bench = panel.locator(".mlfp-bench").last
        bench.scroll_into_view_if_needed()
        for label, value in settings.items():
            bench_input(bench, label).fill(value)
            bench_input(bench, label).press("Enter")
        shot(page, f"{chapter}-before")
        bench.get_by_role("button", name="Forecast").click()
        bench.locator(".mlfp-bench-forecast").wait_for(timeout=300_000)
        assert "CO₂" in bench.locator(".mlfp-bench-forecast").inner_text()
        bench.get_by_role("button", name="Run").click()
        bench.locator(".widget-hprogress").first.wait_for(state="visible", timeout=60_000)
        bench.locator(".widget-hprogress").first.scroll_into_view_if_needed()
        shot(page, f"{chapter}-during")
        bench.locator(".mlfp-bench-result").wait_for(timeout=600_000)
        assert "Yours" in bench.locator(".mlfp-bench-result").inner_text()
        assert bench.locator("img").count() >= 1          # the chapter's figure with yours on it
        bench.locator("img").last.scroll_into_view_if_needed()
        shot(page, f"{chapter}-after")
        bench_input(bench, bad_label).fill(bad_value)
        bench_input(bench, bad_label).press("Enter")
        bench.get_by_role("button", name="Forecast").click()
        err = bench.locator(".mlfp-bench-error")
        err.wait_for(timeout=60_000)
        assert words in err.inner_text()
        shot(page, f"{chapter}-bad-setting")
        save(page)
    finally:
        page.close()
    assert digest(source) == before, f"opening, running and saving the chapter changed {chapter}.md"


@pytest.mark.browser
def test_text_chapter_and_its_bench(lab, browser):
    source = BOOK / "text.md"
    before = digest(source)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        panel = open_chapter(page, lab, "text")
        run_all(page, panel, RUN_ALL_TIMEOUT_S)
        problems = raw_roles_settled(page, panel, source)
        assert not problems, problems
        bench = panel.locator(".mlfp-bench").last
        bench.scroll_into_view_if_needed()
        bench_input(bench, "new tokens").fill("8")
        bench_input(bench, "new tokens").press("Enter")
        shot(page, "text-before")
        bench.get_by_role("button", name="Forecast").click()
        bench.locator(".mlfp-bench-forecast").wait_for(timeout=300_000)
        bench.get_by_role("button", name="Run").click()
        shot(page, "text-during")
        bench.locator(".mlfp-bench-result").wait_for(timeout=300_000)
        bench.locator("img").last.scroll_into_view_if_needed()
        shot(page, "text-after")
        bench_input(bench, "sentence").fill("no blank here")
        bench_input(bench, "sentence").press("Enter")
        bench.get_by_role("button", name="Forecast").click()
        bench.locator(".mlfp-bench-error").wait_for(timeout=60_000)
        assert "[MASK]" in bench.locator(".mlfp-bench-error").inner_text()
        save(page)
    finally:
        page.close()
    assert digest(source) == before, "opening, running and saving the chapter changed text.md"


def test_glue_roles_round_trip_through_the_lab_contents_manager():
    """The server-side rewrite is exact for every chapter (fast, no browser)."""
    import jupytext

    from mlfootprint import lab as labmod

    for path in sorted(BOOK.glob("*.md")):
        text = path.read_text()
        nb = jupytext.reads(text, fmt="md:myst")
        shown = labmod.to_lab(nb)
        assert "{glue" not in "".join(c.source for c in shown.cells if c.cell_type == "markdown"), path.name
        for c in shown.cells:
            if c.cell_type == "markdown":
                c.metadata["user_expressions"] = [{"expression": "x", "result": {}}]
        back = jupytext.writes(labmod.from_lab(shown), fmt="md:myst")
        assert back == text, f"{path.name} changes when opened and saved in JupyterLab"
