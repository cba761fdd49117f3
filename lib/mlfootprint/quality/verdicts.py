"""What the panel agrees on, as data for the chapter's own sentences.

A claim such as "A beats B on recall" holds only if *every* judge says so
(:func:`compare` gives ``"split"`` otherwise, :func:`votes` says which judges side with
which). A *probe* (the class mean: one image per class repeated; the copy: training digits)
that scores better than real digits on a measure shows what that measure cannot see
(:func:`fooled`, :func:`broken_measures`). :func:`spread` finds where the judges disagree most.
"""

from __future__ import annotations

from .panel import RANKED, PanelScores, goodness

BETTER, WORSE, SPLIT = "better", "worse", "split"


def _check_measure(measure: str) -> str:
    if measure not in RANKED:
        raise ValueError(f"measure must be one of {', '.join(RANKED)}, got {measure!r}")
    return measure


def _pairs(a: PanelScores, b: PanelScores, measure: str) -> list[tuple[str, float, float]]:
    _check_measure(measure)
    if sorted(a.judges) != sorted(b.judges):
        raise ValueError(f"both sets must be scored by the same judges, got {a.judges} and {b.judges}")
    return [(j, goodness(measure, getattr(a.by_judge[j], measure)),
             goodness(measure, getattr(b.by_judge[j], measure))) for j in a.judges]


def compare(a: PanelScores, b: PanelScores, measure: str) -> str:
    """``"better"`` if every judge rates ``a`` better than ``b`` on ``measure``, ``"worse"``
    if every judge rates it worse, else ``"split"`` (the judges disagree, or tie)."""
    pairs = _pairs(a, b, measure)
    if all(ga > gb for _, ga, gb in pairs):
        return BETTER
    if all(ga < gb for _, ga, gb in pairs):
        return WORSE
    return SPLIT


def votes(a: PanelScores, b: PanelScores, measure: str) -> dict[str, list[str]]:
    """Which judges rate ``a`` better, worse or equal to ``b``."""
    out: dict[str, list[str]] = {BETTER: [], WORSE: [], "equal": []}
    for j, ga, gb in _pairs(a, b, measure):
        out[BETTER if ga > gb else WORSE if ga < gb else "equal"].append(j)
    return out


def fooled(probe: PanelScores, real: PanelScores) -> dict[str, list[str]]:
    """For each ranked measure, the judges by which ``probe`` scores *better* than real
    digits (an empty list: the measure ranks the probe below real digits for every judge)."""
    return {m: votes(probe, real, m)[BETTER] for m in RANKED}


def broken_measures(probe: PanelScores, real: PanelScores) -> list[str]:
    """The measures on which at least one judge ranks ``probe`` above real digits."""
    return [m for m, judges in fooled(probe, real).items() if judges]


def spread(rows: dict[str, PanelScores], measure: str) -> tuple[str, float]:
    """The row on which the judges disagree most on ``measure`` (largest max - min), and
    that gap."""
    if not rows:
        raise ValueError("no rows to compare")
    name = max(rows, key=lambda r: rows[r].high(measure) - rows[r].low(measure))
    return name, rows[name].high(measure) - rows[name].low(measure)
