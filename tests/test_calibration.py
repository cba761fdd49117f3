import psutil
import pytest
from factories import measurement

from mlfootprint import calibration, compare, units
from mlfootprint.plots import measuring as plots


def _row(a_joules, b_joules, *, neighbour=False, busy=0.1):
    rec = lambda j: measurement(energy_j=j).to_dict() | {"busy_share": busy}  # noqa: E731
    return {"work": "short", "threads": 1, "neighbour": neighbour,
            "a": [rec(j) for j in a_joules], "b": [rec(j) for j in b_joules]}


def test_aa_summary_judges_each_condition_by_the_course_rule():
    same = _row([10.0, 10.2, 9.9], [10.1, 10.0, 10.0])
    apart = _row([30.0, 31.0, 29.0], [10.0, 10.2, 9.8], neighbour=True, busy=0.6)
    quiet, noisy = calibration.aa_summary([same, apart])
    assert not quiet["verdict"].differs and quiet["verdict"].n == 3
    assert 1 / compare.MARGIN < quiet["verdict"].low and quiet["verdict"].high < compare.MARGIN
    assert noisy["verdict"].differs and noisy["verdict"].ratio == pytest.approx(3.0, rel=0.05)
    assert noisy["ratios"] == pytest.approx([3.0, 31 / 10.2, 29 / 9.8])
    assert (noisy["busy_low"], noisy["busy_high"]) == (0.6, 0.6)


def test_aa_figure_shows_the_band_and_every_pair():
    summary = calibration.aa_summary([_row([10.0, 11.0, 9.0], [10.0, 10.0, 10.0]),
                                      _row([10.0, 14.0, 7.0], [10.0, 10.0, 10.0], neighbour=True)])
    fig = plots.aa_noise(summary, compare.MARGIN)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["short, 1 thread, alone", "short, 1 thread, busy neighbour"]
    assert units.times(compare.MARGIN) in " ".join(t.get_text() for t in ax.get_legend().get_texts())


def test_the_floor_in_the_legend_is_the_floor_given():
    rows = [{"n_calls": n, "flops": calibration.flops(n), "run": 0,
             "record": measurement(energy_j=0.01 + n * 0.01).to_dict()} for n in (0, 0, 10, 100, 1000)]
    fig = plots.energy_vs_work(rows, 0.0123)
    legend = " ".join(t.get_text() for t in fig.axes[0].get_legend().get_texts())
    assert units.energy(0.0123) in legend


def _descendants():
    return {p.pid for p in psutil.Process().children(recursive=True)}


def test_busy_neighbour_spins_outside_our_process_tree_and_always_stops():
    with calibration.busy_neighbour() as pid:
        proc = psutil.Process(pid)
        assert proc.is_running() and pid not in _descendants()   # process mode must not charge it to us
        assert proc.cpu_percent(interval=0.3) > 30
    assert not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE
    with pytest.raises(KeyError):
        with calibration.busy_neighbour() as pid:
            raise KeyError("the block failed")
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    with calibration.busy_neighbour(False) as nothing:
        assert nothing is None


def test_the_noise_experiment_checks_its_settings_before_measuring():
    with pytest.raises(ValueError, match="pairs"):
        calibration.aa_noise(pairs=1)
    with pytest.raises(ValueError, match="threads"):
        calibration.aa_noise(threads=(0,))
    with pytest.raises(ValueError, match="max_seconds"):
        with calibration.busy_neighbour(max_seconds=0):
            pass


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


def test_work_charges_reads_the_floor_the_scatter_and_the_extremes():
    def run(n, joules, seconds, cpu_w=1.0, ram_w=10.0):
        rec = measurement(energy_j=joules, duration_s=seconds, cpu_w=cpu_w, ram_w=ram_w)
        return {"n_calls": n, "flops": calibration.flops(n), "run": 0, "record": rec.to_dict()}

    rows = [run(0, 0.02, 0.003, ram_w=5.0), run(0, 0.04, 0.003, cpu_w=18.0), run(0, 0.03, 0.003),
            run(10, 0.05, 0.005), run(10, 0.15, 0.012), run(100, 0.12, 0.011), run(100, 0.2, 0.02),
            run(1000, 11.0, 1.0), run(1000, 12.0, 1.0)]
    c = calibration.work_charges(rows, 10.0)
    assert c["floor_j"] == pytest.approx(0.03) and c["empty_s"] == pytest.approx(0.003)
    assert c["power_w"] == pytest.approx(11.5)
    assert c["worst_n"] == 10 and c["worst_j"] == pytest.approx([0.05, 0.15])
    assert c["crossed"] == 1                     # 0.12 J for 100 products, below 0.15 J for 10
    assert c["low_ram"][0] == 0 and c["hot_cpu"][0] == 0 and c["hot_cpu"][1].cpu_power_w == 18.0
    assert c["uncovered_s"] >= 0
    with pytest.raises(ValueError, match="no work"):
        calibration.work_charges(rows[3:], 10.0)
    with pytest.raises(ValueError, match="ram_floor_w"):
        calibration.work_charges(rows, 0)
