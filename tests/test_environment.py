"""A wrong setting never throws away good work (issue #24).

Every environment variable the library reads is declared in :mod:`mlfootprint.environment`
and read through it. Set wrong against a warm store (a stored result, a stored trained
model, the bundled MNIST split), each one is refused before anything is read: nothing is
recomputed and no file is moved aside or changed. Once it is corrected, every stored
result is found again, with no recomputation. Corruption is judged on the file alone.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch
from factories import measurement

import mlfootprint.textmodels  # noqa: F401 -- declares the Hub's variables, as a chapter's import does
from mlfootprint import environment, measure, mnist, store
from mlfootprint.environment import SettingError
from mlfootprint.notices import RecomputeNotice
from mlfootprint.records import TrainedRun

LIB = Path(__file__).resolve().parent.parent / "lib" / "mlfootprint"
DOCUMENTED = {"MLFOOTPRINT_DATA", "MLFOOTPRINT_COUNTRY", "MLFOOTPRINT_TEXT_OFFLINE", "HF_HUB_OFFLINE",
              "HF_ENDPOINT", "MLFOOTPRINT_STATIC_BUILD", "BOOK_BUILD_READS"}
# (variable, a wrong value); {data} is the warm data folder, {loop} a symlink to itself
WRONG = [
    ("MLFOOTPRINT_COUNTRY", "zzz"), ("MLFOOTPRINT_COUNTRY", ""), ("MLFOOTPRINT_COUNTRY", "Atlantis"),
    ("MLFOOTPRINT_DATA", " {data}"), ("MLFOOTPRINT_DATA", "{data}\n"), ("MLFOOTPRINT_DATA", ""),
    ("MLFOOTPRINT_DATA", "{loop}"),
    ("MLFOOTPRINT_TEXT_OFFLINE", "maybe"), ("HF_HUB_OFFLINE", "perhaps"), ("HF_ENDPOINT", "huggingface.co"),
    ("MLFOOTPRINT_STATIC_BUILD", "sometimes"), ("BOOK_BUILD_READS", " {data}/uses.txt"),
]


def test_every_variable_the_library_reads_is_declared_and_tried_here():
    readers = []
    for path in sorted(LIB.rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"os\.environ|getenv", line) and path.name != "environment.py":
                readers.append(f"{path.relative_to(LIB)}:{n}: {line.strip()}")
    # lab.py only *sets* MLFOOTPRINT_LAB, for the kernels its server starts
    assert readers == [r for r in readers if "os.environ[LAB_ENV] = " in r] and len(readers) <= 1, readers
    assert set(environment.declared()) == DOCUMENTED
    assert {v for v, _ in WRONG} == DOCUMENTED


# ----------------------------------------------------------------------------------------
# The warm store
# ----------------------------------------------------------------------------------------
def _make():
    torch.manual_seed(0)
    return torch.nn.Linear(3, 2), TrainedRun("linear", "test", {}, 8, measurement())


def use_the_store(calls: list):
    """Read everything the warm store holds; ``calls`` records any recomputation."""
    rec = store.cached("env/measurement", {"k": 1}, lambda: calls.append("result") or measurement().to_dict(),
                       decode=measure.Measurement.from_dict)
    model, run = store.keep("env/model", {"k": 1}, make=lambda: calls.append("model") or _make(),
                            save=store.save_module, load=store.load_module(lambda: torch.nn.Linear(3, 2)),
                            decode=TrainedRun.from_dict)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        digits = mnist.load_mnist("bundled", max_train=10)
    calls.extend("mnist" for w in caught if issubclass(w.category, RecomputeNotice))
    return rec.energy_kwh, float(model.weight.detach().sum()), run.label, digits.n_train


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """A data folder with a stored result, a stored model and the bundled split, made once."""
    folder = tmp_path_factory.mktemp("warm") / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFOOTPRINT_DATA", str(folder))
        mp.setattr(store, "_DEFAULT", None)
        calls: list = []
        answers = use_the_store(calls)
    assert calls == ["result", "model"], calls
    return folder, answers


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("variable, value", WRONG, ids=[f"{v}={w!r}" for v, w in WRONG])
def test_a_wrong_setting_moves_nothing_and_the_fix_finds_everything(variable, value, warm, tmp_path,
                                                                     monkeypatch):
    folder = tmp_path / "data"
    shutil.copytree(warm[0], folder)
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    before = snapshot(folder)
    monkeypatch.setenv("MLFOOTPRINT_DATA", str(folder))
    monkeypatch.setattr(store, "_DEFAULT", None)
    monkeypatch.setenv(variable, value.format(data=folder, loop=loop))
    measure.reset_country()
    calls: list = []
    with pytest.raises(SettingError) as info:
        use_the_store(calls)
    assert variable in str(info.value), str(info.value)
    with pytest.raises(SettingError, match=variable):
        measure.measure_once(lambda: calls.append("measured"))
    assert calls == [], f"work ran under {variable}={value!r}: {calls}"
    assert snapshot(folder) == before, "a wrong setting changed or moved stored files"

    if variable == "MLFOOTPRINT_DATA":
        monkeypatch.setenv(variable, str(folder))
    else:
        monkeypatch.delenv(variable)
    measure.reset_country()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RecomputeNotice)
        assert use_the_store(calls) == warm[1]
    assert calls == [], f"recomputed after {variable} was corrected: {calls}"
    assert snapshot(folder) == before and not list(folder.rglob("*.corrupt-*"))


# ----------------------------------------------------------------------------------------
# Corruption is judged on the file alone
# ----------------------------------------------------------------------------------------
def test_a_setting_error_while_decoding_leaves_the_file_in_place(tmp_data):
    store.cached("env/x", {}, lambda: {"v": 1})
    stored = list((tmp_data / "results" / "env" / "x").glob("*.json"))

    def decode(_):
        raise SettingError("the environment variable X=... cannot be used")

    with pytest.raises(SettingError):
        store.cached("env/x", {}, lambda: pytest.fail("recomputed"), decode=decode)
    assert [p.is_file() for p in stored] == [True] and not list(tmp_data.rglob("*.corrupt-*"))


def test_a_missing_module_while_loading_an_artefact_leaves_it_in_place(tmp_data):
    kw = dict(save=store.save_module, decode=TrainedRun.from_dict)
    store.keep("env/m", {}, make=_make, load=store.load_module(lambda: torch.nn.Linear(3, 2)), **kw)

    def load(folder, record):
        raise ModuleNotFoundError("No module named 'a_model_library'")

    with pytest.raises(ModuleNotFoundError):
        store.keep("env/m", {}, make=lambda: pytest.fail("retrained"), load=load, **kw)
    assert not list(tmp_data.rglob("*.corrupt-*"))
    model, _ = store.keep("env/m", {}, make=lambda: pytest.fail("retrained"),
                          load=store.load_module(lambda: torch.nn.Linear(3, 2)), **kw)
    assert isinstance(model, torch.nn.Linear)


def test_a_file_the_reader_may_not_read_is_left_in_place(tmp_data, monkeypatch):
    store.cached("env/p", {}, lambda: {"v": 1})
    stored = next((tmp_data / "results" / "env" / "p").glob("*.json"))
    real = Path.read_text

    def read_text(self, *a, **k):
        if self == stored:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "read_text", read_text)
    with pytest.warns(RecomputeNotice, match="left in place"):
        assert store.cached("env/p", {}, lambda: {"v": 1}) == {"v": 1}
    assert stored.is_file() and not list(tmp_data.rglob("*.corrupt-*"))


# ----------------------------------------------------------------------------------------
# Import order
# ----------------------------------------------------------------------------------------
def test_the_store_works_in_a_process_that_imported_nothing_else(tmp_path):
    code = ("from mlfootprint import store\n"
            "print(store.cached('env/fresh', {}, lambda: 41, code=('mlfootprint.forecast',)) + 1)\n")
    env = {**os.environ, "MLFOOTPRINT_DATA": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0 and out.stdout.strip().endswith("42"), out.stderr[-2000:]
