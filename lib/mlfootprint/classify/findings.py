"""What the classification results say, in sentences the data choose.

Each function reads a list of :class:`~mlfootprint.records.TrainedRun` records and returns
a dict of the numbers it computed and a ``"sentence"`` chosen by those numbers, so a page
that prints it cannot contradict the table beside it. Costs are *training* energies
(``run.training``); accuracies are final test accuracies unless said otherwise.
Every function has its thresholds as arguments, and tests drive each one both ways.
"""

from __future__ import annotations

import math
import statistics
from typing import Sequence

import numpy as np

from .. import checks, units
from ..records import TrainedRun
from .models import multiply_adds
from .results import CHANCE, _check_runs, best, cheapest, evaluated, final_accuracy, pareto_runs


def _energy(run: TrainedRun) -> float:
    return run.training.energy_kwh


def _joules(kwh: float) -> str:
    return units.energy(kwh, "kWh", system="J")


def _points(fraction: float) -> str:
    """A difference of accuracies in percentage points: ``'1.2 points'``."""
    return f"{units.number(100 * abs(fraction), 2)} point{'' if round(100 * abs(fraction), 1) == 1 else 's'}"


def _fold(ratio: float) -> str:
    return f"{units.number(ratio, 2)} times"


def _as_many(a: float, b: float, noun: str, *, few: str = "fewer", tolerance: float = 0.05,
             than: bool = True) -> str:
    """``"12 times as many parameters as"``, ``"3 times fewer parameters than"``, ``"about as many
    parameters as"`` (without the closing "as"/"than" when ``than`` is false)."""
    r = a / b
    if abs(r - 1) <= tolerance:
        words, tail = f"about as many {noun}", "as"
    elif r > 1:
        words, tail = f"{_fold(r)} as many {noun}", "as"
    else:
        words, tail = f"{_fold(1 / r)} {few} {noun}", "than"
    return f"{words} {tail}" if than else words


def _family(runs: Sequence[TrainedRun], family: str) -> list[TrainedRun]:
    pool = [r for r in runs if r.family == family]
    if not pool:
        raise ValueError(f"no runs of family {family!r}")
    return pool


def _macs(run: TrainedRun) -> int:
    return multiply_adds(run.family, run.settings["sizes"])


def _ranks(values: Sequence[float]) -> np.ndarray:
    """Ranks from 1, ties sharing their mean rank."""
    v = np.asarray(values, dtype=float)
    order = np.argsort(v, kind="mergesort")
    ranks = np.empty(len(v))
    ranks[order] = np.arange(1, len(v) + 1)
    for value in np.unique(v):
        tied = v == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def rank_correlation(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman's rank correlation of ``xs`` and ``ys`` (-1..1; NaN if one is constant)."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError(f"rank_correlation needs two sequences of equal length (at least 2), "
                         f"got {len(xs)} and {len(ys)}")
    rx, ry = _ranks(xs), _ranks(ys)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


# ----------------------------------------------------------------------------------------
# Size and cost
# ----------------------------------------------------------------------------------------
def size_and_cost(runs: Sequence[TrainedRun], family: str = "MLP", *, factor: float = 2.0) -> dict:
    """From the smallest to the largest model of ``family``: how many times the parameters
    and the training energy grow, and whether the energy grows far less than in proportion
    (by more than ``factor``), far more, or roughly in proportion."""
    factor = checks.number("factor", factor, lo=1)
    pool = sorted(_family(_check_runs(runs), family), key=lambda r: r.n_parameters)
    small, large = pool[0], pool[-1]
    if small.n_parameters == large.n_parameters:
        raise ValueError(f"size_and_cost needs {family}s of different sizes")
    p = large.n_parameters / small.n_parameters
    e = _energy(large) / _energy(small)
    if e * factor < p:
        verdict = "far less than in proportion to the parameters"
    elif e > factor * p:
        verdict = "far more than in proportion to the parameters"
    else:
        verdict = "roughly in proportion to the parameters"
    energy_words = (f"grows only {_fold(e)}" if 1.05 < e and e * factor < p else
                    f"grows {_fold(e)}" if e > 1.05 else
                    "stays about the same" if e >= 0.95 else f"falls {_fold(1 / e)}")
    sentence = (f"From the {small.label} to the {large.label}, the parameters grow {_fold(p)} and the "
                f"training energy {energy_words}: the cost grows {verdict}.")
    return {"small": small.label, "large": large.label, "parameter_ratio": p, "energy_ratio": e,
            "verdict": verdict, "sentence": sentence}


