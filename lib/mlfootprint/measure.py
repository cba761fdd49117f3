"""Energy and CO2 of a piece of work, measured with CodeCarbon's *offline* tracker.

Every measurement returns a :class:`Measurement` record that carries not only the
numbers (duration, CPU/RAM/GPU energy, emissions) but also *how* they were obtained:
where the CPU power came from (RAPL counter, TDP table, or a constant fallback), the RAM
model, the tracking mode, the country and its carbon intensity, and how many repeats
were made with what spread. ``record.method()`` says all of that in one sentence.

Why offline: CodeCarbon's online ``EmissionsTracker`` looks the country up over the
network and, when it cannot, silently uses Canada. The offline tracker is told the
country, here in one place: :func:`set_country` or the ``MLFOOTPRINT_COUNTRY``
environment variable (ISO 3166 alpha-3, default ``USA``).

Short work (one inference) is far below what the tracker can resolve: CodeCarbon
samples CPU load about once a second. :func:`measure_repeated` therefore runs a
warm-up call (reported, not counted), then repeats the work in batches that each last
at least ``min_seconds``, and reports the energy *per item* with its spread.
"""

from __future__ import annotations

import json
import logging
import math
import os
import statistics
import time
from contextlib import contextmanager
from dataclasses import MISSING, asdict, dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

from .checks import positive_int

DEFAULT_COUNTRY = "USA"
COUNTRY_ENV = "MLFOOTPRINT_COUNTRY"
TRACKING_MODES = ("machine", "process")

_country: str | None = None


class _QuietCodeCarbon(logging.Filter):
    """Keep CodeCarbon's INFO/WARNING chatter out of notebooks; errors still pass."""

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003
        return record.levelno >= logging.ERROR


def _silence_codecarbon() -> None:
    cc_logger = logging.getLogger("codecarbon")
    if not any(isinstance(f, _QuietCodeCarbon) for f in cc_logger.filters):
        cc_logger.addFilter(_QuietCodeCarbon())


# ----------------------------------------------------------------------------------------
# Country and carbon intensity
# ----------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _energy_mix() -> dict:
    import codecarbon

    path = Path(codecarbon.__file__).parent / "data" / "private_infra" / "global_energy_mix.json"
    return json.loads(path.read_text(encoding="utf-8"))


def known_countries() -> dict[str, str]:
    """ISO alpha-3 code -> country name, for every country CodeCarbon has a grid mix for."""
    return {code: row["country_name"] for code, row in sorted(_energy_mix().items())
            if row.get("carbon_intensity") is not None}


def _check_country(code: str) -> str:
    if not isinstance(code, str):
        raise ValueError(f"country must be an ISO 3166 alpha-3 code such as 'FRA', got {code!r}")
    norm = code.strip().upper()
    countries = known_countries()
    if norm not in countries:
        hint = ""
        matches = [f"{c} ({n})" for c, n in countries.items()
                   if norm and (norm[:2] == c[:2] or norm.lower() in n.lower())][:6]
        if matches:
            hint = f" Did you mean: {', '.join(matches)}?"
        raise ValueError(f"unknown country code {code!r}: CodeCarbon has no grid data for it. "
                         f"Use an ISO 3166 alpha-3 code such as 'USA', 'FRA' or 'DEU'.{hint}")
    return norm


def set_country(code: str) -> str:
    """Set the country whose grid turns kWh into CO2 for every later measurement."""
    global _country
    _country = _check_country(code)
    return _country


def get_country() -> str:
    """The country in force: :func:`set_country`, else ``$MLFOOTPRINT_COUNTRY``, else USA."""
    if _country is not None:
        return _country
    return _check_country(os.environ.get(COUNTRY_ENV, DEFAULT_COUNTRY))


@dataclass(frozen=True)
class GridIntensity:
    country_iso: str
    country_name: str
    g_per_kwh: float
    year: int | None
    source: str = "CodeCarbon global_energy_mix.json (Our World in Data / Ember)"


def carbon_intensity(code: str | None = None) -> GridIntensity:
    """Grid carbon intensity (g CO2e per kWh) that CodeCarbon uses offline for ``code``."""
    code = _check_country(code) if code is not None else get_country()
    row = _energy_mix()[code]
    return GridIntensity(code, row["country_name"], float(row["carbon_intensity"]), row.get("year"))


