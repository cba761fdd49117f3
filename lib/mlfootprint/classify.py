"""Digit classifiers (MLPs and CNNs), their training and evaluation, and what they cost.

Public API, used by the classification chapter and reusable elsewhere:

- :class:`MLP` (``MLP((128, 64))``) and :class:`CNN` (``CNN((32, 64))``), both taking
  images of shape (N, 1, 28, 28) in [0, 1] and returning class logits;
- :func:`build_model` (family + sizes), :func:`count_parameters`;
- :func:`choose_device` (``auto``, ``cpu``, ``cuda``, ``mps``; an unavailable device falls
  back to the CPU with a printed note that is also recorded);
- :class:`TrainConfig` (every setting that changes a result) and
  :func:`train_classifier` (cached, seeded, per-epoch history with energy and CO2 of
  training and of evaluation measured separately) -> a plain record dict;
- :func:`train_sweep` for a list of configs, :func:`evaluate`, :func:`predict`,
  :func:`load_trained` (the trained model back from its saved weights).

Training runs on in-memory tensors: batches are slices of a permutation drawn from a
seeded ``torch.Generator``, so no ``DataLoader`` and no per-image Python work. Each epoch
is evaluated on the whole test set and on a *fixed* sample of the training set (not the
whole training set, which would cost as much as the training itself).
"""

from __future__ import annotations

import math
import os

from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .checks import positive_int

FAMILIES = ("MLP", "CNN")
DEVICES = ("auto", "cpu", "cuda", "mps")
OPTIMIZERS = ("adam", "sgd")
NAMESPACE = "classification/train"
WEIGHTS_NAMESPACE = "classification/weights"
N_CLASSES = 10
IMAGE_SHAPE = (1, 28, 28)
# MNIST pixel mean and std, used to centre the inputs inside the models.
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
# The CNN's head sees at most HEAD_GRID x HEAD_GRID positions per channel.
HEAD_GRID = 7
EVAL_SAMPLE_SEED = 12345  # the fixed training-set sample is the same for every model


# ----------------------------------------------------------------------------------------
# Checking sizes
# ----------------------------------------------------------------------------------------
def check_sizes(sizes: Any, *, what: str = "hidden sizes", allow_empty: bool = True) -> tuple[int, ...]:
    """``sizes`` as a tuple of positive ints, or a clear ValueError/TypeError."""
    if isinstance(sizes, bool) or isinstance(sizes, (str, bytes)):
        raise TypeError(f"{what} must be a list of positive integers such as [128, 64], got {sizes!r}")
    if isinstance(sizes, int):
        sizes = (sizes,)
    try:
        sizes = tuple(sizes)
    except TypeError:
        raise TypeError(f"{what} must be a list of positive integers such as [128, 64], "
                        f"got {sizes!r}") from None
    if not sizes and not allow_empty:
        raise ValueError(f"{what} must not be empty: give at least one positive integer, e.g. [32]")
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, int):
            # numpy integers are fine, floats such as 32.0 or 32.5 are not
            if hasattr(s, "__index__") and not isinstance(s, bool):
                continue
            raise TypeError(f"{what} must all be integers, got {s!r} in {list(sizes)!r}")
        if s < 1:
            raise ValueError(f"{what} must all be positive (at least 1), got {s!r} in {list(sizes)!r}")
    return tuple(int(s) for s in sizes)


