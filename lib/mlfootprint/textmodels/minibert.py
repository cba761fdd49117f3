"""The course's own miniature BERT: pre-trained on the Python documentation.

:func:`course_minibert` returns the pre-training run (a :class:`~mlfootprint.records.TrainedRun`:
the training measured alone, the held-out evaluation measured apart) and the folder that
holds the model. With the course's settings the model is **shipped** (:data:`SHIPPED`, made
by ``tools/make_minibert.py``, which a test re-runs and compares bit for bit): its run is the
one measured on the machine that made it, and says so. Other settings, or code or a corpus
that no longer match the shipped model, pre-train one here, kept by :func:`store.keep`: a
damaged copy is moved aside with a notice naming it, and the model is pre-trained again.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import corpus as corpus_mod
from .. import store
from ..measure import Measurement, measure_once
from ..notices import RecomputeNotice, notice
from ..storekeys import module_source_hash
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

    @property
    def made(self) -> dict | None:
        """For the shipped model: where and when it was pre-trained (its records were
        measured there), else ``None`` (pre-trained and measured by this process or build)."""
        return self.run.data.get("made")


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


# ----------------------------------------------------------------------------------------
# The shipped model: what it was made from, checked before it is used
# ----------------------------------------------------------------------------------------
SHIPPED = Path(__file__).with_name("minibert_shipped")
SHIPPED_META = "shipped.json"
_SHIPPED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", META_FILE)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def made_from(s: dict) -> dict:
    """Everything that decides the weights and the shipped figures: the settings, the
    vocabulary, the training sentences and the code that trains and evaluates."""
    text = corpus_mod.load_corpus(holdout_every=s["holdout_every"])
    return {"settings": s, "vocabulary_sha256": pretraining.shipped_vocabulary()[1],
            "corpus_sha256": hashlib.sha256("\n".join(text.train + ["--"] + text.heldout).encode()).hexdigest(),
            "code": module_source_hash([pretraining.__name__, evaluation.__name__])}


def _shipped(s: dict) -> tuple[tuple[Any, Any], PretrainResult] | None:
    """The shipped model and its run when it was made from exactly ``s`` (and this code and
    corpus) and its files are intact; else ``None`` (with a notice when the course's own
    settings miss it: the reader then waits for a pre-training)."""
    if s != pretraining.pretrain_settings():
        return None
    try:
        meta = json.loads((SHIPPED / SHIPPED_META).read_text(encoding="utf-8"))
        if meta["made_from"] != made_from(s):
            why = "it was made from other code, settings, vocabulary or corpus than this copy of the course has"
        elif any(_sha256(SHIPPED / name) != meta["files"][name] for name in _SHIPPED_FILES):
            why = "its files do not match their SHA-256 digests"
        else:
            run = _decode(meta["run"])
            model, tokenizer = from_pretrained(str(SHIPPED), "fill-mask", local_only=True, strict=True)
            return (model, tokenizer), PretrainResult(SHIPPED, run)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        why = f"it cannot be read ({exc})"
    notice(f"The mini-BERT shipped in {SHIPPED} is not used: {why}. Pre-training one here instead "
           f"(a minute or two); tools/make_minibert.py remakes the shipped one.", RecomputeNotice)
    return None


def make_shipped(folder: Path, progress: bool = True) -> PretrainResult:
    """Pre-train the course's mini-BERT, measured, and write it into the empty ``folder`` with
    ``shipped.json``: what it was made from, its files' digests, its run and where it was made."""
    s = pretraining.pretrain_settings()
    artefact, run = _make(s, progress)
    run.data["made"] = {"cpu": run.training.cpu_model, "threads": s["threads"],
                        "machine": platform.machine(), "python": platform.python_version(),
                        "torch": __import__("torch").__version__,
                        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
                        "by": "tools/make_minibert.py"}
    _save(artefact, folder)
    meta = {"made_from": made_from(s), "files": {n: _sha256(folder / n) for n in _SHIPPED_FILES},
            "run": run.to_dict()}
    (folder / SHIPPED_META).write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")
    return PretrainResult(folder, run)


def minibert(settings: dict | None = None, progress: bool = True) -> tuple[tuple[Any, Any], PretrainResult]:
    """``((model, tokenizer), result)``: the shipped model for the course's settings, else
    loaded when kept and intact, else pre-trained now."""
    s = pretraining.pretrain_settings(settings)
    shipped = _shipped(s)
    if shipped is not None:
        return shipped
    # the key also holds the shipped vocabulary (a data file, not code)
    key = {**s, "vocabulary_sha256": pretraining.shipped_vocabulary()[1]}
    # the folder before the work: its key hashes code that may be edited while the model trains
    folder = store.default_store().artefact_folder(NAMESPACE, key, CODE)
    artefact, run = store.keep(NAMESPACE, key, make=lambda: _make(s, progress), save=_save, load=_load,
                               code=CODE, decode=_decode)
    return artefact, PretrainResult(folder if folder.is_dir() else None, run)


def course_minibert(settings: dict | None = None, progress: bool = True) -> PretrainResult:
    """The course's own miniature masked LM: shipped for the course's settings, otherwise
    pre-trained once and kept under ``data/results`` (keyed on ``settings`` and the code)."""
    return minibert(settings, progress)[1]
