"""The comparisons the synthesis and the tour draw, measured in pairs, one query per call.

A :class:`Query` is one use of one model. :func:`paired` measures two interleaved with
:func:`mlfootprint.compare.measure_pairs`: each side of a pair is one window of at least
``min_seconds`` of calls on the model's own thread count, so a busy moment hits both sides.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import torch

from .. import checks, classify, compare, generate, measure
from ..course import generation as course_generation
from ..course import synthesis as course
from ..course import text as course_text
from ..generate.config import N_CLASSES
from ..generate.train import data_settings
from ..measure import Measurement
from ..mnist import load_mnist
from ..threads import torch_threads
from .summaries import ModelSummary, best_per_task, by_task, check_one_mode

CODE = (__name__,)


@dataclass
class Query:
    """One use of one model: ``run()`` answers ``per_call`` queries; ``settings`` identify
    the work for the store."""

    name: str
    settings: dict
    run: Callable[[], Any]
    threads: int = 1
    per_call: int = 1

    def measure(self, min_seconds: float) -> Measurement:
        """One window of at least ``min_seconds`` of calls; the record is per query."""
        with torch_threads(self.threads) as used:
            return measure.measure_repeated(self.run, label=self.name,
                                            settings={**self.settings, "threads": used,
                                                      "per_call": self.per_call},
                                            repeats=1, min_seconds=min_seconds, warmup=False,
                                            items_per_call=self.per_call)


def paired(a: Query, b: Query, *, pairs: int | None = None,
           min_seconds: float | None = None) -> compare.Pairs:
    """``a`` and ``b`` measured in interleaved pairs (kept: measured once per setting)."""
    pairs = course.PAIRS["pairs"] if pairs is None else pairs
    min_seconds = course.PAIRS["min_seconds"] if min_seconds is None else min_seconds
    for side in (a, b):
        if not isinstance(side, Query):
            raise TypeError(f"paired takes two Query objects, got {type(side).__name__}")
    key = {**{k: {**q.settings, "threads": q.threads, "per_call": q.per_call}
              for k, q in (("a", a), ("b", b))}, "min_seconds": min_seconds}
    return compare.kept_pairs("synthesis/pairs", key, lambda: a.measure(min_seconds),
                              lambda: b.measure(min_seconds), pairs=pairs, code=CODE)


def classify_query(config, *, batch: int = 1) -> Query:
    """``batch`` test images per call (the test images in turn), classified by the trained ``config``."""
    batch = checks.integer("batch", batch, lo=1, hi=1000)
    model, run = classify.load_trained(config, progress=False)
    resolved, _, _, data = classify.resolve(config, verbose=False)
    images = itertools.cycle(data.x_test[i:i + batch] for i in range(0, data.n_test - batch + 1, batch))
    what = "one image classified per call" if batch == 1 else f"{batch} images classified per call"
    return Query(f"{run.label}: {what}", {"what": "classify images", **resolved.settings()},
                 lambda: classify.predict(model, next(images), batch_size=batch), resolved.threads, batch)


def draw_query(name: str, config, data, *, threads: int = 1, seed: int = 0) -> Query:
    """One digit per call drawn by the trained generator ``config`` (the classes in turn)."""
    model, _ = generate.load_or_train(config, data, progress=False, threads=threads)
    labels = itertools.cycle(torch.arange(N_CLASSES).split(1))
    gen = torch.Generator().manual_seed(seed)

    def run():
        with torch.no_grad():
            return model.sample(next(labels), 1.0, gen)

    return Query(f"{name}: one digit drawn", {"what": "draw one digit", **config.settings(),
                                              **data_settings(data), "seed": seed},
                 run, threads)


def query_for(s: ModelSummary) -> Query:
    """One use of ``s``'s model, one query per call, on its chapter's examples."""
    if s.task == "image classification":
        return classify_query(s.extra["config"])
    if s.task == "image generation":
        data = load_mnist(**course_generation.DATA, verbose=False)
        return draw_query(s.model, s.extra["config"], data, threads=course_generation.THREADS)
    from .. import textmodels as tm   # transformers: loaded only for a text query

    lm, threads = s.extra.get("lm"), course_text.THREADS
    text, prompt = course_text.FILL_EXAMPLE, course_text.PROMPT
    if s.task == "fill-in-the-blank":
        return Query(f"{s.model}: one fill-in-the-blank query",
                     {"what": "fill-mask query", "model": lm.identity(), "text": text},
                     lambda: tm.fill_mask(lm, text), threads)
    if s.task == "text generation":   # exactly n new tokens (greedy) per call
        n = int(s.per_use.settings.get("n_tokens", course_text.SWEEP["token_counts"][-1]))
        return Query(f"{s.model}: one answer of {n} new tokens",
                     {"what": "generation query", "model": lm.identity(), "prompt": prompt,
                      "n_tokens": n, "greedy": True},
                     lambda: tm.generate(lm, prompt, n, stop_at_eos=False, announce=False), threads)
    raise ValueError(f"no query is defined for the task {s.task!r}")


def lesson_queries(summaries: Sequence[ModelSummary]) -> dict[str, tuple[Query, Query]]:
    """The cross-task lessons (A, B) on the model that stands for each task: ``"text"``, one
    answer against one fill-in-the-blank query; ``"images"``, one digit drawn against one classified."""
    best = best_per_task(check_one_mode(summaries))
    pairs = {"text": ("text generation", "fill-in-the-blank"),
             "images": ("image generation", "image classification")}
    return {name: (query_for(best[a][0]), query_for(best[b][0]))
            for name, (a, b) in pairs.items() if a in best and b in best}


def size_ends(summaries: Sequence[ModelSummary]) -> dict[str, tuple[ModelSummary, ModelSummary]]:
    """For each task with several sizes, (the model with the fewest parameters, the most)."""
    size = lambda s: s.parameters  # noqa: E731
    return {task: (min(rows, key=size), max(rows, key=size))
            for task, rows in by_task(check_one_mode(summaries)).items() if len(set(map(size, rows))) > 1}
