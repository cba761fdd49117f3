"""The generation bench: the only module of the bench that calls :mod:`mlfootprint.generate`.

Forecast: a CVAE's epoch on few and on more batches (and its code mixture, class by class); a
one-pass generator fitted whole; plus the tracker's own start and stop. Run: stored like the
chapter's generators. The training has no stop point: Stop skips the sampling after it.
"""

from __future__ import annotations

import html
import math
import threading
import time
from dataclasses import dataclass, replace

import ipywidgets as widgets

from .. import forecast, measure, units
from .. import generate as gen
from ..generate.config import N_CLASSES
from ..threads import torch_threads
from .classification import parse_sizes
from .core import STYLE, Bench, BenchInputError, cost_and_comparison, per_unit_and_fixed, png, time_sizes, watts

KINDS = {"CVAE, fully connected": "cvae-mlp", "CVAE, convolutional": "cvae-cnn", "PCA": "pca",
         "per-pixel": "pixel"}
CAL_BATCHES = (2, 8)   # the calibration's two fits: one epoch of this many batches each


@dataclass
class Job:
    config: gen.GeneratorConfig
    temperature: float


@dataclass
class Result:
    job: Job
    model: object = None
    run: object = None       # TrainedRun
    images: object = None
    stopped: bool = False


class GenerationAdapter:
    title = "Train your own digit generator"

    def __init__(self, data, runs: dict | None = None, threads: int = 1):
        self.data = data                 # the chapter's MnistData
        self.runs = dict(runs or {})     # name -> TrainedRun of the chapter's generators
        self.threads = threads

    def controls(self) -> dict:
        return {
            "kind": widgets.Dropdown(options=list(KINDS), value="CVAE, fully connected", description="generator",
                                     style=STYLE),
            "layers": widgets.Text(value="128", description="hidden sizes / channels", style=STYLE),
            "latent": widgets.IntText(value=2, description="latent size (CVAE)", style=STYLE),
            "n_components": widgets.IntText(value=20, description="components (PCA)", style=STYLE),
            "epochs": widgets.IntText(value=3, description="epochs (CVAE)", style=STYLE),
            "temperature": widgets.FloatText(value=1.0, description="temperature", style=STYLE),
        }

    def parse(self, values: dict) -> Job:
        kind = KINDS[values["kind"]]
        sizes = parse_sizes(values["layers"], "CNN")  # at least one layer for the CVAEs
        extra = {"hidden": sizes} if kind == "cvae-mlp" else {"channels": sizes} if kind == "cvae-cnn" else {}
        try:
            config = gen.GeneratorConfig(kind, latent=int(values["latent"]), epochs=int(values["epochs"]),
                                         n_components=int(values["n_components"]), **extra)
        except (TypeError, ValueError) as exc:
            raise BenchInputError(str(exc)) from None
        t = float(values["temperature"])
        gen.check_temperature(t)
        return Job(config, t)

    def forecast(self, job: Job) -> forecast.Forecast:
        c, x, y = job.config, self.data.x_train, self.data.y_train
        with torch_threads(self.threads):
            if c.is_cvae:
                parts, rec = self._cvae_parts(c, x, y)
            else:
                part, rec = forecast.calibrate(lambda: gen.fit(c, x, y, progress=False), 1,
                                               name="one-pass fit", samples=5, min_seconds=0.0)
                parts = [part]
            parts.append(forecast.tracker_overhead())   # the run is measured in one tracker window
        return forecast.extrapolate(parts, label=c.label(), instrument=rec.method_instrument())

    def _cvae_parts(self, c: gen.GeneratorConfig, x, y):
        """Fits of one epoch on few and on more batches give the cost per batch and what a
        fit costs anyway; the code mixture (if any) is fitted class by class."""
        one = replace(c, epochs=1, kl_warmup=0, mixture_components=0, sampler="normal")
        fit = lambda n: gen.fit(one, x[:n * c.batch_size], y[:n * c.batch_size], progress=False)  # noqa: E731
        model, _ = fit(CAL_BATCHES[0])  # warm-up
        per_class = []
        with measure.track("calibration: generator") as t:
            rounds = time_sizes(fit, CAL_BATCHES)
            if c.mixture_components:
                per_class = self._mixture_times(model, c, x, y)
        rec = t.record
        power = watts(rec.energy_kwh, rec.duration_s)
        per, fixed = per_unit_and_fixed(rounds, CAL_BATCHES)
        parts = [forecast.Part("training batches", per, math.ceil(len(x) / c.batch_size) * c.epochs, power,
                               rec.duration_s),
                 forecast.Part("set-up of a training (model, optimiser)", fixed, 1, power)]
        if per_class:
            parts.append(forecast.Part("code mixture, per class", tuple(per_class), len(per_class), power))
        return parts, rec

    @staticmethod
    def _mixture_times(model, c: gen.GeneratorConfig, x, y) -> list[float]:
        """Seconds to fit each class's code mixture (the calibration model's codes stand in
        for the trained model's). scikit-learn's import, a one-off per process, comes first
        and untimed: the run that follows in the same kernel does not pay it either."""
        import sklearn.mixture  # noqa: F401
        import torch

        with torch.no_grad():
            codes = model.codes(x, y)
        mixture, times = gen.LatentMixture(c.mixture_components, c.latent), []
        for digit in range(N_CLASSES):
            t0 = time.perf_counter()
            mixture.fit_class(digit, codes[y == digit], seed=c.seed)
            times.append(time.perf_counter() - t0)
        return times

    def run(self, job: Job, reporter) -> Result:
        import torch

        result, done = Result(job), threading.Event()

        def tick():  # training has no progress hook: the bar shows time against the forecast
            while not done.wait(0.5):
                total = reporter.forecast_s or 1.0
                reporter.progress(min(reporter.elapsed(), total), total,
                                  f"training: {units.duration(reporter.elapsed())} elapsed "
                                  f"(bar estimated from the forecast)")

        threading.Thread(target=tick, daemon=True).start()
        try:
            result.model, result.run = gen.load_or_train(job.config, self.data, progress=False,
                                                         threads=self.threads)
        finally:
            done.set()
        if reporter.stop_requested.is_set():
            result.stopped = True
            return result
        labels = gen.balanced_labels(6)
        result.images = result.model.sample(labels, job.temperature, torch.Generator().manual_seed(4))
        reporter.progress(1, 1, "done")
        return result

    def after(self, result: Result, fc):
        rec = result.run.training
        cost, against, cmp = cost_and_comparison(rec.duration_s, rec.energy_kwh, fc)
        text = (f"<div class='mlfp-bench-result'><b>Yours: {html.escape(result.run.label)}</b>, "
                f"{result.run.n_parameters:,} numbers learned; training {cost} (single run, stored).<br>"
                f"{against}</div>")
        return text, png(figure(self.runs, result)), cmp


