"""Figures and tables for the image-classification chapter. They take records, never train.

A record is what :func:`mlfootprint.classify.train_classifier` returns; every energy or
CO2 figure carries the measurement method in a footnote.
"""

from __future__ import annotations

import html
from typing import Sequence

import numpy as np

from . import FAMILY_COLOURS, method_footnote, new_figure, plt
from ..classify import method_of, totals, upto


def _short_method(record: dict) -> str:
    from ..measure import Measurement

    m = Measurement.from_dict(record["history"][0]["train_measurement"])
    ram = m.ram_model.split(", ")[-1].rstrip(".")
    return (f"CodeCarbon offline, {m.tracking_mode} mode; CPU: {m.cpu_power_source}; RAM: {ram}; "
            f"grid {m.country_iso} {m.carbon_intensity_g_per_kwh:.0f} g CO2e/kWh; each epoch measured once "
            f"(training and evaluation apart), summed over {len(record['history'])} epochs.")


def _plain_log_axis(axis) -> None:
    """Log axis with plain numbers on the major ticks and no crowded minor labels."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def _shades(records: Sequence[dict]) -> list:
    """One colour per record: shades of the family's colour map, light (small) to dark (large)."""
    maps = {"MLP": "Blues", "CNN": "Reds"}
    out = []
    for r in records:
        same = [q for q in records if q["family"] == r["family"]]
        k = same.index(r)
        frac = 0.4 + 0.55 * (k / max(1, len(same) - 1))
        out.append(plt.get_cmap(maps.get(r["family"], "Greys"))(frac))
    return out


def _colour(family: str) -> str:
    return FAMILY_COLOURS.get(family, "#333333")


def example_digits(x, y, n: int = 20, title: str = "Example digits and their labels"):
    """A grid of the first ``n`` images with their labels."""
    n = min(n, len(y))
    cols = min(10, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.9, rows * 1.05), constrained_layout=True)
    for ax, i in zip(np.atleast_1d(axes).ravel(), range(rows * cols)):
        ax.axis("off")
        if i < n:
            ax.imshow(x[i, 0], cmap="gray_r")
            ax.set_title(str(int(y[i])), fontsize=9)
    fig.suptitle(title)
    return fig


