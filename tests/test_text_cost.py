"""What text queries cost: measurements record the threads they used, two queries are measured
in interleaved pairs, the mitigation measures both sides in pairs, and the chapter's sentences
follow the course's rule both ways."""

from __future__ import annotations

from pathlib import Path

import jupytext
import numpy as np
import pytest
import torch

from factories import measurement
from mlfootprint import compare, published, units
from mlfootprint import textmodels as tm
from textfixtures import bert, gpt, no_forced_offline, tiny_bert_folder, tiny_gpt2_folder  # noqa: F401

QUICK = dict(repeats=2, min_seconds=0.0)


def test_a_measurement_records_the_threads_it_ran_on(tmp_data, gpt, monkeypatch):
    seen = []
    original = tm.generation.generate

    def spy(*args, **kwargs):
        if kwargs.get("announce") is False:                    # the measured calls
            seen.append(torch.get_num_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(tm.cost, "generate", spy)
    torch.set_num_threads(2)
    try:
        rec = tm.measure_generation(gpt, "The if", 3, threads=1, **QUICK)
        assert torch.get_num_threads() == 2                     # restored afterwards
    finally:
        torch.set_num_threads(1)
    assert seen and set(seen) == {1}                           # the work ran on one thread
    assert rec.threads == rec.settings["threads"] == 1         # and the record says so


def test_measurements_are_cached_per_thread_count(tmp_data, bert):
    one = tm.measure_fill_mask(bert, "The [MASK] statement.", threads=1, **QUICK)
    again = tm.measure_fill_mask(bert, "The [MASK] statement.", threads=1, **QUICK)
    two = tm.measure_fill_mask(bert, "The [MASK] statement.", threads=2, **QUICK)
    assert one.to_dict() == again.to_dict()
    assert two.settings["threads"] == 2 and two.threads == 2


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n_tokens": 0}, ValueError, "n_tokens"), ({"n_tokens": "4"}, TypeError, "n_tokens"),
    ({"n_tokens": 3, "repeats": 0}, ValueError, "repeats"),
    ({"n_tokens": 3, "min_seconds": 1e6}, ValueError, "min_seconds"),
    ({"n_tokens": 3, "threads": 0}, ValueError, "threads"),
])
def test_bad_measurement_settings_name_the_argument(tmp_data, gpt, kwargs, error, match):
    with pytest.raises(error, match=match):
        tm.measure_generation(gpt, "The if", **kwargs)


def test_numpy_token_counts_are_accepted(tmp_data, gpt):
    sweep = tm.token_sweep(gpt, "The if", np.array([2, 3]), progress=False, threads=1, **QUICK)
    assert [r.settings["n_tokens"] for r in sweep] == [2, 3]
    with pytest.raises(ValueError, match="token_counts"):
        tm.token_sweep(gpt, "The if", [], progress=False)


def test_the_prompt_pass_reads_the_prompt_once(gpt):
    scored = tm.score_prompt(gpt, "The if statement is")
    assert scored["n_tokens"] == len(gpt.tokenizer("The if statement is")["input_ids"])
    assert scored["mean_log_prob"] <= 0


# ---------------------------------------------------------------------------- paired queries
ANSWER = dict(kind="generate", prompt="The if", n_tokens=3)
BLANK = dict(kind="fill-mask", text="The [MASK] statement.")
PAIRS = dict(pairs=3, min_seconds=0.0, threads=1)


def test_two_queries_are_measured_in_pairs_per_query_and_kept(tmp_data, gpt, bert, monkeypatch):
    p = tm.measure_pair((gpt, ANSWER), (bert, BLANK), **PAIRS)
    assert len(p.a) == len(p.b) == 3 and all(r.single_run and r.threads == 1 for r in p.a + p.b)
    assert p.a[0].settings["kind"] == "generate" and p.b[0].settings["text"] == BLANK["text"]
    v = p.verdict()
    assert v.n == 3 and v.paired and v.low <= v.ratio <= v.high
    for model in (gpt.model, bert.model):
        monkeypatch.setattr(model, "forward", lambda *a, **k: pytest.fail("the model ran"))
    again = tm.measure_pair((gpt, ANSWER), (bert, BLANK), **PAIRS)      # read back, nothing runs
    assert [r.to_dict() for r in again.a] == [r.to_dict() for r in p.a]


