"""Figures built from records. One module per chapter's family of figures; shared helpers here.

Every figure has a title, labelled axes with units, and -- where it shows energy or CO2 --
a footnote with the measurement method (see :func:`method_footnote`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt

FAMILY_COLOURS = {
    "MLP": "#1f77b4", "CNN": "#d62728", "CVAE-MLP": "#2ca02c", "CVAE-CNN": "#9467bd",
    "PCA": "#ff7f0e", "Pixel": "#8c564b", "GMM": "#e377c2", "fill-mask": "#17becf",
    "generation": "#bcbd22",
}


def new_figure(width: float = 6.4, height: float = 4.0):
    fig, ax = plt.subplots(figsize=(width, height), constrained_layout=True)
    ax.grid(True, which="both", alpha=0.3)
    return fig, ax


def method_footnote(fig, record_or_text) -> None:
    """Put the measurement method under a figure, in small print."""
    text = record_or_text if isinstance(record_or_text, str) else record_or_text.method_short()
    fig.text(0.0, -0.02, f"Method: {text}", fontsize=7, ha="left", va="top", wrap=True, alpha=0.8)


def joules(kwh: float) -> float:
    return kwh * 3.6e6
