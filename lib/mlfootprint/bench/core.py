"""The bench's machinery, shared by the three chapters: forecast first, then run, stop, compare.

A chapter's *adapter* gives ``title``, ``controls()`` (widgets by name), ``parse(values)`` (a
job, or a ``ValueError`` shown as it is), ``forecast(job)``, ``run(job, reporter)`` and
``after(result, forecast)`` (HTML, PNG or None, the comparison). Work runs in a background
thread so that the kernel stays free to receive the Stop button's click (a kernel busy in a
cell handles no widget messages). Every error becomes a message in the bench, never a
traceback. A forecast over :data:`MAX_SECONDS` is refused before anything runs.
"""

from __future__ import annotations

import html
import threading
import time
import traceback
from typing import Any, Callable

import ipywidgets as widgets

from .. import forecast, measure, units
from ..progress import static_build

MAX_SECONDS = 600.0  # a run the forecast puts above this is refused: choose smaller settings
_OPEN = ("open this chapter in JupyterLab (<code>make lab</code> in the course's folder) or on "
         "Binder (the rocket icon at the top of the page, then <i>Binder</i>), run all cells")
LAUNCH_NOTE = f"<b>Your own experiment</b> needs a live Python kernel: {_OPEN}, and use the bench below."
STATIC_NOTE = (f"<b>Your own experiment</b> needs a live Python kernel, so this website shows no "
               f"bench: {_OPEN}, and the bench appears here with its settings, Forecast, Run and Stop.")
_COLOURS = {"error": ("#fdecea", "#b71c1c"), "info": ("#e8f4fd", "#0d47a1"), "ok": ("#edf7ed", "#1b5e20")}
STYLE = {"description_width": "initial"}   # the controls' style: descriptions not cut


class StopRun(Exception):
    """Raised inside a run when the Stop button was pressed: the run ends, what was measured stays."""


class BenchInputError(ValueError):
    """Settings the bench cannot run; the message is shown to the learner as it is."""


class Reporter:
    """What a running job sees: progress, the forecast, elapsed time, whether Stop was pressed."""

    def __init__(self, bench: "Bench", forecast_s: float | None = None):
        self.progress = bench._show_progress   # progress(done, total, text)
        self.stop_requested = threading.Event()
        self.forecast_s = forecast_s
        self.started = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def check_stop(self) -> None:
        if self.stop_requested.is_set():
            raise StopRun()