def test_a_load_and_a_prompt_pass_can_be_paired(tmp_data, gpt):
    p = tm.measure_pair((gpt, {"kind": "load"}), (gpt, {"kind": "score", "prompt": "The if"}), **PAIRS)
    assert p.a[0].settings["kind"] == "load" and p.b[0].settings["prompt"] == "The if"


@pytest.mark.parametrize("a, b, error, match", [
    (("gpt", {"kind": "train"}), ("bert", BLANK), ValueError, "kind must be one of"),
    (("gpt", "The if"), ("bert", BLANK), TypeError, "a query is a dict"),
    (("bert", ANSWER), ("bert", BLANK), ValueError, "needs a generation model"),
    (("gpt", BLANK), ("bert", BLANK), ValueError, "needs a fill-mask model"),
    (("gpt", {**ANSWER, "n_tokens": 0}), ("bert", BLANK), ValueError, "n_tokens"),
    (("gpt", ANSWER), ("bert", {"kind": "fill-mask", "text": "no blank"}), ValueError, "no blank"),
])
def test_bad_queries_are_refused_before_any_work(gpt, bert, a, b, error, match):
    models = {"gpt": gpt, "bert": bert}
    with pytest.raises(error, match=match):
        tm.measure_pair((models[a[0]], a[1]), (models[b[0]], b[1]), **PAIRS)


def test_merged_windows_give_the_mean_per_query_and_its_spread():
    windows = [measurement(energy_j=e) for e in (1.0, 2.0, 3.0)]
    m = tm.merged(windows, label="side")
    assert m.label == "side" and m.repeats == 3 and m.energy_j == pytest.approx(2.0)
    assert m.energy_spread["n"] == 3 and m.energy_spread["min"] == pytest.approx(windows[0].energy_kwh)
    with pytest.raises(ValueError, match="one or more"):
        tm.merged([])


# ---------------------------------------------------------------------------- the mitigation
@pytest.mark.parametrize("kind", ["batching", "bf16"])
def test_a_mitigation_measures_both_sides_per_token_and_compares_outputs(tmp_data, gpt, kind):
    prompts = ["The if statement is", "A function", "An object is an instance of"]
    m = tm.measure_mitigation(gpt, kind, prompts, 4, threads=1, **QUICK)
    assert m.before.items_per_repeat % (len(prompts) * 4) == 0       # per generated token
    assert m.before.settings["side"] != m.after.settings["side"]
    assert m.before.threads == m.after.threads == 1
    assert len(m.outputs_before) == len(m.outputs_after) == len(prompts)
    assert m.ratio == pytest.approx(m.j_per_token_before / m.j_per_token_after)
    assert len(m.pairs_before) == len(m.pairs_after) == 2 and m.before.repeats == 2   # 2 pairs
    assert m.verdict().n == 2 and not m.verdict().differs                               # too few pairs
    again = tm.measure_mitigation(gpt, kind, prompts, 4, threads=1, **QUICK)
    assert again.to_dict() == m.to_dict()                             # cached, outputs included
    assert tm.Mitigation.from_dict(m.to_dict()).to_dict() == m.to_dict()


def test_a_stored_mitigation_with_wrong_contents_is_refused():
    with pytest.raises(ValueError, match="not a Mitigation"):
        tm.Mitigation.from_dict({"kind": "batching"})


def test_a_mitigation_not_measured_in_pairs_draws_no_verdict():
    outs = ["a b", "c d"]
    m = tm.Mitigation("batching", "one", "batch", measurement(energy_j=2.0), measurement(energy_j=1.0),
                      ["p", "q"], 8, outs, ["a b", "c x"])
    assert m.changes() == [{"prompt": "q", "before": "c d", "after": "c x", "first_difference": 2}]
    with pytest.raises(ValueError, match="not measured in pairs"):
        m.verdict()


@pytest.mark.parametrize("kwargs, error, match", [
    ({"kind": "pruning"}, ValueError, "kind must be one of"),
    ({"prompts": "one prompt"}, ValueError, "prompts must be a non-empty list"),
    ({"prompts": []}, ValueError, "prompts"),
    ({"n_tokens": 0}, ValueError, "n_tokens"),
])
def test_bad_mitigation_arguments_name_the_argument(gpt, kwargs, error, match):
    args = {"kind": "batching", "prompts": ["The if"], "n_tokens": 2, **kwargs}
    with pytest.raises(error, match=match):
        tm.measure_mitigation(gpt, **args)


