"""The one rule for "differs" (mlfootprint.compare), on synthetic costs on both sides of it,
and the busy share every record keeps."""

from __future__ import annotations

import math
import time

import pytest

from mlfootprint import compare, units
from mlfootprint.measure import busy, measure_once


def scaled(base, factors):
    return [b * f for b, f in zip(base, factors)]


BASE = [1.0, 1.7, 0.8, 2.5, 1.2]        # a busy machine: the same work charged 0.8 to 2.5
JITTER = [1.02, 0.97, 1.01, 0.99, 1.03]


def test_paired_costs_far_apart_differ_and_the_words_follow():
    v = compare.verdict(scaled(BASE, [3 * j for j in JITTER]), BASE)
    assert v.differs and v.direction == 1 and v.paired and v.n == 5
    assert v.low > compare.MARGIN and 2.8 < v.ratio < 3.2
    assert v.words("costs more than", "costs less than") == "costs more than"
    assert v.times() == "3.0×"
    assert v.text().startswith("3.0× (") and "over 5 pairs" in v.text()
    back = compare.verdict(BASE, scaled(BASE, [3 * j for j in JITTER]))
    assert back.direction == -1 and back.words("more", "less") == "less" and back.times() == "3.0×"


def test_the_same_work_paired_with_itself_cannot_be_told_apart():
    v = compare.verdict(scaled(BASE, JITTER), BASE)
    assert not v.differs and v.direction == 0
    assert v.words("more", "less") == "cannot be told apart from"
    assert "band" in v.why


def test_a_small_steady_gap_inside_the_band_does_not_differ():
    v = compare.verdict(scaled(BASE, [1.1] * 5), BASE)   # 10% every time: real, but inside the band
    assert 1.09 < v.ratio < 1.11 and not v.differs


def test_a_large_gap_with_a_wild_pair_does_not_differ():
    v = compare.verdict(scaled(BASE, [3, 3, 0.5, 3, 3]), BASE)
    assert v.ratio > compare.MARGIN and v.low < compare.MARGIN and not v.differs


def test_fewer_than_the_minimum_pairs_draw_no_comparison():
    v = compare.verdict([3.0, 3.1], [1.0, 1.0])
    assert not v.differs and "fewer than" in v.why
    one = compare.verdict([10.0], [1.0])
    assert not one.differs and one.interval() == "1 run each, no interval"


def test_groups_measured_apart_use_a_wider_interval():
    a, b = [3.0, 3.3, 2.9, 3.1], [1.0, 1.2, 0.9]
    apart = compare.verdict(a, b, paired=False)
    assert apart.differs and not apart.paired and "runs each" in apart.interval()
    noisy = compare.verdict([3.0, 9.0, 1.0], [1.0, 1.2, 0.9], paired=False)
    assert not noisy.differs


@pytest.mark.parametrize("a, b, message", [
    ([1.0, 0.0, 1.0], [1, 1, 1], "positive"),
    ([1.0, float("nan"), 1.0], [1, 1, 1], "positive"),
    ([1.0, "2", 1.0], [1, 1, 1], "positive"),
    ([1.0, 2.0], [1.0], "pairs"),
    ([], [1.0], "at least one"),
])
def test_bad_costs_are_refused_by_name(a, b, message):
    with pytest.raises(ValueError, match=message):
        compare.verdict(a, b)


def test_measure_pairs_interleaves_after_a_warm_up():
    order = []

    def side(name):
        def measure():
            order.append(name)
            return name
        return measure

    pairs = compare.measure_pairs(side("A"), side("B"), pairs=3)
    assert order == ["A", "B", "A", "B", "B", "A", "A", "B"]
    assert pairs.a == ["A"] * 3 and pairs.b == ["B"] * 3
    with pytest.raises(TypeError, match="measure_a"):
        compare.measure_pairs("not callable", side("B"))
    with pytest.raises(ValueError, match="pairs"):
        compare.measure_pairs(side("A"), side("B"), pairs=0)


def test_measured_pairs_give_a_verdict_and_a_busy_share():
    pairs = compare.measure_pairs(lambda: measure_once(lambda: time.sleep(0.02)),
                                  lambda: measure_once(lambda: time.sleep(0.02)), pairs=3)
    v = pairs.verdict("duration_s")
    assert v.n == 3 and math.isfinite(v.low)
    for record in pairs.a + pairs.b:
        assert record.busy_share is None or 0 <= record.busy_share <= 1
        assert "machine" in record.method_conditions()


def test_others_share_counts_other_processes_not_this_one():
    start = busy.Snapshot(0.0, 100.0, 10.0)
    # 2 s of wall, 3 CPU-seconds of machine time of which 1 was ours: others 2 of 2 s x cores
    share = busy.others_share(start, busy.Snapshot(2.0, 103.0, 11.0))
    assert share == pytest.approx(2.0 / (2.0 * (__import__("os").cpu_count() or 1)))
    assert busy.others_share(start, busy.Snapshot(2.0, None, 11.0)) is None
    assert busy.others_share(start, busy.Snapshot(0.0, 103.0, 11.0)) is None
    assert busy.others_share(start, busy.Snapshot(1.0, 100.0, 13.0)) == 0.0   # never below 0


@pytest.mark.parametrize("ratio, text", [
    (4402018, "4,400,000×"), (12548190, "13,000,000×"), (1.049, "1.0×"), (0.5, "0.50×"),
    (123.4, "120×"), (9.96, "10×"), (2, "2.0×")])
def test_ratios_have_two_significant_figures(ratio, text):
    assert units.times(ratio) == text


@pytest.mark.parametrize("spread, text", [
    (0.00521, "under 1%"), (0.0, "under 1%"), (0.056, "±6%"), (0.1234, "±12%"), (1.7, "±170%")])
def test_spreads_are_whole_percent_and_never_zero(spread, text):
    assert units.spread_percent(spread) == text


def test_a_negative_spread_is_refused():
    with pytest.raises(ValueError, match="spread"):
        units.spread_percent(-0.1)


def test_kept_pairs_are_measured_once_then_read_back(tmp_data):
    calls = []

    def side(name):
        def measure():
            calls.append(name)
            return measure_once(lambda: time.sleep(0.01), label=name)
        return measure

    first = compare.kept_pairs("tests/pairs", {"what": "sleep"}, side("A"), side("B"), pairs=3)
    assert len(calls) == 8 and [r.label for r in first.a] == ["A"] * 3
    again = compare.kept_pairs("tests/pairs", {"what": "sleep"}, side("A"), side("B"), pairs=3)
    assert len(calls) == 8, "read back, not measured again"
    assert again.costs("a") == first.costs("a") and again.verdict() == first.verdict()
    compare.kept_pairs("tests/pairs", {"what": "sleep"}, side("A"), side("B"), pairs=4)
    assert len(calls) == 8 + 10, "another number of pairs is another result"


@pytest.mark.parametrize("data", [
    [], {"a": []}, {"a": [], "b": []}, {"a": [{}], "b": []}, {"a": [{"label": 1}], "b": [{"label": 1}]}])
def test_stored_pairs_of_another_shape_are_refused(data):
    with pytest.raises(ValueError, match="pairs|Measurement"):
        compare.decode_pairs(data)


def test_a_reversed_verdict_reads_b_over_a():
    v = compare.verdict(scaled(BASE, [3 * j for j in JITTER]), BASE)
    r = v.reversed()
    assert r.ratio == pytest.approx(1 / v.ratio) and r.low == pytest.approx(1 / v.high)
    assert r.high == pytest.approx(1 / v.low) and r.differs == v.differs and r.direction == -1
