"""Figures for the image-generation chapter. They take images and records, never models."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from . import FAMILY_COLOURS, method_footnote, new_figure

_EXTRA_COLOURS = {"Copy": "#7f7f7f", "Real": "#000000"}


def _colour(family: str) -> str:
    return FAMILY_COLOURS.get(family, _EXTRA_COLOURS.get(family, "#333333"))


def mosaic(images, rows: int, cols: int, pad: int = 2) -> np.ndarray:
    """Images (rows*cols, 28, 28), row-major, as one array with ``pad`` blank pixels between."""
    arr = np.asarray(images, dtype=np.float32).reshape(rows, cols, 28, 28)
    out = np.zeros((rows * (28 + pad) - pad, cols * (28 + pad) - pad), dtype=np.float32)
    for r in range(rows):
        for c in range(cols):
            out[r * (28 + pad):r * (28 + pad) + 28, c * (28 + pad):c * (28 + pad) + 28] = arr[r, c]
    return out


def sample_grid(images, n_per_class: int, title: str, subtitle: str | None = None,
                cell: float = 0.42):
    """One row per digit, labelled with the class that was asked for, ``n_per_class`` samples
    per row. ``images`` are grouped by class as made by
    :func:`mlfootprint.generate.balanced_labels`."""
    pad = 2
    fig, ax = plt.subplots(figsize=(cell * n_per_class + 1.0, cell * 10 + 0.7))
    ax.imshow(mosaic(images, 10, n_per_class, pad), cmap="gray_r", vmin=0, vmax=1,
              interpolation="nearest")
    ax.set_yticks([r * (28 + pad) + 14 for r in range(10)], [f"asked: {r}" for r in range(10)],
                  fontsize=8)
    ax.set_xticks([c * (28 + pad) + 14 for c in range(n_per_class)],
                  [str(c + 1) for c in range(n_per_class)], fontsize=7)
    ax.set_xlabel("sample", fontsize=8)
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    ax.set_title(title if not subtitle else f"{title}\n{subtitle}", fontsize=9)
    fig.tight_layout()
    return fig


def latent_strip(images, values, digit: int, fixed: float, title: str | None = None):
    """A row of decoded digits as latent coordinate z2 moves, with z1 held at ``fixed``."""
    arr = np.asarray(images).reshape(-1, 28, 28)
    pad = 2
    fig, ax = plt.subplots(figsize=(0.62 * len(arr) + 0.6, 1.6))
    ax.imshow(mosaic(arr, 1, len(arr), pad), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([c * (28 + pad) + 14 for c in range(len(arr))], [f"{v:+.1f}" for v in values],
                  fontsize=7)
    ax.set_yticks([])
    ax.set_xlabel("latent coordinate z2 (other coordinates fixed)", fontsize=8)
    ax.tick_params(length=0)
    ax.set_title(title or f"CVAE decoding digit {digit} with z1 = {fixed:+.1f}", fontsize=9)
    fig.tight_layout()
    return fig


def loss_history(histories: dict[str, dict]):
    """Per-epoch training loss (nats per example) of each CVAE."""
    fig, ax = new_figure(6.4, 3.6)
    for name, h in histories.items():
        ax.plot(h["epoch"], h["loss"], marker="o", ms=3, label=f"{name}: total")
        ax.plot(h["epoch"], h["kl"], ls="--", label=f"{name}: KL part")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss per example (nats)")
    ax.set_title("CVAE training loss: reconstruction (BCE summed over pixels) + KL")
    ax.legend(fontsize=8)
    return fig


def quality_vs_cost(rows: list[dict], method_text: str):
    """Left: judge accuracy vs training CO2; right: Fréchet distance vs the same.

    Each row: name, family, train_co2_g, accuracy, frechet. A row whose family is "Real"
    is drawn as a horizontal reference line."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for ax, key, label in ((axes[0], "accuracy", "judge accuracy on the asked class (%)"),
                           (axes[1], "frechet", "Fréchet distance to real digits (lower is better)")):
        ax.grid(True, alpha=0.3)
        for r in rows:
            y = 100 * r[key] if key == "accuracy" else r[key]
            if r["family"] == "Real":
                ax.axhline(y, color="k", ls=":", lw=1)
                ax.text(ax.get_xlim()[0] if False else 0.01, y, " real held-out digits",
                        transform=ax.get_yaxis_transform(), va="bottom", fontsize=8)
                continue
            ax.scatter(r["train_co2_g"], y, s=60, color=_colour(r["family"]), zorder=3)
            ax.annotate(r["name"], (r["train_co2_g"], y), textcoords="offset points",
                        xytext=(5, 4), fontsize=8)
        ax.set_xscale("log")
        ax.set_xlabel("training emissions (g CO₂e, log scale)")
        ax.set_ylabel(label)
        if key == "frechet":
            ax.set_yscale("log")
    fig.suptitle("Quality against training cost, one point per generator")
    method_footnote(fig, method_text)
    return fig


