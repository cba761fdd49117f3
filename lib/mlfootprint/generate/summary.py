"""Rows of cost and quality for the generators and the reference rows, and the lesson's
comparisons computed from them (tables, targets, quality per gram, lifetime).

A :class:`Row` joins what one generator cost (its :class:`~mlfootprint.records.TrainedRun`
and the :class:`~mlfootprint.measure.Measurement` of drawing) with how the panel of judges
scored its digits (:class:`~mlfootprint.quality.PanelScores`). Real digits are a row with
scores only. CO2 is read from the measurements (derived from energy on the grid in force).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .. import units
from ..measure import Measurement
from ..quality import MEASURES, NAMES, PanelScores, verdicts
from ..records import TrainedRun
from ..wording import names
from .config import GeneratorConfig


@dataclass
class Row:
    name: str
    scores: PanelScores
    config: GeneratorConfig | None = None
    run: TrainedRun | None = None
    cost: Measurement | None = None

    @property
    def role(self) -> str:
        """``"real"`` (real held-out digits), ``"reference"`` (copy, class mean) or ``"generator"``."""
        if self.config is None:
            return "real"
        return "reference" if self.config.is_reference else "generator"

    @property
    def family(self) -> str:
        return "Real" if self.config is None else self.config.family

    @property
    def train_g(self) -> float | None:
        return None if self.run is None else self.run.training.emissions_g

    @property
    def gen_g(self) -> float | None:
        """CO2e per drawn image (g)."""
        return None if self.cost is None else self.cost.emissions_g


# ------------------------------------------------------------------------------ tables --
def _fmt(measure: str, value: float) -> str:
    """Percentages with one decimal, ratios with two, the Fréchet share with two significant
    digits (it spans 0.01 to 1), novelty in pixels with two decimals."""
    if measure in ("accuracy", "precision", "recall"):
        return f"{100 * value:.1f}"
    if measure == "frechet":
        return units.number(value, 2) if value >= 0.001 else "< 0.001"
    return f"{value:.2f}"


def quality_cell(scores: PanelScores, measure: str) -> str:
    """The panel's mean and its range: ``"96.4 (94.1–98.2)"``; a single value when every
    judge gives the same (novelty is measured in pixels, without judges)."""
    mean, low, high = scores.mean(measure), scores.low(measure), scores.high(measure)
    if _fmt(measure, low) == _fmt(measure, high):
        return _fmt(measure, mean)
    return f"{_fmt(measure, mean)} ({_fmt(measure, low)}–{_fmt(measure, high)})"


HEADERS = {"accuracy": "judge accuracy (%)", "diversity_ratio": "diversity vs real (ratio)",
           "frechet": "Fréchet distance (share of real spread)", "precision": "precision (%)",
           "recall": "recall (%)", "novelty": "novelty (pixel distance)"}


def quality_table(rows: list[Row], measures=MEASURES) -> pd.DataFrame:
    """One row per generator or reference, one column per measure: panel mean (min–max)."""
    return pd.DataFrame([{"digits from": r.name, **{HEADERS[m]: quality_cell(r.scores, m)
                                                    for m in measures}} for r in rows])


def judge_table(rows: list[Row], measure: str) -> pd.DataFrame:
    """Each judge's value of ``measure`` for each row, and the gap between the judges."""
    out = []
    for r in rows:
        d = {"digits from": r.name}
        for j, s in r.scores.by_judge.items():
            d[j] = _fmt(measure, getattr(s, measure))
        d["gap (max − min)"] = _fmt(measure, r.scores.high(measure) - r.scores.low(measure))
        out.append(d)
    return pd.DataFrame(out)


