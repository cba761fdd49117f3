"""What the panel agrees on, in words chosen by the scores.

A claim such as "A beats B on recall" holds only if *every* judge says so; otherwise the
words say that the judges disagree. A *probe* (the class mean: one image per class
repeated; the copy: training digits) that scores better than real digits on a measure
shows what that measure cannot see, and is reported as such.
"""

from __future__ import annotations

from ..wording import names
from .panel import NAMES, RANKED, PanelScores, goodness

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


def compare_sentence(name_a: str, a: PanelScores, name_b: str, b: PanelScores, measure: str) -> str:
    """E.g. "All 3 judges rate PCA better than per-pixel on precision." or "The judges
    disagree on recall: 2 rate A better than B, 1 worse."."""
    what = NAMES[measure]
    verdict = compare(a, b, measure)
    n = len(a.judges)
    every = "Both judges" if n == 2 else f"All {n} judges" if n > 2 else "The judge"
    if verdict != SPLIT:
        return f"{every} rate {name_a} {verdict} than {name_b} on {what}."
    v = votes(a, b, measure)
    parts = [f"{len(v[BETTER])} rate {name_a} better than {name_b}"] if v[BETTER] else []
    parts += [f"{len(v[WORSE])} worse"] if v[WORSE] else []
    parts += [f"{len(v['equal'])} equal"] if v["equal"] else []
    return f"The judges disagree on {what}: {', '.join(parts)}."


def fooled(probe: PanelScores, real: PanelScores) -> dict[str, list[str]]:
    """For each ranked measure, the judges by which ``probe`` scores *better* than real
    digits (an empty list: the measure ranks the probe below real digits for every judge)."""
    return {m: votes(probe, real, m)[BETTER] for m in RANKED}


def broken_measures(probe: PanelScores, real: PanelScores) -> list[str]:
    """The measures on which at least one judge ranks ``probe`` above real digits."""
    return [m for m, judges in fooled(probe, real).items() if judges]


def broken_sentence(probe_name: str, probe: PanelScores, real: PanelScores) -> str:
    """Which measures the probe fools, and by how many judges, in one sentence."""
    f = fooled(probe, real)
    bad = [m for m in RANKED if f[m]]
    if not bad:
        return (f"No measure ranks {probe_name} above real digits, for any judge: each one "
                f"sees what {probe_name} lacks.")
    n = len(probe.judges)
    each = [f"{NAMES[m]} ({'every judge' if len(f[m]) == n else f'{len(f[m])} of {n} judges'})"
            for m in bad]
    good = [NAMES[m] for m in RANKED if not f[m]]
    tail = (f"; only {names(good)} rank it below real digits for every judge" if good
            else "; no measure ranks it below real digits for every judge")
    return (f"{probe_name[:1].upper() + probe_name[1:]} scores better than real digits on "
            f"{names(each)}, so {'that measure' if len(bad) == 1 else 'those measures'} alone "
            f"cannot tell it from real digits{tail}.")


def spread(rows: dict[str, PanelScores], measure: str) -> tuple[str, float]:
    """The row on which the judges disagree most on ``measure`` (largest max - min), and
    that gap."""
    if not rows:
        raise ValueError("no rows to compare")
    name = max(rows, key=lambda r: rows[r].high(measure) - rows[r].low(measure))
    return name, rows[name].high(measure) - rows[name].low(measure)
