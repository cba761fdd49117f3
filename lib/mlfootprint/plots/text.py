"""Figures for the Text chapter: fill-in-the-blank probabilities, energy per token, the two causes
of a query's cost, loading against using, pre-training, and the measured mitigation.
Energies are drawn in J and labelled in a human unit; the page's method box states the
instrument once, a figure's small print only what differs (repeats, pairs, single run).
"""

from __future__ import annotations

import html
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np

from .. import units
from . import FAMILY_COLOURS, PALETTE, describe, energy_barh, family_colour, method_footnote, new_figure
from .axes import axis

FILL, GEN = FAMILY_COLOURS["fill-mask"], FAMILY_COLOURS["generation"]


def fill_mask_bars(result, title: str | None = None):
    """Horizontal bars of the top-k probabilities, one panel per blank."""
    n = len(result.predictions)
    if n == 0:
        raise ValueError("the result has no blanks to draw")
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n + 0.6, 2.6), constrained_layout=True, squeeze=False)
    for i, (ax, preds) in enumerate(zip(axes[0], result.predictions)):
        tokens = [p["token"] for p in preds][::-1]
        probs = [p["probability"] for p in preds][::-1]
        ax.barh(tokens, probs, color=FILL, edgecolor="#333333")
        ax.set_xlim(0, 1)
        ax.set_xlabel("probability (softmax)")
        ax.set_ylabel("word")
        ax.set_title(f"blank {i + 1}" if n > 1 else "the blank", fontsize=10)
        for y, p in enumerate(probs):
            ax.text(min(p + 0.02, 0.8), y, units.number(p, 2), va="center", fontsize=8)
    fig.suptitle(title or f"“{result.text}”", fontsize=10)
    words = "; ".join(f"blank {i + 1}: " + ", ".join(f"{p['token']} {units.percent(p['probability'], 2)}"
                                                     for p in preds)
                      for i, preds in enumerate(result.predictions))
    return describe(fig, alt=f"Figure: the most probable words for “{result.text}”. {words}.")


def generation_html(result) -> str:
    """A generation shown as HTML: the prompt in grey, the new tokens in bold, and the counts."""
    note = f"<br><i>{html.escape(result.note)}</i>" if result.note else ""
    end = " (stopped at end-of-text)" if result.stopped_at_eos else ""
    s = result.settings
    temp = "greedy" if s["temperature"] == 0 else f"temperature {units.number(s['temperature'])}"
    return (f"<div style='font-family:sans-serif;max-width:620px'>"
            f"<span style='color:#555'>{html.escape(result.prompt)}</span>"
            f"<b>{html.escape(result.new_text)}</b>"
            f"<div style='font-size:80%;color:#444'>{result.n_new_tokens} new tokens{end} of at most "
            f"{s['max_new_tokens']}; {temp}, seed {s['seed']}; prompt {result.n_prompt_tokens} tokens; "
            f"{html.escape(result.model)}{note}</div></div>")


def energy_vs_tokens(records: Sequence, line, title: str = "Energy of one generation query vs tokens generated"):
    """Energy per query (J, mean ± std over repeats) against new tokens, with the fitted line
    (``line`` has ``slope`` and ``intercept`` in J, as :func:`scipy.stats.linregress` returns)."""
    fig, ax = new_figure(6.4, 4.0)
    x = np.array([r.settings["n_tokens"] for r in records], dtype=float)
    y = np.array([r.energy_j for r in records])
    err = np.array([r.energy_spread["std"] * 3.6e6 for r in records])
    ax.errorbar(x, y, yerr=err, fmt="o", color=GEN, capsize=4, label="measured (mean ± std over repeats)")
    xs = np.linspace(0, x.max() * 1.05, 50)
    unit = units.pick_unit(list(y), "J")
    ax.plot(xs, line.slope * xs + line.intercept, "--", color=PALETTE["dark grey"],
            label=f"least-squares line: {units.energy(line.slope, 'J', to=unit)} per token")
    ax.set(xlabel="new tokens generated per query", title=title, xlim=(0, None), ylim=(0, None))
    axis(ax, "y", "energy per query", "J", to=unit)
    ax.legend(fontsize=8)
    method_footnote(fig, f"{records[-1].repeats} repeats per point")
    return fig


def _bar_labels(ax, bars, values, unit: str, dx: int = 0) -> None:
    """Each bar's energy (J) written above it, in ``unit``."""
    for bar, v in zip(bars, values):
        ax.annotate(units.energy(v, "J", to=unit), (bar.get_x() + bar.get_width() / 2, v), ha="center",
                    va="bottom", fontsize=9, xytext=(dx, 3), textcoords="offset points")


