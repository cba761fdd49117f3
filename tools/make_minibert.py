"""Make the mini-BERT the course ships, or check that making it again gives the same bytes.

    .venv/bin/python tools/make_minibert.py           # pre-train (measured), write the shipped folder
    .venv/bin/python tools/make_minibert.py --check   # pre-train again elsewhere, compare digests

The shipped folder is lib/mlfootprint/textmodels/minibert_shipped/: the weights, the tokenizer
and shipped.json (what the model was made from, each file's SHA-256, the pre-training run as
measured here, and where it was made). The book uses it when the course's settings, code,
vocabulary and corpus still match it, and otherwise pre-trains one itself. Run this after a
change to textmodels/pretraining.py or evaluation.py, the vocabulary or the recipe. One thread,
a few minutes. --check exits 1 when the new weights differ from the shipped ones.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from mlfootprint.textmodels import minibert


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="pre-train into a scratch folder and compare with the shipped files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "minibert"
        folder.mkdir()
        result = minibert.make_shipped(folder)
        made = json.loads((folder / minibert.SHIPPED_META).read_text(encoding="utf-8"))
        print(f"pre-trained in {result.record.duration_s:.0f} s on {result.made['cpu']}; "
              f"final loss {result.losses[-1]:.4f}")
        if args.check:
            shipped = json.loads((minibert.SHIPPED / minibert.SHIPPED_META).read_text(encoding="utf-8"))
            same = made["files"] == shipped["files"] and made["made_from"] == shipped["made_from"]
            for name, digest in made["files"].items():
                print(f"{name}: {digest} {'same' if digest == shipped['files'].get(name) else 'DIFFERS'}")
            return 0 if same else 1
        if minibert.SHIPPED.exists():
            shutil.rmtree(minibert.SHIPPED)
        shutil.copytree(folder, minibert.SHIPPED)
        print(f"wrote {minibert.SHIPPED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
