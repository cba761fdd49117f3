"""The course's own miniature BERT: pre-trained once on the Python documentation, kept by the store.

:func:`course_minibert` returns the pre-training run (a :class:`~mlfootprint.records.TrainedRun`:
the training measured alone, the held-out evaluation measured apart) and the folder that
holds the model. The folder is made, checked and repaired by :func:`mlfootprint.store.keep`:
a damaged copy (a zeroed or half weights file, a corrupt ``course_model.json``, another
model's weights) is moved aside with a notice naming it, and the model is pre-trained again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import corpus as corpus_mod
from .. import store
from ..measure import Measurement, measure_once
from ..records import TrainedRun
from . import evaluation, pretraining
from .common import MINIBERT_NAME, n_params, quiet_transformers, torch_threads
from .folders import META_FILE, course_model_meta, from_pretrained

NAMESPACE = "text/minibert"
FAMILY = "masked LM"
# What the key hashes: the corpus and the code that trains and evaluates the model (not the
# generation or measuring code of this package, so editing those does not pre-train again).
CODE = (corpus_mod.__name__, pretraining.__name__, evaluation.__name__, __name__)


@dataclass
class PretrainResult:
    """The pre-training run and where its model is kept (``None`` if it could not be saved)."""

    folder: Path | None
    run: TrainedRun

    @property
    def record(self) -> Measurement:
        """The pre-training alone (the evaluation is :attr:`evaluation_record`)."""
        return self.run.training

    @property
    def evaluation_record(self) -> Measurement | None:
        return self.run.evaluation

    @property
    def settings(self) -> dict:
        return self.run.settings

    @property
    def losses(self) -> list[float]:
        return self.run.history["losses"]

    @property
    def evaluation(self) -> dict:
        """top-1/top-5 accuracy on held-out masked words, and the baseline's."""
        return self.run.extra["evaluation"]

    @property
    def corpus(self) -> str:
        return self.run.data["corpus"]

    @property
    def n_parameters(self) -> int:
        return self.run.n_parameters

    @property
    def n_train_tokens(self) -> int:
        return self.run.data["n_train_tokens"]


def _decode(stored: Any) -> TrainedRun:
    """A stored run, checked down to the fields the chapter reads (else the store rebuilds)."""
    run = TrainedRun.from_dict(stored)
    losses, ev = run.history.get("losses"), run.extra.get("evaluation")
    if not isinstance(losses, list) or not isinstance(ev, dict) or "top5" not in ev \
            or not isinstance(run.data.get("corpus"), str) or "n_train_tokens" not in run.data:
        raise ValueError("not a mini-BERT run: losses, evaluation, corpus or token count missing")
    return run


def _make(s: dict, progress: bool) -> tuple[tuple[Any, Any], TrainedRun]:
    text = corpus_mod.load_corpus(holdout_every=s["holdout_every"])
    with torch_threads(s["threads"]):  # the records say the threads the work ran on
        (model, tokenizer, info), training = measure_once(
            lambda: pretraining.pretrain_masked_lm(text.train, s, progress),
            label="mini-BERT pre-training", settings=s)
        baseline = evaluation.frequent_words(tokenizer, info["data"])
        ev, evaluated = measure_once(
            lambda: evaluation.evaluate_masked_words(model, tokenizer, text.heldout, baseline),
            label="mini-BERT evaluation", settings={"n_sentences": len(text.heldout)})
    run = TrainedRun(label=MINIBERT_NAME, family=FAMILY, settings=s, n_parameters=n_params(model),
                     training=training, evaluation=evaluated, history={"losses": info["losses"]},
                     data={"corpus": text.describe(), "n_train_tokens": info["n_train_tokens"],
                           "n_sequences": info["n_sequences"], "epochs": info["epochs"]},
                     extra={"evaluation": ev})
    return (model, tokenizer), run


def _save(artefact: tuple[Any, Any], folder: Path) -> None:
    model, tokenizer = artefact
    quiet_transformers()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / META_FILE).write_text(json.dumps({"name": MINIBERT_NAME}), encoding="utf-8")


def _load(folder: Path, run: TrainedRun) -> tuple[Any, Any]:
    course_model_meta(folder)
    return from_pretrained(str(folder), "fill-mask", local_only=True, strict=True)


def minibert(settings: dict | None = None, progress: bool = True) -> tuple[tuple[Any, Any], PretrainResult]:
    """``((model, tokenizer), result)``: loaded when kept and intact, else pre-trained now."""
    s = pretraining.pretrain_settings(settings)
    # the key also holds the shipped vocabulary (a data file, not code)
    key = {**s, "vocabulary_sha256": pretraining.shipped_vocabulary()[1]}
    # the folder before the work: its key hashes code that may be edited while the model trains
    folder = store.default_store().artefact_folder(NAMESPACE, key, CODE)
    artefact, run = store.keep(NAMESPACE, key, make=lambda: _make(s, progress), save=_save, load=_load,
                               code=CODE, decode=_decode)
    return artefact, PretrainResult(folder if folder.is_dir() else None, run)


def course_minibert(settings: dict | None = None, progress: bool = True) -> PretrainResult:
    """The course's own miniature masked LM: pre-trained once, kept under ``data/results``.

    The folder's key holds ``settings`` (see :data:`~.pretraining.DEFAULT_PRETRAIN`) and the
    code that trains it, so a change of either trains a fresh model.
    """
    return minibert(settings, progress)[1]