def test_a_stored_measurement_runs_no_model(tmp_data, gpt, bert, monkeypatch):
    first = tm.measure_generation(gpt, "The if", 3, threads=1, **QUICK)
    fill = tm.measure_fill_mask(bert, "The [MASK] statement.", threads=1, **QUICK)
    for model in (gpt.model, bert.model):
        monkeypatch.setattr(model, "forward", lambda *a, **k: pytest.fail("the model ran"))
    assert tm.measure_generation(gpt, "The if", 3, threads=1, **QUICK).to_dict() == first.to_dict()
    assert tm.measure_fill_mask(bert, "The [MASK] statement.", threads=1, **QUICK).to_dict() == fill.to_dict()


def test_greedy_examples_are_stored(tmp_data, gpt, monkeypatch):
    first = tm.greedy_examples(gpt, ["The if", "A function"], 4)
    assert [e.new_text for e in first] == [tm.generate(gpt, p, 4).new_text for p in ("The if", "A function")]
    monkeypatch.setattr(gpt.model, "forward", lambda *a, **k: pytest.fail("the model ran"))
    assert [e.to_dict() for e in tm.greedy_examples(gpt, ["The if", "A function"], 4)] == \
        [e.to_dict() for e in first]


# ---------------------------------------------------------------------------- the chapter's sentences
BOOK = Path(__file__).resolve().parents[1] / "book"
APART = ([10.0, 11.0, 12.0, 10.5], [1.0, 1.05, 1.1, 1.0])       # ten times, tight: differs
CLOSE = ([1.0, 1.3, 0.8, 1.1], [1.0, 1.0, 1.0, 1.0])            # inside the noise: cannot be told apart


def _wording(cost_a, cost_b, changed=False):
    """Run the chapter's cells tagged "wording" on synthetic verdicts, return what they glued."""
    glued = {}
    v = compare.verdict(*(cost_a, cost_b))
    mitigation = tm.Mitigation("batching", "one", "batch", measurement(), measurement(), ["p", "q"], 8,
                               ["a", "b"], ["a", "x" if changed else "b"])
    ns = dict(units=units, published=published, say=lambda name, text: glued.__setitem__(name, str(text)),
              v_main=v, v_passes=v, v_size=v, per_token=v, weight=v, v_batch=v, v_load=v,
              answer={"n_tokens": 32}, gen="G", fill="F", batching=mitigation, first=measurement(energy_j=5.0))
    nb = jupytext.read(BOOK / "text.md")
    cells = [c for c in nb.cells if "wording" in c.metadata.get("tags", [])]
    assert len(cells) >= 5
    for cell in cells:
        exec(cell.source, ns)
    return glued


def test_the_chapter_says_costs_more_only_when_the_rule_says_so():
    glued = _wording(*APART)
    assert "One answer of 32 new tokens from G costs 10× (" in glued["main_text"]
    assert "the energy of one fill-in-the-blank query of F" in glued["main_text"]
    assert "over 4 pairs" in glued["main_text"] and "cannot be told apart" not in glued["main_text"]
    assert glued["weight_text"].startswith("The number of forward passes weighs more")
    assert "the same ordering as ours" in glued["published_text"]
    assert glued["load_text"].startswith("Loading G from disk costs 10×")
    assert "keep models loaded" in glued["load_text"] and "single run" in glued["load_text"]
    assert "identical" in glued["mitigation_text"]
    assert glued["lesson"].startswith("On this machine, one generated answer of 32 new tokens costs 10×")
    assert "More of the gap comes from running one forward pass" in glued["lesson"]


def test_the_chapter_says_cannot_be_told_apart_inside_the_noise():
    glued = _wording(*CLOSE, changed=True)
    for name in ("main_text", "passes_text", "size_text", "mitigation_text", "load_text"):
        assert "cannot be told apart" in glued[name], name
        assert "costs 1.0× the energy" not in glued[name]
    assert "no ordering" in glued["published_text"] and "keep models loaded" not in glued["load_text"]
    assert "changed for 1 of the 2" in glued["mitigation_text"]
    assert glued["lesson"].count("cannot be told apart") == 3


def test_the_chapter_turns_the_ratio_round_when_b_costs_more():
    glued = _wording(APART[1], APART[0])
    assert glued["main_text"].startswith("One fill-in-the-blank query of F costs 10× (9.")
    assert "the energy of one answer" in glued["main_text"]
    assert "0.1" not in glued["main_text"] and "the opposite ordering" in glued["published_text"]