def cnn_against_mlp(runs: Sequence[TrainedRun], *, margin: float = 1.25) -> dict:
    """Each CNN against the MLP nearest to it in parameters (on a log scale): the ratio of
    their training energies. The sentence says whether every CNN costs more (every ratio
    above ``margin``), every one less (below 1 / ``margin``), or neither."""
    margin = checks.number("margin", margin, lo=1)
    runs = _check_runs(runs)
    mlps, cnns = _family(runs, "MLP"), _family(runs, "CNN")
    pairs = []
    for c in cnns:
        m = min(mlps, key=lambda r: abs(math.log(r.n_parameters / c.n_parameters)))
        pairs.append((c.label, m.label, _energy(c) / _energy(m)))
    ratios = [q for _, _, q in pairs]
    lo, hi = min(ratios), max(ratios)
    span = (f"{_fold(lo)} as much" if math.isclose(lo, hi, rel_tol=0.05)
            else f"from {units.number(lo, 2)} to {units.number(hi, 2)} times as much")
    if lo > margin:
        sentence = (f"Every CNN costs more to train than the MLP nearest to it in parameters: "
                    f"{span}.")
    elif hi < 1 / margin:
        sentence = (f"Every CNN costs less to train than the MLP nearest to it in parameters: "
                    f"{span}.")
    else:
        sentence = (f"CNNs do not cost consistently more or less to train than MLPs of a similar "
                    f"number of parameters: {span}.")
    return {"pairs": pairs, "min_ratio": lo, "max_ratio": hi, "sentence": sentence}


def arithmetic(runs: Sequence[TrainedRun]) -> dict:
    """The largest CNN against the largest MLP: parameters and multiply-adds per image."""
    runs = _check_runs(runs)
    cnn = max(_family(runs, "CNN"), key=lambda r: r.n_parameters)
    mlp = max(_family(runs, "MLP"), key=lambda r: r.n_parameters)
    pc, pm, mc, mm = cnn.n_parameters, mlp.n_parameters, _macs(cnn), _macs(mlp)
    ops = _as_many(mc, mm, "multiply-adds per image", than=False)
    if mc / mm > 1.05 and pc < pm:
        sentence = (f"The {cnn.label} has {_as_many(pc, pm, 'parameters')} the {mlp.label}, yet does "
                    f"{ops}: a convolution uses each weight at every position of the image.")
    else:
        sentence = f"The {cnn.label} has {_as_many(pc, pm, 'parameters')} the {mlp.label} and does {ops}."
    return {"cnn": cnn.label, "mlp": mlp.label, "cnn_parameters": pc, "mlp_parameters": pm,
            "cnn_multiply_adds": mc, "mlp_multiply_adds": mm, "sentence": sentence}


def cost_predictor(runs: Sequence[TrainedRun], *, margin: float = 0.05) -> dict:
    """Which predicts the training energy's order better across all runs: the parameter
    count or the multiply-adds per image (Spearman rank correlations)."""
    runs = _check_runs(runs)
    energy = [_energy(r) for r in runs]
    by_params = rank_correlation([r.n_parameters for r in runs], energy)
    by_macs = rank_correlation([_macs(r) for r in runs], energy)
    both = (f"rank correlation with the training energy {units.number(by_macs, 2)} for "
            f"multiply-adds, {units.number(by_params, 2)} for parameters")
    if by_macs > by_params + margin:
        sentence = (f"The number of multiply-adds per image orders the models by cost better than "
                    f"their parameter count does ({both}).")
    elif by_params > by_macs + margin:
        sentence = (f"Here the parameter count orders the models by cost better than the number of "
                    f"multiply-adds per image does ({both}).")
    else:
        sentence = (f"The parameter count and the number of multiply-adds per image order the models "
                    f"by cost about equally well ({both}).")
    lesson = ("Parameter count is a poor proxy for cost: count operations, or better, measure."
              if by_macs > by_params + margin else
              "Here the parameter count is as good a guide to cost as the operations; measure to be sure.")
    return {"by_parameters": by_params, "by_multiply_adds": by_macs, "sentence": sentence,
            "lesson": lesson}