def cost_table(rows: list[Row]) -> pd.DataFrame:
    """Parameters, training time/energy/CO2 and the cost of 1,000 drawn images, in human
    units (one unit per column, in the header)."""
    costed = [r for r in rows if r.run is not None]
    df = pd.DataFrame([{
        "generator": r.name, "numbers learned": r.run.n_parameters,
        "t": r.run.training.duration_s, "e": r.run.training.energy_kwh,
        "c": r.run.training.emissions_kg,
        "ge": r.cost.energy_kwh * 1000 if r.cost else None,
        "gc": r.cost.emissions_kg * 1000 if r.cost else None,
    } for r in costed])
    seconds = units.column(df["t"].tolist(), "s", to="s")  # one unit that suits seconds to minutes
    df["t"] = list(seconds.cells)
    df = df.rename(columns={"t": seconds.header("training time")})
    return units.table(df, {"e": ("training energy", "kWh", "J"), "c": ("training CO₂e", "kg"),
                            "ge": ("energy per 1,000 digits drawn", "kWh", "J"),
                            "gc": ("CO₂e per 1,000 digits drawn", "kg")},
                       counts=["numbers learned"])


def method_note(rows: list[Row]) -> str:
    """The measurement method, stated once: the instrument, then how training and drawing
    were measured (each with its own repeats)."""
    costed = [r for r in rows if r.run is not None]
    if not costed:
        return ""
    first = costed[0]
    text = f"{first.run.training.method_instrument()} Training: {first.run.training.method_repeats()}"
    drawn = [r for r in costed if r.cost is not None]
    if drawn:
        spreads = [100 * r.cost.energy_spread.get("rel_std", 0.0) for r in drawn]
        text += (f" Drawing: batches of {units.count(drawn[0].cost.settings.get('batch_size_generation', 0))}"
                 f" digits, {drawn[0].cost.repeats} repeats after a warm-up; the energy per digit "
                 f"varied by {units.number(min(spreads), 2)}–{units.number(max(spreads), 2)}% "
                 f"(std/mean) across repeats, depending on the generator.")
    return text


# ----------------------------------------------------------------------------- target --
# The bar a deep generator has to clear, on the panel's mean: (measure, comparison, value),
# where value is a number or "PCA" (the same measure of the PCA generator).
TARGET = (("accuracy", ">=", 0.95), ("diversity_ratio", ">=", 0.8), ("frechet", "<", "PCA"),
          ("precision", ">", "PCA"), ("recall", ">", "PCA"))


@dataclass
class Goal:
    measure: str
    op: str
    threshold: float
    value: float
    against: str  # "" or the row the threshold comes from

    @property
    def met(self) -> bool:
        return {">=": self.value >= self.threshold, ">": self.value > self.threshold,
                "<": self.value < self.threshold}[self.op]

    def text(self) -> str:
        goal = (f"{self.op} {self.against}'s {_fmt(self.measure, self.threshold)}" if self.against
                else f"{self.op} {_fmt(self.measure, self.threshold)}")
        unit = "%" if self.measure in ("accuracy", "precision", "recall") else ""
        return (f"{NAMES[self.measure]} {_fmt(self.measure, self.value)}{unit} "
                f"({'met' if self.met else 'missed'}: goal {goal.replace(' ', ' ', 1)}{unit})")


def target_check(scores: PanelScores, pca: PanelScores, pca_name: str = "PCA") -> list[Goal]:
    """Each goal of :data:`TARGET` on the panel's mean, met or not."""
    out = []
    for measure, op, value in TARGET:
        threshold = pca.mean(measure) if value == "PCA" else float(value)
        out.append(Goal(measure, op, threshold, scores.mean(measure), pca_name if value == "PCA" else ""))
    return out


def best_candidate(candidates: dict[str, PanelScores], pca: PanelScores) -> str:
    """The candidate that meets most goals; among equals, the lowest Fréchet distance."""
    if not candidates:
        raise ValueError("no candidates to choose from")
    return max(candidates, key=lambda n: (sum(g.met for g in target_check(candidates[n], pca)),
                                          -candidates[n].mean("frechet")))


