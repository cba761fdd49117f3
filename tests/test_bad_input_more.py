"""Bad input, third round (issue #24): the classes the first two tables did not reach.

The same style as test_bad_input.py. ``CASES``: each calls an entry point with one wrong
argument, environment variable or file and asserts the exception's type and that its
message names what was wrong (and, where it helps, what is accepted); work that must never
run is ``never_called``. ``NOTICES``: where the right answer is a result, not an error
(a failed save, a data folder the bundled digits do not need), the result comes back with
an announced notice. ``ROUND_TRIPS``: the JupyterLab bridge gives every markdown back as it
was. The classes:

- wrong environment settings, refused before anything is read or run;
- saves that fail (a full disk, simulated by a writer that raises);
- runaways: every entry point bounds its work before it starts;
- quality measures fed the wrong scale (0-255, NaN pixels, fractional labels);
- forecast arithmetic (strings, zero-second calibrations, zero actuals);
- numbers at the edges (1e308, negative energy, typed cache keys, code= names);
- the JupyterLab bridge and the benches.

Nothing here trains for long or asserts a duration.
"""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from factories import measurement
from test_bad_input import assert_clear_error

from mlfootprint import bench, calibration, forecast, generate, lab, measure, mnist, paths, progress, quality, store
from mlfootprint import textmodels as tm
from mlfootprint import units
from mlfootprint.bench.core import BenchInputError
from mlfootprint.bench.text import TextAdapter
from mlfootprint.environment import SettingError
from mlfootprint.notices import NotSavedNotice
from mlfootprint.quality import Judge, JudgeConfig
from mlfootprint.records import TrainedRun


def never_called(*_args, **_kwargs):
    raise AssertionError("the work ran although its input was wrong")


def with_env(call, **variables):
    """``call`` run with the environment variables set (restored afterwards)."""
    def run():
        saved = {k: os.environ.get(k) for k in variables}
        os.environ.update(variables)
        measure.reset_country()
        try:
            return call()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return run


def loop_path() -> str:
    """A symlink that points at itself."""
    link = Path(tempfile.mkdtemp()) / "loop"
    link.symlink_to(link)
    return str(link)


def tracked():
    with measure.track("never"):
        never_called()


def kept(**kw):
    return store.keep("t/model", {"s": 1}, make=never_called, save=store.save_module,
                      load=store.load_module(lambda: torch.nn.Linear(2, 2)), **kw)


def part(**kw):
    args = dict(name="steps", unit_seconds=(0.1, 0.1), total_units=10, power_w=5.0)
    args.update(kw)
    return forecast.Part(**args)


def fc():
    return forecast.extrapolate([part()], label="x")


def images(scale=1.0, n=20, fill=None):
    x = torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * scale
    if fill is not None:
        x[0, 0, 0, 0] = fill
    return x


def labels(n=20):
    return torch.arange(n) % 10


JUDGE = Judge(JudgeConfig("mlp", (8,), features=4))
STUB_GEN = tm.LoadedModel(None, None, "generation", "stub", "embedded", "stub", "stub", 0, 0.0)
STUB_FILL = tm.LoadedModel(None, None, "fill-mask", "stub", "embedded", "stub", "stub", 0, 0.0)
HUGE = "x" * (tm.common.MAX_TEXT_CHARS + 1)
TEXT_JOB = {"sentence": "A [MASK] is here.", "prompt": "Once", "n_tokens": 4, "temperature": 0.0}


def text_parse(**values):
    return TextAdapter().parse({**TEXT_JOB, **values})


def panel():
    """A panel of one untrained judge on random digits (built on first use, in well under a second)."""
    if not hasattr(panel, "made"):
        data = SimpleNamespace(x_train=images(n=40), y_train=labels(40), x_test=images(n=40), y_test=labels(40))
        panel.made = quality.Panel({"j": JUDGE}, data, k=1)
    return panel.made


