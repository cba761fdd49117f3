import pytest
from factories import measurement

from mlfootprint import calibration


def _results(machine_alone, machine_neighbour, process_alone, process_neighbour, tdp=8.0):
    m = lambda w: measurement(cpu_w=w, tdp_w=tdp)  # noqa: E731
    return {"machine": {"alone": m(machine_alone), "neighbour": m(machine_neighbour)},
            "process": {"alone": m(process_alone), "neighbour": m(process_neighbour)}}


PHRASES = ("rose more in machine mode than in process mode",
           "rose more in process mode than in machine mode",
           "moved about as much in both modes", "even *without* our neighbour")


@pytest.mark.parametrize("powers, expected", [
    ((1.0, 3.0, 2.0, 2.0), PHRASES[0]),
    ((2.0, 2.0, 1.0, 3.0), PHRASES[1]),
    ((2.0, 2.0, 2.0, 2.05), PHRASES[2]),
    ((8.0, 8.0, 2.0, 2.6), PHRASES[3]),
])
def test_neighbour_lesson_is_chosen_by_the_data(powers, expected):
    text = calibration.neighbour_lesson(_results(*powers))
    assert [p for p in PHRASES if p in text] == [expected]


def test_matmul_work_is_deterministic_and_checked():
    a, b = calibration.matmul_work(3, size=8), calibration.matmul_work(3, size=8)
    assert a() == b()
    with pytest.raises(ValueError, match="n_calls"):
        calibration.matmul_work(-1)


def test_co2_by_country_is_sorted_and_proportional():
    rows = calibration.co2_by_country(0.002, codes=("FRA", "USA", "SWE"))
    assert [r["country_iso"] for r in rows] == sorted(("FRA", "USA", "SWE"),
                                                      key=lambda c: next(r["g_per_kwh"] for r in rows
                                                                         if r["country_iso"] == c))
    for r in rows:
        assert r["emissions_g"] == pytest.approx(0.002 * r["g_per_kwh"], rel=1e-12)
