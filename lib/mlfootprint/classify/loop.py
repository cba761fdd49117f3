"""The training loop of a digit classifier, an epoch at a time (the loop the chapter shows and
the sweep runs). Batches are slices of a permutation drawn from a seeded ``torch.Generator``
over in-memory tensors (no ``DataLoader``), so the same config trains the same model."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from .. import checks, units
from ..mnist import MnistData, load_mnist
from ..notices import ClippedNotice, notice
from ..paths import data_dir
from ..threads import torch_threads
from .config import TrainConfig
from .models import IMAGE_SHAPE, N_CLASSES, build_model, choose_device, prepare

# The modules whose code makes a run's numbers: a change to them trains again.
CODE = (f"{__package__}.models", __name__)
EVAL_SAMPLE_SEED = 12345   # the fixed training-set sample is the same for every model
VAL_SPLIT_SEED = 54321     # the validation images are the same for every model and seed
# A loss this many times its first value (about ln 10 = 2.3 for ten classes) has exploded.
DIVERGENCE_FACTOR = 100.0


class TrainingDiverged(ValueError):
    """The loss became infinite, NaN or exploded: nothing is stored."""


_DATA_MEMO: dict[tuple, MnistData] = {}


def data_for(config: TrainConfig, *, verbose: bool = True) -> MnistData:
    """MNIST for ``config``, loaded once per process and data folder, so that a sweep tries
    the download (and says it fell back) once. ``verbose=False`` prints no fallback (for a page
    that shows ``data.notes`` in a note of its own)."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    key = (config.source, config.n_train, config.n_test, str(data_dir()))
    if key not in _DATA_MEMO:
        _DATA_MEMO[key] = load_mnist(config.source, max_train=config.n_train, max_test=config.n_test,
                                     verbose=verbose)
    return _DATA_MEMO[key]


@dataclass
class Split:
    """A run's tensors: training, validation (carved from training), the fixed training sample."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    sample: torch.Tensor       # indices into x_train
    x_test: torch.Tensor
    y_test: torch.Tensor


def _check_val_size(val_size: int, n: int, where: str) -> int:
    if val_size >= n:
        raise ValueError(f"val_size={val_size:,} leaves no training images out of the {n:,} "
                         f"loaded{where}: it must be smaller")
    return n - val_size


def fixed_train_sample(n_train: int, size: int, seed: int = EVAL_SAMPLE_SEED) -> torch.Tensor:
    """Indices of the fixed training-set sample evaluated every time (same for every model)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randperm(n_train, generator=g)[:min(size, n_train)]


def split(config: TrainConfig, data: MnistData) -> Split:
    """Carve ``config.val_size`` validation images out of the training images (a fixed,
    seeded choice; never the test set) and draw the fixed training sample from the rest."""
    x, y = data.x_train, data.y_train
    _check_val_size(config.val_size, len(y), "")
    if config.val_size:
        order = torch.randperm(len(y), generator=torch.Generator().manual_seed(VAL_SPLIT_SEED))
        val, keep = order[:config.val_size], order[config.val_size:].sort().values
        x_val, y_val, x, y = x[val], y[val], x[keep], y[keep]
    else:
        x_val, y_val = x[:0], y[:0]
    sample = fixed_train_sample(len(y), config.eval_train_size)
    return Split(x, y, x_val, y_val, sample, data.x_test, data.y_test)


def resolve(config: TrainConfig, *, verbose: bool = True) -> tuple[TrainConfig, torch.device, str | None, MnistData]:
    """The settings really used for ``config`` (the device and MNIST source available, the
    images loaded, the threads, a training sample no larger than the training images), the
    device, its fallback note and the data. Every clipping is announced."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    device, note = choose_device(config.device, verbose=verbose)
    data = data_for(config, verbose=verbose)
    n_fit = _check_val_size(config.val_size, data.n_train, f" from {data.source}")
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


@torch.inference_mode()
def _logits(model: nn.Module, x: torch.Tensor, batch_size: int) -> torch.Tensor:
    """``model``'s logits for ``x``, batch by batch in eval mode (its mode restored after)."""
    was_training, device = model.training, next(model.parameters()).device
    model.eval()
    out = [model(x[i:i + batch_size].to(device)) for i in range(0, len(x), batch_size)]
    model.train(was_training)
    return torch.cat(out) if out else torch.zeros(0, N_CLASSES, device=device)


