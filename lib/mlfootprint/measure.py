"""Energy and CO2 of a piece of work, measured with CodeCarbon's *offline* tracker.

Every measurement returns a :class:`Measurement` record that carries not only the
numbers (duration, CPU/RAM/GPU energy) but also *how* they were obtained: where the CPU
power came from (RAPL counter, TDP table, or a constant fallback), the power CodeCarbon
actually charged for the CPU and the RAM during that work, the tracking mode, any warning
the tracker gave, the grid, and how many repeats were made with what spread.
``record.method()`` says all of that in a few sentences.

**One tracking mode.** The course measures in CodeCarbon's ``process`` mode
(:data:`COURSE_TRACKING_MODE`): the CPU power is scaled by *this process's* share of the
CPU, so other programs on a shared build machine are not charged to our models. The
Measuring chapter compares it with ``machine`` mode. :func:`cpu_formula` states each
mode's formula once.

**Energy is measured, CO2 is derived.** A record keeps energy; its emissions are always
energy x the carbon intensity of the grid in force (:func:`set_country` or
``$MLFOOTPRINT_COUNTRY``, ISO 3166 alpha-3, default ``USA``). A record read back from a
dict (:meth:`Measurement.from_dict`, which is how stored results are read) takes the grid
in force *now*, so changing the country re-runs nothing and the identity
``emissions = energy x intensity`` holds exactly.

Why offline: CodeCarbon's online ``EmissionsTracker`` looks the country up over the
network and, when it cannot, silently uses Canada.

Short work (one inference) is far below what the tracker can resolve: CodeCarbon samples
about once a second. :func:`measure_repeated` runs a warm-up call (reported, not
counted), then repeats the work in windows that each last at least ``min_seconds``, and
reports the energy *per item* with its spread.

Everything CodeCarbon does not offer publicly (its grid table, how it chose the CPU power
source, its RAM floor) is read in :mod:`mlfootprint._codecarbon`, and only there.
"""

from __future__ import annotations

import logging
import math
import os
import statistics
import sys
import time
from contextlib import contextmanager
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

import codecarbon
from codecarbon import OfflineEmissionsTracker

from . import _codecarbon as cc
from . import units
from .checks import choice, integer, number
from .notices import TrackerNotice, notice

DEFAULT_COUNTRY = "USA"
COUNTRY_ENV = "MLFOOTPRINT_COUNTRY"
TRACKING_MODES = ("machine", "process")
COURSE_TRACKING_MODE = "process"
# The tracker is told a fixed country: its own CO2 figure is never used (see the module doc).
_TRACKER_COUNTRY = "USA"
MAX_MIN_SECONDS = 60.0
MAX_REPEATS = 1000

_country: str | None = None


# ----------------------------------------------------------------------------------------
# Country and carbon intensity
# ----------------------------------------------------------------------------------------
def known_countries() -> dict[str, str]:
    """ISO alpha-3 code -> country name, for every country CodeCarbon has a grid intensity for."""
    return {code: row["country_name"] for code, row in sorted(cc.grid_table().items())}


def _check_country(code: Any, *, where: str = "country") -> str:
    if not isinstance(code, str) or not code.strip():
        raise ValueError(f"{where} must be an ISO 3166 alpha-3 code such as 'USA', 'FRA' or 'DEU', "
                         f"got {code!r}")
    norm = code.strip().upper()
    countries = known_countries()
    if norm not in countries:
        matches = [f"{c} ({n})" for c, n in countries.items()
                   if norm[:2] == c[:2] or norm.lower() in n.lower()][:6]
        hint = f" Did you mean: {', '.join(matches)}?" if matches else ""
        raise ValueError(f"{where}: unknown country code {code!r}: CodeCarbon has no grid data for it. "
                         f"Use an ISO 3166 alpha-3 code such as 'USA', 'FRA' or 'DEU'.{hint}")
    return norm


def set_country(code: str) -> str:
    """Set the country whose grid turns kWh into CO2 for every record from now on."""
    global _country
    _country = _check_country(code)
    return _country


