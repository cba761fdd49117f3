"""Tiny models with the real architectures and configs of ``gpt2`` and ``bert-base-uncased``.

Random weights and small sizes (a few hundred thousand parameters instead of 124 M and
110 M), every other setting as in the hub's ``config.json`` of the real model (the
transformers defaults of ``GPT2Config`` and ``BertConfig`` are exactly those configs).
The tokenizers are trained here, on the course's own offline corpus
(:mod:`mlfootprint.corpus`): a byte-level BPE for GPT-2 (with ``<|endoftext|>``) and an
uncased WordPiece for BERT (with ``[PAD] [UNK] [CLS] [SEP] [MASK]``), saved in the same
files the hub repositories hold (``vocab.json`` + ``merges.txt``, ``vocab.txt``, and
``tokenizer.json``).
"""

from __future__ import annotations

import json
from pathlib import Path

# Small but real: the same classes, the same config fields, fewer and narrower layers.
GPT2_SIZE = dict(n_layer=2, n_head=2, n_embd=64)
BERT_SIZE = dict(num_hidden_layers=2, num_attention_heads=2, hidden_size=64, intermediate_size=256)
VOCAB_SIZE = 2000
SEED = 0


def _sentences() -> list[str]:
    from mlfootprint import corpus

    return corpus.load_corpus().train


def build_gpt2(folder: Path) -> Path:
    """A tiny ``gpt2`` (GPT2LMHeadModel, byte-level BPE tokenizer) saved into ``folder``."""
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(_sentences(), vocab_size=VOCAB_SIZE, min_frequency=2,
                            special_tokens=["<|endoftext|>"], show_progress=False)
    bpe.save_model(str(folder))                      # vocab.json + merges.txt, as on the hub
    tokenizer = GPT2TokenizerFast(vocab=str(folder / "vocab.json"), merges=str(folder / "merges.txt"),
                                  model_max_length=1024)
    _check_tokenizer(tokenizer)
    tokenizer.save_pretrained(folder)
    eot = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    config = GPT2Config(vocab_size=len(tokenizer), bos_token_id=eot, eos_token_id=eot,
                        task_specific_params={"text-generation": {"do_sample": True, "max_length": 50}},
                        **GPT2_SIZE)
    config.architectures = ["GPT2LMHeadModel"]
    torch.manual_seed(SEED)
    GPT2LMHeadModel(config).save_pretrained(folder)
    return folder


def build_bert(folder: Path) -> Path:
    """A tiny ``bert-base-uncased`` (BertForMaskedLM, uncased WordPiece) saved into ``folder``."""
    import torch
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    wordpiece = BertWordPieceTokenizer(lowercase=True)
    wordpiece.train_from_iterator(_sentences(), vocab_size=VOCAB_SIZE, min_frequency=2,
                                  special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
                                  show_progress=False)
    wordpiece.save_model(str(folder))                # vocab.txt, as on the hub
    tokenizer = BertTokenizerFast(vocab=str(folder / "vocab.txt"), do_lower_case=True,
                                  model_max_length=512)
    _check_tokenizer(tokenizer)
    tokenizer.save_pretrained(folder)
    config = BertConfig(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, **BERT_SIZE)
    config.architectures = ["BertForMaskedLM"]
    torch.manual_seed(SEED)
    BertForMaskedLM(config).save_pretrained(folder)
    return folder


def _check_tokenizer(tokenizer, text: str = "The if statement is used for conditional execution.") -> None:
    """A tokenizer that lost its vocabulary on the way (an API change) must not be served."""
    tokens = tokenizer.tokenize(text)
    if not tokens or tokenizer.unk_token in tokens:
        raise RuntimeError(f"the stand-in tokenizer {type(tokenizer).__name__} cannot tokenize "
                           f"{text!r}: {tokens}")


BUILDERS = {"gpt2": build_gpt2, "bert-base-uncased": build_bert}


def build_all(root: Path) -> dict[str, Path]:
    """Every stand-in model, one folder each under ``root`` (named after the hub id)."""
    out = {}
    for repo_id, build in BUILDERS.items():
        folder = Path(root) / repo_id.replace("/", "--")
        if not (folder / "config.json").is_file():
            build(folder)
        out[repo_id] = folder
    return out


def build_all_isolated(root: Path, timeout: float = 600) -> dict[str, Path]:
    """:func:`build_all` in a separate Python process: building seeds torch's global random
    generator, which a caller running tests in another thread must not see change."""
    import subprocess
    import sys

    tests = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-m", "standins.models", str(root)], cwd=tests,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"building the stand-in models failed:\n{proc.stderr[-3000:]}")
    return {repo_id: Path(root) / repo_id.replace("/", "--") for repo_id in BUILDERS}


def describe(folder: Path) -> dict:
    """The config fields a test may want to compare against the real model's."""
    return json.loads((Path(folder) / "config.json").read_text())


if __name__ == "__main__":
    import sys

    build_all(Path(sys.argv[1]))
