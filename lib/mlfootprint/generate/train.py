"""Training a generator under the tracker, keeping it, and measuring what drawing costs.

Computing is kept apart from storing: :func:`train_generator` returns a model and its
:class:`~mlfootprint.records.TrainedRun` (``training`` = the training alone, the code
mixture's fit included); :func:`load_or_train` keeps both with :func:`mlfootprint.store.keep`
(damaged weights are detected, moved aside and retrained); :func:`generation_cost`
measures the cost per drawn image as a :class:`~mlfootprint.measure.Measurement`.
"""

from __future__ import annotations

import torch
from torch import nn

from .. import store
from ..checks import integer, number
from ..measure import Measurement, measure_once, measure_repeated
from ..quality.judges import torch_threads
from ..records import TrainedRun
from .base import balanced_labels, check_labels, check_temperature, n_parameters
from .config import N_CLASSES, GeneratorConfig
from .cvae import CVAE, CVAECNN, CVAEMLP, train_cvae
from .shallow import ClassMeanGenerator, CopyGenerator, PCAGenerator, PixelGenerator


# The modules whose code makes a trained generator (and its cost) what it is: key material.
CODE = ("mlfootprint.generate.train", "mlfootprint.generate.cvae", "mlfootprint.generate.shallow",
        "mlfootprint.generate.config", "mlfootprint.generate.base")


def build(config: GeneratorConfig, n_train: int = 1) -> nn.Module:
    """An untrained generator for ``config`` (``n_train`` sizes the copy generator's memory)."""
    if not isinstance(config, GeneratorConfig):
        raise TypeError(f"config must be a GeneratorConfig, got {type(config).__name__}")
    mix = {"mixture_components": config.mixture_components, "sampler": config.sampler}
    if config.kind == "cvae-mlp":
        return CVAEMLP(config.hidden, config.latent, **mix)
    if config.kind == "cvae-cnn":
        return CVAECNN(config.channels, config.latent, **mix)
    if config.kind == "pca":
        return PCAGenerator(config.n_components)
    if config.kind == "pixel":
        return PixelGenerator(config.smoothing)
    if config.kind == "class-mean":
        return ClassMeanGenerator()
    return CopyGenerator(integer("n_train", n_train, lo=1))


def check_data(x, y) -> None:
    """Images (N, 1, 28, 28) in [0, 1] and one digit label per image, or a clear error."""
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or tuple(x.shape[1:]) != (1, 28, 28):
        raise ValueError(f"images must be a tensor of shape (N, 1, 28, 28), got "
                         f"{tuple(getattr(x, 'shape', ()))}")
    if len(x) == 0:
        raise ValueError("images: no training digits")
    if not isinstance(y, torch.Tensor) or y.shape != (len(x),):
        raise ValueError(f"labels must be a 1-D tensor with one label per image ({len(x)}), "
                         f"got {tuple(getattr(y, 'shape', ()))}")
    bad = int((~torch.isfinite(x)).sum()) if x.is_floating_point() else 0
    if bad:
        raise ValueError(f"images: {bad:,} pixel(s) are NaN or infinite; every pixel must be a finite "
                         f"number from 0 to 1")
    if float(x.min()) < 0 or float(x.max()) > 1:
        raise ValueError(f"images must be scaled to [0, 1], got values from {float(x.min()):g} "
                         f"to {float(x.max()):g}")
    check_labels(y)


def fit(config: GeneratorConfig, x: torch.Tensor, y: torch.Tensor,
        progress: bool = True) -> tuple[nn.Module, dict]:
    """Train (or fit) the generator on images ``x`` and labels ``y``; return it and its
    per-epoch loss history (empty for models fitted in one pass). Seeded by ``config.seed``."""
    if not isinstance(config, GeneratorConfig):
        raise TypeError(f"config must be a GeneratorConfig, got {type(config).__name__}")
    check_data(x, y)
    torch.manual_seed(config.seed)
    model = build(config, len(x))
    if isinstance(model, CVAE):
        history = train_cvae(model, config, x, y, progress)
    else:
        model.fit(x, y)
        history = {}
    model.eval()
    return model, history


def data_settings(data) -> dict:
    return {"data_source": data.source, "n_train": int(data.n_train)}


def train_generator(config: GeneratorConfig, data, progress: bool = True,
                    threads: int = 1) -> tuple[nn.Module, TrainedRun]:
    """Train on ``data`` (an :class:`~mlfootprint.mnist.MnistData`) under the energy tracker,
    on ``threads`` CPU threads."""
    settings = {**config.training_settings(), **data_settings(data), "threads": threads}
    with torch_threads(threads):
        (model, history), training = measure_once(
            lambda: fit(config, data.x_train, data.y_train, progress),
            label=f"train {config.label()}", settings=settings)
    run = TrainedRun(label=config.label(), family=config.family, settings=config.settings(),
                     n_parameters=n_parameters(model), training=training, evaluation=None,
                     history=history, data=data_settings(data))
    return model, run


