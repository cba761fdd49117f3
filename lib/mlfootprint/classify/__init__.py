"""Digit classifiers (MLPs and CNNs): training, evaluation and what they cost.

- :mod:`.models` -- :class:`MLP`, :class:`CNN`, their sizes, labels (``"MLP 32-16"``) and device;
- :mod:`.config` -- :class:`TrainConfig`: every setting that changes a result, checked at once;
- :mod:`.loop` -- :class:`Training`, the training loop an epoch at a time (the one the chapter
  shows and the sweep runs), the data split, :func:`evaluate` and :func:`predict`;
- :mod:`.training` -- :func:`train_classifier` (the loop measured a window per epoch and per
  evaluation, kept by the store), :func:`load_trained`, :func:`train_sweep`,
  :func:`measure_inference`, :func:`inference_pairs`;
- :mod:`.results` -- numbers read from runs (totals, best, cheapest, Pareto front, confusions,
  learning state); the chapter writes the sentences.

The classification chapter's sweep is defined in :mod:`mlfootprint.course.classification`.
"""

from __future__ import annotations

from ..threads import torch_threads
from .config import OPTIMIZERS, TrainConfig
from .models import (CNN, DEVICES, FAMILIES, HEAD_GRID, IMAGE_SHAPE, MAX_PARAMETERS, MLP, N_CLASSES,
                     build_model, check_sizes, choose_device, count_parameters, expected_parameters,
                     model_label, multiply_adds, prepare)
from .loop import Split, Training, TrainingDiverged, data_for, evaluate, fixed_train_sample, predict, resolve, split
from .results import (CHANCE, LEARNING_STATES, best, cheapest, confusion_matrix, epoch_windows, evaluated,
                      final_accuracy, learning_state, pareto_front, pareto_runs, sweep_frame, synthetic_run,
                      top_confusions, totals, upto)
from .training import NAMESPACE, inference_pairs, load_trained, measure_inference, train_classifier, train_sweep


def sweep_configs(mlps, cnns, **common) -> list[TrainConfig]:
    """One TrainConfig per MLP and per CNN size, MLPs first, sharing ``common`` settings."""
    return ([TrainConfig("MLP", tuple(s), **common) for s in mlps]
            + [TrainConfig("CNN", tuple(s), **common) for s in cnns])


__all__ = [
    "CNN", "MLP", "TrainConfig", "TrainingDiverged", "Split", "FAMILIES", "DEVICES", "OPTIMIZERS",
    "HEAD_GRID", "IMAGE_SHAPE", "N_CLASSES", "MAX_PARAMETERS", "NAMESPACE", "CHANCE",
    "build_model", "check_sizes", "choose_device", "count_parameters", "expected_parameters",
    "model_label", "multiply_adds", "prepare", "best", "cheapest", "confusion_matrix",
    "epoch_windows", "evaluated", "final_accuracy", "pareto_front", "pareto_runs", "sweep_frame",
    "top_confusions", "totals", "upto", "synthetic_run", "data_for", "evaluate", "fixed_train_sample",
    "load_trained", "measure_inference", "predict", "resolve", "split", "torch_threads",
    "train_classifier", "train_sweep", "sweep_configs", "Training", "inference_pairs",
    "LEARNING_STATES", "learning_state",
]