class Bench:
    """Forecast / Run / Stop over a chapter's adapter. ``bench.widget`` is what to display."""

    def __init__(self, adapter, *, background: bool = True, max_seconds: float = MAX_SECONDS):
        self.adapter, self.background, self.max_seconds = adapter, background, max_seconds
        self.controls: dict[str, widgets.Widget] = adapter.controls()
        self.job = self.forecast = self.result = self.comparison = None
        self.reporter: Reporter | None = None
        self._thread: threading.Thread | None = None
        self.forecast_button, self.run_button, self.stop_button = buttons = [
            widgets.Button(description=name, button_style=style, disabled=name != "Forecast", tooltip=tip)
            for name, style, tip in (("Forecast", "info", "Calibrate briefly and predict time, energy and CO₂"),
                                     ("Run", "success", "Run these settings (after a forecast)"),
                                     ("Stop", "danger", "End the run cleanly; what was measured is kept"))]
        for button, act in zip(buttons, (self.request_forecast, self.request_run, self.request_stop)):
            button.on_click(lambda _b, act=act: act())
        self.message, self.forecast_html, self.live, self.result_html = (widgets.HTML() for _ in range(4))
        self.progress_bar = widgets.FloatProgress(value=0, min=0, max=1, description="progress",
                                                  layout=widgets.Layout(visibility="hidden", width="420px"))
        self.figure = widgets.Image(format="png", layout=widgets.Layout(display="none"))
        for w in self.controls.values():
            w.observe(self._settings_changed, names="value")
        self.widget = widgets.VBox(
            [widgets.HTML(f"<div class='mlfp-bench-note' style='font-size:90%'>{LAUNCH_NOTE}</div>"),
             widgets.HTML(f"<b>{html.escape(adapter.title)}</b>"), *self.controls.values(),
             widgets.HBox(buttons), self.message,
             self.forecast_html, self.progress_bar, self.live, self.result_html, self.figure],
            layout=widgets.Layout(border="1px solid #ccc", padding="6px"))
        self.widget.add_class("mlfp-bench")
        if static_build():
            # The static website has no kernel: controls there would do nothing, and a bench
            # drawn in the page would bake an empty progress bar and figure into it.
            self.widget = widgets.HTML(f"<div class='mlfp-bench-note mlfp-bench'>{STATIC_NOTE}</div>")

    def values(self) -> dict:
        return {name: w.value for name, w in self.controls.items()}

    def _say(self, kind: str, text: str) -> None:
        bg, fg = _COLOURS[kind]
        self.message.value = (f"<div class='mlfp-bench-{kind}' style='background:{bg};color:{fg};"
                              f"padding:4px 8px;border-radius:4px'>{text}</div>") if text else ""

    def _settings_changed(self, _change=None) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self.forecast, self.job = None, None
        self.run_button.disabled = True
        self.forecast_html.value = ""

    def _show_progress(self, done: float, total: float, text: str = "") -> None:
        self.progress_bar.layout.visibility = "visible"
        self.progress_bar.max = max(float(total), 1e-9)
        self.progress_bar.value = min(float(done), self.progress_bar.max)
        self.live.value = f"<div class='mlfp-bench-live'>{text}</div>"

    def _busy(self, busy: bool, running: bool = False) -> None:
        self.forecast_button.disabled = busy
        self.run_button.disabled = busy or self.forecast is None
        self.stop_button.disabled = not running
        for w in self.controls.values():
            w.disabled = busy

    def _start(self, work: Callable[[], None]) -> None:
        """Run ``work`` (in a thread unless ``background=False``); any error becomes a message."""
        def guarded():
            try:
                work()
            except Exception as exc:
                self._fail(exc)
            finally:
                self._busy(False)

        if self.background:
            self._thread = threading.Thread(target=guarded, daemon=True, name="mlfootprint-bench")
            self._thread.start()
        else:
            guarded()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the work in progress (tests, scripts)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _fail(self, exc: BaseException) -> None:
        if isinstance(exc, (ValueError, TypeError, FileNotFoundError)):
            self._say("error", html.escape(str(exc)))
        else:  # unexpected: one line, not a traceback; the kernel stays usable
            last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
            where = f" (in {last[0].name})" if last else ""
            self._say("error", html.escape(f"The bench stopped: {type(exc).__name__}: {exc}{where}"))

    def request_forecast(self) -> None:
        try:
            job = self.adapter.parse(self.values())
        except Exception as exc:  # bad input: a message in the bench
            self._fail(exc)
            self._settings_changed()
            return
        self.forecast = None
        self._say("info", "Calibrating: a short piece of the run is timed and measured…")
        self._busy(True)

        def work():
            fc = self.adapter.forecast(job)
            self.job = job
            self.forecast_html.value = forecast_block(fc)
            if fc.time_s > self.max_seconds:
                self._say("error", html.escape(
                    f"This run would take about {fc.time_s / 60:.0f} minutes by the forecast, more than "
                    f"the bench allows ({self.max_seconds / 60:.0f} minutes). Choose fewer epochs, "
                    f"smaller layers or fewer tokens, and forecast again."))
            else:
                self.forecast = fc
                self._say("ok", "Forecast ready: press Run, or change the settings.")

        self._start(work)

    def request_run(self) -> None:
        if self.forecast is None or self.job is None:
            self._say("error", "Ask for a forecast first: the bench runs only settings it has forecast.")
            return
        job, fc = self.job, self.forecast
        self.reporter = reporter = Reporter(self, fc.time_s)
        self._busy(True, running=True)
        self._say("info", "Running…")
        self._show_progress(0, 1, "starting")

        def work():
            self.result = result = self.adapter.run(job, reporter)
            self.result_html.value, image, self.comparison = self.adapter.after(result, fc)
            if image:
                self.figure.value = image
                self.figure.layout.display = ""
            self._say("ok", "Stopped: what was measured is kept below." if result.stopped else "Done.")

        self._start(work)

    def request_stop(self) -> None:
        if self.reporter is not None:
            self.reporter.stop_requested.set()
            self._say("info", "Stopping at the next safe point…")