def best_pair(runs: Sequence[TrainedRun]) -> dict:
    """The most accurate MLP against the most accurate CNN: mistakes and training energy."""
    runs = _check_runs(runs)
    m, c = best(runs, "MLP"), best(runs, "CNN")
    err_m, err_c = 1 - final_accuracy(m), 1 - final_accuracy(c)
    if err_c == 0 or err_m == 0:
        mistakes = ("no mistakes" if err_c == 0 else "more mistakes") + " on the test set"
        ratio = float("inf") if err_c == 0 else 0.0
    else:
        ratio = err_m / err_c
        mistakes = (f"{_fold(ratio)} fewer mistakes" if ratio > 1.05 else
                    f"{_fold(1 / ratio)} more mistakes" if ratio < 0.95 else "about as many mistakes")
    e = _energy(c) / _energy(m)
    cost = (f"{_fold(e)} the training energy" if e > 1.05 else
            f"{_fold(1 / e)} less training energy" if e < 0.95 else "about the same training energy")
    sentence = f"The {c.label} makes {mistakes} than the {m.label}, for {cost}."
    if err_c == 0:
        sentence = f"The {c.label} makes no mistakes on the test set, for {cost} of the {m.label}."
    return {"mlp": m.label, "cnn": c.label, "error_ratio": ratio, "energy_ratio": e,
            "sentence": sentence}


# ----------------------------------------------------------------------------------------
# Learning over epochs
# ----------------------------------------------------------------------------------------
def _acc_at(run: TrainedRun, epoch: int, key: str = "test_acc") -> float:
    row = run.history[epoch - 1]
    if not row["evaluated"]:
        raise ValueError(f"{run.label} was not evaluated after epoch {epoch}")
    return float(row[key])


def early_gain(runs: Sequence[TrainedRun], epochs: int = 2, *, most: float = 0.9) -> dict:
    """Share of each model's final gain over chance (test accuracy minus 10%) already reached
    after ``epochs`` epochs; the sentence reads the median over the models."""
    runs = _check_runs(runs)
    epochs = checks.integer("epochs", epochs, lo=1, hi=min(len(r.history) for r in runs))
    most = checks.number("most", most, lo=0.5, hi=1)
    shares = []
    for r in runs:
        gain = final_accuracy(r) - CHANCE
        shares.append((_acc_at(r, epochs) - CHANCE) / gain if gain > 0 else float("nan"))
    med = statistics.median([s for s in shares if not math.isnan(s)] or [float("nan")])
    after = f"after {epochs} epoch{'s' if epochs > 1 else ''}"
    reached = (f"{after} the median model had {units.percent(med, 2)} of its final gain over "
               f"chance ({units.percent(CHANCE, 2)})")
    if med >= most:
        sentence = f"Most of the gain comes early: {reached}."
    elif med >= 0.5:
        sentence = f"More than half of the gain comes early: {reached}."
    else:
        sentence = f"The gain is spread over the epochs: {reached}."
    return {"epochs": epochs, "shares": shares, "median_share": med, "sentence": sentence}


def levels_off(run: TrainedRun, last: int = 5, *, tolerance: float = 0.01,
               learned: float = 0.99) -> dict:
    """Whether ``run``'s test accuracy and training-sample accuracy changed by no more than
    ``tolerance`` over its last ``last`` epochs, and if so whether it had learned its
    training sample (accuracy >= ``learned``) or was held back by its size."""
    run = _check_runs([run], "run")[0]
    rows = evaluated(run)
    last = checks.integer("last", last, lo=1, hi=len(rows) - 1 if len(rows) > 1 else 1)
    if len(rows) < 2:
        raise ValueError(f"{run.label} was evaluated only once: nothing to compare")
    start, end = rows[-1 - last], rows[-1]
    d_test = end["test_acc"] - start["test_acc"]
    d_train = end["train_acc"] - start["train_acc"]
    span = f"over its last {end['epoch'] - start['epoch']} epochs"
    if abs(d_test) <= tolerance and abs(d_train) <= tolerance:
        if end["train_acc"] >= learned:
            sentence = (f"The {run.label} levels off {span} (test accuracy {units.percent(end['test_acc'])}, "
                        f"moving by {_points(d_test)}), having learned its training sample almost "
                        f"perfectly ({units.percent(end['train_acc'])}).")
            state = "learned"
        else:
            sentence = (f"The {run.label} levels off {span}: its test accuracy moved by {_points(d_test)} "
                        f"and its accuracy on the training sample, {units.percent(end['train_acc'])}, by "
                        f"{_points(d_train)}. It cannot fit even its training images better: its size, "
                        f"not the training time, limits it.")
            state = "capacity"
    elif d_test > 0:
        sentence = (f"The {run.label} is still improving: its test accuracy rose by {_points(d_test)} "
                    f"{span}.")
        state = "rising"
    else:
        sentence = f"The {run.label}'s test accuracy fell by {_points(d_test)} {span}."
        state = "falling"
    return {"label": run.label, "test_change": d_test, "train_change": d_train,
            "state": state, "sentence": sentence}