# ----------------------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------------------
class _Standardise(nn.Module):
    """(x - mean) / std with MNIST's constants; no parameters."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - MNIST_MEAN) / MNIST_STD


class MLP(nn.Module):
    """784 -> hidden[0] -> ... -> hidden[-1] -> 10, ReLU between layers.

    ``hidden=()`` is allowed and gives plain logistic regression.
    """

    family = "MLP"

    def __init__(self, hidden: Sequence[int] = (128, 64), n_classes: int = N_CLASSES):
        super().__init__()
        self.sizes = check_sizes(hidden, what="MLP hidden sizes", allow_empty=True)
        n_classes = check_sizes([n_classes], what="n_classes")[0]
        layers: list[nn.Module] = [_Standardise(), nn.Flatten()]
        width = math.prod(IMAGE_SHAPE)
        for h in self.sizes:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, n_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class CNN(nn.Module):
    """Blocks of 3x3 convolution (padding 1) + ReLU + 2x2 max-pooling, then a linear head.

    Each block halves the image (28 -> 14 -> 7 -> 3 -> 1); blocks past 1x1 do not pool.
    Before the head, a feature map larger than ``HEAD_GRID`` x ``HEAD_GRID`` is
    average-pooled down to it, so the head has at most ``channels[-1] * 49`` inputs
    whatever the depth: (8,) gives a 392-input head, (64, 64, 64) a 576-input one.
    """

    family = "CNN"

    def __init__(self, channels: Sequence[int] = (32, 64), n_classes: int = N_CLASSES):
        super().__init__()
        self.sizes = check_sizes(channels, what="CNN channels", allow_empty=False)
        n_classes = check_sizes([n_classes], what="n_classes")[0]
        blocks: list[nn.Module] = [_Standardise()]
        c_in, side = IMAGE_SHAPE[0], IMAGE_SHAPE[1]
        for c in self.sizes:
            blocks += [nn.Conv2d(c_in, c, kernel_size=3, padding=1), nn.ReLU()]
            if side >= 2:
                blocks.append(nn.MaxPool2d(2))
                side //= 2
            c_in = c
        if side > HEAD_GRID:
            blocks.append(nn.AdaptiveAvgPool2d(HEAD_GRID))
            side = HEAD_GRID
        self.features = nn.Sequential(*blocks)
        self.head_inputs = c_in * side * side
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(self.head_inputs, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def build_model(family: str, sizes: Sequence[int]) -> nn.Module:
    """``build_model("MLP", [128, 64])`` or ``build_model("CNN", [32, 64])``."""
    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r}; choose one of {', '.join(FAMILIES)}")
    return MLP(sizes) if family == "MLP" else CNN(sizes)


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters of ``model``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"count_parameters needs a torch.nn.Module, got {type(model).__name__}")
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only))


def model_label(family: str, sizes: Sequence[int]) -> str:
    """``"MLP (128, 64)"``, ``"CNN (32,)"`` style label used in tables and legends."""
    return f"{family} ({', '.join(str(s) for s in sizes)}{',' if len(sizes) == 1 else ''})"


# ----------------------------------------------------------------------------------------
# Device
# ----------------------------------------------------------------------------------------
def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def choose_device(device: str = "auto", *, verbose: bool = True) -> tuple[torch.device, str | None]:
    """The torch device for ``device`` and a note when it had to fall back to the CPU.

    ``auto`` picks CUDA, then Apple's MPS, then the CPU. Asking for ``cuda`` or ``mps``
    where it is not available prints a note, returns the CPU and the note (to be recorded).
    """
    if not isinstance(device, str) or device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda"), None
        if _mps_available():
            return torch.device("mps"), None
        return torch.device("cpu"), None
    if device == "cpu":
        return torch.device("cpu"), None
    available = torch.cuda.is_available() if device == "cuda" else _mps_available()
    if available:
        return torch.device(device), None
    note = (f"device '{device}' was asked for but is not available on this machine, "
            f"so the CPU is used instead.")
    if verbose:
        print(f"[mlfootprint] {note}")
    return torch.device("cpu"), note


def prepare(model: nn.Module, device: torch.device) -> nn.Module:
    """Move ``model`` to ``device``; on the CPU a CNN uses the channels-last memory layout.

    Channels-last made these small convolutions 1.3 to 2 times faster to train and 2 to 6
    times faster to evaluate on this CPU (measured with one thread); results are the
    same model, computed in another order.
    """
    model = model.to(device)
    if isinstance(model, CNN) and device.type == "cpu":
        model = model.to(memory_format=torch.channels_last)
    return model


# ----------------------------------------------------------------------------------------
# Configuration
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainConfig:
    """Every setting that changes a trained classifier's numbers."""

    family: str
    sizes: tuple[int, ...]
    epochs: int = 10
    lr: float = 1e-3
    batch_size: int = 64
    seed: int = 0
    source: str = "auto"          # MNIST source: auto | torchvision | bundled
    n_train: int | None = 4000    # first n training images (None: all)
    n_test: int | None = 1000     # first n test images (None: all)
    eval_train_size: int = 1000   # fixed training-set sample evaluated each epoch
    device: str = "cpu"
    optimizer: str = "adam"
    threads: int | None = 1       # CPU threads for torch while training (None: leave as is)
    tracking_mode: str = "process"  # CodeCarbon: count this process only, or the whole machine

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise ValueError(f"unknown model family {self.family!r}; choose one of {', '.join(FAMILIES)}")
        sizes = check_sizes(self.sizes, what=f"{self.family} sizes", allow_empty=self.family == "MLP")
        object.__setattr__(self, "sizes", sizes)
        for name in ("epochs", "batch_size", "eval_train_size"):
            positive_int(name, getattr(self, name))
        for name in ("n_train", "n_test"):
            if getattr(self, name) is not None:
                positive_int(name, getattr(self, name))
        from .measure import TRACKING_MODES

        if self.tracking_mode not in TRACKING_MODES:
            raise ValueError(f"tracking_mode must be one of {', '.join(TRACKING_MODES)}, "
                             f"got {self.tracking_mode!r}")
        if self.threads is not None:
            positive_int("threads", self.threads)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if isinstance(self.lr, bool) or not isinstance(self.lr, (int, float)) \
                or not math.isfinite(self.lr) or self.lr <= 0:
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        from .mnist import SOURCES

        if self.source not in SOURCES:
            raise ValueError(f"unknown MNIST source {self.source!r}; choose one of {', '.join(SOURCES)}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {self.device!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")

    @property
    def label(self) -> str:
        return model_label(self.family, self.sizes)

    def settings(self) -> dict:
        return asdict(self) | {"sizes": list(self.sizes)}

    def with_(self, **changes) -> "TrainConfig":
        return TrainConfig(**(asdict(self) | changes))


