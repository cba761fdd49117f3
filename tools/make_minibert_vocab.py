"""Write the mini-BERT's shipped vocabulary, lib/mlfootprint/textmodels/minibert_vocab.txt.

The vocabulary is trained with tokenizers' WordPiece trainer on the training sentences of the
course's corpus (mlfootprint.corpus), with the size of the course's recipe. That trainer
breaks ties in a different order in every process, so a run of this script gives a slightly
different vocabulary each time: the vocabulary is therefore shipped, and the mini-BERT is
pre-trained on it (bit-for-bit the same model from one build to the next). Running this script
changes the file, hence the mini-BERT's key: the next build pre-trains it again.

    .venv/bin/python tools/make_minibert_vocab.py
"""

from __future__ import annotations

from mlfootprint import corpus
from mlfootprint.textmodels import pretraining


def main() -> None:
    text = corpus.load_corpus(holdout_every=pretraining.DEFAULT_PRETRAIN["holdout_every"])
    tok = pretraining.train_wordpiece(text.train, pretraining.DEFAULT_PRETRAIN["vocab_size"])
    tokens = [t for t, _ in sorted(tok.get_vocab().items(), key=lambda item: item[1])]
    pretraining.VOCAB_FILE.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    print(f"wrote {len(tokens):,} tokens to {pretraining.VOCAB_FILE}")


if __name__ == "__main__":
    main()
