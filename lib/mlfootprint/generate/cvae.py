"""Conditional variational auto-encoders, and a fitted density to draw their codes from.
Trained on reconstruction (binary cross-entropy summed over the 784 pixels) + beta x KL(q ||
N(0, I)), averaged per example. New digits decode random codes from the prior N(0, I) or --
since real digits' codes never fill the prior exactly, less so the longer the code -- from a
Gaussian mixture fitted per class to them (Ghosh et al., ICLR 2020, fit such an ex-post density).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from ..classify.loop import shuffled_steps
from .base import ConditionalSampler, check_labels, one_hot
from .config import IMAGE_PIXELS, N_CLASSES, GeneratorConfig

from ..progress import tqdm  # silent in the static book build, shown in JupyterLab


class LatentMixture(nn.Module):
    """Per class, a Gaussian mixture over codes: weights (10, K), means (10, K, D) and the
    Cholesky factors of the covariances (10, K, D, D). Sampling is seeded by the caller's
    ``torch.Generator``; temperature scales each component's spread (not its centre)."""

    def __init__(self, components: int, latent: int):
        super().__init__()
        self.register_buffer("weights", torch.full((N_CLASSES, components), 1.0 / components))
        self.register_buffer("means", torch.zeros(N_CLASSES, components, latent))
        self.register_buffer("scale_tril", torch.eye(latent).expand(N_CLASSES, components, latent,
                                                                      latent).clone())

    @torch.no_grad()
    def fit(self, codes: torch.Tensor, labels: torch.Tensor, seed: int = 0) -> "LatentMixture":
        for c in range(N_CLASSES):
            self.fit_class(c, codes[labels == c], seed)
        return self

    @torch.no_grad()
    def fit_class(self, c: int, codes: torch.Tensor, seed: int = 0) -> "LatentMixture":
        """Fit class ``c``'s mixture to ``codes``, the codes of that class's digits."""
        from sklearn.mixture import GaussianMixture  # heavy import, only needed when fitting

        k = self.weights.shape[1]
        zc = codes.double().numpy()
        if len(zc) <= k:
            raise ValueError(f"a mixture of mixture_components={k} needs more than {k} "
                             f"training digits per class; class {c} has {len(zc)}")
        gm = GaussianMixture(k, covariance_type="full", reg_covar=1e-4, random_state=seed,
                             max_iter=200).fit(zc)
        self.weights[c] = torch.as_tensor(gm.weights_, dtype=torch.float32)
        self.means[c] = torch.as_tensor(gm.means_, dtype=torch.float32)
        cov = torch.as_tensor(gm.covariances_, dtype=torch.float64)
        self.scale_tril[c] = torch.linalg.cholesky(cov).float()
        return self

    def sample(self, labels: torch.Tensor, temperature: float,
               generator: torch.Generator | None) -> torch.Tensor:
        comp = torch.multinomial(self.weights[labels], 1, replacement=True,
                                 generator=generator).squeeze(1)
        eps = torch.randn(len(labels), self.means.shape[2], generator=generator) * temperature
        tril = self.scale_tril[labels, comp]
        return self.means[labels, comp] + (tril @ eps.unsqueeze(-1)).squeeze(-1)


