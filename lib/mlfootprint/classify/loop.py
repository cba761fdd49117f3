"""What a chapter wraps its own measurement around: one classifier's training, an epoch at a
time, and the classification of images by two trained models measured in interleaved pairs.

:class:`Training` is the loop of :func:`~mlfootprint.classify.train_classifier` without its
measurement and evaluation, so that a page can show the one line where CodeCarbon's tracker
starts and stops::

    training = Training(config)
    with measure.track("training") as t:
        for _ in range(config.epochs):
            training.epoch()

It is seeded the same way, so it trains the same model as ``train_classifier(config)``.
:func:`inference_pairs` measures the energy per classified image of two trained models with
:func:`mlfootprint.compare.measure_pairs` (A, B, B, A, ... after a warm-up of each), kept in
the results store.
"""

from __future__ import annotations

import torch

from .. import checks, compare, measure, store
from ..measure import Measurement
from ..threads import torch_threads
from .config import TrainConfig
from .models import build_model, prepare
from .training import CODE as TRAINING_CODE
from .training import Split, _make_optimizer, _scores, _train_epoch, load_trained, predict, resolve, split

PAIRS_NAMESPACE = "classification/inference-pairs"
CODE = (*TRAINING_CODE, __name__)


class Training:
    """One classifier's training, ready to run an epoch at a time: the seeded model, its
    optimiser, the training and test images (on the device), and the seeded shuffling.

    ``config`` is resolved as :func:`~mlfootprint.classify.train_classifier` resolves it
    (device and source available, images loaded, threads); ``self.config`` holds the
    settings really used.
    """

    def __init__(self, config: TrainConfig):
        resolved, device, _, data = resolve(config, verbose=False)
        self.config, self.device = resolved, device
        with torch_threads(resolved.threads):
            torch.manual_seed(resolved.seed)
            self.model = prepare(build_model(resolved.family, resolved.sizes), device)
            self.optimiser = _make_optimizer(resolved, self.model, device)
        parts = split(resolved, data)
        self.parts = Split(*(t.to(device) for t in (parts.x_train, parts.y_train, parts.x_val, parts.y_val,
                                                    parts.sample, parts.x_test, parts.y_test)))
        self.shuffle = torch.Generator().manual_seed(resolved.seed)
        self.epochs_done = 0
        self._first_loss: list[float] = []

    def epoch(self) -> float:
        """One pass over the training images in shuffled batches; the mean training loss.
        A loss that explodes raises :class:`~mlfootprint.classify.TrainingDiverged`."""
        self.epochs_done += 1
        with torch_threads(self.config.threads):
            self.model.train()
            return _train_epoch(self.config, self.model, self.optimiser, self.parts, self.shuffle,
                                self.device, self.epochs_done, self._first_loss)

    def test_accuracy(self) -> float:
        """Accuracy (0..1) of the model as it is now on the test images."""
        with torch_threads(self.config.threads):
            return _scores(self.model, self.parts.x_test, self.parts.y_test)[1]


def _decode_pairs(value) -> compare.Pairs:
    return compare.Pairs([Measurement.from_dict(r) for r in value["a"]],
                         [Measurement.from_dict(r) for r in value["b"]])


def inference_pairs(config_a: TrainConfig, config_b: TrainConfig, *, batch_size: int = 100,
                    pairs: int = 5, min_seconds: float = 1.0) -> compare.Pairs:
    """Energy per classified image of the trained ``config_a`` and ``config_b``, measured in
    ``pairs`` interleaved pairs (:func:`mlfootprint.compare.measure_pairs`). Each side's
    measurement is one tracker window of at least ``min_seconds``, predicting the same batch
    of ``batch_size`` test images again and again; figures are per image. Both models run
    with the same threads. Kept in the results store, keyed by both runs' settings, the batch
    size, the number of pairs and the window."""
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

    def compute() -> dict:
        images = data.x_test[:n]

        def one_window(config):
            model, run = load_trained(config, progress=False)
            return lambda: measure.measure_repeated(
                lambda: predict(model, images, batch_size=n), label=f"{run.label}, batches of {n}",
                settings=settings, repeats=1, min_seconds=min_seconds, items_per_call=n, warmup=False)

        measure_a, measure_b = one_window(config_a), one_window(config_b)
        with torch_threads(a.threads):
            measured = compare.measure_pairs(measure_a, measure_b, pairs=pairs)
        return {"a": measured.a, "b": measured.b}

    return store.cached(PAIRS_NAMESPACE, settings, compute, code=CODE, decode=_decode_pairs)