def total_cost_curves(rows: list[dict], n_max: float = 1e9, method_text: str = ""):
    """Total CO2 = training + n x per-image generation, for n images (log-log)."""
    fig, ax = new_figure(6.8, 4.2)
    n = np.logspace(0, np.log10(n_max), 200)
    for r in rows:
        total = r["train_co2_g"] + n * r["gen_co2_g_per_image"]
        ax.plot(n, total, color=_colour(r["family"]), label=r["name"])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of digits generated")
    ax.set_ylabel("total emissions, training + generation (g CO₂e)")
    ax.set_title("What a generator costs over its life")
    ax.legend(fontsize=8)
    if method_text:
        method_footnote(fig, method_text)
    return fig


def summary_rows(entries: list[dict], ceiling=None) -> list[dict]:
    """Flat rows for tables and plots. Each entry: name, trained (TrainedGenerator),
    cost (generation Measurement, per image), scores (QualityScores). ``ceiling``: the
    QualityScores of real digits."""
    rows = []
    for e in entries:
        t, c, s = e["trained"].training, e["cost"], e["scores"]
        rows.append({
            "name": e["name"], "family": e["trained"].family,
            "parameters": e["trained"].n_parameters,
            "train_s": t.duration_s, "train_j": t.energy_j, "train_co2_g": t.emissions_g,
            "gen_j_per_1000": c.energy_j * 1000, "gen_co2_g_per_1000": c.emissions_g * 1000,
            "gen_co2_g_per_image": c.emissions_g, "gen_rel_std": c.energy_spread.get("rel_std", 0.0),
            "accuracy": s.accuracy, "diversity_ratio": s.diversity_ratio, "frechet": s.frechet,
            "novelty": s.novelty, "train_method": t.method_short(), "gen_method": c.method_short(),
        })
    if ceiling is not None:
        rows.append({"name": "real held-out digits", "family": "Real", "parameters": None,
                     "train_s": None, "train_j": None, "train_co2_g": None,
                     "gen_j_per_1000": None, "gen_co2_g_per_1000": None,
                     "gen_co2_g_per_image": None, "gen_rel_std": None,
                     "accuracy": ceiling.accuracy, "diversity_ratio": ceiling.diversity_ratio,
                     "frechet": ceiling.frechet, "novelty": ceiling.novelty,
                     "train_method": "", "gen_method": ""})
    return rows


def summary_table(rows: list[dict]):
    """The chapter's table: one row per generator (and the real-digit ceiling), units in
    the column names, the measurement method in the last two columns."""
    import pandas as pd

    def fmt(v, spec):
        return "—" if v is None else format(v, spec)

    table = pd.DataFrame([{
        "generator": r["name"],
        "parameters": fmt(r["parameters"], ","),
        "training time (s)": fmt(r["train_s"], ".1f"),
        "training energy (J)": fmt(r["train_j"], ".3g"),
        "training CO₂ (g)": fmt(r["train_co2_g"], ".3g"),
        "generation energy per 1,000 images (J)": fmt(r["gen_j_per_1000"], ".3g"),
        "generation CO₂ per 1,000 images (g)": fmt(r["gen_co2_g_per_1000"], ".3g"),
        "judge accuracy (%)": fmt(100 * r["accuracy"], ".1f"),
        "diversity vs real (ratio)": fmt(r["diversity_ratio"], ".2f"),
        "Fréchet distance (judge features)": fmt(r["frechet"], ".1f"),
        "novelty (pixel distance to nearest training digit)": fmt(r["novelty"], ".2f"),
        "training method": r["train_method"] or "—",
        "generation method": r["gen_method"] or "—",
    } for r in rows])
    return table.set_index("generator")
