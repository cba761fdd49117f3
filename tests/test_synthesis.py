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


# --------------------------------------------------------------------- best and tables --
def test_summary_table_in_human_units_with_training_only():
    rows = [summary(model="MLP 12", params=9_550, use_j=0.0123, train_j=78_500, quality=0.91),
            summary("text generation", "SmolLM2", 134_515_008, use_j=25.0, train_j=None)]
    df = synthesis.summary_table(rows)
    assert list(df.columns) == ["Model", "Task", "Parameters", "Training (kJ)",
                                "Per use (J)", "Quality"]
    assert df["Per use (J)"].tolist() == ["0.0123", "25"]      # one unit, no five-digit cell
    assert df["Training (kJ)"].tolist() == ["78.5", "—"]
    assert df["Parameters"].tolist() == ["9,550", "134,515,008"]
    assert df["Quality"].tolist() == ["test acc. 91%", "—"]
    assert not any("e+" in c or "e-" in c for c in df.astype(str).to_numpy().ravel())


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


def test_cleaner_grid_is_computed_and_changes_co2_not_energy():
    r = run("cnn", [0.9, 0.95], 1.0)
    m = synthesis.cleaner_grid(r, to="SWE")
    assert m.how == synthesis.COMPUTED and m.quantity == "co2"
    assert m.after.energy_kwh == m.before.energy_kwh
    expected = 1 - measure.carbon_intensity("SWE").g_per_kwh / m.before.carbon_intensity_g_per_kwh
    assert math.isclose(m.saved, expected, rel_tol=1e-9) and m.verdict is None
    with pytest.raises(ValueError, match="ZZZ"):
        synthesis.cleaner_grid(r, to="ZZZ")


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
    assert all(p["models"] for p in proto.values())
    assert published.POWER_HUNGRY_COMMON["tracking_mode"] == "machine"      # CodeCarbon's default
    bert = published.BERT_BASE
    assert bert["steps"] * bert["sequences_per_step"] * bert["tokens_per_sequence"] == 131_072_000_000


def test_protocol_prompt_has_the_papers_length():
    words = published.POWER_HUNGRY_PROTOCOL["text generation"]["words"]
    assert len(synthesis.prompt_words().split()) == words
    assert len(synthesis.prompt_words(5).split()) == 5
    with pytest.raises(ValueError, match="no held-out sentence"):
        synthesis.prompt_words(10_000)


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
    assert m.verdict is None                     # no pairs kept by the fake: no verdict
    assert "SmolLM2-135M-Instruct" in m.detail and "(embedded)" not in m.detail
    from mlfootprint.course import text as course_text

    monkeypatch.setattr(course_text, "MITIGATION", {"kind": "bf16", "prompts": ("p", "q"), "n_tokens": 4,
                                                    "repeats": 1, "min_seconds": 0})
    m = synthesis.text_generation(LM())
    assert "changed for 1 of 2 prompts" in m.note and m.name == "bf16 weights for text generation"


def test_figures_have_titles_axes_and_plain_ticks():
    from mlfootprint import plots
    from mlfootprint.plots import synthesis as splots

    rows = [summary(model="tiny", params=2_000, use_j=2e-4),
            summary("text generation", "LM", 134_515_008, use_j=50.0, use="answer")]
    fig = splots.cost_vs_parameters(rows, caption="every model")
    alt = plots.alt_text(fig)
    assert alt != plots.UNDESCRIBED and "Energy per use (J)" in alt and "Parameters" in alt
    fig.canvas.draw()
    ticks = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels() + ax.get_xticklabels()]
    assert ticks and not any("e+" in t or "e-" in t or "$" in t for t in ticks)
