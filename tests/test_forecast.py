"""The forecast's arithmetic on injected calibration figures, and its plumbing on tiny real work.

No assertion here depends on how fast this machine is: speed is checked by
benchmarks/bench_forecast.py (predicted against actual over the chapters' runs).
"""

from __future__ import annotations

import math

import pytest

from mlfootprint import forecast, measure
from mlfootprint.forecast import Part, compare, error_summary, extrapolate


@pytest.fixture(autouse=True)
def usa_grid():
    measure.set_country("USA")
    yield
    measure.reset_country()


def test_one_part_scales_time_and_energy():
    fc = extrapolate([Part("batches", (0.1, 0.1), 10, power_w=10.0)], label="x")
    assert fc.time_s == pytest.approx(1.0)
    assert fc.energy_kwh == pytest.approx(10.0 / 3.6e6)      # 10 W for 1 s
    assert fc.half_width == pytest.approx(forecast.DEFAULT_FLOOR)   # no spread: the floor
    assert fc.time_low_s == pytest.approx(1.0 / 1.25) and fc.time_high_s == pytest.approx(1.25)
    assert fc.energy_low_kwh < fc.energy_kwh < fc.energy_high_kwh


def test_parts_add_and_fixed_setup_counts():
    fc = extrapolate([Part("train", (0.01,), 100, 20.0), Part("eval", (0.001,), 1000, 10.0)],
                     label="x", fixed_s=0.5, fixed_power_w=4.0)
    assert fc.time_s == pytest.approx(1.0 + 1.0 + 0.5)
    assert fc.energy_kwh * 3.6e6 == pytest.approx(20.0 + 10.0 + 2.0)


def test_noisy_calibration_widens_the_interval():
    # samples 0.05 and 0.15: relative std 0.707, standard error 0.5, doubled -> 100%
    fc = extrapolate([Part("batches", (0.05, 0.15), 10, 1.0)], label="x")
    assert fc.half_width == pytest.approx(2 * (math.sqrt(0.005) / 0.1) / math.sqrt(2))
    assert fc.time_high_s == pytest.approx(fc.time_s * (1 + fc.half_width))


def test_emissions_follow_the_grid_in_force():
    fc = extrapolate([Part("batches", (1.0,), 3600, 1000.0)], label="x")   # 1 kWh
    usa = fc.emissions_kg
    measure.set_country("FRA")
    assert fc.emissions_kg != usa
    assert fc.emissions_kg == pytest.approx(measure.kwh_to_kg(1.0))


def test_method_says_how_it_was_made():
    fc = extrapolate([Part("training batches", (0.1, 0.12), 10, 5.0, calibration_s=0.3)], label="x",
                     instrument="CodeCarbon, process mode.", notes=("A note.",))
    text = fc.method()
    for words in ("calibration", "training batches", "2 calibration sample", "Interval", "g CO₂e/kWh",
                  "CodeCarbon, process mode. A note."):
        assert words in text


@pytest.mark.parametrize("bad", [dict(unit_seconds=()), dict(unit_seconds=(-1.0,)),
                                 dict(total_units=float("nan")), dict(power_w=-2.0), dict(total_units=True)])
def test_bad_parts_are_refused_with_the_field_named(bad):
    args = dict(name="p", unit_seconds=(0.1,), total_units=1, power_w=1.0) | bad
    with pytest.raises(ValueError, match="part 'p'"):
        Part(**args)


def test_no_parts_or_bad_floor_refused():
    with pytest.raises(ValueError, match="at least one"):
        extrapolate([], label="x")
    with pytest.raises(ValueError, match="floor"):
        extrapolate([Part("p", (0.1,), 1, 1.0)], label="x", floor=-0.1)


def test_compare_and_summary():
    fc = extrapolate([Part("p", (1.0,), 10, 3.6e6 / 3600)], label="x")   # 10 s, 10/3600 kWh
    exact = compare(fc, 10.0, 10 / 3600)
    assert exact.time_error == pytest.approx(0) and exact.time_inside and exact.energy_inside
    slow = compare(fc, 20.0, 20 / 3600)
    assert slow.time_ratio == pytest.approx(0.5) and slow.time_error == pytest.approx(0.5)
    assert not slow.time_inside and "outside" in slow.sentence()
    s = error_summary([exact, slow, compare(fc, 12.5, 12.5 / 3600)])
    assert s["time_worst"] == pytest.approx(0.5) and s["time_median"] == pytest.approx(0.2)
    assert s["inside"] == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="actual_s"):
        compare(fc, -1.0, 1.0)
    with pytest.raises(ValueError):
        error_summary([])


def test_calibrate_times_a_real_step_under_the_tracker(tmp_data):
    calls = []

    def step():
        calls.append(sum(range(2000)))

    part, record = forecast.calibrate(step, 500, name="sums", warmup=2, samples=3, min_seconds=0.0)
    assert part.name == "sums" and part.total_units == 500
    assert len(part.unit_seconds) == 3 and all(s >= 0 for s in part.unit_seconds)
    assert len(calls) == 2 + 3          # warm-up, then one call per sample (min_seconds=0)
    assert part.power_w >= 0 and isinstance(record, measure.Measurement)
    fc = extrapolate([part], label="sums")
    assert fc.time_s == pytest.approx(part.seconds_per_unit * 500)
    with pytest.raises(ValueError, match="samples"):
        forecast.calibrate(step, 1, name="x", samples=0)


def test_tracker_overhead_is_one_unit_of_what_the_tracker_reports_for_empty_work(tmp_data):
    part = forecast.tracker_overhead(samples=3)
    assert part.total_units == 1 and len(part.unit_seconds) == 3
    assert all(s > 0 for s in part.unit_seconds)      # the tracker's own window is never free
    assert part.seconds == pytest.approx(part.seconds_per_unit)
    assert part.power_w >= 0 and part.calibration_s >= sum(part.unit_seconds)
    with pytest.raises(ValueError, match="samples"):
        forecast.tracker_overhead(samples=0)


def test_a_forecast_and_its_check_share_a_unit_and_round_ratios_to_two_figures():
    fc = extrapolate([Part("p", (1.0,), 10, 3.6e6 / 3600)], label="x")   # 10 s at 1 kW: 10 kJ
    assert "10 kJ" in fc.summary() and "Wh" not in fc.summary()
    assert "2.78 Wh" in fc.summary(system="Wh")
    off = compare(fc, 7.0, 7 / 3600).sentence()
    assert "1.4×" in off and "1.43" not in off
