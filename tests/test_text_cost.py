"""What text queries cost: measurements record the threads they used, the headline ratio splits
into passes and size exactly, the mitigation measures both sides, and the sentences follow the
numbers both ways."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from factories import measurement
from mlfootprint import published
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


def test_the_prompt_pass_reads_the_prompt_once(tmp_data, gpt):
    scored = tm.score_prompt(gpt, "The if statement is")
    assert scored["n_tokens"] == len(gpt.tokenizer("The if statement is")["input_ids"])
    assert scored["mean_log_prob"] <= 0
    rec = tm.measure_prompt_pass(gpt, "The if statement is", threads=1, **QUICK)
    assert rec.settings["n_tokens"] == scored["n_tokens"] and rec.energy_j > 0


def test_line_fit_recovers_a_slope():
    fake = [SimpleNamespace(settings={"n_tokens": n}, energy_j=2.0 + 0.5 * n) for n in (4, 8, 16)]
    fit = tm.fit_energy_per_token(fake)
    assert fit.slope_j_per_token == pytest.approx(0.5) and fit.intercept_j == pytest.approx(2.0)
    with pytest.raises(ValueError):
        tm.fit_energy_per_token(fake[:1])


# ---------------------------------------------------------------------------- the two causes
def _rec(energy_j, name, params, **settings):
    return measurement(energy_j=energy_j, settings={"model": {"name": name, "n_parameters": params},
                                                    **settings})


def _breakdown(gen_j, pass_j, fill_j, gen_params=135e6, fill_params=1e6):
    gen = _rec(gen_j, "G (embedded)", gen_params, prompt="p", n_tokens=32)
    one = _rec(pass_j, "G (embedded)", gen_params, prompt="p", n_tokens=5)
    fill = _rec(fill_j, "F", fill_params, n_tokens=12)
    return tm.QueryBreakdown(gen, one, fill)


def test_the_headline_ratio_is_passes_times_size_exactly():
    b = _breakdown(64.0, 4.0, 0.5)
    assert b.passes_factor == pytest.approx(16.0) and b.size_factor == pytest.approx(8.0)
    assert b.passes_factor * b.size_factor == pytest.approx(b.total, rel=1e-12)
    assert b.per_token_factor == pytest.approx(0.5)
    assert list(b.table()["forward passes"]) == [1, 1, 32]


def test_the_breakdown_refuses_records_of_different_models_or_prompts():
    gen = _rec(64.0, "G", 10, prompt="p", n_tokens=32)
    with pytest.raises(ValueError, match="same model"):
        tm.QueryBreakdown(gen, _rec(4.0, "H", 10, prompt="p", n_tokens=5), _rec(1.0, "F", 1))
    with pytest.raises(ValueError, match="same prompt"):
        tm.QueryBreakdown(gen, _rec(4.0, "G", 10, prompt="q", n_tokens=5), _rec(1.0, "F", 1))
    with pytest.raises(ValueError, match="which model"):
        tm.QueryBreakdown(gen, _rec(4.0, "G", 10, prompt="p", n_tokens=5), measurement())


@pytest.mark.parametrize("gen_j, pass_j, fill_j, larger, size_word", [
    (64.0, 4.0, 2.0, "The number of forward passes weighs more", "costs 2×"),   # passes 16×, size 2×
    (8.0, 4.0, 0.01, "The size of the model weighs more", "costs 400×"),       # passes 2×, size 400×
    (8.0, 0.5, 1.0, "The number of forward passes weighs more", "costs only 0.5×"),  # cheaper pass
    (64.0, 4.0, 0.25, "Neither cause dominates", "costs 16×"),                # 16× and 16×
])
def test_the_breakdown_sentences_follow_the_numbers(gen_j, pass_j, fill_j, larger, size_word):
    text = tm.breakdown_text(_breakdown(gen_j, pass_j, fill_j))
    assert larger in text and size_word in text


@pytest.mark.parametrize("a, b, expected", [
    (135e6, 1e6, "has 135× the parameters of"),
    (124e6, 110e6, "about the same size"),
    (1e6, 110e6, "fewer parameters than"),
])
def test_the_size_sentence_is_chosen_by_the_counts(a, b, expected):
    assert expected in tm.size_comparison(a, b, "A (x)", "B")


@pytest.mark.parametrize("params, expected", [
    (1_000_000, "fewer parameters than BERT-base, so its cost per query is lower"),
    (published.BERT_BASE["n_parameters"], "about the size of BERT-base"),
    (published.BERT_BASE["n_parameters"] * 3, "the parameters of BERT-base, so its cost per query is higher"),
])
def test_the_bert_base_sentence_uses_the_published_size(params, expected):
    assert expected in tm.bert_base_text(params, "F (y)")


@pytest.mark.parametrize("gen_j, fill_j, word", [(64.0, 0.5, "the same ordering"),
                                                  (0.1, 0.5, "the opposite ordering")])
def test_the_published_comparison_says_whether_the_orderings_agree(gen_j, fill_j, word):
    text = tm.published_ordering_text(_breakdown(gen_j, gen_j / 8, fill_j))
    assert word in text and "Power Hungry Processing" in text


@pytest.mark.parametrize("load_j, expected", [(500.0, "as much energy as 100 of its queries"),
                                               (1.0, "0.2× the energy of one of its queries")])
def test_the_load_sentence_follows_the_numbers(load_j, expected):
    text = tm.load_text(measurement(energy_j=load_j), measurement(energy_j=5.0), "G (z)")
    assert expected in text and "GGUF" not in text
    first = tm.load_text(measurement(energy_j=load_j), measurement(energy_j=5.0), "G (z)",
                         first=measurement(energy_j=50.0))
    assert "first time, from its GGUF file, cost as much as 10 queries" in first


def test_the_threads_sentence_comes_from_the_records():
    one, two = measurement(), measurement()
    one.threads, two.threads = 1, 1
    assert tm.threads_text([one, two]) == "every measurement on this page ran on one CPU thread"
    two.threads = 2
    assert "1 and 2 CPU threads" in tm.threads_text([one, two])


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
    again = tm.measure_mitigation(gpt, kind, prompts, 4, threads=1, **QUICK)
    assert again.to_dict() == m.to_dict()                             # cached, outputs included
    assert tm.Mitigation.from_dict(m.to_dict()).to_dict() == m.to_dict()


def test_a_stored_mitigation_with_wrong_contents_is_refused():
    with pytest.raises(ValueError, match="not a Mitigation"):
        tm.Mitigation.from_dict({"kind": "batching"})


def _mitigation(before_j, after_j, outputs_after):
    return tm.Mitigation("batching", "one query at a time", "all queries in one batch",
                         measurement(energy_j=before_j), measurement(energy_j=after_j),
                         ["p", "q"], 8, ["a b", "c d"], outputs_after)


@pytest.mark.parametrize("before_j, after_j, outputs, expected", [
    (2.0, 1.0, ["a b", "c d"], ["50% less energy per token", "identical"]),
    (1.0, 2.0, ["a b", "c d"], ["100% more energy per token", "identical"]),
    (1.0, 1.01, ["a b", "c x"], ["about the same energy per token", "changed for 1 of the 2"]),
])
def test_the_mitigation_sentence_follows_the_numbers(before_j, after_j, outputs, expected):
    m = _mitigation(before_j, after_j, outputs)
    text = tm.mitigation_text(m)
    assert all(e in text for e in expected), text
    assert m.same_output == (outputs == ["a b", "c d"])
    if not m.same_output:
        assert m.changes() == [{"prompt": "q", "before": "c d", "after": "c x", "first_difference": 2}]


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
    one = tm.measure_prompt_pass(gpt, "The if", threads=1, **QUICK)
    for model in (gpt.model, bert.model):
        monkeypatch.setattr(model, "forward", lambda *a, **k: pytest.fail("the model ran"))
    assert tm.measure_generation(gpt, "The if", 3, threads=1, **QUICK).to_dict() == first.to_dict()
    assert tm.measure_fill_mask(bert, "The [MASK] statement.", threads=1, **QUICK).to_dict() == fill.to_dict()
    assert tm.measure_prompt_pass(gpt, "The if", threads=1, **QUICK).to_dict() == one.to_dict()


def test_greedy_examples_are_stored(tmp_data, gpt, monkeypatch):
    first = tm.greedy_examples(gpt, ["The if", "A function"], 4)
    assert [e.new_text for e in first] == [tm.generate(gpt, p, 4).new_text for p in ("The if", "A function")]
    monkeypatch.setattr(gpt.model, "forward", lambda *a, **k: pytest.fail("the model ran"))
    assert [e.to_dict() for e in tm.greedy_examples(gpt, ["The if", "A function"], 4)] == \
        [e.to_dict() for e in first]
