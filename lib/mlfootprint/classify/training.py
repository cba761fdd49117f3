"""The sweep's training, measured: :class:`~.loop.Training` run with one tracker window per
epoch's training and one per evaluation; the record and weights kept by the store; the
cost of classifying images, measured alone or in interleaved pairs.

The record is a :class:`~mlfootprint.records.TrainedRun` whose ``training`` sums the training
windows only and whose ``evaluation`` sums the evaluation windows. Nothing here writes a file:
:func:`mlfootprint.store.keep` keeps the record and the weights, and moves damaged weights
(garbage, half written, empty, another model's) aside and retrains.
"""

from __future__ import annotations

from typing import Iterable

import torch
from torch import nn

from .. import checks, compare, measure, store
from ..measure import Measurement
from ..notices import ClippedNotice, notice
from ..progress import tqdm
from ..records import TrainedRun
from ..threads import torch_threads
from . import loop
from .config import TrainConfig
from .loop import Training, data_for, predict, resolve
from .models import build_model, count_parameters, prepare

NAMESPACE = "classification/run"
INFERENCE_NAMESPACE = "classification/inference"
PAIRS_NAMESPACE = "classification/inference-pairs"
CODE = (*loop.CODE, __name__)


def window_fields(prefix: str, rec: Measurement | None) -> dict:
    """A history row's time and energies of one tracker window (``prefix`` train or eval)."""
    if rec is None:
        return {f"{prefix}_{k}": None for k in ("time_s", "energy_kwh", "cpu_kwh", "ram_kwh", "gpu_kwh")}
    return {f"{prefix}_time_s": rec.duration_s, f"{prefix}_energy_kwh": rec.energy_kwh,
            f"{prefix}_cpu_kwh": rec.cpu_energy_kwh, f"{prefix}_ram_kwh": rec.ram_energy_kwh,
            f"{prefix}_gpu_kwh": rec.gpu_energy_kwh}


def _epochs(training: Training, progress: bool, callback=None):
    """Run ``training`` to its last epoch (or an early stop): one tracker window per epoch's
    training and per evaluation. The history, both lists of windows, the last test
    predictions and whether it stopped early."""
    config = training.config
    history, trains, evals, pred, stopped = [], [], [], None, False
    best_val, since = -1.0, 0   # early stopping on the validation accuracy, never on the test set
    bar = tqdm(range(1, config.epochs + 1), desc=config.label, unit="epoch", disable=not progress,
               leave=False)
    for epoch in bar:
        with measure.track(f"{config.label} training, epoch {epoch}",
                           settings={"epoch": epoch, "phase": "train"}) as t_train:
            running = training.epoch()
        trains.append(t_train.record)
        row = {"epoch": epoch, "train_loss_running": running, "evaluated": False,
               **window_fields("train", t_train.record), **window_fields("eval", None),
               "train_loss": None, "train_acc": None, "val_loss": None, "val_acc": None,
               "test_loss": None, "test_acc": None,
               "tracker_warnings": list(t_train.record.tracker_warnings)}
        last = epoch == config.epochs
        if epoch % config.eval_every == 0 or last:
            with measure.track(f"{config.label} evaluation, epoch {epoch}",
                               settings={"epoch": epoch, "phase": "eval"}) as t_eval:
                scores = training.scores()
            evals.append(t_eval.record)
            pred = scores.pop("pred")
            row.update(scores, evaluated=True, **window_fields("eval", t_eval.record))
            row["tracker_warnings"] += t_eval.record.tracker_warnings
            if config.patience is not None:
                better = scores["val_acc"] > best_val + config.min_delta
                best_val, since = (scores["val_acc"], 0) if better else (best_val, since + 1)
                stopped = since >= config.patience and not last
            bar.set_postfix(loss=f"{scores['train_loss']:.3f}", test_acc=f"{scores['test_acc']:.3f}")
        history.append(row)
        if callback is not None:  # progress, live loss, a Stop (it raises: nothing is stored)
            callback(row)
        if stopped:
            break
    bar.close()
    return history, trains, evals, pred, stopped


