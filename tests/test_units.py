"""mlfootprint.units: human units for tables, prose and figure axes, never e-notation."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from mlfootprint import units
from mlfootprint.plots import axes

E_NOTATION = re.compile(r"\d[eE][-+]?\d")


# ------------------------------------------------------------------ single values ------
@pytest.mark.parametrize("value, unit, kwargs, expected", [
    (0.0785, "kJ", {}, "78.5 J"),
    (78500, "mJ", {}, "78.5 J"),
    (1.85e-5, "Wh", {}, "18.5 µWh"),
    (1.85e-5, "kWh", {}, "18.5 mWh"),
    (0.02, "kWh", {"system": "J"}, "72 kJ"),
    (72, "J", {"system": "Wh"}, "20 mWh"),
    (3.6e6, "J", {"system": "Wh"}, "1 kWh"),
    (999.96, "mJ", {}, "1 J"),           # rounding reaches the next unit: move up
    (999.4, "mJ", {}, "999 mJ"),
    (1.0, "J", {}, "1 J"),               # exactly at a boundary: the larger unit
    (0.999, "J", {}, "999 mJ"),
    (2e-9, "J", {}, "0.002 µJ"),         # below the smallest unit: stays positional
    (5e12, "J", {}, "5,000 GJ"),         # above the largest: thousands separators
    (-0.5, "J", {}, "-500 mJ"),
    (0, "kWh", {}, "0 kWh"),
    (0, "kWh", {"system": "J"}, "0 J"),
    (1.5, "J", {"to": "mJ"}, "1,500 mJ"),
    (1.23456, "J", {"digits": 5}, "1.2346 J"),
])
def test_energy_known_answers(value, unit, kwargs, expected):
    assert units.energy(value, unit, **kwargs) == expected


@pytest.mark.parametrize("call, expected", [
    (lambda: units.co2(0.00123, "kg"), "1.23 g"),
    (lambda: units.co2(1.5e-9, "kg"), "1.5 µg"),
    (lambda: units.co2(2500, "kg"), "2.5 t"),
    (lambda: units.duration(0.0123), "12.3 ms"),
    (lambda: units.duration(59.9), "59.9 s"),
    (lambda: units.duration(59.96), "1 min"),
    (lambda: units.duration(150), "2.5 min"),
    (lambda: units.duration(7200), "2 h"),
    (lambda: units.duration(3e-6), "3 µs"),
    (lambda: units.duration(1500, "ms"), "1.5 s"),
    (lambda: units.power(0.0017, "kW"), "1.7 W"),
    (lambda: units.power(0.25), "250 mW"),
])
def test_other_quantities_known_answers(call, expected):
    assert call() == expected


@pytest.mark.parametrize("value, expected", [
    (0.000123, "0.000123"), (1e-9, "0.000000001"), (12.345, "12.3"), (1.0, "1"),
    (1.20, "1.2"), (123456.7, "123,457"), (1.5e20, "150,000,000,000,000,000,000"),
    (-0.0042, "-0.0042"), (0, "0"), (np.float32(2.5), "2.5"), (np.int64(7), "7"),
])
def test_number_is_positional(value, expected):
    assert units.number(value) == expected
    assert not E_NOTATION.search(units.number(value))


@pytest.mark.parametrize("value, compact, expected", [
    (1234567, False, "1,234,567"), (1234567, True, "1.2 M"), (135_000_000, True, "135 M"),
    (12_345, True, "12 k"), (999, True, "999"), (999_999, True, "1 M"), (1000, True, "1 k"),
    (175e9, True, "175 B"), (9_960, True, "10 k"), (-2_500, True, "-2.5 k"), (0, False, "0"),
    (np.int64(42), False, "42"), (3.6, False, "4"),
])
def test_count_known_answers(value, compact, expected):
    assert units.count(value, compact=compact) == expected


def test_percent_and_times():
    assert units.percent(0.1234) == "12.3%"
    assert units.percent(1) == "100%"
    assert units.times(12.34) == "12×"
    assert units.times(1.5) == "1.5×"


@pytest.mark.parametrize("fn", [units.number, units.count, units.percent, units.times,
                                lambda v: units.energy(v, "J"), lambda v: units.co2(v),
                                lambda v: units.duration(v)])
def test_missing_and_infinite_values_read_clearly(fn):
    assert fn(None) == units.MISSING
    assert fn(float("nan")) == units.MISSING
    assert fn(np.nan) == units.MISSING
    assert units.INFINITY in fn(float("inf"))
    assert fn(float("-inf")).startswith("-")


def test_no_e_notation_over_many_magnitudes():
    for exponent in range(-15, 16):
        for mantissa in (1, 1.5, 9.99):
            v = mantissa * 10.0 ** exponent
            for text in (units.energy(v, "J"), units.energy(v, "kWh"), units.co2(v),
                         units.duration(v), units.number(v), units.count(v, compact=True)):
                assert not E_NOTATION.search(text), (v, text)


# ------------------------------------------------------------------ bad input ----------
@pytest.mark.parametrize("call, exc, words", [
    (lambda: units.energy("12", "J"), TypeError, "value"),
    (lambda: units.energy(True, "J"), TypeError, "value"),
    (lambda: units.energy(1, "kw"), ValueError, "unit"),
    (lambda: units.energy(1, "g"), ValueError, "unit"),
    (lambda: units.energy(1, "J", system="cal"), ValueError, "system"),
    (lambda: units.energy(1, "J", digits=0), ValueError, "digits"),
    (lambda: units.co2(1, "kWh"), ValueError, "unit"),
    (lambda: units.duration([1]), TypeError, "value"),
    (lambda: units.count("many"), TypeError, "value"),
    (lambda: units.convert(1, "J", "g"), ValueError, "J"),
    (lambda: units.human(1, "J", to="s"), ValueError, "to"),
    (lambda: units.column([1, "x"], "J"), TypeError, "values[1]"),
    (lambda: units.column("123", "J"), TypeError, "values"),
    (lambda: units.pick_unit(5, "J"), TypeError, "values"),
    (lambda: units.column([1], "J", to="kWhh"), ValueError, "to"),
    (lambda: units.column([1], "J").header(3), TypeError, "name"),
])
def test_bad_input_names_the_argument(call, exc, words):
    with pytest.raises(exc, match=re.escape(words)):
        call()


# ------------------------------------------------------------------ columns ------------
def test_column_one_unit_for_all_cells():
    col = units.column([1.2e-5, 3.4e-5, 2.0e-4], "Wh")
    assert col.unit == "µWh"
    assert col.cells == ("12", "34", "200")
    assert col.header("Energy per 1,000 uses") == "Energy per 1,000 uses (µWh)"
    assert col.format(5e-6) == "5"
    assert col.value(5e-6) == pytest.approx(5.0)
    assert list(col) == ["12", "34", "200"]


def test_column_chooses_the_unit_where_the_smallest_is_at_least_one():
    assert units.pick_unit([0.0015, 0.2, 0.9], "J") == "mJ"
    assert units.pick_unit([1.0, 200, 900], "J") == "J"
    assert units.pick_unit([0.9999, 20], "J") == "mJ"
    assert units.pick_unit([2_000, 900_000], "J") == "kJ"


def test_column_spanning_many_magnitudes_uses_the_median():
    # smallest 1 mJ would put the largest at 50,000,000 mJ: use the median's unit instead
    col = units.column([0.001, 2.0, 3.0, 50_000.0], "J")
    assert col.unit == "J"
    assert col.cells == ("0.001", "2", "3", "50,000")


def test_column_with_missing_zero_and_infinite_cells():
    col = units.column([None, 0, float("nan"), 0.002, float("inf")], "kg")
    assert col.unit == "g"
    assert col.cells == (units.MISSING, "0", units.MISSING, "2", units.INFINITY)
    assert units.column([0, None], "kWh").unit == "kWh"
    assert units.column([0, None], "kWh", system="J").unit == "J"


def test_column_forced_unit_and_energy_system():
    assert units.column([3.6e-6], "kWh", system="J").cells == ("13", )  # 12.96 J -> 13
    assert units.column([1, 2], "J", to="mJ").cells == ("1,000", "2,000")


def test_table_formats_named_columns_and_leaves_the_rest():
    pd = pytest.importorskip("pandas")  # pandas is optional for the library itself
    df = pd.DataFrame({"model": ["MLP 32-16", "CNN 8-16"], "energy_kwh": [1.85e-8, 4.2e-8],
                       "co2_kg": [7e-6, 1.6e-5], "params": [25_818, 1_234_567],
                       "accuracy": [0.91234, 0.98]})
    out = units.table(df, {"energy_kwh": ("Energy per image", "kWh", "J"),
                           "co2_kg": ("CO₂e", "kg")},
                      counts=["params"], numbers=["accuracy"])
    assert list(out.columns) == ["model", "Energy per image (mJ)", "CO₂e (mg)", "params",
                                 "accuracy"]
    assert out["Energy per image (mJ)"].tolist() == ["66.6", "151"]
    assert out["CO₂e (mg)"].tolist() == ["7", "16"]
    assert out["params"].tolist() == ["25,818", "1,234,567"]
    assert out["accuracy"].tolist() == ["0.912", "0.98"]
    assert df["energy_kwh"].tolist() == [1.85e-8, 4.2e-8]  # the input is not changed
    assert not any(E_NOTATION.search(str(v)) for v in out.to_numpy().ravel())
    with pytest.raises(KeyError, match="energy_j"):
        units.table(df, {"energy_j": ("Energy", "J")})
    with pytest.raises(ValueError, match="co2_kg"):
        units.table(df, {"co2_kg": ("CO₂e",)})
    with pytest.raises(TypeError, match="counts"):
        units.table(df, {}, counts="params")


# ------------------------------------------------------------------ figures ------------
def test_axis_labels_and_ticks_without_e_notation():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [1.2e-8, 2.5e-8, 4e-8])  # kWh
    shown = axes.axis(ax, "y", "Energy per image", "kWh", system="J")
    assert shown == "mJ"
    assert ax.get_ylabel() == "Energy per image (mJ)"
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and not any(E_NOTATION.search(t) for t in labels)
    assert all(float(t.replace(",", "")) < 1000 for t in labels)
    plt.close(fig)


def test_log_axis_counts_and_values():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.loglog([1e3, 1e5, 1e7], [1e-6, 1e-4, 1e-2])
    axes.axis(ax, "x", "Parameters", counts=True)
    shown = axes.axis(ax, "y", "CO₂e", "kg")
    fig.canvas.draw()
    xlabels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    ylabels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert "1 k" in xlabels and "1 M" in xlabels
    # four decades: the unit of the middle of the axis (1e-4 kg = 100 mg)
    assert shown == "mg" and ax.get_ylabel() == "CO₂e (mg)"
    assert ylabels and not any(E_NOTATION.search(t) or "^" in t for t in xlabels + ylabels)
    with pytest.raises(ValueError, match="which"):
        axes.axis(ax, "z", "x")
    with pytest.raises(ValueError, match="to"):
        axes.axis(ax, "y", "CO₂e", "kg", to="J")
    plt.close(fig)


def test_tick_formatter_converts():
    f = axes.tick_formatter("kWh", "J")
    assert f(1e-6, 0) == "3.6"
    assert axes.plain_formatter()(0.000015, 0) == "0.000015"
    assert axes.count_formatter()(2_500_000, 0) == "2.5 M"
    assert math.isclose(units.convert(1, "Wh", "J"), 3600)


def test_short_log_axis_labels_only_some_minor_ticks():
    """Less than a decade: matplotlib's choice of labelled minor ticks is kept, so labels
    do not run into each other (20 k, 30 k, 40 k, 60 k; not 50 k, 70 k, 80 k, 90 k)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.loglog([2e4, 1e5], [1, 2])
    axes.axis(ax, "x", "Parameters", counts=True)
    fig.canvas.draw()
    lo, hi = ax.get_xlim()
    shown = [t.get_text() for t in ax.get_xticklabels(minor=True)
             if t.get_text() and lo <= t.get_position()[0] <= hi]
    assert "20 k" in shown and "30 k" in shown
    assert "70 k" not in shown and "90 k" not in shown
    plt.close(fig)
