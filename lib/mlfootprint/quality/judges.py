"""The judges: small classifiers trained once on real digits, used as measuring instruments.
A judge gives an image's class and its ``features`` (its last hidden layer: the space of
diversity, the Fréchet distance, precision and recall). CNN and MLP judges differ in
architecture and training (optionally *augmented*: shifts up to ``shift`` pixels and Gaussian
pixel noise ``noise``, new draws every epoch). A ``"hog"`` judge learns no features: histograms
of oriented gradients read by a logistic regression. Independent-pixel speckle has gradients
in every direction, so it sees speckle differently from the networks.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn
from threadpoolctl import threadpool_limits
from torch.nn import functional as F

from .. import store
from ..checks import choice, int_list, integer, number
from ..classify.loop import shuffled_steps
from ..measure import measure_once
from ..records import TrainedRun
from ..threads import torch_threads
from ..wording import names

N_CLASSES = 10
CODE = (__name__, "mlfootprint.classify.loop")   # the modules whose code makes a judge
ARCHITECTURES = ("cnn", "mlp", "hog")
CELLS = (2, 4, 7, 14)  # HOG cell sides that tile a 28-pixel image
POOLS = ("max", "avg")
# A mean cross-entropy this far above chance (ln 10 = 2.3) means training diverged.
EXPLODED_LOSS = 50 * math.log(N_CLASSES)
PIXEL_SLACK = 1e-6   # rounding in [0, 1] images (a sigmoid's 1.0000001) is not a wrong scale


@dataclass(frozen=True)
class JudgeConfig:
    """Every setting of a judge (all of them enter its cache key). ``widths``: the channels of each convolution (CNN, 1 to 3 layers) or the width of each
    hidden layer (MLP, 1 to 3 layers); then a dense layer of ``features`` units feeds the
    10-way output. A ``"hog"`` judge uses ``cell``, ``bins``, ``C`` (the inverse penalty of
    its logistic regression) and ``seed``; the other settings do not change it."""

    architecture: str = "cnn"
    widths: tuple[int, ...] = (16, 32)
    kernel: int = 3
    pool: str = "max"
    features: int = 64
    epochs: int = 4
    lr: float = 2e-3
    batch_size: int = 64
    shift: int = 0
    noise: float = 0.0
    seed: int = 0
    cell: int = 4
    bins: int = 9
    C: float = 1.0

    def __post_init__(self):
        choice("architecture", self.architecture, ARCHITECTURES)
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        put("widths", int_list("widths", self.widths, lo=1, hi=1024, max_len=3, example="[16, 32]"))
        put("kernel", choice("kernel", integer("kernel", self.kernel), (3, 5)))
        choice("pool", self.pool, POOLS)
        for name, lo, hi in (("features", 2, 1024), ("epochs", 1, 100), ("batch_size", 1, 8192),
                             ("shift", 0, 6), ("seed", 0, 2**32 - 1), ("bins", 2, 36)):
            put(name, integer(name, getattr(self, name), lo=lo, hi=hi))
        put("lr", number("lr", self.lr, lo=0.0, hi=1.0, lo_open=True))
        put("noise", number("noise", self.noise, lo=0.0, hi=1.0))
        put("cell", choice("cell", integer("cell", self.cell), CELLS))
        put("C", number("C", self.C, lo=0.0, hi=1e6, lo_open=True))
        if self.architecture == "hog" and self.augmented:
            raise ValueError("a hog judge is fitted once to the digits as they are: shift and "
                             "noise must be 0")

    @property
    def augmented(self) -> bool:
        return self.shift > 0 or self.noise > 0

    def settings(self) -> dict:
        return asdict(self) | {"widths": list(self.widths)}

    @property
    def feature_width(self) -> int:
        """How many numbers describe an image in this judge's feature space."""
        if self.architecture == "hog":
            return self.bins * (28 // self.cell) ** 2
        return self.features

    @property
    def name(self) -> str:
        """The judge's name, one rule for every kind: the kind, the word "judge", then its
        layers (every hidden layer's width or channels, the feature layer last) and what sets
        it apart: ``CNN judge 8-16-64 k3 max``, ``MLP judge 256-64``, ``CNN judge 8-16-64 k5
        avg, augmented``, ``HOG judge 9×7×7, logistic`` (orientations × cells × cells)."""
        if self.architecture == "hog":
            side = 28 // self.cell
            return f"HOG judge {self.bins}×{side}×{side}, logistic"
        layers = "-".join(map(str, (*self.widths, self.features)))
        conv = f" k{self.kernel} {self.pool}" if self.architecture == "cnn" else ""
        return f"{self.architecture.upper()} judge {layers}{conv}" + (", augmented" if self.augmented else "")

    def label(self) -> str:
        """What the judge is, in words that no classifier's name uses: ``convolutions of 16
        and 32 channels (3×3, max-pool), 64 features``, ``dense layers of 256 and 64 units``,
        plus the augmentation, if any."""
        if self.architecture == "hog":
            return (f"logistic regression on histograms of {self.bins} gradient orientations "
                    f"in {self.cell}×{self.cell}-pixel cells")
        body = (f"convolutions of {names(self.widths)} channels ({self.kernel}×{self.kernel}, "
                f"{self.pool}-pool), {self.features} features" if self.architecture == "cnn"
                else f"dense layers of {names((*self.widths, self.features))} units")
        aug = [t for t in (self.shift and f"shifts up to {self.shift} px",
                           self.noise and f"pixel noise {self.noise:g}") if t]
        return body + (f", trained with {' and '.join(aug)}" if aug else "")


class OrientedGradients(nn.Module):
    """Histograms of oriented gradients: each pixel's gradient (central differences) votes
    with its length for its orientation (0-180°, split between the two nearest of ``bins``),
    summed over square cells of ``cell`` pixels; the whole vector is scaled to length 1 and
    square-rooted (as HOG's block normalisation does, over one block). No parameters."""

    def __init__(self, cell: int, bins: int):
        super().__init__()
        self.cell, self.bins = cell, bins

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        wide, tall = F.pad(x, (1, 1, 0, 0), mode="replicate"), F.pad(x, (0, 0, 1, 1), mode="replicate")
        gx, gy = wide[..., 2:] - wide[..., :-2], tall[..., 2:, :] - tall[..., :-2, :]
        length = (gx ** 2 + gy ** 2).sqrt()
        pos = (torch.atan2(gy, gx) % math.pi) / math.pi * self.bins
        low, w = pos.floor().long() % self.bins, pos - pos.floor()
        votes = torch.zeros(len(x), self.bins, *x.shape[2:])
        votes.scatter_add_(1, low, length * (1 - w)).scatter_add_(1, (low + 1) % self.bins, length * w)
        h = F.avg_pool2d(votes, self.cell).flatten(1)
        return (h / (h.norm(dim=1, keepdim=True) + 1e-6)).sqrt()


class Judge(nn.Module):
    """``body`` maps an image to its features (:func:`predict` gives both), ``head`` the
    features to 10 class scores."""

    def __init__(self, config: JudgeConfig):
        super().__init__()
        if config.architecture == "hog":
            self.body = OrientedGradients(config.cell, config.bins)
            self.head = nn.Linear(config.feature_width, N_CLASSES)
            return
        layers: list[nn.Module] = []
        if config.architecture == "cnn":
            c_in, side = 1, 28
            pool = nn.MaxPool2d if config.pool == "max" else nn.AvgPool2d
            for c in config.widths:
                layers += [nn.Conv2d(c_in, c, config.kernel, padding=config.kernel // 2),
                           nn.ReLU(), pool(2)]
                c_in, side = c, side // 2
            width = c_in * side * side
            layers.append(nn.Flatten())
        else:
            layers.append(nn.Flatten())
            width = 28 * 28
            for h in config.widths:
                layers += [nn.Linear(width, h), nn.ReLU()]
                width = h
        self.body = nn.Sequential(*layers, nn.Linear(width, config.features), nn.ReLU())
        self.head = nn.Linear(config.features, N_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def check_images(images, name: str = "images") -> torch.Tensor:
    """Digit images as float32: a tensor (N, 1, 28, 28), N >= 1, every pixel finite and in
    [0, 1] (a judge scores 0-255 pixels as nonsense, without any error of its own)."""
    if not isinstance(images, torch.Tensor) or images.dim() != 4 or tuple(images.shape[1:]) != (1, 28, 28):
        raise ValueError(f"{name} must be a tensor of shape (N, 1, 28, 28), got "
                         f"{tuple(getattr(images, 'shape', ()))}")
    if len(images) == 0:
        raise ValueError(f"{name}: no digits")
    if images.dtype == torch.bool or images.is_complex():
        raise TypeError(f"{name} must hold pixel values from 0 to 1, got dtype {images.dtype}")
    x = images.float()
    bad = int((~torch.isfinite(x)).sum())
    if bad:
        raise ValueError(f"{name}: {bad:,} pixel(s) are NaN or infinite; every pixel must be a "
                         f"finite number from 0 to 1")
    lo, hi = float(x.min()), float(x.max())
    if lo < -PIXEL_SLACK or hi > 1 + PIXEL_SLACK:
        raise ValueError(f"{name} must be scaled to [0, 1] (divide 0-255 pixels by 255), got values "
                         f"from {lo:g} to {hi:g}")
    return x


def check_digit_labels(labels, n: int | None = None, name: str = "labels") -> torch.Tensor:
    """One integer label 0-9 per image (``n`` of them, or any number above 0 when None), as
    int64: a float label such as 3.7 is refused, never cut."""
    try:
        t = torch.as_tensor(labels)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"{name} must be a list of digits 0-9 such as [3, 7], one per image, got "
                        f"{labels!r:.60}") from None
    if t.dim() != 1 or (len(t) != n if n is not None else len(t) == 0):
        raise ValueError(f"{name} must hold one label per image ({'at least 1' if n is None else n}), "
                         f"got shape {tuple(t.shape)}")
    if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
        raise TypeError(f"{name} must be integers 0-9, got dtype {t.dtype} (a label such as 3.7 "
                        f"would be cut to 3)")
    t = t.long()
    if len(t) and (int(t.min()) < 0 or int(t.max()) >= N_CLASSES):
        raise ValueError(f"{name} must be digits 0-9, got values from {int(t.min())} to {int(t.max())}")
    return t


def check_every_class(y: torch.Tensor, what: str) -> None:
    missing = sorted(set(range(N_CLASSES)) - set(y.tolist()))
    if missing:
        raise ValueError(f"{what} needs training digits of every class; missing {missing}")


def augment(x: torch.Tensor, shift: int, noise: float, generator: torch.Generator) -> torch.Tensor:
    """Each image moved by a random whole number of pixels (-shift..shift, each axis, blank
    edges) and given Gaussian pixel noise of std ``noise``, clipped to [0, 1]."""
    n = len(x)
    if shift:
        padded = F.pad(x, (shift, shift, shift, shift))
        dy = torch.randint(0, 2 * shift + 1, (n,), generator=generator)
        dx = torch.randint(0, 2 * shift + 1, (n,), generator=generator)
        steps = torch.arange(28)
        rows = (dy[:, None] + steps)[:, :, None]
        cols = (dx[:, None] + steps)[:, None, :]
        x = padded[torch.arange(n)[:, None, None], 0, rows, cols].unsqueeze(1)
    if noise:
        x = (x + noise * torch.randn(x.shape, generator=generator)).clamp(0, 1)
    return x


def fit_judge(config: JudgeConfig, x: torch.Tensor, y: torch.Tensor) -> tuple[Judge, dict]:
    """Train a judge; return it and its per-epoch mean training loss. A loss that stops
    being finite stops training with a clear error (and nothing is stored)."""
    if not isinstance(config, JudgeConfig):
        raise TypeError(f"config must be a JudgeConfig, got {type(config).__name__}")
    x = check_images(x)
    y = check_digit_labels(y, len(x), "y")
    torch.manual_seed(config.seed)
    judge = Judge(config)
    if config.architecture == "hog":
        return fit_logistic(judge, config, x, y)
    opt = torch.optim.Adam(judge.parameters(), lr=config.lr)
    rng = torch.Generator().manual_seed(config.seed)
    batch = (lambda idx: augment(x[idx], config.shift, config.noise, rng)) if config.augmented \
        else (lambda idx: x[idx])
    history = {"epoch": [], "loss": []}
    judge.train()
    for epoch in range(1, config.epochs + 1):
        steps = shuffled_steps(opt, len(x), config.batch_size, rng,
                               lambda idx: F.cross_entropy(judge(batch(idx)), y[idx]))
        history["epoch"].append(epoch)
        history["loss"].append(sum(v[0] * k for v, k in steps) / len(x))
        if not math.isfinite(history["loss"][-1]) or history["loss"][-1] > EXPLODED_LOSS:
            raise FloatingPointError(f"judge {config.label()}: training diverged (mean loss "
                                     f"{history['loss'][-1]:.3g} at epoch {epoch}, chance is "
                                     f"{math.log(N_CLASSES):.2f}); lower lr={config.lr}")
    judge.eval()
    return judge, history


@torch.no_grad()
def fit_logistic(judge: Judge, config: JudgeConfig, x: torch.Tensor, y: torch.Tensor) -> tuple[Judge, dict]:
    """Fit the judge's head as scikit-learn's multinomial logistic regression on its fixed
    features; the history holds its solver's iterations and final training log-loss."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss

    features = judge.body(x).double().numpy()
    check_every_class(y, "a hog judge")
    model = LogisticRegression(C=config.C, max_iter=1000, random_state=config.seed).fit(features, y.numpy())
    judge.head.weight.copy_(torch.as_tensor(model.coef_))
    judge.head.bias.copy_(torch.as_tensor(model.intercept_))
    history = {"iterations": [int(model.n_iter_.max())],
               "loss": [float(log_loss(y.numpy(), model.predict_proba(features)))]}
    return judge.eval(), history


@torch.no_grad()
def predict(judge: Judge, images: torch.Tensor, batch: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """(predicted classes, features) for ``images``."""
    images = check_images(images)
    preds, feats = [], []
    for start in range(0, len(images), batch):
        f = judge.body(images[start:start + batch])
        feats.append(f)
        preds.append(judge.head(f).argmax(1))
    return torch.cat(preds), torch.cat(feats)


def data_settings(data) -> dict:
    return {"data_source": data.source, "n_train": int(data.n_train), "n_test": int(data.n_test)}


def _decode(d) -> TrainedRun:
    run = TrainedRun.from_dict(d)
    acc = run.extra.get("held_out_accuracy")
    if isinstance(acc, bool) or not isinstance(acc, (int, float)) or not 0 <= acc <= 1:
        raise ValueError(f"not a judge record: held_out_accuracy must be in [0, 1], got {acc!r}")
    return run


def train_judge(config: JudgeConfig, data, threads: int = 1) -> tuple[Judge, TrainedRun]:
    """Train under the tracker on ``threads`` CPU threads, then check it on the held-out
    digits (measured apart)."""
    settings = {**config.settings(), **data_settings(data), "threads": threads}
    with torch_threads(threads), threadpool_limits(threads):
        (judge, history), training = measure_once(
            lambda: fit_judge(config, data.x_train, data.y_train),
            label=f"train judge {config.label()}", settings=settings)
        pred, evaluation = measure_once(lambda: predict(judge, data.x_test)[0],
                                        label=f"evaluate judge {config.label()}", settings=settings,
                                        items=int(data.n_test))
    accuracy = float((pred == data.y_test).float().mean())
    run = TrainedRun(label=config.label(), family="judge", settings=config.settings(),
                     n_parameters=sum(p.numel() for p in judge.parameters()),
                     training=training, evaluation=evaluation, history=history,
                     data=data_settings(data),
                     extra={"held_out_accuracy": accuracy, "n_held_out": int(data.n_test)})
    return judge, run


def load_or_train_judge(data, config: JudgeConfig | None = None, *, threads: int = 1,
                        refresh: bool = False) -> tuple[Judge, TrainedRun]:
    """The judge for ``config`` trained on ``data.x_train`` on ``threads`` CPU threads (kept
    under ``data/results``, keyed by those too) and its record, with its accuracy on the
    held-out digits."""
    config = JudgeConfig() if config is None else config
    if not isinstance(config, JudgeConfig):
        raise TypeError(f"config must be a JudgeConfig, got {type(config).__name__}")
    threads = integer("threads", threads, lo=1, hi=1024)
    settings = {**config.settings(), **data_settings(data), "threads": threads}
    return store.keep("generation/judge", settings, make=lambda: train_judge(config, data, threads),
                      save=store.save_module, load=store.load_module(lambda: Judge(config)),
                      code=CODE, decode=_decode, refresh=refresh)
