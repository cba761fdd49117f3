"""Pre-training a small BERT from scratch: its tokenizer, its masked batches, its training loop.

Nothing here writes a file: :func:`pretrain_masked_lm` returns the model, the tokenizer and
what happened; :mod:`.minibert` keeps them through the store.
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertForMaskedLM, PreTrainedTokenizerFast

from ..checks import integer, number
from ..progress import tqdm
from .common import torch_threads
from .evaluation import mlm_logits

# Chosen by measurement when the course was written: with BERT's usual dropout and smaller
# initial weights (transformers' BertConfig defaults) and fewer steps, pre-training never left
# the plateau of "always guess the most frequent words"; with no dropout, larger initial
# weights and more cheap steps of short blocks, it does. One thread: on a shared two-core
# machine two threads were several times slower per step.
DEFAULT_PRETRAIN = dict(vocab_size=3000, hidden=128, layers=2, heads=2, intermediate=512,
                        seq_len=32, batch_size=64, steps=1200, lr=3e-3, warmup=0.05,
                        mask_prob=0.15, weight_decay=0.01, dropout=0.0, init_range=0.08,
                        grad_clip=1.0, threads=1, seed=0, holdout_every=10)

_INT_BOUNDS = dict(vocab_size=(10, 200_000), hidden=(2, 4096), layers=(1, 48), heads=(1, 64),
                   intermediate=(1, 16384), seq_len=(4, 512), batch_size=(1, 4096),
                   steps=(1, 1_000_000), threads=(1, 1024), seed=(0, 2**32 - 1), holdout_every=(2, 1000))
# A loss this many times the first one means training blew up (a fresh model starts near
# log(vocabulary size), and a working one only goes down from there).
_EXPLODED = 10.0


def bert_defaults() -> dict:
    """What transformers' BertConfig uses unless told otherwise (BERT's published recipe)."""
    cfg = BertConfig()
    return {"dropout": cfg.hidden_dropout_prob, "init_range": cfg.initializer_range}


def pretrain_settings(overrides: dict | None = None) -> dict:
    """:data:`DEFAULT_PRETRAIN` with ``overrides``, each checked (name, value, what is allowed)."""
    if overrides is not None and not isinstance(overrides, dict):
        raise TypeError(f"settings must be a dict of pre-training settings or None, got {overrides!r:.60}")
    settings = dict(DEFAULT_PRETRAIN)
    for key, value in (overrides or {}).items():
        if key not in settings:
            raise ValueError(f"unknown pre-training setting {key!r}; allowed: {sorted(settings)}")
        settings[key] = value
    for key, (lo, hi) in _INT_BOUNDS.items():
        settings[key] = integer(key, settings[key], lo=lo, hi=hi)
    n_vocab = len(shipped_vocabulary()[0])
    if settings["vocab_size"] > n_vocab:
        raise ValueError(f"vocab_size must be at most {n_vocab:,}, the tokens of the shipped "
                         f"vocabulary {VOCAB_FILE.name}, got {settings['vocab_size']:,}")
    if settings["hidden"] % settings["heads"]:
        raise ValueError(f"hidden must be a multiple of heads, got hidden={settings['hidden']} "
                         f"and heads={settings['heads']}")
    for key in ("lr", "mask_prob", "init_range"):
        settings[key] = number(key, settings[key], lo=0, hi=1, lo_open=True, hi_open=True)
    for key in ("warmup", "weight_decay", "dropout"):
        settings[key] = number(key, settings[key], lo=0, hi=1, hi_open=True)
    settings["grad_clip"] = number("grad_clip", settings["grad_clip"], lo=0, hi=1e6, lo_open=True)
    return settings


SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# The mini-BERT's vocabulary, shipped: WordPiece training (tokenizers' Rust trainer) breaks
# ties in a different order in every process, so two trainings with one seed gave two
# vocabularies, hence two models under one key. tools/make_minibert_vocab.py wrote this
# file from the corpus (tokens in the trainer's order: specials, characters, then merges).
VOCAB_FILE = Path(__file__).with_name("minibert_vocab.txt")


def _bare_wordpiece(vocab: dict[str, int] | None = None) -> Tokenizer:
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    return tok


def train_wordpiece(sentences: Sequence[str], vocab_size: int, bert_template: bool = True):
    """A lower-casing WordPiece tokenizer trained on ``sentences`` (transformers-compatible).

    With ``bert_template`` each text is wrapped as ``[CLS] text [SEP]`` (for a masked LM);
    without it nothing is added (for a generator, whose end-of-text token is ``[SEP]``).
    The vocabulary can differ from one process to the next (see :data:`VOCAB_FILE`)."""
    tok = _bare_wordpiece()
    tok.train_from_iterator(list(sentences), trainers.WordPieceTrainer(
        vocab_size=integer("vocab_size", vocab_size, lo=len(SPECIALS) + 1),
        special_tokens=SPECIALS, show_progress=False))
    return _wrap(tok, bert_template)


@lru_cache(maxsize=1)
def shipped_vocabulary() -> tuple[list[str], str]:
    """The shipped vocabulary's tokens, in order, and the SHA-256 of the file."""
    try:
        raw = VOCAB_FILE.read_bytes()
    except OSError as exc:
        raise FileNotFoundError(f"the mini-BERT vocabulary {VOCAB_FILE} cannot be read ({exc}); "
                                f"restore it from git or run tools/make_minibert_vocab.py") from None
    tokens = raw.decode("utf-8").splitlines()
    if tokens[:len(SPECIALS)] != SPECIALS or len(set(tokens)) != len(tokens):
        raise ValueError(f"{VOCAB_FILE} is not a vocabulary written by tools/make_minibert_vocab.py "
                         f"(it must start with {SPECIALS} and list each token once)")
    return tokens, hashlib.sha256(raw).hexdigest()


