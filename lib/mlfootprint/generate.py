"""Four ways to draw a digit of a chosen class, plus a memoriser to set against them.

Every generator is *conditioned on the class*: ``model.sample(labels)`` returns one image
per requested label, as float32 in [0, 1] with shape (N, 1, 28, 28).

- ``"cvae-mlp"`` -- conditional variational auto-encoder with fully connected layers
  (``hidden`` sizes, ``latent`` size).
- ``"cvae-cnn"`` -- the same with a convolutional encoder/decoder (``channels``: 1 to 3
  layers, each halving the resolution 28 -> 14 -> 7 -> 4).
  Both are trained on the loss  BCE(reconstruction, summed over pixels) + KL(q(z|x,y) || N(0, I)),
  averaged per example; the loss history per epoch is kept.
- ``"pca"`` -- one PCA per class. A sample is the class mean plus components weighted by
  coefficients ~ N(0, explained variance) x temperature, so samples differ from the mean.
- ``"pixel"`` -- one independent Bernoulli per pixel and class, with probability the
  (smoothed) mean intensity of that pixel in that class.
- ``"copy"`` -- not a model: it returns a random *training* digit of the class. It is the
  simple addition that shows what quality scores cannot see (memorisation).

Computing is kept apart from storing and drawing: :func:`train_generator` returns a model
and a record, :func:`load_or_train` caches both (record as JSON, weights as an artifact),
:func:`measure_generation` returns the cost per image as a measurement record.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from .measure import Measurement, measure_once, measure_repeated

KINDS = ("cvae-mlp", "cvae-cnn", "pca", "pixel", "copy")
FAMILY = {"cvae-mlp": "CVAE-MLP", "cvae-cnn": "CVAE-CNN", "pca": "PCA", "pixel": "Pixel",
          "copy": "Copy"}
HAS_TEMPERATURE = {"cvae-mlp": True, "cvae-cnn": True, "pca": True, "pixel": True, "copy": False}
MAX_CNN_LAYERS = 3
MAX_TEMPERATURE = 5.0
N_CLASSES = 10
IMAGE_PIXELS = 28 * 28

# which settings matter for which kind (only these go into the cache key)
_RELEVANT = {
    "cvae-mlp": ("hidden", "latent", "epochs", "lr", "batch_size", "seed"),
    "cvae-cnn": ("channels", "latent", "epochs", "lr", "batch_size", "seed"),
    "pca": ("n_components",),
    "pixel": ("smoothing", "seed"),
    "copy": ("seed",),
}


# ----------------------------------------------------------------------------------------
# Configuration
# ----------------------------------------------------------------------------------------
def _int_in(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer from {lo} to {hi}, got {value!r}")
    return value


def _int_tuple(name: str, value: Any, max_len: int, lo: int, hi: int) -> tuple[int, ...]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ValueError(f"{name} must be a list of 1 to {max_len} integers, got {value!r}")
    items = tuple(value)
    if not 1 <= len(items) <= max_len:
        raise ValueError(f"{name} must be a list of 1 to {max_len} integers, got {value!r}")
    for i, v in enumerate(items):
        _int_in(f"{name}[{i}]", v, lo, hi)
    return items


@dataclass(frozen=True)
class GeneratorConfig:
    """Every setting of a generator. Only the settings relevant to ``kind`` enter its key."""

    kind: str
    hidden: tuple[int, ...] = (256,)
    channels: tuple[int, ...] = (16, 32)
    latent: int = 8
    epochs: int = 15
    lr: float = 1e-3
    batch_size: int = 64
    n_components: int = 20
    smoothing: float = 1.0
    seed: int = 0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"generator kind must be one of {KINDS}, got {self.kind!r}")
        object.__setattr__(self, "hidden", _int_tuple("hidden", self.hidden, 4, 1, 4096))
        object.__setattr__(self, "channels",
                           _int_tuple("channels", self.channels, MAX_CNN_LAYERS, 1, 256))
        _int_in("latent", self.latent, 1, 256)
        _int_in("epochs", self.epochs, 1, 500)
        _int_in("batch_size", self.batch_size, 1, 8192)
        _int_in("n_components", self.n_components, 1, IMAGE_PIXELS)
        _int_in("seed", self.seed, 0, 2**32 - 1)
        if isinstance(self.lr, bool) or not isinstance(self.lr, (int, float)) \
                or not math.isfinite(self.lr) or not 0 < self.lr <= 1:
            raise ValueError(f"lr must be a number in (0, 1], got {self.lr!r}")
        if isinstance(self.smoothing, bool) or not isinstance(self.smoothing, (int, float)) \
                or not math.isfinite(self.smoothing) or self.smoothing < 0:
            raise ValueError(f"smoothing must be a non-negative number, got {self.smoothing!r}")

    @property
    def family(self) -> str:
        return FAMILY[self.kind]

    def settings(self) -> dict:
        """The settings that change this generator's result (for cache keys and records)."""
        d = asdict(self)
        out = {"kind": self.kind}
        for name in _RELEVANT[self.kind]:
            value = d[name]
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    def label(self) -> str:
        if self.kind == "cvae-mlp":
            return f"CVAE-MLP {'-'.join(map(str, self.hidden))}, z={self.latent}"
        if self.kind == "cvae-cnn":
            return f"CVAE-CNN {'-'.join(map(str, self.channels))}ch, z={self.latent}"
        if self.kind == "pca":
            return f"PCA, {self.n_components} components/class"
        if self.kind == "pixel":
            return "Per-pixel Bernoulli"
        return "Copy a training digit"


