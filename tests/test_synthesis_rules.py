"""The synthesis's rules on synthetic results: one "best" per task (the chapter's choice),
one meaning of one use (one query per call, measured in pairs and kept), one unit per
quantity, and the chapter's own sentences on both sides of the rule for "differs"."""

import dataclasses
import math
from pathlib import Path

import jupytext
import pytest
from factories import measurement

from mlfootprint import compare, measure, synthesis, units
from mlfootprint.course import generation as course_generation
from mlfootprint.course import synthesis as course
from mlfootprint.synthesis import ModelSummary

BOOK = Path(__file__).resolve().parent.parent / "book"


def summary(task="image classification", model="m", params=100, use_j=1.0, train_j=50.0, quality=None):
    per_use = measurement(f"{model} use", energy_j=use_j, repeats=3, rel_std=0.1)
    training = measurement(f"{model} training", energy_j=train_j) if train_j is not None else None
    return ModelSummary(task, model, "MLP", params, training, per_use, "use",
                        quality_name="accuracy" if quality is not None else "", quality=quality)


# ----------------------------------------------------------------------- one best per task --
def test_image_generation_is_represented_by_the_chapters_choice_not_by_accuracy():
    deep = course_generation.DEEP
    rows = [summary("image generation", "PCA", quality=0.99), summary("image generation", deep, quality=0.95),
            summary(model="a", quality=0.9), summary(model="b", quality=0.95),
            summary("text generation", "lm", train_j=None)]
    best = synthesis.best_per_task(rows)
    assert best["image generation"][0].model == deep and "chose" in best["image generation"][1]
    assert best["image classification"][0].model == "b" and "most accurate" in best["image classification"][1]
    assert best["text generation"] == (rows[-1], "the only model")
    with pytest.raises(ValueError, match="chosen model of image generation"):
        synthesis.best_per_task([summary("image generation", "PCA"), summary("image generation", "x")])


def test_one_use_is_one_query_per_call_everywhere():
    assert course.INFERENCE["batch_size"] == 1
    assert course.MITIGATIONS["batch_small"] == 1
    assert course.PAIRS["pairs"] >= compare.MIN_PAIRS


# ---------------------------------------------------------------- one unit per quantity --
def test_scale_table_co2_columns_share_one_unit_and_break_even_is_numbers():
    rows = [summary(model="a", use_j=1e-3, train_j=100.0, quality=0.9),
            summary("text generation", "lm", use_j=30.0, train_j=None)]
    df = synthesis.scale_table(rows)
    co2 = [c for c in df.columns if c.startswith("CO₂e")]
    assert len(co2) == len(course.SCALE["countries"]) and len({c.split("(")[-1] for c in co2}) == 1
    assert not any("e+" in c or "e-" in c for c in df.astype(str).to_numpy().ravel())
    out = synthesis.break_even(rows, queries_per_day=100_000)
    assert [b["task"] for b in out] == ["image classification"]          # no training: no break-even
    assert math.isclose(out[0]["uses"], 100_000) and math.isclose(out[0]["seconds"], 86_400)
    with pytest.raises(ValueError, match="queries_per_day"):
        synthesis.break_even(rows, queries_per_day=0)


def test_protocol_table_one_unit_for_published_and_ours_and_two_digit_ratios():
    rows = [synthesis.ProtocolRow("image classification", "image classification", "m", 10, 0.007,
                                  measurement("a", energy_j=0.002)),
            synthesis.ProtocolRow("text generation", "text generation", "lm", 10, 0.047,
                                  measurement("b", energy_j=12.0))]
    df = synthesis.protocol_table(rows)
    pub, ours = [c for c in df.columns if "per 1,000" in c]
    assert pub.split("(")[-1] == ours.split("(")[-1]
    assert df["Published / ours"].tolist() == [units.times(r.ratio) for r in rows]
    assert all(len(x.replace(",", "").rstrip("×").replace(".", "").strip("0")) <= 2
               for x in df["Published / ours"])       # two significant figures


# ------------------------------------------------------------------- measured in pairs --
def test_paired_queries_are_interleaved_per_query_and_kept(tmp_data):
    calls = []
    a = synthesis.Query("A", {"what": "a"}, lambda: calls.append("a"))
    b = synthesis.Query("B", {"what": "b"}, lambda: calls.append("b"), per_call=4)
    p = synthesis.paired(a, b, pairs=3, min_seconds=0.01)
    assert len(p.a) == len(p.b) == 3 and calls
    assert all(r.settings["per_call"] == 1 for r in p.a) and all(r.settings["per_call"] == 4 for r in p.b)
    assert p.b[0].items_per_repeat % 4 == 0                 # per query, not per call
    n = len(calls)
    again = synthesis.paired(a, b, pairs=3, min_seconds=0.01)   # read back: nothing measured
    assert len(calls) == n and again.costs("a") == p.costs("a")
    assert isinstance(again.verdict(), compare.Verdict)
    with pytest.raises(TypeError, match="Query"):
        synthesis.paired(a, "not a query")


