"""Free generation: continue a prompt, one forward pass per new token; only new tokens count."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import torch

from ..checks import integer, number
from ..notices import ClippedNotice, notice
from ..progress import tqdm
from ..store import cached
from .common import check_text_length
from .loading import LoadedModel, require


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


def check_sampling(max_new_tokens, temperature, top_k, top_p, seed) -> dict:
    """The sampling settings, checked and as plain Python numbers (numpy scalars accepted)."""
    return dict(max_new_tokens=integer("max_new_tokens", max_new_tokens, lo=1),
                temperature=number("temperature", temperature, lo=0, hi=100,
                                   what="a number from 0 (greedy) to 100"),
                top_k=integer("top_k", top_k, lo=1),
                top_p=number("top_p", top_p, lo=0, hi=1, lo_open=True),
                seed=integer("seed", seed, lo=0, hi=2**64 - 1))


def context_size(lm: LoadedModel) -> int:
    cfg = lm.model.config
    for name in ("n_positions", "max_position_embeddings"):
        value = getattr(cfg, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return 2048


def _context(lm: LoadedModel, max_new_tokens: int, max_context) -> int:
    ctx = context_size(lm)
    if max_context is not None:
        ctx = min(ctx, integer("max_context", max_context, lo=2))
    if max_new_tokens >= ctx:
        raise ValueError(f"max_new_tokens={max_new_tokens} leaves no room for the prompt: "
                         f"{lm.name} sees at most {ctx} tokens in all (max_context or its context size)")
    return ctx


def _eos_ids(tok) -> set:
    eos = tok.eos_token_id
    return set(eos if isinstance(eos, list) else [eos]) - {None}


def _generate_kwargs(tok, ids, s: dict, stop_at_eos: bool) -> dict:
    kwargs = dict(max_new_tokens=s["max_new_tokens"], pad_token_id=tok.pad_token_id,
                  attention_mask=torch.ones_like(ids))
    if not stop_at_eos:
        kwargs["min_new_tokens"] = s["max_new_tokens"]
    if s["temperature"] == 0:
        kwargs.update(do_sample=False, temperature=None, top_k=None, top_p=None)
    else:
        kwargs.update(do_sample=True, temperature=s["temperature"], top_k=s["top_k"], top_p=s["top_p"])
    return kwargs


def prompt_ids(lm: LoadedModel, prompt: str, max_new_tokens: int, max_context: int | None = None,
               announce: bool = True) -> tuple[torch.Tensor, str]:
    """The prompt's token ids, cut on the left to leave room for ``max_new_tokens`` (with a
    note, and a notice when ``announce``); checks the arguments without running the model."""
    require(lm, "generation")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError(f"prompt must be a non-empty string, got {prompt!r:.60}")
    check_text_length("prompt", prompt)
    n = integer("max_new_tokens", max_new_tokens, lo=1)
    ctx = _context(lm, n, max_context)
    ids = lm.tokenizer(prompt, return_tensors="pt")["input_ids"]
    note, room = "", ctx - n
    if ids.shape[1] > room:
        note = (f"The prompt had {ids.shape[1]} tokens; only its last {room} were kept, so that "
                f"prompt + {n} new tokens fit the model's context of {ctx} tokens.")
        ids = ids[:, -room:]
        if announce:
            notice(note, ClippedNotice)
    return ids, note


def generate(lm: LoadedModel, prompt: str, max_new_tokens: int = 30, *, temperature: float = 0.0,
             top_k: int = 50, top_p: float = 1.0, seed: int = 0, stop_at_eos: bool = True,
             max_context: int | None = None, announce: bool = True) -> GenerationResult:
    """Continue ``prompt`` with at most ``max_new_tokens`` new tokens (exactly that many unless
    the end-of-text token comes first; ``stop_at_eos=False`` always gives exactly that many).

    ``temperature=0`` is greedy; otherwise tokens are sampled with ``top_k``/``top_p`` from a
    generator seeded with ``seed``. A prompt longer than the model's context (or
    ``max_context``) minus ``max_new_tokens`` keeps only its last tokens; the result says
    so, and so does a notice (``announce=False``: only the result).
    """
    s = check_sampling(max_new_tokens, temperature, top_k, top_p, seed)
    ids, note = prompt_ids(lm, prompt, s["max_new_tokens"], max_context, announce)
    tok = lm.tokenizer
    with torch.random.fork_rng(devices=[]), torch.inference_mode():
        torch.manual_seed(s["seed"])
        out = lm.model.generate(ids, **_generate_kwargs(tok, ids, s, stop_at_eos))
    new, eos_ids, stopped = out[0, ids.shape[1]:].tolist(), _eos_ids(tok), False
    for i, t in enumerate(new):  # count up to and including the first end-of-text token
        if t in eos_ids and stop_at_eos:
            new, stopped = new[:i + 1], True
            break
    text = tok.decode([t for t in new if t not in eos_ids], skip_special_tokens=True)
    return GenerationResult(prompt, text, int(ids.shape[1]), len(new), stopped, bool(note),
                            {**s, "stop_at_eos": stop_at_eos}, lm.name, note)


def score_prompt(lm: LoadedModel, prompt: str) -> dict:
    """What a generator does before its first new token: one forward pass over the prompt,
    scoring every token. Returns the prompt's token count and mean log-probability per token."""
    require(lm, "generation")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError(f"prompt must be a non-empty string, got {prompt!r:.60}")
    check_text_length("prompt", prompt)
    ids = lm.tokenizer(prompt, return_tensors="pt")["input_ids"][:, -context_size(lm):]
    with torch.inference_mode():
        logits = lm.model(input_ids=ids).logits[0]
    logp = torch.log_softmax(logits[:-1].float(), dim=-1).gather(1, ids[0, 1:, None])
    return {"n_tokens": int(ids.shape[1]), "mean_log_prob": float(logp.mean()) if len(logp) else 0.0}