class CVAE(ConditionalSampler):
    """Encoder q(z | x, y) (``encode``) and decoder p(x | z, y) (``decode_logits``), defined by
    subclasses. ``sampler`` ("normal" or "mixture"), where random codes come from, can be
    changed on a trained model (:meth:`use_sampler`) without retraining."""

    latent: int

    def __init__(self, latent: int, mixture_components: int = 0, sampler: str = "normal"):
        super().__init__()
        self.latent = latent
        self.mixture = LatentMixture(mixture_components, latent) if mixture_components else None
        self.sampler = "normal"
        self.use_sampler(sampler)

    def use_sampler(self, sampler: str) -> "CVAE":
        if sampler not in ("normal", "mixture"):
            raise ValueError(f"sampler must be 'normal' or 'mixture', got {sampler!r}")
        if sampler == "mixture" and self.mixture is None:
            raise ValueError("this CVAE has no fitted mixture (mixture_components=0)")
        self.sampler = sampler
        return self

    @torch.no_grad()
    def codes(self, x: torch.Tensor, labels: Any) -> torch.Tensor:
        """The encoder's mean code of each digit."""
        return self.encode(x, one_hot(check_labels(labels)))[0]

    @torch.no_grad()
    def decode(self, z: torch.Tensor, labels: Any) -> torch.Tensor:
        """Images (N,1,28,28) in [0,1] for latent codes ``z`` and digit ``labels``."""
        labels = check_labels(labels)
        if z.shape != (len(labels), self.latent):
            raise ValueError(f"z must have shape ({len(labels)}, {self.latent}), got {tuple(z.shape)}")
        return torch.sigmoid(self.decode_logits(z, one_hot(labels))).reshape(-1, 1, 28, 28)

    def loss(self, x: torch.Tensor, labels: torch.Tensor,
             kl_weight: float = 1.0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(loss, reconstruction, KL), each averaged per example; reconstruction is BCE
        summed over the 784 pixels; loss = reconstruction + kl_weight x KL."""
        y1h = one_hot(labels)
        mu, logvar = self.encode(x, y1h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        logits = self.decode_logits(z, y1h)
        rec = F.binary_cross_entropy_with_logits(logits, x.reshape(len(x), -1),
                                                 reduction="sum") / len(x)
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / len(x)
        return rec + kl_weight * kl, rec, kl

    def _draw(self, labels, temperature, generator):
        if self.sampler == "mixture":
            z = self.mixture.sample(labels, temperature, generator)
        else:
            z = torch.randn(len(labels), self.latent, generator=generator) * temperature
        return self.decode(z, labels)


class CVAEMLP(CVAE):
    def __init__(self, hidden: tuple[int, ...] = (256,), latent: int = 8, **kw):
        super().__init__(latent, **kw)
        layers, width = [], IMAGE_PIXELS + N_CLASSES
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.encoder = nn.Sequential(*layers)
        self.to_stats = nn.Linear(width, 2 * latent)
        layers, width = [], latent + N_CLASSES
        for h in reversed(hidden):
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, IMAGE_PIXELS))
        self.decoder = nn.Sequential(*layers)

    def encode(self, x, y1h):
        h = self.encoder(torch.cat([x.reshape(len(x), -1), y1h], dim=1))
        return self.to_stats(h).chunk(2, dim=1)

    def decode_logits(self, z, y1h):
        return self.decoder(torch.cat([z, y1h], dim=1))


def cnn_sizes(n_layers: int) -> list[int]:
    """Side length after each stride-2 convolution (kernel 3, padding 1): 28, 14, 7, 4."""
    sizes = [28]
    for _ in range(n_layers):
        sizes.append((sizes[-1] - 1) // 2 + 1)
    return sizes


class CVAECNN(CVAE):
    """Convolutions halve the side per layer; the label joins after flattening (encoder)
    and before the first transposed convolution (decoder). Works for 1 to 3 layers."""

    def __init__(self, channels: tuple[int, ...] = (16, 32), latent: int = 8, **kw):
        super().__init__(latent, **kw)
        self.channels = tuple(channels)
        sizes = cnn_sizes(len(channels))
        self.side = sizes[-1]
        convs, c_in = [], 1
        for c in channels:
            convs += [nn.Conv2d(c_in, c, 3, stride=2, padding=1), nn.ReLU()]
            c_in = c
        self.encoder = nn.Sequential(*convs, nn.Flatten())
        flat = channels[-1] * self.side * self.side
        self.to_stats = nn.Linear(flat + N_CLASSES, 2 * latent)
        self.from_z = nn.Sequential(nn.Linear(latent + N_CLASSES, flat), nn.ReLU())
        outs = list(reversed(channels[:-1])) + [1]
        deconvs, c_in = [], channels[-1]
        for i, c_out in enumerate(outs):
            s_in, s_out = sizes[-1 - i], sizes[-2 - i]
            deconvs.append(nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1,
                                              output_padding=s_out - (2 * s_in - 1)))
            if i < len(outs) - 1:
                deconvs.append(nn.ReLU())
            c_in = c_out
        self.decoder = nn.Sequential(*deconvs)

    def encode(self, x, y1h):
        h = self.encoder(x.reshape(len(x), 1, 28, 28))
        return self.to_stats(torch.cat([h, y1h], dim=1)).chunk(2, dim=1)

    def decode_logits(self, z, y1h):
        h = self.from_z(torch.cat([z, y1h], dim=1))
        h = h.reshape(len(z), self.channels[-1], self.side, self.side)
        return self.decoder(h).reshape(len(z), -1)


def kl_weight(config: GeneratorConfig, epoch: int) -> float:
    """The KL term's weight in ``epoch`` (1-based): beta, raised linearly from beta/warm-up
    to beta over the first ``kl_warmup`` epochs."""
    if config.kl_warmup:
        return config.beta * min(1.0, epoch / config.kl_warmup)
    return config.beta


def train_cvae(model: CVAE, config: GeneratorConfig, x: torch.Tensor, y: torch.Tensor,
               progress: bool = True) -> dict:
    """Train by Adam on shuffled mini-batches (seeded by ``config.seed``), then fit the code
    mixture if the config asks for one. Returns the per-epoch history. A loss that stops
    being finite, or explodes, stops training with a clear error (nothing is stored)."""
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    shuffle = torch.Generator().manual_seed(config.seed)
    history = {"epoch": [], "kl_weight": [], "loss": [], "reconstruction": [], "kl": []}
    model.train()
    bar = tqdm(range(1, config.epochs + 1), desc=config.label(), disable=not progress, leave=False)
    for epoch in bar:
        weight = kl_weight(config, epoch)
        steps = list(shuffled_steps(opt, len(x), config.batch_size, shuffle,
                                    lambda idx: model.loss(x[idx], y[idx], weight)))
        means = [sum(v[i] * k for v, k in steps) / len(x) for i in range(3)]
        for name, value in zip(history, (epoch, weight, *means)):
            history[name].append(value)
        last = history["loss"][-1]
        if not math.isfinite(last) or last > 1e6:
            raise FloatingPointError(f"{config.label()}: the loss became {last:.3g} at epoch {epoch}; "
                                     f"lower the learning rate (lr={config.lr})")
    model.eval()
    if model.mixture is not None:
        model.mixture.fit(model.codes(x, y), y, seed=config.seed)
    return history
