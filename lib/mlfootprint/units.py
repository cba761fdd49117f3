"""Numbers in human units, for tables, prose and figure axes -- never in e-notation.

One value with its unit, chosen so the number reads well::

    >>> energy(0.0785, "kJ")
    '78.5 J'
    >>> energy(1.85e-5, "Wh")
    '18.5 µWh'
    >>> co2(0.00123, "kg")
    '1.23 g'
    >>> duration(0.0123)
    '12.3 ms'
    >>> count(1_234_567), count(1_234_567, compact=True)
    ('1,234,567', '1.2 M')

One unit for a whole column (the unit goes into the header, the cells are plain numbers)::

    >>> col = column([1.2e-5, 3.4e-5, 2.0e-4], "Wh")
    >>> col.unit, col.header("Energy per 1,000 uses"), col.cells
    ('µWh', 'Energy per 1,000 uses (µWh)', ('12', '34', '200'))

and :func:`table` does that for several columns of a ``pandas.DataFrame`` at once.
:func:`mlfootprint.plots.axes.axis` gives a figure axis the same treatment (unit in the label,
plain tick labels).

Quantities and their units (``u`` is accepted for ``µ``):

* energy, joules: ``µJ mJ J kJ MJ GJ``; watt-hours: ``µWh mWh Wh kWh MWh GWh``
  (an energy is shown in the family of the unit it is given in unless ``system`` says
  ``"J"`` or ``"Wh"``);
* mass (of CO₂e): ``µg mg g kg t kt Mt``;
* time: ``µs ms s min h d``;
* power: ``µW mW W kW MW``.

Rules: at most ``digits`` significant digits (3 by default), trailing zeros dropped, a
thousands separator from 1,000 up; a number is never rounded to fewer digits than its
integer part (12,345 stays 12,345). ``None`` and NaN show as ``—`` (an em dash: no value),
infinities as ``∞`` / ``-∞``, zero as ``0`` in the unit asked for or the base unit.
Bad input (a string, a bool, an unknown unit) raises an error naming the argument. Any
finite number can be shown (1e308 too, without overflow); a finite value that a unit
asked for with ``to`` cannot hold (1e300 GWh in µJ) raises an OverflowError naming it.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any, Iterable, Mapping, Sequence

MISSING = "—"  # an em dash: no value
INFINITY = "∞"
DEFAULT_DIGITS = 3

# quantity -> family -> [(symbol, size in the quantity's base unit)], smallest first.
# Base units: joule, gram, second, watt.
_FAMILIES: dict[str, dict[str, list[tuple[str, float]]]] = {
    "energy": {
        "J": [("µJ", 1e-6), ("mJ", 1e-3), ("J", 1.0), ("kJ", 1e3), ("MJ", 1e6), ("GJ", 1e9)],
        "Wh": [("µWh", 3.6e-3), ("mWh", 3.6), ("Wh", 3.6e3), ("kWh", 3.6e6), ("MWh", 3.6e9),
               ("GWh", 3.6e12)],
    },
    "mass": {"g": [("µg", 1e-6), ("mg", 1e-3), ("g", 1.0), ("kg", 1e3), ("t", 1e6), ("kt", 1e9),
                   ("Mt", 1e12)]},
    "time": {"s": [("µs", 1e-6), ("ms", 1e-3), ("s", 1.0), ("min", 60.0), ("h", 3600.0),
                   ("d", 86400.0)]},
    "power": {"W": [("µW", 1e-6), ("mW", 1e-3), ("W", 1.0), ("kW", 1e3), ("MW", 1e6)]},
}
_BASE = {"energy": "J", "mass": "g", "time": "s", "power": "W"}
_ALIASES = {"uJ": "µJ", "uWh": "µWh", "ug": "µg", "us": "µs", "uW": "µW", "μJ": "µJ",
            "μWh": "µWh", "μg": "µg", "μs": "µs", "μW": "µW", "sec": "s", "tonne": "t"}
# symbol -> (quantity, family, size in base unit)
_UNITS: dict[str, tuple[str, str, float]] = {
    sym: (q, fam, size) for q, fams in _FAMILIES.items() for fam, scale in fams.items()
    for sym, size in scale}
# Time is not decimal: above a minute the units are min, h, d; below, µs, ms, s.
_COMPACT = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")]


# ---------------------------------------------------------------------------- checks --
def _check_number(name: str, value: Any) -> float | None:
    """``value`` as a float (None for None/NaN), or a TypeError naming ``name``."""
    if value is None:
        return None
    if isinstance(value, (bool,)) or not isinstance(value, numbers.Real):
        # numpy scalars are numbers.Real; numpy bools are not, and strings never are
        raise TypeError(f"{name} must be a real number (or None), got {value!r} "
                        f"of type {type(value).__name__}")
    x = float(value)
    return None if math.isnan(x) else x


def _scaled(name: str, x: float, factor: float, unit: str, hint: str = "show it in a larger unit") -> float:
    """``x * factor``, or an OverflowError naming ``name`` when a finite ``x`` does not fit."""
    out = x * factor
    if math.isinf(out) and math.isfinite(x):
        raise OverflowError(f"{name}={x!r} is too large to express in {unit} (beyond the largest "
                            f"float, about 1.8e308); {hint}")
    return out


def _integer_text(x: float) -> str:
    """A whole number of 15 digits and more, rounded to the 15 significant digits a float
    holds: 1e308 is a 1 and 308 zeros, without the float's binary noise below them."""
    with localcontext() as ctx:
        ctx.prec = 15
        return f"{int(+Decimal(repr(x))):,d}"