def query_breakdown(rows: Sequence[tuple[str, object]], passes, size,
                    title: str = "One query of each kind, and the two causes of the gap"):
    """Three queries (``(label, Measurement)``: fill-in-the-blank, one pass of the generator, a
    generation query) on a log scale, with the two paired ratios marked: ``size`` (one pass
    over fill-in-the-blank) and ``passes`` (generation over one pass), each a Verdict."""
    fig, ax = new_figure(6.8, 4.0)
    labels = [label.replace(" (", "\n(") for label, _ in rows]
    values = [rec.energy_j for _, rec in rows]
    unit = units.pick_unit([max(values)], "J")      # one unit that keeps the largest bar short
    _bar_labels(ax, ax.bar(labels, values, color=[FILL, GEN, GEN], edgecolor="#333333"), values, unit)
    ax.set_yscale("log")
    ax.set_title(title)
    axis(ax, "y", "energy per query", "J", to=unit)
    ax.set_ylim(top=max(values) * 8)
    for x0, x1, v, what in ((0, 1, size, "size"), (1, 2, passes, "passes")):
        top = max(values[x0], values[x1]) * 2.5
        ax.annotate("", (x1, top), (x0, top), arrowprops=dict(arrowstyle="->", color="#333333"))
        ax.text((x0 + x1) / 2, top * 1.15, f"{what}: {units.times(v.ratio)}", ha="center", fontsize=9)
    method_footnote(fig, f"ratios over {passes.n} interleaved pairs each; bars: mean per query")
    return describe(fig, caption=(f"Paired ratios: {units.times(passes.ratio)} from the number of forward "
                                  f"passes (same model), {units.times(size.ratio)} from the model."))


def load_vs_inference(items: Sequence[tuple[str, object, str]], title: str = "Loading a model vs using it"):
    """Horizontal bars of energy (log scale) for each ``(label, Measurement, family)``,
    ``family`` being ``"generation"`` or ``"fill-mask"`` (the colour)."""
    fig, ax = new_figure(6.8, 0.5 * len(items) + 1.6)
    unit = units.pick_unit([rec.energy_j for _, rec, _ in items], "J")
    energy_barh(ax, [(label, rec.energy_j, family_colour(family)) for label, rec, family in items], unit)
    axis(ax, "x", "energy", "J", to=unit)
    ax.set_title(title)
    single = [label for label, rec, _ in items if rec.single_run]
    repeats = sorted({rec.repeats for _, rec, _ in items if not rec.single_run})
    parts = [f"{label}: single run" for label in single]
    if repeats:
        parts.append(f"{'the others' if single else 'each'}: mean of "
                     f"{' or '.join(map(str, repeats))} runs")
    method_footnote(fig, "; ".join(parts))
    return fig


def pretraining_loss(losses: Sequence[float], title: str = "Pre-training the course's mini-BERT"):
    fig, ax = new_figure(6.0, 3.2)
    losses = np.asarray(losses, dtype=float)
    window = max(1, len(losses) // 30)
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    ax.plot(np.arange(len(losses)), losses, alpha=0.35, color=PALETTE["sky blue"], label="per step")
    ax.plot(np.arange(len(smooth)) + window - 1, smooth, color=PALETTE["blue"],
            label=f"moving mean ({window} steps)")
    ax.set(xlabel="training step (batch of sequences)", ylabel="masked-word loss (nats)", title=title)
    ax.legend(fontsize=8)
    return fig


def mitigation_bars(m, title: str | None = None):
    """Energy per generated token before and after a mitigation (both measured)."""
    fig, ax = new_figure(5.6, 3.4)
    values = [m.j_per_token_before, m.j_per_token_after]
    unit = units.pick_unit([max(values)], "J")
    err = [m.before.energy_spread["std"] * 3.6e6, m.after.energy_spread["std"] * 3.6e6]
    bars = ax.bar([m.before_label, m.after_label], values, yerr=err, capsize=4,
                  color=[PALETTE["dark grey"], GEN], edgecolor="#333333")
    _bar_labels(ax, bars, values, unit, dx=6)
    ax.set_title(title or f"Measured mitigation: {m.after_label} ({len(m.prompts)} queries of "
                          f"{m.n_tokens} tokens)")
    ax.set_ylim(0, max(values) * 1.25)
    axis(ax, "y", "energy per generated token", "J", to=unit)
    method_footnote(fig, f"mean ± std over {m.before.repeats} interleaved pairs")
    return fig