def kwh_to_kg(kwh: float, code: str | None = None) -> float:
    """kg CO2e for ``kwh`` of electricity on ``code``'s grid."""
    return kwh * carbon_intensity(code).g_per_kwh / 1000.0


# ----------------------------------------------------------------------------------------
# The tracker and what this machine offers
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrackerConfig:
    country: str
    tracking_mode: str = "machine"
    force_cpu_power: float | None = None
    force_ram_power: float | None = None

    def __post_init__(self):
        if self.tracking_mode not in TRACKING_MODES:
            raise ValueError(f"tracking_mode must be one of {TRACKING_MODES}, got {self.tracking_mode!r}")
        for name in ("force_cpu_power", "force_ram_power"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not math.isfinite(value) or value <= 0):
                raise ValueError(f"{name} must be a positive number of watts or None, got {value!r}")


_trackers: dict[TrackerConfig, Any] = {}


def _tracker(config: TrackerConfig):
    tracker = _trackers.get(config)
    if tracker is None:
        _silence_codecarbon()
        from codecarbon import OfflineEmissionsTracker

        kwargs = dict(country_iso_code=config.country, tracking_mode=config.tracking_mode,
                      log_level="error", save_to_file=False, allow_multiple_runs=True,
                      measure_power_secs=1)
        if config.force_cpu_power is not None:
            kwargs["force_cpu_power"] = config.force_cpu_power
        if config.force_ram_power is not None:
            kwargs["force_ram_power"] = config.force_ram_power
        tracker = OfflineEmissionsTracker(**kwargs)
        _silence_codecarbon()
        tracker._ensure_hardware_ready()  # detect hardware now, not inside the first measurement
        _trackers[config] = tracker
    return tracker


@dataclass(frozen=True)
class HardwareMethod:
    """How CodeCarbon estimates power on this machine, in words and numbers."""

    cpu_model: str
    cpu_threads: int
    cpu_power_source: str      # "RAPL counter" | "TDP table" | "constant fallback" | "forced by user" | ...
    cpu_power_detail: str
    cpu_max_power_w: float | None
    rapl_available: bool
    ram_model: str
    ram_power_w: float | None
    ram_total_gb: float
    gpu_model: str             # "" when no NVIDIA GPU is tracked
    tracking_mode: str

    def describe(self) -> str:
        gpu = f"GPU: {self.gpu_model}, read through NVIDIA's NVML." if self.gpu_model else "GPU: none tracked."
        return f"CPU: {self.cpu_power_detail} RAM: {self.ram_model} {gpu}"


def _rapl_available() -> bool:
    return Path("/sys/class/powercap/intel-rapl").exists() or Path("/sys/class/powercap/intel-rapl:0").exists()


def hardware_method(config: TrackerConfig | None = None) -> HardwareMethod:
    """Inspect the tracker CodeCarbon set up for ``config`` and say how it gets its power.

    Computed once per tracker configuration (the hardware does not change within a process).
    """
    return _hardware_method(config or current_config())


