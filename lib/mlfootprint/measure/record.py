"""The record of one measured piece of work, and the sentences that say how it was obtained."""

from __future__ import annotations

import math
import statistics
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from typing import Any

from .. import units
from .busy import BUSY_SHARE
from .grid import GridIntensity, carbon_intensity


def spread(values: list[float]) -> dict[str, float]:
    """mean, std (sample), min, median, max, relative std and n of ``values``."""
    if not values:
        raise ValueError("spread of no values")
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return {"mean": mean, "std": std, "min": min(values), "median": statistics.median(values),
            "max": max(values), "rel_std": (std / mean) if mean else 0.0, "n": len(values)}


_NUMBER_FIELDS = ("duration_s", "energy_kwh", "cpu_energy_kwh", "ram_energy_kwh", "gpu_energy_kwh",
                  "cpu_power_w", "ram_power_w", "gpu_power_w", "total_duration_s",
                  "total_energy_kwh", "window_min_s")
_INT_FIELDS = ("repeats", "items_per_repeat", "windows")


@dataclass
class Measurement:
    """One measured piece of work. Energies in kWh, durations in s, per item; powers in W
    are the averages CodeCarbon charged (its energy divided by the time)."""

    label: str
    duration_s: float
    energy_kwh: float
    cpu_energy_kwh: float
    ram_energy_kwh: float
    gpu_energy_kwh: float
    cpu_power_w: float
    ram_power_w: float
    gpu_power_w: float
    repeats: int
    items_per_repeat: int
    duration_spread: dict
    energy_spread: dict
    cpu_power_source: str
    cpu_power_detail: str
    cpu_model: str
    cpu_tdp_w: float | None
    ram_model: str
    gpu_model: str
    tracking_mode: str
    codecarbon_version: str
    total_duration_s: float
    total_energy_kwh: float
    window_min_s: float
    country_iso: str = ""
    country_name: str = ""
    carbon_intensity_g_per_kwh: float = 0.0
    windows: int = 1
    threads: int | None = None
    tracker_warnings: list = field(default_factory=list)
    warmup_duration_s: float | None = None
    warmup_energy_kwh: float | None = None
    settings: dict = field(default_factory=dict)
    # share of the machine's CPU other processes used while this was measured (None: unknown)
    busy_share: float | None = None

    def __post_init__(self):
        if not self.country_iso:
            self._set_grid(carbon_intensity())

    def _set_grid(self, grid: GridIntensity) -> None:
        self.country_iso = grid.country_iso
        self.country_name = grid.country_name
        self.carbon_intensity_g_per_kwh = grid.g_per_kwh

    # -- derived ---------------------------------------------------------------------------
    @property
    def emissions_kg(self) -> float:
        """Per item: energy x the grid's intensity (exactly)."""
        return self.energy_kwh * (self.carbon_intensity_g_per_kwh / 1000.0)   # no overflow at 1e308

    @property
    def energy_j(self) -> float:
        return self.energy_kwh * 3.6e6

    @property
    def emissions_g(self) -> float:
        return self.emissions_kg * 1000.0

    @property
    def single_run(self) -> bool:
        return self.repeats <= 1

    @property
    def measured_busy(self) -> bool:
        """Other processes took at least :data:`~.busy.BUSY_SHARE` of the machine meanwhile."""
        return self.busy_share is not None and self.busy_share >= BUSY_SHARE

    def on_grid(self, code: str | None = None) -> "Measurement":
        """The same record with its emissions on ``code``'s grid (default: the grid in force)."""
        out = replace(self, tracker_warnings=list(self.tracker_warnings), settings=dict(self.settings))
        out._set_grid(carbon_intensity(code))
        return out

    def per(self, n_items: float) -> dict[str, float]:
        """Energy (kWh) and emissions (kg) for ``n_items`` items, e.g. ``per(1000)``."""
        return {"energy_kwh": self.energy_kwh * n_items, "emissions_kg": self.emissions_kg * n_items}

    # -- method sentences ------------------------------------------------------------------
    def method_instrument(self) -> str:
        """The instrument: tracker and mode, CPU power source, RAM model, grid (the same
        for every record made the same way)."""
        gpu = f" GPU: {self.gpu_model}, read through NVML." if self.gpu_model else ""
        return (f"CodeCarbon {self.codecarbon_version} offline tracker, {self.tracking_mode} mode. "
                f"CPU power: {self.cpu_power_source} ({self.cpu_power_detail}), "
                f"{_mode_scaling(self.tracking_mode)}. RAM power: {self.ram_model}.{gpu} "
                f"Grid: {self.country_name} ({self.country_iso}), "
                f"{self.carbon_intensity_g_per_kwh:.0f} g CO2e/kWh.")

    def method_charged(self) -> str:
        """What CodeCarbon charged for this record, and any warning it gave."""
        gpu = f", GPU {units.power(self.gpu_power_w, to='W')}" if self.gpu_model or self.gpu_power_w else ""
        text = (f"Charged on average: CPU {units.power(self.cpu_power_w, to='W')}, RAM {units.power(self.ram_power_w, to='W')}{gpu} "
                f"({_share(self.ram_energy_kwh, self.energy_kwh)} of the energy is RAM).")
        text += " " + self.method_conditions()
        if self.tracker_warnings:
            text += " CodeCarbon warned: " + "; ".join(self.tracker_warnings) + "."
        return text

    def method_conditions(self) -> str:
        """How busy the machine was: other processes' share of its CPU while this was measured."""
        if self.busy_share is None:
            return "How busy the machine was is unknown."
        state = "a busy machine" if self.measured_busy else "a quiet machine"
        return (f"Measured on {state}: other processes used "
                f"{units.spread_percent(self.busy_share, sign=False)} of its CPU meanwhile.")

    def method_repeats(self) -> str:
        """The protocol: repeats and spread, or "single run"."""
        if self.single_run:
            parts = (f", the sum of {self.windows} tracker windows" if self.windows > 1 else "")
            per = f", divided by {self.items_per_repeat:,} items" if self.items_per_repeat > 1 else ""
            return f"Single run{parts}{per}, so no spread is known."
        rel = self.energy_spread.get("rel_std", 0.0)
        warm = " after a warm-up run (excluded)" if self.warmup_duration_s is not None else ""
        return (f"{self.repeats} repeats of at least {self.items_per_repeat:,} item(s){warm}; energy "
                f"per item varied by {units.spread_percent(rel)} (std/mean), from "
                f"{units.energy(self.energy_spread['min'], 'kWh', system='J')} to "
                f"{units.energy(self.energy_spread['max'], 'kWh', system='J')}.")

    def method(self) -> str:
        """How these numbers were obtained, in a few sentences a learner can read."""
        return f"{self.method_instrument()} {self.method_charged()} {self.method_repeats()}"

    def method_short(self) -> str:
        """A compact method for a table cell or a figure footnote."""
        reps = ("single run" if self.single_run
                else f"n={self.repeats}, {units.spread_percent(self.energy_spread.get('rel_std', 0.0))}")
        warn = "; tracker warning" if self.tracker_warnings else ""
        warn += "; busy machine" if self.measured_busy else ""
        return (f"{self.tracking_mode} mode; CPU {self.cpu_power_source} {units.power(self.cpu_power_w, digits=2, to='W')}, "
                f"RAM {units.power(self.ram_power_w, digits=2, to='W')}; {self.country_iso} "
                f"{self.carbon_intensity_g_per_kwh:.0f} g/kWh; {reps}{warn}")

    def summary(self) -> str:
        per = " per item" if self.items_per_repeat > 1 or not self.single_run else ""
        return (f"{self.label}: {units.duration(self.duration_s)}, "
                f"{units.energy(self.energy_kwh, 'kWh', system='J')} "
                f"({units.energy(self.energy_kwh, 'kWh')}), {units.co2(self.emissions_kg)} CO₂e{per}")

    # -- (de)serialising ---------------------------------------------------------------------
    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "Measurement":
        """A record from :meth:`to_dict`'s output, checked field by field, on the grid in force now."""
        if not isinstance(data, dict):
            raise ValueError(f"not a Measurement: expected a dict, got {type(data).__name__}")
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        required = {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING}
        missing = required - set(data)
        if unknown or missing:
            raise ValueError(f"not a Measurement: unknown fields {sorted(unknown)}, "
                             f"missing fields {sorted(missing)}")
        for name in _NUMBER_FIELDS:
            value = data[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or value < 0:
                raise ValueError(f"not a Measurement: {name} must be a finite number >= 0, got {value!r}")
        for name in _INT_FIELDS:
            value = data.get(name, 1)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"not a Measurement: {name} must be an integer >= 1, got {value!r}")
        for name in ("duration_spread", "energy_spread", "settings"):
            if not isinstance(data.get(name, {}), dict):
                raise ValueError(f"not a Measurement: {name} must be a dict, got {data[name]!r}")
        share = data.get("busy_share")
        if share is not None and (isinstance(share, bool) or not isinstance(share, (int, float))
                                  or not 0 <= share <= 1):
            raise ValueError(f"not a Measurement: busy_share must be None or a number from 0 to 1, got {share!r}")
        if not isinstance(data.get("tracker_warnings", []), list):
            raise ValueError("not a Measurement: tracker_warnings must be a list")
        kept = {k: v for k, v in data.items() if k not in ("country_iso", "country_name",
                                                          "carbon_intensity_g_per_kwh")}
        return cls(**kept)  # __post_init__ puts it on the grid in force


def _mode_scaling(mode: str) -> str:
    if mode == "process":
        return "scaled by this process's share of the CPU"
    return "scaled by the whole machine's load (cubic)"


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole > 0 else "none"
