"""Figures for the synthesis chapter and the tour: every model on common axes."""

from __future__ import annotations

import numpy as np

from ..synthesis.summaries import one_unit
from . import PALETTE, describe, family_colour, new_figure
from .axes import axis

TASK_COLOURS = {"image classification": PALETTE["blue"], "image generation": PALETTE["bluish green"],
                "fill-in-the-blank": family_colour("fill-mask"), "text generation": family_colour("generation")}
TASK_MARKERS = {"image classification": "o", "image generation": "s", "fill-in-the-blank": "^",
                "text generation": "D"}


def cost_vs_parameters(summaries, *, caption: str | None = None):
    """Log-log: energy per use against parameters, one colour and marker per task;
    the models with the fewest and the most parameters of each task are named (the pair the
    synthesis measures; a figure of single points never says which costs more)."""
    fig, ax = new_figure(7.0, 4.6)
    ys = []
    x_max = max(max(s.parameters, 1) for s in summaries)
    for task in dict.fromkeys(s.task for s in summaries):
        rows = [s for s in summaries if s.task == task]
        x = np.array([max(s.parameters, 1) for s in rows], dtype=float)
        y = np.array([s.per_use.energy_j for s in rows])   # J per use
        ys.extend(y)
        ax.scatter(x, y, s=45, color=TASK_COLOURS.get(task, PALETTE["dark grey"]),
                   marker=TASK_MARKERS.get(task, "o"), label=f"{task} (per {rows[0].use})",
                   edgecolor="black", linewidth=0.4)
        ends = {min(rows, key=lambda s: s.parameters).model, max(rows, key=lambda s: s.parameters).model}
        below = task == "image classification"   # under its points, clear of the generators' labels
        for s, xi, yi in zip(rows, x, y):
            if s.model in ends:
                left = xi >= x_max        # the rightmost label goes to the left of its point
                ax.annotate(s.model, (xi, yi), fontsize=7, xytext=(-4 if left else 4, -10 if below else 4),
                            textcoords="offset points", ha="right" if left else "left")
    ax.set_xscale("log")
    ax.set_yscale("log")
    axis(ax, "x", "Parameters", counts=True)
    # the unit of the synthesis table's "Per use" column: one unit per quantity on the page
    axis(ax, "y", "Energy per use", "J", to=one_unit([y / 3.6e6 for y in ys], "kWh", system="J").unit)
    ax.set_title("What one use costs, for every model of the course")
    ax.legend(fontsize=8, loc="best")
    return describe(fig, caption=caption)