# ----------------------------------------------------------------------------------------
# Evaluation and prediction
# ----------------------------------------------------------------------------------------
@torch.inference_mode()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 250) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy (0..1) of ``model`` on ``(x, y)``."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total_loss, correct = 0.0, 0
    for start in range(0, len(y), batch_size):
        xb = x[start:start + batch_size].to(device)
        yb = y[start:start + batch_size].to(device)
        logits = model(xb)
        total_loss += float(F.cross_entropy(logits, yb, reduction="sum"))
        correct += int((logits.argmax(1) == yb).sum())
    model.train(was_training)
    return total_loss / len(y), correct / len(y)


@torch.inference_mode()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 250) -> torch.Tensor:
    """Predicted labels (int64, on the CPU) for images ``x`` of shape (N, 1, 28, 28)."""
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or tuple(x.shape[1:]) != IMAGE_SHAPE:
        raise ValueError(f"predict needs a tensor of images shaped (N, 1, 28, 28), "
                         f"got {getattr(x, 'shape', type(x).__name__)}")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    out = [model(x[i:i + batch_size].to(device)).argmax(1).cpu() for i in range(0, len(x), batch_size)]
    model.train(was_training)
    return torch.cat(out)


def fixed_train_sample(n_train: int, size: int, seed: int = EVAL_SAMPLE_SEED) -> torch.Tensor:
    """Indices of the fixed training-set sample evaluated every epoch (same for every model)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randperm(n_train, generator=g)[:min(size, n_train)]


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


_DATA_MEMO: dict[tuple, Any] = {}


def data_for(config: TrainConfig):
    """MNIST for ``config``, loaded once per process for each (source, n_train, n_test).

    Remembering it means a sweep tries the download (and prints the fallback note) once,
    not once per model. The data folder is part of the memo key, so tests stay apart.
    """
    from .mnist import load_mnist
    from .paths import data_dir

    key = (config.source, config.n_train, config.n_test, str(data_dir()))
    if key not in _DATA_MEMO:
        _DATA_MEMO[key] = load_mnist(config.source, max_train=config.n_train, max_test=config.n_test)
    return _DATA_MEMO[key]


_load_data = data_for


@contextmanager
def torch_threads(n: int | None):
    """Run the block with ``n`` torch CPU threads (None: unchanged), then restore the old number.

    Small models gain little from a second thread, and on a shared machine a busy second
    core makes multi-threaded small kernels wait on each other: one thread was 5 to 25
    times faster than two for these models while other jobs ran on this 2-core machine.
    """
    previous = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _train(config: TrainConfig, data, device: torch.device, device_note: str | None,
           progress: bool, weights_path) -> dict:
    with torch_threads(config.threads):
        return _train_loop(config, data, device, device_note, progress, weights_path)


def _train_loop(config: TrainConfig, data, device: torch.device, device_note: str | None,
                progress: bool, weights_path) -> dict:
    from tqdm.auto import tqdm

    from .measure import track

    torch.manual_seed(config.seed)
    model = prepare(build_model(config.family, config.sizes), device)
    optimiser = _make_optimizer(config, model, device)
    shuffle = torch.Generator().manual_seed(config.seed)
    x_train, y_train = data.x_train.to(device), data.y_train.to(device)
    x_test, y_test = data.x_test.to(device), data.y_test.to(device)
    sample = fixed_train_sample(len(y_train), config.eval_train_size).to(device)
    x_sample, y_sample = x_train[sample], y_train[sample]
    n, bs = len(y_train), config.batch_size
    base = {"model": config.label, **config.settings()}
    history = []
    bar = tqdm(range(1, config.epochs + 1), desc=config.label, unit="epoch",
               disable=not progress, leave=False)
    for epoch in bar:
        model.train()
        running, batches = 0.0, 0
        with track("train epoch", settings={**base, "epoch": epoch, "phase": "train"},
                   tracking_mode=config.tracking_mode) as t_train:
            order = torch.randperm(n, generator=shuffle).to(device)
            for start in range(0, n, bs):
                idx = order[start:start + bs]
                loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                running += float(loss.detach())
                batches += 1
        with track("evaluation", settings={**base, "epoch": epoch, "phase": "eval"},
                   tracking_mode=config.tracking_mode) as t_eval:
            train_loss, train_acc = evaluate(model, x_sample, y_sample)
            test_loss, test_acc = evaluate(model, x_test, y_test)
        tr, ev = t_train.record, t_eval.record
        history.append({
            "epoch": epoch,
            "train_loss": train_loss, "train_acc": train_acc,
            "train_loss_running": running / batches,
            "test_loss": test_loss, "test_acc": test_acc,
            "train_time_s": tr.duration_s, "eval_time_s": ev.duration_s,
            "train_energy_kwh": tr.energy_kwh, "eval_energy_kwh": ev.energy_kwh,
            "train_emissions_kg": tr.emissions_kg, "eval_emissions_kg": ev.emissions_kg,
            "train_measurement": tr.to_dict(), "eval_measurement": ev.to_dict(),
        })
        bar.set_postfix(loss=f"{train_loss:.3f}", test_acc=f"{test_acc:.3f}")
    bar.close()
    test_pred = predict(model, x_test).tolist()
    if weights_path is not None:
        tmp = weights_path.with_name(f".{weights_path.name}.{os.getpid()}.tmp")
        torch.save({k: v.cpu() for k, v in model.state_dict().items()}, tmp)
        os.replace(tmp, weights_path)
    return {
        "label": config.label, "family": config.family, "sizes": list(config.sizes),
        "settings": config.settings(), "n_params": count_parameters(model),
        "device": str(device), "device_note": device_note,
        "data": {"source": data.source, "description": data.description, "notes": list(data.notes),
                 "n_train": len(y_train), "n_test": len(y_test),
                 "eval_train_size": len(sample)},
        "history": history,
        "test_predictions": test_pred,
        "torch_version": torch.__version__, "threads": torch.get_num_threads(),
    }


def _resolve(config: TrainConfig, verbose: bool = True):
    if not isinstance(config, TrainConfig):
        raise TypeError(f"expected a TrainConfig, got {type(config).__name__}")
    device, note = choose_device(config.device, verbose=verbose)
    data = _load_data(config)
    # Key on what is really used: the resolved device and the MNIST source that loaded.
    resolved = config.with_(device=device.type, source=data.source)
    return resolved, device, note, data


def train_classifier(config: TrainConfig, *, progress: bool = True, cache: bool = True,
                     refresh: bool = False) -> dict:
    """Train (or fetch from the results store) the classifier ``config`` describes.

    Returns a record dict: label, family, sizes, settings, n_params, device (and a note if
    it fell back), data source, ``history`` (one dict per epoch: train/test loss and
    accuracy, time, energy and CO2 of training and of evaluation, each with its full
    Measurement under ``train_measurement`` / ``eval_measurement``) and the final
    ``test_predictions``. The weights are saved next to the record (:func:`load_trained`).
    """
    from . import store

    resolved, device, note, data = _resolve(config)
    settings = resolved.settings()
    weights = store.default_store().artifact_path(WEIGHTS_NAMESPACE, settings, ".pt",
                                                  code=(__name__,)) if cache else None

    def compute():
        return _train(resolved, data, device, note, progress, weights)

    if not cache:
        return store.to_jsonable(compute())
    record = store.cached(NAMESPACE, settings, compute, code=(__name__,), refresh=refresh)
    if note and record.get("device_note") != note:
        record["device_note"] = note
    return record


def load_trained(config: TrainConfig, *, progress: bool = True) -> tuple[nn.Module, dict]:
    """The trained model for ``config`` (weights from the store; trained if missing) and its record."""
    from . import store

    resolved, device, _, _ = _resolve(config, verbose=False)
    settings = resolved.settings()
    weights = store.default_store().artifact_path(WEIGHTS_NAMESPACE, settings, ".pt",
                                                  code=(__name__,))
    record = train_classifier(config, progress=progress, refresh=not weights.exists())
    model = build_model(resolved.family, resolved.sizes)
    model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return prepare(model, device).eval(), record


def train_sweep(configs: Iterable[TrainConfig], *, progress: bool = True) -> list[dict]:
    """:func:`train_classifier` for each config, with one progress bar over the sweep."""
    from tqdm.auto import tqdm

    configs = list(configs)
    records = []
    for config in tqdm(configs, desc="sweep", unit="model", disable=not progress):
        records.append(train_classifier(config, progress=progress))
    return records


def best(records: Sequence[dict], family: str | None = None) -> dict:
    """The record with the highest final test accuracy (the cheaper one on a tie)."""
    pool = [r for r in records if family is None or r["family"] == family]
    if not pool:
        raise ValueError(f"no records of family {family!r}")
    return max(pool, key=lambda r: (totals(r)["test_acc"], -totals(r)["emissions_kg"]))


# The classification chapter's sweep. The synthesis chapter and the tour read the same runs
# from the results store, so they are defined once, here.
CHAPTER_SETTINGS = dict(epochs=10, lr=1e-3, batch_size=64, seed=0, source="auto",
                        n_train=4000, n_test=1000, eval_train_size=1000, device="auto", threads=1,
                        tracking_mode="process")
CHAPTER_MLPS = [(12,), (24, 4), (32, 16), (64, 32), (128, 64, 32), (256, 128, 64)]
CHAPTER_CNNS = [(4,), (8,), (8, 16), (16, 32), (32, 64)]


def chapter_configs() -> list[TrainConfig]:
    """The TrainConfigs of the classification chapter's sweep."""
    return sweep_configs(CHAPTER_MLPS, CHAPTER_CNNS, **CHAPTER_SETTINGS)