def params_vs_co2(records: Sequence[dict], title: str = "Model size against CO₂ (training and evaluation)"):
    """Parameters (x) against total CO2 (training + evaluation), log-log, coloured by family."""
    fig, ax = new_figure()
    for family in sorted({r["family"] for r in records}):
        rs = [r for r in records if r["family"] == family]
        xs = [r["n_params"] for r in rs]
        ys = [totals(r)["emissions_kg"] * 1e6 for r in rs]
        ax.scatter(xs, ys, color=_colour(family), label=family, s=40, zorder=3)
        for r, xv, yv in zip(rs, xs, ys):
            ax.annotate(r["label"].split(" ", 1)[1], (xv, yv), fontsize=7, xytext=(4, 3),
                        textcoords="offset points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("trainable parameters (count, log scale)")
    ax.set_ylabel("CO₂ for the whole run (mg CO₂e, log scale)")
    _plain_log_axis(ax.yaxis)
    ax.set_title(title)
    ax.legend(title="family")
    method_footnote(fig, _short_method(records[0]))
    return fig


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of points (cost, accuracy) that no other point beats on both (lower cost, higher acc)."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front, best = [], -np.inf
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front


def accuracy_vs_co2(records: Sequence[dict], title: str = "Test accuracy against CO₂, with the Pareto front"):
    """Final test accuracy against total CO2; the Pareto front (best accuracy for the cost) joined."""
    fig, ax = new_figure()
    pts = [(totals(r)["emissions_kg"] * 1e6, 100 * totals(r)["test_acc"]) for r in records]
    front = pareto_front(pts)
    for family in sorted({r["family"] for r in records}):
        idx = [i for i, r in enumerate(records) if r["family"] == family]
        ax.scatter([pts[i][0] for i in idx], [pts[i][1] for i in idx], color=_colour(family),
                   label=family, s=40, zorder=3)
    for i, r in enumerate(records):
        ax.annotate(r["label"].split(" ", 1)[1], pts[i], fontsize=7, xytext=(4, -9),
                    textcoords="offset points")
    fx, fy = zip(*[pts[i] for i in front])
    ax.step(fx, fy, where="post", color="black", lw=1, ls="--", label="Pareto front", zorder=2)
    ax.scatter(fx, fy, facecolors="none", edgecolors="black", s=110, zorder=4)
    ax.set_xscale("log")
    ax.set_xlabel("CO₂ for the whole run (mg CO₂e, log scale)")
    _plain_log_axis(ax.xaxis)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(title)
    ax.legend(loc="lower right")
    method_footnote(fig, _short_method(records[0]))
    return fig


def learning_curves(records: Sequence[dict], title: str = "Loss and accuracy over epochs"):
    """Train (fixed sample) and test loss, and test accuracy, per epoch for each record."""
    fig, (ax_l, ax_a) = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    cmap = plt.get_cmap("tab10")
    for k, r in enumerate(records):
        ep = [e["epoch"] for e in r["history"]]
        c = cmap(k % 10)
        ax_l.plot(ep, [e["train_loss"] for e in r["history"]], color=c, ls="--", lw=1)
        ax_l.plot(ep, [e["test_loss"] for e in r["history"]], color=c, lw=1.5, label=r["label"])
        ax_a.plot(ep, [100 * e["train_acc"] for e in r["history"]], color=c, ls="--", lw=1)
        ax_a.plot(ep, [100 * e["test_acc"] for e in r["history"]], color=c, lw=1.5, label=r["label"])
    for ax in (ax_l, ax_a):
        ax.grid(True, alpha=0.3)
        ax.set_xlabel("epoch")
    ax_l.set_ylabel("cross-entropy loss (nats per image)")
    ax_a.set_ylabel("accuracy (%)")
    ax_l.set_title("loss: test (solid), training sample (dashed)")
    ax_a.set_title("accuracy: test (solid), training sample (dashed)")
    ax_a.legend(fontsize=7, loc="lower right")
    fig.suptitle(title)
    return fig


def cumulative_energy(records: Sequence[dict], title: str = "Cumulative energy over epochs"):
    """Energy used so far (training + evaluation) after each epoch, log scale."""
    fig, ax = new_figure()
    colours = _shades(records)
    for k, r in enumerate(records):
        ep = [e["epoch"] for e in r["history"]]
        cum = np.cumsum([(e["train_energy_kwh"] + e["eval_energy_kwh"]) * 3.6e6 for e in r["history"]])
        ax.plot(ep, cum, marker="o", ms=3, color=colours[k], label=r["label"],
                ls="-" if r["family"] == "CNN" else "--")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("energy used so far (J, log scale)")
    _plain_log_axis(ax.yaxis)
    ax.set_title(title)
    ax.legend(fontsize=7, ncol=2)
    method_footnote(fig, _short_method(records[0]))
    return fig


def predictions_grid(x, y, pred, n_each: int = 10, title: str | None = None):
    """First ``n_each`` correct and first ``n_each`` wrong test predictions."""
    y, pred = np.asarray(y), np.asarray(pred)
    right = np.flatnonzero(pred == y)[:n_each]
    wrong = np.flatnonzero(pred != y)[:n_each]
    fig, axes = plt.subplots(2, n_each, figsize=(n_each * 0.95, 2.6), constrained_layout=True)
    for row, (idx, name) in enumerate(((right, "correct"), (wrong, "wrong"))):
        for j in range(n_each):
            ax = axes[row, j]
            ax.axis("off")
            if j < len(idx):
                i = idx[j]
                ax.imshow(np.asarray(x[i, 0]), cmap="gray_r")
                ax.set_title(f"{pred[i]}" if name == "correct" else f"{pred[i]} (is {y[i]})",
                             fontsize=8, color="green" if name == "correct" else "red")
        axes[row, 0].text(-0.3, 0.5, name, transform=axes[row, 0].transAxes, rotation=90,
                          va="center", ha="right", fontsize=9)
    fig.suptitle(title or "Predictions: top row correct, bottom row wrong (prediction, true label)")
    return fig


def confusion_matrix(y, pred, n_classes: int = 10):
    """Counts of (true label, predicted label)."""
    y, pred = np.asarray(y, dtype=int), np.asarray(pred, dtype=int)
    if y.shape != pred.shape:
        raise ValueError(f"labels and predictions differ in shape: {y.shape} vs {pred.shape}")
    cm = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(cm, (y, pred), 1)
    return cm


def confusion_figure(y, pred, title: str = "Confusion matrix on the test set"):
    cm = confusion_matrix(y, pred)
    fig, ax = plt.subplots(figsize=(5.2, 4.6), constrained_layout=True)
    im = ax.imshow(cm, cmap="Blues")
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, label="test images (count)")
    return fig