def overfitting(runs: Sequence[TrainedRun], *, threshold: float = 0.03) -> dict:
    """The widest gap between training-sample and test accuracy after the last epoch."""
    runs = _check_runs(runs)
    gaps = [(r.label, evaluated(r)[-1]["train_acc"] - final_accuracy(r),
             r.data.get("n_train")) for r in runs]
    label, gap, n = max(gaps, key=lambda g: g[1])
    if gap >= threshold:
        images = f"its {units.count(n)} training images" if n else "its training images"
        sentence = (f"The gap opens widest for the {label}, to {_points(gap)}: it has begun to "
                    f"learn {images} by heart (overfitting).")
    else:
        sentence = (f"No gap opens wider than {_points(gap)} (the {label}): none of these models "
                    f"has begun to learn its training images by heart.")
    return {"gaps": gaps, "widest": label, "gap": gap, "sentence": sentence}


def epoch_costs(runs: Sequence[TrainedRun], *, steady: float = 0.25) -> dict:
    """How far one epoch's training energy strays from its run's mean epoch (the largest
    relative deviation over all runs), and whether that is within ``steady``."""
    runs = _check_runs(runs)
    worst, signed, where = 0.0, 0.0, runs[0].label
    for r in runs:
        energies = [h["train_energy_kwh"] for h in r.history]
        mean = statistics.fmean(energies)
        for e in energies:
            dev = (e - mean) / mean if mean else 0.0
            if abs(dev) > worst:
                worst, signed, where = abs(dev), dev, r.label
    if worst <= steady:
        sentence = (f"Every epoch of a run costs about the same (within ±{units.percent(worst, 2)} of "
                    f"its run's mean epoch, for every model), so training energy grows in proportion "
                    f"to the number of epochs.")
    else:
        sentence = (f"Epochs did not all cost the same: one epoch of the {where} cost "
                    f"{units.percent(worst, 2)} {'more' if signed > 0 else 'less'} than its run's mean "
                    f"epoch, so training energy grows with the epochs only roughly in proportion.")
    return {"worst_deviation": worst, "worst_model": where, "sentence": sentence}


def late_epochs(runs: Sequence[TrainedRun]) -> dict:
    """The second half of the epochs: its share of the training energy against its share of
    the accuracy gained over chance (medians over the runs)."""
    runs = _check_runs(runs)
    n = min(len(r.history) for r in runs)
    if n < 2:
        raise ValueError("late_epochs needs runs of at least two epochs")
    half = n // 2
    e_shares, g_shares = [], []
    for r in runs:
        energies = [h["train_energy_kwh"] for h in r.history[:n]]
        e_shares.append(sum(energies[half:]) / sum(energies))
        gain = _acc_at(r, n) - CHANCE
        g_shares.append((_acc_at(r, n) - _acc_at(r, half)) / gain if gain > 0 else 0.0)
    e, g = statistics.median(e_shares), statistics.median(g_shares)
    head = (f"The last {n - half} of {n} epochs used {units.percent(e, 2)} of the training energy "
            f"(median over the models)")
    if g < 0:
        sentence = f"{head} and lowered the test accuracy: they cost energy for nothing."
    elif e > 2 * g:
        sentence = (f"{head} but brought only {units.percent(g, 2)} of the accuracy gained over "
                    f"chance: the last epochs buy the least accuracy for the same energy.")
    else:
        sentence = f"{head} and brought {units.percent(g, 2)} of the accuracy gained over chance."
    return {"epochs": n, "energy_share": e, "gain_share": g, "sentence": sentence}


