"""The bench's machinery, shared by the three chapters: forecast first, then run, stop, compare.

A chapter's *adapter* gives ``controls()`` (widgets by name), ``parse(values)`` (a job, or a
``ValueError`` shown as it is), ``forecast(job)`` (a :class:`~mlfootprint.forecast.Forecast`),
``forecast_html(fc)``, ``run(job, reporter)`` (calls ``reporter.progress`` and
``reporter.check_stop``, which raises :class:`StopRun` after Stop) and ``after(result,
forecast)`` (the text, figure and comparison).

Work runs in a background thread so that the kernel stays free to receive the Stop button's
click (a kernel busy in a cell handles no widget messages). Every error becomes a message in
the bench, never a traceback. A forecast over :data:`MAX_SECONDS` is refused before anything runs.
"""

from __future__ import annotations

import html
import threading
import time
import traceback
from typing import Any, Callable

import ipywidgets as widgets

from ..progress import static_build

MAX_SECONDS = 600.0  # a run the forecast puts above this is refused: choose smaller settings
LAUNCH_NOTE = ("<b>Your own experiment</b> needs a live Python kernel: open this chapter in "
               "JupyterLab (<code>make lab</code> in the course's folder) or on Binder (the rocket "
               "icon at the top of the page, then <i>Binder</i>), run all cells, and use the bench "
               "below.")
STATIC_NOTE = ("<b>Your own experiment</b> needs a live Python kernel, so this website shows no "
               "bench: open this chapter in JupyterLab (<code>make lab</code> in the course's "
               "folder) or on Binder (the rocket icon at the top of the page, then <i>Binder</i>), "
               "run all cells, and the bench appears here with its settings, Forecast, Run and Stop.")


class StopRun(Exception):
    """Raised inside a run when the Stop button was pressed: the run ends, what was measured stays."""


class BenchInputError(ValueError):
    """Settings the bench cannot run; the message is shown to the learner as it is."""


class Reporter:
    """What a running job sees: progress, live figures, and whether Stop was pressed."""

    def __init__(self, bench: "Bench"):
        self._bench = bench
        self.stop_requested = threading.Event()
        self.forecast_s: float | None = None
        self.started = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def progress(self, done: float, total: float, text: str = "") -> None:
        self._bench._show_progress(done, total, text)

    def check_stop(self) -> None:
        if self.stop_requested.is_set():
            raise StopRun()


def _message_box(kind: str, text: str) -> str:
    colours = {"error": ("#fdecea", "#b71c1c"), "info": ("#e8f4fd", "#0d47a1"), "ok": ("#edf7ed", "#1b5e20")}
    bg, fg = colours.get(kind, colours["info"])
    return (f"<div class='mlfp-bench-{kind}' style='background:{bg};color:{fg};padding:4px 8px;"
            f"border-radius:4px'>{text}</div>")


