"""How well a masked LM fills blanks: each whole word of held-out sentences masked in turn."""

from __future__ import annotations

from typing import Sequence

import torch


def whole_word(tokenizer, token_id: int) -> bool:
    """A token that is a whole alphabetic word (not a piece, punctuation or a special token)."""
    token = tokenizer.convert_ids_to_tokens(token_id)
    return token.isalpha() and not token.startswith("##") and token_id >= 5


def mlm_logits(model, hidden):
    """Vocabulary scores from the masked-LM head for given hidden states (any positions)."""
    head = model.cls if hasattr(model, "cls") else model.lm_head
    return head(hidden)


def frequent_words(tokenizer, data: torch.Tensor, n: int = 5) -> list[int]:
    """The ``n`` most frequent whole-word tokens of ``data`` (the context-blind baseline)."""
    counts = torch.bincount(data.flatten(), minlength=len(tokenizer))
    return [int(i) for i in counts.argsort(descending=True) if whole_word(tokenizer, int(i))][:n]


def _examples(model, tokenizer, sentences: Sequence[str]) -> list[tuple[list[int], int, int]]:
    """(masked ids, blank position, right token) for each whole word of each sentence."""
    examples = []
    for sentence in sentences:
        ids = tokenizer(sentence, truncation=True, max_length=model.config.max_position_embeddings)["input_ids"]
        for pos in range(1, len(ids) - 1):
            nxt = tokenizer.convert_ids_to_tokens(ids[pos + 1])
            if whole_word(tokenizer, ids[pos]) and not nxt.startswith("##"):
                masked = list(ids)
                masked[pos] = tokenizer.mask_token_id
                examples.append((masked, pos, ids[pos]))
    if not examples:
        raise ValueError("no whole words to mask in the evaluation sentences")
    return examples


def _top5_hits(model, tokenizer, chunk, words: torch.Tensor) -> tuple[int, int]:
    width = max(len(e[0]) for e in chunk)
    ids = torch.full((len(chunk), width), tokenizer.pad_token_id, dtype=torch.long)
    att = torch.zeros_like(ids)
    for i, (masked, _, _) in enumerate(chunk):
        ids[i, :len(masked)] = torch.tensor(masked)
        att[i, :len(masked)] = 1
    hidden = model.base_model(input_ids=ids, attention_mask=att).last_hidden_state
    rows = torch.arange(len(chunk))
    pos = torch.tensor([e[1] for e in chunk])
    # the vocabulary scores only at the blanks (same numbers as model(...).logits there)
    logits = mlm_logits(model, hidden[rows, pos])
    best = logits.masked_fill(~words, float("-inf")).topk(5, dim=-1).indices
    target = torch.tensor([e[2] for e in chunk])
    return int((best[:, 0] == target).sum()), int((best == target[:, None]).any(dim=1).sum())


def evaluate_masked_words(model, tokenizer, sentences: Sequence[str], baseline_ids: Sequence[int],
                          batch_size: int = 256) -> dict:
    """Mask each whole word (one token, alphabetic) of each sentence in turn; top-1/top-5 accuracy.

    Both the model and the baseline choose among whole-word tokens only (not punctuation or
    word pieces). The baseline always guesses the same ``baseline_ids`` (the most frequent
    words of the training text), which is what a model that ignored the context would do
    at best.
    """
    examples = _examples(model, tokenizer, sentences)
    # the question is "which word goes here": model and baseline both choose among whole words
    words = torch.tensor([whole_word(tokenizer, i) for i in range(len(tokenizer))])
    base = set(int(b) for b in baseline_ids[:5])
    base1 = int(baseline_ids[0])
    examples.sort(key=lambda e: len(e[0]))  # similar lengths together: little padding
    top1 = top5 = 0
    with torch.inference_mode():
        for start in range(0, len(examples), batch_size):
            hit1, hit5 = _top5_hits(model, tokenizer, examples[start:start + batch_size], words)
            top1, top5 = top1 + hit1, top5 + hit5
    n = len(examples)
    return {"n_masked_words": n, "n_sentences": len(sentences), "top1": top1 / n, "top5": top5 / n,
            "baseline_top1": sum(t == base1 for _, _, t in examples) / n,
            "baseline_top5": sum(t in base for _, _, t in examples) / n,
            "baseline_words": tokenizer.convert_ids_to_tokens([int(b) for b in baseline_ids[:5]])}
