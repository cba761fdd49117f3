"""Every setting that changes a trained classifier's numbers, checked at once."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from .. import checks
from ..measure import COURSE_TRACKING_MODE
from ..mnist import SOURCES
from .models import DEVICES, FAMILIES, IMAGE_SHAPE, check_sizes, model_label

OPTIMIZERS = ("adam", "sgd")
MAX_EPOCHS = 1_000
MAX_IMAGES = 10_000_000        # far above MNIST's 70,000: larger asks are typos
MAX_THREADS = 1_024
MAX_SEED = 2 ** 64 - 1         # what torch's generators accept
MAX_LR = 1e6
# Largest activation of one training batch (floats): about 2 GB.
MAX_BATCH_FLOATS = 500_000_000


@dataclass(frozen=True)
class TrainConfig:
    """Every setting that changes a trained classifier's numbers. ``patience`` stops training
    once the validation accuracy (on ``val_size`` images carved from the training images, never
    the test set) has not risen by more than ``min_delta`` for that many evaluations in a row."""

    family: str
    sizes: tuple[int, ...]
    epochs: int = 10
    lr: float = 1e-3
    batch_size: int = 64
    seed: int = 0
    source: str = "auto"          # MNIST source: auto | torchvision | bundled
    n_train: int | None = 4000    # first n training images (None: all)
    n_test: int | None = 1000     # first n test images (None: all)
    eval_train_size: int = 1000   # fixed training-set sample evaluated each time
    device: str = "cpu"
    optimizer: str = "adam"
    threads: int | None = 1       # CPU threads for torch (None: as the process has them)
    val_size: int = 0             # validation images carved from the training images
    eval_every: int = 1           # evaluate after every k-th epoch and after the last
    patience: int | None = None   # early stopping on validation accuracy (needs val_size)
    min_delta: float = 0.0        # the rise in validation accuracy that counts as progress
    _OPTIONAL = ("n_train", "n_test", "threads", "patience")   # None allowed

    def __post_init__(self):
        checks.choice("family", self.family, FAMILIES)
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        put("sizes", check_sizes(self.sizes, family=self.family))
        for name, lo, hi in (("epochs", 1, MAX_EPOCHS), ("batch_size", 1, MAX_IMAGES), ("seed", 0, MAX_SEED),
                             ("n_train", 1, MAX_IMAGES), ("n_test", 1, MAX_IMAGES),
                             ("eval_train_size", 1, MAX_IMAGES), ("threads", 1, MAX_THREADS),
                             ("val_size", 0, MAX_IMAGES), ("eval_every", 1, MAX_EPOCHS),
                             ("patience", 1, MAX_EPOCHS)):
            if getattr(self, name) is not None or name not in self._OPTIONAL:
                put(name, checks.integer(name, getattr(self, name), lo=lo, hi=hi))
        put("lr", checks.number("lr", self.lr, lo=0, lo_open=True, hi=MAX_LR))
        for name, options in (("source", SOURCES), ("device", DEVICES), ("optimizer", OPTIMIZERS)):
            checks.choice(name, getattr(self, name), options)
        if self.patience is not None and self.val_size == 0:
            raise ValueError(f"patience={self.patience} stops on the validation accuracy, so it "
                             f"needs a validation set: give val_size (images carved from the "
                             f"training data), e.g. val_size=500")
        put("min_delta", checks.number("min_delta", self.min_delta, lo=0, hi=1))
        if self.n_train is not None and self.val_size >= self.n_train:
            raise ValueError(f"val_size={self.val_size:,} leaves no training images out of "
                             f"n_train={self.n_train:,}: it must be smaller")
        widest = max([IMAGE_SHAPE[1] * IMAGE_SHAPE[2], *self.sizes]) if self.family == "MLP" \
            else self.sizes[0] * IMAGE_SHAPE[1] * IMAGE_SHAPE[2]
        if self.batch_size * widest > MAX_BATCH_FLOATS:
            raise ValueError(f"batch_size={self.batch_size:,} with sizes {list(self.sizes)} needs "
                             f"{self.batch_size * widest:,} numbers for one layer of one batch "
                             f"(about {4 * self.batch_size * widest / 1e9:,.1f} GB); at most "
                             f"{MAX_BATCH_FLOATS:,} are allowed: use a smaller batch_size")

    @property
    def label(self) -> str:
        return model_label(self.family, self.sizes)

    def settings(self) -> dict:
        """The settings as a dict of plain values (the measuring mode added: it is used too)."""
        return asdict(self) | {"sizes": list(self.sizes), "tracking_mode": COURSE_TRACKING_MODE}

    def with_(self, **changes: Any) -> "TrainConfig":
        names = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise TypeError(f"TrainConfig has no setting(s) {unknown}; it has {sorted(names)}")
        return TrainConfig(**(asdict(self) | changes))
