"""The text models the course keeps: the mini-BERT and the converted SmolLM2 folder.

Each is made once, kept by ``store.keep`` and checked before use; a damaged copy (zeroed,
half, empty, another model's weights, a corrupt ``course_model.json``) is named, moved aside
and rebuilt. The SmolLM2 conversion is replaced by a tiny GPT-2 here (the real one reads a
hundred-MB GGUF file); the keeping around it is the real code.
"""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
import torch

from factories import measurement
from mlfootprint import corpus, store
from mlfootprint import textmodels as tm
from mlfootprint.notices import RecomputeNotice
from mlfootprint.records import TrainedRun
from mlfootprint.textmodels import minibert, pretraining, smollm2
from textfixtures import SENTENCES, SMALL_PRETRAIN, no_forced_offline, tiny_gpt2_model  # noqa: F401


def test_pretraining_is_kept_with_training_and_evaluation_measured_apart(tmp_data, monkeypatch):
    first = tm.course_minibert(SMALL_PRETRAIN, progress=False)
    assert first.folder.is_dir() and str(tmp_data) in str(first.folder)
    assert isinstance(first.run, TrainedRun) and first.run.family == "masked LM"
    assert first.record.label == "mini-BERT pre-training" and first.record.energy_kwh > 0
    assert first.evaluation_record.label == "mini-BERT evaluation"
    assert first.record.threads == first.settings["threads"] == 1    # recorded = used
    ev = first.evaluation
    assert 0 <= ev["top5"] <= 1 and ev["top1"] <= ev["top5"] and ev["n_masked_words"] > 0
    assert len(first.losses) == SMALL_PRETRAIN["steps"]
    monkeypatch.setattr(pretraining, "pretrain_masked_lm", lambda *a, **k: pytest.fail("retrained"))
    again = tm.course_minibert(SMALL_PRETRAIN, progress=False)
    assert again.evaluation == first.evaluation and again.folder == first.folder
    lm = tm.load_model(str(first.folder), "fill-mask")
    assert lm.name == tm.MINIBERT_NAME


def test_pretraining_records_the_threads_it_ran_on(tmp_data):
    torch.set_num_threads(2)
    try:
        result = tm.course_minibert({**SMALL_PRETRAIN, "threads": 1}, progress=False)
        assert torch.get_num_threads() == 2                      # restored afterwards
    finally:
        torch.set_num_threads(1)
    assert result.record.threads == 1 and result.evaluation_record.threads == 1


def _zero(path):
    path.write_bytes(b"\0" * path.stat().st_size)


def _half(path):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def _empty(path):
    path.write_bytes(b"")


