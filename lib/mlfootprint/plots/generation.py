"""Figures for the image-generation chapter. They take images and rows
(:class:`mlfootprint.generate.summary.Row`), never models, and compute nothing but layout:
scores and costs come from the chapter, comparisons from :mod:`mlfootprint.compare` and
:mod:`mlfootprint.quality.verdicts`."""

from __future__ import annotations

import numpy as np

from .. import units
from ..generate.summary import Row
from ..quality import NAMES
from . import PALETTE, describe, family_colour, family_marker, new_figure, plt

_PERCENT = ("accuracy", "precision", "recall")


def mosaic(images, rows: int, cols: int, pad: int = 2) -> np.ndarray:
    """Images (rows*cols, 28, 28), row-major, as one array with ``pad`` blank pixels between."""
    arr = np.asarray(images, dtype=np.float32).reshape(rows, cols, 28, 28)
    arr = np.pad(arr, [(0, 0), (0, 0), (0, pad), (0, pad)])   # blank pixels after each image
    out = arr.transpose(0, 2, 1, 3).reshape(rows * (28 + pad), cols * (28 + pad))
    return out[:out.shape[0] - pad, :out.shape[1] - pad]


def _grid_figure(images, figsize, col_labels, row_labels, xlabel: str, ylabel: str, title: str,
                 row_fontsize: int = 7):
    """The images as one grid (rows by columns), each row and column labelled, no frame."""
    pad, rows, cols = 2, len(row_labels), len(col_labels)
    fig, ax = plt.subplots(figsize=figsize)
    ax.imshow(mosaic(images, rows, cols, pad), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([c * (28 + pad) + 14 for c in range(cols)], col_labels, fontsize=7)
    ax.set_yticks([r * (28 + pad) + 14 for r in range(rows)], row_labels, fontsize=row_fontsize)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def sample_grid(images, n_per_class: int, title: str, subtitle: str | None = None,
                cell: float = 0.42):
    """One row per digit, labelled with the class that was asked for, ``n_per_class`` samples
    per row. ``images`` are grouped by class as made by
    :func:`mlfootprint.generate.balanced_labels`."""
    fig = _grid_figure(images, (cell * n_per_class + 1.0, cell * 10 + 0.7),
                       [str(c + 1) for c in range(n_per_class)], [f"asked: {r}" for r in range(10)],
                       "sample", "", title if not subtitle else f"{title}\n{subtitle}", row_fontsize=8)
    alt = (f"{title}. A grid of handwritten digits: one row per requested digit from 0 to 9, "
           f"{n_per_class} samples per row.") + (f" {subtitle}." if subtitle else "")
    return describe(fig, alt=alt)


def latent_grid(images, z1_values, z2_values, digit: int, title: str | None = None):
    """Decoded digits over a grid of the two code numbers: z1 across, z2 down."""
    rows, cols = len(z2_values), len(z1_values)
    title = title or f"Digit {digit} decoded from a grid of two-number codes"
    fig = _grid_figure(images, (0.55 * cols + 1.0, 0.55 * rows + 0.9), [units.number(v, 2) for v in z1_values],
                       [units.number(v, 2) for v in z2_values], "first code number z1",
                       "second code number z2", title)
    return describe(fig, alt=f"{title}: a {rows} by {cols} grid of the same digit, {digit}, whose "
                             f"slant, width and stroke change smoothly from one cell to the next.")


def _plot_value(measure: str, v: float) -> float:
    return 100 * v if measure in _PERCENT else v


def _label(measure: str) -> str:
    return f"{NAMES[measure]} (%)" if measure in _PERCENT else NAMES[measure]


def judge_readings(rows: list[Row], measure: str, title: str | None = None):
    """Each judge's reading of ``measure`` for every row: the spread of the instrument."""
    fig, ax = new_figure(6.8, 0.42 * len(rows) + 1.4)
    judges = rows[0].scores.judges
    markers = ["o", "s", "^", "D", "v", "P"]
    for k, j in enumerate(judges):
        xs = [_plot_value(measure, getattr(r.scores.by_judge[j], measure)) for r in rows]
        ax.scatter(xs, range(len(rows)), marker=markers[k % len(markers)], s=36, label=j, zorder=3)
    for i, r in enumerate(rows):
        lo, hi = (_plot_value(measure, v) for v in r.scores.range(measure))
        ax.plot([lo, hi], [i, i], color=PALETTE["dark grey"], lw=1, zorder=2)
    ax.set_yticks(range(len(rows)), [r.name for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set(xlabel=_label(measure), title=title or f"{NAMES[measure].capitalize()}: what each judge reads")
    ax.legend(fontsize=8, title="judge", title_fontsize=8, loc="best")
    return describe(fig, caption="One line per set of digits; each marker is one judge's reading, "
                                 "the line between them the range of the panel.")


def precision_recall(rows: list[Row]):
    """Precision against recall for every row, with each judge's range as a cross."""
    fig, ax = new_figure(6.2, 5.0)
    for r in rows:
        px, py = 100 * r.scores.mean("recall"), 100 * r.scores.mean("precision")
        (xlo, xhi), (ylo, yhi) = ([100 * v for v in r.scores.range(m)] for m in ("recall", "precision"))
        ax.errorbar([px], [py], xerr=[[max(0.0, px - xlo)], [max(0.0, xhi - px)]],
                    yerr=[[max(0.0, py - ylo)], [max(0.0, yhi - py)]],
                    fmt=family_marker(r.family), color=family_colour(r.family), ms=7, capsize=3)
        ax.annotate(r.name, (px, py), textcoords="offset points", xytext=(6, -10), fontsize=7)
    ax.set(xlim=(-3, 103), ylim=(min(50, ax.get_ylim()[0]), 101),
           xlabel="recall: share of real digits the generated ones cover (%)",
           ylabel="precision: share of generated digits that look real (%)",
           title="Fidelity against coverage, in the judges' feature space")
    return describe(fig, caption="Each marker is the panel's mean; the cross spans the lowest to "
                                 "the highest judge. Up is more realistic, right covers more of "
                                 "the variety of real digits.")
