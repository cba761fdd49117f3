"""The book's local Sphinx extensions, in a real (tiny) MyST-NB build that executes a notebook.

* ``book/_ext/static_build.py``: the kernel the build starts inherits
  ``MLFOOTPRINT_STATIC_BUILD=1``, so the course's bars are silent in the build;
* ``book/_ext/no_progress_bars.py``: a bar drawn by another library (raw ``tqdm.auto``) is
  taken out of the page and its widget state, and so is a closed bar's text fallback, while
  a real widget (a slider) stays;
* ``book/_ext/figure_alt.py``: a figure shown by a cell gets its alt text and caption from
  the output metadata that ``mlfootprint.plots`` adds;
* ``mlfootprint.display.source_note`` renders as an admonition.

The build runs in a subprocess (the extension changes the environment of its process).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXT = ROOT / "book" / "_ext"

NOTEBOOK_CELLS = [
    "import os\nprint('static build:', os.environ.get('MLFOOTPRINT_STATIC_BUILD'))",
    "from mlfootprint.progress import tqdm\nfor _ in tqdm(range(3), desc='course bar'):\n    pass",
    "from tqdm.auto import tqdm as raw\nfor _ in raw(range(3), desc='library bar'):\n    pass",
    # a bar whose widget is closed before the state is saved: the page gets its text fallback
    "closed = raw(range(272), desc='closed ' + 'bar')\nclosed.container.close()",
    textwrap.dedent("""\
        import matplotlib.pyplot as plt
        from mlfootprint import plots
        def draw():
            fig, ax = plt.subplots()
            ax.plot([1, 2], [3, 4])
            ax.set_title('Energy against work')
            ax.set_xlabel('Work (GFLOP)')
            ax.set_ylabel('Energy (J)')
            return plots.describe(fig, caption='Energy grows with work.')
        draw();"""),
    "fig, ax = plt.subplots()\nax.set_title('No caption here')",
    "import ipywidgets\nipywidgets.IntSlider(description='kept slider')",
    "from mlfootprint import display\n"
    "display.source_note('Digits: the bundled MNIST digits, because the download failed.')",
]

CONF = """
import sys
sys.path.insert(0, {ext!r})
extensions = ["myst_nb", "static_build", "no_progress_bars", "figure_alt"]
nb_execution_mode = "force"
nb_execution_timeout = 300
nb_merge_streams = True
nb_output_stderr = "remove"
suppress_warnings = ["mystnb.unknown_mime_type"]
"""


@pytest.fixture(scope="module")
def built_page(tmp_path_factory) -> str:
    import nbformat

    src = tmp_path_factory.mktemp("src")
    out = src.parent / (src.name + "_html")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Tiny page")] +
                                  [nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, src / "index.ipynb")
    (src / "conf.py").write_text(CONF.format(ext=str(EXT)))
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src), str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return (out / "index.html").read_text()


def test_kernels_of_the_build_know_it_is_the_static_build(built_page):
    assert "static build: 1" in built_page


def test_no_progress_bar_in_the_built_page(built_page):
    views = re.findall(r'<script type="application/vnd.jupyter.widget-view\+json">(.*?)</script>',
                       built_page)
    state = json.loads(re.search(r'<script type="application/vnd.jupyter.widget-state\+json">'
                                 r'(.*?)</script>', built_page, re.S).group(1))["state"]
    names = [m["model_name"] for m in state.values()]
    assert "FloatProgressModel" not in names, "a progress bar's model reached the page"
    assert len(views) == 1, "only the slider's view should be left"
    assert state[json.loads(views[0])["model_id"]]["model_name"] == "IntSliderModel"
    assert "course bar" not in json.dumps(state) and "library bar" not in json.dumps(state)
    assert "kept slider" in json.dumps(state)
    assert "closed bar:" not in built_page, "a bar's text fallback reached the page"


def test_figures_get_alt_text_and_captions(built_page):
    images = re.findall(r"<img[^>]*>", built_page)
    assert len(images) == 2
    alts = [re.search(r'alt="([^"]*)"', img).group(1) for img in images]
    assert alts == ["Figure: Energy against work. X axis: Work (GFLOP); y axis: Energy (J).",
                    "Figure: No caption here."]
    caption = re.search(r"<figcaption>(.*?)</figcaption>", built_page, re.S).group(1)
    assert "Energy grows with work." in caption
    assert built_page.count("<figcaption>") == 1


def test_source_note_is_an_admonition(built_page):
    assert '<div class="admonition note mlf-note"><p class="admonition-title">' in built_page
    assert "Digits: the bundled MNIST digits, because the download failed." in built_page


def test_extension_environment_matches_the_library():
    from mlfootprint import progress

    spec = importlib.util.spec_from_file_location("static_build", EXT / "static_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.STATIC_BUILD_ENVIRONMENT == progress.STATIC_BUILD_ENVIRONMENT


def test_book_config_loads_the_extensions():
    import yaml

    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    local = config["sphinx"]["local_extensions"]
    for name in ("static_build", "no_progress_bars", "figure_alt", "dedupe_inline_scripts"):
        assert name in local and (ROOT / "book" / local[name] / f"{name}.py").is_file()
    json.dumps(local)  # plain mapping