def _check_digits(digits: Any) -> int:
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or not 1 <= digits <= 15:
        raise ValueError(f"digits must be an integer from 1 to 15, got {digits!r}")
    return int(digits)


def _unit(name: str, unit: Any) -> tuple[str, str, str, float]:
    """(symbol, quantity, family, size) of a unit, or a ValueError naming ``name``."""
    if not isinstance(unit, str):
        raise TypeError(f"{name} must be a unit name such as 'J' or 'kWh', got {unit!r}")
    sym = _ALIASES.get(unit, unit)
    if sym not in _UNITS:
        raise ValueError(f"{name} must be one of {', '.join(_UNITS)}, got {unit!r}")
    q, fam, size = _UNITS[sym]
    return sym, q, fam, size


def _family(quantity: str, family: str, system: Any) -> list[tuple[str, float]]:
    if system is None:
        return _FAMILIES[quantity][family]
    if system not in _FAMILIES[quantity]:
        raise ValueError(f"system must be one of {', '.join(_FAMILIES[quantity])} for "
                         f"{quantity}, got {system!r}")
    return _FAMILIES[quantity][system]


# ---------------------------------------------------------------------------- numbers --
def number(value: Any, digits: int = DEFAULT_DIGITS, *, name: str = "value") -> str:
    """A plain number in positional notation: ``digits`` significant digits, trailing zeros
    dropped, thousands separators (``12,345``, ``0.00123``, ``-4.5``); never e-notation."""
    digits = _check_digits(digits)
    x = _check_number(name, value)
    if x is None:
        return MISSING
    if math.isinf(x):
        return INFINITY if x > 0 else f"-{INFINITY}"
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    if magnitude >= 15:
        return _integer_text(x)
    decimals = max(0, digits - 1 - magnitude)
    text = f"{x:,.{decimals}f}"
    if decimals and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def count(value: Any, *, compact: bool = False, name: str = "value") -> str:
    """A count with thousands separators (``1,234,567``), or compact (``1.2 M``, ``135 M``,
    ``12 k``: one decimal below 10, none from 10). Non-integer values are rounded."""
    x = _check_number(name, value)
    if x is None:
        return MISSING
    if math.isinf(x):
        return INFINITY if x > 0 else f"-{INFINITY}"
    n = round(x)
    if compact:
        for size, suffix in _COMPACT:
            if abs(n) >= size * 0.9995:  # 999,999 shows as 1 M, not 1,000 k
                v = n / size
                text = f"{v:.1f}" if abs(v) < 9.95 else number(v, 15) if abs(v) >= 1e15 else f"{v:,.0f}"
                return f"{text.removesuffix('.0')} {suffix}"
    return _integer_text(x) if abs(x) >= 1e15 else f"{n:,d}"