def target_sentence(name: str, goals: list[Goal]) -> str:
    missed = [g for g in goals if not g.met]
    if not missed:
        return f"{name} meets every goal on the panel's mean: " + "; ".join(g.text() for g in goals) + "."
    return (f"{name} meets {len(goals) - len(missed)} of {len(goals)} goals on the panel's mean; "
            f"it misses " + "; ".join(g.text() for g in missed) + ".")


# ---------------------------------------------------------------- quality per gram ----
def front(rows: list[Row], measure: str) -> list[Row]:
    """The steps up in quality that every judge agrees on, cheapest first: the generator
    cheapest to train, then the cheapest one rated better than it by every judge on
    ``measure``, and so on. Each step says what more grams buy for certain."""
    gens = sorted([r for r in rows if r.role == "generator"], key=lambda r: r.train_g)
    if not gens:
        raise ValueError("no generators to compare")
    steps = [gens[0]]
    for r in gens[1:]:
        if verdicts.compare(r.scores, steps[-1].scores, measure) == verdicts.BETTER:
            steps.append(r)
    return steps


def front_sentence(rows: list[Row], measure: str) -> str:
    """Which generators give the most quality per gram on ``measure``, in words."""
    f = front(rows, measure)
    what = NAMES[measure]
    if len(f) == 1:
        return (f"On {what}, {f[0].name} is the best buy: no generator that costs more to "
                f"train is rated better by every judge.")
    steps = [f"{b.name} ({units.times(b.train_g / a.train_g)} the training CO₂e of {a.name})"
             for a, b in zip(f, f[1:])]
    return (f"On {what}, {f[0].name} is the cheapest; the steps up that every judge agrees are "
            f"gains: {names(steps, conjunction='then')}.")


# ---------------------------------------------------------------------- lifetime ------
def total_g(row: Row, n_images: float) -> float:
    """Training plus ``n_images`` drawn digits, in g CO2e."""
    return row.train_g + n_images * row.gen_g


def amortised_after(row: Row) -> float:
    """After how many drawn digits drawing has cost as much as training did."""
    return row.train_g / row.gen_g if row.gen_g > 0 else math.inf


# Per-digit costs measured in different builds of this shared machine differed by up to
# 1.8x for the same network (the 16-number CVAE drew 1,000 digits for 0.83 J in one build and
# 0.47 J in another), far more than their repeats within one build. Two per-digit costs are
# told apart only if they differ by more than this factor, and their repeats do not overlap.
DRAW_NOISE = 2.0


def draws_differ(a: Row, b: Row) -> bool:
    """True if the per-digit energies of ``a`` and ``b`` are told apart: their ranges over
    repeats do not overlap, and they differ by more than :data:`DRAW_NOISE` times."""
    sa, sb = a.cost.energy_spread, b.cost.energy_spread
    apart = sa["max"] < sb["min"] or sb["max"] < sa["min"]
    hi, lo = max(a.cost.energy_kwh, b.cost.energy_kwh), min(a.cost.energy_kwh, b.cost.energy_kwh)
    return apart and (lo == 0 or hi / lo > DRAW_NOISE)


def crossing(dear: Row, cheap: Row) -> float | None:
    """The number of digits after which ``dear`` (more CO2 to train) has the lower total,
    or None if it never does (it draws at no lower cost per digit)."""
    if dear.train_g <= cheap.train_g:
        raise ValueError(f"{dear.name} must cost more to train than {cheap.name}")
    if dear.gen_g >= cheap.gen_g:
        return None
    return (dear.train_g - cheap.train_g) / (cheap.gen_g - dear.gen_g)


