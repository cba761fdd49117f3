"""The sweep's training, measured: :class:`~.loop.Training` with one tracker window per epoch's
training and one per evaluation (``training`` and ``evaluation`` of the
:class:`~mlfootprint.records.TrainedRun` sum each apart); kept by :func:`mlfootprint.store.keep`
(damaged weights moved aside and retrained); the cost of classifying images, alone or in pairs.
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
# A history row's name for each of a tracker window's quantities (``train_time_s``, ...).
WINDOW = {"time_s": "duration_s", "energy_kwh": "energy_kwh", "cpu_kwh": "cpu_energy_kwh",
          "ram_kwh": "ram_energy_kwh", "gpu_kwh": "gpu_energy_kwh"}
SCORES = ("train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc")


def window_fields(prefix: str, rec: Measurement | None) -> dict:
    """A history row's time and energies of one tracker window (``prefix`` train or eval)."""
    return {f"{prefix}_{k}": None if rec is None else getattr(rec, a) for k, a in WINDOW.items()}


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
               **dict.fromkeys(SCORES), "tracker_warnings": list(t_train.record.tracker_warnings)}
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
    """Train (or read back from the store) the classifier ``config`` describes: a TrainedRun
    with the settings really used, ``history`` one dict per epoch (never CO2), the final test
    predictions in ``extra``. ``cache=False`` stores nothing. ``callback(row)`` gets each
    epoch's row; an exception it raises (or :class:`TrainingDiverged`) ends the run, nothing
    stored. ``verbose=False`` leaves fallbacks unannounced (they are in ``data["notes"]``)."""
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


# -- Inference cost --
def _predicting(config: TrainConfig, n: int, **how):
    """A call that measures the trained ``config`` predicting the first ``n`` test images
    (``how``: the rest of :func:`mlfootprint.measure.measure_repeated`'s arguments)."""
    model, _ = load_trained(config, progress=False)
    images = data_for(config, verbose=False).x_test[:n]
    return lambda: measure.measure_repeated(lambda: predict(model, images, batch_size=n),
                                            items_per_call=n, **how)


def _batch(batch_size: int, min_seconds: float, **configs: TrainConfig) -> tuple[int, float, list]:
    """Checked ``batch_size`` (clipped to the test images) and ``min_seconds``, and each
    config resolved (the settings really used)."""
    for name, c in configs.items():
        if not isinstance(c, TrainConfig):
            raise TypeError(f"{name} must be a TrainConfig, got {type(c).__name__}")
    batch_size = checks.integer("batch_size", batch_size, lo=1, hi=100_000)
    min_seconds = checks.number("min_seconds", min_seconds, lo=0, hi=measure.MAX_MIN_SECONDS)
    resolved = [resolve(c, verbose=False) for c in configs.values()]
    n_test = resolved[0][3].n_test
    if batch_size > n_test:
        notice(f"batch_size={batch_size:,} is more than the {n_test:,} test images, so batches "
               f"of {n_test:,} are measured", ClippedNotice)
    return min(batch_size, n_test), min_seconds, [r[0] for r in resolved]


def measure_inference(config: TrainConfig, *, batch_size: int = 100, repeats: int = 5,
                      min_seconds: float = 1.0) -> Measurement:
    """Energy per classified image of the trained ``config``, predicting batches of
    ``batch_size`` test images, with ``config``'s threads (so the recorded ``threads`` is
    what ran). Cached under ``classification/inference``, keyed by the run's settings."""
    repeats = checks.integer("repeats", repeats, lo=1, hi=measure.MAX_REPEATS)
    n, min_seconds, (resolved,) = _batch(batch_size, min_seconds, config=config)
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
    n, min_seconds, (a, b) = _batch(batch_size, min_seconds, config_a=config_a, config_b=config_b)
    if a.threads != b.threads:
        raise ValueError(f"the two models must run with the same threads to be compared, got "
                         f"{a.threads} and {b.threads}")
    key = {"a": a.settings(), "b": b.settings(), "batch_size": n, "min_seconds": min_seconds}

    def side(c: TrainConfig):
        predicting = []          # built on first use: nothing is loaded when the pairs are kept

        def one_window() -> Measurement:
            with torch_threads(a.threads):
                if not predicting:
                    predicting.append(_predicting(c, n, label=f"{c.label}, batches of {n}", repeats=1,
                                                  settings={**key, "pairs": pairs},
                                                  min_seconds=min_seconds, warmup=False))
                return predicting[0]()
        return one_window

    return compare.kept_pairs(PAIRS_NAMESPACE, key, side(config_a), side(config_b), pairs=pairs, code=CODE)
