"""Numbers read from trained runs (:class:`~mlfootprint.records.TrainedRun`): totals, a run cut
after fewer epochs, the best and cheapest runs, the Pareto front, confusions, the sweep as a
table. CO2 is derived here, from each energy on the grid in force when it is read."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Sequence

import codecarbon
import numpy as np
from sklearn import metrics

from .. import checks, measure
from ..measure import Measurement
from ..records import TrainedRun
from .models import expected_parameters, multiply_adds
from .training import WINDOW

CHANCE = 0.1   # accuracy of guessing one of ten digits


def _check_run(run, name: str = "run") -> TrainedRun:
    if not isinstance(run, TrainedRun):
        raise TypeError(f"{name} must be a TrainedRun (what train_classifier returns), "
                        f"got {type(run).__name__}")
    if not run.history:
        raise ValueError(f"{name} ({run.label}) has no epochs in its history")
    return run


def _check_runs(runs, name: str = "runs") -> list[TrainedRun]:
    runs = list(runs)
    if not runs:
        raise ValueError(f"{name} must hold at least one TrainedRun")
    return [_check_run(r, f"{name}[{i}]") for i, r in enumerate(runs)]


def evaluated(run: TrainedRun) -> list[dict]:
    """The epochs of ``run`` that were evaluated (every one unless ``eval_every`` > 1)."""
    return [e for e in _check_run(run).history if e["evaluated"]]


def final_accuracy(run: TrainedRun) -> float:
    """Test accuracy (0..1) of the model ``run`` ends with."""
    return float(evaluated(run)[-1]["test_acc"])


def totals(run: TrainedRun) -> dict:
    """Time, energy and CO2 (on the grid in force now) of training, of evaluation and of both
    (``train_time_s``, ``eval_time_s``, ``time_s``, ...), the epochs, and the final and best
    test accuracy."""
    rows = evaluated(run)
    out = {"epochs": len(run.history), "evaluations": len(rows), "test_acc": final_accuracy(run),
           "best_test_acc": max(float(h["test_acc"]) for h in rows)}
    for key, attr in (("time_s", "duration_s"), ("energy_kwh", "energy_kwh"), ("emissions_kg", "emissions_kg")):
        out[f"train_{key}"] = getattr(run.training, attr)
        out[f"eval_{key}"] = getattr(run.evaluation, attr) if run.evaluation else 0.0
        out[key] = out[f"train_{key}"] + out[f"eval_{key}"]
    return out


# -- Per-epoch windows, and a run cut after fewer epochs --
def _window(base: Measurement, label: str, row: dict, phase: str, warnings: list) -> Measurement:
    """One tracker window rebuilt from a history row (its powers from its energies)."""
    t, energy = row[f"{phase}_time_s"], row[f"{phase}_energy_kwh"]
    got = {a: row[f"{phase}_{k}"] for k, a in WINDOW.items()}
    watts = {f"{part}_power_w": got[f"{part}_energy_kwh"] * 3.6e6 / t if t else 0.0
             for part in ("cpu", "ram", "gpu")}
    return replace(base, label=label, **got, **watts, repeats=1, items_per_repeat=1,
                   duration_spread=measure.spread([t]), energy_spread=measure.spread([energy]),
                   total_duration_s=t, total_energy_kwh=energy, window_min_s=t, windows=1,
                   tracker_warnings=list(warnings), warmup_duration_s=None,
                   warmup_energy_kwh=None, settings={"epoch": row["epoch"], "phase": phase})


def epoch_windows(run: TrainedRun, phase: str = "train") -> list[Measurement]:
    """One single-run Measurement per epoch's training (``phase="train"``) or per
    evaluation (``"eval"``), rebuilt from the history; :func:`measure.combine` of them gives
    back ``run.training`` / ``run.evaluation``."""
    checks.choice("phase", phase, ("train", "eval"))
    _check_run(run)
    base = run.training if phase == "train" else run.evaluation
    rows = run.history if phase == "train" else evaluated(run)
    what = "training" if phase == "train" else "evaluation"
    return [_window(base, f"{run.label} {what}, epoch {r['epoch']}", r, phase,
                    r.get("tracker_warnings", []) if phase == "train" else [])
            for r in rows]


def upto(run: TrainedRun, epochs: int) -> TrainedRun:
    """``run`` as if training had stopped after ``epochs`` (an evaluated epoch): its history
    cut there, its costs the sums of those epochs' windows, the final test predictions dropped.
    The seeded shuffling makes it the same run, not an approximation."""
    _check_run(run)
    n = len(run.history)
    epochs = checks.integer("epochs", epochs, lo=1, hi=n)
    if not run.history[epochs - 1]["evaluated"]:
        done = ", ".join(str(e["epoch"]) for e in evaluated(run))
        raise ValueError(f"epochs={epochs}: {run.label} was not evaluated after that epoch; "
                         f"choose one of the evaluated epochs ({done})")
    if epochs == n:
        return run
    cut = run.history[:epochs]
    kept = [r for r in cut if r["evaluated"]]
    trains = epoch_windows(run, "train")[:epochs]
    evals = epoch_windows(run, "eval")[:len(kept)]
    extra = {k: v for k, v in run.extra.items() if k != "test_predictions"}
    extra.update(epochs_trained=epochs, evaluations=len(kept), cut_from=n)
    return TrainedRun(label=run.label, family=run.family, settings=dict(run.settings),
                      n_parameters=run.n_parameters,
                      training=measure.combine(trains, label=run.training.label,
                                               settings=run.training.settings),
                      evaluation=measure.combine(evals, label=run.evaluation.label,
                                                 settings=run.evaluation.settings),
                      history=cut, data=dict(run.data), extra=extra)


# -- Choosing runs --
def best(runs: Sequence[TrainedRun], family: str | None = None) -> TrainedRun:
    """The run with the highest final test accuracy (the one cheaper to train on a tie)."""
    pool = [r for r in _check_runs(runs) if family is None or r.family == family]
    if not pool:
        raise ValueError(f"no runs of family {family!r} among {sorted({r.family for r in runs})}")
    return max(pool, key=lambda r: (final_accuracy(r), -r.training.energy_kwh))


def cheapest(runs: Sequence[TrainedRun], min_accuracy: float) -> TrainedRun | None:
    """The run cheapest to train among those with a final test accuracy of at least
    ``min_accuracy`` (0..1), or None when none reaches it."""
    min_accuracy = checks.number("min_accuracy", min_accuracy, lo=0, hi=1)
    ok = [r for r in _check_runs(runs) if final_accuracy(r) >= min_accuracy]
    return min(ok, key=lambda r: r.training.energy_kwh) if ok else None


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the points (cost, accuracy) that no other point beats on both (lower or
    equal cost and higher accuracy), cheapest first."""
    pts = [(checks.number(f"points[{i}] cost", c), checks.number(f"points[{i}] accuracy", a))
           for i, (c, a) in enumerate(points)]
    order = sorted(range(len(pts)), key=lambda i: (pts[i][0], -pts[i][1]))
    front, top = [], -math.inf
    for i in order:
        if pts[i][1] > top:
            front.append(i)
            top = pts[i][1]
    return front


