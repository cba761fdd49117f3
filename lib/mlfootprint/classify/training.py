"""Training and evaluating a classifier, measured; its record and weights kept by the store.

Training runs on in-memory tensors: batches are slices of a permutation drawn from a
seeded ``torch.Generator``, so no ``DataLoader`` and no per-image Python work. Each epoch's
training is one tracker window; each evaluation (a fixed sample of the training images,
the validation images if any, the test images) another. The record is a
:class:`~mlfootprint.records.TrainedRun` whose ``training`` is the sum of the training
windows only and whose ``evaluation`` is the sum of the evaluation windows.

Nothing here writes a file: :func:`train_classifier` and :func:`load_trained` keep the
record and the weights through :func:`mlfootprint.store.keep`, which also detects damaged
weights (garbage, half written, empty, another model's), moves them aside and retrains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import torch
from torch import nn
from torch.nn import functional as F

from .. import checks, measure, store, units
from ..measure import Measurement
from ..mnist import MnistData, load_mnist
from ..notices import ClippedNotice, notice
from ..paths import data_dir
from ..progress import tqdm
from ..records import TrainedRun
from ..threads import torch_threads
from .config import TrainConfig
from .models import IMAGE_SHAPE, build_model, choose_device, count_parameters, prepare

NAMESPACE = "classification/run"
INFERENCE_NAMESPACE = "classification/inference"
# The modules whose code makes a run's numbers: a change to them retrains.
CODE = (f"{__package__}.models", __name__)
EVAL_SAMPLE_SEED = 12345   # the fixed training-set sample is the same for every model
VAL_SPLIT_SEED = 54321     # the validation images are the same for every model and seed
# A loss this many times its first value (about ln 10 = 2.3 for ten classes) has exploded.
DIVERGENCE_FACTOR = 100.0


class TrainingDiverged(ValueError):
    """The loss became infinite, NaN or exploded: nothing is stored."""


# ----------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------
_DATA_MEMO: dict[tuple, MnistData] = {}


def data_for(config: TrainConfig, *, verbose: bool = True) -> MnistData:
    """MNIST for ``config``, loaded once per process for each (source, n_train, n_test).

    Remembering it means a sweep tries the download (and says it fell back) once, not once
    per model. The data folder is part of the memo key, so tests stay apart. With
    ``verbose=False`` a fallback is not printed (for a page that shows ``data.notes`` as a
    note of its own); it is always in ``data.notes`` and in every record's ``data``.
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    key = (config.source, config.n_train, config.n_test, str(data_dir()))
    if key not in _DATA_MEMO:
        _DATA_MEMO[key] = load_mnist(config.source, max_train=config.n_train, max_test=config.n_test,
                                     verbose=verbose)
    return _DATA_MEMO[key]


@dataclass
class Split:
    """The tensors one run uses: training, validation (carved from the training images),
    the fixed training sample evaluated each time, and the test images."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    sample: torch.Tensor       # indices into x_train
    x_test: torch.Tensor
    y_test: torch.Tensor


def fixed_train_sample(n_train: int, size: int, seed: int = EVAL_SAMPLE_SEED) -> torch.Tensor:
    """Indices of the fixed training-set sample evaluated every time (same for every model)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randperm(n_train, generator=g)[:min(size, n_train)]


def split(config: TrainConfig, data: MnistData) -> Split:
    """Carve ``config.val_size`` validation images out of the training images (a fixed,
    seeded choice; never the test set) and draw the fixed training sample from the rest."""
    x, y = data.x_train, data.y_train
    if config.val_size >= len(y):
        raise ValueError(f"val_size={config.val_size:,} leaves no training images out of the "
                         f"{len(y):,} loaded: it must be smaller")
    if config.val_size:
        order = torch.randperm(len(y), generator=torch.Generator().manual_seed(VAL_SPLIT_SEED))
        val, keep = order[:config.val_size], order[config.val_size:].sort().values
        x_val, y_val, x, y = x[val], y[val], x[keep], y[keep]
    else:
        x_val, y_val = x[:0], y[:0]
    sample = fixed_train_sample(len(y), config.eval_train_size)
    return Split(x, y, x_val, y_val, sample, data.x_test, data.y_test)


