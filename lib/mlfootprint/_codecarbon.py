"""The one place that reaches into CodeCarbon beyond its public interface.

:mod:`mlfootprint.measure` uses CodeCarbon's public interface only: an
``OfflineEmissionsTracker``, its ``start_task`` / ``stop_task``, the ``EmissionsData`` it
returns, and the ``codecarbon`` logger. Three things are not offered publicly, and they
live here, each in one small function:

- :func:`grid_table` -- the grid carbon intensities CodeCarbon ships (its
  ``global_energy_mix.json``, read through ``codecarbon.input.DataSource``);
- :func:`cpu_power_source` -- whether the tracker reads RAPL counters, looked the
  processor up in its TDP table, or fell back to a constant per thread, and the power it
  assumes for the whole CPU (attributes of the tracker's private ``_hardware`` list; the
  model and thread count come from the public ``get_detected_hardware()``);
- :func:`ram_floor_w` -- the smallest RAM power CodeCarbon charges in process mode (its
  private RAM model, asked for the power of no memory at all).

``tests/test_codecarbon_adapter.py`` checks each of them against what the public
interface reports (emissions divided by energy, energy divided by time), so a CodeCarbon
release that changes its data or its behaviour fails a test instead of silently changing
the course's method sentences. Anything unexpected raises :class:`AdapterError`: this
module never guesses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import codecarbon

TESTED_VERSION = "3.3.2"


class AdapterError(RuntimeError):
    """CodeCarbon does not look the way this adapter was written for."""


def _fail(what: str, exc: Exception | None = None) -> AdapterError:
    detail = f" ({type(exc).__name__}: {exc})" if exc else ""
    return AdapterError(f"CodeCarbon {codecarbon.__version__} changed: {what}{detail}. "
                        f"mlfootprint/_codecarbon.py was written for CodeCarbon {TESTED_VERSION}.")


# ----------------------------------------------------------------------------------------
# Grid intensities
# ----------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def grid_table() -> dict[str, dict[str, Any]]:
    """ISO alpha-3 code -> {"country_name", "carbon_intensity" (g/kWh), "year"} from CodeCarbon."""
    try:
        from codecarbon.input import DataSource

        raw = DataSource().get_global_energy_mix_data()
    except Exception as exc:  # noqa: BLE001 -- any failure here means the data moved
        raise _fail("its global energy mix data could not be read", exc) from exc
    table = {}
    for code, row in raw.items():
        intensity = row.get("carbon_intensity") if isinstance(row, dict) else None
        if intensity is None:
            continue
        table[code] = {"country_name": row.get("country_name", code),
                       "carbon_intensity": float(intensity), "year": row.get("year")}
    if "USA" not in table:
        raise _fail("its global energy mix has no carbon intensity for USA")
    return table


def grid_source() -> str:
    """Where the intensities come from, in words (CodeCarbon's documentation says so)."""
    return (f"CodeCarbon {codecarbon.__version__}'s yearly country averages "
            f"(global_energy_mix.json, from Our World in Data / Ember)")


# ----------------------------------------------------------------------------------------
# CPU power source
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CpuSource:
    """How a tracker gets CPU power: ``kind`` is one of :data:`CPU_SOURCES`."""

    kind: str
    model: str
    tdp_w: float | None        # the power assumed for the whole CPU at full load (None for RAPL)
    threads: int
    detail: str                # one clause a learner can read


CPU_SOURCES = ("RAPL counter", "TDP table", "constant fallback", "forced by user")


def _cpu_of(tracker) -> Any:
    hardware = getattr(tracker, "_hardware", None)
    if not isinstance(hardware, list):
        raise _fail("OfflineEmissionsTracker._hardware is no longer a list")
    cpus = [h for h in hardware if type(h).__name__ == "CPU"]
    if len(cpus) != 1:
        raise _fail(f"expected one CPU in the tracker's hardware, found {len(cpus)}")
    return cpus[0]


def cpu_power_source(tracker, forced_w: float | None = None) -> CpuSource:
    """Where ``tracker`` (hardware already set up) gets its CPU power from."""
    cpu = _cpu_of(tracker)
    detected = tracker.get_detected_hardware()   # public: the model and the thread count
    try:
        mode, tdp, generic = cpu._mode, cpu._tdp, cpu._is_generic_tdp
        threads = int(detected["cpu_count"])
        model = str(detected.get("cpu_model") or "unknown CPU")
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise _fail("the CPU object lost an attribute the adapter reads", exc) from exc
    if forced_w is not None:
        return CpuSource("forced by user", model, float(forced_w), threads,
                         f"{forced_w:g} W for the whole CPU, set by hand (force_cpu_power)")
    if mode == "intel_rapl":
        return CpuSource("RAPL counter", model, None, threads,
                         f"energy read from the processor's RAPL counters ({model})")
    if mode not in ("cpu_load", "constant"):
        raise _fail(f"unknown CPU tracking mode {mode!r}")
    if tdp is None:
        raise _fail("a load-based CPU without a TDP")
    if generic:
        return CpuSource("constant fallback", model, float(tdp), threads,
                         f"no RAPL counter and no CPU model it could read, so it assumes "
                         f"CodeCarbon's generic {tdp:g} W")
    in_table = _in_tdp_table(model)
    if in_table:
        return CpuSource("TDP table", model, float(tdp), threads,
                         f"no RAPL counter; '{model}' is in CodeCarbon's TDP table at {tdp:g} W")
    per_thread = float(tdp) / threads if threads else float(tdp)
    return CpuSource("constant fallback", model, float(tdp), threads,
                     f"no RAPL counter and '{model}' is not in CodeCarbon's TDP table, so it assumes "
                     f"{per_thread:g} W per thread x {threads} threads = {tdp:g} W")


@lru_cache(maxsize=8)
def _in_tdp_table(model: str) -> bool:
    try:
        from codecarbon.core import cpu as cc_cpu

        return bool(cc_cpu.TDP()._get_cpu_power_from_registry(model))
    except Exception as exc:  # noqa: BLE001
        raise _fail("its TDP table lookup failed", exc) from exc


# ----------------------------------------------------------------------------------------
# RAM model
# ----------------------------------------------------------------------------------------
def ram_floor_w() -> float:
    """The floor of CodeCarbon's process-mode RAM power on each reading (the average power of
    a whole run, energy over duration, was seen a little below it: 9.97 W against 10 W)."""
    try:
        from codecarbon.external.ram import RAM

        return float(RAM(tracking_mode="process")._calculate_ram_power(0.0))
    except Exception as exc:  # noqa: BLE001
        raise _fail("its RAM power model could not be asked for its floor", exc) from exc


# ----------------------------------------------------------------------------------------
# Logging: keep CodeCarbon's chatter out of the pages, but let its warnings be captured
# ----------------------------------------------------------------------------------------
LOGGER_NAME = "codecarbon"


class _OnlyErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003
        return record.levelno >= logging.ERROR


def quiet_stream_handlers() -> None:
    """CodeCarbon's own console handlers print errors only (its warnings are captured
    per task by :mod:`mlfootprint.measure` and shown as notices instead)."""
    logger = logging.getLogger(LOGGER_NAME)
    for handler in logger.handlers:
        if isinstance(handler, logging.StreamHandler) and \
                not any(isinstance(f, _OnlyErrors) for f in handler.filters):
            handler.addFilter(_OnlyErrors())


def data_dir() -> Path:
    """CodeCarbon's package folder (for tests that check its data files)."""
    return Path(codecarbon.__file__).parent
