"""Binder's one-off preparation (run by postBuild): the expensive artefacts, made once into
the image so a learner's first Run All is about as quick as a warm one.

    python binder/prepare.py          # prints what each step took

- the embedded generator: SmolLM2-135M-Instruct de-quantized from its GGUF file;
- the course's mini-BERT, pre-trained on the Python documentation's help topics;
- the generation chapter's panel of judges.
Everything lands in the results store under data/ (or $MLFOOTPRINT_DATA), where the
chapters read it back.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path


def step(name, work):
    start = time.perf_counter()
    work()
    print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)


def main() -> int:
    os.environ.setdefault("MLFOOTPRINT_TEXT_OFFLINE", "1")   # Binder's build has no Hub access to rely on
    from mlfootprint import textmodels as tm
    from mlfootprint.course import generation as course_gen
    from mlfootprint.mnist import load_mnist
    from mlfootprint.paths import data_dir
    from mlfootprint import quality

    before = _size(data_dir())
    step("SmolLM2 converted from GGUF", lambda: tm.load_model(task="generation", verbose=False))
    step("mini-BERT pre-trained", lambda: tm.course_minibert(progress=False))
    data = load_mnist(**course_gen.DATA, verbose=False)
    step("judges trained", lambda: quality.load_panel(data, course_gen.JUDGES, threads=course_gen.THREADS))
    print(f"data/ grew by {(_size(data_dir()) - before) / 1e6:.0f} MB", flush=True)
    return 0


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


if __name__ == "__main__":
    sys.exit(main())