# ------------------------------------------------------------- shared by the adapters --
def forecast_block(fc: forecast.Forecast) -> str:
    """A forecast with its interval and method, as the benches show it."""
    return (f"<div class='mlfp-bench-forecast'><b>Forecast</b>: time about {units.duration(fc.time_s)} "
            f"({units.duration(fc.time_low_s)} to {units.duration(fc.time_high_s)}); energy about "
            f"{_kwh(fc.energy_kwh)} ({_kwh(fc.energy_low_kwh)} to {_kwh(fc.energy_high_kwh)}); CO₂ "
            f"about {units.co2(fc.emissions_kg)} ({units.co2(fc.emissions_low_kg)} to "
            f"{units.co2(fc.emissions_high_kg)}).<br>"
            f"<small>Method: {html.escape(fc.method())}</small></div>")


def cost_and_comparison(seconds: float, energy_kwh: float, fc: forecast.Forecast,
                        what: str = "") -> tuple[str, str, forecast.Comparison]:
    """A run's cost ("time, energy, CO₂e") and the forecast ``fc`` against it, as HTML, and the
    comparison; ``what`` names the part compared, e.g. " (generation query)"."""
    cmp = forecast.compare(fc, seconds, energy_kwh)
    cost = (f"time {units.duration(seconds)}, energy {_kwh(energy_kwh)}, "
            f"{units.co2(measure.kwh_to_kg(energy_kwh))} CO₂e")
    against = (f"<b>Predicted against actual</b>{what}: time {units.duration(cmp.predicted_s)} vs "
               f"{units.duration(cmp.actual_s)}, energy {_kwh(cmp.predicted_kwh)} vs "
               f"{_kwh(cmp.actual_kwh)}. {html.escape(cmp.sentence())}")
    return cost, against, cmp


def _kwh(energy_kwh: float) -> str:
    return units.energy(energy_kwh, "kWh")


def watts(energy_kwh: float, seconds: float) -> float:
    """The average power charged while ``energy_kwh`` was used (0 for no time)."""
    return energy_kwh * 3.6e6 / seconds if seconds else 0.0


def time_sizes(run: Callable[[int], Any], sizes: tuple[int, int], samples: int = 3) -> list[tuple]:
    """Seconds of ``run(n)`` for each ``n`` of ``sizes``, ``samples`` rounds (interleaved)."""
    rounds = []
    for _ in range(samples):
        times = []
        for n in sizes:
            t0 = time.perf_counter()
            run(n)
            times.append(time.perf_counter() - t0)
        rounds.append(tuple(times))
    return rounds


def per_unit_and_fixed(rounds, sizes: tuple[int, int]) -> tuple[tuple, tuple]:
    """From (seconds at ``sizes[0]`` units, at ``sizes[1]`` units) per round: the seconds per
    unit (the slope) and the seconds a run costs anyway (the intercept), per round."""
    (n_a, n_b), per, fixed = sizes, [], []
    for a, b in rounds:
        slope = (b - a) / (n_b - n_a) if n_b != n_a else b / n_b
        slope = max(slope, b / n_b / 4)   # never let noise make units nearly free
        per.append(slope)
        fixed.append(max(b - slope * n_b, 0.0))
    return tuple(per), tuple(fixed)


def png(fig) -> bytes:
    """A figure's PNG bytes (the figure is closed); matplotlib is imported only when drawing."""
    from ..plots import figure_png

    return figure_png(fig)