# ----------------------------------------------------------------------------------------
# Helpers shared by the generators
# ----------------------------------------------------------------------------------------
def check_labels(labels: Any) -> torch.Tensor:
    """Labels as an int64 tensor of digits 0-9, or a clear error."""
    t = torch.as_tensor(labels)
    if t.dim() != 1 or t.numel() == 0:
        raise ValueError(f"labels must be a non-empty 1-D list of digits 0-9, got shape {tuple(t.shape)}")
    if t.is_floating_point() or t.dtype == torch.bool:
        raise TypeError(f"labels must be integers 0-9, got dtype {t.dtype}")
    t = t.long()
    if int(t.min()) < 0 or int(t.max()) >= N_CLASSES:
        raise ValueError(f"labels must be digits 0-9, got values from {int(t.min())} to {int(t.max())}")
    return t


def check_temperature(temperature: Any) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
            or not math.isfinite(temperature) or not 0 <= temperature <= MAX_TEMPERATURE:
        raise ValueError(f"temperature must be a number from 0 to {MAX_TEMPERATURE}, got {temperature!r}")
    return float(temperature)


def balanced_labels(n_per_class: int) -> torch.Tensor:
    """0,0,...,1,1,...,9: ``n_per_class`` of each digit, grouped by class."""
    _int_in("n_per_class", n_per_class, 1, 100_000)
    return torch.arange(N_CLASSES).repeat_interleave(n_per_class)


def n_parameters(model: nn.Module) -> int:
    """Learned numbers: trainable parameters plus fitted buffers (PCA bases, pixel probabilities).

    For the memoriser, the stored training pixels count: that is what it "learned"."""
    return sum(p.numel() for p in model.parameters()) + sum(b.numel() for b in model.buffers())


def _one_hot(labels: torch.Tensor) -> torch.Tensor:
    return F.one_hot(labels, N_CLASSES).float()


def _class_tensors(x: torch.Tensor, y: torch.Tensor):
    flat = x.reshape(len(x), -1).float()
    return [flat[y == c] for c in range(N_CLASSES)]


# ----------------------------------------------------------------------------------------
# Conditional VAEs
# ----------------------------------------------------------------------------------------
class ConditionalSampler(nn.Module):
    """What every generator offers: ``sample(labels, temperature, generator)``.

    The inputs are checked here, once for all generators; each generator draws its images
    in ``_draw`` and returns them shaped (N, 1, 28, 28) with values in [0, 1].
    """

    @torch.no_grad()
    def sample(self, labels: Any, temperature: float = 1.0,
               generator: torch.Generator | None = None) -> torch.Tensor:
        return self._draw(check_labels(labels), check_temperature(temperature), generator)

    def _draw(self, labels: torch.Tensor, temperature: float,
              generator: torch.Generator | None) -> torch.Tensor:
        raise NotImplementedError