def percent(fraction: Any, digits: int = DEFAULT_DIGITS, *, name: str = "fraction") -> str:
    """A fraction as a percentage: ``percent(0.1234)`` -> ``'12.3%'``."""
    x = _check_number(name, fraction)
    return MISSING if x is None else f"{number(_scaled(name, x, 100.0, '%', 'a fraction is a number near 0 to 1'), digits)}%"


def significant(value: Any, digits: int = 2, *, name: str = "value") -> str:
    """Like :func:`number` but rounded to ``digits`` significant digits however large:
    ``significant(4402018)`` -> ``'4,400,000'`` (a ratio of noisy estimates has no more)."""
    digits = _check_digits(digits)
    x = _check_number(name, value)
    if x is None or math.isinf(x) or x == 0:
        return number(x, digits, name=name)
    magnitude = math.floor(math.log10(abs(x)))
    if magnitude >= digits:
        x = float(Decimal(repr(x)).scaleb(-(magnitude - digits + 1)).quantize(Decimal(1))
                  .scaleb(magnitude - digits + 1))
    return number(x, digits, name=name)


def times(ratio: Any, digits: int = 2, *, name: str = "ratio") -> str:
    """A ratio as a multiple, to two significant figures: ``times(12.34)`` -> ``'12×'``,
    ``times(1.5)`` -> ``'1.5×'``, ``times(4402018)`` -> ``'4,400,000×'``."""
    x = _check_number(name, ratio)
    if x is None:
        return MISSING
    if not math.isfinite(x) or x == 0:
        return f"{number(x, digits, name=name)}×"
    # round to the digits, then show them all: 1.0× (not 1×), 0.50×, 4,400,000×
    r = float(significant(x, digits, name=name).replace(",", ""))
    text = f"{r:,.{max(0, digits - 1 - math.floor(math.log10(abs(r))))}f}"
    return f"{text}×"


def spread_percent(fraction: Any, *, sign: bool = True, name: str = "spread") -> str:
    """A relative spread in whole percent: ``'±3%'``, and ``'under 1%'`` below 1% (never
    ``'±0%'``: a spread of a few repeats is not known to a tenth of a percent)."""
    x = _check_number(name, fraction)
    if x is None:
        return MISSING
    if x < 0:
        raise ValueError(f"{name} must be a relative spread >= 0, got {fraction!r}")
    pct = _scaled(name, x, 100.0, "%")
    if pct < 1:
        return "under 1%"
    return f"{'±' if sign else ''}{round(pct):,}%"


# ---------------------------------------------------------------------------- units ----
def convert(value: Any, from_unit: str, to_unit: str) -> float:
    """``value`` given in ``from_unit`` expressed in ``to_unit`` (same quantity): J<->Wh too."""
    x = _check_number("value", value)
    f_sym, f_q, _, f_size = _unit("from_unit", from_unit)
    t_sym, t_q, _, t_size = _unit("to_unit", to_unit)
    if f_q != t_q:
        raise ValueError(f"cannot convert {f_sym} ({f_q}) to {t_sym} ({t_q})")
    return math.nan if x is None else _scaled("value", x, f_size / t_size, t_sym)


def _best_unit(magnitude: float, scale: list[tuple[str, float]]) -> tuple[str, float]:
    """The largest unit of ``scale`` in which ``magnitude`` (in base units) is at least 1;
    the smallest unit when it is below 1 in all of them."""
    chosen = scale[0]
    for sym, size in scale:
        if magnitude >= size * (1 - 1e-12):
            chosen = (sym, size)
    return chosen


