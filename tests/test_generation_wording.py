"""The generation chapter's lesson, built from synthetic results on both sides.

The sentence is written in the chapter (book/generation.md, the function ``lesson``); this
test takes that function out of the chapter's cells and feeds it verdicts and judges'
preferences made up here, so that each wording is seen to follow the data, either way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import jupytext
import pytest

from mlfootprint import compare
from mlfootprint.wording import names

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "generation.md"
DEEP, SHALLOW = "CVAE", "PCA"
DEAR = [12.0, 12.5, 11.8, 12.2, 12.1]     # twelve times the other side, pair by pair
CHEAP = [1.0, 1.02, 0.99, 1.01, 1.0]
NOISE = [1.05, 0.96, 1.1, 0.93, 1.0]      # the same work, within the band


def lesson_function():
    namespace = {"DEEP": DEEP, "SHALLOW": SHALLOW, "names": names}
    for cell in (c for c in jupytext.read(CHAPTER).cells if c.cell_type == "code"):
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name == "lesson":
                exec(ast.get_source_segment(source, node), namespace)
                return namespace["lesson"]
    pytest.fail("book/generation.md defines no function lesson")


def v(a, b):
    return compare.verdict(a, b, paired=True)


def test_training_words_follow_the_rule_both_ways():
    lesson = lesson_function()
    same = {1: v(NOISE, CHEAP)}
    deep_dear = lesson(v(DEAR, CHEAP), same, {"worse": [], "better": []}, [])
    assert f"{DEEP} takes 12× the training energy of {SHALLOW}" in deep_dear
    shallow_dear = lesson(v(CHEAP, DEAR), same, {"worse": [], "better": []}, [])
    assert f"{SHALLOW} takes 12× the training energy of {DEEP}" in shallow_dear
    level = lesson(v(NOISE, CHEAP), same, {"worse": [], "better": []}, [])
    assert "cannot be told apart in training energy" in level and "12×" not in level
    too_few = lesson(v(DEAR[:2], CHEAP[:2]), same, {"worse": [], "better": []}, [])
    assert "cannot be told apart in training energy" in too_few


def test_competitive_only_when_the_deep_one_costs_more_and_a_judge_prefers_the_shallow_one():
    lesson = lesson_function()
    same = {1: v(NOISE, CHEAP)}
    prefers = {"worse": ["Fréchet distance"], "better": ["recall"]}
    said = lesson(v(DEAR, CHEAP), same, prefers, [])
    assert said.startswith("A cheap shallow generator is competitive")
    assert f"every judge prefers {SHALLOW} on Fréchet distance" in said
    assert f"every judge prefers {DEEP} on recall" in said
    assert "competitive" not in lesson(v(DEAR, CHEAP), same, {"worse": [], "better": ["recall"]}, [])
    assert "competitive" not in lesson(v(NOISE, CHEAP), same, prefers, [])
    assert "competitive" not in lesson(v(CHEAP, DEAR), same, prefers, [])


def test_drawing_words_per_batch_follow_the_rule():
    lesson = lesson_function()
    draws = {1: v([2.5, 2.6, 2.4, 2.5, 2.55], CHEAP), 100: v(NOISE, CHEAP), 10: v(CHEAP, [3.0, 3.1, 2.9, 3.0, 3.0])}
    said = lesson(v(NOISE, CHEAP), draws, {"worse": [], "better": []}, [])
    assert f"one digit per call, {DEEP} costs 2.5× as much as {SHALLOW}" in said
    assert "in batches of 100, the two cannot be told apart here" in said
    assert f"in batches of 10, {SHALLOW} costs 3.0× as much as {DEEP}" in said


def test_fooled_measures_are_named_only_when_there_are_some():
    lesson = lesson_function()
    same = {1: v(NOISE, CHEAP)}
    said = lesson(v(NOISE, CHEAP), same, {"worse": [], "better": []}, ["judge accuracy", "precision"])
    assert said.startswith("The measures can be fooled: judge accuracy and precision can rate")
    assert "fooled" not in lesson(v(NOISE, CHEAP), same, {"worse": [], "better": []}, [])
