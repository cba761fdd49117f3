"""The generation bench: the only module of the bench that calls :mod:`mlfootprint.generate`.

Forecast: a CVAE trains one epoch on few and on more batches, three times after a warm-up
(through ``generate.fit``), and the time per batch is scaled to every batch of every epoch;
its code mixture, if any, is fitted class by class to the calibration model's codes; a
one-pass generator (PCA, per-pixel) is fitted whole five times (it is quick). The tracker's
own start and stop is added (the run is measured in one tracker window). Run:
``generate.load_or_train`` (stored like the chapter's generators), then samples at your
temperature. The generators' training loop has no stop point: Stop ends the run after the
training (no sampling); the training, measured as one tracker window, is kept.
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
from .classification import forecast_block, parse_sizes
from ..threads import torch_threads
from .core import Bench, BenchInputError

KINDS = {"CVAE, fully connected": "cvae-mlp", "CVAE, convolutional": "cvae-cnn", "PCA": "pca",
         "per-pixel": "pixel"}
CAL_BATCHES = 8


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
        style = {"description_width": "initial"}
        return {
            "kind": widgets.Dropdown(options=list(KINDS), value="CVAE, fully connected", description="generator",
                                     style=style),
            "layers": widgets.Text(value="128", description="hidden sizes / channels", style=style),
            "latent": widgets.IntText(value=2, description="latent size (CVAE)", style=style),
            "n_components": widgets.IntText(value=20, description="components (PCA)", style=style),
            "epochs": widgets.IntText(value=3, description="epochs (CVAE)", style=style),
            "temperature": widgets.FloatText(value=1.0, description="temperature", style=style),
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
        c = job.config
        with torch_threads(self.threads):
            parts, rec = self._cvae_parts(c) if c.is_cvae else self._one_pass_parts(c)
            parts.append(forecast.tracker_overhead())   # the run is measured in one tracker window
        return forecast.extrapolate(parts, label=c.label(), instrument=rec.method_instrument())

    def _cvae_parts(self, c: gen.GeneratorConfig):
        """Fits of one epoch on few and on more batches give the cost per batch and what a
        fit costs anyway; the code mixture (if any) is fitted to the calibration model's codes
        of every training digit, class by class."""
        x, y = self.data.x_train, self.data.y_train
        batches = math.ceil(len(x) / c.batch_size)
        sizes = (2, CAL_BATCHES)
        one = replace(c, epochs=1, kl_warmup=0, mixture_components=0, sampler="normal")
        fit = lambda n: gen.fit(one, x[:n * c.batch_size], y[:n * c.batch_size], progress=False)  # noqa: E731
        model, _ = fit(sizes[0])  # warm-up
        pairs, per_class = [], []
        with measure.track("calibration: generator") as t:
            for _ in range(3):
                times = []
                for n in sizes:
                    t0 = time.perf_counter()
                    fit(n)
                    times.append(time.perf_counter() - t0)
                pairs.append(times)
            if c.mixture_components:
                per_class = self._mixture_times(model, c, x, y)
        rec = t.record
        watts = rec.energy_kwh * 3.6e6 / rec.duration_s if rec.duration_s else 0.0
        per = tuple(max((b - a) / (sizes[1] - sizes[0]), b / sizes[1] / 4) for a, b in pairs)
        fixed = tuple(max(b - p * sizes[1], 0.0) for (_, b), p in zip(pairs, per))
        parts = [forecast.Part("training batches", per, batches * c.epochs, watts, rec.duration_s),
                 forecast.Part("set-up of a training (model, optimiser)", fixed, 1, watts)]
        if per_class:
            parts.append(forecast.Part("code mixture, per class", tuple(per_class), len(per_class), watts))
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

    def _one_pass_parts(self, c: gen.GeneratorConfig):
        x, y = self.data.x_train, self.data.y_train
        part, rec = forecast.calibrate(lambda: gen.fit(c, x, y, progress=False), 1,
                                       name="one-pass fit", samples=5, min_seconds=0.0)
        return [part], rec

    def forecast_html(self, fc) -> str:
        return forecast_block(fc)

    def run(self, job: Job, reporter) -> Result:
        import torch

        result = Result(job)
        done = threading.Event()
        fc_time = getattr(reporter, "forecast_s", None)

        def tick():  # training has no progress hook: the bar shows time against the forecast
            while not done.wait(0.5):
                total = fc_time or 1.0
                reporter.progress(min(reporter.elapsed(), total), total,
                                  f"training: {units.duration(reporter.elapsed())} elapsed "
                                  f"(bar estimated from the forecast)")

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
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
        cmp = forecast.compare(fc, rec.duration_s, rec.energy_kwh)
        text = (f"<div class='mlfp-bench-result'><b>Yours: {html.escape(result.run.label)}</b>, "
                f"{result.run.n_parameters:,} numbers learned; training {units.duration(rec.duration_s)}, "
                f"{units.energy(rec.energy_kwh, 'kWh')}, {units.co2(measure.kwh_to_kg(rec.energy_kwh))} CO₂e "
                f"(single run, stored).<br><b>Predicted against actual:</b> time {units.duration(cmp.predicted_s)} "
                f"vs {units.duration(cmp.actual_s)}, energy {units.energy(cmp.predicted_kwh, 'kWh')} vs "
                f"{units.energy(cmp.actual_kwh, 'kWh')}. {html.escape(cmp.sentence())}</div>")
        return text, figure_png(self.runs, result), cmp


def figure(runs: dict, result: Result):
    """Training energy of the chapter's generators and of yours (marked "yours"), with your
    samples at your temperature beside it."""
    import matplotlib.pyplot as plt

    from ..plots import FAMILY_COLOURS
    from ..plots.generation import mosaic

    fig, (ax, ax_img) = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True,
                                     gridspec_kw={"width_ratios": [3, 2]})
    items = [(name, r.training.energy_j, r.family, False) for name, r in runs.items()]
    items.append((f"yours: {result.run.label}", result.run.training.energy_j, result.run.family, True))
    ax.barh([i[0] for i in items][::-1], [i[1] for i in items][::-1],
            color=[("gold" if i[3] else FAMILY_COLOURS.get(i[2], "#777")) for i in items][::-1], edgecolor="black")
    for yy, v in enumerate([i[1] for i in items][::-1]):
        ax.text(v, yy, f" {units.energy(v, 'J')}", va="center", fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("training energy (J, log scale)")
    ax.set_title("Training cost, one run each (no comparison is drawn): the chapter's generators and yours",
                 fontsize=9)
    if result.images is not None:
        ax_img.imshow(mosaic(result.images.reshape(-1, 28, 28).numpy(), 10, 6), cmap="gray_r", vmin=0, vmax=1)
        ax_img.set_title(f"yours at temperature {result.job.temperature:g} (rows: digits 0-9)", fontsize=9)
    ax_img.axis("off")
    return fig


def figure_png(runs: dict, result: Result) -> bytes:
    from ..widgets import figure_png as to_png

    return to_png(figure(runs, result))


def generation_bench(data, runs: dict | None = None, *, threads: int = 1, background: bool = True) -> Bench:
    """The bench for the generation chapter: its data, its trained generators (name ->
    TrainedRun, for the figure) and its thread count."""
    return Bench(GenerationAdapter(data, runs, threads), background=background)