def human(value: Any, unit: str, *, system: str | None = None, digits: int = DEFAULT_DIGITS,
          to: str | None = None) -> str:
    """``value`` (given in ``unit``) with the unit that reads best: ``human(78500, "mJ")`` ->
    ``'78.5 J'``. ``to`` forces a unit; ``system`` picks the energy family (``"J"``/``"Wh"``)."""
    digits = _check_digits(digits)
    x = _check_number("value", value)
    sym, q, fam, size = _unit("unit", unit)
    scale = _family(q, fam, system)
    if to is not None:
        t_sym, t_q, _, t_size = _unit("to", to)
        if t_q != q:
            raise ValueError(f"to must be a unit of {q}, got {to!r}")
        target = (t_sym, t_size)
    elif x is None or math.isinf(x) or x == 0:
        target = (sym, size) if system is None else next(
            (s for s in scale if s[0] == _BASE[q] or s[0] == system), scale[0])
    else:
        target = _best_unit(abs(x) * size, scale)   # inf for 1e308 kWh: the largest unit
        # 999.96 mJ rounds to "1,000 mJ": move up when rounding reaches the next unit, and
        # show the rounded value there (59.96 s -> "1 min", not "0.999 min")
        rounded = float(number(abs(x) * (size / target[1]), digits).replace(",", ""))
        bigger = [s for s in scale if s[1] > target[1]]
        if bigger and rounded * target[1] >= bigger[0][1] * (1 - 1e-12):
            shown = math.copysign(rounded, x) * target[1] / bigger[0][1]
            return f"{number(shown, digits)} {bigger[0][0]}"
    if x is None:
        return MISSING
    return f"{number(_scaled('value', x, size / target[1], target[0]), digits)} {target[0]}"


def energy(value: Any, unit: str = "J", *, system: str | None = None,
           digits: int = DEFAULT_DIGITS, to: str | None = None) -> str:
    """An energy in the unit that reads best: ``energy(1.85e-5, "Wh")`` -> ``'18.5 µWh'``,
    ``energy(0.02, "kWh", system="J")`` -> ``'72 kJ'``."""
    _require("unit", unit, "energy")
    return human(value, unit, system=system, digits=digits, to=to)


def co2(value: Any, unit: str = "kg", *, digits: int = DEFAULT_DIGITS,
        to: str | None = None) -> str:
    """A mass of CO₂e in the unit that reads best: ``co2(0.00123, "kg")`` -> ``'1.23 g'``.
    (The unit is a mass; write "CO₂e" in the sentence or header.)"""
    _require("unit", unit, "mass")
    return human(value, unit, digits=digits, to=to)


def duration(value: Any, unit: str = "s", *, digits: int = DEFAULT_DIGITS,
             to: str | None = None) -> str:
    """A time in the unit that reads best: ``duration(0.0123)`` -> ``'12.3 ms'``,
    ``duration(150)`` -> ``'2.5 min'``."""
    _require("unit", unit, "time")
    return human(value, unit, digits=digits, to=to)


def power(value: Any, unit: str = "W", *, digits: int = DEFAULT_DIGITS,
          to: str | None = None) -> str:
    """A power in the unit that reads best: ``power(0.0017, "kW")`` -> ``'1.7 W'``."""
    _require("unit", unit, "power")
    return human(value, unit, digits=digits, to=to)


def _require(name: str, unit: str, quantity: str) -> None:
    sym, q, _, _ = _unit(name, unit)
    if q != quantity:
        allowed = ", ".join(s for s, v in _UNITS.items() if v[0] == quantity)
        raise ValueError(f"{name} must be a unit of {quantity} ({allowed}), got {unit!r}")


# ---------------------------------------------------------------------------- columns --
@dataclass(frozen=True)
class Column:
    """One unit for a set of values: ``unit`` (its symbol), ``cells`` (plain numbers as
    text in that unit), :meth:`header` and :meth:`format` for further values."""

    unit: str
    factor: float            # multiply a value given in the input unit by this
    digits: int
    cells: tuple[str, ...]

    def value(self, v: Any) -> float:
        """``v`` (in the input unit) expressed in :attr:`unit`, as a float (NaN for None)."""
        x = _check_number("v", v)
        return math.nan if x is None else x * self.factor

    def format(self, v: Any) -> str:
        """``v`` (in the input unit) as a plain number in :attr:`unit`."""
        x = _check_number("v", v)
        return MISSING if x is None else number(x * self.factor, self.digits)

    def header(self, name: str) -> str:
        """``"Energy (mJ)"`` from ``"Energy"``."""
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {name!r}")
        return f"{name} ({self.unit})"

    def __iter__(self):
        return iter(self.cells)


