"""What a run will cost, predicted from a short calibration before it starts.

In the spirit of carbontracker's epoch-one prediction (Anthony, Kanding and Selvan, 2020): a
small, representative piece of each kind of work (a :class:`Part`: a few warm batches, one
evaluation pass, a few tokens) is timed under the tracker and scaled by how many times the
full run repeats it (:func:`calibrate`, :func:`extrapolate`); :func:`compare` checks the
forecast against the actual run. CO2 is energy x the grid in force now.

The interval: each part's seconds per unit vary between calibration samples; the
forecast's relative half-width is twice that spread's standard error (about 95% if the
samples were independent), never less than ``floor`` (25% by default): a loaded machine
changes speed between the calibration and the run in ways no short sample can show.
``benchmarks/bench_forecast.py`` checks how often the actual run lands inside.
"""

from __future__ import annotations

import math
import numbers
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from . import measure, units
from .checks import integer, number
from .environment import check as check_environment

DEFAULT_FLOOR = 0.25
MAX_CALIBRATION_S = 300.0   # samples x min_seconds: a calibration is a short piece of the run


def _non_negative(name: str, v: Any, prefix: str = "", *, positive: bool = False, why: str = "") -> None:
    """A ValueError naming ``name`` unless ``v`` is a finite number >= 0 (> 0 if ``positive``)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0 \
            or (positive and v == 0):
        raise ValueError(f"{prefix}{name} must be a {'positive' if positive else 'non-negative'} "
                         f"number{why}, got {v!r}")


@dataclass(frozen=True)
class Part:
    """One kind of repeated work in a run."""

    name: str                  # "training batches", "evaluation passes", "new tokens"
    unit_seconds: tuple        # seconds per unit in each calibration sample (warm)
    total_units: float         # how many units the full run does
    power_w: float             # average power charged during the calibration
    calibration_s: float = 0.0  # wall time the calibration of this part took (warm-up included)

    def __post_init__(self):
        value, prefix = self.unit_seconds, f"part {self.name!r}: "
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__") \
                or any(isinstance(s, bool) or not isinstance(s, numbers.Real) for s in value):
            raise TypeError(f"{prefix}unit_seconds must be a list of seconds per unit, such as "
                            f"(0.012, 0.011), got {value!r:.60}")
        samples = tuple(float(s) for s in value)
        if not samples or any(not math.isfinite(s) or s < 0 for s in samples):
            raise ValueError(f"{prefix}unit_seconds must be non-negative numbers, got {value!r}")
        object.__setattr__(self, "unit_seconds", samples)
        for name in ("total_units", "power_w", "calibration_s"):
            _non_negative(name, getattr(self, name), prefix)

    @property
    def seconds_per_unit(self) -> float:
        """The median of the calibration samples (one slow sample does not pull it)."""
        return statistics.median(self.unit_seconds)

    @property
    def rel_error(self) -> float:
        """Standard error of the mean seconds per unit, relative (0 with one sample)."""
        n, mean = len(self.unit_seconds), statistics.fmean(self.unit_seconds)
        return statistics.stdev(self.unit_seconds) / mean / math.sqrt(n) if n > 1 and mean else 0.0

    @property
    def seconds(self) -> float:
        return self.seconds_per_unit * self.total_units

    @property
    def energy_kwh(self) -> float:
        return self.seconds * self.power_w / 3.6e6


@dataclass(frozen=True)
class Forecast:
    """Predicted time and energy of a run, with an interval and the way it was made."""

    label: str
    time_s: float
    time_low_s: float
    time_high_s: float
    energy_kwh: float
    energy_low_kwh: float
    energy_high_kwh: float
    parts: tuple = ()
    calibration_s: float = 0.0
    half_width: float = DEFAULT_FLOOR
    instrument: str = ""       # the tracker's method sentence from the calibration windows
    notes: tuple = field(default_factory=tuple)

    @property
    def emissions_kg(self) -> float:
        """CO2 on the grid in force now."""
        return measure.kwh_to_kg(self.energy_kwh)

    @property
    def emissions_low_kg(self) -> float:
        return measure.kwh_to_kg(self.energy_low_kwh)

    @property
    def emissions_high_kg(self) -> float:
        return measure.kwh_to_kg(self.energy_high_kwh)

    def method(self) -> str:
        """How this forecast was made, in words a learner can check."""
        parts = "; ".join(f"{p.name}: {len(p.unit_seconds)} calibration sample(s) of "
                          f"{units.duration(p.seconds_per_unit)} per unit ({units.spread_percent(p.rel_error)} "
                          f"standard error), x {p.total_units:,.0f} units, at {p.power_w:.1f} W"
                          for p in self.parts)
        grid = measure.carbon_intensity()
        text = (f"Forecast by calibration and scaling (like carbontracker's first-epoch prediction): "
                f"{parts}. The calibration took {units.duration(self.calibration_s)}. Interval: "
                f"{units.spread_percent(self.half_width)} (twice the standard error of the calibration, at least "
                f"{units.spread_percent(DEFAULT_FLOOR, sign=False)} because the machine's load can change). CO₂ = energy x "
                f"{grid.g_per_kwh:.0f} g CO₂e/kWh ({grid.country_name}).")
        if self.instrument:
            text += f" Power from the tracker: {self.instrument}"
        return " ".join([text, *self.notes])

    def summary(self, system: str = "J") -> str:
        """Time, energy (in joules, or watt-hours with ``system="Wh"``) and CO₂, with the interval."""
        energy = lambda kwh: units.energy(kwh, "kWh", system=system)  # noqa: E731
        return (f"{self.label}: about {units.duration(self.time_s)} "
                f"({units.duration(self.time_low_s)} to {units.duration(self.time_high_s)}), "
                f"{energy(self.energy_kwh)} ({energy(self.energy_low_kwh)} to {energy(self.energy_high_kwh)}), "
                f"{units.co2(self.emissions_kg)} CO₂e")


def extrapolate(parts: Sequence[Part], *, label: str, fixed_s: float = 0.0, fixed_power_w: float = 0.0,
                floor: float = DEFAULT_FLOOR, instrument: str = "", notes: Sequence[str] = ()) -> Forecast:
    """Scale calibrated ``parts`` to the full run, plus ``fixed_s`` seconds of set-up at
    ``fixed_power_w``. The interval's half-width is the time-weighted standard error of the
    parts, doubled, and at least ``floor``."""
    parts = tuple(parts)
    if not parts:
        raise ValueError("a forecast needs at least one calibrated part")
    for name, v in (("fixed_s", fixed_s), ("fixed_power_w", fixed_power_w), ("floor", floor)):
        _non_negative(name, v)
    timeless = [p.name for p in parts if p.total_units > 0 and max(p.unit_seconds) == 0]
    if timeless and len(timeless) == sum(p.total_units > 0 for p in parts):
        raise ValueError(f"every calibration sample of {', '.join(map(repr, timeless))} took 0 s, so "
                         f"scaling it predicts nothing (0 s, 0 kWh); calibrate on longer windows "
                         f"(min_seconds) or more steps per sample")
    seconds = sum(p.seconds for p in parts) + fixed_s
    energy = sum(p.energy_kwh for p in parts) + fixed_s * fixed_power_w / 3.6e6
    weighted = (sum(p.seconds * p.rel_error for p in parts) / seconds) if seconds else 0.0
    h = max(floor, 2.0 * weighted)
    return Forecast(label=label, time_s=seconds, time_low_s=seconds / (1 + h), time_high_s=seconds * (1 + h),
                    energy_kwh=energy, energy_low_kwh=energy / (1 + h), energy_high_kwh=energy * (1 + h),
                    parts=parts, calibration_s=sum(p.calibration_s for p in parts), half_width=h,
                    instrument=instrument, notes=tuple(notes))


def calibrate(step: Callable[[], Any], total_units: float, *, name: str, units_per_step: float = 1,
              warmup: int = 1, samples: int = 5, min_seconds: float = 0.3, max_steps: int = 10_000) -> tuple[Part, measure.Measurement]:
    """Time ``step()`` (``units_per_step`` units each) after ``warmup`` calls, in ``samples``
    windows of at least ``min_seconds`` (or ``max_steps`` calls), all under one tracker
    window; returns the :class:`Part` scaled to ``total_units`` and the tracker's record.
    Every argument, and the longest duration, is checked before any step runs."""
    if not callable(step):
        raise TypeError(f"step must be a function to call, got {type(step).__name__}")
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"name must be a non-empty string naming the work, got {name!r}")
    number("total_units", total_units, lo=0)
    number("units_per_step", units_per_step, lo=0, lo_open=True)
    integer("warmup", warmup, lo=0, hi=1000)
    integer("samples", samples, lo=1, hi=100)
    integer("max_steps", max_steps, lo=1, hi=1_000_000)
    number("min_seconds", min_seconds, lo=0, hi=measure.MAX_MIN_SECONDS)
    if samples * min_seconds > MAX_CALIBRATION_S:
        raise ValueError(f"samples x min_seconds must be at most {MAX_CALIBRATION_S:.0f} s (a calibration "
                         f"is a short piece of the run), got {samples} x {min_seconds:g} s")
    check_environment()   # before the warm-up steps, not after them
    start = time.perf_counter()
    for _ in range(warmup):
        step()
    per_unit: list[float] = []
    with measure.track(f"calibration: {name}") as t:
        for _ in range(samples):
            calls, t0 = 0, time.perf_counter()
            while calls < max_steps and (calls == 0 or time.perf_counter() - t0 < min_seconds):
                step()
                calls += 1
            per_unit.append((time.perf_counter() - t0) / (calls * units_per_step))
    rec = t.record
    power = rec.energy_kwh * 3.6e6 / rec.duration_s if rec.duration_s else 0.0
    return Part(name, tuple(per_unit), float(total_units), power, time.perf_counter() - start), rec


def tracker_overhead(samples: int = 5) -> Part:
    """The seconds the tracker itself adds to a run measured in one window: the duration it
    reports for empty work, ``samples`` times after one warm-up, as a :class:`Part` of one
    unit. A forecast of work measured by ``measure_once`` adds it (the actual includes it)."""
    samples = integer("samples", samples, lo=1, hi=100)
    start = time.perf_counter()
    label = "calibration: the tracker's own start and stop"
    records = [measure.measure_once(lambda: None, label=label)[1] for _ in range(samples + 1)][1:]
    seconds = sum(r.duration_s for r in records)
    power = sum(r.energy_kwh for r in records) * 3.6e6 / seconds if seconds else 0.0
    return Part("the tracker's own start and stop", tuple(r.duration_s for r in records), 1, power,
                time.perf_counter() - start)


@dataclass(frozen=True)
class Comparison:
    """A forecast against the actual run; ratios are predicted / actual (1 = exact)."""

    label: str
    predicted_s: float
    actual_s: float
    predicted_kwh: float
    actual_kwh: float
    time_inside: bool
    energy_inside: bool

    @property
    def time_ratio(self) -> float:
        return self.predicted_s / self.actual_s if self.actual_s else math.inf

    @property
    def energy_ratio(self) -> float:
        return self.predicted_kwh / self.actual_kwh if self.actual_kwh else math.inf

    @property
    def time_error(self) -> float:
        return abs(self.time_ratio - 1)

    @property
    def energy_error(self) -> float:
        return abs(self.energy_ratio - 1)

    def sentence(self) -> str:
        word = lambda r: "close to" if abs(r - 1) < 0.05 else units.times(r)  # noqa: E731
        inside = ("inside" if self.time_inside and self.energy_inside else "outside") + " the forecast's interval"
        return (f"Predicted time was {word(self.time_ratio)} the actual, predicted energy "
                f"{word(self.energy_ratio)} the actual ({inside}).")


def compare(forecast: Forecast, actual_s: float, actual_kwh: float) -> Comparison:
    """Predicted against actual: ratios, and whether the actual landed inside the interval."""
    for name, v in (("actual_s", actual_s), ("actual_kwh", actual_kwh)):
        _non_negative(name, v, positive=True, why=" (a run that took no time or no energy cannot "
                                                  "be compared with a forecast)")
    return Comparison(forecast.label, forecast.time_s, float(actual_s), forecast.energy_kwh, float(actual_kwh),
                      forecast.time_low_s <= actual_s <= forecast.time_high_s,
                      forecast.energy_low_kwh <= actual_kwh <= forecast.energy_high_kwh)


def error_summary(comparisons: Sequence[Comparison]) -> dict:
    """Median and worst absolute error (|predicted/actual - 1|) of time and energy, and the
    share of actual runs inside the interval."""
    if not comparisons:
        raise ValueError("no comparisons to summarise")
    t = [c.time_error for c in comparisons]
    e = [c.energy_error for c in comparisons]
    return {"n": len(comparisons), "time_median": statistics.median(t), "time_worst": max(t),
            "energy_median": statistics.median(e), "energy_worst": max(e),
            "inside": sum(c.time_inside and c.energy_inside for c in comparisons) / len(comparisons)}
