import math

import pytest

from mlfootprint import measure, synthesis


def fake_record(label, accs, train_kwh, eval_kwh, n_params=100):
    history = [{"epoch": i + 1, "test_acc": a, "train_acc": a, "train_energy_kwh": train_kwh,
                "eval_energy_kwh": eval_kwh, "train_emissions_kg": train_kwh * 0.4,
                "eval_emissions_kg": eval_kwh * 0.4, "train_time_s": 1.0, "eval_time_s": 0.1}
               for i, a in enumerate(accs)]
    return {"label": label, "family": "MLP", "n_params": n_params, "history": history}


def test_at_scale_multiplies_and_converts():
    out = synthesis.at_scale(1e-6, queries_per_day=1e6, days=365, countries=("SWE", "POL"))
    assert math.isclose(out["kwh"], 365.0)
    assert math.isclose(out["kg_co2"]["POL"], measure.kwh_to_kg(365.0, "POL"))
    assert out["kg_co2"]["POL"] > out["kg_co2"]["SWE"]
    with pytest.raises(ValueError, match="days"):
        synthesis.at_scale(1e-6, days=0)
    with pytest.raises(ValueError, match="per_inference_kwh"):
        synthesis.at_scale(-1.0)


def test_smaller_model_picks_cheapest_within_tolerance():
    big = fake_record("big", [0.9, 0.95], 10.0, 1.0)
    small = fake_record("small", [0.9, 0.945], 1.0, 0.1)
    bad = fake_record("tiny", [0.5, 0.6], 0.1, 0.01)
    out = synthesis.smaller_model([big, small, bad], tolerance=0.01)
    assert out["before"]["model"] == "big" and out["after"]["model"] == "small"
    assert math.isclose(out["energy_saved"], 1 - 2.2 / 22.0)
    strict = synthesis.smaller_model([big, small, bad], tolerance=0.001)
    assert strict["after"]["model"] == "big" and strict["energy_saved"] == 0.0


def test_early_stopping_stops_on_plateau():
    rec = fake_record("m", [0.5, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9], 1.0, 0.1)
    out = synthesis.early_stopping(rec, patience=2, min_delta=0.001)
    assert out["after"]["epochs"] == 5 and out["before"]["epochs"] == 8
    assert math.isclose(out["energy_saved"], 1 - 5 / 8)
    improving = fake_record("m", [0.1 * i for i in range(1, 9)], 1.0, 0.1)
    assert synthesis.early_stopping(improving)["after"]["epochs"] == 8


def test_evaluate_less_often_keeps_one_evaluation():
    rec = fake_record("m", [0.5, 0.6, 0.7, 0.8], 1.0, 0.5)
    out = synthesis.evaluate_less_often(rec)
    assert math.isclose(out["before"]["energy_kwh"], 6.0)
    assert math.isclose(out["after"]["energy_kwh"], 4.5)
    assert out["after"]["quality"] == out["before"]["quality"]


def test_cleaner_grid_saves_co2_not_energy(monkeypatch):
    monkeypatch.setattr(measure, "_country", "POL")
    out = synthesis.cleaner_grid(2.0, to="SWE")
    assert out["energy_saved"] == 0.0
    assert out["co2_saved"] > 0.8
    with pytest.raises(ValueError, match="unknown country"):
        synthesis.cleaner_grid(1.0, to="ZZZ")


def test_published_figures_have_sources():
    assert {p["task"] for p in synthesis.PUBLISHED} >= {"text generation", "image classification"}
    assert all(p["kwh_per_1000"] > 0 for p in synthesis.PUBLISHED)
    assert "FAccT 2024" in synthesis.PUBLISHED_SOURCE and "A100" in synthesis.PUBLISHED_HARDWARE


def test_against_published_pairs_tasks_and_ratios():
    def summary(task, kwh):
        return synthesis.ModelSummary(task, "m", "f", 10, None, None, "", kwh, kwh * 0.4, "",
                                      "image", "", float("nan"), "bundled")

    best = {"image classification": summary("image classification", 1e-6),
            "text generation": summary("text generation", 1e-5)}
    rows = synthesis.against_published(best)
    assert [r["task"] for r in rows] == ["image classification", "text generation"]
    assert math.isclose(rows[0]["published / ours"], 0.007 / 1e-3)


def test_methods_text_states_the_instrument_once_and_each_protocol():
    _, rec = measure.measure_once(lambda: sum(range(10_000)), label="x")
    assert rec.method().startswith(rec.method_setup().split(" offline tracker.")[0])
    assert rec.cpu_power_source in rec.method_setup() and "RAM" in rec.method_setup()
    assert "no spread" in rec.method_repeats()

    def summary(task):
        return synthesis.ModelSummary(task, "m", "f", 10, None, None, "", 1e-9, 4e-10, "", "image",
                                      "", float("nan"), "bundled", setup=rec.method_setup(),
                                      train_protocol="T-" + task, infer_protocol=rec.method_repeats())

    text = synthesis.methods_text([summary("a"), summary("a"), summary("b")])
    assert text.count(rec.method_setup()) == 1
    assert "T-a" in text and "T-b" in text and text.count("**a**") == 1
