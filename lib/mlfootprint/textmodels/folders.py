"""The one way a model and its tokenizer are read, from a hub id or a folder, for a task.

A folder is refused, with the reason, when it holds a model of the other kind (a masked
LM cannot continue a prompt), and -- for the course's own folders -- when its weights do
not fill the model exactly (a half file, zeros, another model's weights).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer
from transformers.models.auto.modeling_auto import MODEL_FOR_MASKED_LM_MAPPING_NAMES

from .common import check_task, quiet_transformers


class DamagedModelError(ValueError):
    """A model folder whose files cannot be read or do not fit the model they describe."""


def auto_class(task: str):
    return AutoModelForMaskedLM if check_task(task) == "fill-mask" else AutoModelForCausalLM


def _masked_only(config) -> bool:
    """True when ``config`` describes an encoder trained to fill blanks, not to continue text."""
    archs = list(getattr(config, "architectures", None) or [])
    if archs:
        return (any("MaskedLM" in a for a in archs)
                and not any("CausalLM" in a or "LMHead" in a for a in archs))
    return (config.model_type in MODEL_FOR_MASKED_LM_MAPPING_NAMES
            and not getattr(config, "is_decoder", False)
            and not getattr(config, "is_encoder_decoder", False))


def refuse_wrong_task(config, task: str, location: str) -> None:
    if task == "generation" and _masked_only(config):
        kind = ", ".join(getattr(config, "architectures", None) or [config.model_type])
        raise ValueError(
            f"{location!r} holds a masked language model ({kind}): it was trained to fill in "
            f"[MASK] blanks from both sides, not to continue a prompt, so it cannot generate text. "
            f"Load it with task='fill-mask', or give a generation model such as 'gpt2'.")
    if task == "fill-mask" and config.model_type not in MODEL_FOR_MASKED_LM_MAPPING_NAMES:
        kind = ", ".join(getattr(config, "architectures", None) or [config.model_type])
        raise ValueError(
            f"{location!r} holds a {kind} model, which continues text and has no masked-LM head, "
            f"so it cannot fill in [MASK] blanks. Load it with task='generation', or give a "
            f"masked language model such as 'bert-base-uncased'.")


def from_pretrained(location: str, task: str, local_only: bool, *, strict: bool = False,
                    dtype: Any = None):
    """Model (in eval mode) and tokenizer through the one code path every source uses.

    ``strict``: the weights must fill the model exactly (no missing, unexpected or
    mismatched tensors); a file that cannot be read raises :class:`DamagedModelError`
    naming the folder. ``trust_remote_code`` is never enabled.
    """
    quiet_transformers()
    kwargs = dict(trust_remote_code=False, local_files_only=local_only)
    try:
        config = AutoConfig.from_pretrained(location, **kwargs)
        refuse_wrong_task(config, task, location)
        tokenizer = AutoTokenizer.from_pretrained(location, **kwargs)
    except ValueError as exc:
        raise ValueError(f"{location!r} cannot be loaded as a {task} model: {exc}") from exc
    extra = {} if dtype is None else {"dtype": dtype}
    try:
        model, info = auto_class(task).from_pretrained(location, config=config, output_loading_info=True,
                                                       **kwargs, **extra)
    except Exception as exc:  # safetensors, torch and transformers each raise their own types
        if not os.path.isdir(location):
            raise
        raise DamagedModelError(f"the weights in {location!r} cannot be read "
                                f"({type(exc).__name__}: {exc})") from exc
    if strict:
        wrong = {k: sorted(v)[:3] for k, v in info.items() if k != "error_msgs" and v}
        if wrong or info.get("error_msgs"):
            raise DamagedModelError(f"the weights in {location!r} do not fit the model its config "
                                    f"describes: {wrong or info['error_msgs']}")
    model.eval()
    if task == "generation" and tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    if task == "fill-mask" and tokenizer.mask_token is None:
        raise ValueError(f"{location!r} has no mask token, so it cannot fill in blanks")
    return model, tokenizer


META_FILE = "course_model.json"


def course_model_meta(folder) -> dict:
    """What the course wrote beside its own models (name, origin); ``{}`` for other folders.

    A file that is there but unreadable raises :class:`DamagedModelError` naming it."""
    path = Path(folder) / META_FILE
    if not path.is_file():
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DamagedModelError(f"{path} is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        raise DamagedModelError(f"{path} does not name its model (expected {{\"name\": ...}})")
    return meta
