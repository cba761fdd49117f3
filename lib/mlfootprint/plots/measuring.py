"""Figures for the "Measuring" chapter. Each takes records, returns a matplotlib Figure."""

from __future__ import annotations

import numpy as np

from .. import units
from ..measure import Measurement
from . import PALETTE, method_footnote, new_figure
from .axes import axis


def energy_vs_work(rows: list[dict], floor_j: float):
    """Log-log: measured energy against floating-point work, one dot per run; the floor
    (``floor_j``, the charge of no work at all, computed by the caller) as a dashed line."""
    fig, ax = new_figure(6.4, 4.2)
    recs = [Measurement.from_dict(r["record"]) for r in rows]
    flops = np.array([r["flops"] for r in rows], dtype=float)
    energy = np.array([rec.energy_j for rec in recs])
    zero = flops == 0
    x_floor = flops[~zero].min() / 10 if (~zero).any() else 1.0
    ax.scatter(flops[~zero], energy[~zero], color=PALETTE["blue"], label="one run")
    if zero.any():
        ax.scatter(np.full(zero.sum(), x_floor), energy[zero], color=PALETTE["vermillion"], marker="x",
                   label="no work at all (plotted at the left edge)")
    ax.axhline(floor_j, color=PALETTE["vermillion"], ls="--", lw=1,
               label=f"floor: {units.energy(floor_j)} (median of the runs of no work)")
    big = flops >= np.quantile(flops[~zero], 0.6) if (~zero).any() else ~zero
    if big.sum() >= 2:
        slope = float(np.median(energy[big] / flops[big]))
        xs = np.logspace(np.log10(x_floor), np.log10(flops.max()), 50)
        ax.plot(xs, slope * xs, color=PALETTE["dark grey"], lw=1,
                label=f"proportional: {units.energy(slope * 1e9, digits=2)} per GFLOP")
    ax.set(xscale="log", yscale="log", title="Energy reported by CodeCarbon for growing amounts of work")
    axis(ax, "x", "Work (floating-point operations, log scale)", counts=True)
    axis(ax, "y", "Measured energy (log scale)", "J")
    ax.legend(fontsize=8, loc="upper left")
    threads = sorted({r.threads for r in recs if r.threads})
    busy = sum(r.measured_busy for r in recs)
    method_footnote(fig, f"{len(recs)} single runs on {' or '.join(map(str, threads))} thread"
                         f"{'s' if threads != [1] else ''}; "
                         f"{busy} of them on a busy machine")
    return fig


def aa_noise(summary: list[dict], margin: float):
    """The same work paired with itself: each pair's ratio (dots) and the 95% interval of
    the ratio over the pairs (bar), per condition, against the band 1/margin .. margin."""
    fig, ax = new_figure(6.4, 0.9 + 0.42 * len(summary))
    ax.axvspan(1 / margin, margin, color=PALETTE["bluish green"], alpha=0.15,
               label=f"band: {units.times(1 / margin)} to {units.times(margin)}")
    ax.axvline(1.0, color=PALETTE["dark grey"], lw=0.8)
    labels = []
    for y, row in enumerate(summary):
        v = row["verdict"]
        colour = PALETTE["vermillion"] if row["neighbour"] else PALETTE["blue"]
        ax.plot([v.low, v.high], [y, y], color=colour, lw=3, alpha=0.5,
                label="95% interval over the pairs" if y == 0 else None)
        ax.scatter(row["ratios"], [y] * len(row["ratios"]), color=colour, s=18, zorder=3,
                   label="one pair (A/A)" if y == 0 else None)
        labels.append(f"{row['work']}, {row['threads']} thread{'s' if row['threads'] > 1 else ''}, "
                      f"{'busy neighbour' if row['neighbour'] else 'alone'}")
    ax.set_yticks(range(len(summary)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set(xscale="log", xlabel="Energy of A over energy of B, the same work (log scale)",
           title="The same work paired with itself")
    ax.legend(fontsize=7, loc="lower right")
    n = sorted({v["verdict"].n for v in summary})
    method_footnote(fig, f"{'/'.join(map(str, n))} pairs per condition, interleaved")
    return fig


def co2_by_country(rows: list[dict], energy_kwh: float):
    """Bars: grams of CO2e for the same energy on each country's grid."""
    fig, ax = new_figure(6.4, 3.8)
    labels = [f"{r['country']} ({units.number(r['g_per_kwh'])} g/kWh)" for r in rows]
    values = [r["emissions_g"] for r in rows]
    ax.barh(labels, values, color=PALETTE["bluish green"])
    ax.set_title(f"The same {units.energy(energy_kwh, 'kWh', system='J')} on different grids")
    axis(ax, "x", "Emissions for the same energy, CO₂e", "g")
    method_footnote(fig, "grid intensities from CodeCarbon's global_energy_mix.json "
                         f"(annual averages, {rows[0]['year']})")
    return fig


def energy_split(records: list[Measurement], note: str | None = None):
    """Stacked bars: CPU, RAM and GPU shares of each record's energy; ``note`` (what differs
    between the records, e.g. how many runs each bar averages) goes under it."""
    fig, ax = new_figure(6.4, 3.2)
    labels = [r.label for r in records]
    left = np.zeros(len(records))
    for part, colour in (("cpu", "#1f77b4"), ("ram", "#ff7f0e"), ("gpu", "#2ca02c")):
        vals = np.array([getattr(r, f"{part}_energy_kwh") * 3.6e6 for r in records])
        if vals.sum() == 0:
            continue
        ax.barh(labels, vals, left=left, color=colour, label=part.upper())
        left += vals
    ax.set_title("Where the estimated energy goes")
    axis(ax, "x", "Energy per run", "J")
    ax.legend(fontsize=8)
    method_footnote(fig, note or records[0].method_short())
    return fig