def _scores(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 250):
    """Mean loss, accuracy and the predicted labels (on the CPU)."""
    logits = _logits(model, x, batch_size)
    pred = logits.argmax(1).cpu()
    loss = float(F.cross_entropy(logits, y.to(logits.device), reduction="sum")) / len(y)
    return loss, float((pred == y.cpu()).double().mean()), pred


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 250) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy (0..1) of ``model`` on ``(x, y)``."""
    batch_size = checks.integer("batch_size", batch_size, lo=1)
    if len(y) == 0:
        raise ValueError("evaluate needs at least one image")
    return _scores(model, x, y, batch_size)[:2]


def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 250) -> torch.Tensor:
    """Predicted labels (int64, on the CPU) for images ``x`` of shape (N, 1, 28, 28)."""
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or tuple(x.shape[1:]) != IMAGE_SHAPE:
        raise ValueError(f"x must be a tensor of images shaped (N, 1, 28, 28), "
                         f"got {getattr(x, 'shape', type(x).__name__)}")
    return _logits(model, x, checks.integer("batch_size", batch_size, lo=1)).argmax(1).cpu()


def _make_optimizer(config: TrainConfig, model: nn.Module, device: torch.device):
    """Adam (fused into one kernel where torch offers it: 1.5 times faster steps on this
    CPU, same update rule) or SGD with momentum 0.9."""
    if config.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=config.lr, momentum=0.9)
    return torch.optim.Adam(model.parameters(), lr=config.lr, fused=device.type in ("cpu", "cuda"))


def _diverged(config: TrainConfig, epoch: int, batch: int, n_batches: int, value: float,
              first: float) -> TrainingDiverged:
    what = ("became " + ("NaN" if math.isnan(value) else "infinite") if not math.isfinite(value)
            else f"reached {units.number(value)}, over {DIVERGENCE_FACTOR:g} times its first value "
                 f"{units.number(first)}")
    return TrainingDiverged(
        f"training {config.label} diverged at epoch {epoch}, batch {batch} of {n_batches}: the loss "
        f"{what}. The learning rate lr={config.lr:g} is probably too large for the "
        f"{config.optimizer} optimiser; try a smaller one (the course uses 0.001). Nothing was stored.")


def shuffled_steps(optimiser, n: int, batch_size: int, shuffle: torch.Generator, loss_of,
                   device: torch.device | None = None):
    """One pass over ``n`` examples in batches of a permutation drawn from ``shuffle``, one
    optimiser step per batch on ``loss_of(indices)`` (a loss, or a tuple whose first item is
    the loss). Yields each batch's values (floats) and size. The one loop every trainer shares
    (classifiers, CVAEs, judges)."""
    order = torch.randperm(n, generator=shuffle)
    order = order.to(device) if device is not None else order
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        out = loss_of(idx)
        out = out if isinstance(out, tuple) else (out,)
        optimiser.zero_grad(set_to_none=True)
        out[0].backward()
        optimiser.step()
        yield [float(v.detach()) for v in out], len(idx)


def _train_epoch(config, model, optimiser, parts: Split, shuffle, device, epoch: int, first: list):
    n_batches = -(-len(parts.y_train) // config.batch_size)
    running = 0.0
    steps = shuffled_steps(optimiser, len(parts.y_train), config.batch_size, shuffle,
                           lambda idx: F.cross_entropy(model(parts.x_train[idx]), parts.y_train[idx]), device)
    for b, ((value,), _) in enumerate(steps, start=1):
        if not first:
            first.append(value)
        if not math.isfinite(value) or value > DIVERGENCE_FACTOR * max(first[0], 1e-3):
            raise _diverged(config, epoch, b, n_batches, value, first[0])
        running += value
    return running / n_batches


class Training:
    """One classifier's training, ready to run an epoch at a time: the seeded model, its
    optimiser, the training, validation and test images (on the device), the seeded shuffling.
    ``self.config`` holds the settings really used (:func:`resolve`)."""

    def __init__(self, config: TrainConfig, *, verbose: bool = False):
        self.config, self.device, self.device_note, self.data = resolve(config, verbose=verbose)
        with torch_threads(self.config.threads):
            torch.manual_seed(self.config.seed)
            self.model = prepare(build_model(self.config.family, self.config.sizes), self.device)
            self.optimiser = _make_optimizer(self.config, self.model, self.device)
        self.parts = Split(*(t.to(self.device) for t in vars(split(self.config, self.data)).values()))
        self.shuffle = torch.Generator().manual_seed(self.config.seed)
        self.epochs_done = 0
        self._first_loss: list[float] = []

    def epoch(self) -> float:
        """One pass over the training images in shuffled batches; the mean training loss.
        A loss that explodes raises :class:`TrainingDiverged`."""
        self.epochs_done += 1
        with torch_threads(self.config.threads):
            self.model.train()
            return _train_epoch(self.config, self.model, self.optimiser, self.parts, self.shuffle,
                                self.device, self.epochs_done, self._first_loss)

    def scores(self) -> dict:
        """Loss and accuracy on the fixed training sample, the validation images (None when
        there are none) and the test images, and the test predictions (``"pred"``)."""
        p, out = self.parts, {}
        with torch_threads(self.config.threads):
            for name, x, y in (("train", p.x_train[p.sample], p.y_train[p.sample]),
                               ("val", p.x_val, p.y_val), ("test", p.x_test, p.y_test)):
                out[f"{name}_loss"], out[f"{name}_acc"], out["pred"] = \
                    _scores(self.model, x, y) if len(y) else (None, None, None)
        return out

    def test_accuracy(self) -> float:
        """Accuracy (0..1) of the model as it is now on the test images."""
        with torch_threads(self.config.threads):
            return _scores(self.model, self.parts.x_test, self.parts.y_test)[1]
