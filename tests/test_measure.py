import math
import time

import pytest

from mlfootprint import measure
from mlfootprint.measure import Measurement


def busy(n=20_000):
    return sum(i * i for i in range(n))


@pytest.fixture(autouse=True)
def reset_country(monkeypatch):
    monkeypatch.setattr(measure, "_country", None)
    monkeypatch.delenv(measure.COUNTRY_ENV, raising=False)


def test_repeated_record_has_fields_repeats_and_spread():
    rec = measure.measure_repeated(busy, label="busy", repeats=3, min_seconds=0.3,
                                   settings={"n": 20_000})
    assert isinstance(rec, Measurement)
    assert rec.repeats == 3 and rec.energy_spread["n"] == 3
    assert rec.items_per_repeat >= 1
    # each repeat is long enough: items x per-item duration >= min_seconds (allowing timer slack)
    assert rec.items_per_repeat * rec.duration_s >= 0.25
    assert rec.energy_kwh > 0 and rec.duration_s > 0
    assert rec.energy_spread["min"] <= rec.energy_spread["median"] <= rec.energy_spread["max"]
    assert math.isclose(rec.energy_kwh, rec.energy_spread["mean"], rel_tol=1e-9)
    assert math.isclose(rec.cpu_energy_kwh + rec.ram_energy_kwh + rec.gpu_energy_kwh,
                        rec.energy_kwh, rel_tol=1e-6)
    assert rec.warmup_duration_s is not None and rec.warmup_duration_s > 0
    assert rec.settings["n"] == 20_000 and rec.settings["repeats"] == 3
    assert rec.country_iso == measure.DEFAULT_COUNTRY
    # emissions follow the country's intensity
    assert math.isclose(rec.emissions_kg, rec.energy_kwh * rec.carbon_intensity_g_per_kwh / 1000,
                        rel_tol=0.02)


def test_method_states_power_source_ram_country_and_repeats():
    rec = measure.measure_repeated(busy, repeats=2, min_seconds=0.1)
    text = rec.method()
    assert rec.cpu_power_source in text
    assert rec.cpu_power_source in {"RAPL counter", "TDP table", "constant fallback", "forced by user"} \
        or rec.cpu_power_source
    assert "RAM" in text and rec.country_name in text
    assert f"{rec.carbon_intensity_g_per_kwh:.0f} g" in text
    assert "2 repeats" in text


def test_per_item_figures_scale_with_items_per_call():
    one = measure.measure_repeated(busy, repeats=2, min_seconds=0.2, items_per_call=1)
    ten = measure.measure_repeated(busy, repeats=2, min_seconds=0.2, items_per_call=10)
    assert ten.items_per_repeat % 10 == 0
    assert ten.duration_s < one.duration_s  # the same call counted as ten items


def test_measure_once_returns_result_and_single_run_record():
    result, rec = measure.measure_once(lambda: time.sleep(0.2) or 42, label="sleep", items=4)
    assert result == 42
    assert rec.repeats == 1 and rec.items_per_repeat == 4
    assert 0.04 <= rec.duration_s <= 0.2  # 0.2 s over 4 items
    assert "no spread" in rec.method()


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
    assert t2.record.energy_kwh >= 0


def test_record_round_trips_through_dict():
    rec = measure.measure_repeated(busy, repeats=2, min_seconds=0.1)
    again = Measurement.from_dict(rec.to_dict())
    assert again == rec
    bad = rec.to_dict()
    del bad["energy_kwh"]
    with pytest.raises(ValueError, match="energy_kwh"):
        Measurement.from_dict(bad)


@pytest.mark.parametrize("kwargs, match", [
    ({"repeats": 0}, "repeats"),
    ({"repeats": 2.5}, "repeats"),
    ({"min_seconds": -1}, "min_seconds"),
    ({"items_per_call": 0}, "items_per_call"),
    ({"tracking_mode": "gpu"}, "tracking_mode"),
    ({"force_cpu_power": -5}, "force_cpu_power"),
])
def test_bad_settings_give_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        measure.measure_repeated(busy, **kwargs)


def test_country_setting_and_env_and_unknown_code(monkeypatch):
    assert measure.get_country() == "USA"
    monkeypatch.setenv(measure.COUNTRY_ENV, "fra")
    assert measure.get_country() == "FRA"
    measure.set_country("SWE")
    assert measure.get_country() == "SWE"
    with pytest.raises(ValueError, match="unknown country code 'XXQ'"):
        measure.set_country("XXQ")
    monkeypatch.setattr(measure, "_country", None)
    monkeypatch.setenv(measure.COUNTRY_ENV, "Narnia")
    with pytest.raises(ValueError, match="unknown country"):
        measure.get_country()


def test_country_changes_emissions_not_energy():
    measure.set_country("SWE")
    low = measure.carbon_intensity()
    high = measure.carbon_intensity("POL")
    assert high.g_per_kwh > 5 * low.g_per_kwh
    assert math.isclose(measure.kwh_to_kg(1.0, "POL"), high.g_per_kwh / 1000)
    rec = measure.measure_repeated(busy, repeats=2, min_seconds=0.1)
    assert rec.country_iso == "SWE"
    assert math.isclose(rec.carbon_intensity_g_per_kwh, low.g_per_kwh)


def test_hardware_method_describes_cpu_and_ram():
    hw = measure.hardware_method()
    assert hw.cpu_threads >= 1
    assert hw.cpu_power_source in {"RAPL counter", "TDP table", "constant fallback"}
    assert hw.rapl_available == (hw.cpu_power_source == "RAPL counter") or hw.rapl_available
    assert "W" in hw.ram_model
    assert hw.describe().startswith("CPU:")


def test_codecarbon_log_lines_do_not_reach_output(capsys):
    measure.measure_repeated(busy, repeats=1, min_seconds=0.05)
    captured = capsys.readouterr()
    assert "[codecarbon" not in captured.out and "[codecarbon" not in captured.err
