"""Digit classifiers (MLPs and CNNs): training, evaluation and what they cost.

The package's face; the rooms behind it:

- :mod:`.models` -- :class:`MLP` (``MLP((128, 64))``), :class:`CNN` (``CNN((32, 64))``),
  :func:`build_model`, :func:`count_parameters`, :func:`expected_parameters`,
  :func:`multiply_adds`, :func:`model_label` (``"MLP 32-16"``), :func:`choose_device`
  (``auto``, ``cpu``, ``cuda``, ``mps``; an unavailable device falls back to the CPU with a
  notice that is also recorded);
- :mod:`.config` -- :class:`TrainConfig`: every setting that changes a result, checked at
  once (numpy numbers accepted; bounds on sizes, images, seeds, learning rate);
- :mod:`.training` -- :func:`train_classifier` (cached, seeded; a
  :class:`~mlfootprint.records.TrainedRun` whose ``training`` is training only and whose
  ``evaluation`` is measured apart), :func:`load_trained` (the model back, its weights
  checked), :func:`train_sweep`, :func:`measure_inference`, :func:`evaluate`,
  :func:`predict`; a validation split carved from the training images, ``eval_every`` and
  early stopping (``patience``); divergence stops with :class:`TrainingDiverged`;
- :mod:`.results` -- :func:`totals`, :func:`upto`, :func:`best`, :func:`cheapest`,
  :func:`pareto_front`, :func:`confusion_matrix`, :func:`sweep_frame`,
  :func:`learning_state` (numbers; the chapter writes the sentences);
- :mod:`.loop` -- :class:`Training` (the training loop an epoch at a time, for a page that
  wraps its own measurement around it) and :func:`inference_pairs` (two models' energy per
  image, measured in interleaved pairs).

The classification chapter's sweep is defined in :mod:`mlfootprint.course.classification`.
"""

from __future__ import annotations

from .config import OPTIMIZERS, TrainConfig
from .models import (CNN, DEVICES, FAMILIES, HEAD_GRID, IMAGE_SHAPE, MAX_PARAMETERS, MLP, N_CLASSES,
                     build_model, check_sizes, choose_device, count_parameters, expected_parameters,
                     model_label, multiply_adds, prepare)
from .loop import Training, inference_pairs
from .results import (CHANCE, LEARNING_STATES, best, cheapest, confusion_matrix, epoch_windows, evaluated,
                      final_accuracy, learning_state, pareto_front, pareto_runs, sweep_frame, synthetic_run,
                      top_confusions, totals, upto)
from .training import (NAMESPACE, Split, TrainingDiverged, data_for, evaluate, fixed_train_sample,
                       load_trained, measure_inference, predict, resolve, split, torch_threads,
                       train_classifier, train_sweep)


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
