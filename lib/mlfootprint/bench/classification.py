"""The classification bench: the only module of the bench that calls :mod:`mlfootprint.classify`.

Forecast: two short real runs of the same model, on few and on more batches (CAL_EPOCHS
epochs each; the first is a warm-up), through ``classify.train_classifier(..., cache=False)``;
their training time per batch and evaluation time per image, what every epoch costs anyway,
and the powers charged, are scaled to the full run.
Run: ``classify.train_classifier(config, callback=...)`` (stored by the results store like
every chapter run); the callback reports each epoch and raises :class:`StopRun` after Stop,
so a stopped run keeps every epoch measured so far (and stores nothing).
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field

import ipywidgets as widgets

from .. import classify, forecast, measure, units
from ..widgets import figure_png
from .core import Bench, BenchInputError, StopRun

CAL_BATCHES = 12     # training batches per calibration epoch
CAL_EVAL_IMAGES = 200  # test images and training-sample images evaluated per calibration epoch
CAL_EPOCHS = 4       # the first is a warm-up; the other three give the samples (their median sets one slow epoch aside)


def parse_sizes(text: str, family: str) -> tuple[int, ...]:
    """``"64, 32"`` -> ``(64, 32)``; a clear error naming what is wrong otherwise."""
    if not isinstance(text, str):
        raise BenchInputError(f"Layer sizes must be text such as '64, 32', got {text!r}.")
    parts = [p for p in re.split(r"[,\s;]+", text.strip()) if p]
    if not parts and family == "MLP":
        return ()
    if not parts:
        raise BenchInputError("A CNN needs at least one layer: type its channels, e.g. '16, 32'.")
    sizes = []
    for p in parts:
        if not re.fullmatch(r"[+-]?\d+", p):
            raise BenchInputError(f"Layer sizes must be whole numbers separated by commas, e.g. '64, 32': "
                                  f"{p!r} is not a whole number.")
        value = int(p)
        if value < 1:
            raise BenchInputError(f"Each layer needs at least 1 {'unit' if family == 'MLP' else 'channel'}: "
                                  f"got {value} in '{text}'.")
        sizes.append(value)
    return tuple(sizes)


@dataclass
class Result:
    config: classify.TrainConfig
    rows: list = field(default_factory=list)   # the epochs measured
    run: object = None                          # the TrainedRun when the run finished
    stopped: bool = False
    elapsed_s: float = 0.0

    @property
    def time_s(self) -> float:
        return sum(r["train_time_s"] + r["eval_time_s"] for r in self.rows)

    @property
    def energy_kwh(self) -> float:
        return sum(r["train_energy_kwh"] + r["eval_energy_kwh"] for r in self.rows)

    @property
    def test_acc(self) -> float | None:
        done = [r["test_acc"] for r in self.rows if r.get("evaluated")]
        return float(done[-1]) if done else None


class ClassificationAdapter:
    title = "Train your own digit classifier"

    def __init__(self, settings: dict, runs=()):
        self.settings = dict(settings)   # the chapter's shared settings (data, seed, threads, ...)
        self.runs = list(runs)           # the chapter's own runs, for the figure

    def controls(self) -> dict:
        style = {"description_width": "initial"}
        return {
            "family": widgets.ToggleButtons(options=["MLP", "CNN"], value="MLP", description="model", style=style),
            "sizes": widgets.Text(value="64, 32", description="layer sizes", placeholder="e.g. 64, 32", style=style),
            "epochs": widgets.IntText(value=3, description="epochs", style=style),
            "lr": widgets.FloatText(value=1e-3, description="learning rate", style=style),
            "batch_size": widgets.IntText(value=64, description="batch size", style=style),
        }

    def parse(self, values: dict) -> classify.TrainConfig:
        sizes = parse_sizes(values["sizes"], values["family"])
        base = {k: v for k, v in self.settings.items() if k not in ("epochs", "lr", "batch_size")}
        return classify.TrainConfig(values["family"], sizes, epochs=int(values["epochs"]), lr=float(values["lr"]),
                                    batch_size=int(values["batch_size"]), **base)

    # ------------------------------------------------------------------ forecast -------
    def _calibration_run(self, config: classify.TrainConfig, batches: int, eval_images: int):
        """A real run of ``config`` on ``batches`` batches and ``eval_images`` test images."""
        cal_train = min(config.n_train or 60_000, batches * config.batch_size + config.val_size)
        cal = config.with_(epochs=CAL_EPOCHS, n_train=cal_train, n_test=eval_images,
                           eval_train_size=min(config.eval_train_size, eval_images, cal_train - config.val_size),
                           eval_every=1, patience=None)
        run = classify.train_classifier(cal, cache=False, progress=False)
        n_batches = math.ceil((cal_train - config.val_size) / config.batch_size)
        n_eval = run.data["eval_train_size"] + run.data["n_test"] + run.data.get("n_val", 0)
        return run, n_batches, n_eval

    def forecast(self, config: classify.TrainConfig) -> forecast.Forecast:
        """Two short real runs (few and more batches; fewer and more test images) separate
        what each batch and each evaluated image costs from what every epoch costs anyway."""
        n_train, n_test = config.n_train or 60_000, config.n_test or 10_000
        usable = n_train - config.val_size
        batches = math.ceil(usable / config.batch_size)
        small = self._calibration_run(config, max(1, CAL_BATCHES // 4), min(CAL_EVAL_IMAGES // 2, n_test))
        large = self._calibration_run(config, CAL_BATCHES, min(CAL_EVAL_IMAGES, n_test))
        (run_a, b_a, e_a), (run_b, b_b, e_b) = small, large
        eval_images = min(config.eval_train_size, usable) + n_test + config.val_size
        n_evals = len([e for e in range(1, config.epochs + 1) if e % config.eval_every == 0 or e == config.epochs])

        def split(key, n_a, n_b):  # per unit and fixed per epoch, from the warm epochs of both runs
            per, fixed = [], []
            for ra, rb in zip(run_a.history[1:], run_b.history[1:]):
                ta, tb = ra[f"{key}_time_s"], rb[f"{key}_time_s"]
                slope = (tb - ta) / (n_b - n_a) if n_b != n_a else tb / n_b
                slope = max(slope, tb / n_b / 4)   # never let noise make units nearly free
                per.append(slope)
                fixed.append(max(tb - slope * n_b, 0.0))
            warm = run_b.history[1:]
            watts = (sum(r[f"{key}_energy_kwh"] for r in warm) * 3.6e6 / sum(r[f"{key}_time_s"] for r in warm)
                     if sum(r[f"{key}_time_s"] for r in warm) else 0.0)
            return tuple(per), tuple(fixed), watts

        t_per, t_fix, t_w = split("train", b_a, b_b)
        e_per, e_fix, e_w = split("eval", e_a, e_b)
        took = run_a.training.duration_s + run_b.training.duration_s
        parts = [forecast.Part("training batches", t_per, batches * config.epochs, t_w, took),
                 forecast.Part("per-epoch overhead of training", t_fix, config.epochs, t_w),
                 forecast.Part("evaluated images", e_per, eval_images * n_evals, e_w),
                 forecast.Part("per-evaluation overhead", e_fix, n_evals, e_w)]
        return forecast.extrapolate(parts, label=config.label, instrument=run_b.training.method_instrument())

    def forecast_html(self, fc: forecast.Forecast) -> str:
        return forecast_block(fc)

    # ------------------------------------------------------------------ run ------------
    def run(self, config: classify.TrainConfig, reporter) -> Result:
        result = Result(config)

        def on_epoch(row: dict) -> None:
            result.rows.append(row)
            loss = row.get("train_loss_running")
            acc = row.get("test_acc")
            reporter.progress(row["epoch"], config.epochs,
                              f"epoch {row['epoch']} of {config.epochs}: training loss {loss:.3f}"
                              + (f", test accuracy {100 * acc:.1f}%" if acc is not None else "")
                              + f"; energy measured so far {units.energy(result.energy_kwh, 'kWh')}, "
                                f"{units.duration(reporter.elapsed())} elapsed")
            reporter.check_stop()

        reporter.progress(0, config.epochs, "training the first epoch…")
        try:
            result.run = classify.train_classifier(config, progress=False, callback=on_epoch)
            result.rows = list(result.run.history)
            reporter.progress(len(result.rows), config.epochs,
                              f"done: {len(result.rows)} epoch(s), energy measured "
                              f"{units.energy(result.energy_kwh, 'kWh')}")
        except StopRun:
            result.stopped = True
        result.elapsed_s = reporter.elapsed()
        return result

    def after(self, result: Result, fc: forecast.Forecast):
        if not result.rows:
            return ("<p>Stopped before the first epoch ended: nothing was measured yet.</p>", None, None)
        if result.stopped:  # compare with the forecast scaled to the epochs that ran
            share = len(result.rows) / result.config.epochs
            fc = forecast.extrapolate([forecast.Part(p.name, p.unit_seconds, p.total_units * share, p.power_w,
                                                     p.calibration_s) for p in fc.parts], label=fc.label)
        cmp = forecast.compare(fc, result.time_s, result.energy_kwh)
        acc = result.test_acc
        text = (f"<div class='mlfp-bench-result'><b>Yours: {html.escape(result.config.label)}</b>, "
                f"{len(result.rows)} epoch(s){' (stopped)' if result.stopped else ''}: "
                + (f"test accuracy {100 * acc:.1f}%, " if acc is not None else "")
                + f"time {units.duration(result.time_s)}, energy {units.energy(result.energy_kwh, 'kWh')}, "
                  f"{units.co2(measure.kwh_to_kg(result.energy_kwh))} CO₂e.<br>"
                  f"<b>Predicted against actual:</b> time {units.duration(cmp.predicted_s)} vs "
                  f"{units.duration(cmp.actual_s)}, energy {units.energy(cmp.predicted_kwh, 'kWh')} vs "
                  f"{units.energy(cmp.actual_kwh, 'kWh')}. {html.escape(cmp.sentence())}"
                  + ("" if result.run is None else " The run is stored: asking again returns it at once.")
                + "</div>")
        png = figure_png(figure(self.runs, result)) if acc is not None else None
        return text, png, cmp


def forecast_block(fc: forecast.Forecast) -> str:
    """A forecast with its interval and method, as the benches show it."""
    return (f"<div class='mlfp-bench-forecast'><b>Forecast</b>: time about {units.duration(fc.time_s)} "
            f"({units.duration(fc.time_low_s)} to {units.duration(fc.time_high_s)}); energy about "
            f"{units.energy(fc.energy_kwh, 'kWh')} ({units.energy(fc.energy_low_kwh, 'kWh')} to "
            f"{units.energy(fc.energy_high_kwh, 'kWh')}); CO₂ about {units.co2(fc.emissions_kg)} "
            f"({units.co2(fc.emissions_low_kg)} to {units.co2(fc.emissions_high_kg)}).<br>"
            f"<small>Method: {html.escape(fc.method())}</small></div>")


def yours_point(result: Result) -> tuple[float, float]:
    """(energy in J, test accuracy in %) of the learner's run: where the star goes."""
    return result.energy_kwh * 3.6e6, 100 * result.test_acc


