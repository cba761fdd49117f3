"""What text queries cost, measured repeated: one fill-in-the-blank query, one generation query, the
token sweep. (Comparisons are measured in pairs: :mod:`.paired`.)

Each function returns a :class:`~mlfootprint.measure.Measurement` (warm-up reported
separately, repeats with spread), cached under ``data/results/text``. Every key holds the
model, the input and the CPU threads the work ran on; ``threads=`` runs the measurement on
that many threads (and restores the previous number), and the record's ``threads`` and
``settings["threads"]`` are the number the work actually ran on.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ..checks import int_list, integer, number
from ..measure import Measurement, measure_repeated
from ..notices import ClippedNotice, notice
from ..progress import tqdm
from ..store import cached
from . import fillmask, generation
from .common import torch_threads
from .fillmask import encode_blanks
from .generation import generate, prompt_ids
from .loading import LoadedModel, require

# What a measurement's key hashes besides the measuring code: the tasks it times and this module.
CODE = (__name__, fillmask.__name__, generation.__name__)


def measure(namespace: str, settings: dict, work: Callable[[], Any], *, label: str, repeats: int,
            min_seconds: float, threads: int | None, items_per_call: int = 1) -> Measurement:
    """``measure_repeated(work)`` on ``threads`` threads, cached under ``namespace``."""
    repeats = integer("repeats", repeats, lo=1, hi=1000)
    min_seconds = number("min_seconds", min_seconds, lo=0, hi=60)
    with torch_threads(threads) as used:
        s = {**settings, "threads": used}
        return cached(namespace, {**s, "repeats": repeats, "min_seconds": min_seconds},
                      lambda: measure_repeated(work, label=label, settings=s, repeats=repeats,
                                               min_seconds=min_seconds, items_per_call=items_per_call),
                      code=CODE, decode=Measurement.from_dict)


def measure_fill_mask(lm: LoadedModel, text: str, repeats: int = 5, min_seconds: float = 1.0,
                      threads: int | None = None) -> Measurement:
    """Energy per fill-in-the-blank query (one forward pass), warm-up reported separately."""
    require(lm, "fill-mask")
    enc, _, note = encode_blanks(lm, text)        # fail early on bad input, without running the model
    if note:
        notice(note, ClippedNotice)
    return measure("text/fill-mask", {"what": "fill-mask query", "model": lm.identity(), "text": text,
                                      "n_tokens": int(enc["input_ids"].shape[1])},
                   lambda: fillmask._fill_mask(lm, text, 5, announce=False), label=f"fill-mask {lm.name}",
                   repeats=repeats, min_seconds=min_seconds, threads=threads)


def measure_generation(lm: LoadedModel, prompt: str, n_tokens: int, repeats: int = 3,
                       min_seconds: float = 1.0, threads: int | None = None) -> Measurement:
    """Energy per query generating exactly ``n_tokens`` new tokens (greedy, EOS ignored)."""
    require(lm, "generation")
    n_tokens = integer("n_tokens", n_tokens, lo=1)
    prompt_ids(lm, prompt, n_tokens)   # fail early, without running the model; says once if the prompt is cut

    def work():
        result = generate(lm, prompt, n_tokens, stop_at_eos=False, announce=False)
        if result.n_new_tokens != n_tokens:
            raise RuntimeError(f"asked for {n_tokens} tokens, got {result.n_new_tokens}")
        return result

    return measure("text/generation", {"what": "generation query", "model": lm.identity(), "prompt": prompt,
                                       "n_tokens": n_tokens, "greedy": True},
                   work, label=f"generate {n_tokens} tokens", repeats=repeats, min_seconds=min_seconds,
                   threads=threads)


def token_sweep(lm: LoadedModel, prompt: str, token_counts: Sequence[int] = (4, 8, 16, 32),
                repeats: int = 3, min_seconds: float = 1.0, progress: bool = True,
                threads: int | None = None) -> list[Measurement]:
    """:func:`measure_generation` for each number of new tokens."""
    counts = int_list("token_counts", token_counts, lo=1, example="[4, 8, 16, 32]")
    return [measure_generation(lm, prompt, n, repeats, min_seconds, threads)
            for n in tqdm(list(counts), desc="energy vs tokens", disable=not progress)]
