"""CodeCarbon's offline tracker, one per configuration, and what it charges on this machine.

Public CodeCarbon interface only (``OfflineEmissionsTracker``, ``start_task`` /
``stop_task`` and their ``EmissionsData``, the ``codecarbon`` logger); what CodeCarbon does
not offer publicly is read in :mod:`mlfootprint._codecarbon`.
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

from codecarbon import OfflineEmissionsTracker

from .. import _codecarbon as cc
from . import busy
from ..checks import choice, number

TRACKING_MODES = ("machine", "process")
COURSE_TRACKING_MODE = "process"
# The tracker is told a fixed country: its own CO2 figure is never used (see mlfootprint.measure).
_TRACKER_COUNTRY = "USA"


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


def _listen() -> None:
    """Make CodeCarbon's warnings reach :data:`_capture`: our handler and gate on its logger,
    and the logger at WARNING. Done before every task, because any tracker made elsewhere in
    the process (``log_level="error"``) sets that logger's level for everyone; the gate
    keeps its info chatter out either way, and its console handlers print errors only."""
    logger = logging.getLogger(cc.LOGGER_NAME)
    if _capture not in logger.handlers:
        logger.addHandler(_capture)
    if _gate not in logger.filters:
        logger.addFilter(_gate)
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    cc.quiet_stream_handlers()


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
        _listen()    # before: the gate keeps the tracker's start-up chatter out
        tracker = OfflineEmissionsTracker(**kwargs)
        _listen()    # after: its log_level has just set the logger's level
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
        return (f"CodeCarbon's estimate from the memory this process holds, with a floor of "
                f"{floor_w:g} W on each reading")
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
# One tracker task
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
    others_share: float | None = None   # share of the machine other processes used meanwhile


@contextmanager
def _task(tracker: OfflineEmissionsTracker) -> Iterator[dict]:
    """One tracker task around the block; afterwards ``box["raw"]`` holds what it reported."""
    box: dict = {}
    _listen()
    _capture.messages = []
    before = busy.snapshot()
    tracker.start_task()
    try:
        yield box
        _sync()
    except BaseException:
        tracker.stop_task()
        _capture.messages = None
        raise
    data = tracker.stop_task()
    share = busy.others_share(before, busy.snapshot())
    caught, _capture.messages = _capture.messages, None
    if data is None:
        raise RuntimeError("CodeCarbon returned no measurement for the task "
                           "(is another measurement already running in this process?)")
    box["raw"] = _Raw(float(data.duration), float(data.energy_consumed), float(data.cpu_energy),
                      float(data.ram_energy), float(data.gpu_energy), caught, share)


def _run_task(tracker: OfflineEmissionsTracker, work: Callable[[], Any]) -> tuple[Any, _Raw]:
    with _task(tracker) as box:
        result = work()
    return result, box["raw"]