@lru_cache(maxsize=None)
def _hardware_method(config: TrackerConfig) -> HardwareMethod:
    tracker = _tracker(config)
    cpu = next((h for h in tracker._hardware if type(h).__name__ == "CPU"), None)
    ram = next((h for h in tracker._hardware if type(h).__name__ == "RAM"), None)
    gpus = [h for h in tracker._hardware if type(h).__name__ == "GPU"]
    threads = int(tracker._conf.get("cpu_count") or os.cpu_count() or 1)
    model = str(tracker._conf.get("cpu_model") or "unknown CPU")
    mode = getattr(cpu, "_mode", "unknown")
    max_power = getattr(cpu, "_tdp", None)
    rapl = _rapl_available()
    if config.force_cpu_power is not None:
        source = "forced by user"
        detail = (f"power set by hand to {config.force_cpu_power:g} W "
                  f"({'scaled by CPU load' if mode == 'cpu_load' else 'constant'}).")
    elif mode == "intel_rapl":
        source = "RAPL counter"
        detail = f"energy read from the processor's RAPL counters ({model})."
    elif mode in ("cpu_load", "constant"):
        in_table = False
        try:
            from codecarbon.core import cpu as cc_cpu
            from codecarbon.core.hardware_cache import get_cached_tdp

            tdp = get_cached_tdp(cc_cpu)
            in_table = bool(tdp._get_cpu_power_from_registry(tdp.model)) if tdp.model else False
        except Exception:  # the table lookup is only used to describe the method
            in_table = False
        scale = "scaled by the CPU load" if mode == "cpu_load" else "at a constant 50% of it"
        if in_table:
            source = "TDP table"
            detail = (f"no RAPL counter; '{model}' found in CodeCarbon's TDP table, "
                      f"{max_power} W, {scale}.")
        else:
            source = "constant fallback"
            rapl_note = "no RAPL counter" if not rapl else "RAPL not readable"
            per_thread = f"{max_power / threads:g} W per thread x {threads} threads = " if max_power else ""
            detail = (f"{rapl_note} and '{model}' is not in CodeCarbon's TDP table, so a fallback of "
                      f"{per_thread}{max_power} W is used, {scale}.")
    else:
        source = mode
        detail = f"CodeCarbon's '{mode}' backend ({model})."
    ram_total = float(tracker._conf.get("ram_total_size") or 0.0)
    if config.force_ram_power is not None:
        ram_power = float(config.force_ram_power)
        ram_model = f"power set by hand to {ram_power:g} W."
    else:
        try:
            dimms = ram._estimate_dimm_count(ram_total)
            ram_power = float(ram._calculate_ram_power(ram_total))
            ram_model = (f"CodeCarbon's DIMM estimate, {ram_total:.1f} GB as {dimms} DIMMs, "
                         f"a constant {ram_power:g} W whatever the memory use.")
        except Exception:
            ram_power, ram_model = None, "CodeCarbon's RAM estimate (details unavailable)."
    gpu_model = str(tracker._conf.get("gpu_model") or "") if gpus else ""
    return HardwareMethod(model, threads, source, detail, max_power, rapl, ram_model, ram_power,
                          ram_total, gpu_model, config.tracking_mode)


def current_config(tracking_mode: str = "machine", force_cpu_power: float | None = None,
                   force_ram_power: float | None = None) -> TrackerConfig:
    return TrackerConfig(get_country(), tracking_mode, force_cpu_power, force_ram_power)


# ----------------------------------------------------------------------------------------
# The record
# ----------------------------------------------------------------------------------------
def spread(values: list[float]) -> dict[str, float]:
    """mean, std (sample), min, median, max and relative std of ``values``."""
    if not values:
        raise ValueError("spread of no values")
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return {"mean": mean, "std": std, "min": min(values), "median": statistics.median(values),
            "max": max(values), "rel_std": (std / mean) if mean else 0.0, "n": len(values)}