def _fit(config: TrainConfig, progress: bool, callback=None) -> tuple[nn.Module, TrainedRun]:
    """Train ``config``; the model and its record. Writes no files."""
    training = Training(config)
    config, parts, data = training.config, training.parts, training.data
    with torch_threads(config.threads):
        threads = torch.get_num_threads()
        history, trains, evals, pred, stopped = _epochs(training, progress, callback)
    settings = config.settings()
    run = TrainedRun(
        label=config.label, family=config.family, settings=settings,
        n_parameters=count_parameters(training.model),
        training=measure.combine(trains, label=f"{config.label} training", settings=settings),
        evaluation=measure.combine(evals, label=f"{config.label} evaluation", settings=settings),
        history=history,
        data={"source": data.source, "description": data.description, "notes": list(data.notes),
              "n_train": len(parts.y_train), "n_val": len(parts.y_val), "n_test": len(parts.y_test),
              "eval_train_size": len(parts.sample)},
        extra={"test_predictions": pred.tolist(), "device": training.device.type,
               "device_note": training.device_note, "threads": threads, "torch_version": torch.__version__,
               "epochs_trained": len(history), "stopped_early": stopped, "evaluations": len(evals)},
    )
    return training.model, run


def _keep(config: TrainConfig, progress: bool, refresh: bool, verbose: bool = True, callback=None):
    resolved, device, note, _ = resolve(config, verbose=verbose)
    model, run = store.keep(NAMESPACE, resolved.settings(), make=lambda: _fit(config, progress, callback),
                            save=store.save_module,
                            load=store.load_module(lambda: build_model(resolved.family, resolved.sizes)),
                            code=CODE, decode=TrainedRun.from_dict, refresh=refresh)
    if note and run.extra.get("device_note") != note:
        run.extra["device_note"] = note
    return prepare(model, device).eval(), run


def train_classifier(config: TrainConfig, *, progress: bool = True, cache: bool = True,
                     refresh: bool = False, callback=None, verbose: bool = True) -> TrainedRun:
    """Train (or read back from the store) the classifier ``config`` describes.

    A :class:`~mlfootprint.records.TrainedRun` with the settings really used, ``history`` one
    dict per epoch (losses, accuracies, times and energies, never CO2) and the final test
    predictions in ``extra``. ``cache=False`` stores nothing. ``callback(row)`` gets each
    epoch's row as it ends; an exception it raises (or :class:`TrainingDiverged`) ends the run
    and nothing is stored. ``verbose=False`` leaves fallbacks and clippings unannounced (they
    are in ``data["notes"]`` all the same).
    """
    if not cache:
        resolve(config, verbose=verbose)   # fallbacks and clippings said, as when kept
        return TrainedRun.from_dict(store.to_jsonable(_fit(config, progress, callback)[1]))
    return _keep(config, progress, refresh, verbose, callback=callback)[1]


def load_trained(config: TrainConfig, *, progress: bool = True) -> tuple[nn.Module, TrainedRun]:
    """The trained model for ``config`` (in eval mode, on its device) and its record; trained
    first if it is not stored, or if its stored weights are damaged (then they are moved
    aside with a notice naming them)."""
    return _keep(config, progress, refresh=False, verbose=False)


def train_sweep(configs: Iterable[TrainConfig], *, progress: bool = True) -> list[TrainedRun]:
    """:func:`train_classifier` for each config, with one progress bar over the sweep."""
    configs = list(configs)
    for i, c in enumerate(configs):
        if not isinstance(c, TrainConfig):
            raise TypeError(f"configs[{i}] must be a TrainConfig, got {type(c).__name__}")
    return [train_classifier(c, progress=progress)
            for c in tqdm(configs, desc="sweep", unit="model", disable=not progress)]