TINY = dict(epochs=1, lr=1e-3, batch_size=64, seed=0, source="bundled", n_train=256, n_test=100,
            eval_train_size=100, device="cpu", threads=1)


def class_parse(**values):
    b = bench.classification_bench([], TINY, background=False)
    return b.adapter.parse({"family": "MLP", "sizes": "16", "epochs": 1, "lr": 1e-3, "batch_size": 64, **values})


CASES = [
    # (case id, call, exception type, words the message must contain)
    # -- a wrong environment setting is refused before any file is read or any work runs ---------
    ("country unknown, store", with_env(lambda: store.cached("t", {}, never_called), MLFOOTPRINT_COUNTRY="zzz"),
     SettingError, ["MLFOOTPRINT_COUNTRY", "'zzz'", "alpha-3"]),
    ("country empty, measure_once", with_env(lambda: measure.measure_once(never_called), MLFOOTPRINT_COUNTRY=""),
     SettingError, ["MLFOOTPRINT_COUNTRY", "''", "alpha-3"]),
    ("country a name, track", with_env(tracked, MLFOOTPRINT_COUNTRY="Atlantis"), SettingError,
     ["MLFOOTPRINT_COUNTRY", "'Atlantis'"]),
    ("country digits, keep", with_env(kept, MLFOOTPRINT_COUNTRY="12"), SettingError, ["MLFOOTPRINT_COUNTRY", "'12'"]),
    ("country alpha-2, get_country", with_env(measure.get_country, MLFOOTPRINT_COUNTRY="fr"), SettingError,
     ["MLFOOTPRINT_COUNTRY", "'fr'", "FRA"]),
    ("country unknown, measure_repeated",
     with_env(lambda: measure.measure_repeated(never_called), MLFOOTPRINT_COUNTRY="zzz"), SettingError,
     ["MLFOOTPRINT_COUNTRY", "Unset"]),
    ("country unknown, calibrate before warm-up",
     with_env(lambda: forecast.calibrate(never_called, 10, name="x"), MLFOOTPRINT_COUNTRY="zzz"), SettingError,
     ["MLFOOTPRINT_COUNTRY"]),
    ("country unknown, store.load", with_env(lambda: store.default_store().load("t", {}), MLFOOTPRINT_COUNTRY="zzz"),
     SettingError, ["MLFOOTPRINT_COUNTRY"]),
    ("data with a leading space", with_env(paths.data_dir, MLFOOTPRINT_DATA=" /tmp/x"), SettingError,
     ["MLFOOTPRINT_DATA", "' /tmp/x'", "spaces"]),
    ("data with a trailing line break, store",
     with_env(lambda: store.cached("t", {}, never_called), MLFOOTPRINT_DATA="/tmp/x\n"), SettingError,
     ["MLFOOTPRINT_DATA", "line breaks", "folder"]),
    ("data empty, store", with_env(lambda: store.cached("t", {}, never_called), MLFOOTPRINT_DATA=""),
     paths.DataDirError, ["MLFOOTPRINT_DATA", "empty"]),
    ("data a symlink loop", lambda: with_env(paths.data_dir, MLFOOTPRINT_DATA=loop_path())(), SettingError,
     ["MLFOOTPRINT_DATA", "loop"]),
    ("data a symlink loop, bundled MNIST",
     lambda: with_env(lambda: mnist.load_mnist("bundled"), MLFOOTPRINT_DATA=loop_path())(), SettingError,
     ["MLFOOTPRINT_DATA", "loop"]),
    ("data a control character", with_env(paths.data_dir, MLFOOTPRINT_DATA="/tmp/a\x01b"), SettingError,
     ["MLFOOTPRINT_DATA", "control character"]),
    ("data an unknown home", with_env(paths.data_dir, MLFOOTPRINT_DATA="~no-such-user-24/data"), SettingError,
     ["MLFOOTPRINT_DATA", "~no-such-user-24"]),
    ("text offline neither on nor off", with_env(tm.offline_forced, MLFOOTPRINT_TEXT_OFFLINE="maybe"),
     SettingError, ["MLFOOTPRINT_TEXT_OFFLINE", "'maybe'", "true/false"]),
    ("text offline wrong, store", with_env(lambda: store.cached("t", {}, never_called), MLFOOTPRINT_TEXT_OFFLINE="y"),
     SettingError, ["MLFOOTPRINT_TEXT_OFFLINE", "'y'"]),
    ("hub offline neither on nor off", with_env(tm.offline_forced, HF_HUB_OFFLINE="perhaps"), SettingError,
     ["HF_HUB_OFFLINE", "'perhaps'", "on/off"]),
    ("hub offline wrong, measure_once", with_env(lambda: measure.measure_once(never_called), HF_HUB_OFFLINE="2"),
     SettingError, ["HF_HUB_OFFLINE", "'2'"]),
    ("hub endpoint without a scheme", with_env(lambda: tm.hub_status("gpt2"), HF_ENDPOINT="huggingface.co"),
     SettingError, ["HF_ENDPOINT", "'huggingface.co'", "https://"]),
    ("hub endpoint ftp, keep", with_env(kept, HF_ENDPOINT="ftp://mirror"), SettingError, ["HF_ENDPOINT", "http"]),
    ("hub endpoint empty", with_env(lambda: tm.hub_status("gpt2"), HF_ENDPOINT=""), SettingError, ["HF_ENDPOINT"]),
    ("static build neither on nor off", with_env(progress.static_build, MLFOOTPRINT_STATIC_BUILD="sometimes"),
     SettingError, ["MLFOOTPRINT_STATIC_BUILD", "'sometimes'", "yes/no"]),
    ("static build wrong, bench", with_env(lambda: bench.classification_bench([], TINY), MLFOOTPRINT_STATIC_BUILD="2"),
     SettingError, ["MLFOOTPRINT_STATIC_BUILD"]),
    ("static build wrong, store", with_env(lambda: store.cached("t", {}, never_called), MLFOOTPRINT_STATIC_BUILD="x"),
     SettingError, ["MLFOOTPRINT_STATIC_BUILD"]),
    # -- runaways: the work is bounded before it starts ------------------------------------------
    ("calibrate min_seconds 1e9", lambda: forecast.calibrate(never_called, 1, name="x", min_seconds=1e9),
     ValueError, ["min_seconds", "60"]),
    ("calibrate an hour of samples", lambda: forecast.calibrate(never_called, 1, name="x", samples=100,
                                                                min_seconds=10), ValueError,
     ["samples x min_seconds", "300"]),
    ("calibrate a billion steps", lambda: forecast.calibrate(never_called, 1, name="x", max_steps=10 ** 9),
     ValueError, ["max_steps", "1,000,000"]),
    ("calibrate a million warm-ups", lambda: forecast.calibrate(never_called, 1, name="x", warmup=10 ** 6),
     ValueError, ["warmup"]),
    ("calibrate zero units per step", lambda: forecast.calibrate(never_called, 1, name="x", units_per_step=0),
     ValueError, ["units_per_step"]),
    ("calibrate step not callable", lambda: forecast.calibrate(42, 1, name="x"), TypeError, ["step"]),
    ("calibrate units a word", lambda: forecast.calibrate(never_called, "many", name="x"), TypeError,
     ["total_units", "'many'"]),
    ("calibrate no name", lambda: forecast.calibrate(never_called, 1, name=""), TypeError, ["name"]),
    ("measure_repeated for more than an hour",
     lambda: measure.measure_repeated(never_called, repeats=100, min_seconds=37), ValueError,
     ["repeats x min_seconds", "3,600"]),
    ("text bench prompt of 10 MB", lambda: text_parse(prompt="x" * 10_000_000), BenchInputError,
     ["prompt", "10,000,000", "4,000"]),
    ("text bench sentence too long", lambda: text_parse(sentence="[MASK] " * 1000), BenchInputError,
     ["sentence", "4,000"]),
    ("text bench prompt not text", lambda: text_parse(prompt=None), BenchInputError, ["prompt", "None"]),
    ("text bench temperature nan", lambda: text_parse(temperature=float("nan")), BenchInputError,
     ["temperature", "nan"]),
    ("text bench no new tokens", lambda: text_parse(n_tokens=0), BenchInputError, ["new tokens", "at least 1"]),
    ("generate a runaway prompt", lambda: tm.generate(STUB_GEN, HUGE, 4), ValueError, ["prompt", "100,000"]),
    ("score a runaway prompt", lambda: tm.score_prompt(STUB_GEN, HUGE), ValueError, ["prompt", "100,000"]),
    ("fill a runaway text", lambda: tm.fill_mask(STUB_FILL, HUGE + tm.MASK), ValueError, ["text", "100,000"]),
    ("classification bench, two huge layers", lambda: class_parse(sizes="65536, 65536"), ValueError,
     ["parameters"]),
    ("classification bench, a billion epochs", lambda: class_parse(epochs=10 ** 9), ValueError, ["epochs", "1,000"]),
    ("matmul work of a billion calls", lambda: calibration.matmul_work(10 ** 9), ValueError,
     ["n_calls", "allowed"]),
    ("matmul work of huge matrices", lambda: calibration.matmul_work(1, size=10 ** 5), ValueError,
     ["size", "4,096"]),
    ("energy vs work with a runaway amount", lambda: calibration.energy_vs_work([1, 10 ** 9]), ValueError,
     ["n_calls", "allowed"]),
    ("energy vs work a fractional amount", lambda: calibration.energy_vs_work([1, 2.5]), TypeError,
     ["n_calls_list[1]", "2.5"]),
    ("energy vs work a million runs", lambda: calibration.energy_vs_work(runs=10 ** 6), ValueError, ["runs", "100"]),
    ("A/A noise with no pairs", lambda: calibration.aa_noise(pairs=0), ValueError, ["pairs"]),
    ("naive vs repeated for ages", lambda: calibration.naive_vs_repeated(min_seconds=1e9), ValueError,
     ["min_seconds"]),
    ("tracking modes no repeats", lambda: calibration.tracking_modes(repeats=0), ValueError, ["repeats"]),
    ("neighbour effect negative calls", lambda: calibration.neighbour_effect(n_calls=-1), ValueError, ["n_calls"]),
    # -- quality measures on the wrong scale -------------------------------------------------------
    ("judge sees 0-255 pixels", lambda: quality.predict(JUDGE, images(255.0)), ValueError, ["images", "[0, 1]", "255"]),
    ("judge sees a NaN pixel", lambda: quality.predict(JUDGE, images(fill=float("nan"))), ValueError,
     ["images", "NaN"]),
    ("judge sees an infinite pixel", lambda: quality.predict(JUDGE, images(fill=float("inf"))), ValueError,
     ["images", "infinite"]),
    ("judge sees -1..1 pixels", lambda: quality.predict(JUDGE, images(2.0) - 1.0), ValueError, ["[0, 1]", "-"]),
    ("judge sees uint8 pixels", lambda: quality.predict(JUDGE, (images() * 255).to(torch.uint8)), ValueError,
     ["[0, 1]"]),
    ("judge sees bool pixels", lambda: quality.predict(JUDGE, images() > 0.5), TypeError, ["images", "bool"]),
    ("judge trained on 0-255", lambda: quality.fit_judge(JudgeConfig(epochs=1), images(255.0), labels()),
     ValueError, ["[0, 1]"]),
    ("judge trained on label 3.7", lambda: quality.fit_judge(JudgeConfig(epochs=1), images(), labels() + 0.7),
     TypeError, ["y", "3.7"]),
    ("judge trained on label 10", lambda: quality.fit_judge(JudgeConfig(epochs=1), images(), labels() + 1),
     ValueError, ["y", "0-9", "10"]),
    ("judge trained on too few labels", lambda: quality.fit_judge(JudgeConfig(epochs=1), images(), labels(5)),
     ValueError, ["y", "one label per image"]),
    ("panel scores 0-255 digits", lambda: panel().score(images(255.0), labels()), ValueError, ["[0, 1]"]),
    ("panel asked for digit 3.7", lambda: panel().score(images(), labels().float() + 0.7), TypeError,
     ["requested", "3.7"]),
    ("panel asked for digit 11", lambda: panel().score(images(), labels() + 2), ValueError, ["requested", "11"]),
    ("panel given labels of another set", lambda: panel().score(images(), labels(7)), ValueError,
     ["requested", "one label per image"]),
    ("diversity with fractional labels", lambda: quality.within_class_diversity(torch.zeros(4, 2), [0.5] * 4),
     TypeError, ["labels", "float"]),
    ("frechet of NaN features", lambda: quality.frechet_distance(torch.full((5, 3), float("nan")), torch.zeros(5, 3)),
     ValueError, ["a", "NaN"]),
    ("precision-recall of infinite features",
     lambda: quality.precision_recall(torch.rand(6, 3), torch.full((6, 3), float("inf"))), ValueError,
     ["generated", "infinite"]),
    ("spread of words", lambda: quality.total_variance([["a", "b"], ["c", "d"]]), TypeError, ["features"]),
    ("relative frechet of bools", lambda: quality.relative_frechet(torch.ones(4, 2, dtype=torch.bool),
                                                                   torch.rand(4, 2)), TypeError, ["generated", "bool"]),
    ("generator data with a NaN pixel", lambda: generate.check_data(images(fill=float("nan")), labels()), ValueError,
     ["images", "NaN"]),
    # -- forecast arithmetic -----------------------------------------------------------------------------
    ("part samples a string of digits", lambda: part(unit_seconds="123"), TypeError, ["unit_seconds", "'123'"]),
    ("part samples bytes", lambda: part(unit_seconds=b"12"), TypeError, ["unit_seconds"]),
    ("part samples one bare number", lambda: part(unit_seconds=0.5), TypeError, ["unit_seconds", "0.5"]),
    ("part samples with a word", lambda: part(unit_seconds=(0.1, "0.2")), TypeError, ["unit_seconds"]),
    ("part samples of bools", lambda: part(unit_seconds=(True, False)), TypeError, ["unit_seconds"]),
    ("forecast from zero-second samples", lambda: forecast.extrapolate([part(unit_seconds=(0.0, 0.0))], label="x"),
     ValueError, ["'steps'", "0 s", "min_seconds"]),
    ("forecast from zero-second parts", lambda: forecast.extrapolate(
        [part(unit_seconds=(0.0,)), part(name="b", unit_seconds=(0.0,))], label="x"), ValueError, ["'b'", "0 s"]),
    ("compare with no actual time", lambda: forecast.compare(fc(), 0.0, 1e-6), ValueError, ["actual_s", "positive"]),
    ("compare with no actual energy", lambda: forecast.compare(fc(), 1.0, 0), ValueError, ["actual_kwh", "positive"]),
    ("compare with a string", lambda: forecast.compare(fc(), "10", 1e-6), ValueError, ["actual_s", "'10'"]),
    ("compare with nan", lambda: forecast.compare(fc(), float("nan"), 1e-6), ValueError, ["actual_s", "nan"]),
    ("forecast with endless set-up", lambda: forecast.extrapolate([part()], label="x", fixed_s=float("inf")),
     ValueError, ["fixed_s"]),
    # -- numbers at the edges --------------------------------------------------------------------------
    ("1e308 kWh asked in µJ", lambda: units.energy(1e308, "kWh", to="µJ"), OverflowError, ["value", "µJ", "larger"]),
    ("1e308 kWh converted to J", lambda: units.convert(1e308, "kWh", "J"), OverflowError, ["value", "J"]),
    ("a fraction of 1e308 as a percentage", lambda: units.percent(1e308), OverflowError, ["fraction", "%"]),
    ("a column forced into too small a unit", lambda: units.column([1.0, 1e308], "GWh", to="µJ"), OverflowError,
     ["values[1]", "µJ"]),
    ("negative energy to CO2", lambda: measure.kwh_to_kg(-1.0), ValueError, ["kwh", ">= 0", "negative"]),
    ("infinite energy to CO2", lambda: measure.kwh_to_kg(float("inf")), ValueError, ["kwh", "inf"]),
    ("countries for negative energy", lambda: calibration.co2_by_country(-1.0), ValueError, ["energy_kwh"]),
    ("countries given as one string", lambda: calibration.co2_by_country(1.0, codes="FRA"), TypeError,
     ["codes", "'FRA'"]),
    ("code given as a string", lambda: store.cached("t", {}, never_called, code="mlfootprint.forecast"), TypeError,
     ["code", "list"]),
    ("code names no module", lambda: store.cached("t", {}, never_called, code=("no.such.module",)), ValueError,
     ["code", "'no.such.module'"]),
    ("code lists a number", lambda: store.cached("t", {}, never_called, code=(42,)), TypeError, ["code", "42"]),
    # -- the JupyterLab bridge ---------------------------------------------------------------------------
    ("bridge given no notebook", lambda: lab.to_lab([]), TypeError, ["nb", "cells"]),
    ("bridge saves no notebook", lambda: lab.from_lab({"cells": None}), TypeError, ["nb", "cells"]),
    ("bridge given no text", lambda: lab.glue_to_eval(None), TypeError, ["markdown", "NoneType"]),
    ("glued with a role that is not glue", lambda: lab.glued("eval", "x"), ValueError, ["role", "'eval'", "glue:text"]),
    ("glued with no name", lambda: lab.glued("glue:text", " "), ValueError, ["content"]),
    ("glued name never glued", lambda: lab.glued("glue:text", "never_glued_24")._repr_mimebundle_(), KeyError,
     ["never_glued_24", "run the cells above"]),
    # -- the benches ------------------------------------------------------------------------------------
    ("classification bench, a word for sizes", lambda: class_parse(sizes="wide"), BenchInputError, ["'wide'"]),
    ("classification bench, nan lr", lambda: class_parse(lr=float("nan")), ValueError, ["lr", "nan"]),
    ("text bench, no blank", lambda: text_parse(sentence="No blank here."), BenchInputError, ["[MASK]"]),
]


