"""The classification bench: the only module of the bench that calls :mod:`mlfootprint.classify`.

Forecast: two short real runs (few and more batches and test images) separate what each batch
and each evaluated image costs from what every epoch costs anyway. Run: stored like every
chapter run; Stop ends it after an epoch, keeping the epochs measured (and storing nothing).
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field, replace

import ipywidgets as widgets

from .. import classify, forecast, units
from .core import STYLE, Bench, BenchInputError, StopRun, cost_and_comparison, per_unit_and_fixed, png, watts

CAL_BATCHES = 12     # training batches per calibration epoch
CAL_EVAL_IMAGES = 200  # test images and training-sample images evaluated per calibration epoch
CAL_EPOCHS = 4       # the first is a warm-up; the other three give the samples (their median sets one slow epoch aside)


def parse_sizes(text: str, family: str) -> tuple[int, ...]:
    """``"64, 32"`` -> ``(64, 32)``; a clear error naming what is wrong otherwise."""
    if not isinstance(text, str):
        raise BenchInputError(f"Layer sizes must be text such as '64, 32', got {text!r}.")
    parts = [p for p in re.split(r"[,\s;]+", text.strip()) if p]
    if not parts and family == "CNN":
        raise BenchInputError("A CNN needs at least one layer: type its channels, e.g. '16, 32'.")
    for p in parts:
        if not re.fullmatch(r"[+-]?\d+", p):
            raise BenchInputError(f"Layer sizes must be whole numbers separated by commas, e.g. '64, 32': "
                                  f"{p!r} is not a whole number.")
        if int(p) < 1:
            raise BenchInputError(f"Each layer needs at least 1 {'unit' if family == 'MLP' else 'channel'}: "
                                  f"got {int(p)} in '{text}'.")
    return tuple(int(p) for p in parts)


@dataclass
class Result:
    config: classify.TrainConfig
    rows: list = field(default_factory=list)   # the epochs measured
    run: object = None                          # the TrainedRun when the run finished
    stopped: bool = False

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
        return {
            "family": widgets.ToggleButtons(options=["MLP", "CNN"], value="MLP", description="model", style=STYLE),
            "sizes": widgets.Text(value="64, 32", description="layer sizes", placeholder="e.g. 64, 32", style=STYLE),
            "epochs": widgets.IntText(value=3, description="epochs", style=STYLE),
            "lr": widgets.FloatText(value=1e-3, description="learning rate", style=STYLE),
            "batch_size": widgets.IntText(value=64, description="batch size", style=STYLE),
        }

    def parse(self, values: dict) -> classify.TrainConfig:
        sizes = parse_sizes(values["sizes"], values["family"])
        base = {k: v for k, v in self.settings.items() if k not in ("epochs", "lr", "batch_size")}
        return classify.TrainConfig(values["family"], sizes, epochs=int(values["epochs"]), lr=float(values["lr"]),
                                    batch_size=int(values["batch_size"]), **base)

    def _calibration_run(self, config: classify.TrainConfig, batches: int, eval_images: int):
        """A real run of ``config`` on ``batches`` batches and ``eval_images`` test images;
        returns it, its batches per epoch and its images evaluated per epoch."""
        cal_train = min(config.n_train or 60_000, batches * config.batch_size + config.val_size)
        cal = config.with_(epochs=CAL_EPOCHS, n_train=cal_train, n_test=eval_images,
                           eval_train_size=min(config.eval_train_size, eval_images, cal_train - config.val_size),
                           eval_every=1, patience=None)
        run = classify.train_classifier(cal, cache=False, progress=False)
        n_batches = math.ceil((cal_train - config.val_size) / config.batch_size)
        return run, n_batches, run.data["eval_train_size"] + run.data["n_test"] + run.data.get("n_val", 0)

    def forecast(self, config: classify.TrainConfig) -> forecast.Forecast:
        n_test, usable = config.n_test or 10_000, (config.n_train or 60_000) - config.val_size
        run_a, b_a, e_a = self._calibration_run(config, max(1, CAL_BATCHES // 4), min(CAL_EVAL_IMAGES // 2, n_test))
        run_b, b_b, e_b = self._calibration_run(config, CAL_BATCHES, min(CAL_EVAL_IMAGES, n_test))
        eval_images = min(config.eval_train_size, usable) + n_test + config.val_size
        n_evals = sum(e % config.eval_every == 0 or e == config.epochs for e in range(1, config.epochs + 1))
        warm = list(zip(run_a.history[1:], run_b.history[1:]))

        def split(key, sizes, n_units, names, n_fixed, took=0.0):  # per unit, and fixed per epoch
            per, fixed = per_unit_and_fixed([(a[f"{key}_time_s"], b[f"{key}_time_s"]) for a, b in warm], sizes)
            power = watts(sum(b[f"{key}_energy_kwh"] for _, b in warm), sum(b[f"{key}_time_s"] for _, b in warm))
            return [forecast.Part(names[0], per, n_units, power, took), forecast.Part(names[1], fixed, n_fixed, power)]

        parts = (split("train", (b_a, b_b), math.ceil(usable / config.batch_size) * config.epochs,
                       ("training batches", "per-epoch overhead of training"), config.epochs,
                       run_a.training.duration_s + run_b.training.duration_s)
                 + split("eval", (e_a, e_b), eval_images * n_evals,
                         ("evaluated images", "per-evaluation overhead"), n_evals))
        return forecast.extrapolate(parts, label=config.label, instrument=run_b.training.method_instrument())

    def run(self, config: classify.TrainConfig, reporter) -> Result:
        result = Result(config)

        def on_epoch(row: dict) -> None:
            result.rows.append(row)
            acc = row.get("test_acc")
            reporter.progress(row["epoch"], config.epochs,
                              f"epoch {row['epoch']} of {config.epochs}: training loss "
                              f"{row.get('train_loss_running'):.3f}"
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
        return result

    def after(self, result: Result, fc: forecast.Forecast):
        if not result.rows:
            return "<p>Stopped before the first epoch ended: nothing was measured yet.</p>", None, None
        if result.stopped:  # compare with the forecast scaled to the epochs that ran
            share = len(result.rows) / result.config.epochs
            fc = forecast.extrapolate([replace(p, total_units=p.total_units * share) for p in fc.parts],
                                      label=fc.label)
        cost, against, cmp = cost_and_comparison(result.time_s, result.energy_kwh, fc)
        acc = result.test_acc
        text = (f"<div class='mlfp-bench-result'><b>Yours: {html.escape(result.config.label)}</b>, "
                f"{len(result.rows)} epoch(s){' (stopped)' if result.stopped else ''}: "
                + (f"test accuracy {100 * acc:.1f}%, " if acc is not None else "") + f"{cost}.<br>{against}"
                + ("" if result.run is None else " The run is stored: asking again returns it at once.")
                + "</div>")
        return text, png(figure(self.runs, result)) if acc is not None else None, cmp


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
        mine = [p for p, r in zip(pts, runs) if r.family == fam]
        ax.scatter(*zip(*mine), s=36, label=f"chapter's {fam}s", color=family_colour(fam), zorder=3)
    if pts:
        front = [pts[i] for i in classify.pareto_front(pts)]
        ax.step(*zip(*front), where="post", ls="--", color="black", lw=1, label="Pareto front (chapter)")
    x, y = yours_point(result)
    ax.scatter([x], [y], marker="*", s=260, color="gold", edgecolor="black", zorder=5,
               label=f"yours: {result.config.label}")
    ax.annotate("yours", (x, y), xytext=(6, 6), textcoords="offset points", fontweight="bold")
    ax.set(xscale="log", xlabel="energy of the whole run, training + evaluation (J, log scale)",
           ylabel="test accuracy (%)", title="Accuracy against energy: the chapter's models and yours")
    ax.legend(fontsize=7, loc="lower right")
    return fig


def classification_bench(runs=(), settings: dict | None = None, *, background: bool = True) -> Bench:
    """The bench for the classification chapter: ``runs`` are the chapter's runs (for the
    figure), ``settings`` the chapter's shared settings (default: the course's)."""
    if settings is None:
        from ..course import classification as course

        settings = course.SETTINGS
    return Bench(ClassificationAdapter(settings, runs), background=background)
