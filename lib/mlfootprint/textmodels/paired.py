"""Two kinds of text work measured in interleaved pairs, one query per call.

A comparison the Text chapter draws rests on :func:`mlfootprint.compare.measure_pairs`: A and
B measured alternately (A B, B A, ... after a warm-up of each), so that a busy moment of the
machine hits both. Each side of a pair is one tracker window of back-to-back calls lasting at
least ``min_seconds`` (a generation query outlasts it alone: one call), and its record is the
energy **per query** of that window. A query is a small dict, so the store's key holds it:

- ``{"kind": "generate", "prompt": ..., "n_tokens": 32}``: one answer of exactly that many
  new tokens (greedy, end-of-text ignored);
- ``{"kind": "fill-mask", "text": "... [MASK] ..."}``: one fill-in-the-blank query;
- ``{"kind": "score", "prompt": ...}``: one forward pass of a generator over its prompt;
- ``{"kind": "load"}``: reading the model again from where it came from (files on disk).
"""

from __future__ import annotations

import os
import statistics
from dataclasses import replace
from typing import Any, Callable, Sequence

from .. import compare
from ..checks import choice, integer, number
from ..measure import Measurement, measure_repeated, spread
from . import cost
from .common import torch_threads
from .fillmask import _fill_mask, encode_blanks
from .folders import from_pretrained
from .generation import generate, prompt_ids, score_prompt
from .loading import LoadedModel, require

KINDS = ("generate", "fill-mask", "score", "load")
CODE = (*cost.CODE, __name__)


def _work(lm: LoadedModel, query: Any) -> tuple[Callable[[], Any], dict]:
    """The work of one query on ``lm`` (checked before anything runs) and its key."""
    if not isinstance(lm, LoadedModel):
        raise TypeError(f"expected a LoadedModel from load_model(), got {type(lm).__name__}")
    if not isinstance(query, dict):
        raise TypeError(f"a query is a dict such as {{'kind': 'fill-mask', 'text': ...}}, got {query!r:.60}")
    kind = choice("kind", query.get("kind"), KINDS)
    key = {"kind": kind, "model": lm.identity()}
    if kind == "generate":
        require(lm, "generation")
        prompt, n = query.get("prompt"), integer("n_tokens", query.get("n_tokens"), lo=1, hi=4096)
        prompt_ids(lm, prompt, n)          # fails early on a bad prompt; says once if it is cut
        return (lambda: generate(lm, prompt, n, stop_at_eos=False, announce=False)), \
            {**key, "prompt": prompt, "n_tokens": n, "greedy": True}
    if kind == "fill-mask":
        require(lm, "fill-mask")
        text = query.get("text")
        encode_blanks(lm, text)             # fails early on a text without a blank
        return (lambda: _fill_mask(lm, text, 5, announce=False)), {**key, "text": text}
    if kind == "score":
        require(lm, "generation")
        prompt = query.get("prompt")
        prompt_ids(lm, prompt, 1, announce=False)
        return (lambda: score_prompt(lm, prompt)), {**key, "prompt": prompt}
    if lm.source in ("embedded", "local folder") and not os.path.isdir(lm.location):
        raise FileNotFoundError(f"{lm.name} cannot be loaded again: it is not in a folder ({lm.location})")
    location, task, local = lm.location, lm.task, lm.source != "hub"
    return (lambda: from_pretrained(location, task, local_only=local)), key


def describe(query: dict) -> str:
    """A query in a few words: "generate 32 tokens", "fill in the blank"."""
    return {"generate": f"generate {query.get('n_tokens')} tokens", "fill-mask": "fill in the blank",
            "score": "score the prompt (one pass)", "load": "load the model"}[query["kind"]]


def measure_pair(a: tuple[LoadedModel, dict], b: tuple[LoadedModel, dict], *, pairs: int = 5,
                 min_seconds: float = 1.0, threads: int | None = None) -> compare.Pairs:
    """``a`` and ``b`` (each ``(model, query)``) measured in ``pairs`` interleaved pairs after a
    warm-up of each, on ``threads`` CPU threads; each record is energy per query. Cached.
    ``pairs.verdict()`` is the course's rule on A over B."""
    (lm_a, query_a), (lm_b, query_b) = a, b
    work_a, key_a = _work(lm_a, query_a)
    work_b, key_b = _work(lm_b, query_b)
    pairs = integer("pairs", pairs, lo=1, hi=100)
    min_seconds = number("min_seconds", min_seconds, lo=0, hi=60)
    with torch_threads(threads) as used:
        def window(work: Callable[[], Any], key: dict) -> Callable[[], Measurement]:
            return lambda: measure_repeated(work, label=describe(key), settings={**key, "threads": used},
                                            repeats=1, min_seconds=min_seconds, warmup=False)

        return compare.kept_pairs("text/pairs", {"a": key_a, "b": key_b, "threads": used,
                                                 "min_seconds": min_seconds},
                                  window(work_a, key_a), window(work_b, key_b), pairs=pairs, code=CODE)


def merged(records: Sequence[Measurement], label: str | None = None) -> Measurement:
    """The windows of one side of some pairs as one record: the mean per item over the windows,
    their spread, the powers and busy share weighted by each window's time."""
    records = list(records)
    if not records or not all(isinstance(r, Measurement) for r in records):
        raise ValueError("merged needs one or more Measurements (one per window)")
    times = [r.total_duration_s for r in records]
    total = sum(times)

    def mean(attr: str) -> float:
        return statistics.fmean(getattr(r, attr) for r in records)

    def weighted(attr: str) -> float:
        return sum(getattr(r, attr) * t for r, t in zip(records, times)) / total if total else mean(attr)

    busy = None if any(r.busy_share is None for r in records) else weighted("busy_share")
    energies, durations = [r.energy_kwh for r in records], [r.duration_s for r in records]
    return replace(records[0], label=label or records[0].label, duration_s=mean("duration_s"),
                   energy_kwh=mean("energy_kwh"), cpu_energy_kwh=mean("cpu_energy_kwh"),
                   ram_energy_kwh=mean("ram_energy_kwh"), gpu_energy_kwh=mean("gpu_energy_kwh"),
                   cpu_power_w=weighted("cpu_power_w"), ram_power_w=weighted("ram_power_w"),
                   gpu_power_w=weighted("gpu_power_w"), repeats=len(records),
                   items_per_repeat=min(r.items_per_repeat for r in records),
                   duration_spread=spread(durations), energy_spread=spread(energies),
                   total_duration_s=total, total_energy_kwh=sum(r.total_energy_kwh for r in records),
                   window_min_s=min(r.window_min_s for r in records), busy_share=busy,
                   tracker_warnings=list(dict.fromkeys(w for r in records for w in r.tracker_warnings)),
                   settings=dict(records[0].settings))
