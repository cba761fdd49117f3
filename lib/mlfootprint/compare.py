"""One rule for "differs": when two measured costs can be told apart on this machine.

The same work is charged differently from run to run here (RAM is charged per wall second,
so a busy moment raises the charge), so a gap between two single figures proves nothing.
Every comparison the course prints goes through :func:`verdict`:

* the two workloads are measured in **pairs**, interleaved (A, B, A, B, … after a warm-up,
  see :func:`measure_pairs`), so that a busy moment hits both; each pair gives a ratio A/B;
* the ratio reported is the geometric mean over the pairs, with its 95% interval
  (Student's t on the logarithms of the pair ratios);
* A and B **differ** only when that whole interval lies outside the band
  ``1/MARGIN .. MARGIN`` (0.83× to 1.2×) and at least :data:`MIN_PAIRS` pairs were measured.
  The Measuring chapter measures the same work paired with itself, quiet and beside a busy
  neighbour, to show what the band is for.

Groups measured apart (not interleaved, e.g. training runs repeated per model) use the same
rule on Welch's interval of the difference of the log means: wider, as it should be. One
figure against one figure never differs: no spread is known.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

from scipy import stats

from . import store, units
from .checks import integer
from .measure import Measurement

MIN_PAIRS = 3
MARGIN = 1.2
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Verdict:
    """What the rule says of A against B: the ratio A/B, its interval, and whether they differ."""

    ratio: float
    low: float
    high: float
    n: int
    paired: bool
    differs: bool
    why: str          # in words: why they differ or cannot be told apart

    @property
    def direction(self) -> int:
        """+1 if A costs more than B, -1 if less, 0 if they cannot be told apart."""
        return 0 if not self.differs else (1 if self.ratio > 1 else -1)

    def words(self, more: str, less: str, same: str = "cannot be told apart from") -> str:
        """``more``, ``less`` or ``same``, chosen by the rule (never by the point estimate alone)."""
        return {1: more, -1: less, 0: same}[self.direction]

    def times(self) -> str:
        """The ratio in the larger direction, two significant figures: "3.1×" (A over B when
        A costs more, else B over A)."""
        return units.times(self.ratio if self.ratio >= 1 else 1 / self.ratio)

    def interval(self) -> str:
        """"1.9× to 2.8× over 5 pairs" (A over B), or why there is no interval."""
        if self.n < 2 or not math.isfinite(self.low):
            return f"{self.n} run{'s' if self.n != 1 else ''} each, no interval"
        what = "pairs" if self.paired else "runs each"
        return f"{units.times(self.low)} to {units.times(self.high)} over {self.n} {what}"

    def reversed(self) -> "Verdict":
        """The same verdict read as B over A (the ratio and its interval inverted)."""
        return replace(self, ratio=1 / self.ratio, low=1 / self.high, high=1 / self.low)

    def text(self) -> str:
        """The ratio A/B with its interval: "2.3× (1.9× to 2.8× over 5 pairs)"."""
        return f"{units.times(self.ratio)} ({self.interval()})"


def _logs(name: str, values: Sequence[Any]) -> list[float]:
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise ValueError(f"{name} must hold positive finite costs, got {v!r}")
        out.append(math.log(float(v)))
    return out


def _decide(mean: float, half: float, n: int, paired: bool, enough: bool) -> Verdict:
    low, high = math.exp(mean - half), math.exp(mean + half)
    if not enough:
        why = (f"fewer than {MIN_PAIRS} {'pairs' if paired else 'runs each'}: no comparison is drawn")
        return Verdict(math.exp(mean), low, high, n, paired, False, why)
    band = math.log(MARGIN)
    differs = bool((mean - half) > band or (mean + half) < -band)
    if differs:
        why = f"the whole 95% interval lies beyond {units.times(MARGIN)} either way"
    else:
        why = (f"the 95% interval reaches into the band from {units.times(1 / MARGIN)} to "
               f"{units.times(MARGIN)} where the same work, measured twice, can land")
    return Verdict(math.exp(mean), low, high, n, paired, differs, why)


def verdict(a: Sequence[Any], b: Sequence[Any], *, paired: bool = True) -> Verdict:
    """The rule applied to costs of A and B (e.g. energies per item, one per run).

    ``paired=True``: ``a[i]`` and ``b[i]`` were measured side by side (see
    :func:`measure_pairs`). ``paired=False``: two groups measured apart.
    """
    la, lb = _logs("a", list(a)), _logs("b", list(b))
    if not la or not lb:
        raise ValueError("verdict needs at least one cost on each side")
    if paired:
        if len(la) != len(lb):
            raise ValueError(f"paired costs must come in pairs, got {len(la)} and {len(lb)}")
        d = [x - y for x, y in zip(la, lb)]
        n = len(d)
        mean = statistics.fmean(d)
        half = (stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * statistics.stdev(d) / math.sqrt(n)
                if n > 1 else math.inf)
        return _decide(mean, half, n, True, n >= MIN_PAIRS)
    n = min(len(la), len(lb))
    mean = statistics.fmean(la) - statistics.fmean(lb)
    if n < 2:
        return _decide(mean, math.inf, n, False, False)
    va, vb = statistics.variance(la) / len(la), statistics.variance(lb) / len(lb)
    se = math.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va ** 2 / (len(la) - 1) + vb ** 2 / (len(lb) - 1)) if se > 0 else n - 1
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, max(dof, 1)) * se
    return _decide(mean, half, n, False, n >= MIN_PAIRS)


@dataclass
class Pairs:
    """Records of A and B measured in interleaved pairs (``a[i]`` beside ``b[i]``)."""

    a: list
    b: list

    def costs(self, side: str, attr: str = "energy_kwh") -> list[float]:
        return [getattr(r, attr) for r in getattr(self, side)]

    def verdict(self, attr: str = "energy_kwh") -> Verdict:
        """The rule on one quantity of the records (``energy_kwh`` per item by default)."""
        return verdict(self.costs("a", attr), self.costs("b", attr), paired=True)


def decode_pairs(data: Any) -> Pairs:
    """Pairs from their stored form (``{"a": [...], "b": [...]}``, one record per side of each
    pair), checked: a file of another shape raises ValueError (the store moves it aside)."""
    if not isinstance(data, dict) or set(data) != {"a", "b"} or not all(
            isinstance(data[s], list) and data[s] for s in "ab") or len(data["a"]) != len(data["b"]):
        raise ValueError("not measured pairs: expected {'a': [...], 'b': [...]} of the same length")
    return Pairs([Measurement.from_dict(r) for r in data["a"]],
                 [Measurement.from_dict(r) for r in data["b"]])


def kept_pairs(namespace: str, settings: dict, measure_a: Callable[[], Any],
               measure_b: Callable[[], Any], *, pairs: int = 5, code: Sequence[str] = ()) -> Pairs:
    """:func:`measure_pairs`, kept by the results store under ``namespace``: measured once per
    ``settings`` (which must name everything the two measuring functions do) and ``pairs``,
    read back after. ``code`` names the modules whose source the key also covers."""
    pairs = integer("pairs", pairs, lo=1, hi=1000)
    return store.cached(namespace, {**settings, "pairs": pairs},
                        lambda: measure_pairs(measure_a, measure_b, pairs=pairs),
                        code=(__name__, *code), decode=decode_pairs)


def measure_pairs(measure_a: Callable[[], Any], measure_b: Callable[[], Any], *,
                  pairs: int = 5, warmup: bool = True) -> Pairs:
    """Call ``measure_a()`` and ``measure_b()`` alternately, ``pairs`` times each (after
    one warm-up call of each, discarded); each call returns one Measurement (or a tuple whose
    last item is one, as :func:`~mlfootprint.measure.measure_once` does). The order
    alternates within pairs too (A B, B A, A B, …) so that neither side always goes first.
    """
    pairs = integer("pairs", pairs, lo=1, hi=1000)
    for f, name in ((measure_a, "measure_a"), (measure_b, "measure_b")):
        if not callable(f):
            raise TypeError(f"{name} must be a function that measures once, got {type(f).__name__}")

    def record(f: Callable[[], Any]):
        out = f()
        return out[-1] if isinstance(out, tuple) else out

    if warmup:
        record(measure_a), record(measure_b)
    a, b = [], []
    for i in range(pairs):
        if i % 2 == 0:
            a.append(record(measure_a)), b.append(record(measure_b))
        else:
            b.append(record(measure_b)), a.append(record(measure_a))
    return Pairs(a, b)
