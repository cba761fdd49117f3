"""Figures and tables for the image-classification chapter, from
:class:`~mlfootprint.records.TrainedRun` records (they never train or compute results).
Energy axes show *training* energy; the method is stated once, in the page's box
(:func:`method_note`), and each energy figure's footnote says only what differs.
"""

from __future__ import annotations

import html
from typing import Sequence

import numpy as np

from . import PALETTE, describe, family_colour, family_marker, method_footnote, new_figure, plt
from .. import classify, display, units
from ..measure.busy import BUSY_SHARE
from ..records import TrainedRun
from .axes import axis


def _scatter(ax, runs: Sequence[TrainedRun], xs, ys, dy: int = 3) -> None:
    """One point per run, a colour and a marker per family, each point named by its sizes
    ("32-16" of "MLP 32-16")."""
    for family in dict.fromkeys(r.family for r in runs):
        idx = [i for i, r in enumerate(runs) if r.family == family]
        ax.scatter([xs[i] for i in idx], [ys[i] for i in idx], color=family_colour(family),
                   marker=family_marker(family), label=family, s=40, zorder=3)
    for r, xv, yv in zip(runs, xs, ys):
        ax.annotate(r.label.split(" ", 1)[-1], (xv, yv), fontsize=7, xytext=(4, dy), textcoords="offset points")


def _percent(ax) -> None:
    """Accuracy (0 to 1) on the y axis, its ticks in percent."""
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: units.percent(v, 3)))


def example_digits(x, y, n: int = 20, title: str = "Example digits and their labels"):
    """A grid of the first ``n`` images with their labels."""
    n = min(int(n), len(y))
    cols = min(10, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.9, rows * 1.05), constrained_layout=True)
    for ax, i in zip(np.atleast_1d(axes).ravel(), range(rows * cols)):
        ax.axis("off")
        if i < n:
            ax.imshow(x[i, 0], cmap="gray_r")
            ax.set_title(str(int(y[i])), fontsize=9)
    fig.suptitle(title)
    labels = ", ".join(str(int(v)) for v in y[:n])
    return describe(fig, alt=f"{title}: {n} handwritten digits, labelled {labels}.")


