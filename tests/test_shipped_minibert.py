"""The mini-BERT the course ships: used only when it is what the course would make, checked
before use, and made again bit for bit by tools/make_minibert.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from mlfootprint import textmodels as tm
from mlfootprint.notices import RecomputeNotice
from mlfootprint.textmodels import minibert, pretraining
from mlfootprint.textmodels.loading import embedded

ROOT = Path(__file__).resolve().parents[1]


def _meta(folder=None) -> dict:
    return json.loads(((folder or minibert.SHIPPED) / minibert.SHIPPED_META).read_text(encoding="utf-8"))


def test_the_shipped_model_is_what_this_code_would_make():
    meta = _meta()
    assert meta["made_from"] == minibert.made_from(pretraining.pretrain_settings()), (
        "the shipped mini-BERT was made from other code, settings, vocabulary or corpus: "
        "run tools/make_minibert.py (and commit lib/mlfootprint/textmodels/minibert_shipped)")
    for name, digest in meta["files"].items():
        assert minibert._sha256(minibert.SHIPPED / name) == digest, name


def test_the_course_uses_the_shipped_model_and_says_where_it_was_measured(tmp_data, monkeypatch):
    monkeypatch.setattr(pretraining, "pretrain_masked_lm", lambda *a, **k: pytest.fail("pre-trained"))
    result = tm.course_minibert(progress=False)
    assert result.folder == minibert.SHIPPED and not any(tmp_data.rglob("*.safetensors"))
    made = result.made
    assert made["by"] == "tools/make_minibert.py" and made["cpu"] == result.record.cpu_model
    assert result.record.label == "mini-BERT pre-training" and result.record.energy_kwh > 0
    assert len(result.losses) == result.settings["steps"] and 0 < result.evaluation["top5"] <= 1
    lm = embedded("fill-mask")
    assert lm.name == tm.MINIBERT_NAME and lm.made_by.made == made
    # other settings never take the shipped model
    assert minibert._shipped({**pretraining.pretrain_settings(), "steps": 3}) is None


@pytest.mark.parametrize("damage", ["zeroed weights", "edited shipped.json", "other settings"])
def test_a_shipped_model_that_does_not_fit_is_named_and_not_used(tmp_path, monkeypatch, damage):
    copy = tmp_path / "shipped"
    shutil.copytree(minibert.SHIPPED, copy)
    monkeypatch.setattr(minibert, "SHIPPED", copy)
    if damage == "zeroed weights":
        weights = copy / "model.safetensors"
        weights.write_bytes(b"\0" * weights.stat().st_size)
    else:
        meta = _meta(copy)
        if damage == "edited shipped.json":
            meta["files"]["config.json"] = "0" * 64
        else:
            meta["made_from"]["settings"]["steps"] += 1
        (copy / minibert.SHIPPED_META).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.warns(RecomputeNotice, match="not used") as caught:
        assert minibert._shipped(pretraining.pretrain_settings()) is None
    said = str(caught[0].message)
    assert str(copy) in said and "tools/make_minibert.py" in said
    assert ("digests" in said) == (damage != "other settings")


def test_making_it_again_gives_the_shipped_bytes(tmp_path):
    """Slow (one full pre-training on one thread). Bit for bit on the machine kind that made
    it; elsewhere float rounding may differ, and the test says so instead of failing."""
    made = _meta()["run"]["data"]["made"]
    env = {**os.environ, "MLFOOTPRINT_DATA": str(tmp_path)}
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "make_minibert.py"), "--check"],
                          capture_output=True, text=True, env=env, timeout=1800)
    assert "model.safetensors" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
    if proc.returncode != 0:
        from mlfootprint.measure import hardware_method
        here = (hardware_method().cpu_model, torch.__version__)
        if here != (made["cpu"], made["torch"]):
            pytest.skip(f"made again on {here}, the shipped model on {(made['cpu'], made['torch'])}: "
                        f"bit-for-bit equality is promised on one machine kind only")
    assert proc.returncode == 0, proc.stdout[-2000:]
