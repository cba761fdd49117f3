"""mlfootprint.classify on tiny data: models, parameter counts, training, records, seeding,
settings really used, the store (keys, damaged weights, grid changes) and divergence."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch

from mlfootprint import classify, measure, store
from mlfootprint.classify import CNN, MLP, TrainConfig, count_parameters, training
from mlfootprint.notices import ClippedNotice, FallbackNotice, RecomputeNotice
from mlfootprint.records import TrainedRun


def linear(n_in, n_out):
    return n_in * n_out + n_out


def conv3(c_in, c_out):
    return c_in * c_out * 9 + c_out


# -- parameter counts and arithmetic against hand-computed values ------------------------
@pytest.mark.parametrize("hidden", [(), (12,), (24, 4), (256, 128, 64)])
def test_mlp_parameter_count(hidden):
    widths = [784, *hidden, 10]
    expected = sum(linear(a, b) for a, b in zip(widths, widths[1:]))
    assert count_parameters(MLP(hidden)) == expected == classify.expected_parameters("MLP", hidden)


@pytest.mark.parametrize("channels, side", [((8,), 7), ((32,), 7), ((8, 16), 7), ((32, 32, 32), 3),
                                            ((4, 4, 4, 4), 1), ((4, 4, 4, 4, 4), 1)])
def test_cnn_parameter_count_and_head(channels, side):
    # Blocks halve the image 28 -> 14 -> 7 -> 3 -> 1; a map larger than 7x7 is pooled to 7x7.
    chans = [1, *channels]
    expected = sum(conv3(a, b) for a, b in zip(chans, chans[1:])) + linear(channels[-1] * side * side, 10)
    model = CNN(channels)
    assert count_parameters(model) == expected == classify.expected_parameters("CNN", channels)
    assert model.head_inputs == channels[-1] * side * side <= channels[-1] * classify.HEAD_GRID ** 2
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_multiply_adds_by_hand():
    assert classify.multiply_adds("MLP", (12,)) == 784 * 12 + 12 * 10
    assert classify.multiply_adds("MLP", ()) == 7840
    # CNN 4: a 3x3 conv from 1 to 4 channels at 28x28, pooled to 14x14, pooled to the 7x7 head
    assert classify.multiply_adds("CNN", (4,)) == 1 * 4 * 9 * 28 * 28 + 4 * 7 * 7 * 10
    # CNN 8-16: second conv at 14x14, its 7x7 output goes to the head as is
    assert classify.multiply_adds("CNN", (8, 16)) == 8 * 9 * 784 + 8 * 16 * 9 * 196 + 16 * 49 * 10
    # a CNN does more arithmetic per parameter than an MLP
    assert (classify.multiply_adds("CNN", (8, 16)) / classify.expected_parameters("CNN", (8, 16))
            > 10 * classify.multiply_adds("MLP", (64, 32)) / classify.expected_parameters("MLP", (64, 32)))


@pytest.mark.parametrize("family, sizes, label", [("MLP", (32, 16), "MLP 32-16"), ("CNN", (8, 16), "CNN 8-16"),
                                                  ("MLP", (), "MLP, no hidden layer")])
def test_labels_read_as_a_person_writes_them(family, sizes, label):
    assert classify.model_label(family, sizes) == label
    if sizes:
        assert TrainConfig(family, sizes).label == label


def test_count_parameters_rejects_non_module():
    with pytest.raises(TypeError, match="nn.Module"):
        count_parameters([1, 2, 3])


# -- sizes and settings checked before anything is allocated or run -----------------------
@pytest.mark.parametrize("bad, exc", [([0], ValueError), ([16, -2], ValueError), ([3.5], TypeError),
                                      ("64", TypeError), ([True], TypeError), (None, TypeError)])
def test_bad_sizes_raise_clear_errors(bad, exc):
    with pytest.raises(exc, match="integer|hidden|channels"):
        MLP(bad)
    with pytest.raises(exc, match="integer|channels"):
        CNN(bad)


def test_cnn_needs_at_least_one_layer_but_mlp_may_have_none():
    with pytest.raises(ValueError, match="channels"):
        CNN([])
    with pytest.raises(ValueError, match="sizes"):
        TrainConfig("CNN", ())
    assert count_parameters(MLP([])) == linear(784, 10)


@pytest.mark.parametrize("family, sizes, match", [
    ("MLP", (10 ** 9,), r"(sizes|hidden)\[0\].*65,536"),
    ("CNN", (10 ** 9,), r"(sizes|channels)\[0\].*4,096"),
    ("MLP", (60_000, 60_000), r"(sizes|hidden) \[60000, 60000\] would make an MLP of 3,647,760,010 parameters"),
    ("MLP", (4,) * 40, r"(sizes|hidden).*0 to 32"),
])
def test_absurd_sizes_are_refused_before_anything_is_allocated(monkeypatch, family, sizes, match):
    def no_allocation(*a, **k):
        raise AssertionError("a layer was built before the sizes were checked")

    monkeypatch.setattr(torch.nn.Linear, "__init__", no_allocation)
    monkeypatch.setattr(torch.nn.Conv2d, "__init__", no_allocation)
    with pytest.raises(ValueError, match=match):
        TrainConfig(family, sizes)
    with pytest.raises(ValueError, match=match):
        classify.build_model(family, sizes)


def test_numpy_numbers_are_accepted_and_become_python_numbers():
    c = TrainConfig("MLP", (np.int64(8), np.int32(4)), epochs=np.int64(2), lr=np.float32(0.001),
                    batch_size=np.int16(32), seed=np.uint64(3), n_train=np.int64(256), threads=np.int64(1),
                    val_size=np.int64(10), eval_every=np.int64(1), patience=np.int64(2),
                    min_delta=np.float64(0.01))
    assert c.sizes == (8, 4) and c.epochs == 2 and c.seed == 3 and c.patience == 2
    for name, value in c.settings().items():
        assert type(value).__module__ == "builtins", f"{name} stayed {type(value)}"
    json.dumps(c.settings())


@pytest.mark.parametrize("changes, exc, match", [
    ({"family": "RNN"}, ValueError, "family"), ({"epochs": 0}, ValueError, "epochs"),
    ({"epochs": np.int64(-3)}, ValueError, "epochs"), ({"seed": np.int64(-3)}, ValueError, "seed"),
    ({"batch_size": np.int64(-3)}, ValueError, "batch_size"), ({"lr": -1.0}, ValueError, "lr"),
    ({"lr": float("nan")}, ValueError, "lr"), ({"lr": "fast"}, TypeError, "lr"),
    ({"batch_size": 2.5}, TypeError, "batch_size"), ({"device": "tpu"}, ValueError, "device"),
    ({"source": "web"}, ValueError, "source"), ({"seed": -1}, ValueError, "seed"),
    ({"seed": 2 ** 64}, ValueError, "seed"), ({"optimizer": "lion"}, ValueError, "optimizer"),
    ({"n_train": 0}, ValueError, "n_train"), ({"threads": 0}, ValueError, "threads"),
    ({"epochs": 10 ** 6}, ValueError, "epochs"), ({"n_train": 10 ** 9}, ValueError, "n_train"),
    ({"val_size": -1}, ValueError, "val_size"), ({"val_size": 300, "n_train": 256}, ValueError, "val_size"),
    ({"patience": 2}, ValueError, "val_size"), ({"eval_every": 0}, ValueError, "eval_every"),
    ({"min_delta": 2.0}, ValueError, "min_delta"),
    ({"batch_size": 10 ** 6, "sizes": (4096,)}, ValueError, "batch_size"),
])
def test_bad_config_raises_at_once_naming_the_setting(changes, exc, match):
    base = dict(family="MLP", sizes=(8,))
    with pytest.raises(exc, match=match):
        TrainConfig(**(base | changes))


def test_with_refuses_unknown_settings():
    with pytest.raises(TypeError, match="epoch"):
        TrainConfig("MLP", (8,)).with_(epoch=3)


def test_device_choice_falls_back_loudly():
    assert classify.choose_device("cpu") == (torch.device("cpu"), None)
    with pytest.raises(ValueError, match="device"):
        classify.choose_device("gpu")
    for name in ("cuda", "mps"):
        available = torch.cuda.is_available() if name == "cuda" else classify.models._mps_available()
        if available:
            assert classify.choose_device(name) == (torch.device(name), None)
            continue
        with pytest.warns(FallbackNotice, match=name):
            device, note = classify.choose_device(name)
        assert device.type == "cpu" and "CPU" in note


# -- training -----------------------------------------------------------------------------
def tiny(family="MLP", sizes=(16,), **kw):
    settings = dict(epochs=1, source="bundled", n_train=256, n_test=128, eval_train_size=128,
                    batch_size=32, lr=3e-3) | kw
    return TrainConfig(family, sizes, **settings)


@pytest.mark.parametrize("family, sizes", [("MLP", (16,)), ("CNN", (4,))])
def test_one_epoch_lowers_the_loss_and_records_training_apart(tmp_data, family, sizes):
    config = tiny(family, sizes)
    data = classify.data_for(config)
    torch.manual_seed(config.seed)
    untrained = classify.build_model(family, sizes)
    sample = classify.fixed_train_sample(len(data.y_train), config.eval_train_size)
    loss_before, _ = classify.evaluate(untrained, data.x_train[sample], data.y_train[sample])
    run = classify.train_classifier(config, progress=False, cache=False)
    assert isinstance(run, TrainedRun) and run.label == config.label
    (epoch,) = run.history
    assert epoch["train_loss"] < loss_before and epoch["test_loss"] < loss_before
    # training and evaluation are two different measurements, each the sum of its windows
    assert run.training.windows == 1 and run.evaluation.windows == 1
    assert run.training.label.endswith("training") and run.evaluation.label.endswith("evaluation")
    assert run.training.energy_kwh == pytest.approx(epoch["train_energy_kwh"], rel=1e-12)
    assert run.evaluation.energy_kwh == pytest.approx(epoch["eval_energy_kwh"], rel=1e-12)
    assert run.training.duration_s == pytest.approx(epoch["train_time_s"], rel=1e-12)
    assert len(run.extra["test_predictions"]) == 128 and run.data["eval_train_size"] == 128
    assert run.n_parameters == classify.expected_parameters(family, sizes)


def test_history_holds_no_co2(tmp_data):
    run = classify.train_classifier(tiny(epochs=2), progress=False, cache=False)
    for row in run.history:
        assert not [k for k in row if "emission" in k or "co2" in k.lower()]
    stored = json.dumps(run.to_dict())
    assert "emissions" not in stored


def test_training_is_the_sum_of_its_epoch_windows(tmp_data):
    run = classify.train_classifier(tiny(epochs=3), progress=False, cache=False)
    windows = classify.epoch_windows(run, "train")
    again = measure.combine(windows, label="again")
    assert again.energy_kwh == pytest.approx(run.training.energy_kwh, rel=1e-12)
    assert again.ram_energy_kwh == pytest.approx(run.training.ram_energy_kwh, rel=1e-12)
    assert again.duration_s == pytest.approx(run.training.duration_s, rel=1e-12)
    assert run.training.windows == 3 and run.evaluation.windows == 3
    assert run.training.single_run and "Single run" in run.training.method_repeats()


def test_same_seed_same_numbers_other_seed_other_numbers(tmp_data):
    a = classify.train_classifier(tiny(epochs=2), progress=False, cache=False)
    b = classify.train_classifier(tiny(epochs=2), progress=False, cache=False)
    c = classify.train_classifier(tiny(epochs=2, seed=1), progress=False, cache=False)
    keys = ("train_loss", "test_loss", "train_acc", "test_acc", "train_loss_running")
    assert [[e[k] for k in keys] for e in a.history] == [[e[k] for k in keys] for e in b.history]
    assert a.extra["test_predictions"] == b.extra["test_predictions"]
    assert [e["train_loss"] for e in a.history] != [e["train_loss"] for e in c.history]


# -- settings recorded are the settings used ----------------------------------------------
@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield 2
    torch.set_num_threads(before)


def test_recorded_threads_are_the_threads_training_used(tmp_data, two_threads):
    one = classify.train_classifier(tiny(threads=1), progress=False, cache=False)
    assert one.settings["threads"] == one.training.threads == one.evaluation.threads == one.extra["threads"] == 1
    assert torch.get_num_threads() == two_threads   # restored
    asis = classify.train_classifier(tiny(threads=None), progress=False, cache=False)
    assert asis.settings["threads"] == asis.training.threads == asis.extra["threads"] == two_threads


def test_recorded_mode_and_device_are_those_used(tmp_data):
    run = classify.train_classifier(tiny(device="auto"), progress=False, cache=False)
    assert run.settings["tracking_mode"] == run.training.tracking_mode == measure.COURSE_TRACKING_MODE
    assert run.settings["device"] == run.extra["device"] == classify.choose_device("auto")[0].type
    assert run.settings["source"] == run.data["source"] == "bundled"


def test_inference_records_the_threads_it_ran_with(tmp_data, two_threads):
    config = tiny(threads=1)
    m = classify.measure_inference(config, batch_size=16, repeats=1, min_seconds=0.0)
    assert m.threads == m.settings["threads"] == 1
    assert torch.get_num_threads() == two_threads
    assert m.items_per_repeat >= 16 and m.repeats == 1


def test_threads_are_restored_even_when_training_fails(tmp_data):
    before = torch.get_num_threads()
    with pytest.raises(classify.TrainingDiverged):
        classify.train_classifier(tiny(threads=1, lr=1e4), progress=False, cache=False)
    assert torch.get_num_threads() == before


# -- divergence ---------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer, lr", [("adam", 1e4), ("sgd", 1e3)])
def test_divergence_stops_with_a_message_naming_lr_and_stores_nothing(tmp_data, optimizer, lr):
    config = tiny(epochs=3, lr=lr, optimizer=optimizer)
    with pytest.raises(classify.TrainingDiverged, match=rf"diverged.*lr={lr:g}"):
        classify.train_classifier(config, progress=False)
    resolved = classify.resolve(config)[0]
    folder = store.default_store().artefact_folder(classify.NAMESPACE, resolved.settings(), training.CODE)
    assert not folder.exists()
    assert isinstance(classify.train_classifier(tiny(epochs=1), progress=False), TrainedRun)


# -- clipping is announced and recorded ---------------------------------------------------
def test_more_images_than_the_source_has_are_clipped_out_loud(tmp_data):
    config = tiny(n_train=10 ** 6, n_test=50_000, eval_train_size=10 ** 6)
    with pytest.warns(ClippedNotice) as caught:
        run = classify.train_classifier(config, progress=False, cache=False)
    said = " ".join(str(w.message) for w in caught)
    assert "max_train=1,000,000" in said and "max_test=50,000" in said and "eval_train_size" in said
    assert run.settings["n_train"] == run.data["n_train"] == 4000
    assert run.settings["n_test"] == run.data["n_test"] == 1000
    assert run.settings["eval_train_size"] == run.data["eval_train_size"] == 4000
    assert any("max_train=1,000,000" in n for n in run.data["notes"])


# -- validation split, evaluating less often, early stopping --------------------------------
def test_validation_images_are_carved_from_the_training_images(tmp_data):
    config = tiny(val_size=64)
    data = classify.data_for(config)
    parts = classify.split(config, data)
    assert len(parts.y_val) == 64 and len(parts.y_train) == 256 - 64
    rows = lambda x: {bytes(r.numpy().tobytes()) for r in x.reshape(len(x), -1)}  # noqa: E731
    assert rows(parts.x_val) | rows(parts.x_train) == rows(data.x_train)
    assert not rows(parts.x_val) & rows(parts.x_train)
    assert not rows(parts.x_val) & rows(data.x_test)
    run = classify.train_classifier(config, progress=False, cache=False)
    assert run.data["n_val"] == 64 and run.data["n_train"] == 192
    assert run.history[-1]["val_acc"] is not None


def test_evaluating_less_often_trains_the_same_model_and_measures_fewer_evaluations(tmp_data):
    every = classify.train_classifier(tiny(epochs=4), progress=False, cache=False)
    less = classify.train_classifier(tiny(epochs=4, eval_every=4), progress=False, cache=False)
    assert [e["epoch"] for e in classify.evaluated(less)] == [4]
    assert less.evaluation.windows == 1 and every.evaluation.windows == 4
    assert less.training.windows == every.training.windows == 4
    assert less.extra["test_predictions"] == every.extra["test_predictions"]
    assert classify.final_accuracy(less) == classify.final_accuracy(every)
    with pytest.raises(ValueError, match="epochs=2.*not evaluated"):
        classify.upto(less, 2)
    half = classify.train_classifier(tiny(epochs=5, eval_every=2), progress=False, cache=False)
    assert [e["epoch"] for e in classify.evaluated(half)] == [2, 4, 5]


def test_early_stopping_stops_on_the_validation_accuracy(tmp_data):
    # min_delta=1 (100 points) can never be beaten: the second evaluation stops the run
    stopped = classify.train_classifier(tiny(epochs=6, val_size=64, patience=1, min_delta=1.0),
                                        progress=False, cache=False)
    assert len(stopped.history) == 2 and stopped.extra["stopped_early"]
    assert stopped.training.windows == 2 and stopped.evaluation.windows == 2
    full = classify.train_classifier(tiny(epochs=6, val_size=64), progress=False, cache=False)
    assert len(full.history) == 6 and not full.extra["stopped_early"]
    # the stopped run is the full run's first two epochs
    assert [e["val_acc"] for e in stopped.history] == [e["val_acc"] for e in full.history[:2]]


# -- reading runs ---------------------------------------------------------------------------
def test_upto_and_totals(tmp_data):
    run = classify.train_classifier(tiny(epochs=3), progress=False, cache=False)
    cut = classify.upto(run, 2)
    assert [e["epoch"] for e in cut.history] == [1, 2]
    assert "test_predictions" not in cut.extra and classify.upto(run, 3) is run
    h = run.history
    assert cut.training.energy_kwh == pytest.approx(h[0]["train_energy_kwh"] + h[1]["train_energy_kwh"], rel=1e-12)
    assert cut.evaluation.energy_kwh == pytest.approx(h[0]["eval_energy_kwh"] + h[1]["eval_energy_kwh"], rel=1e-12)
    t3 = classify.totals(run)
    assert t3["energy_kwh"] == pytest.approx(sum(e["train_energy_kwh"] + e["eval_energy_kwh"] for e in h), rel=1e-12)
    assert t3["emissions_kg"] == pytest.approx(t3["energy_kwh"] * measure.carbon_intensity().g_per_kwh / 1000,
                                               rel=1e-9)
    assert t3["test_acc"] == h[-1]["test_acc"]
    with pytest.raises(ValueError, match="epochs"):
        classify.upto(run, 4)
    with pytest.raises(TypeError, match="epochs"):
        classify.upto(run, 1.5)
    with pytest.raises(TypeError, match="TrainedRun"):
        classify.totals({"history": []})


# -- the store: keys, reuse, the grid, damaged weights ----------------------------------------
def test_cache_key_changes_with_every_setting(tmp_data):
    base = tiny()
    rs = store.ResultStore()
    key = lambda cfg: rs.key(classify.NAMESPACE, cfg.settings(), code=training.CODE)  # noqa: E731
    other = {"family": "CNN", "sizes": (17,), "epochs": 2, "lr": 1e-2, "batch_size": 16, "seed": 3,
             "source": "torchvision", "n_train": 100, "n_test": 50, "eval_train_size": 64,
             "device": "cuda", "optimizer": "sgd", "threads": 2, "val_size": 10, "eval_every": 2,
             "patience": 3, "min_delta": 0.01}
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    assert set(other) == fields, "every TrainConfig field must be tested here"
    keys = {key(base)}
    for name, value in other.items():
        changes = {name: value} | ({"val_size": 10} if name == "patience" else {})
        keys.add(key(base.with_(**changes)))
    assert len(keys) == 1 + len(other)
    assert key(base) == key(tiny())


def test_stored_run_is_reused_and_weights_reload(tmp_data, monkeypatch):
    config = tiny()
    first = classify.train_classifier(config, progress=False)

    def boom(*a, **k):
        raise AssertionError("should have come from the store")

    monkeypatch.setattr(training, "_fit", boom)
    again = classify.train_classifier(config, progress=False)
    assert again.to_dict() == first.to_dict()
    model, run = classify.load_trained(config, progress=False)
    data = classify.data_for(config)
    assert classify.predict(model, data.x_test).tolist() == run.extra["test_predictions"]
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        classify.predict(model, data.x_test[:, 0])


def test_another_grid_reruns_nothing_and_scales_co2_exactly(tmp_data, monkeypatch):
    config = tiny()
    monkeypatch.setattr(measure.grid, "_country", None)
    monkeypatch.setenv(measure.COUNTRY_ENV, "USA")
    usa = classify.train_classifier(config, progress=False)
    monkeypatch.setattr(training, "_fit", lambda *a, **k: (_ for _ in ()).throw(AssertionError("re-ran")))
    monkeypatch.setenv(measure.COUNTRY_ENV, "FRA")
    fra = classify.train_classifier(config, progress=False)
    assert fra.training.energy_kwh == usa.training.energy_kwh
    assert fra.evaluation.energy_kwh == usa.evaluation.energy_kwh
    ratio = measure.carbon_intensity("FRA").g_per_kwh / measure.carbon_intensity("USA").g_per_kwh
    assert fra.training.emissions_kg == pytest.approx(usa.training.emissions_kg * ratio, rel=1e-9)
    assert classify.totals(fra)["emissions_kg"] == pytest.approx(classify.totals(usa)["emissions_kg"] * ratio,
                                                                 rel=1e-9)
    assert fra.training.country_iso == "FRA"


def test_training_code_writes_no_files(tmp_data):
    classify.data_for(tiny())       # MNIST's own cache may be written; results may not
    classify.train_classifier(tiny(), progress=False, cache=False)
    assert not (tmp_data / "results").exists()


def _folder(config):
    resolved = classify.resolve(config, verbose=False)[0]
    return store.default_store().artefact_folder(classify.NAMESPACE, resolved.settings(), training.CODE)


def _damage_garbage(weights, other):
    weights.write_bytes(b"this is not a torch file at all" * 10)


def _damage_half(weights, other):
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])


def _damage_empty(weights, other):
    weights.write_bytes(b"")


def _damage_other_model(weights, other):
    weights.write_bytes((other / store.WEIGHTS_FILE).read_bytes())


def _damage_other_model_with_matching_manifest(weights, other):
    """Another model's weights, and a record whose file list was rewritten to match them:
    the sizes and hashes agree, so only loading the weights can tell."""
    weights.write_bytes((other / store.WEIGHTS_FILE).read_bytes())
    record_file = weights.parent / store.RECORD_FILE
    payload = json.loads(record_file.read_text())
    payload["files"] = store.manifest(weights.parent)
    record_file.write_text(json.dumps(payload))


@pytest.mark.parametrize("damage", [_damage_garbage, _damage_half, _damage_empty, _damage_other_model,
                                    _damage_other_model_with_matching_manifest])
def test_damaged_weights_are_named_moved_aside_and_retrained(tmp_data, damage):
    config, other_config = tiny(), tiny(sizes=(8,))
    classify.train_classifier(other_config, progress=False)
    first = classify.train_classifier(config, progress=False)
    folder = _folder(config)
    damage(folder / store.WEIGHTS_FILE, _folder(other_config))
    with pytest.warns(RecomputeNotice, match=folder.name):
        model, run = classify.load_trained(config, progress=False)
    assert list(folder.parent.glob(folder.name + ".corrupt-*")), "the damaged folder was not moved aside"
    data = classify.data_for(config)
    assert classify.predict(model, data.x_test).tolist() == run.extra["test_predictions"] \
        == first.extra["test_predictions"]
    classify.load_trained(config, progress=False)   # and now it loads without a word


def test_a_stored_record_with_wrong_contents_is_moved_aside_and_retrained(tmp_data):
    config = tiny()
    classify.train_classifier(config, progress=False)
    record_file = _folder(config) / store.RECORD_FILE
    payload = json.loads(record_file.read_text())
    payload["result"]["training"]["energy_kwh"] = "lots"
    record_file.write_text(json.dumps(payload))
    with pytest.warns(RecomputeNotice, match="energy_kwh"):
        run = classify.train_classifier(config, progress=False)
    assert isinstance(run.training.energy_kwh, float)


# -- choosing runs, Pareto front, confusion matrix -------------------------------------------
def test_best_cheapest_and_pareto_on_synthetic_runs():
    runs = [classify.synthetic_run("a", [0.80, 0.90], 1.0), classify.synthetic_run("b", [0.9, 0.95], 3.0),
            classify.synthetic_run("c", [0.9, 0.95], 2.0, family="CNN", sizes=(4,)),
            classify.synthetic_run("d", [0.5, 0.85], 5.0)]
    assert classify.best(runs).label == "c"                 # tie on accuracy: the cheaper one
    assert classify.best(runs, "MLP").label == "b"
    assert classify.cheapest(runs, 0.9).label == "a" and classify.cheapest(runs, 0.99) is None
    front = classify.pareto_front([(r.training.energy_kwh, classify.final_accuracy(r)) for r in runs])
    assert [runs[i].label for i in front] == ["a", "c"]
    with pytest.raises(ValueError, match="RNN"):
        classify.best(runs, "RNN")
    with pytest.raises(ValueError, match="min_accuracy"):
        classify.cheapest(runs, 1.5)


def test_pareto_front_and_confusion_matrix():
    pts = [(1.0, 0.90), (2.0, 0.85), (3.0, 0.95), (4.0, 0.95), (0.5, 0.80)]
    assert classify.pareto_front(pts) == [4, 0, 2]
    y = np.array([0, 1, 1, 2, 2, 2])
    p = np.array([0, 1, 2, 2, 1, 1])
    cm = classify.confusion_matrix(y, p)
    assert cm.sum() == 6 and cm[2, 1] == 2 and np.trace(cm) == 3
    assert classify.top_confusions(cm, 2) == [(2, 2, 1), (1, 1, 2)]
    with pytest.raises(ValueError, match="same length"):
        classify.confusion_matrix(y, p[:3])
    with pytest.raises(ValueError, match="pred"):
        classify.confusion_matrix(y, p + 10)


def test_the_sweep_runs_the_chapters_loop(tmp_data):
    """train_classifier measures classify.Training, the loop the chapter shows: same model."""
    config = tiny(epochs=2)
    loop = classify.Training(config)
    for _ in range(config.epochs):
        loop.epoch()
    run = classify.train_classifier(config, progress=False, cache=False)
    assert loop.test_accuracy() == run.history[-1]["test_acc"]
    assert loop.scores()["pred"].tolist() == run.extra["test_predictions"]
