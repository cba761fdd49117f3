"""Figure axes in human units: the unit in the label, plain tick labels (never e-notation).

:func:`axis` is :mod:`mlfootprint.units` for a matplotlib axis: the data stay in the unit
they were measured in, the label says the unit shown, and ticks are plain numbers in it, on
linear and log axes alike.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from matplotlib.ticker import FuncFormatter, LogFormatter

from ..units import (_ALIASES, _UNITS, DEFAULT_DIGITS, _require, _unit, convert, count, number,
                     pick_unit)
from ..units import _check_digits as check_digits


def tick_formatter(unit: str, to: str, *, digits: int = DEFAULT_DIGITS) -> FuncFormatter:
    """Ticks of data given in ``unit`` as plain numbers in ``to`` (no offset, no e-notation)."""
    factor, digits = convert(1.0, unit, to), check_digits(digits)
    return FuncFormatter(lambda v, _pos=None: number(v * factor, digits))


def count_formatter(*, compact: bool = True) -> FuncFormatter:
    """Ticks of counts: ``1 k``, ``10 k``, ``1.2 M`` (or ``1,000``)."""
    return FuncFormatter(lambda v, _pos=None: count(v, compact=compact))


def plain_formatter(digits: int = DEFAULT_DIGITS) -> FuncFormatter:
    """Ticks of unitless numbers (accuracy, ratios) without e-notation."""
    digits = check_digits(digits)
    return FuncFormatter(lambda v, _pos=None: number(v, digits))


class _LogLabels(LogFormatter):
    """On a log axis, matplotlib's choice of the ticks to label (every decade; on a short axis
    some minor ticks too), with the text of ``formatter``."""

    def __init__(self, formatter, minor: bool):
        super().__init__(labelOnlyBase=not minor)
        self.formatter = formatter

    def __call__(self, x, pos=None):
        return self.formatter(x, pos) if super().__call__(x, pos) else ""


def axis(ax, which: str, label: str, unit: str | None = None, *, values: Iterable[Any] | None = None,
         system: str | None = None, to: str | None = None, counts: bool = False,
         digits: int = DEFAULT_DIGITS) -> str | None:
    """Label one axis of ``ax`` (``which`` = ``"x"`` or ``"y"``) with a human unit.

    The data stay in ``unit``; the unit shown is ``to``, else chosen from ``values``, else
    from the axis's current limits. The label becomes ``"label (unit)"`` and ticks plain
    numbers in that unit. ``counts=True`` (no unit) shows ``1 k``, ``1.2 M`` ticks;
    ``unit=None`` shows plain numbers. Works on linear and log axes. Returns the unit shown.
    """
    if which not in ("x", "y"):
        raise ValueError(f"which must be 'x' or 'y', got {which!r}")
    if not isinstance(label, str):
        raise TypeError(f"label must be a string, got {label!r}")
    ax_axis = ax.xaxis if which == "x" else ax.yaxis
    set_label = ax.set_xlabel if which == "x" else ax.set_ylabel
    if unit is None:
        formatter = count_formatter() if counts else plain_formatter(digits)
        shown = None
        set_label(label)
    else:
        if counts:
            raise ValueError("counts=True is for axes without a unit; pass unit=None")
        if to is None:
            if values is None:  # from the limits: the largest on a linear axis, the middle on a log one
                lo, hi = sorted(abs(v) for v in (ax.get_xlim() if which == "x" else ax.get_ylim()))
                log = ax_axis.get_scale() == "log" and lo > 0
                values = [math.sqrt(lo * hi) if log else hi]
            shown = pick_unit(values, unit, system=system)
        else:
            shown = _ALIASES.get(to, to)
            _require("to", shown, _UNITS[_unit("unit", unit)[0]][0])
        formatter = tick_formatter(unit, shown, digits=digits)
        set_label(f"{label} ({shown})")
    if ax_axis.get_scale() == "log":
        ax_axis.set_major_formatter(_LogLabels(formatter, minor=False))
        ax_axis.set_minor_formatter(_LogLabels(formatter, minor=True))
    else:
        ax_axis.set_major_formatter(formatter)
    return shown
