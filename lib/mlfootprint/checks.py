"""Argument checks shared by the library, with messages that name the argument, the value
and what is allowed. numpy scalars are accepted wherever a Python number is."""

from __future__ import annotations

import math
import numbers
from typing import Any, Iterable, Sequence


def _range_text(lo, hi, lo_open: bool = False, hi_open: bool = False) -> str:
    if lo is not None and hi is not None:
        left, right = ("(" if lo_open else "["), (")" if hi_open else "]")
        return f" in {left}{lo:g}, {hi:g}{right}" if isinstance(lo, float) or isinstance(hi, float) \
            else f" from {lo:,} to {hi:,}"
    if lo is not None:
        return f" {'>' if lo_open else '>='} {lo:g}" if isinstance(lo, float) else f" >= {lo:,}"
    if hi is not None:
        return f" {'<' if hi_open else '<='} {hi:g}" if isinstance(hi, float) else f" <= {hi:,}"
    return ""


def integer(name: str, value: Any, *, lo: int | None = None, hi: int | None = None,
            what: str | None = None) -> int:
    """``value`` as an int (never a bool) within ``[lo, hi]``, else a ValueError (range) or a
    TypeError (not an integer) naming ``name``."""
    allowed = what or f"an integer{_range_text(lo, hi)}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {allowed}, got {value!r} ({type(value).__name__})")
    value = int(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return value


def number(name: str, value: Any, *, lo: float | None = None, hi: float | None = None,
           lo_open: bool = False, hi_open: bool = False, what: str | None = None) -> float:
    """``value`` as a finite float (never a bool) within the range, else a ValueError/TypeError."""
    rng = _range_text(None if lo is None else float(lo), None if hi is None else float(hi),
                      lo_open, hi_open)
    allowed = what or f"a finite number{rng}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {allowed}, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value) or (lo is not None and (value < lo or (lo_open and value == lo))) \
            or (hi is not None and (value > hi or (hi_open and value == hi))):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return value


def choice(name: str, value: Any, options: Iterable[Any]) -> Any:
    """``value`` if it is one of ``options``, else a ValueError listing them."""
    options = tuple(options)
    try:
        ok = value in options
    except TypeError:  # unhashable or uncomparable
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")
    return value


def int_list(name: str, value: Any, *, lo: int | None = 1, hi: int | None = None,
             min_len: int = 1, max_len: int | None = None, example: str = "[128, 64]") -> tuple[int, ...]:
    """A list/tuple of integers (each in ``[lo, hi]``, ``min_len`` to ``max_len`` of them)
    as a tuple; a single integer counts as a list of one. Strings are refused."""
    try:
        if isinstance(value, (str, bytes, bool)):
            raise TypeError
        items: Sequence = (value,) if isinstance(value, numbers.Integral) else tuple(value)
    except TypeError:
        raise TypeError(f"{name} must be a list of integers such as {example}, got {value!r}") from None
    if len(items) < min_len or (max_len is not None and len(items) > max_len):
        count = (f"{min_len} to {max_len}" if max_len is not None else f"at least {min_len}")
        raise ValueError(f"{name} must hold {count} integer(s), got {len(items)}: {list(items)!r}")
    return tuple(integer(f"{name}[{i}]", v, lo=lo, hi=hi) for i, v in enumerate(items))
