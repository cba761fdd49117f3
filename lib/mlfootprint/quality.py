"""How good are generated digits? Measured by a fixed judge, not only looked at.

The judge is a small CNN trained once on the real training digits (seeded, cached). Its
accuracy on *real held-out* digits is the ceiling for everything else. For a set of
generated digits it gives:

- **conditional accuracy** -- how often the judge recognises the class that was asked for;
- **diversity** -- mean pairwise distance between the judge's features of digits of the
  same class, averaged over classes, and its ratio to the same on real held-out digits
  (1 = as varied as real digits, 0 = every sample the same);
- **Fréchet distance** -- between Gaussian fits of the judge's features of the generated
  digits and of real held-out digits, in the spirit of FID (0 = same mean and covariance);
- **novelty** -- mean pixel distance from each digit to its nearest *training* digit of
  the same class. A generator that copies its training data scores 0 here while looking
  perfect on every other measure.

The same measures on real digits give the ceiling (see :func:`real_ceiling`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .measure import Measurement, measure_once

N_CLASSES = 10


@dataclass(frozen=True)
class JudgeConfig:
    channels: tuple[int, int] = (16, 32)
    features: int = 64
    epochs: int = 4
    lr: float = 2e-3
    batch_size: int = 64
    seed: int = 0

    def __post_init__(self):
        ch = tuple(self.channels) if not isinstance(self.channels, (str, bytes)) else ()
        if len(ch) != 2 or any(isinstance(c, bool) or not isinstance(c, int) or not 1 <= c <= 256
                               for c in ch):
            raise ValueError(f"judge channels must be two integers from 1 to 256, got {self.channels!r}")
        object.__setattr__(self, "channels", ch)
        for name, lo, hi in (("features", 2, 4096), ("epochs", 1, 100), ("batch_size", 1, 8192),
                             ("seed", 0, 2**32 - 1)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise ValueError(f"judge {name} must be an integer from {lo} to {hi}, got {v!r}")
        if isinstance(self.lr, bool) or not isinstance(self.lr, (int, float)) \
                or not math.isfinite(self.lr) or not 0 < self.lr <= 1:
            raise ValueError(f"judge lr must be a number in (0, 1], got {self.lr!r}")

    def settings(self) -> dict:
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d


class Judge(nn.Module):
    """conv(3x3) -> pool -> conv(3x3) -> pool -> dense ``features`` -> 10 classes."""

    def __init__(self, channels: tuple[int, int] = (16, 32), features: int = 64):
        super().__init__()
        c1, c2 = channels
        self.body = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(c2 * 7 * 7, features), nn.ReLU())
        self.head = nn.Linear(features, N_CLASSES)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def _check_images(images) -> torch.Tensor:
    if not isinstance(images, torch.Tensor) or images.dim() != 4 or tuple(images.shape[1:]) != (1, 28, 28):
        raise ValueError(f"images must be a tensor of shape (N, 1, 28, 28), got "
                         f"{tuple(getattr(images, 'shape', ()))}")
    if len(images) == 0:
        raise ValueError("no images to judge")
    return images.float()


def fit_judge(config: JudgeConfig, x: torch.Tensor, y: torch.Tensor, progress: bool = True) -> Judge:
    from tqdm.auto import tqdm

    x = _check_images(x)
    torch.manual_seed(config.seed)
    judge = Judge(config.channels, config.features)
    opt = torch.optim.Adam(judge.parameters(), lr=config.lr)
    shuffle = torch.Generator().manual_seed(config.seed)
    judge.train()
    for _ in tqdm(range(config.epochs), desc="judge", disable=not progress, leave=False):
        order = torch.randperm(len(x), generator=shuffle)
        for start in range(0, len(x), config.batch_size):
            idx = order[start:start + config.batch_size]
            loss = F.cross_entropy(judge(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    judge.eval()
    return judge


@torch.no_grad()
def predict(judge: Judge, images: torch.Tensor, batch: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """(predicted classes, features) for ``images``."""
    images = _check_images(images)
    preds, feats = [], []
    for start in range(0, len(images), batch):
        f = judge.features(images[start:start + batch])
        feats.append(f)
        preds.append(judge.head(f).argmax(1))
    return torch.cat(preds), torch.cat(feats)


@dataclass
class JudgeInfo:
    config: dict
    n_parameters: int
    held_out_accuracy: float
    n_held_out: int
    training: Measurement
    data: dict

    def to_dict(self) -> dict:
        d = asdict(self)
        d["training"] = self.training.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "JudgeInfo":
        return cls(d["config"], int(d["n_parameters"]), float(d["held_out_accuracy"]),
                   int(d["n_held_out"]), Measurement.from_dict(d["training"]), d["data"])


def load_or_train_judge(data, config: JudgeConfig | None = None, *, progress: bool = True,
                        refresh: bool = False) -> tuple[Judge, JudgeInfo]:
    """The judge trained on ``data.x_train`` (cached weights) and its held-out accuracy."""
    from .store import cached, default_store

    config = config or JudgeConfig()
    if not isinstance(config, JudgeConfig):
        raise TypeError(f"config must be a JudgeConfig, got {type(config).__name__}")
    data_settings = {"data_source": data.source, "n_train": int(data.n_train),
                     "n_test": int(data.n_test)}
    settings = {**config.settings(), **data_settings}
    code = (__name__,)
    weights = default_store().artifact_path("generation/judge-weights", settings, ".pt", code=code)
    fresh: dict = {}

    def compute():
        judge, record = measure_once(lambda: fit_judge(config, data.x_train, data.y_train, progress),
                                     label="train the judge", settings=settings)
        tmp = weights.with_name(weights.name + ".tmp")
        torch.save(judge.state_dict(), tmp)
        tmp.replace(weights)
        fresh["judge"] = judge
        pred, _ = predict(judge, data.x_test)
        acc = float((pred == data.y_test).float().mean())
        return JudgeInfo(config.settings(), sum(p.numel() for p in judge.parameters()), acc,
                         int(data.n_test), record, data_settings)

    for attempt in range(2):
        info = cached("generation/judge", settings, compute, code=code, decode=JudgeInfo.from_dict,
                      refresh=refresh or attempt > 0)
        if "judge" in fresh:
            return fresh["judge"], info
        try:
            judge = Judge(config.channels, config.features)
            judge.load_state_dict(torch.load(weights, weights_only=True))
            judge.eval()
            return judge, info
        except Exception as exc:
            warnings.warn(f"stored judge weights {weights} are unusable ({type(exc).__name__}: {exc}); "
                          "training again", RuntimeWarning, stacklevel=2)
    raise RuntimeError("unreachable")  # pragma: no cover


# ----------------------------------------------------------------------------------------
# The measures
# ----------------------------------------------------------------------------------------
def within_class_diversity(features: torch.Tensor, labels: torch.Tensor) -> float:
    """Mean pairwise Euclidean distance between features of the same class, averaged over
    the classes that have at least two examples."""
    per_class = []
    for c in labels.unique().tolist():
        f = features[labels == c].double()
        n = len(f)
        if n < 2:
            continue
        d = torch.cdist(f, f)
        per_class.append(float(d.sum() / (n * (n - 1))))
    if not per_class:
        raise ValueError("diversity needs at least two examples of some class")
    return float(np.mean(per_class))


def frechet_distance(a: np.ndarray | torch.Tensor, b: np.ndarray | torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to feature sets ``a`` and ``b`` (rows = samples):
    |mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or len(a) < 2 or len(b) < 2:
        raise ValueError(f"need two 2-D feature sets with the same width and >= 2 rows, got "
                         f"{a.shape} and {b.shape}")
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # Tr((S_a S_b)^1/2) = sum of sqrt of eigenvalues of S_a^1/2 S_b S_a^1/2 (symmetric PSD)
    w, v = np.linalg.eigh(s_a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    middle = np.linalg.eigvalsh(root_a @ s_b @ root_a)
    tr_root = float(np.sqrt(np.clip(middle, 0, None)).sum())
    value = float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * tr_root)
    return max(value, 0.0)


def nearest_training_distance(images: torch.Tensor, labels: torch.Tensor,
                              x_train: torch.Tensor, y_train: torch.Tensor) -> float:
    """Mean Euclidean pixel distance from each image to its nearest training digit of the
    same class (0 = a copy of the training data)."""
    images = _check_images(images).reshape(len(images), -1)
    train = x_train.reshape(len(x_train), -1).float()
    dists = []
    for c in labels.unique().tolist():
        pool = train[y_train == c]
        if len(pool) == 0:
            raise ValueError(f"no training digit of class {c} to compare with")
        dists.append(torch.cdist(images[labels == c], pool,
                                 compute_mode="donot_use_mm_for_euclid_dist").min(1).values)
    return float(torch.cat(dists).mean())


@dataclass
class QualityScores:
    """The quality of one set of digits, with the real held-out digits as reference."""

    accuracy: float          # fraction recognised as the requested class
    diversity: float         # mean within-class pairwise feature distance
    diversity_real: float    # the same on real held-out digits
    diversity_ratio: float   # diversity / diversity_real
    frechet: float           # Fréchet distance to the real held-out features
    novelty: float           # mean pixel distance to the nearest training digit of the class
    n_images: int

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "QualityScores":
        return cls(**d)


class Scorer:
    """The judge plus the real digits every set of generated digits is compared with."""

    def __init__(self, judge: Judge, data):
        self.judge = judge
        self.data = data
        self._real_pred, self._real_feats = predict(judge, data.x_test)
        self.real_diversity = within_class_diversity(self._real_feats, data.y_test)

    def score(self, images: torch.Tensor, requested: torch.Tensor) -> QualityScores:
        images = _check_images(images)
        requested = torch.as_tensor(requested).long()
        if requested.shape != (len(images),):
            raise ValueError("one requested label per image is needed")
        pred, feats = predict(self.judge, images)
        div = within_class_diversity(feats, requested)
        return QualityScores(
            accuracy=float((pred == requested).float().mean()),
            diversity=div, diversity_real=self.real_diversity,
            diversity_ratio=div / self.real_diversity,
            frechet=frechet_distance(feats.numpy(), self._real_feats.numpy()),
            novelty=nearest_training_distance(images, requested, self.data.x_train, self.data.y_train),
            n_images=len(images))


def real_ceiling(scorer: Scorer, n_reference: int | None = None, seed: int = 0) -> QualityScores:
    """The measures for real digits: accuracy, diversity and novelty of the held-out digits,
    and the Fréchet distance between a sample of real *training* digits (as many as the
    held-out set) and the held-out digits, which is the floor set by finite samples."""
    data = scorer.data
    n = n_reference or data.n_test
    gen = torch.Generator().manual_seed(seed)
    idx = torch.randperm(data.n_train, generator=gen)[:n]
    _, train_feats = predict(scorer.judge, data.x_train[idx])
    return QualityScores(
        accuracy=float((scorer._real_pred == data.y_test).float().mean()),
        diversity=scorer.real_diversity, diversity_real=scorer.real_diversity, diversity_ratio=1.0,
        frechet=frechet_distance(train_feats.numpy(), scorer._real_feats.numpy()),
        novelty=nearest_training_distance(data.x_test, data.y_test, data.x_train, data.y_train),
        n_images=int(data.n_test))
