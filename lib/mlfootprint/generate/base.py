"""What every generator shares: checked inputs, the ``sample`` interface, label helpers."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from ..checks import integer, number
from ..quality.judges import check_digit_labels as check_labels
from .config import MAX_TEMPERATURE, N_CLASSES


def check_temperature(temperature: Any) -> float:
    return number("temperature", temperature, lo=0.0, hi=MAX_TEMPERATURE)


def balanced_labels(n_per_class: int) -> torch.Tensor:
    """0,0,...,1,1,...,9: ``n_per_class`` of each digit, grouped by class."""
    n = integer("n_per_class", n_per_class, lo=1, hi=100_000)
    return torch.arange(N_CLASSES).repeat_interleave(n)


def n_parameters(model: nn.Module) -> int:
    """Learned numbers: trainable parameters plus fitted buffers (PCA bases, pixel
    probabilities, a CVAE's code mixture). For the memoriser, the stored training pixels
    count: that is what it "learned"."""
    return sum(p.numel() for p in model.parameters()) + sum(b.numel() for b in model.buffers())


def one_hot(labels: torch.Tensor) -> torch.Tensor:
    return F.one_hot(labels, N_CLASSES).float()


def class_tensors(x: torch.Tensor, y: torch.Tensor) -> list[torch.Tensor]:
    flat = x.reshape(len(x), -1).float()
    return [flat[y == c] for c in range(N_CLASSES)]


class ConditionalSampler(nn.Module):
    """What every generator offers: ``sample(labels, temperature, generator)``. The inputs are
    checked here, once for all generators; each generator draws its images
    in ``_draw`` and returns them shaped (N, 1, 28, 28) with values in [0, 1]."""

    @torch.no_grad()
    def sample(self, labels: Any, temperature: float = 1.0,
               generator: torch.Generator | None = None) -> torch.Tensor:
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
        return self._draw(check_labels(labels), check_temperature(temperature), generator)

    def _draw(self, labels: torch.Tensor, temperature: float,
              generator: torch.Generator | None) -> torch.Tensor:
        raise NotImplementedError