def generate_batch(lm: LoadedModel, prompts: Sequence[str], n_tokens: int) -> list[list[int]]:
    """Greedy continuations of several prompts *in one batch*: exactly ``n_tokens`` new token
    ids each (end-of-text ignored). Prompts are padded on the left, masked out by attention."""
    require(lm, "generation")
    if isinstance(prompts, str) or not prompts or not all(isinstance(p, str) and p.strip() for p in prompts):
        raise ValueError(f"prompts must be a non-empty list of non-empty strings, got {prompts!r:.80}")
    n = integer("n_tokens", n_tokens, lo=1)
    tok = lm.tokenizer
    side, tok.padding_side = tok.padding_side, "left"
    try:
        enc = tok(list(prompts), return_tensors="pt", padding=True)
    finally:
        tok.padding_side = side
    _context(lm, n + enc["input_ids"].shape[1] - 1, None)
    with torch.inference_mode():
        out = lm.model.generate(**enc, max_new_tokens=n, min_new_tokens=n, do_sample=False,
                                temperature=None, top_k=None, top_p=None, pad_token_id=tok.pad_token_id)
    return [row.tolist() for row in out[:, enc["input_ids"].shape[1]:]]


def greedy_examples(lm: LoadedModel, prompts: Sequence[str], max_new_tokens: int) -> list[GenerationResult]:
    """Greedy continuations of ``prompts`` (cached: the same text on every build)."""
    settings = {"model": lm.identity(), "prompts": list(prompts), "max_new_tokens": int(max_new_tokens)}
    return cached("text/examples", settings,
                  lambda: [generate(lm, p, max_new_tokens).to_dict() for p in prompts], code=(__name__,),
                  decode=lambda stored: [GenerationResult(**r) for r in stored])


def generation_views(lm: LoadedModel, prompt: str, token_options: Sequence[int],
                     temperatures: Sequence[float], seed: int = 0,
                     progress: bool = True) -> dict[tuple[int, float], GenerationResult]:
    """One generation per (max new tokens, temperature), cached: the precomputed slider views."""
    settings = {"model": lm.identity(), "prompt": prompt, "tokens": [int(n) for n in token_options],
                "temperatures": [float(t) for t in temperatures], "seed": int(seed)}

    def compute():
        combos = [(n, t) for n in settings["tokens"] for t in settings["temperatures"]]
        return [generate(lm, prompt, n, temperature=t, seed=seed).to_dict()
                for n, t in tqdm(combos, desc="slider views", disable=not progress)]

    def decode(stored):
        return {(r["settings"]["max_new_tokens"], r["settings"]["temperature"]): GenerationResult(**r)
                for r in stored}

    return cached("text/views", settings, compute, code=(__name__,), decode=decode)
