"""The text chapter teaches: the visible cell that measures one answer is the one whose
setting a learner edits, and editing it changes what the cell prints."""

from __future__ import annotations

import re
from pathlib import Path

import jupytext

from book_pages import printed_by_cells

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "text.md"
VISIBLE = "tm.generate(gen_lm, ct.PROMPT, 32,"


def _cells():
    cells = [c for c in jupytext.read(CHAPTER).cells if c.cell_type == "code"]
    load = next(c for c in cells if "tm.load_model(task=\"generation\"" in c.source)
    one = next(c for c in cells if VISIBLE in c.source)
    for cell in (load, one):
        assert not {"hide-input", "remove-cell", "remove-input"} & set(cell.metadata.get("tags", [])), \
            "the cells that load and measure must be visible"
    return cells[0], load, one


def test_changing_the_visible_token_count_changes_the_printed_figures(tmp_data, monkeypatch):
    setup, load, one = _cells()
    # the generator's line of the visible loading cell (the mini-BERT is not needed here)
    load_generator = next(line for line in load.source.splitlines() if line.startswith("gen_lm = "))
    edited = one.source.replace(VISIBLE, "tm.generate(gen_lm, ct.PROMPT, 4,")
    before, after = printed_by_cells([setup.source, load_generator, one.source, edited],
                                     tmp_data, monkeypatch)[2:]
    assert "32 new tokens:" in before and "4 new tokens:" in after
    energy = lambda text: re.search(r"new tokens: [^,]+, ([\d.,]+ \w?J)", text).group(1)  # noqa: E731
    assert energy(before) and energy(after)
    assert len(before.splitlines()[0]) > len(after.splitlines()[0]), "fewer tokens, a shorter answer"
