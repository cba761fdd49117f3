"""Lists in prose. Comparative words about measured costs come from :mod:`mlfootprint.compare`
(the one rule for "differs"); the chapters write their own sentences."""

from __future__ import annotations

from typing import Sequence


def names(items: Sequence[str], *, conjunction: str = "and") -> str:
    """"a", "a and b", "a, b and c"."""
    items = [str(i) for i in items]
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