@pytest.mark.parametrize("case, call, exc, words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_error(case, call, exc, words, tmp_data):
    assert_clear_error(case, call, exc, words)


# ---------------------------------------------------------------------------------------------
# A result, with a notice, where nothing was wrong with the work
# ---------------------------------------------------------------------------------------------
def _linear():
    torch.manual_seed(0)
    return torch.nn.Linear(3, 2), TrainedRun("linear", "test", {}, 8, measurement())


def _keep_with(save):
    return store.keep("t/model", {"s": 1}, make=_linear, save=save,
                      load=store.load_module(lambda: torch.nn.Linear(3, 2)), decode=TrainedRun.from_dict)


def _disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _torch_disk_full(mp):
    """torch.save on a full disk: its stream writer raises a RuntimeError, not an OSError."""
    def save(obj, f, *args, **kwargs):
        Path(f).write_bytes(b"PK\x03\x04 half")
        raise RuntimeError("[enforce fail at inline_container.cc:778] . PytorchStreamWriter failed writing "
                           "file data/0: file write failed")
    mp.setattr(torch, "save", save)
    return _keep_with(store.save_module)


def _a_file_for_data(mp, tmp):
    (tmp / "blocker").write_text("x")
    mp.setenv("MLFOOTPRINT_DATA", str(tmp / "blocker"))
    return mnist.load_mnist("bundled")


def _a_file_for_mnist(mp, tmp):
    data = Path(os.environ["MLFOOTPRINT_DATA"])
    data.mkdir(parents=True, exist_ok=True)
    (data / "mnist").write_text("not a folder")
    return mnist.load_mnist("bundled", max_train=10)


def _json_disk_full(mp):
    mp.setattr(store, "atomic_write_bytes", _disk_full)
    return store.cached("t/json", {"s": 1}, lambda: {"v": 42})


def _mnist_disk_full(mp):
    mp.setattr(mnist, "atomic_write_bytes", _disk_full)
    return mnist.load_mnist("bundled", max_test=10)


def _is_model(out):
    return isinstance(out[0], torch.nn.Linear) and out[1].label == "linear"


NOTICES = [
    # (case id, call(monkeypatch, tmp_path), notice, words, check of the result)
    ("weights on a full disk (torch RuntimeError)", lambda mp, tmp: _torch_disk_full(mp), NotSavedNotice,
     ["not kept", "RuntimeError", "file write failed"], _is_model),
    ("weights on a full disk (OSError)", lambda mp, tmp: _keep_with(_disk_full), NotSavedNotice,
     ["not kept", "No space left"], _is_model),
    ("a save that writes nothing", lambda mp, tmp: _keep_with(lambda m, f: None), NotSavedNotice,
     ["wrote no files"], _is_model),
    ("a save that fails in its own code", lambda mp, tmp: _keep_with(lambda m, f: int("x")), NotSavedNotice,
     ["ValueError", "returned"], _is_model),
    ("a JSON result on a full disk", lambda mp, tmp: _json_disk_full(mp), NotSavedNotice, ["No space left"],
     lambda out: out == {"v": 42}),
    ("bundled digits, data folder a file", _a_file_for_data, NotSavedNotice, ["MLFOOTPRINT_DATA", "memory"],
     lambda d: d.n_train == 4000),
    ("bundled digits, data/mnist a file", _a_file_for_mnist, NotSavedNotice, ["mnist", "memory"],
     lambda d: d.n_train == 10),
    ("bundled digits on a full disk", lambda mp, tmp: _mnist_disk_full(mp), NotSavedNotice, ["No space left"],
     lambda d: d.n_test == 10),
]


@pytest.mark.parametrize("case, call, category, words, check", NOTICES, ids=[c[0] for c in NOTICES])
def test_finished_work_comes_back_with_a_notice(case, call, category, words, check, tmp_data, tmp_path,
                                                monkeypatch):
    with pytest.warns(category) as caught:
        out = call(monkeypatch, tmp_path)
    messages = " | ".join(str(w.message) for w in caught if issubclass(w.category, category))
    missing = [w for w in words if w not in messages]
    assert not missing, f"{case}: the notice does not say {missing}: {messages!r}"
    assert check(out), f"{case}: the result was not returned: {out!r:.200}"


# ---------------------------------------------------------------------------------------------
# The JupyterLab bridge gives every markdown back as it was
# ---------------------------------------------------------------------------------------------
ROUND_TRIPS = [
    # (case id, markdown, what JupyterLab shows must contain, and must not contain)
    ("a glue role", "a {glue:text}`n_wrong:.1f` b", 'glued("glue:text", "n_wrong:.1f")', "{glue"),
    ("an author's eval role", 'x {eval}`glued("glue:text", "k")` y', '(glued("glue:text", "k"))', "{glue"),
    ("an author's eval role in parentheses", 'x {eval}`(glued("glue", "k"))`', '((glued("glue", "k")))', "{glue"),
    ("a role quoted in a code span", "write `` {glue:text}`x` `` to paste", "`` {glue:text}`x` ``", "{eval}"),
    ("a role name in a code span", "the `{glue:text}` role", "`{glue:text}`", "{eval}"),
    ("a role in a code block", "```python\n{glue:text}`x`\n```\n", "{glue:text}`x`", "{eval}"),
    ("a role in a note", "```{note}\nsee {glue:text}`x`\n```\n", 'glued("glue:text", "x")', "{glue"),
    ("a role over two lines", "was {glue:text}`n_wrong:\n.1f` here", r'"n_wrong:\n.1f"', "{glue"),
    ("a role with a quote", 'a {glue}`say"hi` b', r'"say\"hi"', "{glue"),
    ("an escaped role", "\\{glue:text}`x`", "\\{glue:text}`x`", "{eval}"),
    ("other roles", "{doc}`intro` and {eval}`1 + 1`", "{doc}`intro` and {eval}`1 + 1`", "glued"),
]


@pytest.mark.parametrize("case, markdown, shown_has, shown_lacks", ROUND_TRIPS, ids=[c[0] for c in ROUND_TRIPS])
def test_the_lab_bridge_round_trips_every_markdown(case, markdown, shown_has, shown_lacks):
    shown = lab.glue_to_eval(markdown)
    assert shown_has in shown and shown_lacks not in shown, f"{case}: shown as {shown!r}"
    assert lab.eval_to_glue(shown) == markdown, f"{case}: saved as {lab.eval_to_glue(shown)!r}"


def test_a_role_over_two_lines_shows_what_the_website_shows():
    lab._GLUED["n_wrong"] = {"text/plain": "3.14159"}
    try:
        shown = lab.glued("glue:text", "n_wrong:\n.1f")._repr_mimebundle_()
    finally:
        del lab._GLUED["n_wrong"]
    assert shown == {"text/plain": " 3.1"}   # myst-parser reads the line break as a space


# ---------------------------------------------------------------------------------------------
# Numbers at the edges that have a right answer
# ---------------------------------------------------------------------------------------------
def test_the_largest_finite_numbers_are_shown_without_overflow():
    assert units.energy(1e308, "kWh") == f"{10 ** 302:,} GWh"
    assert units.number(1e308) == f"{10 ** 308:,}"
    assert units.count(1e308) == f"{10 ** 308:,}"
    assert units.duration(1e308).endswith(" d")
    rec = measurement(energy_j=1.0)
    rec.energy_kwh = 1e308
    assert "GJ" in rec.summary() and "∞" not in rec.summary()


def test_dict_keys_of_different_types_get_different_cache_keys(tmp_data):
    st = store.ResultStore()
    keys = {st.key("t", s) for s in ({"m": {1: "a"}}, {"m": {"1": "a"}}, {"m": {True: "a"}}, {"m": {1.0: "a"}})}
    assert len(keys) == 4
    assert st.key("t", {"m": {1: "a", 2: "b"}}) == st.key("t", {"m": {2: "b", 1: "a"}})   # order does not matter


def _code_names(code) -> set:
    out = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            out |= _code_names(const)
    return out


def _names(fn) -> set:
    """The global names a case's call uses, through the functions it wraps."""
    out = _code_names(fn.__code__)
    for cell in fn.__closure__ or ():
        if hasattr(cell.cell_contents, "__code__"):
            out |= _names(cell.cell_contents) | {cell.cell_contents.__module__.rsplit(".", 1)[-1]}
    return out


def test_the_tables_are_large_and_span_the_classes():
    assert len(CASES) >= 80 and len(CASES) + len(NOTICES) + len(ROUND_TRIPS) >= 100
    used = set().union(*(_names(c[1]) for c in CASES))
    for module in ("store", "measure", "forecast", "quality", "units", "lab", "calibration", "paths", "mnist",
                   "tm", "progress", "text_parse", "class_parse", "with_env"):
        assert module in used, module
