"""Figures for the "Measuring" chapter. Each takes records, returns a matplotlib Figure."""

from __future__ import annotations

import numpy as np

from .. import units
from ..measure import Measurement
from . import PALETTE, method_footnote, new_figure
from .axes import axis


def energy_vs_work(rows: list[dict]):
    """Log-log: measured energy against floating-point work, one dot per run."""
    fig, ax = new_figure(6.4, 4.2)
    recs = [Measurement.from_dict(r["record"]) for r in rows]
    flops = np.array([r["flops"] for r in rows], dtype=float)
    energy = np.array([rec.energy_j for rec in recs])
    zero = flops == 0
    x_floor = flops[~zero].min() / 10 if (~zero).any() else 1.0
    ax.scatter(flops[~zero], energy[~zero], color=PALETTE["blue"], label="measured run")
    if zero.any():
        ax.scatter(np.full(zero.sum(), x_floor), energy[zero], color=PALETTE["vermillion"], marker="x",
                   label="no work at all (plotted at the left edge)")
        floor = float(np.median(energy[zero]))
        ax.axhline(floor, color=PALETTE["vermillion"], ls="--", lw=1,
                   label=f"floor: tracker overhead ≈ {units.energy(floor, digits=2)}")
    big = flops >= np.quantile(flops[~zero], 0.6) if (~zero).any() else ~zero
    if big.sum() >= 2:
        slope = float(np.median(energy[big] / flops[big]))
        xs = np.logspace(np.log10(x_floor), np.log10(flops.max()), 50)
        ax.plot(xs, slope * xs, color=PALETTE["dark grey"], lw=1,
                label=f"proportional: {units.energy(slope * 1e9, digits=2)} per GFLOP")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title("Energy reported by CodeCarbon for growing amounts of work")
    axis(ax, "x", "Work (floating-point operations, log scale)", counts=True)
    axis(ax, "y", "Measured energy (log scale)", "J")
    ax.legend(fontsize=8, loc="upper left")
    method_footnote(fig, recs[-1].method_short())
    return fig


def repeat_spread(records: list[dict], naive: dict | None = None):
    """The same work measured many times: energy per run, with mean and ±1 std."""
    recs = [Measurement.from_dict(r) for r in records]
    energy = np.array([r.energy_j for r in recs])
    fig, ax = new_figure(6.4, 3.6)
    ax.plot(np.arange(1, len(energy) + 1), energy, "o-", color=PALETTE["blue"], label="one run")
    mean, std = energy.mean(), energy.std(ddof=1) if len(energy) > 1 else 0.0
    ax.axhline(mean, color=PALETTE["black"], lw=1, label=f"mean {units.energy(mean)}")
    ax.axhspan(mean - std, mean + std, color=PALETTE["dark grey"], alpha=0.2,
               label=f"±1 std ({units.percent(std / mean)} of the mean)")
    ax.set_xlabel("Run number")
    ax.set_title(f"The same work ({recs[0].label}) measured {len(recs)} times")
    axis(ax, "y", "Energy of the run", "J")
    ax.legend(fontsize=8)
    method_footnote(fig, recs[0].method_short() + f" each; {len(recs)} separate runs")
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


def energy_split(records: list[Measurement]):
    """Stacked bars: CPU, RAM and GPU shares of each record's energy."""
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
    method_footnote(fig, records[0].method_short())
    return fig