def figure(runs, result: Result):
    """The chapter's accuracy-against-energy figure with its Pareto front, the learner's run
    drawn as a star marked "yours"."""
    from ..plots import family_colour, new_figure

    fig, ax = new_figure()
    pts = [(r.total_energy_kwh * 3.6e6, 100 * classify.final_accuracy(r)) for r in runs]
    for fam in sorted({r.family for r in runs}):
        idx = [i for i, r in enumerate(runs) if r.family == fam]
        ax.scatter([pts[i][0] for i in idx], [pts[i][1] for i in idx], s=36, label=f"chapter's {fam}s",
                   color=family_colour(fam), zorder=3)
    if pts:
        front = classify.pareto_front(pts)
        ax.step([pts[i][0] for i in front], [pts[i][1] for i in front], where="post", ls="--", color="black",
                lw=1, label="Pareto front (chapter)")
    x, y = yours_point(result)
    ax.scatter([x], [y], marker="*", s=260, color="gold", edgecolor="black", zorder=5,
               label=f"yours: {result.config.label}")
    ax.annotate("yours", (x, y), xytext=(6, 6), textcoords="offset points", fontweight="bold")
    ax.set_xscale("log")
    ax.set_xlabel("energy of the whole run, training + evaluation (J, log scale)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("Accuracy against energy: the chapter's models and yours")
    ax.legend(fontsize=7, loc="lower right")
    return fig


def classification_bench(runs=(), settings: dict | None = None, *, background: bool = True) -> Bench:
    """The bench for the classification chapter: ``runs`` are the chapter's runs (for the
    figure), ``settings`` the chapter's shared settings (default: the course's)."""
    if settings is None:
        from ..course import classification as course

        settings = course.SETTINGS
    return Bench(ClassificationAdapter(settings, runs), background=background)
