"""Generators fitted in one pass, and the two reference "generators" that keep the measures
honest: the copy (memorises) and the class mean (one image per class, no variety)."""

from __future__ import annotations

import torch

from ..checks import integer, number
from ..quality.judges import check_every_class
from .base import ConditionalSampler, class_tensors
from .config import IMAGE_PIXELS, N_CLASSES


class PCAGenerator(ConditionalSampler):
    """Per class: mean, top components and their variances; samples scaled by the variances."""

    def __init__(self, n_components: int = 20):
        super().__init__()
        n_components = integer("n_components", n_components, lo=1, hi=IMAGE_PIXELS)
        self.register_buffer("mean", torch.zeros(N_CLASSES, IMAGE_PIXELS))
        self.register_buffer("components", torch.zeros(N_CLASSES, n_components, IMAGE_PIXELS))
        self.register_buffer("variance", torch.zeros(N_CLASSES, n_components))

    @torch.no_grad()
    def fit(self, x: torch.Tensor, y: torch.Tensor) -> "PCAGenerator":
        k = self.components.shape[1]
        for c, xc in enumerate(class_tensors(x, y)):
            if len(xc) <= k:
                raise ValueError(f"PCA with n_components={k} needs more than {k} training digits "
                                 f"per class; class {c} has {len(xc)}")
            mu = xc.mean(0)
            _, s, vt = torch.linalg.svd(xc - mu, full_matrices=False)
            self.mean[c] = mu
            self.components[c] = vt[:k]
            self.variance[c] = s[:k] ** 2 / (len(xc) - 1)  # explained variance of each component
        return self

    def _draw(self, labels, temperature, generator):
        k = self.components.shape[1]
        coeffs = torch.randn(len(labels), k, generator=generator) \
            * self.variance[labels].sqrt() * temperature
        images = torch.empty(len(labels), IMAGE_PIXELS)
        for c in labels.unique().tolist():  # one small matrix product per class asked for
            where = (labels == c).nonzero().squeeze(1)
            images[where] = self.mean[c] + coeffs[where] @ self.components[c]
        return images.clamp(0, 1).reshape(-1, 1, 28, 28)


class PixelGenerator(ConditionalSampler):
    """Independent Bernoulli per pixel and class. Temperature t rescales the log-odds by 1/t
    (t < 1 sharpens towards the most likely pixel, t = 0 is the thresholded class mean)."""

    def __init__(self, smoothing: float = 1.0):
        super().__init__()
        smoothing = number("smoothing", smoothing, lo=0)
        self.smoothing = smoothing
        self.register_buffer("probs", torch.full((N_CLASSES, IMAGE_PIXELS), 0.5))

    @torch.no_grad()
    def fit(self, x: torch.Tensor, y: torch.Tensor) -> "PixelGenerator":
        a = self.smoothing
        for c, xc in enumerate(class_tensors(x, y)):
            if len(xc) == 0:
                raise ValueError(f"the per-pixel model needs training digits of every class; "
                                 f"class {c} has none")
            self.probs[c] = (xc.sum(0) + a) / (len(xc) + 2 * a)
        return self

    def _draw(self, labels, temperature, generator):
        p = self.probs[labels].clamp(1e-6, 1 - 1e-6)
        if temperature == 0:
            images = (p > 0.5).float()
        else:
            p = torch.sigmoid(torch.logit(p) / temperature)
            images = (torch.rand(p.shape, generator=generator) < p).float()
        return images.reshape(-1, 1, 28, 28)


class CopyGenerator(ConditionalSampler):
    """Returns a random training digit of the requested class: perfect-looking, nothing new."""

    def __init__(self, n_train: int = 1):
        super().__init__()
        self.register_buffer("images", torch.zeros(n_train, IMAGE_PIXELS))
        self.register_buffer("labels", torch.zeros(n_train, dtype=torch.long))

    @torch.no_grad()
    def fit(self, x: torch.Tensor, y: torch.Tensor) -> "CopyGenerator":
        check_every_class(y, "the copy generator")
        self.images.copy_(x.reshape(len(x), -1))
        self.labels.copy_(y)
        return self

    def _draw(self, labels, temperature, generator):
        # temperature is accepted for a uniform interface and has no effect here
        out = torch.empty(len(labels), IMAGE_PIXELS)
        for c in labels.unique().tolist():
            where = (labels == c).nonzero().squeeze(1)
            pool = (self.labels == c).nonzero().squeeze(1)
            pick = torch.randint(len(pool), (len(where),), generator=generator)
            out[where] = self.images[pool[pick]]
        return out.reshape(-1, 1, 28, 28)


class ClassMeanGenerator(ConditionalSampler):
    """Returns the mean training digit of the requested class, every time: one image per
    class repeated. A measure that rates it above real digits cannot see variety."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.zeros(N_CLASSES, IMAGE_PIXELS))

    @torch.no_grad()
    def fit(self, x: torch.Tensor, y: torch.Tensor) -> "ClassMeanGenerator":
        check_every_class(y, "the class mean")
        for c, xc in enumerate(class_tensors(x, y)):
            self.mean[c] = xc.mean(0)
        return self

    def _draw(self, labels, temperature, generator):
        # temperature is accepted for a uniform interface and has no effect here
        return self.mean[labels].clone().reshape(-1, 1, 28, 28)
