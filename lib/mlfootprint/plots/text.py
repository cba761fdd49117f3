"""Figures for the Text chapter: fill-in-the-blank probabilities, energy per token, cost per query."""

from __future__ import annotations

import html
from typing import Sequence

import numpy as np

from . import FAMILY_COLOURS, method_footnote, new_figure


def fill_mask_bars(result, title: str | None = None):
    """Horizontal bars of the top-k probabilities, one panel per blank."""
    import matplotlib.pyplot as plt

    n = len(result.predictions)
    if n == 0:
        raise ValueError("the result has no blanks to draw")
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n + 0.6, 2.6), constrained_layout=True, squeeze=False)
    for i, (ax, preds) in enumerate(zip(axes[0], result.predictions)):
        tokens = [p["token"] for p in preds][::-1]
        probs = [p["probability"] for p in preds][::-1]
        ax.barh(tokens, probs, color=FAMILY_COLOURS["fill-mask"])
        ax.set_xlim(0, 1)
        ax.set_xlabel("probability (softmax)")
        ax.set_title(f"blank {i + 1}" if n > 1 else "the blank", fontsize=10)
        for y, p in enumerate(probs):
            ax.text(min(p + 0.02, 0.8), y, f"{p:.2f}", va="center", fontsize=8)
    fig.suptitle(title or f"“{result.text}”", fontsize=10)
    return fig


def generation_html(result) -> str:
    """A generation shown as HTML: the prompt in grey, the new tokens in bold, and the counts."""
    note = f"<br><i>{html.escape(result.note)}</i>" if result.note else ""
    end = " (stopped at end-of-text)" if result.stopped_at_eos else ""
    s = result.settings
    temp = "greedy" if s["temperature"] == 0 else f"temperature {s['temperature']}"
    return (f"<div style='font-family:sans-serif;max-width:620px'>"
            f"<span style='color:#777'>{html.escape(result.prompt)}</span>"
            f"<b>{html.escape(result.new_text)}</b>"
            f"<div style='font-size:80%;color:#555'>{result.n_new_tokens} new tokens{end} of at most "
            f"{s['max_new_tokens']}; {temp}, seed {s['seed']}; prompt {result.n_prompt_tokens} tokens; "
            f"{html.escape(result.model)}{note}</div></div>")


def energy_vs_tokens(records: Sequence, fit, title: str = "Energy of one generation query vs tokens generated"):
    """Energy per query (J, mean ± std over repeats) against new tokens, with the fitted line."""
    fig, ax = new_figure(6.4, 4.0)
    x = np.array([r.settings["n_tokens"] for r in records], dtype=float)
    y = np.array([r.energy_j for r in records])
    err = np.array([r.energy_spread["std"] * 3.6e6 for r in records])
    ax.errorbar(x, y, yerr=err, fmt="o", color=FAMILY_COLOURS["generation"], capsize=4,
                label="measured (mean ± std)")
    xs = np.linspace(0, x.max() * 1.05, 50)
    ax.plot(xs, fit.slope_j_per_token * xs + fit.intercept_j, "--", color="#444",
            label=f"fit: {fit.slope_j_per_token:.3g} J/token + {fit.intercept_j:.3g} J (R² {fit.r2:.2f})")
    ax.set_xlabel("new tokens generated per query")
    ax.set_ylabel("energy per query (J)")
    ax.set_title(title)
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    method_footnote(fig, records[-1])
    return fig


def cost_per_query(fill_record, gen_record, fill_label: str, gen_label: str):
    """Energy per query for fill-in-the-blank and for generation, side by side (log scale)."""
    fig, ax = new_figure(6.4, 3.6)
    values = [fill_record.energy_j, gen_record.energy_j]
    errs = [fill_record.energy_spread["std"] * 3.6e6, gen_record.energy_spread["std"] * 3.6e6]
    bars = ax.bar([fill_label, gen_label], values, yerr=errs, capsize=4,
                  color=[FAMILY_COLOURS["fill-mask"], FAMILY_COLOURS["generation"]])
    ax.set_yscale("log")
    ax.set_ylabel("energy per query (J, log scale)")
    ratio = gen_record.energy_j / fill_record.energy_j
    ax.set_title(f"One query: generation costs {ratio:,.0f}× fill-in-the-blank")
    for bar, v in zip(bars, values):
        ax.annotate(f"{v:.3g} J", (bar.get_x() + bar.get_width() / 2, v), ha="center",
                    va="bottom", fontsize=9, xytext=(0, 3), textcoords="offset points")
    method_footnote(fig, f"fill-mask: {fill_record.method_short()} | generation: {gen_record.method_short()}")
    return fig


def load_vs_inference(items: Sequence[tuple[str, object]], title: str = "Loading a model vs using it"):
    """Horizontal bars of energy (J, log scale) for each ``(label, Measurement)``."""
    fig, ax = new_figure(6.8, 0.5 * len(items) + 1.6)
    labels = [label for label, _ in items][::-1]
    values = [rec.energy_j for _, rec in items][::-1]
    colours = [FAMILY_COLOURS["generation"] if "gener" in label.lower() or "smol" in label.lower()
               or "gpt" in label.lower() else FAMILY_COLOURS["fill-mask"] for label in labels]
    ax.barh(labels, values, color=colours)
    ax.set_xscale("log")
    ax.set_xlabel("energy (J, log scale)")
    ax.set_title(title)
    for y, v in enumerate(values):
        ax.text(v, y, f" {v:.3g} J", va="center", fontsize=8)
    method_footnote(fig, items[-1][1])
    return fig


def pretraining_loss(losses: Sequence[float], title: str = "Pre-training the course's mini-BERT"):
    fig, ax = new_figure(6.0, 3.2)
    losses = np.asarray(losses, dtype=float)
    window = max(1, len(losses) // 30)
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    ax.plot(np.arange(len(losses)), losses, alpha=0.3, color=FAMILY_COLOURS["fill-mask"], label="per step")
    ax.plot(np.arange(len(smooth)) + window - 1, smooth, color=FAMILY_COLOURS["fill-mask"],
            label=f"moving mean ({window} steps)")
    ax.set_xlabel("training step (batch of sequences)")
    ax.set_ylabel("masked-word loss (nats)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return fig
