"""Measuring work: once (long work), repeated in windows (short work), or summed (epochs)."""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Callable, Iterator

import codecarbon

from ..checks import integer, number
from ..environment import check as check_environment
from ..notices import TrackerNotice, notice
from ..store import to_jsonable
from .record import Measurement, spread
from .tracker import (COURSE_TRACKING_MODE, TrackerConfig, _Raw, _run_task, _task, _threads,
                      _tracker, current_config, hardware_method)

MAX_MIN_SECONDS = 60.0
MAX_REPEATS = 1000
MAX_TOTAL_SECONDS = 3600.0   # repeats x min_seconds: the longest repeated measurement allowed


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
        settings=settings, busy_share=_weighted_share([(r.duration, r.others_share) for r in raws]),
    )


def _weighted_share(parts: list[tuple[float, float | None]]) -> float | None:
    """The time-weighted average of the windows' busy shares (None if any is unknown)."""
    if not parts or any(share is None for _, share in parts):
        return None
    total = sum(t for t, _ in parts)
    return sum(t * s for t, s in parts) / total if total > 0 else parts[0][1]


def _settings(settings: Any) -> dict:
    """``settings`` checked *before* any work: a dict of JSON-storable values."""
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise TypeError(f"settings must be a dict of the settings that produced the work, "
                        f"got {type(settings).__name__}: {settings!r:.60}")
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
    check_environment()   # a wrong MLFOOTPRINT_COUNTRY must not wait until the record is made
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
    check_environment()
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
    if repeats * min_seconds > MAX_TOTAL_SECONDS:
        raise ValueError(f"repeats x min_seconds must be at most {MAX_TOTAL_SECONDS:,.0f} s (an hour of "
                         f"measuring), got {repeats} x {min_seconds:g} s; use fewer repeats or shorter windows")
    settings = _settings(settings)
    config = current_config(tracking_mode, force_cpu_power, force_ram_power)
    check_environment()
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
        busy_share=_weighted_share([(r.total_duration_s, r.busy_share) for r in records]),
    )
