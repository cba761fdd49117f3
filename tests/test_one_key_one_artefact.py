"""One key, one artefact: each kind of model the course trains comes out bit for bit the same
when it is trained twice with one key on one machine.

Two fresh processes (each with its own data folder) train a small classifier (MLP and CNN),
three generators (CVAE, PCA, per-pixel), a judge and the mini-BERT with its tokenizer,
through the same calls the chapters use (so through the store, which keeps them); the test
then compares the SHA-256 of every file each process kept, key by key. Fresh processes
matter: the mini-BERT's WordPiece vocabulary used to differ from one process to the next
(it is shipped now, see ``mlfootprint.textmodels.pretraining.VOCAB_FILE``).

The converted SmolLM2 is a de-quantization of a fixed GGUF file, not a training; it is
checked against the copy the book build kept (``test_smollm2_conversion_is_the_build_s``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from textfixtures import SMALL_PRETRAIN

ROOT = Path(__file__).resolve().parent.parent

TRAIN_ALL = """
import json, sys
from mlfootprint import mnist, quality
from mlfootprint import generate as gen
from mlfootprint import textmodels as tm
from mlfootprint.classify import TrainConfig, train_classifier

small = dict(epochs=1, n_train=400, n_test=100, eval_train_size=100, source="bundled")
train_classifier(TrainConfig("MLP", (16,), **small), progress=False)
train_classifier(TrainConfig("CNN", (2, 4), **small), progress=False)
data = mnist.load_mnist("bundled", max_train=400, max_test=100, verbose=False)
for config in (gen.GeneratorConfig("cvae-mlp", hidden=(16,), latent=2, epochs=1),
               gen.GeneratorConfig("pca", n_components=5), gen.GeneratorConfig("pixel")):
    gen.load_or_train(config, data, progress=False)
quality.load_or_train_judge(data, quality.JudgeConfig(widths=(4,), epochs=1))
tm.course_minibert(json.loads(sys.argv[1]), progress=False)
"""


def kept_files(data: Path) -> dict[str, str]:
    """SHA-256 of every file of every kept artefact (its record, which holds what the
    instrument measured, aside), by path under ``results/``."""
    results = data / "results"
    out = {}
    for path in sorted(results.rglob("*")):
        if path.is_file() and path.parent.joinpath("record.json").is_file() and path.name != "record.json":
            out[path.relative_to(results).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def train_in_fresh_process(data: Path) -> dict[str, str]:
    env = dict(os.environ, MLFOOTPRINT_DATA=str(data))
    proc = subprocess.run([sys.executable, "-c", TRAIN_ALL, json.dumps(SMALL_PRETRAIN)], env=env,
                          capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return kept_files(data)


def test_every_kind_trained_twice_is_the_same_artefact(tmp_path):
    first = train_in_fresh_process(tmp_path / "first")
    second = train_in_fresh_process(tmp_path / "second")
    kinds = {name.split("/")[0] + "/" + name.split("/")[1] for name in first}
    assert kinds == {"classification/run", "generation/generator", "generation/judge", "text/minibert"}
    weights = [n for n in first if n.startswith("text/minibert/") and n.endswith(".safetensors")]
    assert weights and any(n.endswith("tokenizer.json") for n in first)
    assert len([n for n in first if n.startswith("generation/generator/")]) >= 3
    assert sorted(first) == sorted(second), "the two trainings were kept under different keys"
    differ = [name for name in first if first[name] != second[name]]
    assert not differ, f"trained twice with one key, these files differ: {differ}"


@pytest.mark.chapter
def test_smollm2_conversion_is_the_build_s(book_build, tmp_path):
    """Converting the GGUF file again gives exactly the files the book build kept."""
    from mlfootprint import paths

    built = {n: h for n, h in kept_files(paths.data_dir(create=False)).items()
             if n.startswith("text/smollm2/")}
    assert built, "the book build kept no converted SmolLM2"
    env = dict(os.environ, MLFOOTPRINT_DATA=str(tmp_path))
    code = "from mlfootprint.textmodels import smollm2; smollm2.smollm2()"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    again = {n: h for n, h in kept_files(tmp_path).items() if n.startswith("text/smollm2/")}
    assert again == built