def sweep_table(records: Sequence[dict]):
    """The sweep as a pandas DataFrame, every column with its unit, plus a method column."""
    import pandas as pd

    from ..measure import Measurement

    rows = []
    for r in records:
        t = totals(r)
        per_epoch = [(e["train_energy_kwh"]) * 3.6e6 for e in r["history"]]
        spread = 100 * np.std(per_epoch, ddof=1) / np.mean(per_epoch) if len(per_epoch) > 1 else 0.0
        m = Measurement.from_dict(r["history"][0]["train_measurement"])
        rows.append({
            "model": r["label"], "parameters": r["n_params"], "epochs": t["epochs"],
            "test accuracy (%)": round(100 * t["test_acc"], 1),
            "train time (s)": round(t["train_time_s"], 1), "eval time (s)": round(t["eval_time_s"], 2),
            "energy (J)": round(t["energy_kwh"] * 3.6e6, 1),
            "train energy per epoch, ± across epochs (%)": round(spread, 0),
            "CO₂ (mg CO₂e)": round(t["emissions_kg"] * 1e6, 2),
            # compact: the full method is stated once under the table
            "method": (f"{m.cpu_power_source} CPU, constant RAM, {m.country_iso} "
                       f"{m.carbon_intensity_g_per_kwh:.0f} g/kWh, 1 run/epoch"),
        })
    return pd.DataFrame(rows)


def record_view(record: dict, epochs: int) -> str:
    """HTML summary of one architecture trained for ``epochs`` epochs (for the widget)."""
    r = upto(record, epochs)
    t = totals(r)
    h = r["history"][-1]
    m = html.escape(method_of(r))
    return (f"<div style='font-family:sans-serif;font-size:13px'><b>{html.escape(r['label'])}</b>, "
            f"{r['n_params']:,} parameters, after {epochs} epoch(s):<br>"
            f"test accuracy <b>{100 * h['test_acc']:.1f}%</b> (training sample {100 * h['train_acc']:.1f}%), "
            f"test loss {h['test_loss']:.3f}<br>"
            f"time {t['train_time_s']:.1f} s training + {t['eval_time_s']:.2f} s evaluation; "
            f"energy {t['energy_kwh'] * 3.6e6:.1f} J; CO₂ {t['emissions_kg'] * 1e6:.2f} mg CO₂e<br>"
            f"<small>Method: {m}</small></div>")


def record_figure(record: dict, epochs: int):
    """Learning curve of one record cut at ``epochs``, for the widget."""
    r = upto(record, epochs)
    fig = learning_curves([r], title=f"{r['label']}: {epochs} epoch(s)")
    return fig
