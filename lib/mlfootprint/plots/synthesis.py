"""Figures for the synthesis chapter and the tour: all models on common axes."""

from __future__ import annotations

import numpy as np

from . import method_footnote, new_figure

TASK_COLOURS = {"image classification": "#1f77b4", "image generation": "#2ca02c",
                "fill-in-the-blank": "#17becf", "text generation": "#d62728"}
TASK_MARKERS = {"image classification": "o", "image generation": "s",
                "fill-in-the-blank": "^", "text generation": "D"}


def cost_vs_parameters(summaries, method_text: str):
    """Log-log: energy per 1,000 inferences against parameters, one colour per task."""
    fig, ax = new_figure(7.0, 4.6)
    for task in dict.fromkeys(s.task for s in summaries):
        rows = [s for s in summaries if s.task == task]
        x = np.array([max(s.parameters, 1) for s in rows], dtype=float)
        y = np.array([s.infer_energy_kwh * 1000 * 1000 for s in rows])  # Wh per 1,000
        ax.scatter(x, y, s=45, color=TASK_COLOURS.get(task, "grey"), marker=TASK_MARKERS.get(task, "o"),
                   label=f"{task} (per {rows[0].inference_unit})", edgecolor="black", linewidth=0.4)
        for s, xi, yi in zip(rows, x, y):
            if task != "image classification" or s.model in (rows[0].model, rows[-1].model):
                ax.annotate(s.model, (xi, yi), fontsize=7, xytext=(4, 3), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("parameters (log scale)")
    ax.set_ylabel("energy per 1,000 inferences (Wh, log scale)")
    ax.set_title("What one use costs, across every model of the course")
    ax.legend(fontsize=8, loc="lower right")
    method_footnote(fig, method_text)
    return fig


def mitigation_bars(rows: list[dict]):
    """Horizontal bars: fraction of energy (or CO2) saved by each mitigation."""
    fig, ax = new_figure(6.4, 0.5 + 0.5 * len(rows))
    labels = [r["mitigation"] for r in rows]
    # the grid changes CO2, not energy: show what each mitigation actually cuts
    saved = [100 * r.get("co2_saved", r["energy_saved"]) for r in rows]
    ax.barh(labels, saved, color="#2ca02c")
    for i, v in enumerate(saved):
        ax.text(v + 1, i, f"{v:.0f}%", va="center", fontsize=8)
    ax.set_xlim(0, 110)
    ax.set_xlabel("saved (% of energy; % of CO2 for the grid)")
    ax.set_title("Measured savings of each mitigation")
    ax.invert_yaxis()
    return fig