def figure(runs: dict, result: Result):
    """Training energy of the chapter's generators and of yours (marked "yours"), with your
    samples at your temperature beside it."""
    import matplotlib.pyplot as plt

    from ..plots import energy_barh, family_colour
    from ..plots.generation import mosaic

    fig, (ax, ax_img) = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True,
                                     gridspec_kw={"width_ratios": [3, 2]})
    items = [(name, r.training.energy_j, family_colour(r.family)) for name, r in runs.items()]
    energy_barh(ax, items + [(f"yours: {result.run.label}", result.run.training.energy_j, "gold")])
    ax.set_xlabel("training energy (J, log scale)")
    ax.set_title("Training cost, one run each (no comparison is drawn): the chapter's generators and yours",
                 fontsize=9)
    if result.images is not None:
        ax_img.imshow(mosaic(result.images.reshape(-1, 28, 28).numpy(), 10, 6), cmap="gray_r", vmin=0, vmax=1)
        ax_img.set_title(f"yours at temperature {result.job.temperature:g} (rows: digits 0-9)", fontsize=9)
    ax_img.axis("off")
    return fig


def generation_bench(data, runs: dict | None = None, *, threads: int = 1, background: bool = True) -> Bench:
    """The bench for the generation chapter: its data, its trained generators (name ->
    TrainedRun, for the figure) and its thread count."""
    return Bench(GenerationAdapter(data, runs, threads), background=background)