# ----------------------------------------------------------------------------------------
# Price of accuracy
# ----------------------------------------------------------------------------------------
def pareto_steps(runs: Sequence[TrainedRun]) -> dict:
    """Along the Pareto front (training energy against accuracy, cheapest first): the extra
    energy per extra point of accuracy at each step, and whether the last step is the dearest."""
    front = pareto_runs(runs)
    steps = []
    for a, b in zip(front, front[1:]):
        points = 100 * (final_accuracy(b) - final_accuracy(a))
        steps.append((a.label, b.label, (_energy(b) - _energy(a)) / points))
    labels = [r.label for r in front]
    if len(steps) < 2:
        sentence = (f"The Pareto front holds {len(front)} model{'s' if len(front) > 1 else ''} "
                    f"({', '.join(labels)}): too few to say how the price of accuracy changes along it.")
        dearest_last = None
    else:
        dearest_last = steps[-1][2] == max(s[2] for s in steps)
        first, final = steps[0], steps[-1]
        prices = (f"from the {final[0]} to the {final[1]}, {_joules(final[2])} per extra point of "
                  f"accuracy, against {_joules(first[2])} from the {first[0]} to the {first[1]}")
        sentence = (f"At the top of the Pareto front accuracy is dearest: {prices}." if dearest_last
                    else f"Accuracy does not get steadily dearer along the Pareto front: {prices}.")
    return {"front": labels, "steps": steps, "dearest_last": dearest_last, "sentence": sentence}


def last_points(runs: Sequence[TrainedRun], level: float) -> dict:
    """The cheapest run reaching ``level`` accuracy against the most accurate run."""
    runs = _check_runs(runs)
    cheap, top = cheapest(runs, level), best(runs)
    if cheap is None:
        return {"cheapest": None, "top": top.label, "energy_ratio": None, "gain": None,
                "sentence": (f"No model reaches {units.percent(level, 2)}; the most accurate, the "
                             f"{top.label}, reaches {units.percent(final_accuracy(top))}.")}
    ratio, gain = _energy(top) / _energy(cheap), final_accuracy(top) - final_accuracy(cheap)
    if cheap is top:
        sentence = (f"The most accurate model, the {top.label} ({units.percent(final_accuracy(top))}), "
                    f"is also the cheapest to reach {units.percent(level, 2)}.")
    else:
        sentence = (f"The most accurate model, the {top.label} ({units.percent(final_accuracy(top))}), "
                    f"costs {_fold(ratio)} the training energy of the {cheap.label} for "
                    f"{_points(gain)} more.")
    return {"cheapest": cheap.label, "top": top.label, "energy_ratio": ratio, "gain": gain,
            "sentence": sentence}


def ram_share(runs: Sequence[TrainedRun], *, most: float = 0.5) -> dict:
    """The share of the training energy CodeCarbon charged to RAM (smallest and largest over
    the runs), and the CPU and RAM powers it charged."""
    runs = _check_runs(runs)
    shares = [r.training.ram_energy_kwh / r.training.energy_kwh for r in runs if r.training.energy_kwh]
    if not shares:
        raise ValueError("no run has any training energy")
    lo, hi = min(shares), max(shares)
    cpu = [r.training.cpu_power_w for r in runs]
    ram = [r.training.ram_power_w for r in runs]
    rng = lambda xs: (units.power(min(xs)) if math.isclose(min(xs), max(xs), rel_tol=0.05)  # noqa: E731
                      else f"{units.power(min(xs))} to {units.power(max(xs))}")
    span = (f"{units.percent(lo, 2)}" if math.isclose(lo, hi, rel_tol=0.02)
            else f"from {units.percent(lo, 2)} to {units.percent(hi, 2)}")
    charged = f"CodeCarbon charged the CPU {rng(cpu)} and the RAM {rng(ram)} on average"
    if lo > most:
        sentence = (f"{charged}, so most of the training energy is the memory's: {span} of it, "
                    f"depending on the model.")
    elif hi < most:
        sentence = f"{charged}; the memory's share of the training energy is {span}."
    else:
        sentence = f"{charged}; the memory's share of the training energy goes {span}."
    return {"min_share": lo, "max_share": hi, "cpu_w": (min(cpu), max(cpu)),
            "ram_w": (min(ram), max(ram)), "sentence": sentence}
