"""English prose available offline, for pre-training the course's small masked LM: the help
text of the Python language reference shipped with every Python (:mod:`pydoc_data.topics`,
what ``help("if")`` prints), (c) Python Software Foundation, under the **PSF License
Agreement** (https://docs.python.org/3/license.html). Only the prose is kept, split into
sentences, each once; every ``holdout_every``-th is held out for evaluation (same style,
never seen in training)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydoc_data import topics

from .checks import integer

CORPUS_NAME = "Python language reference help topics (pydoc_data.topics)"
CORPUS_LICENCE = "PSF License Agreement (Python documentation), (c) Python Software Foundation"

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


@dataclass
class Corpus:
    name: str
    licence: str
    train: list[str]
    heldout: list[str]
    n_words: int
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (f"{self.name}: {self.n_words:,} words of prose, {len(self.train):,} training and "
                f"{len(self.heldout):,} held-out sentences. Licence: {self.licence}.")


def _prose_paragraphs(text: str) -> list[str]:
    """Paragraphs of prose: code, grammar rules and underlines end a paragraph and are dropped."""
    paragraphs = [[]]
    for line in text.splitlines():
        stripped = line.strip()
        is_code = line.startswith("   ") or "::=" in line or line.startswith(">>>")
        if not stripped or is_code or set(stripped) <= set("*=-~^\"'"):
            paragraphs.append([])
        else:
            paragraphs[-1].append(stripped)
    return [" ".join(p) for p in paragraphs if p]


def sentences_from_text(text: str, min_words: int = 5) -> list[str]:
    """Prose sentences of at least ``min_words`` words found in ``text``."""
    out = []
    for para in _prose_paragraphs(text):
        for sentence in _SENTENCE_END.split(para):
            sentence = re.sub(r"\s+", " ", sentence).strip()
            if len(sentence.split()) >= min_words:
                out.append(sentence)
    return out


def load_corpus(holdout_every: int = 10, min_words: int = 5) -> Corpus:
    """The offline corpus, split into training and held-out sentences."""
    holdout_every = integer("holdout_every", holdout_every, lo=2, hi=1000)
    min_words = integer("min_words", min_words, lo=1, hi=1000)
    # some topics repeat sentences: each is kept once
    sentences = list(dict.fromkeys(s for name in sorted(topics.topics)
                                   for s in sentences_from_text(topics.topics[name], min_words)))
    held = [i % holdout_every == holdout_every - 1 for i in range(len(sentences))]
    return Corpus(CORPUS_NAME, CORPUS_LICENCE, [s for s, h in zip(sentences, held) if not h],
                  [s for s, h in zip(sentences, held) if h], sum(len(s.split()) for s in sentences))
