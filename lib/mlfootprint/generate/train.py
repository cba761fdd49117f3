"""Training a generator under the tracker (:func:`train_generator`: the model and its
:class:`~mlfootprint.records.TrainedRun`, the code mixture's fit in ``training``), keeping it
(:func:`load_or_train`, damaged weights moved aside and retrained), and the cost per drawn image."""

from __future__ import annotations

import torch
from torch import nn

from .. import store
from ..checks import integer, number
from ..measure import Measurement, measure_once, measure_repeated
from ..quality.judges import check_digit_labels, check_images, data_settings
from ..threads import torch_threads
from ..records import TrainedRun
from .base import balanced_labels, check_temperature, n_parameters
from .config import N_CLASSES, GeneratorConfig
from .cvae import CVAE, CVAECNN, CVAEMLP, train_cvae
from .shallow import ClassMeanGenerator, CopyGenerator, PCAGenerator, PixelGenerator


# The modules whose code makes a trained generator (and its cost) what it is: key material.
CODE = ("mlfootprint.generate.train", "mlfootprint.generate.cvae", "mlfootprint.generate.shallow",
        "mlfootprint.generate.config", "mlfootprint.generate.base", "mlfootprint.classify.loop")


def build(config: GeneratorConfig, n_train: int = 1) -> nn.Module:
    """An untrained generator for ``config`` (``n_train`` sizes the copy generator's memory)."""
    if not isinstance(config, GeneratorConfig):
        raise TypeError(f"config must be a GeneratorConfig, got {type(config).__name__}")
    mix = {"mixture_components": config.mixture_components, "sampler": config.sampler}
    return {"cvae-mlp": lambda: CVAEMLP(config.hidden, config.latent, **mix),
            "cvae-cnn": lambda: CVAECNN(config.channels, config.latent, **mix),
            "pca": lambda: PCAGenerator(config.n_components),
            "pixel": lambda: PixelGenerator(config.smoothing), "class-mean": ClassMeanGenerator,
            "copy": lambda: CopyGenerator(integer("n_train", n_train, lo=1))}[config.kind]()


def check_data(x, y) -> None:
    """Images (N, 1, 28, 28) in [0, 1] and one digit label per image, or a clear error."""
    check_digit_labels(y, len(check_images(x)))


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


_COST_DEFAULTS = {"batch_size": 100, "temperature": 1.0, "seed": 0, "repeats": 3, "min_seconds": 1.0,
                  "threads": 1}


def _cost_options(**kwargs) -> dict:
    """The options of :func:`measure_generation`, defaults filled in, each checked."""
    unknown = set(kwargs) - set(_COST_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown argument(s) {sorted(unknown)}; allowed: {sorted(_COST_DEFAULTS)}")
    o = {**_COST_DEFAULTS, **kwargs}
    return {"batch_size": integer("batch_size", o["batch_size"], lo=1, hi=100_000),
            "temperature": check_temperature(o["temperature"]),
            "seed": integer("seed", o["seed"], lo=0, hi=2**63 - 1),
            "repeats": integer("repeats", o["repeats"], lo=1, hi=1000),
            "min_seconds": number("min_seconds", o["min_seconds"], lo=0.0, hi=60.0),
            "threads": integer("threads", o["threads"], lo=1, hi=1024)}


def measure_generation(model: nn.Module, config: GeneratorConfig, **options) -> Measurement:
    """Energy per generated image: batches of ``batch_size`` images (all classes in turn)
    repeated after a warm-up until each repeat lasts ``min_seconds``, on ``threads`` threads
    (options and defaults: :data:`_COST_DEFAULTS`)."""
    o = _cost_options(**options)
    labels = torch.arange(o["batch_size"]) % N_CLASSES
    gen = torch.Generator().manual_seed(o["seed"])
    settings = {**config.settings(), "batch_size_generation": o["batch_size"],
                "temperature": o["temperature"], "seed_generation": o["seed"], "threads": o["threads"]}
    with torch.no_grad(), torch_threads(o["threads"]):
        return measure_repeated(lambda: model.sample(labels, o["temperature"], gen),
                                label=f"generate with {config.label()}", settings=settings,
                                repeats=o["repeats"], min_seconds=o["min_seconds"],
                                items_per_call=o["batch_size"])


def generation_cost(model: nn.Module, config: GeneratorConfig, data, **options) -> Measurement:
    """:func:`measure_generation`, kept under every setting (and the data the model saw)."""
    opts = _cost_options(**options)
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