def get_country() -> str:
    """The country in force: :func:`set_country`, else ``$MLFOOTPRINT_COUNTRY``, else USA."""
    if _country is not None:
        return _country
    env = os.environ.get(COUNTRY_ENV)
    if env is None:
        return DEFAULT_COUNTRY
    return _check_country(env, where=f"the environment variable {COUNTRY_ENV}")


@dataclass(frozen=True)
class GridIntensity:
    country_iso: str
    country_name: str
    g_per_kwh: float
    year: int | None

    @property
    def source(self) -> str:
        return cc.grid_source()


def carbon_intensity(code: str | None = None) -> GridIntensity:
    """Grid carbon intensity (g CO2e per kWh) that CodeCarbon uses offline for ``code``."""
    code = _check_country(code) if code is not None else get_country()
    row = cc.grid_table()[code]
    return GridIntensity(code, row["country_name"], row["carbon_intensity"], row.get("year"))


def kwh_to_kg(kwh: float, code: str | None = None) -> float:
    """kg CO2e for ``kwh`` of electricity on ``code``'s grid (default: the grid in force)."""
    return kwh * carbon_intensity(code).g_per_kwh / 1000.0


# ----------------------------------------------------------------------------------------
# The tracker, and what CodeCarbon charges on this machine
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrackerConfig:
    tracking_mode: str = COURSE_TRACKING_MODE
    force_cpu_power: float | None = None
    force_ram_power: float | None = None

    def __post_init__(self):
        choice("tracking_mode", self.tracking_mode, TRACKING_MODES)
        for name in ("force_cpu_power", "force_ram_power"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, number(name, value, lo=0, lo_open=True, hi=100_000,
                                                      what="a positive number of watts or None"))


def current_config(tracking_mode: str = COURSE_TRACKING_MODE, force_cpu_power: float | None = None,
                   force_ram_power: float | None = None) -> TrackerConfig:
    return TrackerConfig(tracking_mode, force_cpu_power, force_ram_power)