def test_size_ends_are_the_fewest_and_most_parameters_of_each_task():
    rows = [summary(model="s", params=10), summary(model="m", params=100), summary(model="l", params=1000),
            summary("text generation", "lm", params=5)]
    ends = synthesis.size_ends(rows)
    assert list(ends) == ["image classification"]
    assert [s.model for s in ends["image classification"]] == ["s", "l"]


# ------------------------------------------------- the chapter's sentences, each side --
def chapter_function(page: str, name: str):
    """A function defined in a code cell of ``book/<page>.md``, run on its own."""
    nb = jupytext.read(BOOK / f"{page}.md")
    source = next(c.source for c in nb.cells if c.cell_type == "code" and f"def {name}(" in c.source)
    code = source[source.index(f"def {name}("):]
    end = code.find("\n\n\n")
    namespace = {"units": units, "synthesis": synthesis, "replace": dataclasses.replace}
    exec(code[:end] if end > 0 else code, namespace)
    return namespace[name]


MORE = compare.verdict([3.0, 3.1, 2.9, 3.0, 3.05], [1.0] * 5)
LESS = compare.verdict([1.0] * 5, [3.0, 3.1, 2.9, 3.0, 3.05])
SAME = compare.verdict([1.0, 1.3, 0.8, 1.1, 0.9], [1.0] * 5)
FEW = compare.verdict([3.0, 3.1], [1.0, 1.0])


@pytest.mark.parametrize("page", ["synthesis", "tour"])
def test_ratio_words_follow_the_rule_on_both_sides(page):
    words = chapter_function(page, "ratio_words")
    assert MORE.differs and LESS.differs and not SAME.differs and not FEW.differs
    assert words(MORE, "answer", "blank") == (f"one answer costs {MORE.times()} as much as one blank "
                                              f"({MORE.interval()})")
    flipped = words(LESS, "answer", "blank")          # the dearer first, its interval turned too
    assert flipped.startswith(f"one blank costs {LESS.times()} as much as one answer")
    assert f"({units.times(1 / LESS.high)} to {units.times(1 / LESS.low)} over 5 pairs)" in flipped
    for v in (SAME, FEW):
        text = words(v, "answer", "blank")
        assert "cannot be told apart" in text and "as much as" not in text
    assert "over 5 pairs" in words(MORE, "a", "b")


def test_mitigation_words_follow_the_rule_and_single_runs_claim_nothing():
    change = chapter_function("synthesis", "change")
    a, b = measurement("a", energy_j=10.0), measurement("b", energy_j=4.0)
    m = synthesis.Mitigation("x", synthesis.MEASURED, "energy", a, b, "A", "B", "do x")
    assert "no saving is claimed" in change(m)
    m.verdict = MORE
    assert change(m).startswith("it saves energy")
    m.verdict = LESS
    assert change(m).startswith("it costs more energy")
    m.verdict = SAME
    assert "cannot be told apart" in change(m) and "saves" not in change(m)
    grid = synthesis.Mitigation("g", synthesis.COMPUTED, "CO₂e", a, a.on_grid("SWE"), "A", "B", "do g",
                                quantity="co2")
    assert "exactly" in change(grid)


def test_the_figure_names_the_size_ends_not_the_cheapest():
    from mlfootprint import plots
    from mlfootprint.plots import synthesis as splots

    rows = [summary(model="small", params=10, use_j=5.0), summary(model="mid", params=100, use_j=0.1),
            summary(model="big", params=1000, use_j=1.0)]
    fig = splots.cost_vs_parameters(rows, caption="every model")
    named = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert named == {"small", "big"}
    assert plots.alt_text(fig) != plots.UNDESCRIBED
    assert measure.COURSE_TRACKING_MODE in {r.per_use.tracking_mode for r in rows}


def test_one_unit_never_needs_five_integer_digits_and_keeps_one_unit():
    col = synthesis.one_unit([1507.0, 0.000782], "kWh", system="Wh")   # BERT-base beside ours
    assert col.unit == "kWh" and col.cells == ("1,507", "0.000782")
    col = synthesis.one_unit([5e-3 / 3.6e6, 80.1 / 3.6e6, None], "kWh", system="J")
    assert col.unit == "J" and col.cells == ("0.005", "80.1", "—")
    col = synthesis.one_unit([1.29, 2816.0], "J")                      # pick_unit's own choice
    assert col.unit == "J" and col.cells == ("1.29", "2,816")
    for values in ([1e-9, 1e3], [3.0, 9e7], [0.5, 0.7]):
        cells = synthesis.one_unit(values, "J").cells
        assert all(len(c.split(".")[0].replace(",", "")) <= 4 for c in cells), cells
