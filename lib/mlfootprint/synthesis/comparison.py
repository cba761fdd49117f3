"""Our models measured under the published protocol, beside the published figures.

Luccioni, Jernite & Strubell ran 1,000 queries per model, one query per call
(:data:`mlfootprint.published.POWER_HUNGRY_PROTOCOL`). The model that stands for each of our
tasks is queried under that protocol as far as this machine allows (one query per call, the
same prompt length and number of new tokens); the chapter says what differs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from .. import published, units
from ..course import synthesis as course
from ..course import text as course_text
from ..measure import Measurement
from .summaries import ModelSummary, best_per_task, check_one_mode, one_unit

PROTOCOL = published.POWER_HUNGRY_PROTOCOL


@dataclass
class ProtocolRow:
    """One published task, its figure, and our model measured under its protocol."""

    task: str
    ours_task: str
    model: str
    parameters: int
    published_kwh_per_1000: float
    ours: Measurement                 # one query, measured under the published protocol
    ours_query: str = ""              # what our query was

    @property
    def theirs(self) -> dict:
        return PROTOCOL[self.task]

    @property
    def ours_kwh_per_1000(self) -> float:
        return self.ours.energy_kwh * 1000

    @property
    def ratio(self) -> float:
        """Published / ours (how many times ours the published figure is)."""
        return self.published_kwh_per_1000 / self.ours_kwh_per_1000 if self.ours.energy_kwh else math.nan


def prompt_words(n: int | None = None) -> str:
    """The first ``n`` words of the first held-out sentence of the course corpus that has
    as many (the paper's prompts are the first 20 words of a dataset's text)."""
    from ..corpus import load_corpus

    n = PROTOCOL["text generation"]["words"] if n is None else n
    for sentence in load_corpus().heldout:
        words = sentence.split()
        if len(words) >= n:
            return " ".join(words[:n])
    raise ValueError(f"the course corpus has no held-out sentence of {n} words or more")


def _measure(task: str, s: ModelSummary) -> tuple[Measurement, str]:
    """One query of ``s``'s model under the published protocol, and what it was: the image
    tasks' one use (``s.per_use``), the text tasks measured again on the protocol's lengths."""
    if task == "image classification":
        return s.per_use, "one 28×28 greyscale MNIST digit per call"
    if task == "image generation":
        return s.per_use, "one 28×28 digit drawn per call, in one pass of the decoder (no denoising steps)"
    from .. import textmodels as tm   # transformers: loaded only for the text rows

    reps, threads = course.PROTOCOL_REPEATS, course_text.THREADS
    if task == "masked language modelling (fill-mask)":   # the last word masked, as the paper's
        text = " ".join(prompt_words(PROTOCOL[task]["words"]).split()[:-1] + [tm.MASK])
        return (tm.measure_fill_mask(s.extra["lm"], text, **reps, threads=threads),
                f"one query per call: \"{text}\"")
    prompt = prompt_words()
    n = PROTOCOL[task]["new_tokens"]
    return (tm.measure_generation(s.extra["lm"], prompt, n, **reps, threads=threads),
            f"one query per call, exactly {units.count(n)} new tokens (greedy) after the "
            f"prompt \"{prompt}\"")


def under_protocol(summaries: Sequence[ModelSummary]) -> list[ProtocolRow]:
    """The model that stands for each of our tasks, measured under the matching protocol."""
    best = best_per_task(check_one_mode(summaries))
    return [ProtocolRow(p["task"], p["ours"], s.model, s.parameters, p["kwh_per_1000"],
                        *_measure(p["task"], s))
            for p in published.POWER_HUNGRY if p["ours"] in best for s in [best[p["ours"]][0]]]


def protocol_table(rows: Sequence[ProtocolRow]):
    """Published and our energy per 1,000 queries (one unit for both), and their ratio."""
    import pandas as pd

    rows = list(rows)
    unit = one_unit([r.published_kwh_per_1000 for r in rows] + [r.ours_kwh_per_1000 for r in rows],
                    "kWh", system="Wh").unit
    cells = lambda xs: list(units.column(xs, "kWh", to=unit).cells)  # noqa: E731
    return pd.DataFrame({
        "Task": [r.task for r in rows], "Our model": [r.model for r in rows],
        f"Published, per 1,000 ({unit})": cells([r.published_kwh_per_1000 for r in rows]),
        f"Ours, per 1,000 ({unit})": cells([r.ours_kwh_per_1000 for r in rows]),
        "Published / ours": [units.times(r.ratio) for r in rows]})
