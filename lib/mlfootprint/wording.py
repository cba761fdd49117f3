"""Sentences chosen by the data: comparisons that cannot contradict the table beside them.

Every comparative word a chapter prints ("cheaper", "grows with size", "the judges
disagree") comes from one of these functions applied to the stored results, never from
the author's expectation. Each function returns the words for both directions, and a
third outcome where the data do not decide.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Sequence

from . import units
from .checks import number


def compare(a: float, b: float, *, more: str = "more", less: str = "less",
            same: str = "about the same", tolerance: float = 0.05) -> str:
    """``more`` if ``a`` exceeds ``b`` by more than ``tolerance`` (relative), ``less`` if it
    falls short by more than that, else ``same``."""
    a, b = number("a", a), number("b", b)
    tolerance = number("tolerance", tolerance, lo=0, hi=1)
    scale = max(abs(a), abs(b))
    if scale == 0 or abs(a - b) <= tolerance * scale:
        return same
    return more if a > b else less


def times(a: float, b: float, *, digits: int = 2) -> str:
    """How many times ``a`` is ``b``, in words: "3.2 times", "about the same as" or "a third of"."""
    a, b = number("a", a, lo=0), number("b", b, lo=0, lo_open=True)
    r = a / b
    if 0.95 <= r <= 1.05:
        return "about the same as"
    if r >= 1:
        return f"{units.number(r, digits)} times"
    return f"{units.number(1 / r, digits)} times less than"


def trend(xs: Sequence[float], ys: Sequence[float], *, rises: str = "grows", falls: str = "falls",
          mixed: str = "does not move in one direction") -> str:
    """Whether ``ys`` goes up or down with ``xs``: ``rises`` only if every step up in x is a
    step up in y (ties in x ignored), ``falls`` likewise, else ``mixed``."""
    pairs = sorted((number("x", x), number("y", y)) for x, y in zip(xs, ys))
    if len(pairs) != len(list(xs)) or len(pairs) < 2:
        raise ValueError(f"trend needs at least two (x, y) pairs of equal length, got {len(pairs)}")
    steps = [(y2 - y1) for (x1, y1), (x2, y2) in zip(pairs, pairs[1:]) if x2 > x1]
    if steps and all(s > 0 for s in steps):
        return rises
    if steps and all(s < 0 for s in steps):
        return falls
    return mixed


def rank_agreement(rankings: Iterable[Sequence[Any]]) -> bool:
    """True when every ranking (a sequence of names, best first) is the same order."""
    rankings = [tuple(r) for r in rankings]
    if not rankings:
        raise ValueError("rank_agreement needs at least one ranking")
    return all(r == rankings[0] for r in rankings)


def best(items: Iterable[Any], key: Callable[[Any], float], *, lowest: bool = False) -> Any:
    """The item with the highest (or ``lowest``) finite ``key``; ties keep the first."""
    pool = [(key(i), n, i) for n, i in enumerate(items)]
    pool = [(k, n, i) for k, n, i in pool if isinstance(k, (int, float)) and math.isfinite(k)]
    if not pool:
        raise ValueError("best: no item has a finite value")
    pick = min(pool, key=lambda t: (t[0], t[1])) if lowest else min(pool, key=lambda t: (-t[0], t[1]))
    return pick[2]


def names(items: Sequence[str], *, conjunction: str = "and") -> str:
    """"a", "a and b", "a, b and c"."""
    items = [str(i) for i in items]
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
