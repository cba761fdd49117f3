"""The lab benches without a browser: input messages, forecast -> run -> compare, Stop, figures.

Work runs in the caller's thread (``background=False``) on tiny data the tests make or
the library ships; only structure is asserted, never speed.
"""

from __future__ import annotations

import pytest

from mlfootprint import bench
from mlfootprint.bench import classification as bclass
from mlfootprint.bench.core import Bench, Reporter, StopRun

TINY = dict(epochs=10, lr=1e-3, batch_size=64, seed=0, source="bundled", n_train=256, n_test=100,
            eval_train_size=100, device="cpu", threads=1)
PNG = b"\x89PNG"


def error_of(b: Bench) -> str:
    assert "mlfp-bench-error" in b.message.value, b.message.value
    return b.message.value


@pytest.mark.parametrize("text,family,expected", [("64, 32", "MLP", (64, 32)), ("8", "CNN", (8,)),
                                                  (" 16 ;32 ", "CNN", (16, 32)), ("", "MLP", ())])
def test_layer_sizes_typed_as_text(text, family, expected):
    assert bclass.parse_sizes(text, family) == expected


@pytest.mark.parametrize("text,family,words", [("abc", "MLP", "'abc' is not a whole number"),
                                               ("0", "MLP", "at least 1 unit"),
                                               ("32, -4", "CNN", "at least 1 channel"),
                                               ("", "CNN", "at least one layer"),
                                               ("3.5", "MLP", "not a whole number")])
def test_bad_layer_sizes_say_what_is_wrong(text, family, words):
    with pytest.raises(bench.BenchInputError, match=words):
        bclass.parse_sizes(text, family)


@pytest.fixture
def cbench(tmp_data):
    return bench.classification_bench([], TINY, background=False)


def test_the_static_website_gets_the_launch_note_and_no_controls(tmp_data, monkeypatch):
    import ipywidgets as widgets

    from mlfootprint.progress import STATIC_BUILD_ENV

    live = bench.classification_bench([], TINY, background=False).widget
    assert isinstance(live, widgets.VBox) and len(live.children) > 3   # controls, buttons, figure
    monkeypatch.setenv(STATIC_BUILD_ENV, "1")
    static = bench.classification_bench([], TINY, background=False).widget
    assert isinstance(static, widgets.HTML), type(static)
    assert "make lab" in static.value and "Binder" in static.value


def test_bad_input_gives_a_message_in_the_bench_not_a_traceback(cbench):
    for sizes in ("abc", "0"):
        cbench.controls["sizes"].value = sizes
        cbench.request_forecast()               # must not raise
        error_of(cbench)
        assert cbench.forecast is None and cbench.run_button.disabled
    cbench.controls["sizes"].value = "16"
    cbench.controls["lr"].value = -1.0
    cbench.request_forecast()
    assert "lr" in error_of(cbench)
    cbench.request_run()                        # no forecast: refused with a message
    assert "forecast first" in error_of(cbench)


def test_forecast_run_compare_and_the_star_on_the_figure(cbench):
    cbench.controls["sizes"].value = "16, 8"
    cbench.controls["epochs"].value = 2
    cbench.request_forecast()
    assert cbench.forecast is not None, cbench.message.value
    html = cbench.forecast_html.value
    assert "Forecast" in html and "CO₂" in html and "Method:" in html and " to " in html
    assert not cbench.run_button.disabled
    cbench.request_run()
    assert "Done" in cbench.message.value, cbench.message.value
    assert cbench.progress_bar.value == cbench.progress_bar.max == 2
    assert "Yours: MLP" in cbench.result_html.value and "Predicted against actual" in cbench.result_html.value
    assert cbench.figure.value.tobytes().startswith(PNG)
    assert cbench.comparison.actual_s > 0 and cbench.comparison.predicted_s > 0
    # the star marked "yours" is where the run is, beside the chapter's runs
    runs = [cbench.result.run]
    fig = bclass.figure(runs, cbench.result)
    ax = fig.axes[0]
    star = [c for c in ax.collections if c.get_label().startswith("yours")]
    assert len(star) == 1 and tuple(star[0].get_offsets()[0]) == pytest.approx(bclass.yours_point(cbench.result))
    assert any(t.get_text() == "yours" for t in ax.texts)
    # the same settings again come back from the store
    again = bclass.ClassificationAdapter(TINY).run(cbench.job, Reporter(cbench))
    assert again.run.training.to_dict() == cbench.result.run.training.to_dict()


def test_stop_ends_the_run_and_keeps_the_measured_epochs(tmp_data):
    adapter = bclass.ClassificationAdapter(TINY)
    config = adapter.parse({"family": "MLP", "sizes": "8", "epochs": 4, "lr": 1e-3, "batch_size": 64})
    b = Bench(adapter, background=False)
    reporter = Reporter(b)
    calls = []

    def progress(done, total, text=""):
        calls.append(done)
        if done >= 1:
            reporter.stop_requested.set()       # as if Stop was clicked during epoch one

    reporter.progress = progress
    result = adapter.run(config, reporter)
    assert result.stopped and len(result.rows) == 1 and result.run is None
    assert result.energy_kwh > 0 and result.time_s > 0
    fc = adapter.forecast(config)
    text, png, cmp = adapter.after(result, fc)
    assert "(stopped)" in text and png.startswith(PNG)
    assert cmp.predicted_s == pytest.approx(fc.time_s / 4)     # compared with one epoch of four