def size_vs_energy(runs: Sequence[TrainedRun], title: str = "Training energy against model size"):
    """Training energy against parameters (left) and against multiply-adds per image (right),
    log-log, one colour and marker per family."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True, sharey=True)
    for ax, (what, xs_of) in zip(axes, (("Parameters", lambda r: r.n_parameters),
                                        ("Multiply-adds per image",
                                         lambda r: classify.multiply_adds(r.family, r.settings["sizes"])))):
        _scatter(ax, runs, [xs_of(r) for r in runs], [r.training.energy_j for r in runs])
        ax.set(xscale="log", yscale="log", title=f"against {what.lower()}")
        ax.grid(True, which="both", alpha=0.3)
        axis(ax, "x", what, counts=True)
    axis(axes[0], "y", "Training energy", "J", values=[r.training.energy_j for r in runs])
    axes[0].legend(title="family")
    fig.suptitle(title)
    method_footnote(fig, SWEEP_FOOTNOTE)
    return describe(fig, caption="Each point is one model's training run (all epochs, evaluation "
                                 "excluded). Left: against its parameters; right: against the "
                                 "multiply-adds it does per image.")


def accuracy_vs_energy(runs: Sequence[TrainedRun],
                       title: str = "Test accuracy against training energy, with the Pareto front"):
    """Final test accuracy against training energy; the Pareto front joined."""
    fig, ax = new_figure()
    energy = [r.training.energy_j for r in runs]
    acc = [classify.final_accuracy(r) for r in runs]
    _scatter(ax, runs, energy, acc, dy=-9)
    front = classify.pareto_front(list(zip(energy, acc)))
    fx, fy = [energy[i] for i in front], [acc[i] for i in front]
    ax.step(fx, fy, where="post", color="black", lw=1, ls="--", label="Pareto front", zorder=2)
    ax.scatter(fx, fy, facecolors="none", edgecolors="black", s=110, zorder=4)
    ax.set_xscale("log")
    axis(ax, "x", "Training energy", "J", values=energy)
    _percent(ax)
    ax.set(ylabel="Test accuracy", title=title)
    ax.legend(loc="lower right")
    method_footnote(fig, SWEEP_FOOTNOTE)
    return describe(fig, caption="Each point is one model: its training energy and its final test "
                                 "accuracy. The dashed line joins the Pareto front: the models no "
                                 "other model beats on both.")


def learning_curves(runs: Sequence[TrainedRun], title: str = "Loss and accuracy over epochs"):
    """Training-sample and test loss and accuracy at each evaluated epoch of each run."""
    fig, (ax_l, ax_a) = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    for r in runs:
        rows, colour = classify.evaluated(r), None
        ep = [e["epoch"] for e in rows]
        for ax, key in ((ax_l, "loss"), (ax_a, "acc")):   # one colour per run in both panels
            line, = ax.plot(ep, [e[f"test_{key}"] for e in rows], color=colour, lw=1.5,
                            marker=family_marker(r.family), ms=3, label=r.label)
            colour = line.get_color()
            ax.plot(ep, [e[f"train_{key}"] for e in rows], color=colour, ls=":", lw=1)
    for ax, what, unit in ((ax_l, "Loss", "Cross-entropy loss (nats per image)"), (ax_a, "Accuracy", "Accuracy")):
        ax.grid(True, alpha=0.3)
        ax.set(xlabel="Epoch", ylabel=unit, title=f"{what}: test (solid), training sample (dotted)")
    _percent(ax_a)
    ax_a.legend(fontsize=7, loc="lower right")
    fig.suptitle(title)
    return describe(fig, caption="Solid lines: the test set; dotted lines: the fixed sample of "
                                 "training images, in the same colour.")


def predictions_grid(x, y, pred, n_each: int = 10, title: str | None = None):
    """First ``n_each`` correct and first ``n_each`` wrong test predictions."""
    y, pred = np.asarray(y), np.asarray(pred)
    right = np.flatnonzero(pred == y)[:n_each]
    wrong = np.flatnonzero(pred != y)[:n_each]
    fig, axes = plt.subplots(2, n_each, figsize=(n_each * 0.95, 2.6), constrained_layout=True)
    for row, (idx, name, colour) in enumerate(((right, "correct", PALETTE["bluish green"]),
                                               (wrong, "wrong", PALETTE["vermillion"]))):
        for j, ax in enumerate(axes[row]):
            ax.axis("off")
            if j < len(idx):
                i = idx[j]
                ax.imshow(np.asarray(x[i, 0]), cmap="gray_r")
                ax.set_title(f"{pred[i]}" if name == "correct" else f"{pred[i]} (is {y[i]})", fontsize=8, color=colour)
        axes[row, 0].text(-0.3, 0.5, name, transform=axes[row, 0].transAxes, rotation=90,
                          va="center", ha="right", fontsize=9)
    title = title or "Predictions: top row correct, bottom row wrong (prediction, true label)"
    fig.suptitle(title)
    mistakes = "; ".join(f"a {y[i]} read as {pred[i]}" for i in wrong)
    return describe(fig, alt=f"{title}. Top row: {len(right)} digits read correctly. Bottom row: "
                             f"{len(wrong)} mistakes: {mistakes or 'none'}.")


def confusion_figure(y, pred, title: str = "Confusion matrix on the test set"):
    """Counts of (true digit, predicted digit) as a heat map."""
    cm = classify.confusion_matrix(y, pred)
    fig, ax = plt.subplots(figsize=(5.2, 4.6), constrained_layout=True)
    im = ax.imshow(cm, cmap="Blues")
    for (i, j), count in np.ndenumerate(cm):
        if count:
            ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                    color="white" if count > cm.max() / 2 else "black")
    ax.set(xticks=range(10), yticks=range(10), xlabel="Predicted digit", ylabel="True digit", title=title)
    fig.colorbar(im, ax=ax, label="Test images (count)")
    top = classify.top_confusions(cm, 3)
    worst = "; ".join(f"{t} read as {p}: {n}" for n, t, p in top) or "none"
    return describe(fig, alt=f"{title}: a ten-by-ten grid of counts, true digit down, predicted "
                             f"digit across; {int(np.trace(cm))} of {int(cm.sum())} on the diagonal "
                             f"(correct). Most frequent mistakes: {worst}.")


# ------------------------------------------------------------------ tables and widget views --
def sweep_table(runs: Sequence[TrainedRun], note: str | None = None):
    """The sweep in human units, one unit per column, and the method stated once under it."""
    frame = classify.sweep_frame(runs)
    frame["test_acc"] = 100 * frame["test_acc"]
    shown = units.table(
        frame[["model", "parameters", "test_acc", "train_time_s", "train_energy_kwh",
               "eval_energy_kwh", "train_emissions_kg"]],
        {"train_time_s": ("Training time", "s"),
         "train_energy_kwh": ("Training energy", "kWh", "J"),
         "eval_energy_kwh": ("Evaluation energy", "kWh", "J"),
         "train_emissions_kg": ("Training CO₂e", "kg")},
        counts=["parameters"], numbers=["test_acc"])
    shown = shown.rename(columns={"model": "Model", "parameters": "Parameters",
                                  "test_acc": "Test accuracy (%)"})
    return display.table(shown, note=note or method_note(runs))


def method_note(runs: Sequence[TrainedRun], others: Sequence = ()) -> str:
    """The page's one method box: the instrument every figure shares, how the sweep's
    training and evaluation were measured, and how many of the records (the sweep's and
    ``others``) were measured while other processes kept the machine busy."""
    t = runs[0].training
    records = [r.training for r in runs] + [r.evaluation for r in runs if r.evaluation] + list(others)
    busy = sum(r.measured_busy for r in records)
    unknown = sum(r.busy_share is None for r in records)
    conditions = (f"{busy} of these {len(records)} records were measured on a busy machine (other "
                  f"processes used at least {units.spread_percent(BUSY_SHARE, sign=False)} of its CPU)"
                  + (f"; for {unknown} it is unknown" if unknown else "") + ".")
    return (f"**Method.** {t.method_instrument()} In the sweep, each model's *training* and "
            f"*evaluation* are one run (seed {runs[0].settings.get('seed', 0)}), each the sum of its "
            f"per-epoch tracker windows, so no spread is known. {conditions}")


SWEEP_FOOTNOTE = "one run per model; the rest is in the method box under the sweep table."


def record_view(run: TrainedRun, epochs: int) -> str:
    """HTML summary of one model trained for ``epochs`` epochs (for the widget)."""
    r = classify.upto(run, epochs)
    h, t, e = classify.evaluated(r)[-1], r.training, r.evaluation
    return (f"<div style='font-family:sans-serif;font-size:13px'><b>{html.escape(r.label)}</b>, "
            f"{units.count(r.n_parameters)} parameters, after {epochs} epoch{'s' if epochs > 1 else ''}:<br>"
            f"test accuracy <b>{units.percent(h['test_acc'])}</b> (training sample "
            f"{units.percent(h['train_acc'])}), test loss {units.number(h['test_loss'])}<br>"
            f"training: {units.duration(t.duration_s)}, {units.energy(t.energy_kwh, 'kWh', system='J')}, "
            f"{units.co2(t.emissions_kg)} CO₂e; evaluation: {units.duration(e.duration_s)}, "
            f"{units.energy(e.energy_kwh, 'kWh', system='J')}<br>"
            f"<small>Method: {html.escape(t.method_short())}</small></div>")

