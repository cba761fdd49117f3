"""The classification chapter's sentences and teaching cells.

The sentences are written in the chapter (book/classification.md), in small functions the
data choose the words of. These tests take those functions out of the chapter's code cells
and build each wording from synthetic results on both sides. The last test runs the chapter's
first cells as a learner would in JupyterLab, changes one visible model setting, runs them
again, and checks that the printed figures change.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import jupytext
import pytest
from book_pages import printed_by_cells

from mlfootprint import classify, compare, units

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "classification.md"


def code_cells() -> list:
    return [c for c in jupytext.read(CHAPTER).cells if c.cell_type == "code"]


def chapter_functions(*names: str) -> dict:
    """The chapter's functions ``names``, defined from its own cells (nothing else run)."""
    namespace = {"units": units, "classify": classify, "compare": compare}
    found = {}
    for cell in code_cells():
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name in names:
                found[node.name] = ast.get_source_segment(source, node)
    missing = set(names) - set(found)
    assert not missing, f"the chapter defines no {sorted(missing)}"
    for name in names:
        exec(found[name], namespace)
    return {name: namespace[name] for name in names}


def run(label, test, train=None):
    return classify.synthetic_run(label, test, 1.0, 0.1, train_accs=train)


# -- costs: the comparative words come from the rule ------------------------------------------
@pytest.mark.parametrize("a, b, words", [
    ([3.0, 3.1, 2.9, 3.05, 2.95], [1.0, 1.02, 0.98, 1.01, 0.99], "costs 3.0× as much as"),
    ([1.0, 1.02, 0.98, 1.01, 0.99], [3.0, 3.1, 2.9, 3.05, 2.95], "costs 0.33× as much as"),
    ([1.05, 0.97, 1.1, 0.95, 1.0], [1.0, 1.02, 0.98, 1.01, 0.99], "cannot be told apart, on this machine, from"),
    ([3.0, 3.1], [1.0, 1.02], "cannot be told apart, on this machine, from"),        # too few pairs
])
def test_cost_words_follow_the_rule_both_ways(a, b, words):
    costs = chapter_functions("costs")["costs"]
    assert costs(compare.verdict(a, b, paired=True)) == words


def test_training_words_rest_on_repeats_measured_apart():
    costs = chapter_functions("costs")["costs"]
    apart = compare.verdict([3.0, 2.7, 3.3], [1.0, 1.1, 0.9], paired=False)
    assert apart.differs and costs(apart) == "costs 3.0× as much as"
    noisy = compare.verdict([3.0, 1.0, 5.0], [1.0, 2.5, 0.9], paired=False)
    assert not noisy.differs and costs(noisy).startswith("cannot be told apart")
    single = compare.verdict([3.0], [1.0], paired=False)
    assert not single.differs and costs(single).startswith("cannot be told apart")


@pytest.mark.parametrize("a, b, words", [
    ([0.96, 0.961, 0.958], [0.94, 0.942, 0.939], "is more accurate than"),
    ([0.90, 0.91, 0.905], [0.94, 0.942, 0.939], "is less accurate than"),
    ([0.95, 0.93, 0.94], [0.94, 0.942, 0.939], "is about as accurate as"),
])
def test_accuracy_words_need_every_run_on_one_side(a, b, words):
    assert chapter_functions("accuracy_words")["accuracy_words"](a, b) == words


# -- size and cost: exact counts and the better guide -------------------------------------------
def test_count_words_both_ways():
    ratio_words = chapter_functions("ratio_words")["ratio_words"]
    assert ratio_words(9_098, 242_762, "parameters") == "27× fewer parameters"
    assert ratio_words(120, 100, "multiply-adds per image") == "1.2× as many multiply-adds per image"


@pytest.mark.parametrize("by_ops, by_params, guide", [(0.89, -0.12, "multiply-adds"), (0.2, 0.9, "parameters"),
                                                      (0.80, 0.78, None)])
def test_better_guide_both_ways(by_ops, by_params, guide):
    assert chapter_functions("better_guide")["better_guide"](by_ops, by_params) == guide


# -- learning over epochs: "overfitting" only when test stops rising while training rises ------
@pytest.mark.parametrize("test, train, state, words", [
    ([0.80, 0.91, 0.91, 0.912, 0.91], [0.80, 0.93, 0.96, 0.98, 0.99], "overfitting", "overfits: its training-sample accuracy rose"),
    ([0.80, 0.90, 0.92, 0.93, 0.94], [0.80, 0.93, 0.96, 0.98, 0.99], "rising", "was still learning"),
    ([0.80, 0.95, 0.94, 0.92, 0.90], [0.80, 0.95, 0.95, 0.95, 0.95], "falling", "lost"),
    ([0.80, 0.95, 0.95, 0.95, 0.95], [0.80, 0.997, 1.0, 1.0, 1.0], "learned", "having learned"),
    ([0.80, 0.90, 0.90, 0.902, 0.90], [0.80, 0.92, 0.92, 0.921, 0.92], "capacity", "its size, not the training time"),
])
def test_learning_words_both_ways(test, train, state, words):
    learning_clause = chapter_functions("points", "learning_clause")["learning_clause"]
    s = classify.learning_state(run("MLP 256-64", test, train), last=3)
    assert s["state"] == state
    sentence = learning_clause(s)
    assert words in sentence and sentence.startswith("the MLP 256-64 ") and s["epochs"] == 3
    assert ("overfit" in sentence) == (state == "overfitting"), sentence


def test_a_model_whose_test_accuracy_still_rises_does_not_overfit():
    """The case the issue found: training accuracy far above test, both still rising."""
    s = classify.learning_state(run("MLP 256-128-64", [0.85, 0.90, 0.92, 0.935, 0.942],
                                    [0.88, 0.95, 0.98, 0.995, 1.0]), last=4)
    assert s["state"] == "rising"


def test_learning_state_tolerance_decides_flat():
    flat = run("m", [0.90, 0.902, 0.903], [0.95, 0.952, 0.953])
    assert classify.learning_state(flat, 2)["state"] == "capacity"
    assert classify.learning_state(flat, 2, tolerance=0.001)["state"] == "rising"


# -- the chapter teaches: change a visible setting, the printed figures change ---------------
def _teaching_cells():
    """The hidden set-up cell, the visible cell that builds the model and the visible cell
    that trains and measures it."""
    cells = code_cells()
    build = next(i for i, c in enumerate(cells) if "classify.build_model(" in c.source
                 and "hide-input" not in c.metadata.get("tags", []))
    assert "def train_and_measure" in cells[build + 1].source, "the training cell must follow the build cell"
    return cells[0], cells[build], cells[build + 1]


def test_changing_a_visible_model_setting_changes_the_printed_figures(tmp_data, monkeypatch):
    setup, build, train = _teaching_cells()
    visible = 'classify.TrainConfig("CNN", (8, 16)'
    assert visible in build.source, "the build cell's first line sets the model the test edits"
    edited = build.source.replace(visible, 'classify.TrainConfig("CNN", (4,)')
    out = printed_by_cells([setup.source, build.source, train.source, edited, train.source],
                           tmp_data, monkeypatch)
    before, after = out[1] + out[2], out[3] + out[4]
    assert "CNN 8-16:" in before and "CNN 4:" in after
    figures = lambda text: re.findall(r"[\d,.]+ (?:parameters|J|%)|[\d.]+%", text)  # noqa: E731
    assert figures(before) and figures(after) and figures(before) != figures(after)
    assert "Conv2d(1, 8" in before and "Conv2d(1, 4" in after
    assert os.listdir(tmp_data / "results"), "the measured training was kept in the test's own store"
