"""Figures for the synthesis chapter and the tour: every model on common axes, and what
each mitigation saved."""

from __future__ import annotations

import numpy as np

from .. import units
from . import PALETTE, describe, family_colour, new_figure
from .axes import axis

TASK_COLOURS = {"image classification": PALETTE["blue"], "image generation": PALETTE["bluish green"],
                "fill-in-the-blank": family_colour("fill-mask"), "text generation": family_colour("generation")}
TASK_MARKERS = {"image classification": "o", "image generation": "s", "fill-in-the-blank": "^",
                "text generation": "D"}
HOW_COLOURS = {"measured": PALETTE["blue"], "computed from a measured run": PALETTE["orange"]}


def cost_vs_parameters(summaries, *, caption: str | None = None):
    """Log-log: energy per 1,000 uses against parameters, one colour and marker per task;
    the cheapest and dearest model of each task are named."""
    fig, ax = new_figure(7.0, 4.6)
    ys = []
    x_max = max(max(s.parameters, 1) for s in summaries)
    for task in dict.fromkeys(s.task for s in summaries):
        rows = [s for s in summaries if s.task == task]
        x = np.array([max(s.parameters, 1) for s in rows], dtype=float)
        y = np.array([s.per_use.energy_j * 1000 for s in rows])   # J per 1,000 uses
        ys.extend(y)
        ax.scatter(x, y, s=45, color=TASK_COLOURS.get(task, PALETTE["dark grey"]),
                   marker=TASK_MARKERS.get(task, "o"), label=f"{task} (per {rows[0].use})",
                   edgecolor="black", linewidth=0.4)
        ends = {min(rows, key=lambda s: s.per_use.energy_kwh).model,
                max(rows, key=lambda s: s.per_use.energy_kwh).model}
        for s, xi, yi in zip(rows, x, y):
            if s.model in ends:
                left = xi >= x_max        # the rightmost label goes to the left of its point
                ax.annotate(s.model, (xi, yi), fontsize=7, xytext=(-4 if left else 4, 3),
                            textcoords="offset points", ha="right" if left else "left")
    ax.set_xscale("log")
    ax.set_yscale("log")
    axis(ax, "x", "Parameters", counts=True)
    axis(ax, "y", "Energy per 1,000 uses", "J", values=ys)
    ax.set_title("What one use costs, for every model of the course")
    ax.legend(fontsize=8, loc="best")
    return describe(fig, caption=caption)


def mitigation_bars(mitigations, *, caption: str | None = None):
    """Horizontal bars: the share of what each mitigation compares that it saved (negative:
    it cost more), coloured by how it was obtained."""
    fig, ax = new_figure(6.6, 1.4 + 0.5 * len(mitigations))
    labels = [m.name[0].upper() + m.name[1:] for m in mitigations]
    saved = [100 * m.saved for m in mitigations]
    colours = [HOW_COLOURS[m.how] for m in mitigations]
    ax.barh(labels, saved, color=colours, edgecolor="black", linewidth=0.4)
    for i, v in enumerate(saved):
        ax.text(v + (1 if v >= 0 else -1), i, units.percent(v / 100), va="center",
                ha="left" if v >= 0 else "right", fontsize=8)
    lo, hi = min(0.0, *saved), max(0.0, *saved)
    ax.set_xlim(lo - 15 if lo < 0 else 0, max(hi + 20, 10))
    ax.axvline(0, color="black", linewidth=0.6)
    for how, colour in HOW_COLOURS.items():
        if any(m.how == how for m in mitigations):
            ax.barh([labels[0]], [0], color=colour, label=how.capitalize())
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, frameon=False)
    axis(ax, "x", "Saved (% of what is compared; CO₂e for the grid)")
    ax.set_title("What each mitigation saved")
    ax.invert_yaxis()
    return describe(fig, caption=caption)
