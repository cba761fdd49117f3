"""Tiny text models built on the fly for the text tests (each builds in well under a second).

Imported by the test_text*.py modules: ``from textfixtures import *`` brings the fixtures.
WordPiece training is not deterministic: tests assert shapes, types and lengths, not strings.
"""

from __future__ import annotations

import pytest
import torch
import transformers

from mlfootprint import textmodels as tm

SENTENCES = [
    "The if statement is used for conditional execution.",
    "A function returns a value to the caller.",
    "The for statement is used to iterate over the elements of a sequence.",
    "An object is an instance of a class.",
    "The while statement is used for repeated execution as long as an expression is true.",
    "Names refer to objects and are introduced by name binding operations.",
] * 4

# Small enough to pre-train in a second: the course's mini-BERT recipe, shrunk.
SMALL_PRETRAIN = dict(vocab_size=300, hidden=16, layers=1, heads=2, intermediate=32, seq_len=32,
                      batch_size=4, steps=3)


def tiny_bert(folder):
    tok = tm.train_wordpiece(SENTENCES, 120)
    config = transformers.BertConfig(vocab_size=len(tok), hidden_size=16, num_hidden_layers=1,
                                     num_attention_heads=2, intermediate_size=32,
                                     max_position_embeddings=64, pad_token_id=tok.pad_token_id)
    torch.manual_seed(0)
    transformers.BertForMaskedLM(config).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def tiny_gpt2_model():
    """A tiny GPT-2 and its tokenizer, in memory (end-of-text made very unlikely)."""
    tok = tm.train_wordpiece(SENTENCES, 120, bert_template=False)
    config = transformers.GPT2Config(vocab_size=len(tok), n_positions=32, n_embd=16, n_layer=1, n_head=2,
                                     eos_token_id=tok.eos_token_id, bos_token_id=tok.eos_token_id,
                                     pad_token_id=tok.pad_token_id)
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(config)
    with torch.no_grad():  # make end-of-text very unlikely, so lengths can be checked exactly
        model.lm_head.weight[tok.eos_token_id] = 0.0
        model.transformer.wte.weight[tok.eos_token_id] = 0.0
    return model.eval(), tok


def tiny_gpt2(folder):
    model, tok = tiny_gpt2_model()
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(autouse=True)
def no_forced_offline(monkeypatch):
    for name in (tm.OFFLINE_ENV, "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def tiny_bert_folder(tmp_path_factory):
    return tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="module")
def tiny_gpt2_folder(tmp_path_factory):
    return tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture
def unreachable_hub(monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: refused at once


@pytest.fixture(scope="module")
def bert(tiny_bert_folder):
    return tm.load_model(str(tiny_bert_folder), "fill-mask")


@pytest.fixture(scope="module")
def gpt(tiny_gpt2_folder):
    return tm.load_model(tiny_gpt2_folder, "generation")
