"""The classification chapter's comparative sentences, built from synthetic runs that go
each way: the data choose the sentence, so it cannot contradict the table beside it."""

from __future__ import annotations

import math
import re

import pytest

from mlfootprint import classify
from mlfootprint.classify import findings


def run(label, accs, kwh=1.0, *, family="MLP", sizes=(16,), n_parameters=None, train_accs=None,
        ram_share=0.5):
    return classify.synthetic_run(label, accs, kwh, 0.1, family=family, sizes=sizes,
                                  n_parameters=n_parameters, train_accs=train_accs, ram_share=ram_share)


def no_e_notation(sentence: str) -> str:
    assert not re.search(r"\d[eE][+-]?\d", sentence), sentence
    return sentence


# -- size and cost ---------------------------------------------------------------------------
@pytest.mark.parametrize("params, energies, verdict", [
    ((100, 2500), (1.0, 3.0), "far less than in proportion"),
    ((100, 1000), (1.0, 8.0), "roughly in proportion"),
    ((100, 200), (1.0, 10.0), "far more than in proportion"),
])
def test_size_and_cost_both_ways(params, energies, verdict):
    runs = [run("small", [0.9], energies[0], n_parameters=params[0]),
            run("large", [0.9], energies[1], n_parameters=params[1])]
    out = findings.size_and_cost(runs, "MLP")
    assert verdict in no_e_notation(out["sentence"])
    assert math.isclose(out["parameter_ratio"], params[1] / params[0])
    assert math.isclose(out["energy_ratio"], energies[1] / energies[0])
    assert "From the small to the large" in out["sentence"]


def test_size_and_cost_needs_two_sizes_of_the_family():
    with pytest.raises(ValueError, match="different sizes"):
        findings.size_and_cost([run("a", [0.9], n_parameters=10), run("b", [0.9], n_parameters=10)])
    with pytest.raises(ValueError, match="CNN"):
        findings.size_and_cost([run("a", [0.9])], "CNN")


@pytest.mark.parametrize("cnn_kwh, start", [(5.0, "Every CNN costs more"), (0.1, "Every CNN costs less"),
                                            (1.0, "CNNs do not cost consistently")])
def test_cnn_against_mlp_both_ways(cnn_kwh, start):
    runs = [run("m1", [0.9], 1.0, n_parameters=1000), run("m2", [0.9], 2.0, n_parameters=10_000),
            run("c1", [0.9], cnn_kwh, family="CNN", sizes=(4,), n_parameters=1200),
            run("c2", [0.9], 2 * cnn_kwh * (1.5 if cnn_kwh == 1.0 else 1), family="CNN", sizes=(8,),
                n_parameters=9000)]
    out = findings.cnn_against_mlp(runs)
    assert out["sentence"].startswith(start), out["sentence"]
    assert [p[1] for p in out["pairs"]] == ["m1", "m2"]      # nearest in parameters


def test_arithmetic_both_ways():
    more = findings.arithmetic([run("m", [0.9], family="MLP", sizes=(256, 128, 64)),
                                run("c", [0.9], family="CNN", sizes=(32, 64))])
    assert "fewer parameters than the m, yet does" in more["sentence"]
    assert more["cnn_multiply_adds"] > more["mlp_multiply_adds"]
    fewer = findings.arithmetic([run("m", [0.9], family="MLP", sizes=(4096, 4096)),
                                 run("c", [0.9], family="CNN", sizes=(4,))])
    assert "yet" not in fewer["sentence"] and "fewer multiply-adds per image." in fewer["sentence"]


def test_cost_predictor_both_ways():
    shapes = [("MLP", (12,)), ("MLP", (256, 128, 64)), ("CNN", (4,)), ("CNN", (32, 64))]
    by_macs = [run(f"r{i}", [0.9], classify.multiply_adds(f, s) * 1e-6, family=f, sizes=s)
               for i, (f, s) in enumerate(shapes)]
    out = findings.cost_predictor(by_macs)
    assert out["by_multiply_adds"] == pytest.approx(1.0)
    assert out["sentence"].startswith("The number of multiply-adds") and "poor proxy" in out["lesson"]
    by_params = [run(f"r{i}", [0.9], classify.expected_parameters(f, s) * 1e-6, family=f, sizes=s)
                 for i, (f, s) in enumerate(shapes)]
    out = findings.cost_predictor(by_params)
    assert out["sentence"].startswith("Here the parameter count") and "poor proxy" not in out["lesson"]


