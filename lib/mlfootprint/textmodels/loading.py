"""Loading a text model: a hub id, a folder, or the course's embedded model, served the same way.

Online, the defaults are ``bert-base-uncased`` (fill-mask) and ``gpt2`` (generation). When
the hub cannot be reached (checked with a short timeout, never a hang) or when
``MLFOOTPRINT_TEXT_OFFLINE=1`` / ``offline=True`` is given, the model comes from the local
Hub cache if it is there, else from the course's *embedded* models, with a notice saying
why: SmolLM2-135M-Instruct (:mod:`.smollm2`) for generation and the course's mini-BERT
(:mod:`.minibert`) for fill-mask. ``trust_remote_code`` is never enabled.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..notices import PREFIX, FallbackNotice, notice
from .common import MINIBERT_NAME, ONLINE_DEFAULTS, SMOLLM2_NAME, check_task, n_params
from .folders import course_model_meta, from_pretrained
from .hub import OFFLINE_ENV, hub_status, looks_like_path, offline_forced, valid_hub_id
from .minibert import minibert
from .smollm2 import folder_path, smollm2

_WHERE = {"hub": "downloaded from the Hugging Face Hub", "hub cache": "from the local Hub cache",
          "local folder": "from a local folder", "embedded": "embedded in the course (offline)"}


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
    made_by: Any = None     # embedded models: how the course made them (a Measurement or a run)

    @property
    def offline(self) -> bool:
        return self.source in ("embedded", "local folder", "hub cache")

    def identity(self) -> dict:
        """What identifies this model in a cache key."""
        return {"name": self.name, "source": self.source, "location": _location_key(self.location),
                "n_parameters": self.n_parameters, "task": self.task}

    def describe(self) -> str:
        return (f"{self.name} ({self.n_parameters / 1e6:.1f} M parameters, "
                f"{_WHERE.get(self.source, self.source)})")


def require(lm: LoadedModel, task: str) -> None:
    if not isinstance(lm, LoadedModel):
        raise TypeError(f"expected a LoadedModel from load_model(), got {type(lm).__name__}")
    if lm.task != task:
        raise ValueError(f"this needs a {task} model, but {lm.name!r} was loaded for {lm.task}")


def _location_key(location: str) -> str:
    """Folders inside data/ are keyed already; keep only their last part."""
    return Path(location).name if os.sep in location else location


def load_folder(folder: str | os.PathLike, task: str, requested: str = "", source: str = "local folder",
                name: str | None = None, note: str = "") -> LoadedModel:
    """A model saved with ``save_pretrained`` (refused, with the reason, if it is of the wrong kind)."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"model folder {str(folder)!r} does not exist. Give an existing folder "
                                f"written by save_pretrained, or a Hugging Face Hub id such as "
                                f"{ONLINE_DEFAULTS[task]!r}.")
    if not (folder / "config.json").is_file():
        raise ValueError(f"{str(folder)!r} is not a model folder: it has no config.json "
                         "(expected a folder written by save_pretrained).")
    start = time.perf_counter()
    model, tokenizer = from_pretrained(str(folder), task, local_only=True)
    seconds = time.perf_counter() - start
    name = name or course_model_meta(folder).get("name") or folder.name
    return LoadedModel(model, tokenizer, task, name, source, requested or str(folder), str(folder),
                       n_params(model), seconds, note)


def embedded(task: str, requested: str = "embedded", note: str = "") -> LoadedModel:
    """The course's own model for ``task``, made once and kept (see the module docstring)."""
    start = time.perf_counter()
    if check_task(task) == "generation":
        folder = folder_path()   # before the work: its key hashes code that may change meanwhile
        (model, tokenizer), made_by = smollm2()
        name, folder = SMOLLM2_NAME, folder if folder.is_dir() else None
    else:
        (model, tokenizer), result = minibert()
        name, folder, made_by = MINIBERT_NAME, result.folder, result
    location = str(folder) if folder is not None else "(in memory: it could not be saved)"
    return LoadedModel(model, tokenizer, task, name, "embedded", requested, location, n_params(model),
                       time.perf_counter() - start, note, made_by)


def _fallback(spec: str, task: str, why: str, fallback, verbose: bool) -> LoadedModel:
    note = f"Using the embedded {task} model instead of {spec!r}: {why}."
    if verbose:
        notice(note, FallbackNotice)
    if fallback is not None:
        return load_folder(fallback, task, spec, "embedded", None, note)
    return embedded(task, spec, note)


def _from_hub(spec: str, task: str, fallback, verbose: bool) -> LoadedModel:
    status = hub_status(spec)
    if status.state == "unreachable":  # the reader gets a plain note; the cause goes to the log
        print(f"{PREFIX} the Hugging Face Hub did not answer for {spec!r}: {status.reason}", file=sys.stderr)
    if status.state == "missing":
        raise ValueError(f"unknown model id {spec!r}: {status.reason}. Check the spelling, "
                         f"or give a local folder; the defaults are {ONLINE_DEFAULTS}.")
    local = status.state == "unreachable"
    start = time.perf_counter()
    try:  # unreachable: a copy downloaded earlier still works offline
        model, tokenizer = from_pretrained(spec, task, local_only=local)
    except (OSError, ValueError):
        if not local:
            raise
        return _fallback(spec, task, "the Hugging Face Hub could not be reached", fallback, verbose)
    note = ""
    if local:
        note = f"the Hugging Face Hub could not be reached; {spec!r} was found in the local Hub cache"
        if verbose:
            notice(f"{note}.", FallbackNotice)
    return LoadedModel(model, tokenizer, task, spec, "hub cache" if local else "hub", spec, spec,
                       n_params(model), time.perf_counter() - start, note)


def load_model(spec: str | os.PathLike | None = None, task: str = "generation", *,
               offline: bool | None = None, fallback: str | os.PathLike | None = None,
               verbose: bool = True) -> LoadedModel:
    """Load a ``task`` model (``"fill-mask"`` or ``"generation"``) from a hub id or a folder.

    ``spec``: a Hugging Face Hub id (default: ``bert-base-uncased`` / ``gpt2``), a local
    folder, or ``"embedded"``. A hub id is used when the hub answers; when it cannot be
    reached, or ``offline`` / ``$MLFOOTPRINT_TEXT_OFFLINE`` forces it, the model comes
    from the local Hub cache if it is there, else ``fallback`` (a folder; default: the
    course's embedded model for the task), with a notice saying why (``verbose=False``:
    the reason is only in the model's ``note``).
    """
    check_task(task)
    if spec is None:
        spec = ONLINE_DEFAULTS[task]
    if isinstance(spec, os.PathLike):
        return load_folder(spec, task, str(spec))
    if not isinstance(spec, str) or not spec.strip():
        raise TypeError(f"spec must be a hub id, a folder path or 'embedded', got {spec!r}")
    spec = spec.strip()
    if spec == "embedded":
        if fallback is not None:
            return load_folder(fallback, task, spec, "embedded")
        return embedded(task)
    if looks_like_path(spec):
        return load_folder(spec, task, spec)
    if not valid_hub_id(spec):
        raise ValueError(f"{spec!r} is neither an existing folder nor a valid Hugging Face Hub id "
                         f"(ids look like 'gpt2' or 'owner/name': letters, digits, '.', '_', '-').")
    if offline_forced(offline):
        why = f"offline mode was forced (offline=True or {OFFLINE_ENV}=1 or HF_HUB_OFFLINE=1)"
        return _fallback(spec, task, why, fallback, verbose)
    return _from_hub(spec, task, fallback, verbose)
