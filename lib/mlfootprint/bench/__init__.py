"""Benches for readers with a live kernel: your own experiment, its cost forecast first.

``classification_bench(runs)``, ``generation_bench(...)`` and ``text_bench(...)`` each
return a :class:`~mlfootprint.bench.core.Bench`; display ``bench.widget``. Each chapter's
calls into the library are in one module (:mod:`.classification`, :mod:`.generation`,
:mod:`.text`); :mod:`.core` holds the buttons, the threads and the messages.
"""

from .core import LAUNCH_NOTE, MAX_SECONDS, Bench, BenchInputError, StopRun


def classification_bench(*args, **kwargs):
    from .classification import classification_bench as make

    return make(*args, **kwargs)


def generation_bench(*args, **kwargs):
    from .generation import generation_bench as make

    return make(*args, **kwargs)


def text_bench(*args, **kwargs):
    from .text import text_bench as make

    return make(*args, **kwargs)


__all__ = ["Bench", "BenchInputError", "StopRun", "LAUNCH_NOTE", "MAX_SECONDS",
           "classification_bench", "generation_bench", "text_bench"]