class CVAE(ConditionalSampler):
    """Encoder q(z | x, y) and decoder p(x | z, y); subclasses define the bodies."""

    latent: int

    def encode(self, x: torch.Tensor, y1h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def decode_logits(self, z: torch.Tensor, y1h: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    @torch.no_grad()
    def decode(self, z: torch.Tensor, labels: Any) -> torch.Tensor:
        """Images (N,1,28,28) in [0,1] for latent codes ``z`` and digit ``labels``."""
        labels = check_labels(labels)
        if z.shape != (len(labels), self.latent):
            raise ValueError(f"z must have shape ({len(labels)}, {self.latent}), got {tuple(z.shape)}")
        return torch.sigmoid(self.decode_logits(z, _one_hot(labels))).reshape(-1, 1, 28, 28)

    def loss(self, x: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(loss, reconstruction, KL), each averaged per example; reconstruction is BCE
        summed over the 784 pixels."""
        y1h = _one_hot(labels)
        mu, logvar = self.encode(x, y1h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        logits = self.decode_logits(z, y1h)
        rec = F.binary_cross_entropy_with_logits(logits, x.reshape(len(x), -1),
                                                 reduction="sum") / len(x)
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / len(x)
        return rec + kl, rec, kl

    def _draw(self, labels: torch.Tensor, temperature: float,
              generator: torch.Generator | None) -> torch.Tensor:
        z = torch.randn(len(labels), self.latent, generator=generator) * temperature
        return self.decode(z, labels)


class CVAEMLP(CVAE):
    def __init__(self, hidden: tuple[int, ...] = (256,), latent: int = 8):
        super().__init__()
        self.latent = latent
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
        mu, logvar = self.to_stats(h).chunk(2, dim=1)
        return mu, logvar

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

    def __init__(self, channels: tuple[int, ...] = (16, 32), latent: int = 8):
        super().__init__()
        self.latent = latent
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
        mu, logvar = self.to_stats(torch.cat([h, y1h], dim=1)).chunk(2, dim=1)
        return mu, logvar

    def decode_logits(self, z, y1h):
        h = self.from_z(torch.cat([z, y1h], dim=1))
        h = h.reshape(len(z), self.channels[-1], self.side, self.side)
        return self.decoder(h).reshape(len(z), -1)


def _train_cvae(model: CVAE, config: GeneratorConfig, x: torch.Tensor, y: torch.Tensor,
                progress: bool = True) -> dict:
    from tqdm.auto import tqdm

    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    shuffle = torch.Generator().manual_seed(config.seed)
    history = {"epoch": [], "loss": [], "reconstruction": [], "kl": []}
    model.train()
    bar = tqdm(range(1, config.epochs + 1), desc=config.label(), disable=not progress, leave=False)
    for epoch in bar:
        order = torch.randperm(len(x), generator=shuffle)
        totals, seen = [0.0, 0.0, 0.0], 0
        for start in range(0, len(x), config.batch_size):
            idx = order[start:start + config.batch_size]
            loss, rec, kl = model.loss(x[idx], y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            n = len(idx)
            seen += n
            for i, v in enumerate((loss, rec, kl)):
                totals[i] += float(v.detach()) * n
        history["epoch"].append(epoch)
        for i, name in enumerate(("loss", "reconstruction", "kl")):
            history[name].append(totals[i] / seen)
        bar.set_postfix(loss=f"{history['loss'][-1]:.1f}")
        if not math.isfinite(history["loss"][-1]):
            raise FloatingPointError(f"{config.label()}: the loss became {history['loss'][-1]} at "
                                     f"epoch {epoch}; lower the learning rate (lr={config.lr})")
    model.eval()
    return history


# ----------------------------------------------------------------------------------------
# PCA, per-pixel and copy generators
# ----------------------------------------------------------------------------------------
class PCAGenerator(ConditionalSampler):
    """Per class: mean, top components and their variances; samples scaled by the variances."""

    def __init__(self, n_components: int = 20):
        super().__init__()
        self.register_buffer("mean", torch.zeros(N_CLASSES, IMAGE_PIXELS))
        self.register_buffer("components", torch.zeros(N_CLASSES, n_components, IMAGE_PIXELS))
        self.register_buffer("variance", torch.zeros(N_CLASSES, n_components))

    @torch.no_grad()
    def fit(self, x: torch.Tensor, y: torch.Tensor) -> "PCAGenerator":
        k = self.components.shape[1]
        for c, xc in enumerate(_class_tensors(x, y)):
            if len(xc) <= k:
                raise ValueError(f"PCA with {k} components needs more than {k} training digits "
                                 f"per class; class {c} has {len(xc)}")
            mu = xc.mean(0)
            _, s, vt = torch.linalg.svd(xc - mu, full_matrices=False)
            self.mean[c] = mu
            self.components[c] = vt[:k]
            self.variance[c] = s[:k] ** 2 / (len(xc) - 1)  # explained variance of each component
        return self

    def _draw(self, labels: torch.Tensor, temperature: float,
              generator: torch.Generator | None) -> torch.Tensor:
        k = self.components.shape[1]
        coeffs = torch.randn(len(labels), k, generator=generator) \
            * self.variance[labels].sqrt() * temperature
        images = self.mean[labels] + torch.einsum("nk,nkp->np", coeffs, self.components[labels])
        return images.clamp(0, 1).reshape(-1, 1, 28, 28)


class PixelGenerator(ConditionalSampler):
    """Independent Bernoulli per pixel and class. Temperature t rescales the log-odds by 1/t
    (t < 1 sharpens towards the most likely pixel, t = 0 is the thresholded class mean)."""

    def __init__(self, smoothing: float = 1.0):
        super().__init__()
        self.smoothing = smoothing
        self.register_buffer("probs", torch.full((N_CLASSES, IMAGE_PIXELS), 0.5))

    @torch.no_grad()
    def fit(self, x: torch.Tensor, y: torch.Tensor) -> "PixelGenerator":
        a = self.smoothing
        for c, xc in enumerate(_class_tensors(x, y)):
            if len(xc) == 0:
                raise ValueError(f"the per-pixel model needs training digits of every class; "
                                 f"class {c} has none")
            self.probs[c] = (xc.sum(0) + a) / (len(xc) + 2 * a)
        return self

    def _draw(self, labels: torch.Tensor, temperature: float,
              generator: torch.Generator | None) -> torch.Tensor:
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
        missing = sorted(set(range(N_CLASSES)) - set(y.tolist()))
        if missing:
            raise ValueError(f"the copy generator needs training digits of every class; missing {missing}")
        self.images.copy_(x.reshape(len(x), -1))
        self.labels.copy_(y)
        return self

    def _draw(self, labels: torch.Tensor, temperature: float,
              generator: torch.Generator | None) -> torch.Tensor:
        # temperature is accepted for a uniform interface and has no effect here
        out = torch.empty(len(labels), IMAGE_PIXELS)
        for c in labels.unique().tolist():
            where = (labels == c).nonzero().squeeze(1)
            pool = (self.labels == c).nonzero().squeeze(1)
            pick = torch.randint(len(pool), (len(where),), generator=generator)
            out[where] = self.images[pool[pick]]
        return out.reshape(-1, 1, 28, 28)


# The generation chapter's generators and data. The synthesis chapter and the tour read the
# same runs from the results store, so they are defined once, here.
CHAPTER_DATA = dict(source="auto", max_train=4000, max_test=1000)
CHAPTER_CONFIGS = {
    "per-pixel": GeneratorConfig("pixel", smoothing=1.0),
    "PCA": GeneratorConfig("pca", n_components=20),
    "CVAE-MLP": GeneratorConfig("cvae-mlp", hidden=(256,), latent=2, epochs=20, lr=2e-3),
    "CVAE-CNN": GeneratorConfig("cvae-cnn", channels=(8, 16), latent=2, epochs=20, lr=3e-3),
    "copy": GeneratorConfig("copy"),
}


def build(config: GeneratorConfig, n_train: int = 1) -> nn.Module:
    """An untrained generator for ``config`` (``n_train`` sizes the copy generator's memory)."""
    if config.kind == "cvae-mlp":
        return CVAEMLP(config.hidden, config.latent)
    if config.kind == "cvae-cnn":
        return CVAECNN(config.channels, config.latent)
    if config.kind == "pca":
        return PCAGenerator(config.n_components)
    if config.kind == "pixel":
        return PixelGenerator(config.smoothing)
    return CopyGenerator(n_train)


def _check_data(x: torch.Tensor, y: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or tuple(x.shape[1:]) != (1, 28, 28):
        raise ValueError(f"images must be a tensor of shape (N, 1, 28, 28), got "
                         f"{tuple(getattr(x, 'shape', ()))}")
    if not isinstance(y, torch.Tensor) or y.shape != (len(x),):
        raise ValueError("labels must be a 1-D tensor with one label per image")
    if len(x) and (float(x.min()) < 0 or float(x.max()) > 1):
        raise ValueError("images must be scaled to [0, 1]")
    check_labels(y)


def fit(config: GeneratorConfig, x: torch.Tensor, y: torch.Tensor,
        progress: bool = True) -> tuple[nn.Module, dict]:
    """Train (or fit) the generator on images ``x`` and labels ``y``; return it and its
    per-epoch loss history (empty for models fitted in one pass). Seeded by ``config.seed``."""
    if not isinstance(config, GeneratorConfig):
        raise TypeError(f"config must be a GeneratorConfig, got {type(config).__name__}")
    _check_data(x, y)
    torch.manual_seed(config.seed)
    model = build(config, len(x))
    if isinstance(model, CVAE):
        history = _train_cvae(model, config, x, y, progress)
    else:
        model.fit(x, y)
        history = {}
    model.eval()
    return model, history


# ----------------------------------------------------------------------------------------
# Measuring, and caching
# ----------------------------------------------------------------------------------------
@dataclass
class TrainedGenerator:
    """What training produced, apart from the weights."""

    config: dict
    label: str
    family: str
    n_parameters: int
    history: dict
    training: Measurement
    data: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"config": self.config, "label": self.label, "family": self.family,
                "n_parameters": self.n_parameters, "history": self.history,
                "training": self.training.to_dict(), "data": self.data}

    @classmethod
    def from_dict(cls, d: dict) -> "TrainedGenerator":
        return cls(config=d["config"], label=d["label"], family=d["family"],
                   n_parameters=int(d["n_parameters"]), history=d["history"],
                   training=Measurement.from_dict(d["training"]), data=d.get("data", {}))


def _data_settings(data) -> dict:
    return {"data_source": data.source, "n_train": int(data.n_train)}


def train_generator(config: GeneratorConfig, data, progress: bool = True) -> tuple[nn.Module, TrainedGenerator]:
    """Train on ``data`` (an :class:`~mlfootprint.mnist.MnistData`) under the energy tracker."""
    settings = {**config.settings(), **_data_settings(data)}
    (model, history), record = measure_once(
        lambda: fit(config, data.x_train, data.y_train, progress),
        label=f"train {config.label()}", settings=settings, items=1)
    return model, TrainedGenerator(config.settings(), config.label(), config.family,
                                   n_parameters(model), history, record, _data_settings(data))


def load_or_train(config: GeneratorConfig, data, *, progress: bool = True,
                  refresh: bool = False) -> tuple[nn.Module, TrainedGenerator]:
    """The trained generator and its record, from the results cache when the same settings,
    data and code were trained before; otherwise trained now, then stored."""
    from .store import cached, default_store

    settings = {**config.settings(), **_data_settings(data)}
    code = (__name__,)
    weights = default_store().artifact_path("generation/weights", settings, ".pt", code=code)
    fresh: dict = {}

    def compute():
        model, record = train_generator(config, data, progress)
        tmp = weights.with_name(weights.name + ".tmp")
        torch.save(model.state_dict(), tmp)
        tmp.replace(weights)
        fresh["model"] = model
        return record

    for attempt in range(2):
        record = cached("generation/train", settings, compute, code=code,
                        decode=TrainedGenerator.from_dict, refresh=refresh or attempt > 0)
        if "model" in fresh:
            return fresh["model"], record
        try:
            model = build(config, int(data.n_train))
            model.load_state_dict(torch.load(weights, weights_only=True))
            model.eval()
            return model, record
        except Exception as exc:  # missing or unreadable weights: say so and train again
            warnings.warn(f"stored weights {weights} are unusable ({type(exc).__name__}: {exc}); "
                          "training again", RuntimeWarning, stacklevel=2)
    raise RuntimeError("unreachable")  # pragma: no cover


def measure_generation(model: nn.Module, config: GeneratorConfig, *, batch_size: int = 100,
                       temperature: float = 1.0, seed: int = 0, repeats: int = 5,
                       min_seconds: float = 1.0) -> Measurement:
    """Energy and CO2 per generated image: batches of ``batch_size`` images (all classes in
    turn) repeated after a warm-up until each repeat lasts ``min_seconds``."""
    _int_in("batch_size", batch_size, 1, 100_000)
    labels = torch.arange(batch_size) % N_CLASSES
    gen = torch.Generator().manual_seed(seed)
    settings = {**config.settings(), "batch_size_generation": batch_size,
                "temperature": check_temperature(temperature), "seed_generation": seed}
    with torch.no_grad():
        return measure_repeated(lambda: model.sample(labels, temperature, gen),
                                label=f"generate with {config.label()}", settings=settings,
                                repeats=repeats, min_seconds=min_seconds,
                                items_per_call=batch_size)


def generation_cost(model: nn.Module, config: GeneratorConfig, data, **kwargs) -> Measurement:
    """:func:`measure_generation`, cached under every setting (and the data the model saw)."""
    from .store import cached

    defaults = {"batch_size": 100, "temperature": 1.0, "seed": 0, "repeats": 5, "min_seconds": 1.0}
    unknown = set(kwargs) - set(defaults)
    if unknown:
        raise TypeError(f"unknown argument(s) {sorted(unknown)}; allowed: {sorted(defaults)}")
    opts = {**defaults, **kwargs}
    settings = {**config.settings(), **_data_settings(data), **opts}
    return cached("generation/cost", settings,
                  lambda: measure_generation(model, config, **opts),
                  code=(__name__,), decode=Measurement.from_dict)
