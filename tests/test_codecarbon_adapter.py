"""mlfootprint._codecarbon reads what CodeCarbon does not offer publicly. These tests tie
each reading to CodeCarbon's public output, so that a CodeCarbon release that changes its
data or its behaviour fails here instead of silently changing the course's method text."""

import json
import subprocess
import sys
import time
from pathlib import Path

import codecarbon
import pytest
from codecarbon import OfflineEmissionsTracker

from mlfootprint import _codecarbon as cc
from mlfootprint import measure


def _public_task(country="USA", mode="process", seconds=1.2, **kwargs):
    """One task of a plain OfflineEmissionsTracker, through its public interface only."""
    tracker = OfflineEmissionsTracker(country_iso_code=country, tracking_mode=mode, log_level="error",
                                      save_to_file=False, allow_multiple_runs=True,
                                      measure_power_secs=1, **kwargs)
    tracker.start_task()
    time.sleep(seconds)
    return tracker, tracker.stop_task()


def test_written_for_this_codecarbon():
    # a new CodeCarbon release must be read through this file again (and this pin changed)
    assert codecarbon.__version__ == cc.TESTED_VERSION


@pytest.mark.parametrize("country", ["USA", "FRA", "IND"])
def test_grid_table_is_the_intensity_codecarbon_applies(country):
    _, data = _public_task(country)
    assert data.energy_consumed > 0
    applied = data.emissions / data.energy_consumed * 1000          # g per kWh, public output
    assert applied == pytest.approx(cc.grid_table()[country]["carbon_intensity"], rel=1e-9)
    assert measure.carbon_intensity(country).g_per_kwh == cc.grid_table()[country]["carbon_intensity"]


def test_cpu_power_source_matches_what_the_tracker_charges():
    tracker, data = _public_task(mode="machine", seconds=1.5)
    src = cc.cpu_power_source(tracker)
    assert src.kind in cc.CPU_SOURCES
    if src.kind in ("TDP table", "constant fallback"):
        # machine mode charges TDP x (0.1 + 0.9 x load^3): between a tenth of the TDP and all of it
        charged = data.cpu_energy * 3.6e6 / data.duration
        assert 0.1 * src.tdp_w * 0.8 <= charged <= src.tdp_w * 1.01
    if src.kind == "constant fallback":
        assert src.tdp_w == pytest.approx(4 * src.threads)   # CodeCarbon's 4 W per thread


SLEEPER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from test_codecarbon_adapter import _public_task
from mlfootprint import _codecarbon as cc
tracker, data = _public_task(mode="process", seconds=1.5)
src = cc.cpu_power_source(tracker)
print(json.dumps({"kind": src.kind, "tdp_w": src.tdp_w, "charged_w": data.cpu_energy * 3.6e6 / data.duration}))
"""


def test_process_mode_charges_a_sleeping_process_almost_no_cpu():
    # in a process of its own: the test session's process is no sleeper (the loopback
    # stand-ins serve the online build from its threads while other tests run)
    proc = subprocess.run([sys.executable, "-c", SLEEPER, str(Path(__file__).parent)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    if got["kind"] != "RAPL counter":
        assert got["charged_w"] < 0.2 * got["tdp_w"]     # process CPU time of a sleep is close to none


def test_forced_power_is_reported_as_forced():
    tracker, _ = _public_task(mode="process", seconds=0.1, force_cpu_power=20)
    src = cc.cpu_power_source(tracker, forced_w=20)
    assert src.kind == "forced by user" and src.tdp_w == 20


def test_ram_floor_is_what_process_mode_charges_a_small_process():
    _, data = _public_task(mode="process", seconds=2.2)
    charged = data.ram_energy * 3.6e6 / data.duration
    floor = cc.ram_floor_w()
    assert floor > 0
    # a test process holds far less memory than a DIMM: CodeCarbon charges its floor
    assert charged == pytest.approx(floor, rel=0.1)


def test_machine_mode_ram_is_a_constant_above_the_floor():
    _, data = _public_task(mode="machine", seconds=2.2)
    charged = data.ram_energy * 3.6e6 / data.duration
    assert charged >= cc.ram_floor_w() * 0.9


def test_adapter_fails_loudly_when_the_hardware_list_changes():
    class Fake:
        _hardware = None

    with pytest.raises(cc.AdapterError, match="changed"):
        cc.cpu_power_source(Fake())