def test_a_forecast_over_the_limit_is_refused(tmp_data):
    b = Bench(bclass.ClassificationAdapter(TINY), background=False, max_seconds=1e-6)
    b.controls["sizes"].value = "4"
    b.controls["epochs"].value = 1
    b.request_forecast()
    assert "minutes" in error_of(b) and b.forecast is None and b.run_button.disabled


def test_an_unexpected_failure_is_one_line_in_the_bench(cbench, monkeypatch):
    def boom(config):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cbench.adapter, "forecast", boom)
    cbench.controls["sizes"].value = "4"
    cbench.request_forecast()
    msg = error_of(cbench)
    assert "RuntimeError: disk on fire" in msg and "Traceback" not in msg
    assert not cbench.forecast_button.disabled      # usable again


def test_stop_button_sets_the_flag_the_run_checks(cbench):
    cbench.reporter = Reporter(cbench)
    cbench.request_stop()
    with pytest.raises(StopRun):
        cbench.reporter.check_stop()


def test_background_run_leaves_the_caller_free(tmp_data):
    b = bench.classification_bench([], TINY, background=True)
    b.controls["sizes"].value = "4"
    b.controls["epochs"].value = 1
    b.request_forecast()
    b.wait(300)
    assert b.forecast is not None, b.message.value
    b.request_run()
    b.wait(300)
    assert "Yours" in b.result_html.value


def test_generation_bench_one_pass_generator(tmp_data):
    from mlfootprint.mnist import load_mnist

    data = load_mnist("bundled", max_train=300, max_test=50, verbose=False)
    b = bench.generation_bench(data, {}, background=False)
    b.controls["layers"].value = "abc"
    b.request_forecast()
    assert "whole number" in error_of(b)
    b.controls["layers"].value = "16"
    b.controls["kind"].value = "per-pixel"
    b.controls["temperature"].value = 9.0
    b.request_forecast()
    assert "temperature" in error_of(b)
    b.controls["temperature"].value = 1.0
    b.request_forecast()
    b.request_run()
    assert "Yours: Per-pixel" in b.result_html.value or "Yours:" in b.result_html.value, b.message.value
    assert b.figure.value.tobytes().startswith(PNG)


def test_cvae_forecast_counts_every_part_of_the_run(tmp_data):
    """A CVAE with a code mixture: batches, set-up, one mixture fit per class and the tracker's
    own window are all in the forecast (the mixture and the tracker were missing once, and a
    forecast came out at 0.40 times the actual)."""
    from dataclasses import replace

    from mlfootprint.bench.generation import GenerationAdapter, Job
    from mlfootprint.generate import GeneratorConfig
    from mlfootprint.mnist import load_mnist

    data = load_mnist("bundled", max_train=300, max_test=50, verbose=False)
    config = GeneratorConfig("cvae-mlp", hidden=(16,), latent=2, epochs=2, mixture_components=2,
                             sampler="mixture")
    fc = GenerationAdapter(data).forecast(Job(config, 1.0))
    parts = {p.name: p for p in fc.parts}
    assert parts["training batches"].total_units == 2 * 5      # 300 digits in batches of 64, twice
    assert parts["code mixture, per class"].total_units == 10
    assert len(parts["code mixture, per class"].unit_seconds) == 10
    assert parts["the tracker's own start and stop"].total_units == 1
    assert fc.time_s == pytest.approx(sum(p.seconds for p in fc.parts))
    plain = GenerationAdapter(data).forecast(Job(replace(config, mixture_components=0, sampler="normal"), 1.0))
    assert "code mixture, per class" not in {p.name for p in plain.parts}


@pytest.fixture
def tiny_text_models(tmp_path):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from textfixtures import tiny_bert, tiny_gpt2
    from mlfootprint import textmodels as tm

    return (tm.load_model(tiny_gpt2(tmp_path / "gpt"), "generation"),
            tm.load_model(str(tiny_bert(tmp_path / "bert")), "fill-mask"))


def test_text_bench_messages_run_and_stop(tmp_data, tiny_text_models):
    from mlfootprint.bench import text as btext

    gen_lm, fill_lm = tiny_text_models
    b = bench.text_bench(gen_lm, fill_lm, {}, threads=1, background=False)
    b.controls["sentence"].value = "no blank here"
    b.request_forecast()
    assert "[MASK]" in error_of(b)
    b.controls["sentence"].value = "A function [MASK] a value."
    b.controls["n_tokens"].value = 10_000
    b.request_forecast()
    assert "10,000" in error_of(b)
    b.controls["n_tokens"].value = 8
    b.controls["prompt"].value = "The if statement"
    b.request_forecast()
    assert b.forecast is not None, b.message.value
    b.request_run()
    assert "Predicted against actual" in b.result_html.value, b.message.value
    assert b.result.n_made == 8 and b.figure.value.tobytes().startswith(PNG)
    # Stop during the query: fewer tokens, the measured part kept, nothing stored
    job = b.job.__class__(b.job.sentence, "The for statement", 12, 0.0)
    reporter = Reporter(b)

    def progress(done, total, text=""):
        if done >= 3:
            reporter.stop_requested.set()

    reporter.progress = progress
    result = b.adapter.run(job, reporter)
    assert result.stopped and 3 <= result.generation.n_new_tokens < 12
    assert result.gen_record.energy_kwh >= 0
    text, png, _ = b.adapter.after(result, b.adapter.forecast(job))
    assert "(stopped)" in text
    assert isinstance(btext.MAX_TOKENS, int)