class _Capture(logging.Handler):
    """Collects CodeCarbon's warnings while a measurement runs (not a StreamHandler, so
    CodeCarbon's own handler set-up leaves it in place)."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.messages is not None:
            self.messages.append(record.getMessage().strip())


class _Gate(logging.Filter):
    """On CodeCarbon's logger: errors always pass; warnings pass only while a measurement
    runs (to be captured, and then kept off the console by the handlers' own filter);
    the rest of its chatter never does."""

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003
        return record.levelno >= logging.ERROR or (
            _capture.messages is not None and record.levelno >= logging.WARNING)


_capture = _Capture()
_gate = _Gate()
_trackers: dict[TrackerConfig, OfflineEmissionsTracker] = {}
_gpu_models: dict[TrackerConfig, str] = {}  # as the hardware set-up task reported it


def _tracker(config: TrackerConfig) -> OfflineEmissionsTracker:
    tracker = _trackers.get(config)
    if tracker is None:
        kwargs = dict(country_iso_code=_TRACKER_COUNTRY, tracking_mode=config.tracking_mode,
                      log_level="warning", save_to_file=False, allow_multiple_runs=True,
                      measure_power_secs=1)
        if config.force_cpu_power is not None:
            kwargs["force_cpu_power"] = config.force_cpu_power
        if config.force_ram_power is not None:
            kwargs["force_ram_power"] = config.force_ram_power
        logger = logging.getLogger(cc.LOGGER_NAME)
        if _capture not in logger.handlers:
            logger.addHandler(_capture)
        if _gate not in logger.filters:
            logger.addFilter(_gate)
        tracker = OfflineEmissionsTracker(**kwargs)
        cc.quiet_stream_handlers()
        # set the hardware up now (public: the first start_task would do it), not inside the
        # first measurement; its set-up warnings are explained by the method, not captured
        tracker.start_task()
        setup = tracker.stop_task()
        cc.quiet_stream_handlers()
        _gpu_models[config] = str(getattr(setup, "gpu_model", "") or "") if setup is not None else ""
        _trackers[config] = tracker
    return tracker


def _rapl_available() -> bool:
    return Path("/sys/class/powercap/intel-rapl").exists() or Path("/sys/class/powercap/intel-rapl:0").exists()


@dataclass(frozen=True)
class HardwareMethod:
    """How CodeCarbon estimates power on this machine, in words and numbers."""

    cpu_model: str
    cpu_threads: int
    cpu_power_source: str      # one of _codecarbon.CPU_SOURCES
    cpu_power_detail: str
    cpu_max_power_w: float | None
    rapl_available: bool
    ram_model: str
    ram_total_gb: float
    ram_floor_w: float
    gpu_model: str             # "" when no GPU is tracked
    tracking_mode: str

    def describe(self) -> str:
        gpu = f"GPU: {self.gpu_model}, read through NVIDIA's NVML." if self.gpu_model else "GPU: none tracked."
        return f"CPU: {self.cpu_power_detail}. RAM: {self.ram_model}. {gpu}"


def ram_model_text(tracking_mode: str, ram_total_gb: float, floor_w: float,
                   forced_w: float | None = None) -> str:
    """CodeCarbon's RAM model for ``tracking_mode``, in words."""
    if forced_w is not None:
        return f"a constant {forced_w:g} W set by hand (force_ram_power)"
    if tracking_mode == "process":
        return (f"CodeCarbon's estimate from the memory this process holds, never below "
                f"{floor_w:g} W")
    return (f"CodeCarbon's estimate from the machine's {ram_total_gb:.1f} GB of memory, "
            f"whatever is in use")


def cpu_formula(tracking_mode: str = COURSE_TRACKING_MODE) -> str:
    """The power CodeCarbon charges the CPU in ``tracking_mode`` without RAPL counters
    (CodeCarbon 3.3.2, ``codecarbon/external/hardware.py``), in words and symbols."""
    choice("tracking_mode", tracking_mode, TRACKING_MODES)
    if tracking_mode == "machine":
        return ("P = TDP x (0.1 + 0.9 x L^3), where L is the load of the whole machine (0 to 1): "
                "never below a tenth of the TDP, and a half-busy machine is charged "
                "TDP x 0.21")
    return ("P = TDP x C / N, where C is the CPU time this process (and its children) used per "
            "second of wall time and N the number of threads: one busy thread of N is charged "
            "TDP / N")


@lru_cache(maxsize=None)
def hardware_method(config: TrackerConfig | None = None) -> HardwareMethod:
    """Inspect the tracker CodeCarbon set up for ``config`` and say how it gets its power."""
    config = config or current_config()
    tracker = _tracker(config)
    src = cc.cpu_power_source(tracker, config.force_cpu_power)
    ram_total = _ram_total_gb()
    floor = cc.ram_floor_w()
    gpu = _gpu_models.get(config, "")
    return HardwareMethod(src.model, src.threads, src.kind, src.detail, src.tdp_w, _rapl_available(),
                          ram_model_text(config.tracking_mode, ram_total, floor, config.force_ram_power),
                          ram_total, floor, gpu, config.tracking_mode)


def _ram_total_gb() -> float:
    import psutil

    return psutil.virtual_memory().total / 1024 ** 3


# ----------------------------------------------------------------------------------------
# The record
# ----------------------------------------------------------------------------------------
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
        return self.energy_kwh * self.carbon_intensity_g_per_kwh / 1000.0

    @property
    def energy_j(self) -> float:
        return self.energy_kwh * 3.6e6

    @property
    def emissions_g(self) -> float:
        return self.emissions_kg * 1000.0

    @property
    def single_run(self) -> bool:
        return self.repeats <= 1

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

    def method_setup(self) -> str:
        """DEPRECATED alias of :meth:`method_instrument` (kept while callers move)."""
        return self.method_instrument()

    def method_charged(self) -> str:
        """What CodeCarbon charged for this record, and any warning it gave."""
        gpu = f", GPU {self.gpu_power_w:.3g} W" if self.gpu_model or self.gpu_power_w else ""
        text = (f"Charged on average: CPU {self.cpu_power_w:.3g} W, RAM {self.ram_power_w:.3g} W{gpu} "
                f"({_share(self.ram_energy_kwh, self.energy_kwh)} of the energy is RAM).")
        if self.tracker_warnings:
            text += " CodeCarbon warned: " + "; ".join(self.tracker_warnings) + "."
        return text

    def method_repeats(self) -> str:
        """The protocol: repeats and spread, or "single run"."""
        if self.single_run:
            parts = (f", the sum of {self.windows} tracker windows" if self.windows > 1 else "")
            per = f", divided by {self.items_per_repeat:,} items" if self.items_per_repeat > 1 else ""
            return f"Single run{parts}{per}, so no spread is known."
        rel = self.energy_spread.get("rel_std", 0.0)
        warm = " after a warm-up run (excluded)" if self.warmup_duration_s is not None else ""
        return (f"{self.repeats} repeats of at least {self.items_per_repeat:,} item(s){warm}; energy "
                f"per item varied by ±{100 * rel:.1f}% (std/mean), from "
                f"{self.energy_spread['min'] * 3.6e6:.3g} J to {self.energy_spread['max'] * 3.6e6:.3g} J.")

    def method(self) -> str:
        """How these numbers were obtained, in a few sentences a learner can read."""
        return f"{self.method_instrument()} {self.method_charged()} {self.method_repeats()}"

    def method_short(self) -> str:
        """A compact method for a table cell or a figure footnote."""
        reps = ("single run" if self.single_run
                else f"n={self.repeats}, ±{100 * self.energy_spread.get('rel_std', 0.0):.0f}%")
        warn = "; tracker warning" if self.tracker_warnings else ""
        return (f"{self.tracking_mode} mode; CPU {self.cpu_power_source} {self.cpu_power_w:.2g} W, "
                f"RAM {self.ram_power_w:.2g} W; {self.country_iso} "
                f"{self.carbon_intensity_g_per_kwh:.0f} g/kWh; {reps}{warn}")

    def summary(self) -> str:
        per = " per item" if self.items_per_repeat > 1 or not self.single_run else ""
        return (f"{self.label}: {units.duration(self.duration_s)}, {units.energy(self.energy_j)} "
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


# ----------------------------------------------------------------------------------------
# Measuring
# ----------------------------------------------------------------------------------------
def _sync() -> None:
    """Wait for queued GPU work so that it is counted in the task it belongs to."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def _threads() -> int | None:
    torch = sys.modules.get("torch")
    return int(torch.get_num_threads()) if torch is not None else None


@dataclass
class _Raw:
    duration: float
    energy: float
    cpu: float
    ram: float
    gpu: float
    warnings: list


@contextmanager
def _task(tracker: OfflineEmissionsTracker) -> Iterator[dict]:
    """One tracker task around the block; afterwards ``box["raw"]`` holds what it reported."""
    box: dict = {}
    _capture.messages = []
    tracker.start_task()
    try:
        yield box
        _sync()
    except BaseException:
        tracker.stop_task()
        _capture.messages = None
        raise
    data = tracker.stop_task()
    caught, _capture.messages = _capture.messages, None
    if data is None:
        raise RuntimeError("CodeCarbon returned no measurement for the task "
                           "(is another measurement already running in this process?)")
    box["raw"] = _Raw(float(data.duration), float(data.energy_consumed), float(data.cpu_energy),
                      float(data.ram_energy), float(data.gpu_energy), caught)


def _run_task(tracker: OfflineEmissionsTracker, work: Callable[[], Any]) -> tuple[Any, _Raw]:
    with _task(tracker) as box:
        result = work()
    return result, box["raw"]


def _record(label: str, raws: list[_Raw], items: list[int], config: TrackerConfig,
            settings: dict, warmup: _Raw | None) -> Measurement:
    hw = hardware_method(config)
    per_item = lambda attr: [getattr(r, attr) / n for r, n in zip(raws, items)]  # noqa: E731
    energies, durations = per_item("energy"), per_item("duration")
    mean = statistics.fmean
    total_time = sum(r.duration for r in raws)
    watts = lambda attr: sum(getattr(r, attr) for r in raws) * 3.6e6 / total_time if total_time else 0.0  # noqa: E731
    warned = list(dict.fromkeys(m for r in raws for m in r.warnings))
    for message in warned:
        notice(f"CodeCarbon warned while measuring '{label}': {message}", TrackerNotice)
    return Measurement(
        label=label,
        duration_s=mean(durations), energy_kwh=mean(energies),
        cpu_energy_kwh=mean(per_item("cpu")), ram_energy_kwh=mean(per_item("ram")),
        gpu_energy_kwh=mean(per_item("gpu")),
        cpu_power_w=watts("cpu"), ram_power_w=watts("ram"), gpu_power_w=watts("gpu"),
        repeats=len(raws), items_per_repeat=min(items),
        duration_spread=spread(durations), energy_spread=spread(energies),
        cpu_power_source=hw.cpu_power_source, cpu_power_detail=hw.cpu_power_detail,
        cpu_model=hw.cpu_model, cpu_tdp_w=hw.cpu_max_power_w, ram_model=hw.ram_model,
        gpu_model=hw.gpu_model, tracking_mode=config.tracking_mode,
        codecarbon_version=codecarbon.__version__,
        total_duration_s=total_time, total_energy_kwh=sum(r.energy for r in raws),
        window_min_s=min(r.duration for r in raws), threads=_threads(), tracker_warnings=warned,
        warmup_duration_s=warmup.duration if warmup else None,
        warmup_energy_kwh=warmup.energy if warmup else None,
        settings=settings,
    )


def _settings(settings: Any) -> dict:
    """``settings`` checked *before* any work: a dict of JSON-storable values."""
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise TypeError(f"settings must be a dict of the settings that produced the work, "
                        f"got {type(settings).__name__}: {settings!r:.60}")
    from .store import to_jsonable

    try:
        return to_jsonable(settings)
    except TypeError as exc:
        raise TypeError(f"settings must hold only storable values (numbers, strings, lists, "
                        f"dicts): {exc}") from None


def measure_once(work: Callable[[], Any], *, label: str = "work", settings: dict | None = None,
                 tracking_mode: str = COURSE_TRACKING_MODE, force_cpu_power: float | None = None,
                 force_ram_power: float | None = None, items: int = 1) -> tuple[Any, Measurement]:
    """Run ``work()`` once under the tracker; return its result and the record.

    For long work (training): a single run, so no spread. ``items`` divides the figures,
    e.g. the number of images processed.
    """
    if not callable(work):
        raise TypeError(f"work must be a function to call, got {type(work).__name__}")
    items = integer("items", items, lo=1)
    settings = _settings(settings)
    config = current_config(tracking_mode, force_cpu_power, force_ram_power)
    result, raw = _run_task(_tracker(config), work)
    return result, _record(label, [raw], [items], config, settings, None)


class _Tracked:
    record: Measurement | None = None


@contextmanager
def track(label: str = "work", *, settings: dict | None = None, items: int = 1,
          tracking_mode: str = COURSE_TRACKING_MODE, force_cpu_power: float | None = None,
          force_ram_power: float | None = None) -> Iterator[_Tracked]:
    """``with track("training") as t: ...`` then ``t.record`` is the Measurement."""
    items = integer("items", items, lo=1)
    settings = _settings(settings)
    config = current_config(tracking_mode, force_cpu_power, force_ram_power)
    holder = _Tracked()
    with _task(_tracker(config)) as box:
        yield holder
    holder.record = _record(label, [box["raw"]], [items], config, settings, None)


def measure_repeated(work: Callable[[], Any], *, label: str = "work", settings: dict | None = None,
                     repeats: int = 5, min_seconds: float = 2.0, max_calls: int = 100_000,
                     items_per_call: int = 1, warmup: bool = True,
                     tracking_mode: str = COURSE_TRACKING_MODE,
                     force_cpu_power: float | None = None,
                     force_ram_power: float | None = None) -> Measurement:
    """Measure short work properly: warm up, then ``repeats`` windows of at least ``min_seconds``.

    Within each repeat ``work()`` is called again and again until the window lasts at least
    ``min_seconds`` (CodeCarbon samples about once a second, so shorter windows are mostly
    noise), or ``max_calls`` calls were made. Each repeat's energy is divided by its own
    number of items; ``items_per_repeat`` reports the smallest count and ``window_min_s``
    the shortest window. One call handles ``items_per_call`` items (e.g. a batch of 64).
    """
    if not callable(work):
        raise TypeError(f"work must be a function to call, got {type(work).__name__}")
    repeats = integer("repeats", repeats, lo=1, hi=MAX_REPEATS)
    max_calls = integer("max_calls", max_calls, lo=1)
    items_per_call = integer("items_per_call", items_per_call, lo=1)
    min_seconds = number("min_seconds", min_seconds, lo=0, hi=MAX_MIN_SECONDS)
    settings = _settings(settings)
    config = current_config(tracking_mode, force_cpu_power, force_ram_power)
    tracker = _tracker(config)
    warm = _run_task(tracker, work)[1] if warmup else None

    def window() -> int:
        # call until the window is long enough: the count adapts to the speed of *this* repeat
        calls, start = 0, time.perf_counter()
        while calls < max_calls and (calls == 0 or time.perf_counter() - start < min_seconds):
            work()
            calls += 1
        return calls

    runs = [_run_task(tracker, window) for _ in range(repeats)]
    raws = [raw for _, raw in runs]
    items = [calls * items_per_call for calls, _ in runs]
    return _record(label, raws, items, config,
                   {**settings, "repeats": repeats, "min_seconds": min_seconds}, warm)


def combine(records: list[Measurement], *, label: str, items: int = 1,
            settings: dict | None = None) -> Measurement:
    """One single-run record for work measured in several tracker windows (e.g. one per
    epoch): durations and energies summed, powers = summed energy / summed time, divided
    by ``items``. Every part must be a single run made with the same instrument."""
    records = list(records)
    if not records:
        raise ValueError("combine needs at least one Measurement")
    for r in records:
        if not isinstance(r, Measurement):
            raise TypeError(f"combine takes Measurements, got {type(r).__name__}")
        if not r.single_run:
            raise ValueError(f"combine sums single runs; '{r.label}' has {r.repeats} repeats")
    instrument = {(r.tracking_mode, r.cpu_power_source, r.cpu_tdp_w, r.ram_model, r.codecarbon_version)
                  for r in records}
    if len(instrument) > 1:
        raise ValueError(f"combine needs records made the same way; got {sorted(map(str, instrument))}")
    items = integer("items", items, lo=1)
    whole = lambda attr: sum(getattr(r, attr) * r.items_per_repeat for r in records)  # noqa: E731
    total_time, total_energy = whole("duration_s"), whole("energy_kwh")
    first = records[0]
    watts = lambda attr: whole(attr) * 3.6e6 / total_time if total_time else 0.0  # noqa: E731
    one = [total_energy / items]
    return replace(
        first, label=label, duration_s=total_time / items, energy_kwh=total_energy / items,
        cpu_energy_kwh=whole("cpu_energy_kwh") / items, ram_energy_kwh=whole("ram_energy_kwh") / items,
        gpu_energy_kwh=whole("gpu_energy_kwh") / items,
        cpu_power_w=watts("cpu_energy_kwh"), ram_power_w=watts("ram_energy_kwh"),
        gpu_power_w=watts("gpu_energy_kwh"), repeats=1, items_per_repeat=items,
        duration_spread=spread([total_time / items]), energy_spread=spread(one),
        total_duration_s=total_time, total_energy_kwh=total_energy,
        window_min_s=min(r.window_min_s for r in records),
        windows=sum(r.windows for r in records),
        tracker_warnings=list(dict.fromkeys(w for r in records for w in r.tracker_warnings)),
        warmup_duration_s=None, warmup_energy_kwh=None,
        settings=_settings(settings) if settings is not None else dict(first.settings),
    )
