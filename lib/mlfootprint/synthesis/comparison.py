"""Our models measured under the published protocol, beside the published figures.

Luccioni, Jernite & Strubell ran 1,000 queries per model, one query per call (see
:data:`mlfootprint.published.POWER_HUNGRY_PROTOCOL` for what each task's query was and
where that is stated). Here the best model of each of our tasks is measured the same way
as far as this machine allows -- one query per call, the same prompt length and the same
number of new tokens -- and each difference that remains is listed beside its row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

from .. import classify, published, units, wording
from ..course import generation as course_generation
from ..course import synthesis as course
from ..course import text as course_text
from ..measure import Measurement
from .summaries import ModelSummary, best_per_task, check_one_mode

PROTOCOL = published.POWER_HUNGRY_PROTOCOL
COMMON = published.POWER_HUNGRY_COMMON


@dataclass
class ProtocolRow:
    """One published task, its figure, and our model measured under its protocol."""

    task: str
    ours_task: str
    model: str
    parameters: int
    published_kwh_per_1000: float
    ours: Measurement                 # one query, measured under the published protocol
    matched: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)

    @property
    def ours_kwh_per_1000(self) -> float:
        return self.ours.energy_kwh * 1000

    @property
    def ratio(self) -> float:
        """Published / ours (how many times ours the published figure is)."""
        return self.published_kwh_per_1000 / self.ours_kwh_per_1000 if self.ours.energy_kwh else math.nan


def prompt_words(n: int | None = None) -> str:
    """The first ``n`` words of the first held-out sentence of the course corpus that has at
    least ``n`` (the paper's prompts are the first 20 words of a dataset's text)."""
    from ..corpus import load_corpus

    n = PROTOCOL["text generation"]["words"] if n is None else n
    for sentence in load_corpus().heldout:
        words = sentence.split()
        if len(words) >= n:
            return " ".join(words[:n])
    raise ValueError(f"the course corpus has no held-out sentence of {n} words or more")


def masked_words(n: int | None = None) -> str:
    """:func:`prompt_words` with its last word replaced by the mask (as the paper's queries)."""
    from .. import textmodels as tm

    n = PROTOCOL["masked language modelling (fill-mask)"]["words"] if n is None else n
    return " ".join(prompt_words(n).split()[:-1] + [tm.MASK])


def _measure(task: str, s: ModelSummary) -> tuple[Measurement, str]:
    """One query of ``s``'s model under the published protocol, and what the query was."""
    reps = course.PROTOCOL_REPEATS
    batch = COMMON["batch_size"]
    if task == "image classification":
        rec = classify.measure_inference(s.extra["config"], batch_size=batch, **reps)
        return rec, f"one 28×28 greyscale MNIST digit per call ({units.count(batch)} per batch)"
    if task == "image generation":
        from .. import generate
        from ..mnist import load_mnist

        data = load_mnist(**course_generation.DATA, verbose=False)
        config = s.extra["config"]
        model, _ = generate.load_or_train(config, data, progress=False)
        rec = generate.generation_cost(model, config, data, batch_size=batch, **reps)
        return rec, "one 28×28 digit drawn per call, in one pass (no denoising steps)"
    from .. import textmodels as tm

    threads = course_text.THREADS
    if task == "masked language modelling (fill-mask)":
        text = masked_words()
        return (tm.measure_fill_mask(s.extra["lm"], text, **reps, threads=threads),
                f"one query per call: \"{text}\"")
    prompt = prompt_words()
    n = PROTOCOL[task]["new_tokens"]
    return (tm.measure_generation(s.extra["lm"], prompt, n, **reps, threads=threads),
            f"one query per call, exactly {units.count(n)} new tokens (greedy) after the "
            f"prompt \"{prompt}\"")


def _row(p: dict, s: ModelSummary) -> ProtocolRow:
    task = p["task"]
    rec, ours_input = _measure(task, s)
    proto = PROTOCOL[task]
    hardware = (f"a GPU ({rec.gpu_model})" if rec.gpu_model else
                f"the CPU of this machine ({rec.cpu_model}, {units.count(rec.threads or 1)} "
                f"thread{'s' if (rec.threads or 1) != 1 else ''}), no GPU")
    matched = [f"one query per call (batch size {units.count(COMMON['batch_size'])})"]
    if "words" in proto:
        matched.append(f"{units.count(proto['words'])}-word inputs")
    if "new_tokens" in proto:
        matched.append(f"{units.count(proto['new_tokens'])} new tokens per query")
    diffs = [
        f"Query: theirs, {proto['input']}; ours, {ours_input}.",
        f"Models: theirs, the mean over the models they tested for the task; ours, one model "
        f"({s.model}, {units.count(s.parameters)} parameters).",
        f"Hardware: theirs, {published.POWER_HUNGRY_HARDWARE}; ours, {hardware}.",
        f"Queries: theirs, {units.count(COMMON['queries'])} different ones tracked in one window; "
        f"ours, the same query repeated. {rec.method_repeats()}",
    ]
    diffs += [f"Not stated by the authors: {x}." for x in proto["not_stated"]]
    return ProtocolRow(task, p["ours"], s.model, s.parameters, p["kwh_per_1000"], rec, matched, diffs)


def under_protocol(summaries: Sequence[ModelSummary]) -> list[ProtocolRow]:
    """The best model of each of our tasks (:func:`best_per_task`) measured under the
    published protocol of the task it is set against (cached: measured once)."""
    best = best_per_task(check_one_mode(summaries))
    return [_row(p, best[p["ours"]][0]) for p in published.POWER_HUNGRY if p["ours"] in best]


def protocol_table(rows: Sequence[ProtocolRow]):
    """Task, our model, published and our energy per 1,000 queries, and their ratio."""
    import pandas as pd

    df = pd.DataFrame([{"Task": r.task, "Our model": r.model, "pub": r.published_kwh_per_1000,
                        "ours": r.ours_kwh_per_1000, "Published / ours": units.times(r.ratio)}
                       for r in rows])
    return units.table(df, {"pub": ("Published, per 1,000", "kWh", "Wh"),
                            "ours": ("Ours, per 1,000", "kWh", "Wh")})


def differences_text(rows: Sequence[ProtocolRow]) -> str:
    """Markdown: for each row, what was matched and each difference that remains."""
    lines = []
    for r in rows:
        lines.append(f"- **{r.task}** — matched: {wording.names(r.matched)}.")
        lines += [f"    - {d}" for d in r.differences]
    return "\n".join(lines)


def _order(rows: Sequence[ProtocolRow], key) -> list[str]:
    return [r.task for r in sorted(rows, key=key)]


def comparison_sentence(rows: Sequence[ProtocolRow]) -> str:
    """The orderings (published and ours), whether they agree, how far apart the figures
    are, and the closest pair (the ratio nearest 1, whichever side is larger)."""
    rows = list(rows)
    if not rows:
        return "No task of ours matches a published figure."
    pub = _order(rows, lambda r: r.published_kwh_per_1000)
    ours = _order(rows, lambda r: r.ours_kwh_per_1000)
    agree = wording.rank_agreement([pub, ours])
    lo, hi = min(rows, key=lambda r: r.ratio), max(rows, key=lambda r: r.ratio)
    closest = min(rows, key=lambda r: abs(math.log(r.ratio)))
    orders = (f"Cheapest to dearest per query, **published**: {' < '.join(pub)}. "
              + ("**Ours** put the tasks in the same order." if agree
                 else f"**Ours**: {' < '.join(ours)}, a different order."))
    if len(rows) == 1:
        return f"{orders} For this one task, {relation(rows[0])}."
    return (f"{orders} Published / ours runs from {units.times(lo.ratio)} ({lo.task}) to "
            f"{units.times(hi.ratio)} ({hi.task}). The closest pair is **{closest.task}**: "
            f"{relation(closest)}.")


def relation(r: ProtocolRow) -> str:
    """"the published figure is 12× ours" or "ours is 3× the published figure"."""
    if r.ratio >= 1:
        return f"the published figure is {units.times(r.ratio)} ours"
    return f"ours is {units.times(1 / r.ratio)} the published figure"
