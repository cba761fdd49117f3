"""Bad input across the library, tried as a new user would (issue: "bad input, tried 234 ways").

One table: each case calls the library with one wrong argument (or setting, or environment
variable) and asserts the exception's type and that its message names what is wrong (the
argument, the file or the variable) and, where it helps, what is allowed. The classifier's
own table is in test_classify_inputs.py; damaged files and records are in test_store.py,
test_classify.py, test_generate.py, test_quality.py and test_text_artefacts.py; "a result
that cannot be saved is still returned" is in test_store.py.

Nothing here trains a model or runs the tracker for long: arguments are checked before any
work starts, which is what the "before the work" cases below assert with a work function
that must never be called.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlfootprint import checks, compare, forecast, generate, measure, mnist, quality, store, units, widgets
from mlfootprint.generate import GeneratorConfig
from mlfootprint.quality import JudgeConfig


def show(**values):
    return str(values)


def never_called():
    raise AssertionError("the work ran although its arguments were wrong")


def part(**kw):
    args = dict(name="steps", unit_seconds=(0.1, 0.1), total_units=10, power_w=5.0)
    args.update(kw)
    return forecast.Part(**args)


CASES = [
    # (case id, call, exception type, words the message must contain)
    # -- measure: arguments checked before the work runs ------------------------------------
    ("measure_once work not callable", lambda: measure.measure_once(42), TypeError, ["work"]),
    ("measure_once settings a string", lambda: measure.measure_once(never_called, settings="abc"),
     TypeError, ["settings"]),
    ("measure_once settings not JSON", lambda: measure.measure_once(never_called, settings={"f": object()}),
     TypeError, ["settings"]),
    ("measure_once items zero", lambda: measure.measure_once(never_called, items=0), ValueError, ["items"]),
    ("measure_once unknown mode", lambda: measure.measure_once(never_called, tracking_mode="cluster"),
     ValueError, ["tracking_mode", "cluster"]),
    ("measure_once negative CPU power", lambda: measure.measure_once(never_called, force_cpu_power=-5),
     ValueError, ["force_cpu_power"]),
    ("measure_repeated min_seconds a million",
     lambda: measure.measure_repeated(never_called, min_seconds=1e6), ValueError, ["min_seconds", "60"]),
    ("measure_repeated repeats zero", lambda: measure.measure_repeated(never_called, repeats=0),
     ValueError, ["repeats"]),
    ("measure_repeated repeats a float", lambda: measure.measure_repeated(never_called, repeats=2.5),
     TypeError, ["repeats", "2.5"]),
    ("measure_repeated repeats too many", lambda: measure.measure_repeated(never_called, repeats=10 ** 6),
     ValueError, ["repeats", "1,000"]),
    ("measure_repeated max_calls negative", lambda: measure.measure_repeated(never_called, max_calls=-1),
     ValueError, ["max_calls"]),
    ("measure_repeated items_per_call zero",
     lambda: measure.measure_repeated(never_called, items_per_call=0), ValueError, ["items_per_call"]),
    ("set_country unknown", lambda: measure.set_country("XYZ"), ValueError, ["XYZ"]),
    ("set_country not a string", lambda: measure.set_country(3), (TypeError, ValueError), ["3"]),
    ("kwh_to_kg a string", lambda: measure.kwh_to_kg("lots"), (TypeError, ValueError), ["kwh", "lots"]),
    ("spread empty", lambda: measure.spread([]), ValueError, ["values"]),
    ("cpu_formula unknown mode", lambda: measure.cpu_formula("cluster"), ValueError, ["tracking_mode"]),
    ("combine nothing", lambda: measure.combine([], label="x"), ValueError, ["at least one"]),
    ("Measurement from a dict without fields", lambda: measure.Measurement.from_dict({"label": "x"}),
     ValueError, ["duration_s"]),
    ("Measurement energy a word",
     lambda: measure.Measurement.from_dict({**RECORD, "energy_kwh": "lots"}), (TypeError, ValueError),
     ["energy_kwh", "lots"]),
    # -- store ---------------------------------------------------------------------------------
    ("cached settings not a dict", lambda: store.cached("ns", "abc", never_called), TypeError, ["settings"]),
    ("cached namespace empty", lambda: store.cached("", {}, never_called), ValueError, ["namespace"]),
    ("cached namespace with a slash", lambda: store.cached("../up", {}, never_called), ValueError,
     ["namespace"]),
    ("cached compute not callable", lambda: store.cached("ns", {}, 42), TypeError, ["compute"]),
    ("cached settings not JSON", lambda: store.cached("ns", {"f": object()}, never_called), TypeError,
     ["settings"]),
    # -- mnist ---------------------------------------------------------------------------------
    ("mnist unknown source", lambda: mnist.load_mnist("kaggle"), ValueError, ["kaggle", "bundled"]),
    ("mnist max_train zero", lambda: mnist.load_mnist("bundled", max_train=0), ValueError, ["max_train"]),
    ("mnist max_test a float", lambda: mnist.load_mnist("bundled", max_test=2.5), TypeError, ["max_test"]),
    ("mnist max_train a string", lambda: mnist.load_mnist("bundled", max_train="100"), TypeError,
     ["max_train", "'100'"]),
    # -- generate ------------------------------------------------------------------------------
    ("generator kind unknown", lambda: GeneratorConfig("GAN"), ValueError, ["kind", "GAN"]),
    ("generator latent zero", lambda: GeneratorConfig("cvae-mlp", latent=0), ValueError, ["latent"]),
    ("generator latent a float", lambda: GeneratorConfig("cvae-mlp", latent=2.5), TypeError, ["latent"]),
    ("generator epochs negative", lambda: GeneratorConfig("cvae-mlp", epochs=-1), ValueError, ["epochs"]),
    ("generator lr nan", lambda: GeneratorConfig("cvae-mlp", lr=float("nan")), ValueError, ["lr"]),
    ("generator batch size zero", lambda: GeneratorConfig("cvae-mlp", batch_size=0), ValueError,
     ["batch_size"]),
    ("generator hidden a string", lambda: GeneratorConfig("cvae-mlp", hidden="256"), TypeError, ["hidden"]),
    ("labels as a string", lambda: generate.check_labels("3"), TypeError, ["labels"]),
    ("labels as strings", lambda: generate.check_labels(["3"]), TypeError, ["labels"]),
    ("labels None", lambda: generate.check_labels(None), TypeError, ["labels"]),
    ("label out of range", lambda: generate.check_labels([10 ** 20]), (TypeError, ValueError), ["labels", "0-9"]),
    ("label eleven", lambda: generate.check_labels([11]), ValueError, ["labels", "11"]),
    ("temperature negative", lambda: generate.check_temperature(-1.0), ValueError, ["temperature"]),
    ("temperature a word", lambda: generate.check_temperature("hot"), TypeError, ["temperature"]),
    ("images outside [0, 1]", lambda: generate.check_data(torch.full((4, 1, 28, 28), 255.0),
                                                          torch.zeros(4, dtype=torch.long)),
     ValueError, ["[0, 1]", "255"]),
    ("PCA components zero", lambda: generate.PCAGenerator(0), ValueError, ["n_components"]),
    ("pixel smoothing negative", lambda: generate.PixelGenerator(-1.0), ValueError, ["smoothing"]),
    ("balanced labels zero", lambda: generate.balanced_labels(0), ValueError, ["n_per_class"]),
    # -- quality -------------------------------------------------------------------------------
    ("judge architecture unknown", lambda: JudgeConfig(architecture="transformer"), ValueError,
     ["architecture", "transformer"]),
    ("judge epochs zero", lambda: JudgeConfig(epochs=0), ValueError, ["epochs"]),
    ("judge widths a string", lambda: JudgeConfig(widths="16"), TypeError, ["widths"]),
    ("judge noise negative", lambda: JudgeConfig(noise=-0.1), ValueError, ["noise"]),
    ("precision-recall k zero", lambda: quality.precision_recall(torch.zeros(10, 4), torch.zeros(10, 4), k=0),
     ValueError, ["k"]),
    ("frechet of one image", lambda: quality.frechet_distance(torch.zeros(1, 4), torch.zeros(5, 4)),
     ValueError, [">= 2 rows"]),
    # -- forecast --------------------------------------------------------------------------------
    ("forecast with no parts", lambda: forecast.extrapolate([], label="x"), ValueError, ["part"]),
    ("forecast negative set-up", lambda: forecast.extrapolate([part()], label="x", fixed_s=-1), ValueError,
     ["fixed_s"]),
    ("part with a negative time", lambda: part(unit_seconds=(-1.0,)), ValueError, ["unit_seconds"]),
    ("part with no samples", lambda: part(unit_seconds=()), ValueError, ["unit_seconds"]),
    ("part with a word for units", lambda: part(total_units="many"), ValueError, ["total_units"]),
    ("calibrate zero samples", lambda: forecast.calibrate(never_called, 10, name="x", samples=0), ValueError,
     ["samples"]),
    ("compare a negative actual", lambda: forecast.compare(
        forecast.extrapolate([part()], label="x"), -1.0, 1e-6), ValueError, ["actual_s"]),
    ("error summary of nothing", lambda: forecast.error_summary([]), ValueError, ["no comparisons"]),
    # -- units, compare, checks ------------------------------------------------------------------
    ("energy in an unknown unit", lambda: units.energy(1.0, "calories"), ValueError, ["calories"]),
    ("energy given as a string", lambda: units.energy("12", "J"), TypeError, ["'12'"]),
    ("co2 in an energy unit", lambda: units.co2(1.0, "J"), ValueError, ["J"]),
    ("digits zero", lambda: units.number(1.0, 0), ValueError, ["digits"]),
    ("verdict on a zero cost", lambda: compare.verdict([1.0, 1.0, 1.0], [1.0, 0.0, 1.0]), ValueError, ["b", "positive"]),
    ("verdict on unequal pairs", lambda: compare.verdict([1.0, 2.0], [1.0]), ValueError, ["pairs"]),
    ("spread below zero", lambda: units.spread_percent(-0.1), ValueError, ["spread"]),
    ("integer given a bool", lambda: checks.integer("n", True), TypeError, ["n"]),
    ("choice outside the list", lambda: checks.choice("mode", "x", ("a", "b")), ValueError, ["mode", "'x'", "a"]),
    # -- widgets ---------------------------------------------------------------------------------
    ("switcher with no controls", lambda: widgets.view_switcher({}, show), ValueError, ["control"]),
    ("switcher control with no values", lambda: widgets.view_switcher({"n": []}, show), ValueError, ["'n'"]),
    ("switcher options a string", lambda: widgets.view_switcher({"n": "abc"}, show), TypeError, ["'n'", "'abc'"]),
    ("switcher list-valued options", lambda: widgets.view_switcher({"n": [[1, 2], [3]]}, show), TypeError,
     ["'n'"]),
    ("switcher value for an unknown control",
     lambda: widgets.view_switcher({"n": [1, 2]}, show, values={"m": 1}), ValueError, ["'m'"]),
    ("switcher value not offered", lambda: widgets.view_switcher({"n": [1, 2]}, show, values={"n": 3}),
     ValueError, ["'n'", "3"]),
    ("switcher kind for an unknown control",
     lambda: widgets.view_switcher({"n": [1, 2]}, show, kinds={"m": "slider"}), ValueError, ["'m'"]),
    ("switcher unknown kind", lambda: widgets.view_switcher({"n": [1, 2]}, show, kinds={"n": "knob"}),
     ValueError, ["knob"]),
    ("switcher render not callable", lambda: widgets.view_switcher({"n": [1, 2]}, 42), TypeError, ["render"]),
]

RECORD: dict = {}


@pytest.fixture(scope="module", autouse=True)
def a_real_record():
    """A complete stored record (from a short real measurement), for the decode cases."""
    _, rec = measure.measure_once(lambda: sum(range(1000)), label="tiny")
    RECORD.update(rec.to_dict())
    yield


def assert_clear_error(case, call, exc, words):
    """``call()`` raises ``exc`` whose message holds every one of ``words``."""
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    missing = [w for w in words if w not in message]
    assert not missing, f"{case}: the message does not say {missing}: {message!r}"


@pytest.mark.parametrize("case, call, exc, words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_error(case, call, exc, words, tmp_data):
    assert_clear_error(case, call, exc, words)


def test_the_table_is_large_and_spans_the_library():
    assert len(CASES) >= 60
    for module in ("measure", "store", "mnist", "generate", "quality", "forecast", "units", "widgets"):
        assert any(module in repr(c[1].__code__.co_names) for c in CASES), module


@pytest.mark.parametrize("value", [np.int64(8), np.int32(8)])
def test_numpy_integers_are_accepted_where_python_ones_are(value, tmp_data):
    assert GeneratorConfig("cvae-mlp", latent=value).latent == 8
    assert checks.integer("n", value, lo=1) == 8


def test_numpy_floats_are_accepted_where_python_ones_are():
    assert generate.check_temperature(np.float32(0.5)) == pytest.approx(0.5)
    assert units.energy(np.float64(1500.0), "J") == "1.5 kJ"


@pytest.mark.parametrize("variable, value, words", [
    ("MLFOOTPRINT_COUNTRY", "", ["MLFOOTPRINT_COUNTRY"]),
    ("MLFOOTPRINT_COUNTRY", "Atlantis", ["MLFOOTPRINT_COUNTRY", "Atlantis"]),
])
def test_a_bad_country_variable_is_named(variable, value, words, monkeypatch):
    monkeypatch.setenv(variable, value)
    measure.reset_country()
    try:
        with pytest.raises(ValueError) as info:
            measure.get_country()
        assert all(w in str(info.value) for w in words), str(info.value)
    finally:
        monkeypatch.delenv(variable)
        measure.reset_country()


def test_a_data_variable_pointing_at_a_file_is_named(tmp_path, monkeypatch):
    from mlfootprint import paths

    afile = tmp_path / "not-a-folder"
    afile.write_text("x")
    monkeypatch.setenv("MLFOOTPRINT_DATA", str(afile))
    with pytest.raises(paths.DataDirError) as info:
        paths.data_dir()
    assert "MLFOOTPRINT_DATA" in str(info.value) and str(afile) in str(info.value)