def pick_unit(values: Iterable[Any], unit: str, *, system: str | None = None) -> str:
    """The one unit to show all of ``values`` (given in ``unit``) in.

    The largest unit in which the smallest non-zero magnitude is at least 1 (so no cell
    starts with ``0.0``), unless the largest value would then need more than five integer
    digits: then the unit that puts the median magnitude between 1 and 1,000. Values that
    are all zero, missing or infinite keep ``unit`` (or the base unit of ``system``).
    """
    sym, q, fam, size = _unit("unit", unit)
    scale = _family(q, fam, system)
    if isinstance(values, (str, bytes)):
        raise TypeError(f"values must be a sequence of numbers, got {values!r}")
    try:
        items = list(values)
    except TypeError:
        raise TypeError(f"values must be a sequence of numbers, got {values!r}") from None
    mags = []
    for i, v in enumerate(items):
        x = _check_number(f"values[{i}]", v)
        if x is not None and not math.isinf(x) and x != 0:
            mags.append(abs(x) * size)
    if not mags:
        if system is None:
            return sym
        return next((s for s, _ in scale if s == system), scale[0][0])
    mags.sort()
    chosen = _best_unit(mags[0], scale)
    if mags[-1] / chosen[1] >= 99_999.5:
        chosen = _best_unit(mags[len(mags) // 2], scale)
    return chosen[0]


def column(values: Iterable[Any], unit: str, *, system: str | None = None, to: str | None = None,
           digits: int = DEFAULT_DIGITS) -> Column:
    """Format ``values`` (given in ``unit``) in one unit chosen for all of them (see
    :func:`pick_unit`; ``to`` forces it). Returns a :class:`Column`."""
    digits = _check_digits(digits)
    items = list(values) if not isinstance(values, (str, bytes)) else values
    if to is None:
        target = pick_unit(items, unit, system=system)
    else:
        _, q_to, _, _ = _unit("to", to)
        _, q, _, _ = _unit("unit", unit)
        if q_to != q:
            raise ValueError(f"to must be a unit of {q}, got {to!r}")
        target = _ALIASES.get(to, to)
    factor = convert(1.0, unit, target)
    cells = []
    for i, v in enumerate(items):
        x = _check_number(f"values[{i}]", v)
        cells.append(MISSING if x is None else number(_scaled(f"values[{i}]", x, factor, target), digits))
    return Column(unit=target, factor=factor, digits=digits, cells=tuple(cells))


def table(df, units: Mapping[str, Any], *, counts: Sequence[str] = (), compact_counts: bool = False,
          numbers: Sequence[str] = (), digits: int = DEFAULT_DIGITS):
    """A copy of ``df`` (pandas) ready to show: each column named in ``units`` shown in one
    unit, with the unit in its header, cells as plain numbers.

    ``units`` maps a column to ``(header, unit)`` or ``(header, unit, system)``, e.g.
    ``{"energy_kwh": ("Energy per image", "kWh", "J"), "co2_kg": ("CO₂e", "kg")}``.
    Columns in ``counts`` get thousands separators (``compact_counts``: ``1.2 M``), columns in
    ``numbers`` get :func:`number`; other columns are left as they are.
    """
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is a dependency of the course
        raise ImportError("units.table needs pandas") from exc
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    if not isinstance(units, Mapping):
        raise TypeError(f"units must map column -> (header, unit[, system]), got {units!r}")
    for group_name, group in (("units", list(units)), ("counts", counts), ("numbers", numbers)):
        if isinstance(group, str):
            raise TypeError(f"{group_name} must be a list of column names, got {group!r}")
        missing = [c for c in group if c not in df.columns]
        if missing:
            raise KeyError(f"{group_name} names columns that df does not have: {missing}; "
                           f"df has {list(df.columns)}")
    out = df.copy()
    renames = {}
    for col, spec in units.items():
        if not isinstance(spec, (tuple, list)) or len(spec) not in (2, 3):
            raise ValueError(f"units[{col!r}] must be (header, unit) or (header, unit, system), "
                             f"got {spec!r}")
        header, unit, *system = spec
        fmt = column(df[col].tolist(), unit, system=system[0] if system else None, digits=digits)
        out[col] = list(fmt.cells)
        renames[col] = fmt.header(header)
    for col in counts:
        out[col] = [count(v, compact=compact_counts, name=f"{col}[{i}]")
                    for i, v in enumerate(df[col].tolist())]
    for col in numbers:
        out[col] = [number(v, digits, name=f"{col}[{i}]") for i, v in enumerate(df[col].tolist())]
    return out.rename(columns=renames)