def lifetime_sentence(deep: Row, shallow: Row) -> str:
    """When (if ever) the deep generator's lifetime footprint drops below the shallow one's."""
    ratio = units.times(deep.train_g / shallow.train_g)
    head = f"{deep.name} costs {ratio} the training CO₂e of {shallow.name}"
    n = crossing(deep, shallow)
    if not draws_differ(deep, shallow):
        return (f"{head}, and the two draw a digit at costs this shared machine cannot tell "
                f"apart (they differ by less than {units.times(DRAW_NOISE)}, or their repeats "
                f"overlap), so no number of digits drawn is known to repay its training: in "
                f"CO₂e it pays only through the quality it adds.")
    if n is None:
        return (f"{head} and also costs more per digit drawn, so its lifetime footprint stays "
                f"above {shallow.name}'s however many digits it draws: it pays only through "
                f"the quality it adds.")
    return (f"{head} but draws each digit for less, so its lifetime footprint drops below "
            f"{shallow.name}'s after about {units.count(n, compact=True)} digits.")


def tried_table(rows: list[Row], pca: PanelScores) -> pd.DataFrame:
    """The CVAEs tried: the target's measures (panel mean and range), the goals met, and
    the training CO2e of each network (configs that share a network share its cost)."""
    measures = [m for m, _, _ in TARGET]
    df = quality_table(rows, measures).rename(columns={"digits from": "CVAE tried"})
    df["goals met"] = [f"{sum(g.met for g in target_check(r.scores, pca))} of {len(TARGET)}"
                       for r in rows]
    co2 = units.column([r.run.training.emissions_kg for r in rows], "kg")
    df[co2.header("training CO₂e")] = list(co2.cells)
    return df


# ------------------------------------------------------------------- notes and story --
def judges_table(runs: dict[str, TrainedRun]) -> pd.DataFrame:
    """The panel: each judge's design, size, held-out accuracy and training cost."""
    df = pd.DataFrame([{
        "judge": name, "architecture and training": r.label,
        "parameters": r.n_parameters,
        "accuracy on real held-out digits (%)": units.number(100 * r.extra["held_out_accuracy"], 3),
        "t": r.training.duration_s, "e": r.training.energy_kwh,
    } for name, r in runs.items()])
    seconds = units.column(df["t"].tolist(), "s", to="s")
    df["t"] = list(seconds.cells)
    df = df.rename(columns={"t": seconds.header("training time")})
    return units.table(df, {"e": ("training energy", "kWh", "J")}, counts=["parameters"])


def judges_note(runs: dict[str, TrainedRun]) -> str:
    first = next(iter(runs.values()))
    epochs = names([f"{units.count(r.settings['epochs'])} ({n})" for n, r in runs.items()])
    return (f"**Method.** {first.training.method_instrument()} Each judge: "
            f"{first.training.method_repeats()[0].lower()}{first.training.method_repeats()[1:]} "
            f"Epochs: {epochs}. The held-out check is measured apart and not included.")


def quality_note(panel) -> str:
    return (f"Each cell: the mean of the {units.count(len(panel.instruments))} judges, and in "
            f"brackets the lowest and the highest judge. Every set holds "
            f"{units.count(panel.n_reference)} digits ({units.count(panel.n_per_class)} per "
            f"class), compared with as many real reference digits; precision and recall use "
            f"the {units.count(panel.k)} nearest neighbours. Novelty is a pixel distance, "
            f"the same for every judge.")


def novelty_sentence(copy: Row, real: Row) -> str:
    return (f"Its novelty is {units.number(copy.scores.mean('novelty'), 3)}, against "
            f"{units.number(real.scores.mean('novelty'), 3)} for real digits the generators never saw.")


def scores_line(s: PanelScores) -> str:
    """The panel's means in one short line (for figure titles)."""
    return (f"judge accuracy {units.percent(s.mean('accuracy'))}, diversity "
            f"{units.number(s.mean('diversity_ratio'), 2)}, Fréchet {units.number(s.mean('frechet'), 2)}, "
            f"precision {units.percent(s.mean('precision'))}, recall {units.percent(s.mean('recall'))}")