@dataclass
class Measurement:
    """One measured piece of work. Energies in kWh, emissions in kg CO2e, per item."""

    label: str
    duration_s: float
    energy_kwh: float
    cpu_energy_kwh: float
    ram_energy_kwh: float
    gpu_energy_kwh: float
    emissions_kg: float
    repeats: int
    items_per_repeat: int
    duration_spread: dict
    energy_spread: dict
    country_iso: str
    country_name: str
    carbon_intensity_g_per_kwh: float
    cpu_power_source: str
    cpu_power_detail: str
    cpu_model: str
    ram_model: str
    gpu_model: str
    tracking_mode: str
    codecarbon_version: str
    total_duration_s: float
    total_energy_kwh: float
    warmup_duration_s: float | None = None
    warmup_energy_kwh: float | None = None
    settings: dict = field(default_factory=dict)

    # -- derived ---------------------------------------------------------------------------
    @property
    def energy_j(self) -> float:
        return self.energy_kwh * 3.6e6

    @property
    def emissions_g(self) -> float:
        return self.emissions_kg * 1000.0

    def per(self, n_items: float) -> dict[str, float]:
        """Energy (kWh) and emissions (kg) for ``n_items`` items, e.g. ``per(1000)``."""
        return {"energy_kwh": self.energy_kwh * n_items, "emissions_kg": self.emissions_kg * n_items}

    def method_setup(self) -> str:
        """The instrument: tracker, CPU power source, RAM model and grid (no repeats)."""
        gpu = f"; GPU {self.gpu_model} via NVML" if self.gpu_model else ""
        return (f"CodeCarbon {self.codecarbon_version} offline tracker. "
                f"CPU power: {self.cpu_power_source} ({self.cpu_power_detail.rstrip('.')}). "
                f"RAM: {self.ram_model.rstrip('.')}{gpu}. "
                f"Grid: {self.country_name} ({self.country_iso}), "
                f"{self.carbon_intensity_g_per_kwh:.0f} g CO2e/kWh.")

    def method_repeats(self) -> str:
        """The protocol: tracking mode, repeats and spread (no instrument)."""
        rel = self.energy_spread.get("rel_std", 0.0)
        if self.repeats > 1:
            reps = (f"{self.repeats} repeats of at least {self.items_per_repeat} item(s)"
                    f"{' after a warm-up run (excluded)' if self.warmup_duration_s is not None else ''}; "
                    f"energy per item varied by ±{100 * rel:.1f}% (std/mean), "
                    f"min {self.energy_spread['min'] * 3.6e6:.3g} J, max {self.energy_spread['max'] * 3.6e6:.3g} J")
        else:
            reps = f"a single run of {self.items_per_repeat} item(s), so no spread is known"
        return f"{self.tracking_mode} mode; {reps}."

    def method(self) -> str:
        """How these numbers were obtained, in one paragraph a learner can read."""
        setup = self.method_setup().replace(" offline tracker.",
                                            f" offline tracker, {self.tracking_mode} mode.", 1)
        reps = self.method_repeats().split("; ", 1)[1]
        return f"{setup} {reps[0].upper()}{reps[1:]}"

    def method_short(self) -> str:
        """A compact method string for table cells."""
        rel = self.energy_spread.get("rel_std", 0.0)
        ram = "forced" if self.ram_model.startswith("power set by hand") else "constant model"
        return (f"CPU: {self.cpu_power_source}; RAM: {ram}; {self.country_iso} "
                f"{self.carbon_intensity_g_per_kwh:.0f} g/kWh; n={self.repeats}, ±{100 * rel:.0f}%")

    def summary(self) -> str:
        return (f"{self.label}: {self.duration_s:.3g} s, {self.energy_j:.3g} J "
                f"({self.energy_kwh:.3g} kWh), {self.emissions_g:.3g} g CO2e per item")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Measurement":
        if not isinstance(data, dict):
            raise ValueError(f"not a Measurement: expected a dict, got {type(data).__name__}")
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        required = {f.name for f in fields(cls)
                    if f.default is MISSING and f.default_factory is MISSING}
        missing = required - set(data)
        if unknown or missing:
            raise ValueError(f"not a Measurement: unknown fields {sorted(unknown)}, "
                             f"missing fields {sorted(missing)}")
        return cls(**{k: v for k, v in data.items() if k in names})


# ----------------------------------------------------------------------------------------
# Measuring
# ----------------------------------------------------------------------------------------
def _sync() -> None:
    """Wait for queued GPU work so that it is counted in the task it belongs to."""
    try:
        import torch

        if torch.cuda.is_available() and torch.cuda.is_initialized():
            torch.cuda.synchronize()
    except Exception:  # torch missing or CUDA unusable: nothing queued to wait for
        pass


@dataclass
class _Raw:
    duration: float
    energy: float
    cpu: float
    ram: float
    gpu: float
    emissions: float


def _run_task(tracker, work: Callable[[], Any]) -> tuple[Any, _Raw]:
    tracker.start_task()
    try:
        result = work()
        _sync()
    except BaseException:
        tracker.stop_task()
        raise
    return result, _raw(tracker.stop_task())


def _raw(data) -> _Raw:
    if data is None:
        raise RuntimeError("CodeCarbon returned no measurement for the task "
                           "(is another measurement already running in this process?)")
    return _Raw(float(data.duration), float(data.energy_consumed), float(data.cpu_energy),
                float(data.ram_energy), float(data.gpu_energy), float(data.emissions))


