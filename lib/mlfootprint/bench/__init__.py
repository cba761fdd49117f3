"""Benches for readers with a live kernel: your own experiment, its cost forecast first.

``classification_bench(runs)``, ``generation_bench(...)`` and ``text_bench(...)`` each return a
:class:`~mlfootprint.bench.core.Bench`; display ``bench.widget``. Each chapter's calls into the
library are in one module, imported on first use (torch, transformers); :mod:`.core` holds the
buttons, the threads and the messages.
"""

from importlib import import_module

from .core import LAUNCH_NOTE, MAX_SECONDS, Bench, BenchInputError, StopRun

_MAKERS = {"classification_bench": ".classification", "generation_bench": ".generation",
           "text_bench": ".text"}


def __getattr__(name: str):
    if name in _MAKERS:
        return getattr(import_module(_MAKERS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Bench", "BenchInputError", "StopRun", "LAUNCH_NOTE", "MAX_SECONDS", *_MAKERS]
