"""What the panel agrees on, as data for the chapter's own sentences: a claim ("A beats B on
recall") holds only if *every* judge says so; a probe (the class mean, the copy) that scores
better than real digits on a measure shows what that measure cannot see."""

from __future__ import annotations

from .panel import RANKED, PanelScores, goodness

BETTER, WORSE, SPLIT = "better", "worse", "split"


def votes(a: PanelScores, b: PanelScores, measure: str) -> dict[str, list[str]]:
    """Which judges rate ``a`` better, worse or equal to ``b``."""
    goodness(measure, 0.0)   # a ranked measure, or a clear error
    if sorted(a.judges) != sorted(b.judges):
        raise ValueError(f"both sets must be scored by the same judges, got {a.judges} and {b.judges}")
    out: dict[str, list[str]] = {BETTER: [], WORSE: [], "equal": []}
    for j in a.judges:
        ga, gb = (goodness(measure, getattr(s.by_judge[j], measure)) for s in (a, b))
        out[BETTER if ga > gb else WORSE if ga < gb else "equal"].append(j)
    return out


def compare(a: PanelScores, b: PanelScores, measure: str) -> str:
    """``"better"`` if every judge rates ``a`` better than ``b`` on ``measure``, ``"worse"``
    if every judge rates it worse, else ``"split"`` (the judges disagree, or tie)."""
    v = votes(a, b, measure)
    return next((side for side in (BETTER, WORSE) if len(v[side]) == len(a.judges)), SPLIT)


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
    gaps = {name: max(s.values(measure)) - min(s.values(measure)) for name, s in rows.items()}
    name = max(gaps, key=gaps.get)
    return name, gaps[name]