def sweep_configs(mlps: Sequence[Sequence[int]], cnns: Sequence[Sequence[int]], **common) -> list[TrainConfig]:
    """One TrainConfig per MLP and CNN size, sharing ``common`` settings."""
    return ([TrainConfig("MLP", tuple(s), **common) for s in mlps]
            + [TrainConfig("CNN", tuple(s), **common) for s in cnns])


# ----------------------------------------------------------------------------------------
# Reading records
# ----------------------------------------------------------------------------------------
def upto(record: dict, epochs: int) -> dict:
    """The record as if training had stopped after ``epochs`` epochs (history cut there).

    The per-epoch history makes every shorter run available from one long one; the
    seeded shuffling means it is the same run, not an approximation. Final predictions
    belong to the full run and are dropped when the history is cut.
    """
    n = len(record["history"])
    if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= n:
        raise ValueError(f"epochs must be an integer from 1 to {n} for {record['label']}, got {epochs!r}")
    out = dict(record, history=record["history"][:epochs])
    if epochs < n:
        out.pop("test_predictions", None)
    return out


def totals(record: dict) -> dict:
    """Summed time, energy and CO2 of a record's epochs, training and evaluation apart."""
    h = record["history"]
    s = lambda k: float(sum(e[k] for e in h))  # noqa: E731
    out = {"epochs": len(h),
           "train_time_s": s("train_time_s"), "eval_time_s": s("eval_time_s"),
           "train_energy_kwh": s("train_energy_kwh"), "eval_energy_kwh": s("eval_energy_kwh"),
           "train_emissions_kg": s("train_emissions_kg"), "eval_emissions_kg": s("eval_emissions_kg")}
    out["time_s"] = out["train_time_s"] + out["eval_time_s"]
    out["energy_kwh"] = out["train_energy_kwh"] + out["eval_energy_kwh"]
    out["emissions_kg"] = out["train_emissions_kg"] + out["eval_emissions_kg"]
    out["test_acc"] = h[-1]["test_acc"]
    out["best_test_acc"] = max(e["test_acc"] for e in h)
    return out


def method_of(record: dict) -> str:
    """The measurement method behind a record, as one sentence (from its first epoch)."""
    from .measure import Measurement

    first = Measurement.from_dict(record["history"][0]["train_measurement"])
    n = len(record["history"])
    return (first.method_setup().replace(" offline tracker.",
                                         f" offline tracker, {first.tracking_mode} mode.", 1) +
            f" Each of the {n} epochs was measured once for training and once for evaluation "
            f"(no repeats, so no spread per epoch; the spread across epochs is in the table).")