class Bench:
    """Forecast / Run / Stop over a chapter's adapter. ``bench.widget`` is what to display."""

    def __init__(self, adapter, *, background: bool = True, max_seconds: float = MAX_SECONDS):
        self.adapter = adapter
        self.background = background
        self.max_seconds = max_seconds
        self.controls: dict[str, widgets.Widget] = adapter.controls()
        self.job: Any = None
        self.forecast: Any = None
        self.result: Any = None
        self.comparison: Any = None
        self.reporter: Reporter | None = None
        self._thread: threading.Thread | None = None
        self.forecast_button = widgets.Button(description="Forecast", button_style="info",
                                              tooltip="Calibrate briefly and predict time, energy and CO₂")
        self.run_button = widgets.Button(description="Run", button_style="success", disabled=True,
                                         tooltip="Run these settings (after a forecast)")
        self.stop_button = widgets.Button(description="Stop", button_style="danger", disabled=True,
                                          tooltip="End the run cleanly; what was measured is kept")
        self.message = widgets.HTML()
        self.forecast_html = widgets.HTML()
        self.progress_bar = widgets.FloatProgress(value=0, min=0, max=1, description="progress",
                                                  layout=widgets.Layout(visibility="hidden", width="420px"))
        self.live = widgets.HTML()
        self.result_html = widgets.HTML()
        self.figure = widgets.Image(format="png", layout=widgets.Layout(display="none"))
        self.forecast_button.on_click(lambda _b: self.request_forecast())
        self.run_button.on_click(lambda _b: self.request_run())
        self.stop_button.on_click(lambda _b: self.request_stop())
        for w in self.controls.values():
            w.observe(self._settings_changed, names="value")
        self.widget = widgets.VBox(
            [widgets.HTML(f"<div class='mlfp-bench-note' style='font-size:90%'>{LAUNCH_NOTE}</div>"),
             widgets.HTML(f"<b>{html.escape(adapter.title)}</b>"),
             *self.controls.values(),
             widgets.HBox([self.forecast_button, self.run_button, self.stop_button]),
             self.message, self.forecast_html, self.progress_bar, self.live, self.result_html, self.figure],
            layout=widgets.Layout(border="1px solid #ccc", padding="6px"))
        self.widget.add_class("mlfp-bench")
        if static_build():
            # The static website has no kernel: controls there would do nothing, and a bench
            # drawn in the page would bake an empty progress bar and figure into it.
            self.widget = widgets.HTML(f"<div class='mlfp-bench-note mlfp-bench'>{STATIC_NOTE}</div>")

    # ---------------------------------------------------------------- helpers ----------
    def values(self) -> dict:
        return {name: w.value for name, w in self.controls.items()}

    def _say(self, kind: str, text: str) -> None:
        self.message.value = _message_box(kind, text) if text else ""

    def _settings_changed(self, _change=None) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self.forecast, self.job = None, None
        self.run_button.disabled = True
        self.forecast_html.value = ""

    def _show_progress(self, done: float, total: float, text: str) -> None:
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
        if self.background:
            self._thread = threading.Thread(target=work, daemon=True, name="mlfootprint-bench")
            self._thread.start()
        else:
            work()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the work in progress (tests, scripts)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _fail(self, exc: BaseException) -> None:
        if isinstance(exc, (ValueError, TypeError, BenchInputError, FileNotFoundError)):
            self._say("error", html.escape(str(exc)))
        else:  # unexpected: one line, not a traceback; the kernel stays usable
            last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
            where = f" (in {last[0].name})" if last else ""
            self._say("error", html.escape(f"The bench stopped: {type(exc).__name__}: {exc}{where}"))

    # ---------------------------------------------------------------- steps ------------
    def request_forecast(self) -> None:
        try:
            job = self.adapter.parse(self.values())
        except Exception as exc:  # bad input: a message in the bench
            self._fail(exc)
            self._settings_changed()
            return
        self._say("info", "Calibrating: a short piece of the run is timed and measured…")
        self._busy(True)

        def work():
            try:
                fc = self.adapter.forecast(job)
                self.job = job
                self.forecast_html.value = self.adapter.forecast_html(fc)
                if fc.time_s > self.max_seconds:
                    self.forecast = None
                    self._say("error", html.escape(
                        f"This run would take about {fc.time_s / 60:.0f} minutes by the forecast, more than "
                        f"the bench allows ({self.max_seconds / 60:.0f} minutes). Choose fewer epochs, "
                        f"smaller layers or fewer tokens, and forecast again."))
                else:
                    self.forecast = fc
                    self._say("ok", "Forecast ready: press Run, or change the settings.")
            except Exception as exc:
                self.forecast = None
                self._fail(exc)
            finally:
                self._busy(False)

        self._start(work)

    def request_run(self) -> None:
        if self.forecast is None or self.job is None:
            self._say("error", "Ask for a forecast first: the bench runs only settings it has forecast.")
            return
        job, fc = self.job, self.forecast
        self.reporter = reporter = Reporter(self)
        reporter.forecast_s = fc.time_s
        self._busy(True, running=True)
        self._say("info", "Running…")
        self._show_progress(0, 1, "starting")

        def work():
            try:
                result = self.adapter.run(job, reporter)
                self.result = result
                text, png, self.comparison = self.adapter.after(result, fc)
                self.result_html.value = text
                if png:
                    self.figure.value = png
                    self.figure.layout.display = ""
                self._say("ok", "Stopped: what was measured is kept below." if getattr(result, "stopped", False)
                          else "Done.")
            except Exception as exc:
                self._fail(exc)
            finally:
                self._busy(False)

        self._start(work)

    def request_stop(self) -> None:
        if self.reporter is not None:
            self.reporter.stop_requested.set()
            self._say("info", "Stopping at the next safe point…")
