"""Binder's one-off preparation (run by postBuild): everything a chapter's first Run All
would otherwise compute, made once into the image, so a learner's first Run All reads it
back and takes about as long as a warm one.

    python binder/prepare.py            # prints what each step took and what it added

1. the text models the chapters use: from the Hugging Face Hub when it answers (``gpt2``,
   ``bert-base-uncased``, kept in the image's Hub cache), else the embedded ones (SmolLM2
   de-quantized from its GGUF file, the course's mini-BERT), with a notice saying which;
2. the course's mini-BERT: the shipped one, checked (pre-trained here only when it does not
   match this copy of the course);
3. the generation chapter's panel of judges;
4. every chapter executed once, in the book's order, so the results store holds what each
   Run All asks for (the same keys: same code, same settings).

Everything lands in the results store under data/ (or $MLFOOTPRINT_DATA) and the Hub cache,
where the chapters read it back. ``benchmarks/bench_first_run.py`` measures what this adds
(time, disk) and a first Run All with and without it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

BOOK = Path(__file__).resolve().parent.parent / "book"
CHAPTER_TIMEOUT_S = 3600


def step(name, work):
    start = time.perf_counter()
    work()
    print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)


def chapters(book: Path = BOOK) -> list[Path]:
    """The book's pages with code, in reading order (from _toc.yml)."""
    import jupytext
    import yaml

    toc = yaml.safe_load((book / "_toc.yml").read_text())
    names = [toc["root"]] + [entry["file"] for entry in toc.get("chapters", []) if "file" in entry]
    paths = [book / f"{name}.md" for name in names]
    return [p for p in paths if any(c.cell_type == "code" for c in jupytext.read(p).cells)]


def run_chapter(path: Path, timeout: int = CHAPTER_TIMEOUT_S) -> None:
    """Execute one chapter as Run All does (a fresh python3 kernel, in the chapter's folder);
    a cell that fails stops the preparation with the chapter and the error named. Nothing
    is written back."""
    from mlfootprint.lab import execute_chapter

    _, error = execute_chapter(path, timeout)
    if error is not None:
        raise RuntimeError(f"{Path(path).name} failed while being prepared: {error}")


def main() -> int:
    from mlfootprint import quality
    from mlfootprint import textmodels as tm
    from mlfootprint.course import generation as course_gen
    from mlfootprint.mnist import load_mnist
    from mlfootprint.paths import data_dir

    before = _size(data_dir()), _size(_hub_cache())
    for task in ("generation", "fill-mask"):
        step(f"text model for {task}", lambda task=task: _say_model(tm.load_model(task=task)))
    step("mini-BERT (shipped, or pre-trained)", lambda: tm.course_minibert(progress=False))
    data = load_mnist(**course_gen.DATA, verbose=False)
    step("judges trained", lambda: quality.load_panel(data, course_gen.JUDGES, threads=course_gen.THREADS))
    for path in chapters():
        step(f"chapter {path.stem} executed", lambda path=path: run_chapter(path))
    print(f"data/ grew by {(_size(data_dir()) - before[0]) / 1e6:.0f} MB, the Hub cache by "
          f"{(_size(_hub_cache()) - before[1]) / 1e6:.0f} MB", flush=True)
    return 0


def _say_model(lm) -> None:
    print(f"{lm.task}: {lm.describe()}, from {lm.source}", flush=True)


def _hub_cache() -> Path:
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


if __name__ == "__main__":
    sys.exit(main())