def _change(a: PanelScores, b: PanelScores, measure: str) -> str:
    """'judge accuracy 68% → 96% (every judge agrees it is better)'."""
    fmt = (lambda v: units.percent(v)) if measure in ("accuracy", "precision", "recall") \
        else (lambda v: units.number(v, 2))
    verdict = verdicts.compare(b, a, measure)
    agree = {verdicts.BETTER: "better for every judge", verdicts.WORSE: "worse for every judge",
             verdicts.SPLIT: "the judges disagree"}[verdict]
    return f"{NAMES[measure]} {fmt(a.mean(measure))} → {fmt(b.mean(measure))} ({agree})"


STORY_MEASURES = ("accuracy", "diversity_ratio", "frechet", "recall")


def pairs_tried(configs: dict[str, GeneratorConfig]) -> list[tuple[str, str, str]]:
    """(what changed, from, to) for the configs that differ in one respect only: the
    sampler, the KL warm-up, or the code length (same sampler)."""
    items = list(configs.items())
    out = []
    for i, (na, a) in enumerate(items):
        for nb, b in items[i + 1:]:
            da, db = a.settings(), b.settings()
            diff = {k for k in da if da[k] != db.get(k)}
            if diff == {"sampler"}:
                out.append((f"with a code of {a.latent} numbers, codes from the mixture instead "
                            f"of the normal distribution", na, nb))
            elif diff == {"kl_warmup"}:
                out.append((f"a KL warm-up of {b.kl_warmup} epochs", na, nb))
            elif diff <= {"latent", "mixture_components"} and "latent" in diff and a.sampler == "normal":
                out.append((f"a code of {b.latent} numbers instead of {a.latent}, both drawn from "
                            f"the normal distribution", na, nb))
    return out


def sampler_story(rows: dict[str, Row], configs: dict[str, GeneratorConfig]) -> list[str]:
    """What each change tried did to the panel's readings, one sentence per change."""
    sentences = []
    for what, a, b in pairs_tried(configs):
        sa, sb = rows[a].scores, rows[b].scores
        changes = "; ".join(_change(sa, sb, m) for m in STORY_MEASURES)
        sentences.append(f"{what[:1].upper()}{what[1:]}: {changes}.")
    return sentences


def lesson(generators: list[Row], deep: Row, shallow: Row) -> list[str]:
    """The chapter's conclusions, each chosen by the data."""
    out = [front_sentence(generators, m) for m in ("frechet", "precision", "recall")]
    out += [verdicts.compare_sentence(deep.name, deep.scores, shallow.name, shallow.scores, m)
            for m in ("accuracy", "diversity_ratio", "frechet", "precision", "recall")]
    out.append(lifetime_sentence(deep, shallow))
    out.append(f"For {deep.name}, drawing has cost as much as training only after about "
               f"{units.count(amortised_after(deep), compact=True)} digits.")
    return out


def fooled_sentence(broken: list[str]) -> str:
    """Which measures the class mean fools, for the lesson."""
    if not broken:
        return "No measure here rates one image per class above real handwriting."
    what = names([NAMES[m] for m in broken])
    return (f"{what[:1].upper()}{what[1:]} rated one image per class above real handwriting "
            f"for at least one judge: {'it sees' if len(broken) == 1 else 'they see'} fidelity, "
            f"not variety.")


def precision_recall_sentence(probe: Row, real: Row) -> str:
    """Where the class mean and real digits sit in the precision-recall plane, in words."""
    p, r = probe.scores.mean("precision"), probe.scores.mean("recall")
    rp, rr = real.scores.mean("precision"), real.scores.mean("recall")
    return (f"{probe.name[:1].upper()}{probe.name[1:]}: precision {units.percent(p)} "
            f"({'as high as or higher than' if p >= rp else 'below'} real digits' "
            f"{units.percent(rp)}), and recall {units.percent(r)}, against {units.percent(rr)}: "
            + ("its digits cover almost none of the ways real digits are written." if r < 0.05 else
               "its digits cover fewer of the ways real digits are written." if r < rr else
               "its digits cover the ways real digits are written as well as real digits do."))