def confusion_matrix(y, pred, n_classes: int = 10) -> np.ndarray:
    """Counts of (true label, predicted label), from scikit-learn."""
    n_classes = checks.integer("n_classes", n_classes, lo=1)
    y, pred = np.asarray(y), np.asarray(pred)
    if y.shape != pred.shape or y.ndim != 1:
        raise ValueError(f"y and pred must be two lists of labels of the same length, got shapes "
                         f"{y.shape} and {pred.shape}")
    for name, v in (("y", y), ("pred", pred)):
        if v.size and (not np.issubdtype(v.dtype, np.integer) or v.min() < 0 or v.max() >= n_classes):
            raise ValueError(f"{name} must hold integer labels from 0 to {n_classes - 1}")
    return metrics.confusion_matrix(y, pred, labels=range(n_classes))


def top_confusions(cm: np.ndarray, n: int = 3) -> list[tuple[int, int, int]]:
    """The ``n`` most frequent mistakes as (count, true label, predicted label), most first."""
    n = checks.integer("n", n, lo=1)
    wrong = np.asarray(cm) * (1 - np.eye(*np.shape(cm), dtype=int))
    return sorted(((int(wrong[i, j]), int(i), int(j)) for i, j in zip(*wrong.nonzero())),
                  key=lambda t: (-t[0], t[1], t[2]))[:n]


# -- How a run's accuracies moved at the end --
LEARNING_STATES = ("overfitting", "rising", "falling", "learned", "capacity")


def learning_state(run: TrainedRun, last: int = 5, *, tolerance: float = 0.005,
                   learned: float = 0.99) -> dict:
    """How ``run``'s test and training-sample accuracies changed over its last ``last`` epochs,
    and the state that shows: ``"overfitting"`` (training sample up by over ``tolerance``, test
    not), else ``"rising"``/``"falling"`` (test moved by over ``tolerance``), else ``"learned"``
    (training sample at ``learned`` or above) or ``"capacity"`` (it cannot fit even those)."""
    rows = evaluated(run)
    if len(rows) < 2:
        raise ValueError(f"{run.label} was evaluated only once: nothing to compare")
    last = checks.integer("last", last, lo=1, hi=len(rows) - 1)
    tolerance = checks.number("tolerance", tolerance, lo=0, hi=1)
    start, end = rows[-1 - last], rows[-1]
    d_test = float(end["test_acc"] - start["test_acc"])
    d_train = float(end["train_acc"] - start["train_acc"])
    if d_train > tolerance and d_test <= tolerance:
        state = "overfitting"
    elif abs(d_test) > tolerance:
        state = "rising" if d_test > 0 else "falling"
    else:
        state = "learned" if end["train_acc"] >= learned else "capacity"
    return {"label": run.label, "epochs": end["epoch"] - start["epoch"], "test_change": d_test,
            "train_change": d_train, "test_acc": float(end["test_acc"]),
            "train_acc": float(end["train_acc"]), "state": state}


