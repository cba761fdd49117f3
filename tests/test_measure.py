import logging
import math
import time

import numpy as np
import pytest

from mlfootprint import measure
from mlfootprint.measure import Measurement
from mlfootprint.notices import TrackerNotice


def busy(n=20_000):
    return sum(i * i for i in range(n))


@pytest.fixture(autouse=True)
def reset_country(monkeypatch):
    monkeypatch.setattr(measure.grid, "_country", None)
    monkeypatch.delenv(measure.COUNTRY_ENV, raising=False)


def test_repeated_record_has_fields_repeats_and_spread():
    rec = measure.measure_repeated(busy, label="busy", repeats=3, min_seconds=0.3,
                                   settings={"n": 20_000})
    assert isinstance(rec, Measurement)
    assert rec.repeats == 3 and rec.energy_spread["n"] == 3
    assert rec.items_per_repeat >= 1
    # every window lasted at least min_seconds: the loop calls until it does, whatever the speed
    assert rec.window_min_s >= 0.3
    assert rec.energy_kwh > 0 and rec.duration_s > 0
    assert rec.energy_spread["min"] <= rec.energy_spread["median"] <= rec.energy_spread["max"]
    assert math.isclose(rec.energy_kwh, rec.energy_spread["mean"], rel_tol=1e-9)
    assert math.isclose(rec.cpu_energy_kwh + rec.ram_energy_kwh + rec.gpu_energy_kwh,
                        rec.energy_kwh, rel_tol=1e-9)
    assert rec.warmup_duration_s is not None and rec.warmup_duration_s > 0
    assert rec.settings["n"] == 20_000 and rec.settings["repeats"] == 3
    assert rec.country_iso == measure.DEFAULT_COUNTRY
    assert rec.tracking_mode == measure.COURSE_TRACKING_MODE == "process"
    # emissions follow the grid's intensity exactly
    assert rec.emissions_kg == pytest.approx(rec.energy_kwh * rec.carbon_intensity_g_per_kwh / 1000,
                                             rel=1e-9, abs=0)


def test_charged_powers_are_energy_over_time():
    rec = measure.measure_repeated(busy, repeats=2, min_seconds=0.2)
    total_ram = rec.ram_energy_kwh * rec.items_per_repeat  # per item x items ~ one window
    assert rec.ram_power_w > 0 and rec.cpu_power_w >= 0
    # the average power over all windows reproduces the total energy of all windows
    total = (rec.cpu_power_w + rec.ram_power_w + rec.gpu_power_w) * rec.total_duration_s / 3.6e6
    assert total == pytest.approx(rec.total_energy_kwh, rel=1e-9)
    assert total_ram > 0


def test_method_states_power_source_charged_powers_grid_and_repeats():
    rec = measure.measure_repeated(busy, repeats=2, min_seconds=0.1)
    text = rec.method()
    assert rec.cpu_power_source in text
    assert rec.cpu_power_source in {"RAPL counter", "TDP table", "constant fallback", "forced by user"}
    assert f"CPU {rec.cpu_power_w:.3g} W" in text and f"RAM {rec.ram_power_w:.3g} W" in text
    assert rec.country_name in text and f"{rec.carbon_intensity_g_per_kwh:.0f} g" in text
    assert "2 repeats" in text and "process mode" in text
    assert "single run" not in rec.method_short()


def test_single_run_says_single_run_never_plus_minus_zero():
    _, rec = measure.measure_once(busy, label="once")
    assert rec.single_run
    assert "Single run" in rec.method() and "no spread" in rec.method()
    assert "single run" in rec.method_short()
    assert "±0" not in rec.method() and "±0" not in rec.method_short()


def test_per_item_figures_scale_with_items_per_call():
    one = measure.measure_repeated(busy, repeats=2, min_seconds=0.2, items_per_call=1)
    ten = measure.measure_repeated(busy, repeats=2, min_seconds=0.2, items_per_call=10)
    assert ten.items_per_repeat % 10 == 0
    # per item = window / items: the same windows counted as ten times the items
    assert ten.duration_s * ten.items_per_repeat <= ten.total_duration_s


def test_measure_once_returns_result_and_single_run_record():
    result, rec = measure.measure_once(lambda: time.sleep(0.2) or 42, label="sleep", items=4)
    assert result == 42
    assert rec.repeats == 1 and rec.items_per_repeat == 4
    assert rec.duration_s == pytest.approx(rec.total_duration_s / 4, rel=1e-12)
    assert rec.total_duration_s >= 0.2