def course_tokenizer(vocab_size: int):
    """The mini-BERT's tokenizer: the first ``vocab_size`` tokens of the shipped vocabulary
    (the same tokens, hence the same ids, in every process)."""
    tokens, _ = shipped_vocabulary()
    vocab_size = integer("vocab_size", vocab_size, lo=len(SPECIALS) + 1, hi=len(tokens))
    return _wrap(_bare_wordpiece({t: i for i, t in enumerate(tokens[:vocab_size])}), True)


def _wrap(tok: Tokenizer, bert_template: bool):
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    if bert_template:
        tok.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
            special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                   eos_token=None if bert_template else "[SEP]")


def token_blocks(tokenizer, sentences: Sequence[str], seq_len: int) -> tuple[torch.Tensor, int]:
    """The text as rows of ``seq_len`` tokens, each starting with [CLS]; and the token count."""
    ids: list[int] = []
    for sentence in sentences:
        ids.extend(tokenizer(sentence, add_special_tokens=False)["input_ids"] + [tokenizer.sep_token_id])
    body = seq_len - 1
    rows = [[tokenizer.cls_token_id] + ids[i * body:(i + 1) * body] for i in range(len(ids) // body)]
    if not rows:
        raise ValueError(f"not enough training text for one sequence of seq_len={seq_len} tokens "
                         f"(the text has {len(ids)} tokens)")
    return torch.tensor(rows, dtype=torch.long), len(ids)


def mask_batch(batch, tokenizer, mask_prob: float, generator):
    """BERT's masking: of the chosen tokens, 80% [MASK], 10% a random token, 10% unchanged."""
    labels = batch.clone()
    special = (batch == tokenizer.cls_token_id) | (batch == tokenizer.sep_token_id)
    chosen = (torch.rand(batch.shape, generator=generator) < mask_prob) & ~special
    if not chosen.any():  # a loss needs at least one blank: take the first ordinary token
        chosen.view(-1)[int((~special).view(-1).nonzero()[0])] = True
    labels[~chosen] = -100
    inputs = batch.clone()
    roll = torch.rand(batch.shape, generator=generator)
    inputs[chosen & (roll < 0.8)] = tokenizer.mask_token_id
    random_ids = torch.randint(5, len(tokenizer), batch.shape, generator=generator)
    swap = chosen & (roll >= 0.8) & (roll < 0.9)
    inputs[swap] = random_ids[swap]
    return inputs, labels


def build_model(tokenizer, s: dict) -> BertForMaskedLM:
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=s["hidden"], num_hidden_layers=s["layers"],
                        num_attention_heads=s["heads"], intermediate_size=s["intermediate"],
                        max_position_embeddings=max(128, s["seq_len"]), type_vocab_size=1,
                        hidden_dropout_prob=s["dropout"], attention_probs_dropout_prob=s["dropout"],
                        initializer_range=s["init_range"], pad_token_id=tokenizer.pad_token_id)
    return BertForMaskedLM(config)


def _check_loss(loss: float, first: float, step: int, s: dict) -> None:
    if not math.isfinite(loss) or (step > 0 and loss > _EXPLODED * first):
        raise RuntimeError(f"pre-training diverged at step {step + 1} of {s['steps']}: the loss became "
                           f"{loss:.4g} (it started at {first:.4g}). Nothing was kept. Try a smaller "
                           f"lr (now {s['lr']:g}) or a smaller grad_clip (now {s['grad_clip']:g}).")


def _batches(data: torch.Tensor, batch_size: int, steps: int, generator):
    order, cursor = torch.randperm(len(data), generator=generator), 0
    for _ in range(steps):
        if cursor + batch_size > len(order):
            order, cursor = torch.randperm(len(data), generator=generator), 0
        yield data[order[cursor:cursor + batch_size]]
        cursor += batch_size


def pretrain_masked_lm(train: Sequence[str], settings: dict | None = None,
                       progress: bool = True) -> tuple[Any, Any, dict]:
    """Pre-train a small BERT on ``train`` sentences: ``(model, tokenizer, info)``.

    Bit-for-bit deterministic per seed on one machine: the tokenizer comes from the shipped
    vocabulary (:func:`course_tokenizer`), and ``train`` is only tokenized. Runs on
    ``settings["threads"]`` CPU threads and restores the previous number afterwards. A loss that becomes non-finite or explodes stops with a clear error.
    """
    s = pretrain_settings(settings)
    with torch_threads(s["threads"]):
        torch.manual_seed(s["seed"])
        tokenizer = course_tokenizer(s["vocab_size"])
        data, n_tokens = token_blocks(tokenizer, train, s["seq_len"])
        model = build_model(tokenizer, s)
        opt = torch.optim.AdamW(model.parameters(), lr=s["lr"], weight_decay=s["weight_decay"])
        warm, steps = max(1, int(s["warmup"] * s["steps"])), s["steps"]
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda step: min((step + 1) / warm, max(0.0, (steps - step) / max(1, steps - warm))))
        gen = torch.Generator().manual_seed(s["seed"])
        losses: list[float] = []
        model.train()
        batches = _batches(data, s["batch_size"], steps, gen)
        for step, batch in enumerate(tqdm(batches, total=steps, desc="pre-training mini-BERT",
                                          disable=not progress, mininterval=2)):
            inputs, labels = mask_batch(batch, tokenizer, s["mask_prob"], gen)
            # the vocabulary projection only at the masked positions: same loss, far less work
            hidden = model.bert(input_ids=inputs).last_hidden_state
            chosen = labels != -100
            loss = torch.nn.functional.cross_entropy(mlm_logits(model, hidden[chosen]), labels[chosen])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), s["grad_clip"])
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
            _check_loss(losses[-1], losses[0], step, s)
        model.eval()
    return model, tokenizer, {"losses": losses, "n_train_tokens": n_tokens, "n_sequences": len(data),
                              "epochs": steps * s["batch_size"] / len(data), "data": data}