def _record(label: str, raws: list[_Raw], items: int | list[int], config: TrackerConfig,
            settings: dict, warmup: _Raw | None) -> Measurement:
    import codecarbon

    hw = hardware_method(config)
    grid = carbon_intensity(config.country)
    counts = items if isinstance(items, list) else [items] * len(raws)
    per_item = lambda attr: [getattr(r, attr) / n for r, n in zip(raws, counts)]  # noqa: E731
    energies, durations = per_item("energy"), per_item("duration")
    mean = statistics.fmean
    return Measurement(
        label=label,
        duration_s=mean(durations), energy_kwh=mean(energies),
        cpu_energy_kwh=mean(per_item("cpu")), ram_energy_kwh=mean(per_item("ram")),
        gpu_energy_kwh=mean(per_item("gpu")), emissions_kg=mean(per_item("emissions")),
        repeats=len(raws), items_per_repeat=min(counts),
        duration_spread=spread(durations), energy_spread=spread(energies),
        country_iso=grid.country_iso, country_name=grid.country_name,
        carbon_intensity_g_per_kwh=grid.g_per_kwh,
        cpu_power_source=hw.cpu_power_source, cpu_power_detail=hw.cpu_power_detail,
        cpu_model=hw.cpu_model, ram_model=hw.ram_model, gpu_model=hw.gpu_model,
        tracking_mode=config.tracking_mode, codecarbon_version=codecarbon.__version__,
        total_duration_s=sum(r.duration for r in raws), total_energy_kwh=sum(r.energy for r in raws),
        warmup_duration_s=warmup.duration if warmup else None,
        warmup_energy_kwh=warmup.energy if warmup else None,
        settings=dict(settings or {}),
    )


def measure_once(work: Callable[[], Any], *, label: str = "work", settings: dict | None = None,
                 tracking_mode: str = "machine", force_cpu_power: float | None = None,
                 force_ram_power: float | None = None, items: int = 1) -> tuple[Any, Measurement]:
    """Run ``work()`` once under the tracker; return its result and the record.

    For long work (training): no repeats, so no spread. ``items`` divides the figures,
    e.g. the number of images processed.
    """
    positive_int("items", items)
    config = current_config(tracking_mode, force_cpu_power, force_ram_power)
    result, raw = _run_task(_tracker(config), work)
    return result, _record(label, [raw], items, config, settings or {}, None)


class _Tracked:
    record: Measurement | None = None


@contextmanager
def track(label: str = "work", *, settings: dict | None = None, items: int = 1,
          tracking_mode: str = "machine", force_cpu_power: float | None = None,
          force_ram_power: float | None = None) -> Iterator[_Tracked]:
    """``with track("training") as t: ...`` then ``t.record`` is the Measurement."""
    holder = _Tracked()
    positive_int("items", items)
    config = current_config(tracking_mode, force_cpu_power, force_ram_power)
    tracker = _tracker(config)
    tracker.start_task()
    try:
        yield holder
        _sync()
    except BaseException:
        tracker.stop_task()
        raise
    raw = _raw(tracker.stop_task())
    holder.record = _record(label, [raw], items, config, settings or {}, None)


def measure_repeated(work: Callable[[], Any], *, label: str = "work", settings: dict | None = None,
                     repeats: int = 5, min_seconds: float = 2.0, max_calls: int = 100_000,
                     items_per_call: int = 1, warmup: bool = True, tracking_mode: str = "machine",
                     force_cpu_power: float | None = None,
                     force_ram_power: float | None = None) -> Measurement:
    """Measure short work properly: warm up, then ``repeats`` windows of at least ``min_seconds``.

    Within each repeat ``work()`` is called again and again until the window lasts at least
    ``min_seconds`` (CodeCarbon samples CPU load about once a second, so shorter windows
    are mostly noise), or ``max_calls`` calls were made. Each repeat's energy is divided by
    its own number of items; ``items_per_repeat`` reports the smallest count. One call
    handles ``items_per_call`` items (e.g. a batch of 64 images).
    """
    positive_int("repeats", repeats)
    positive_int("max_calls", max_calls)
    positive_int("items_per_call", items_per_call)
    if isinstance(min_seconds, bool) or not isinstance(min_seconds, (int, float)) \
            or not math.isfinite(min_seconds) or min_seconds < 0:
        raise ValueError(f"min_seconds must be a non-negative number, got {min_seconds!r}")
    config = current_config(tracking_mode, force_cpu_power, force_ram_power)
    tracker = _tracker(config)
    warm = _run_task(tracker, work)[1] if warmup else None

    def batch() -> int:
        # call until the window is long enough: the count adapts to the speed of *this* repeat
        calls, start = 0, time.perf_counter()
        while calls < max_calls and (calls == 0 or time.perf_counter() - start < min_seconds):
            work()
            calls += 1
        return calls

    runs = [_run_task(tracker, batch) for _ in range(repeats)]
    raws = [raw for _, raw in runs]
    items = [calls * items_per_call for calls, _ in runs]
    return _record(label, raws, items, config,
                   {**(settings or {}), "repeats": repeats, "min_seconds": min_seconds}, warm)
