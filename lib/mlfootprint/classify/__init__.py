"""Digit classifiers (MLPs and CNNs): models (:mod:`.models`), settings (:mod:`.config`), the
training loop the chapter shows and the sweep runs (:mod:`.loop`), that loop measured and kept
(:mod:`.training`), and numbers read from runs (:mod:`.results`; the chapter writes the
sentences). The chapter's sweep is defined in :mod:`mlfootprint.course.classification`."""

from __future__ import annotations

from ..threads import torch_threads
from .config import OPTIMIZERS, TrainConfig
from .models import (CNN, DEVICES, FAMILIES, HEAD_GRID, IMAGE_SHAPE, MAX_PARAMETERS, MLP, N_CLASSES,
                     build_model, check_sizes, choose_device, count_parameters, expected_parameters,
                     model_label, multiply_adds, prepare)
from .loop import Split, Training, TrainingDiverged, data_for, evaluate, fixed_train_sample, predict, resolve, split
from .results import (CHANCE, LEARNING_STATES, best, cheapest, confusion_matrix, epoch_windows, evaluated,
                      final_accuracy, learning_state, pareto_front, sweep_frame, synthetic_run,
                      top_confusions, totals, upto)
from .training import NAMESPACE, inference_pairs, load_trained, measure_inference, train_classifier, train_sweep


def sweep_configs(mlps, cnns, **common) -> list[TrainConfig]:
    """One TrainConfig per MLP and per CNN size, MLPs first, sharing ``common`` settings."""
    return ([TrainConfig("MLP", tuple(s), **common) for s in mlps]
            + [TrainConfig("CNN", tuple(s), **common) for s in cnns])