def test_combine_sums_windows_into_one_single_run():
    parts = [measure.measure_once(busy, label=f"epoch {i}")[1] for i in range(3)]
    whole = measure.combine(parts, label="training", settings={"epochs": 3})
    assert whole.single_run and whole.windows == 3 and whole.label == "training"
    assert whole.energy_kwh == pytest.approx(sum(p.energy_kwh for p in parts), rel=1e-12)
    assert whole.duration_s == pytest.approx(sum(p.duration_s for p in parts), rel=1e-12)
    assert whole.ram_power_w == pytest.approx(whole.ram_energy_kwh * 3.6e6 / whole.duration_s, rel=1e-9)
    assert "sum of 3 tracker windows" in whole.method()
    per_item = measure.combine(parts, label="per image", items=100)
    assert per_item.energy_kwh == pytest.approx(whole.energy_kwh / 100, rel=1e-12)
    with pytest.raises(ValueError, match="repeats"):
        measure.combine([measure.measure_repeated(busy, repeats=2, min_seconds=0.01)], label="x")
    with pytest.raises(ValueError, match="at least one"):
        measure.combine([], label="x")


def test_track_context_manager_and_errors_propagate():
    with measure.track("block", settings={"k": 1}) as t:
        busy()
    assert t.record.duration_s > 0 and t.record.settings == {"k": 1}
    with pytest.raises(ZeroDivisionError):
        with measure.track("fails"):
            1 / 0
    # the tracker is usable again after the failure
    with measure.track("again") as t2:
        busy(1000)
    assert t2.record.energy_kwh > 0


def test_recorded_threads_are_the_threads_in_use():
    import torch

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        _, one = measure.measure_once(busy)
        torch.set_num_threads(2)
        _, two = measure.measure_once(busy)
    finally:
        torch.set_num_threads(before)
    assert (one.threads, two.threads) == (1, 2)


def test_record_round_trips_and_bad_contents_are_named():
    rec = measure.measure_repeated(busy, repeats=2, min_seconds=0.1)
    again = Measurement.from_dict(rec.to_dict())
    assert again == rec
    assert "emissions_kg" not in rec.to_dict()   # derived, never stored
    bad = rec.to_dict()
    del bad["energy_kwh"]
    with pytest.raises(ValueError, match="energy_kwh"):
        Measurement.from_dict(bad)
    for field, value in (("energy_kwh", "lots"), ("duration_s", -1.0), ("repeats", 0),
                         ("energy_kwh", float("nan")), ("settings", [1])):
        with pytest.raises(ValueError, match=field):
            Measurement.from_dict({**rec.to_dict(), field: value})
    with pytest.raises(ValueError, match="expected a dict"):
        Measurement.from_dict([])


def test_a_record_read_back_is_on_the_grid_in_force():
    rec = measure.measure_repeated(busy, repeats=2, min_seconds=0.05)
    measure.set_country("SWE")
    swe = Measurement.from_dict(rec.to_dict())
    assert swe.country_iso == "SWE" and swe.energy_kwh == rec.energy_kwh
    assert swe.emissions_kg == pytest.approx(swe.energy_kwh * measure.carbon_intensity("SWE").g_per_kwh
                                             / 1000, rel=1e-12)
    assert rec.on_grid("POL").emissions_kg > swe.emissions_kg


@pytest.mark.parametrize("kwargs, error, match", [
    ({"repeats": 0}, ValueError, "repeats"),
    ({"repeats": 2.5}, TypeError, "repeats"),
    ({"repeats": 10_000}, ValueError, "repeats"),
    ({"min_seconds": -1}, ValueError, "min_seconds"),
    ({"min_seconds": 1e6}, ValueError, "min_seconds"),
    ({"min_seconds": float("nan")}, ValueError, "min_seconds"),
    ({"items_per_call": 0}, ValueError, "items_per_call"),
    ({"tracking_mode": "gpu"}, ValueError, "tracking_mode"),
    ({"force_cpu_power": -5}, ValueError, "force_cpu_power"),
    ({"settings": "abc"}, TypeError, "settings"),
    ({"settings": {"f": object()}}, TypeError, "settings"),
])
def test_bad_settings_give_clear_errors_before_any_work(kwargs, error, match):
    calls = []
    with pytest.raises(error, match=match):
        measure.measure_repeated(lambda: calls.append(1), **kwargs)
    assert calls == []


def test_numpy_numbers_are_accepted():
    rec = measure.measure_repeated(busy, repeats=np.int64(2), min_seconds=np.float32(0.05),
                                   items_per_call=np.int32(3))
    assert rec.repeats == 2 and rec.items_per_repeat % 3 == 0