def resolve(config: TrainConfig, *, verbose: bool = True) -> tuple[TrainConfig, torch.device, str | None, MnistData]:
    """The settings really used for ``config``: the device and MNIST source that are
    available, the number of images loaded, the threads torch will run with, and a
    training sample no larger than the training images. Every clipping is announced
    (:class:`~mlfootprint.notices.ClippedNotice`) and the record keeps the values used."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    device, note = choose_device(config.device, verbose=verbose)
    data = data_for(config, verbose=verbose)
    n_fit = data.n_train - config.val_size
    if n_fit < 1:
        raise ValueError(f"val_size={config.val_size:,} leaves no training images out of the "
                         f"{data.n_train:,} loaded from {data.source}: it must be smaller")
    sample = config.eval_train_size
    if sample > n_fit:
        if verbose:
            notice(f"eval_train_size={sample:,} is more than the {n_fit:,} training images, so "
                   f"all {n_fit:,} are evaluated", ClippedNotice)
        sample = n_fit
    threads = config.threads if config.threads is not None else torch.get_num_threads()
    resolved = config.with_(device=device.type, source=data.source, n_train=data.n_train,
                            n_test=data.n_test, eval_train_size=sample, threads=threads)
    return resolved, device, note, data


# ----------------------------------------------------------------------------------------
# Evaluation and prediction
# ----------------------------------------------------------------------------------------
@torch.inference_mode()
def _scores(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 250):
    """Mean loss, accuracy and the predicted labels (on the CPU)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total_loss, preds = 0.0, []
    for start in range(0, len(y), batch_size):
        xb = x[start:start + batch_size].to(device)
        yb = y[start:start + batch_size].to(device)
        logits = model(xb)
        total_loss += float(F.cross_entropy(logits, yb, reduction="sum"))
        preds.append(logits.argmax(1).cpu())
    model.train(was_training)
    pred = torch.cat(preds) if preds else torch.zeros(0, dtype=torch.long)
    return total_loss / len(y), float((pred == y.cpu()).double().mean()), pred


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 250) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy (0..1) of ``model`` on ``(x, y)``."""
    batch_size = checks.integer("batch_size", batch_size, lo=1)
    if len(y) == 0:
        raise ValueError("evaluate needs at least one image")
    loss, acc, _ = _scores(model, x, y, batch_size)
    return loss, acc


@torch.inference_mode()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 250) -> torch.Tensor:
    """Predicted labels (int64, on the CPU) for images ``x`` of shape (N, 1, 28, 28)."""
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or tuple(x.shape[1:]) != IMAGE_SHAPE:
        raise ValueError(f"x must be a tensor of images shaped (N, 1, 28, 28), "
                         f"got {getattr(x, 'shape', type(x).__name__)}")
    batch_size = checks.integer("batch_size", batch_size, lo=1)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    out = [model(x[i:i + batch_size].to(device)).argmax(1).cpu() for i in range(0, len(x), batch_size)]
    model.train(was_training)
    return torch.cat(out) if out else torch.zeros(0, dtype=torch.long)


# ----------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------
def _make_optimizer(config: TrainConfig, model: nn.Module, device: torch.device):
    """Adam (fused into one kernel where torch offers it: 1.5 times faster steps on this
    CPU, same update rule) or SGD with momentum 0.9."""
    if config.optimizer == "adam":
        if device.type in ("cpu", "cuda"):
            return torch.optim.Adam(model.parameters(), lr=config.lr, fused=True)
        return torch.optim.Adam(model.parameters(), lr=config.lr)
    return torch.optim.SGD(model.parameters(), lr=config.lr, momentum=0.9)


def _diverged(config: TrainConfig, epoch: int, batch: int, n_batches: int, value: float,
              first: float) -> TrainingDiverged:
    what = ("became " + ("NaN" if math.isnan(value) else "infinite") if not math.isfinite(value)
            else f"reached {units.number(value)}, over {DIVERGENCE_FACTOR:g} times its first value "
                 f"{units.number(first)}")
    return TrainingDiverged(
        f"training {config.label} diverged at epoch {epoch}, batch {batch} of {n_batches}: the loss "
        f"{what}. The learning rate lr={config.lr:g} is probably too large for the "
        f"{config.optimizer} optimiser; try a smaller one (the course uses 0.001). Nothing was stored.")


def _window_fields(prefix: str, rec: Measurement | None) -> dict:
    if rec is None:
        return {f"{prefix}_{k}": None for k in ("time_s", "energy_kwh", "cpu_kwh", "ram_kwh", "gpu_kwh")}
    return {f"{prefix}_time_s": rec.duration_s, f"{prefix}_energy_kwh": rec.energy_kwh,
            f"{prefix}_cpu_kwh": rec.cpu_energy_kwh, f"{prefix}_ram_kwh": rec.ram_energy_kwh,
            f"{prefix}_gpu_kwh": rec.gpu_energy_kwh}


def _train_epoch(config, model, optimiser, parts: Split, shuffle, device, epoch: int, first: list):
    n, bs = len(parts.y_train), config.batch_size
    n_batches = -(-n // bs)
    running = 0.0
    order = torch.randperm(n, generator=shuffle).to(device)
    for b, start in enumerate(range(0, n, bs), start=1):
        idx = order[start:start + bs]
        loss = F.cross_entropy(model(parts.x_train[idx]), parts.y_train[idx])
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        value = float(loss.detach())
        if not first:
            first.append(value)
        if not math.isfinite(value) or value > DIVERGENCE_FACTOR * max(first[0], 1e-3):
            raise _diverged(config, epoch, b, n_batches, value, first[0])
        running += value
    return running / n_batches


def _evaluate_all(model, parts: Split) -> dict:
    train_loss, train_acc, _ = _scores(model, parts.x_train[parts.sample], parts.y_train[parts.sample])
    test_loss, test_acc, pred = _scores(model, parts.x_test, parts.y_test)
    val_loss = val_acc = None
    if len(parts.y_val):
        val_loss, val_acc, _ = _scores(model, parts.x_val, parts.y_val)
    return {"train_loss": train_loss, "train_acc": train_acc, "val_loss": val_loss, "val_acc": val_acc,
            "test_loss": test_loss, "test_acc": test_acc, "pred": pred}


class _Stopper:
    """Early stopping on the validation accuracy (never on the test set)."""

    def __init__(self, config: TrainConfig):
        self.patience, self.min_delta = config.patience, config.min_delta
        self.best, self.since = -1.0, 0

    def stop(self, val_acc: float | None) -> bool:
        if self.patience is None:
            return False
        if val_acc > self.best + self.min_delta:
            self.best, self.since = val_acc, 0
        else:
            self.since += 1
        return self.since >= self.patience


def _epochs(config: TrainConfig, model, optimiser, parts: Split, device, progress: bool, callback=None):
    """The training loop: one tracker window per epoch's training and per evaluation.
    Returns the history, the training windows, the evaluation windows, the last test
    predictions and whether it stopped early."""
    shuffle = torch.Generator().manual_seed(config.seed)
    stopper = _Stopper(config)
    history, trains, evals, first, pred, stopped = [], [], [], [], None, False
    bar = tqdm(range(1, config.epochs + 1), desc=config.label, unit="epoch", disable=not progress,
               leave=False)
    for epoch in bar:
        model.train()
        with measure.track(f"{config.label} training, epoch {epoch}",
                           settings={"epoch": epoch, "phase": "train"}) as t_train:
            running = _train_epoch(config, model, optimiser, parts, shuffle, device, epoch, first)
        trains.append(t_train.record)
        row = {"epoch": epoch, "train_loss_running": running, "evaluated": False,
               **_window_fields("train", t_train.record), **_window_fields("eval", None),
               "train_loss": None, "train_acc": None, "val_loss": None, "val_acc": None,
               "test_loss": None, "test_acc": None,
               "tracker_warnings": list(t_train.record.tracker_warnings)}
        last = epoch == config.epochs
        if epoch % config.eval_every == 0 or last:
            with measure.track(f"{config.label} evaluation, epoch {epoch}",
                               settings={"epoch": epoch, "phase": "eval"}) as t_eval:
                scores = _evaluate_all(model, parts)
            evals.append(t_eval.record)
            pred = scores.pop("pred")
            row.update(scores, evaluated=True, **_window_fields("eval", t_eval.record))
            row["tracker_warnings"] += t_eval.record.tracker_warnings
            stopped = stopper.stop(scores["val_acc"]) and not last
            bar.set_postfix(loss=f"{scores['train_loss']:.3f}", test_acc=f"{scores['test_acc']:.3f}")
        history.append(row)
        if callback is not None:  # progress, live loss, a Stop (it raises: nothing is stored)
            callback(row)
        if stopped:
            break
    bar.close()
    return history, trains, evals, pred, stopped


def _fit(config: TrainConfig, data: MnistData, device: torch.device, device_note: str | None,
         progress: bool, callback=None) -> tuple[nn.Module, TrainedRun]:
    """Train ``config`` (already resolved); the model and its record. Writes no files."""
    with torch_threads(config.threads):
        threads = torch.get_num_threads()
        torch.manual_seed(config.seed)
        model = prepare(build_model(config.family, config.sizes), device)
        optimiser = _make_optimizer(config, model, device)
        parts = split(config, data)
        parts = Split(*(t.to(device) for t in (parts.x_train, parts.y_train, parts.x_val, parts.y_val,
                                               parts.sample, parts.x_test, parts.y_test)))
        history, trains, evals, pred, stopped = _epochs(config, model, optimiser, parts, device, progress,
                                                        callback)
    settings = config.settings()
    run = TrainedRun(
        label=config.label, family=config.family, settings=settings,
        n_parameters=count_parameters(model),
        training=measure.combine(trains, label=f"{config.label} training", settings=settings),
        evaluation=measure.combine(evals, label=f"{config.label} evaluation", settings=settings),
        history=history,
        data={"source": data.source, "description": data.description, "notes": list(data.notes),
              "n_train": len(parts.y_train), "n_val": len(parts.y_val), "n_test": len(parts.y_test),
              "eval_train_size": len(parts.sample)},
        extra={"test_predictions": pred.tolist(), "device": device.type, "device_note": device_note,
               "threads": threads, "torch_version": torch.__version__,
               "epochs_trained": len(history), "stopped_early": stopped, "evaluations": len(evals)},
    )
    return model, run


def _keep(config: TrainConfig, progress: bool, refresh: bool, verbose: bool = True, callback=None):
    resolved, device, note, data = resolve(config, verbose=verbose)

    def make():
        return _fit(resolved, data, device, note, progress, callback)

    model, run = store.keep(NAMESPACE, resolved.settings(), make=make, save=store.save_module,
                            load=store.load_module(lambda: build_model(resolved.family, resolved.sizes)),
                            code=CODE, decode=TrainedRun.from_dict, refresh=refresh)
    if note and run.extra.get("device_note") != note:
        run.extra["device_note"] = note
    return prepare(model, device).eval(), run


def train_classifier(config: TrainConfig, *, progress: bool = True, cache: bool = True,
                     refresh: bool = False, callback=None, verbose: bool = True) -> TrainedRun:
    """Train (or read back from the store) the classifier ``config`` describes.

    Returns a :class:`~mlfootprint.records.TrainedRun`: ``settings`` are those really used
    (device, source, images, threads, tracking mode), ``training`` the training windows
    summed, ``evaluation`` the evaluation windows summed, ``history`` one dict per epoch
    (losses, accuracies, durations and energies, never CO2), ``extra["test_predictions"]``
    the final model's test predictions. ``cache=False`` trains and stores nothing.
    A loss that becomes NaN, infinite or explodes stops training with
    :class:`TrainingDiverged`, and nothing is stored. ``callback(row)``, if given, gets each
    epoch's history row as it ends; an exception it raises ends the run, nothing stored.
    ``verbose=False`` leaves fallbacks and clippings unannounced, for a page whose source
    note says them (they are in the record's ``data["notes"]`` all the same).
    """
    if not cache:
        resolved, device, note, data = resolve(config, verbose=verbose)
        return TrainedRun.from_dict(store.to_jsonable(_fit(resolved, data, device, note, progress,
                                                           callback)[1]))
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
        model, run = load_trained(config, progress=False)
        images = data.x_test[:n]
        with torch_threads(resolved.threads):
            return measure.measure_repeated(lambda: predict(model, images, batch_size=n),
                                            label=f"{run.label} inference, batches of {n}",
                                            settings=settings, repeats=repeats,
                                            min_seconds=min_seconds, items_per_call=n)

    return store.cached(INFERENCE_NAMESPACE, settings, compute, code=CODE,
                        decode=Measurement.from_dict)
