"""The two families of digit classifiers, their sizes, labels and device. Sizes are checked
before anything is allocated (the parameter count is computed from them and refused above
:data:`MAX_PARAMETERS`), so ``sizes=(10**9,)`` is a clear error, not an allocator's."""

from __future__ import annotations

import math
from typing import Any, Sequence

import torch
from torch import nn

from .. import checks
from ..notices import FallbackNotice, notice

FAMILIES = ("MLP", "CNN")
DEVICES = ("auto", "cpu", "cuda", "mps")
N_CLASSES = 10
IMAGE_SHAPE = (1, 28, 28)
# MNIST pixel mean and std, used to centre the inputs inside the models.
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
# The CNN's head sees at most HEAD_GRID x HEAD_GRID positions per channel.
HEAD_GRID = 7
# Bounds on sizes: far above anything a CPU course trains, far below what breaks a machine.
MAX_WIDTH = {"MLP": 65_536, "CNN": 4_096}
MAX_LAYERS = 32
MAX_PARAMETERS = 50_000_000   # 200 MB of float32 weights, about 800 MB with Adam's state


# -- Sizes --
def check_sizes(sizes: Any, *, family: str = "MLP", name: str = "sizes") -> tuple[int, ...]:
    """``sizes`` as a tuple of ints within the family's bounds (numpy ints accepted), else
    a TypeError/ValueError naming ``name``. An MLP may have no hidden layer, a CNN may not."""
    checks.choice("family", family, FAMILIES)
    what = "hidden sizes" if family == "MLP" else "channels"
    try:
        sizes = checks.int_list(name, sizes, lo=1, hi=MAX_WIDTH[family],
                                min_len=0 if family == "MLP" else 1, max_len=MAX_LAYERS,
                                example="[128, 64]" if family == "MLP" else "[8, 16]")
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{exc} (the {family}'s {what})") from None
    n = expected_parameters(family, sizes)
    if n > MAX_PARAMETERS:
        raise ValueError(f"{name} {list(sizes)} would make {'an' if family == 'MLP' else 'a'} {family} of {n:,} parameters "
                         f"(about {4 * n / 1e9:,.1f} GB of weights); at most {MAX_PARAMETERS:,} "
                         f"are allowed here")
    return sizes


def _cnn_geometry(channels: Sequence[int]) -> tuple[list[bool], bool, int]:
    """Which blocks pool, whether the last map is pooled down to the head's grid, and the
    side of the map the head sees."""
    side, pools = IMAGE_SHAPE[1], []
    for _ in channels:
        pools.append(side >= 2)
        if side >= 2:
            side //= 2
    squeeze = side > HEAD_GRID
    return pools, squeeze, (HEAD_GRID if squeeze else side)


def _layers(family: str, sizes: Sequence[int]) -> list[tuple[int, int, int]]:
    """(weights, biases, positions it is applied at) of each layer, the head last."""
    if family == "MLP":
        widths = [math.prod(IMAGE_SHAPE), *sizes, N_CLASSES]
        return [(a * b, b, 1) for a, b in zip(widths, widths[1:])]
    pools, _, side_out = _cnn_geometry(sizes)
    chans, side, layers = [IMAGE_SHAPE[0], *sizes], IMAGE_SHAPE[1], []
    for a, b, pool in zip(chans, chans[1:], pools):
        layers.append((a * b * 9, b, side * side))   # padding 1: the output is as large as the input
        side //= 2 if pool else 1
    return layers + [(chans[-1] * side_out * side_out * N_CLASSES, N_CLASSES, 1)]


def expected_parameters(family: str, sizes: Sequence[int]) -> int:
    """Trainable parameters of ``build_model(family, sizes)``, computed without building it."""
    return sum(w + b for w, b, _ in _layers(family, sizes))


def multiply_adds(family: str, sizes: Sequence[int]) -> int:
    """Multiply-adds of one image's forward pass (pooling and ReLU, which multiply nothing,
    not counted). A CNN uses each filter weight at every position of its feature map, so it
    does far more arithmetic per parameter than an MLP, which uses each weight once."""
    checks.choice("family", family, FAMILIES)
    return sum(w * n for w, _, n in _layers(family, sizes))


def model_label(family: str, sizes: Sequence[int]) -> str:
    """``"MLP 128-64"``, ``"CNN 32"``, ``"MLP, no hidden layer"``: layer widths or channels."""
    if not sizes:
        return f"{family}, no hidden layer"
    return f"{family} {'-'.join(str(int(s)) for s in sizes)}"


# -- Models --
class _Standardise(nn.Module):
    """(x - mean) / std with MNIST's constants; no parameters."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - MNIST_MEAN) / MNIST_STD


class MLP(nn.Sequential):
    """784 -> hidden[0] -> ... -> 10, ReLU between layers (``hidden=()``: logistic regression)."""

    family = "MLP"

    def __init__(self, hidden: Sequence[int] = (128, 64)):
        sizes = check_sizes(hidden, family="MLP", name="hidden")
        widths, layers = [math.prod(IMAGE_SHAPE), *sizes], [_Standardise(), nn.Flatten()]
        for a, b in zip(widths, widths[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        super().__init__(*layers, nn.Linear(widths[-1], N_CLASSES))
        self.sizes = sizes


class CNN(nn.Sequential):
    """Blocks of 3x3 convolution (padding 1) + ReLU + 2x2 max-pooling, then a linear head.
    Each block halves the image (28 -> 14 -> 7 -> 3 -> 1; past 1x1 no pooling). A map larger
    than ``HEAD_GRID`` squared is average-pooled down to it, so the head has at most
    ``channels[-1] * 49`` inputs whatever the depth."""

    family = "CNN"

    def __init__(self, channels: Sequence[int] = (32, 64)):
        sizes = check_sizes(channels, family="CNN", name="channels")
        pools, squeeze, side = _cnn_geometry(sizes)
        layers: list[nn.Module] = [_Standardise()]
        for c_in, c, pool in zip((IMAGE_SHAPE[0], *sizes), sizes, pools):
            layers += [nn.Conv2d(c_in, c, kernel_size=3, padding=1), nn.ReLU()] + [nn.MaxPool2d(2)] * pool
        layers += [nn.AdaptiveAvgPool2d(HEAD_GRID)] * squeeze
        super().__init__(*layers, nn.Flatten(), nn.Linear(sizes[-1] * side * side, N_CLASSES))
        self.sizes, self.head_inputs = sizes, sizes[-1] * side * side


def build_model(family: str, sizes: Sequence[int]) -> nn.Module:
    """``build_model("MLP", [128, 64])`` or ``build_model("CNN", [32, 64])``."""
    checks.choice("family", family, FAMILIES)
    return MLP(sizes) if family == "MLP" else CNN(sizes)


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters of ``model``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"count_parameters needs a torch.nn.Module, got {type(model).__name__}")
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only))


# -- Device --
def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def choose_device(device: str = "auto", *, verbose: bool = True) -> tuple[torch.device, str | None]:
    """The torch device for ``device`` (``auto``: CUDA, then MPS, then the CPU) and, when an
    unavailable one fell back to the CPU, the note to record (also a FallbackNotice if ``verbose``)."""
    checks.choice("device", device, DEVICES)
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "mps" if _mps_available() else "cpu"
    available = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": _mps_available()}[device]
    if available:
        return torch.device(device), None
    note = (f"device '{device}' was asked for but is not available on this machine, "
            f"so the CPU is used instead.")
    if verbose:
        notice(note, FallbackNotice)
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