DAMAGES = {
    "zeroed weights": ("model.safetensors", _zero),
    "half weights": ("model.safetensors", _half),
    "empty weights": ("model.safetensors", _empty),
    "corrupt course_model.json": ("course_model.json", lambda p: p.write_text("{not json")),
    "missing tokenizer": ("tokenizer.json", lambda p: p.unlink()),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_mini_bert_is_named_moved_aside_and_rebuilt(tmp_data, damage):
    first = tm.course_minibert(SMALL_PRETRAIN, progress=False)
    name, spoil = DAMAGES[damage]
    spoil(first.folder / name)
    with pytest.warns(RecomputeNotice, match=str(first.folder)):
        again = tm.course_minibert(SMALL_PRETRAIN, progress=False)
    assert again.folder == first.folder and (again.folder / name).is_file()
    aside = list(first.folder.parent.glob(first.folder.name + ".corrupt-*"))
    assert len(aside) == 1                                   # kept for inspection, not deleted
    assert tm.load_model(str(again.folder), "fill-mask").name == tm.MINIBERT_NAME


def test_another_models_weights_are_refused(tmp_data, tmp_path):
    first = tm.course_minibert(SMALL_PRETRAIN, progress=False)
    other = tm.course_minibert({**SMALL_PRETRAIN, "hidden": 32}, progress=False)
    (first.folder / "model.safetensors").write_bytes((other.folder / "model.safetensors").read_bytes())
    with pytest.warns(RecomputeNotice, match=str(first.folder)):
        tm.course_minibert(SMALL_PRETRAIN, progress=False)
    # and in a folder the store does not check, the load itself refuses them, naming the folder
    copy = tmp_path / "copy"
    shutil.copytree(first.folder, copy)
    (copy / "model.safetensors").write_bytes((other.folder / "model.safetensors").read_bytes())
    with pytest.raises(tm.DamagedModelError, match="copy"):
        tm.folders.from_pretrained(str(copy), "fill-mask", local_only=True, strict=True)


def test_a_stored_run_with_wrong_contents_is_rebuilt(tmp_data):
    first = tm.course_minibert(SMALL_PRETRAIN, progress=False)
    record_file = first.folder / store.RECORD_FILE
    payload = json.loads(record_file.read_text())
    del payload["result"]["extra"]["evaluation"]
    record_file.write_text(json.dumps(payload))
    with pytest.warns(RecomputeNotice, match="unusable"):
        again = tm.course_minibert(SMALL_PRETRAIN, progress=False)
    assert "top5" in again.evaluation


@pytest.mark.parametrize("blow_up", [lambda loss, step: loss * 100 ** step,
                                     lambda loss, step: loss * float("nan") if step == 2 else loss])
def test_divergent_pretraining_stops_with_a_clear_message_and_keeps_nothing(tmp_data, monkeypatch, blow_up):
    original, steps = torch.nn.functional.cross_entropy, []

    def exploding(*args, **kwargs):
        steps.append(1)
        return blow_up(original(*args, **kwargs), len(steps) - 1)

    monkeypatch.setattr(torch.nn.functional, "cross_entropy", exploding)
    with pytest.raises(RuntimeError, match=r"diverged at step \d+ of \d+.*smaller lr"):
        tm.course_minibert({**SMALL_PRETRAIN, "steps": 6}, progress=False)
    assert not list(tmp_data.rglob("record.json"))


@pytest.mark.parametrize("bad, error, match", [
    ({"dropout": 1.5}, ValueError, "dropout"), ({"init_range": 0}, ValueError, "init_range"),
    ({"threads": 0}, ValueError, "threads"), ({"grad_clip": -1}, ValueError, "grad_clip"),
    ({"lr": 2}, ValueError, "lr"), ({"steps": 2.5}, TypeError, "steps"),
    ({"hidden": 10, "heads": 4}, ValueError, "multiple of heads"), ({"epochs": 3}, ValueError, "epochs"),
    ({"seq_len": 10**6}, ValueError, "seq_len"), ({"vocab_size": "big"}, TypeError, "vocab_size"),
])
def test_pretraining_settings_are_checked_before_any_work(bad, error, match):
    with pytest.raises(error, match=match):
        tm.course_minibert(bad, progress=False)


def test_numpy_settings_are_accepted_as_their_python_values():
    s = tm.pretrain_settings({"steps": np.int64(7), "lr": np.float32(0.001)})
    assert s["steps"] == 7 and type(s["steps"]) is int and math.isclose(s["lr"], 0.001, rel_tol=1e-6)


# ---------------------------------------------------------------------------- SmolLM2 folder
@pytest.fixture
def tiny_conversion(monkeypatch):
    calls = []

    def convert():
        calls.append(1)
        return tiny_gpt2_model(), measurement("SmolLM2 cold load from GGUF", energy_j=5.0)

    monkeypatch.setattr(smollm2, "_convert", convert)
    return calls


def test_the_converted_generator_is_kept_and_loaded_once(tmp_data, tiny_conversion):
    lm = tm.embedded("generation")
    assert lm.name == tm.SMOLLM2_NAME and lm.made_by.label == "SmolLM2 cold load from GGUF"
    assert tm.generate(lm, "The if", 3, stop_at_eos=False).n_new_tokens == 3
    again = tm.embedded("generation")
    assert len(tiny_conversion) == 1 and again.location == lm.location
    meta = json.loads((tm.smollm2_folder() / "course_model.json").read_text())
    assert meta["quantization"] == tm.quantization()["type"]


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_converted_generator_is_named_moved_aside_and_rebuilt(tmp_data, tiny_conversion, damage):
    folder = tm.smollm2_folder()
    name, spoil = DAMAGES[damage]
    spoil(folder / name)
    with pytest.warns(RecomputeNotice, match=str(folder)):
        lm = tm.embedded("generation")
    assert len(tiny_conversion) == 2 and lm.made_by.energy_j == pytest.approx(5.0)
    assert list(folder.parent.glob(folder.name + ".corrupt-*"))


@pytest.mark.parametrize("name, expected", [
    ("SmolLM2-135M-Instruct.Q4_1.gguf", ("Q4_1", 4)),
    ("model-Q8_0.gguf", ("Q8_0", 8)),
    ("model.F16.gguf", ("F16", 16)),
    ("model.gguf", ("unknown", None)),
])
def test_the_quantization_is_read_from_the_file_name(name, expected):
    q = tm.quantization(name)
    assert (q["type"], q["bits"]) == expected


# ---------------------------------------------------------------------------- the corpus
def test_corpus_is_named_licensed_and_split():
    c = corpus.load_corpus()
    assert "PSF" in c.licence and c.n_words > 10_000
    assert c.train and c.heldout and not set(c.train) & set(c.heldout)
    assert len(c.heldout) == pytest.approx((len(c.train) + len(c.heldout)) / 10, abs=1)
    with pytest.raises(ValueError, match="holdout_every must be an integer from 2"):
        corpus.load_corpus(holdout_every=1)
    with pytest.raises(TypeError, match="holdout_every"):
        corpus.load_corpus(holdout_every="10")