def load_or_train(config: GeneratorConfig, data, *, progress: bool = True, threads: int = 1,
                  refresh: bool = False) -> tuple[nn.Module, TrainedRun]:
    """The trained generator and its record: kept under ``data/results`` when the same
    training settings, data and code were trained before, otherwise trained now and kept.
    Configs that differ only in ``sampler`` share one training run; the model returned
    draws with the config's sampler, and its record names that sampler. Training runs on
    ``threads`` CPU threads (part of the key)."""
    if not isinstance(config, GeneratorConfig):
        raise TypeError(f"config must be a GeneratorConfig, got {type(config).__name__}")
    threads = integer("threads", threads, lo=1, hi=1024)
    settings = {**config.training_settings(), **data_settings(data), "threads": threads}
    model, run = store.keep(
        "generation/generator", settings,
        make=lambda: train_generator(config, data, progress, threads), save=store.save_module,
        load=store.load_module(lambda: build(config, int(data.n_train))),
        code=CODE,
        decode=TrainedRun.from_dict, refresh=refresh)
    if isinstance(model, CVAE):
        model.use_sampler(config.sampler)
    run.label, run.settings = config.label(), config.settings()
    return model, run


def measure_generation(model: nn.Module, config: GeneratorConfig, *, batch_size: int = 100,
                       temperature: float = 1.0, seed: int = 0, repeats: int = 3,
                       min_seconds: float = 1.0, threads: int = 1) -> Measurement:
    """Energy per generated image: batches of ``batch_size`` images (all classes in turn)
    repeated after a warm-up until each repeat lasts ``min_seconds``, on ``threads`` threads."""
    batch_size = integer("batch_size", batch_size, lo=1, hi=100_000)
    temperature = check_temperature(temperature)
    seed = integer("seed", seed, lo=0, hi=2**63 - 1)
    labels = torch.arange(batch_size) % N_CLASSES
    gen = torch.Generator().manual_seed(seed)
    threads = integer("threads", threads, lo=1, hi=1024)
    settings = {**config.settings(), "batch_size_generation": batch_size,
                "temperature": temperature, "seed_generation": seed, "threads": threads}
    with torch.no_grad(), torch_threads(threads):
        return measure_repeated(lambda: model.sample(labels, temperature, gen),
                                label=f"generate with {config.label()}", settings=settings,
                                repeats=repeats, min_seconds=min_seconds,
                                items_per_call=batch_size)


_COST_DEFAULTS = {"batch_size": 100, "temperature": 1.0, "seed": 0, "repeats": 3, "min_seconds": 1.0,
                  "threads": 1}


def generation_cost(model: nn.Module, config: GeneratorConfig, data, **kwargs) -> Measurement:
    """:func:`measure_generation`, kept under every setting (and the data the model saw)."""
    unknown = set(kwargs) - set(_COST_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown argument(s) {sorted(unknown)}; allowed: {sorted(_COST_DEFAULTS)}")
    opts = {**_COST_DEFAULTS, **kwargs}
    integer("batch_size", opts["batch_size"], lo=1, hi=100_000)
    integer("repeats", opts["repeats"], lo=1, hi=1000)
    integer("threads", opts["threads"], lo=1, hi=1024)
    number("min_seconds", opts["min_seconds"], lo=0.0, hi=60.0)
    check_temperature(opts["temperature"])
    settings = {**config.settings(), **data_settings(data), **opts}
    return store.cached("generation/cost", settings, lambda: measure_generation(model, config, **opts),
                        code=CODE, decode=Measurement.from_dict)


def panel_scores(panel, model: nn.Module, config: GeneratorConfig, data, *, temperature: float = 1.0,
                 seed: int = 0, threads: int = 1):
    """The panel's scores of ``model``'s digits: as many of each class as the panel's
    reference holds, drawn at ``temperature`` with ``seed``; kept under ``data/results``
    (see :meth:`mlfootprint.quality.Panel.score_kept`)."""
    temperature = check_temperature(temperature)
    seed = integer("seed", seed, lo=0, hi=2**63 - 1)
    labels = balanced_labels(panel.n_per_class)
    what = {**config.settings(), **data_settings(data), "threads": threads,
            "temperature": temperature, "seed": seed, "n_per_class": panel.n_per_class}

    def images():
        with torch_threads(threads):
            return model.sample(labels, temperature, torch.Generator().manual_seed(seed)), labels

    return panel.score_kept(what, images, code=CODE)