def test_rank_correlation():
    assert findings.rank_correlation([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert findings.rank_correlation([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
    assert math.isnan(findings.rank_correlation([1, 1, 1], [1, 2, 3]))
    with pytest.raises(ValueError, match="equal length"):
        findings.rank_correlation([1, 2], [1])


@pytest.mark.parametrize("cnn_acc, cnn_kwh, words", [
    (0.98, 5.0, "2.5 times fewer mistakes than the MLP best, for 5 times the training energy"),
    (0.90, 0.5, "2 times more mistakes than the MLP best, for 2 times less training energy"),
    (0.95, 1.0, "about as many mistakes than the MLP best, for about the same training energy"),
])
def test_best_pair_both_ways(cnn_acc, cnn_kwh, words):
    runs = [run("MLP best", [0.95], 1.0), run("MLP worse", [0.8], 2.0),
            run("CNN best", [cnn_acc], cnn_kwh, family="CNN", sizes=(4,))]
    assert words in findings.best_pair(runs)["sentence"]


# -- learning over epochs --------------------------------------------------------------------
@pytest.mark.parametrize("curve, start", [
    ([0.85, 0.9, 0.9, 0.9], "Most of the gain comes early"),
    ([0.4, 0.7, 0.8, 0.9], "More than half of the gain comes early"),
    ([0.15, 0.2, 0.5, 0.9], "The gain is spread over the epochs"),
])
def test_early_gain_both_ways(curve, start):
    out = findings.early_gain([run("a", curve), run("b", curve)], epochs=2)
    assert out["sentence"].startswith(start)
    assert out["median_share"] == pytest.approx((curve[1] - 0.1) / (curve[-1] - 0.1))


@pytest.mark.parametrize("test, train, state", [
    ([0.8, 0.9, 0.9, 0.902, 0.9], [0.8, 0.92, 0.92, 0.921, 0.92], "capacity"),
    ([0.8, 0.95, 0.95, 0.95, 0.95], [0.8, 0.995, 1.0, 1.0, 1.0], "learned"),
    ([0.5, 0.6, 0.7, 0.8, 0.9], None, "rising"),
    ([0.9, 0.95, 0.9, 0.88, 0.85], None, "falling"),
])
def test_levels_off_both_ways(test, train, state):
    out = findings.levels_off(run("MLP 12", test, train_accs=train), last=3)
    assert out["state"] == state
    words = {"capacity": "limits it", "learned": "learned its training sample",
             "rising": "still improving", "falling": "fell by"}
    assert words[state] in out["sentence"] and "over its last 3 epochs" in out["sentence"]


def test_overfitting_both_ways():
    wide = findings.overfitting([run("a", [0.9], train_accs=[0.99]), run("b", [0.9], train_accs=[0.91])])
    assert wide["widest"] == "a" and "by heart (overfitting)" in wide["sentence"]
    assert "its 4,000 training images" in wide["sentence"]
    narrow = findings.overfitting([run("a", [0.9], train_accs=[0.91])])
    assert narrow["sentence"].startswith("No gap opens wider than 1 point")


def test_epoch_costs_both_ways():
    steady = findings.epoch_costs([run("a", [0.8, 0.9, 0.9], [1.0, 1.1, 0.9])])
    assert steady["sentence"].startswith("Every epoch of a run costs about the same (within ±10%")
    uneven = findings.epoch_costs([run("a", [0.8, 0.9, 0.9], [1.0, 1.0, 2.5])])
    assert "one epoch of the a cost 67% more than its run's mean epoch" in uneven["sentence"]


@pytest.mark.parametrize("curve, words", [
    ([0.5, 0.9, 0.9, 0.9], "but brought only 0% of the accuracy gained"),
    ([0.1, 0.3, 0.5, 0.7], "and brought 67% of the accuracy gained"),
    ([0.5, 0.9, 0.8, 0.7], "lowered the test accuracy"),
])
def test_late_epochs_both_ways(curve, words):
    out = findings.late_epochs([run("a", curve)])
    assert words in out["sentence"] and "The last 2 of 4 epochs used 50%" in out["sentence"]


# -- price of accuracy -----------------------------------------------------------------------
def test_pareto_steps_both_ways():
    dearer = findings.pareto_steps([run("a", [0.90], 1.0), run("b", [0.95], 2.0), run("c", [0.96], 10.0)])
    assert dearer["dearest_last"] and dearer["sentence"].startswith("At the top of the Pareto front")
    cheaper = findings.pareto_steps([run("a", [0.90], 1.0), run("b", [0.91], 5.0), run("c", [0.99], 6.0)])
    assert cheaper["dearest_last"] is False and "does not get steadily dearer" in cheaper["sentence"]
    few = findings.pareto_steps([run("a", [0.90], 1.0), run("b", [0.80], 5.0)])
    assert few["dearest_last"] is None and "too few" in few["sentence"]


def test_last_points_each_case():
    runs = [run("cheap", [0.95], 1.0), run("top", [0.97], 4.0)]
    out = findings.last_points(runs, 0.95)
    assert "costs 4 times the training energy of the cheap for 2 points more" in out["sentence"]
    same = findings.last_points([run("top", [0.97], 1.0), run("other", [0.9], 4.0)], 0.95)
    assert "is also the cheapest to reach 95%" in same["sentence"]
    none = findings.last_points(runs, 0.99)
    assert none["cheapest"] is None and none["sentence"].startswith("No model reaches 99%")


def test_ram_share_both_ways():
    most = findings.ram_share([run("a", [0.9], ram_share=0.8), run("b", [0.9], ram_share=0.9)])
    assert "most of the training energy is the memory's: from 80% to 90%" in most["sentence"]
    little = findings.ram_share([run("a", [0.9], ram_share=0.2)])
    assert "the memory's share of the training energy is 20%" in little["sentence"]
