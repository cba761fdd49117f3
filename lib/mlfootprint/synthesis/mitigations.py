"""Ways to cut the footprint, each a before/after on the course's own workloads.

Each :class:`Mitigation` says how it was obtained: **measured** (both sides run and tracked)
or **computed from a measured run** (the other side derived from it, like the same energy
on another grid). Both sides are :class:`~mlfootprint.measure.Measurement` records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .. import checks, classify, compare, measure, units
from ..course import classification as course_classification
from ..course import synthesis as course
from ..measure import Measurement
from ..records import TrainedRun
from .pairs import classify_query, paired

MEASURED = "measured"
COMPUTED = "computed from a measured run"
TEXT_NAMES = {"batching": "batching text generation", "bf16": "bf16 weights for text generation"}


@dataclass
class Mitigation:
    """One before/after. ``compared`` names what the two records hold ("training energy");
    ``quantity`` is ``"energy"`` or ``"co2"`` (the grid changes CO2, not energy)."""

    name: str
    how: str
    compared: str
    before: Measurement
    after: Measurement
    before_label: str
    after_label: str
    detail: str
    quantity: str = "energy"
    quality_name: str = ""
    quality_before: float | None = None
    quality_after: float | None = None
    note: str = ""
    # the rule on before / after when both sides were measured in pairs (else None)
    verdict: compare.Verdict | None = None

    def __post_init__(self):
        checks.choice("how", self.how, (MEASURED, COMPUTED))
        checks.choice("quantity", self.quantity, ("energy", "co2"))
        for side in ("before", "after"):
            if not isinstance(getattr(self, side), Measurement):
                raise TypeError(f"{side} must be a Measurement, got {type(getattr(self, side)).__name__}")

    def value(self, record: Measurement) -> float:
        return record.energy_kwh if self.quantity == "energy" else record.emissions_kg

    @property
    def saved(self) -> float:
        """The fraction of ``compared`` saved (negative: it cost more)."""
        b = self.value(self.before)
        return 1.0 - self.value(self.after) / b if b else float("nan")

    def shown(self, record: Measurement) -> str:
        if self.quantity == "energy":
            return units.energy(record.energy_j)
        return f"{units.co2(record.emissions_kg)} CO₂e"


def _setting(value, name: str):
    return course.MITIGATIONS[name] if value is None else value


def _accuracies(before: TrainedRun, after: TrainedRun, name: str = "test accuracy") -> dict:
    return {"quality_name": name, "quality_before": classify.final_accuracy(before),
            "quality_after": classify.final_accuracy(after)}


def smaller_model(runs: Sequence[TrainedRun], *, tolerance: float | None = None) -> Mitigation:
    """The most accurate classifier against the cheapest within ``tolerance`` of its accuracy."""
    tolerance = checks.number("tolerance", _setting(tolerance, "tolerance"), lo=0, hi=1)
    best = classify.best(runs)
    small = classify.cheapest(runs, classify.final_accuracy(best) - tolerance)
    return Mitigation(
        "a smaller model", MEASURED, "training energy", best.training, small.training,
        f"{best.label}, {units.count(best.n_parameters)} parameters",
        f"{small.label}, {units.count(small.n_parameters)} parameters",
        f"train the cheapest classifier within {units.number(100 * tolerance)} accuracy "
        f"point(s) of the most accurate one", **_accuracies(best, small))


def early_stopping(config: classify.TrainConfig, *, val_size: int | None = None,
                   patience: int | None = None, min_delta: float | None = None) -> Mitigation:
    """Two runs of ``config`` with ``val_size`` validation images carved from its training
    images: all epochs, against stopping once the validation accuracy has not risen by
    ``min_delta`` for ``patience`` evaluations (training only)."""
    val_size, patience = _setting(val_size, "val_size"), _setting(patience, "patience")
    min_delta = _setting(min_delta, "min_delta")
    full = classify.train_classifier(config.with_(val_size=val_size), progress=False)
    stopped = classify.train_classifier(config.with_(val_size=val_size, patience=patience,
                                                     min_delta=min_delta), progress=False)
    epochs = lambda r: units.count(len(r.history))  # noqa: E731
    note = ("" if len(stopped.history) < len(full.history) else
            "The validation accuracy kept rising, so training did not stop early.")
    return Mitigation(
        "early stopping", MEASURED, "training energy", full.training, stopped.training,
        f"{epochs(full)} epochs", f"stopped after {epochs(stopped)}",
        f"train {full.label} on all but {units.count(val_size)} training images, which are kept "
        f"apart as a validation set (never the test set), and stop after {units.count(patience)} "
        f"evaluations without a gain of {units.number(100 * min_delta)} points in validation accuracy",
        note=note, **_accuracies(full, stopped))


def evaluate_less_often(config: classify.TrainConfig) -> Mitigation:
    """``config`` evaluated after every epoch (as in the chapter) against after the last one."""
    every = classify.train_classifier(config, progress=False)
    once = classify.train_classifier(config.with_(eval_every=config.epochs), progress=False)
    both = lambda r: measure.combine([r.training, r.evaluation],  # noqa: E731
                                     label=f"{r.label} training and evaluation")
    evals = lambda r: units.count(len(classify.evaluated(r)))  # noqa: E731
    return Mitigation(
        "evaluating less often", MEASURED, "training and evaluation energy together",
        both(every), both(once), f"{evals(every)} evaluations", f"{evals(once)} evaluation",
        f"train {every.label} again, evaluating it only after the last epoch instead of after "
        f"every one", **_accuracies(every, once, "final test accuracy"))


def batching(config: classify.TrainConfig, *, small: int | None = None,
             large: int | None = None) -> Mitigation:
    """Classifier inference ``small`` against ``large`` images per call, measured in pairs."""
    small, large = _setting(small, "batch_small"), _setting(large, "batch_large")
    p = paired(classify_query(config, batch=small), classify_query(config, batch=large))
    merged = lambda side: measure.combine(list(side), label=side[0].label,  # noqa: E731
                                          items=sum(r.items_per_repeat for r in side))
    return Mitigation(
        "batching inference", MEASURED, "energy per classified image", merged(p.a), merged(p.b),
        f"{units.count(small)} per call", f"{units.count(large)} per call",
        f"classify {units.count(large)} images per call with {config.label} "
        f"instead of {units.count(small)}", verdict=p.verdict())


def cleaner_grid(run: TrainedRun, *, to: str | None = None) -> Mitigation:
    """The measured training of ``run`` against the same energy on the grid of ``to``."""
    here = run.training
    there = here.on_grid(_setting(to, "clean_grid"))
    return Mitigation(
        "running where the grid is cleaner", COMPUTED, "CO₂e of training", here, there,
        f"{here.country_name}, {units.number(here.carbon_intensity_g_per_kwh)} g/kWh",
        f"{there.country_name}, {units.number(there.carbon_intensity_g_per_kwh)} g/kWh",
        f"the same training of {run.label} ({units.energy(here.energy_j)}) charged at the "
        f"intensity of another grid", quantity="co2")


def text_generation(lm=None) -> Mitigation:
    """The text chapter's mitigation (:data:`mlfootprint.course.text.MITIGATION`), per token."""
    from .. import textmodels as tm   # transformers: loaded only for the text mitigation
    from ..course import text as course_text

    lm = lm if lm is not None else tm.load_model(task="generation", verbose=False)
    t = tm.measure_mitigation(lm, **course_text.MITIGATION, threads=course_text.THREADS)
    note = ("The generated text is the same on both sides." if t.same_output else
            f"The generated text changed for {units.count(len(t.changes()))} of "
            f"{units.count(len(t.prompts))} prompts (the Text chapter shows where).")
    return Mitigation(
        TEXT_NAMES.get(t.kind, f"{t.kind} on text generation"), MEASURED, "energy per generated token",
        t.before, t.after, t.before_label, t.after_label,
        f"answer the same {units.count(len(t.prompts))} prompts ({units.count(t.n_tokens)} new tokens "
        f"each, greedy) with {tm.short_name(lm.name)}: {t.before_label}, then {t.after_label}",
        note=note, verdict=t.verdict() if getattr(t, "pairs_before", None) else None)


def course_mitigations(*, include_text: bool = True) -> list[Mitigation]:
    """Every mitigation above on the course's workloads (the most accurate CNN for the
    classifier's), with the settings of :mod:`mlfootprint.course.synthesis`."""
    configs = course_classification.configs()
    runs = [classify.train_classifier(c, progress=False) for c in configs]
    cnn = classify.best(runs, "CNN")
    cnn_config = next(c for c in configs if c.label == cnn.label)
    out = [smaller_model(runs), early_stopping(cnn_config), evaluate_less_often(cnn_config),
           batching(cnn_config)]
    return out + ([text_generation()] if include_text else []) + [cleaner_grid(cnn)]