# -- The sweep as numbers --
def sweep_frame(runs: Sequence[TrainedRun]):
    """One row per run, in base units (kWh, kg, s, fractions): model, parameters,
    multiply-adds per image, final test accuracy, training time / energy / CO2,
    evaluation energy, CPU and RAM power charged during training, RAM's share."""
    import pandas as pd  # heavy, and only for the table: imported when asked

    rows = []
    for r in _check_runs(runs):
        t = totals(r)
        rows.append({
            "model": r.label, "family": r.family, "parameters": r.n_parameters,
            "multiply_adds": multiply_adds(r.family, r.settings["sizes"]),
            "epochs": t["epochs"], "test_acc": t["test_acc"],
            "train_time_s": t["train_time_s"], "train_energy_kwh": t["train_energy_kwh"],
            "train_emissions_kg": t["train_emissions_kg"], "eval_energy_kwh": t["eval_energy_kwh"],
            "eval_time_s": t["eval_time_s"],
            "cpu_power_w": r.training.cpu_power_w, "ram_power_w": r.training.ram_power_w,
            "ram_share": (r.training.ram_energy_kwh / r.training.energy_kwh
                          if r.training.energy_kwh else float("nan")),
        })
    return pd.DataFrame(rows)


# -- A run made from numbers, for tests and what-if examples --
def synthetic_run(label: str, test_accs: Sequence[float], train_kwh, eval_kwh=0.0, *,
                  family: str = "MLP", sizes: Sequence[int] = (16,), n_parameters: int | None = None,
                  train_accs: Sequence[float] | None = None, epoch_s: float = 1.0,
                  eval_s: float = 0.1, ram_share: float = 0.5, n_train: int = 4000) -> TrainedRun:
    """A :class:`TrainedRun` made from numbers, not training: one epoch per test accuracy,
    each evaluated; ``train_kwh`` / ``eval_kwh`` per epoch (one number, or one per epoch).
    For tests of code that reads runs, and for what-if examples."""
    n = len(test_accs)
    if n < 1:
        raise ValueError("test_accs must hold at least one accuracy (one per epoch)")
    per_epoch = lambda v, name: ([checks.number(f"{name}[{i}]", x, lo=0) for i, x in enumerate(v)]  # noqa: E731
                                 if isinstance(v, (list, tuple)) else [checks.number(name, v, lo=0)] * n)
    trains, evals = per_epoch(train_kwh, "train_kwh"), per_epoch(eval_kwh, "eval_kwh")
    train_accs = list(train_accs) if train_accs is not None else list(test_accs)
    made = lambda p, s, e: {f"{p}_time_s": s, f"{p}_energy_kwh": e,  # noqa: E731
                            f"{p}_cpu_kwh": e * (1 - ram_share), f"{p}_ram_kwh": e * ram_share,
                            f"{p}_gpu_kwh": 0.0}
    history = [{"epoch": i + 1, "train_loss_running": 1.0, "evaluated": True,
                **made("train", epoch_s, trains[i]), **made("eval", eval_s, evals[i]),
                "train_loss": 1.0, "train_acc": float(train_accs[i]), "val_loss": None,
                "val_acc": None, "test_loss": 1.0, "test_acc": float(test_accs[i]),
                "tracker_warnings": []} for i in range(n)]
    base = Measurement(
        label=label, duration_s=epoch_s, energy_kwh=0.0, cpu_energy_kwh=0.0, ram_energy_kwh=0.0,
        gpu_energy_kwh=0.0, cpu_power_w=0.0, ram_power_w=0.0, gpu_power_w=0.0, repeats=1,
        items_per_repeat=1, duration_spread=measure.spread([1.0]), energy_spread=measure.spread([1.0]),
        cpu_power_source="synthetic", cpu_power_detail="made-up numbers", cpu_model="none",
        cpu_tdp_w=None, ram_model="made-up", gpu_model="", tracking_mode=measure.COURSE_TRACKING_MODE,
        codecarbon_version=codecarbon.__version__, total_duration_s=1.0, total_energy_kwh=0.0,
        window_min_s=1.0)
    windows = {p: measure.combine([_window(base, f"{label} {what}, epoch {r['epoch']}", r, p, [])
                                   for r in history], label=f"{label} {what}")
               for p, what in (("train", "training"), ("eval", "evaluation"))}
    settings = {"family": family, "sizes": list(sizes), "epochs": n}
    return TrainedRun(label=label, family=family, settings=settings,
                      n_parameters=int(n_parameters if n_parameters is not None else
                                       expected_parameters(family, sizes)),
                      training=windows["train"], evaluation=windows["eval"], history=history,
                      data={"source": "synthetic", "n_train": n_train},
                      extra={"test_predictions": [], "synthetic": True})
