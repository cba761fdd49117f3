"""What the generation chapter shares with its figures: rows of panel scores, tables, the
goals and the choice they make, costs measured in pairs and kept (numbers, never sentences)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import pandas as pd
from scipy.stats import gmean

from .. import compare, units
from ..compare import Pairs
from ..measure import Measurement
from ..quality import MEASURES, PanelScores, verdicts
from ..records import TrainedRun
from .config import GeneratorConfig
from .train import CODE, data_settings


@dataclass
class Row:
    """One set of digits and how the panel scored it; ``config`` is None for real digits."""

    name: str
    scores: PanelScores
    config: GeneratorConfig | None = None

    @property
    def family(self) -> str:
        return "Real" if self.config is None else self.config.family


# ------------------------------------------------------------------------------ tables --
HEADERS = {"accuracy": "judge accuracy (%)", "diversity_ratio": "diversity vs real (ratio)",
           "frechet": "Fréchet distance (share of real spread)", "precision": "precision (%)",
           "recall": "recall (%)", "novelty": "novelty (pixel distance)"}


def cell(measure: str, value: float) -> str:
    """A panel mean as the tables show it: percentages with three significant figures, the
    Fréchet share with two (it spans 0.01 to 1), ratios and pixel distances with two (and
    a bound below that: the class mean's diversity is a rounding error, not a number)."""
    if measure in ("accuracy", "precision", "recall"):
        return units.number(100 * value, 3)
    if measure == "frechet":
        return units.number(value, 2) if value >= 0.001 else "< 0.001"
    if measure == "diversity_ratio" and value < 0.01:
        return "< 0.01"
    return units.number(value, 2)


def quality_table(rows: list[Row], measures=MEASURES, first: str = "digits from") -> pd.DataFrame:
    """One row per set of digits, one column per measure: the panel's mean."""
    return pd.DataFrame([{first: r.name, **{HEADERS[m]: cell(m, r.scores.mean(m)) for m in measures}}
                         for r in rows])


def judges_table(runs: dict[str, TrainedRun]) -> pd.DataFrame:
    """The panel: each judge's design, size and accuracy on real held-out digits."""
    df = pd.DataFrame([{"judge": name, "architecture and training": r.label,
                        "parameters": r.n_parameters,
                        "accuracy on real held-out digits (%)":
                            units.number(100 * r.extra["held_out_accuracy"], 3)}
                       for name, r in runs.items()])
    return units.table(df, {}, counts=["parameters"])


# ------------------------------------------------------------------------------- goals --
# The bar a deep generator has to clear, on the panel's mean: (measure, comparison, value),
# where value is a number or "shallow" (the same measure of the shallow generator). Diversity
# is judged by its distance to real digits' (1): overshooting real variety is not better.
TARGET = (("accuracy", ">=", 0.95), ("diversity_ratio", "within", 0.2), ("frechet", "<", "shallow"),
          ("precision", ">", "shallow"), ("recall", ">", "shallow"))


def goals_met(scores: PanelScores, shallow: PanelScores) -> list[bool]:
    """Each goal of :data:`TARGET`, met or not, on the panel's mean."""
    out = []
    for measure, op, value in TARGET:
        mine = scores.mean(measure)
        bar = shallow.mean(measure) if value == "shallow" else float(value)
        out.append({">=": mine >= bar, ">": mine > bar, "<": mine < bar,
                    "within": abs(mine - 1.0) <= bar}[op])
    return out


def choose(candidates: dict[str, PanelScores], shallow: PanelScores) -> str:
    """The candidate that meets most goals; among equals, the first listed (the simplest),
    unless a later one has a lower Fréchet distance by every judge: a refinement must earn
    its place by the panel's rule."""
    if not candidates:
        raise ValueError("no candidates to choose from")
    counts = {n: sum(goals_met(s, shallow)) for n, s in candidates.items()}
    best = None
    for name in (n for n in candidates if counts[n] == max(counts.values())):
        if best is None or verdicts.compare(candidates[name], candidates[best], "frechet") == verdicts.BETTER:
            best = name
    return best


def tried_table(rows: list[Row], shallow: PanelScores) -> pd.DataFrame:
    """The CVAEs tried: the goals' measures (panel means) and how many goals each meets."""
    df = quality_table(rows, [m for m, _, _ in TARGET], first="CVAE tried")
    df["goals met"] = [f"{sum(goals_met(r.scores, shallow))} of {len(TARGET)}" for r in rows]
    return df


# ------------------------------------------------------------------ paired costs, kept --
def kept_pairs(what: str, config_a: GeneratorConfig, config_b: GeneratorConfig, data,
               measure_a: Callable, measure_b: Callable, *, pairs: int, threads: int = 1,
               **settings) -> Pairs:
    """:func:`mlfootprint.compare.kept_pairs` of ``measure_a`` and ``measure_b``, keyed by ``what``,
    both configs, the data, ``threads`` and ``settings``: a change of what the (caller's)
    measuring functions do that these do not name needs a new ``what``."""
    for name, c in (("config_a", config_a), ("config_b", config_b)):
        if not isinstance(c, GeneratorConfig):
            raise TypeError(f"{name} must be a GeneratorConfig, got {type(c).__name__}")
    key = {"what": what, "a": config_a.settings(), "b": config_b.settings(), **data_settings(data),
           "threads": threads, **settings}
    return compare.kept_pairs("generation/pairs", key, measure_a, measure_b, pairs=pairs, code=CODE)


def typical(records: list[Measurement], attr: str = "energy_kwh") -> float:
    """The geometric mean of one quantity over records (the centre the ratios use)."""
    values = [getattr(r, attr) for r in records]
    if not values or any(not math.isfinite(v) or v <= 0 for v in values):
        raise ValueError(f"{attr} must be positive and finite in every record, got {values}")
    return float(gmean(values))


def side_energies(pairs: Pairs) -> tuple[str, str]:
    """Each side's :func:`typical` energy, in one unit chosen for both: ("55 J", "1.9 J")."""
    a, b = typical(pairs.a), typical(pairs.b)
    unit = units.pick_unit([a, b], "kWh", system="J")
    return tuple(f"{units.significant(units.convert(x, 'kWh', unit), 2)} {unit}" for x in (a, b))
