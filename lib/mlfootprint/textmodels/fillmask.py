"""Fill in the blank: the most probable words for each ``[MASK]``, in one forward pass."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from ..checks import integer
from ..notices import ClippedNotice, notice
from .common import MASK, check_text_length
from .loading import LoadedModel, require


@dataclass
class FillMaskResult:
    text: str
    predictions: list[list[dict]]   # one list per blank: [{"token", "probability"}], best first
    model: str
    n_tokens: int = 0               # tokens the model read (after any cut)
    truncated: bool = False
    note: str = ""

    def best(self) -> list[str]:
        return [p[0]["token"] for p in self.predictions]

    def to_dict(self) -> dict:
        return asdict(self)


def input_size(lm: LoadedModel) -> int:
    """The most tokens the model reads at once (its position embeddings)."""
    cfg = lm.model.config
    for name in ("max_position_embeddings", "n_positions"):
        value = getattr(cfg, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return 512


def encode_blanks(lm: LoadedModel, text: str) -> tuple[dict, list[int], str]:
    """The text's tokens (cut to the model's input size, with a note if so) and the blanks' positions."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    check_text_length("text", text)
    tok = lm.tokenizer
    if MASK not in text and tok.mask_token not in text:
        raise ValueError(f"text has no blank to fill: write {MASK} where the missing word goes, "
                         f"e.g. 'The {MASK} statement is used for conditional execution.'")
    if tok.mask_token != MASK:
        text = text.replace(MASK, tok.mask_token)
    size = input_size(lm)
    full = len(tok(text)["input_ids"])
    enc = tok(text, return_tensors="pt", truncation=True, max_length=size)
    positions = (enc["input_ids"][0] == tok.mask_token_id).nonzero().flatten().tolist()
    if not positions:
        raise ValueError(f"text has {full:,} tokens and {lm.name} reads at most {size:,}: every blank "
                         f"lies beyond that and was cut off. Put the [MASK] nearer the start, or "
                         f"shorten the text.")
    note = ""
    if full > size:
        note = (f"The text has {full:,} tokens; {lm.name} reads at most {size:,}, so only its first "
                f"{size:,} were used ({len(positions)} blank(s) among them).")
    return enc, positions, note


def fill_mask(lm: LoadedModel, text: str, top_k: int = 5) -> FillMaskResult:
    """The ``top_k`` most probable tokens for each ``[MASK]`` in ``text``, with probabilities.

    Probabilities come from a softmax over the whole vocabulary at each blank, so the
    top-k sum to at most 1. With several blanks, each is predicted from the same single
    forward pass (the other blanks stay masked). A text longer than the model's input is
    cut to it, and the result (and a notice) says so.
    """
    return _fill_mask(lm, text, top_k, announce=True)


def _fill_mask(lm: LoadedModel, text: str, top_k: int, announce: bool) -> FillMaskResult:
    """:func:`fill_mask`; ``announce=False`` for repeated calls whose cut was announced once."""
    require(lm, "fill-mask")
    top_k = integer("top_k", top_k, lo=1)
    enc, positions, note = encode_blanks(lm, text)
    if note and announce:
        notice(note, ClippedNotice)
    with torch.inference_mode():
        logits = lm.model(**enc).logits[0]
    probs = torch.softmax(logits[positions].float(), dim=-1)
    top = probs.topk(min(top_k, probs.shape[-1]), dim=-1)
    decode = lm.tokenizer.decode
    preds = [[{"token": decode([int(i)]).strip(), "probability": float(p)}
              for p, i in zip(top.values[row], top.indices[row])] for row in range(len(positions))]
    return FillMaskResult(text, preds, lm.name, int(enc["input_ids"].shape[1]), bool(note), note)