# ----------------------------------------------------------------------------------------
# Inference cost
# ----------------------------------------------------------------------------------------
def _predicting(config: TrainConfig, n: int, **how):
    """A call that measures the trained ``config`` predicting the first ``n`` test images
    (``how``: the rest of :func:`mlfootprint.measure.measure_repeated`'s arguments)."""
    model, _ = load_trained(config, progress=False)
    images = data_for(config, verbose=False).x_test[:n]
    return lambda: measure.measure_repeated(lambda: predict(model, images, batch_size=n),
                                            items_per_call=n, **how)


def measure_inference(config: TrainConfig, *, batch_size: int = 100, repeats: int = 5,
                      min_seconds: float = 1.0) -> Measurement:
    """Energy per classified image of the trained ``config``, predicting batches of
    ``batch_size`` test images, with ``config``'s threads (so the recorded ``threads`` is
    what ran). Cached under ``classification/inference``, keyed by the run's settings."""
    batch_size = checks.integer("batch_size", batch_size, lo=1, hi=100_000)
    repeats = checks.integer("repeats", repeats, lo=1, hi=measure.MAX_REPEATS)
    min_seconds = checks.number("min_seconds", min_seconds, lo=0, hi=measure.MAX_MIN_SECONDS)
    resolved, _, _, data = resolve(config, verbose=False)
    n = min(batch_size, data.n_test)
    if n < batch_size:
        notice(f"batch_size={batch_size:,} is more than the {data.n_test:,} test images, so batches "
               f"of {n:,} are measured", ClippedNotice)
    settings = {**resolved.settings(), "inference_batch": n, "repeats": repeats,
                "min_seconds": min_seconds}

    def compute() -> Measurement:
        with torch_threads(resolved.threads):
            return _predicting(config, n, label=f"{config.label} inference, batches of {n}",
                               settings=settings, repeats=repeats, min_seconds=min_seconds)()

    return store.cached(INFERENCE_NAMESPACE, settings, compute, code=CODE,
                        decode=Measurement.from_dict)


def inference_pairs(config_a: TrainConfig, config_b: TrainConfig, *, batch_size: int = 100,
                    pairs: int = 5, min_seconds: float = 1.0) -> compare.Pairs:
    """Energy per classified image of the trained ``config_a`` and ``config_b`` in ``pairs``
    interleaved pairs (:func:`mlfootprint.compare.measure_pairs`), on the same threads. Each
    side is one tracker window of at least ``min_seconds`` predicting the same ``batch_size``
    test images again and again. Kept in the results store."""
    for name, c in (("config_a", config_a), ("config_b", config_b)):
        if not isinstance(c, TrainConfig):
            raise TypeError(f"{name} must be a TrainConfig, got {type(c).__name__}")
    batch_size = checks.integer("batch_size", batch_size, lo=1, hi=100_000)
    pairs = checks.integer("pairs", pairs, lo=1, hi=1000)
    min_seconds = checks.number("min_seconds", min_seconds, lo=0, hi=measure.MAX_MIN_SECONDS)
    (a, _, _, data), (b, _, _, _) = resolve(config_a, verbose=False), resolve(config_b, verbose=False)
    if a.threads != b.threads:
        raise ValueError(f"the two models must run with the same threads to be compared, got "
                         f"{a.threads} and {b.threads}")
    n = min(batch_size, data.n_test)
    settings = {"a": a.settings(), "b": b.settings(), "batch_size": n, "pairs": pairs,
                "min_seconds": min_seconds}

    def side(c: TrainConfig):
        predicting = []          # built on first use: nothing is loaded when the pairs are kept

        def one_window() -> Measurement:
            with torch_threads(a.threads):
                if not predicting:
                    predicting.append(_predicting(c, n, label=f"{c.label}, batches of {n}", settings=settings,
                                                  repeats=1, min_seconds=min_seconds, warmup=False))
                return predicting[0]()
        return one_window

    key = {k: v for k, v in settings.items() if k != "pairs"}   # kept_pairs adds the number of pairs
    return compare.kept_pairs(PAIRS_NAMESPACE, key, side(config_a), side(config_b), pairs=pairs, code=CODE)
