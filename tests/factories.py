"""Synthetic records for tests that need figures with known values (no tracker runs)."""

from __future__ import annotations

from mlfootprint import measure
from mlfootprint.measure import Measurement


def measurement(label: str = "work", *, energy_j: float = 10.0, duration_s: float = 1.0,
                cpu_w: float | None = None, ram_w: float = 10.0, repeats: int = 1,
                items: int = 1, rel_std: float = 0.0, mode: str = measure.COURSE_TRACKING_MODE,
                tdp_w: float = 8.0, settings: dict | None = None) -> Measurement:
    """A Measurement with the given energy (J), duration and RAM power; the CPU gets the rest."""
    kwh = energy_j / 3.6e6
    ram_kwh = min(ram_w * duration_s / 3.6e6, kwh)
    cpu_kwh = kwh - ram_kwh
    spread = {"mean": kwh, "std": kwh * rel_std, "min": kwh * (1 - rel_std), "median": kwh,
              "max": kwh * (1 + rel_std), "rel_std": rel_std, "n": repeats}
    return Measurement(
        label=label, duration_s=duration_s, energy_kwh=kwh, cpu_energy_kwh=cpu_kwh,
        ram_energy_kwh=ram_kwh, gpu_energy_kwh=0.0,
        cpu_power_w=cpu_w if cpu_w is not None else cpu_kwh * 3.6e6 / duration_s,
        ram_power_w=ram_kwh * 3.6e6 / duration_s, gpu_power_w=0.0, repeats=repeats,
        items_per_repeat=items,
        duration_spread={"mean": duration_s, "std": 0.0, "min": duration_s, "median": duration_s,
                         "max": duration_s, "rel_std": 0.0, "n": repeats},
        energy_spread=spread, cpu_power_source="constant fallback",
        cpu_power_detail="a test instrument", cpu_model="test CPU", cpu_tdp_w=tdp_w,
        ram_model="a test RAM model", gpu_model="", tracking_mode=mode, codecarbon_version="test",
        total_duration_s=duration_s * repeats, total_energy_kwh=kwh * repeats,
        window_min_s=duration_s, settings=dict(settings or {}))