def test_country_setting_and_env_and_unknown_code(monkeypatch):
    assert measure.get_country() == "USA"
    monkeypatch.setenv(measure.COUNTRY_ENV, "fra")
    assert measure.get_country() == "FRA"
    measure.set_country("SWE")
    assert measure.get_country() == "SWE"
    with pytest.raises(ValueError, match="unknown country code 'XXQ'"):
        measure.set_country("XXQ")
    monkeypatch.setattr(measure.grid, "_country", None)
    monkeypatch.setenv(measure.COUNTRY_ENV, "Narnia")
    with pytest.raises(ValueError, match="MLFOOTPRINT_COUNTRY.*unknown country"):
        measure.get_country()
    monkeypatch.setenv(measure.COUNTRY_ENV, "")
    with pytest.raises(ValueError, match="MLFOOTPRINT_COUNTRY"):
        measure.get_country()


def test_country_changes_emissions_not_energy():
    measure.set_country("SWE")
    low = measure.carbon_intensity()
    high = measure.carbon_intensity("POL")
    assert high.g_per_kwh > 5 * low.g_per_kwh
    assert measure.kwh_to_kg(1.0, "POL") == pytest.approx(high.g_per_kwh / 1000, rel=1e-12)
    rec = measure.measure_repeated(busy, repeats=2, min_seconds=0.1)
    assert rec.country_iso == "SWE"
    assert rec.carbon_intensity_g_per_kwh == low.g_per_kwh


def test_hardware_method_describes_cpu_and_ram():
    hw = measure.hardware_method()
    assert hw.cpu_threads >= 1
    assert hw.cpu_power_source in {"RAPL counter", "TDP table", "constant fallback"}
    assert hw.rapl_available == (hw.cpu_power_source == "RAPL counter")
    assert f"{hw.ram_floor_w:g} W" in hw.ram_model     # process mode: the floor is stated
    assert hw.describe().startswith("CPU:")
    assert "TDP" in measure.cpu_formula("process") and "0.9" in measure.cpu_formula("machine")


def test_codecarbon_warnings_reach_the_record_and_the_reader(capsys):
    def work():
        logging.getLogger("codecarbon").warning("Could not measure RAM Power (test)")

    with pytest.warns(TrackerNotice, match="Could not measure RAM Power"):
        _, rec = measure.measure_once(work, label="warned")
    assert rec.tracker_warnings == ["Could not measure RAM Power (test)"]
    assert "CodeCarbon warned: Could not measure RAM Power (test)" in rec.method()
    assert "tracker warning" in rec.method_short()
    _, clean = measure.measure_once(busy)
    assert clean.tracker_warnings == []


def test_warnings_still_reach_the_record_after_another_tracker_set_the_level_to_error():
    """Any CodeCarbon tracker made in the process (here one with ``log_level="error"``, as a
    reader or another test may make) sets CodeCarbon's logger level for everyone."""
    from codecarbon import OfflineEmissionsTracker

    measure.measure_once(busy)          # the course's tracker exists first
    OfflineEmissionsTracker(country_iso_code="USA", log_level="error", save_to_file=False,
                            allow_multiple_runs=True)
    assert logging.getLogger("codecarbon").getEffectiveLevel() == logging.ERROR

    def work():
        logging.getLogger("codecarbon").warning("Could not measure RAM Power (after error level)")

    with pytest.warns(TrackerNotice, match="after error level"):
        _, rec = measure.measure_once(work, label="warned")
    assert rec.tracker_warnings == ["Could not measure RAM Power (after error level)"]


def test_a_fresh_process_shows_no_codecarbon_chatter():
    """The first measurement of a process (a reader's first cell) creates the tracker: its
    start-up log lines stay off both stdout and stderr."""
    import subprocess
    import sys

    code = ("from mlfootprint import measure\n"
            "measure.measure_once(lambda: sum(range(100_000)), label='first')\n"
            "print('measured')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "measured" in proc.stdout
    assert "[codecarbon" not in proc.stdout and "[codecarbon" not in proc.stderr, proc.stderr[-2000:]


def test_codecarbon_log_lines_do_not_reach_output(capsys):
    measure.measure_repeated(busy, repeats=1, min_seconds=0.05)
    measure.measure_once(busy, tracking_mode="machine")
    captured = capsys.readouterr()
    assert "[codecarbon" not in captured.out and "[codecarbon" not in captured.err
