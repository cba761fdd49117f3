"""mlfootprint.classify on tiny data: models, parameter counts, training, seeding, cache keys."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from mlfootprint import classify, store
from mlfootprint.classify import CNN, MLP, TrainConfig, count_parameters


def linear(n_in, n_out):
    return n_in * n_out + n_out


def conv3(c_in, c_out):
    return c_in * c_out * 9 + c_out


# -- parameter counts against hand-computed values ---------------------------------------
@pytest.mark.parametrize("hidden", [(), (12,), (24, 4), (256, 128, 64)])
def test_mlp_parameter_count(hidden):
    widths = [784, *hidden, 10]
    expected = sum(linear(a, b) for a, b in zip(widths, widths[1:]))
    assert count_parameters(MLP(hidden)) == expected


@pytest.mark.parametrize("channels, side", [((8,), 7), ((32,), 7), ((8, 16), 7), ((32, 32, 32), 3),
                                            ((4, 4, 4, 4), 1), ((4, 4, 4, 4, 4), 1)])
def test_cnn_parameter_count_and_head(channels, side):
    # Blocks halve the image 28 -> 14 -> 7 -> 3 -> 1; a map larger than 7x7 is pooled to 7x7.
    chans = [1, *channels]
    expected = sum(conv3(a, b) for a, b in zip(chans, chans[1:])) + linear(channels[-1] * side * side, 10)
    model = CNN(channels)
    assert count_parameters(model) == expected
    assert model.head_inputs == channels[-1] * side * side <= channels[-1] * classify.HEAD_GRID ** 2
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_count_parameters_rejects_non_module():
    with pytest.raises(TypeError, match="nn.Module"):
        count_parameters([1, 2, 3])


# -- bad configurations -------------------------------------------------------------------
@pytest.mark.parametrize("bad, exc", [([0], ValueError), ([16, -2], ValueError), ([3.5], TypeError),
                                      ("64", TypeError), ([True], TypeError), (None, TypeError)])
def test_bad_sizes_raise_clear_errors(bad, exc):
    with pytest.raises(exc, match="integer|positive"):
        MLP(bad)
    with pytest.raises(exc, match="integer|positive"):
        CNN(bad)


def test_cnn_needs_at_least_one_layer_but_mlp_may_have_none():
    with pytest.raises(ValueError, match="empty"):
        CNN([])
    with pytest.raises(ValueError, match="empty"):
        TrainConfig("CNN", ())
    assert count_parameters(MLP([])) == linear(784, 10)


@pytest.mark.parametrize("changes, match", [
    ({"family": "RNN"}, "family"), ({"epochs": 0}, "epochs"), ({"lr": -1.0}, "lr"),
    ({"batch_size": 2.5}, "batch_size"), ({"device": "tpu"}, "device"), ({"source": "web"}, "source"),
    ({"seed": -1}, "seed"), ({"optimizer": "lion"}, "optimizer"), ({"n_train": 0}, "n_train"),
    ({"threads": 0}, "threads"), ({"tracking_mode": "gpu"}, "tracking_mode"),
])
def test_bad_config_raises(changes, match):
    base = dict(family="MLP", sizes=(8,))
    with pytest.raises(ValueError, match=match):
        TrainConfig(**(base | changes))


def test_device_choice_falls_back_loudly(capsys):
    assert classify.choose_device("cpu") == (torch.device("cpu"), None)
    with pytest.raises(ValueError, match="auto, cpu, cuda, mps"):
        classify.choose_device("gpu")
    for name in ("cuda", "mps"):
        device, note = classify.choose_device(name)
        available = torch.cuda.is_available() if name == "cuda" else classify._mps_available()
        if available:
            assert device.type == name and note is None
        else:
            assert device.type == "cpu" and "CPU" in note and name in capsys.readouterr().out


# -- training ------------------------------------------------------------------------------
def tiny(family="MLP", sizes=(16,), **kw):
    settings = dict(epochs=1, source="bundled", n_train=256, n_test=128, eval_train_size=128,
                    batch_size=32, lr=3e-3) | kw
    return TrainConfig(family, sizes, **settings)


@pytest.mark.parametrize("family, sizes", [("MLP", (16,)), ("CNN", (4,))])
def test_one_epoch_lowers_the_loss(tmp_data, family, sizes):
    config = tiny(family, sizes)
    data = classify._load_data(config)
    torch.manual_seed(config.seed)
    untrained = classify.build_model(family, sizes)
    sample = classify.fixed_train_sample(len(data.y_train), config.eval_train_size)
    loss_before, _ = classify.evaluate(untrained, data.x_train[sample], data.y_train[sample])
    record = classify.train_classifier(config, progress=False, cache=False)
    (epoch,) = record["history"]
    assert epoch["train_loss"] < loss_before
    assert epoch["test_loss"] < loss_before
    for key in ("train_time_s", "eval_time_s", "train_energy_kwh", "eval_energy_kwh",
                "train_emissions_kg", "eval_emissions_kg"):
        assert epoch[key] >= 0
    assert epoch["train_measurement"]["settings"]["phase"] == "train"
    assert epoch["eval_measurement"]["settings"]["phase"] == "eval"
    assert len(record["test_predictions"]) == 128
    assert record["data"]["eval_train_size"] == 128


def test_same_seed_same_numbers_other_seed_other_numbers(tmp_data):
    a = classify.train_classifier(tiny(epochs=2), progress=False, cache=False)
    b = classify.train_classifier(tiny(epochs=2), progress=False, cache=False)
    c = classify.train_classifier(tiny(epochs=2, seed=1), progress=False, cache=False)
    keys = ("train_loss", "test_loss", "train_acc", "test_acc", "train_loss_running")
    assert [[e[k] for k in keys] for e in a["history"]] == [[e[k] for k in keys] for e in b["history"]]
    assert a["test_predictions"] == b["test_predictions"]
    assert [e["train_loss"] for e in a["history"]] != [e["train_loss"] for e in c["history"]]


def test_threads_are_restored(tmp_data):
    before = torch.get_num_threads()
    classify.train_classifier(tiny(threads=1), progress=False, cache=False)
    assert torch.get_num_threads() == before


# -- caching -------------------------------------------------------------------------------
def test_cache_key_changes_with_every_setting(tmp_data):
    base = tiny()
    rs = store.ResultStore()
    key = lambda cfg: rs.key(classify.NAMESPACE, cfg.settings(), code=(classify,))  # noqa: E731
    other = {"family": "CNN", "sizes": (17,), "epochs": 2, "lr": 1e-2, "batch_size": 16, "seed": 3,
             "source": "torchvision", "n_train": 100, "n_test": 50, "eval_train_size": 64,
             "device": "cuda", "optimizer": "sgd", "threads": 2, "tracking_mode": "machine"}
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    assert set(other) == fields, "every TrainConfig field must be tested here"
    keys = {key(base)}
    for name, value in other.items():
        keys.add(key(base.with_(**{name: value})))
    assert len(keys) == 1 + len(other)
    assert key(base) == key(tiny())


def test_cached_record_is_reused_and_weights_reload(tmp_data, monkeypatch):
    config = tiny()
    first = classify.train_classifier(config, progress=False)

    def boom(*a, **k):
        raise AssertionError("should have come from the cache")

    monkeypatch.setattr(classify, "_train", boom)
    again = classify.train_classifier(config, progress=False)
    assert again == first
    model, record = classify.load_trained(config, progress=False)
    data = classify._load_data(config)
    assert classify.predict(model, data.x_test).tolist() == record["test_predictions"]
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        classify.predict(model, data.x_test[:, 0])


def test_upto_and_totals(tmp_data):
    record = classify.train_classifier(tiny(epochs=3), progress=False, cache=False)
    cut = classify.upto(record, 2)
    assert [e["epoch"] for e in cut["history"]] == [1, 2]
    assert "test_predictions" not in cut and "test_predictions" in classify.upto(record, 3)
    t2, t3 = classify.totals(cut), classify.totals(record)
    assert t2["energy_kwh"] <= t3["energy_kwh"] and t2["time_s"] < t3["time_s"]
    assert np.isclose(t3["energy_kwh"], sum(e["train_energy_kwh"] + e["eval_energy_kwh"]
                                            for e in record["history"]))
    with pytest.raises(ValueError, match="1 to 3"):
        classify.upto(record, 4)


def test_pareto_front_and_confusion_matrix():
    from mlfootprint.plots.classification import confusion_matrix, pareto_front

    pts = [(1.0, 0.90), (2.0, 0.85), (3.0, 0.95), (4.0, 0.95), (0.5, 0.80)]
    assert sorted(pareto_front(pts)) == [0, 2, 4]
    y = np.array([0, 1, 1, 2])
    p = np.array([0, 1, 2, 2])
    cm = confusion_matrix(y, p)
    assert cm.sum() == 4 and cm[1, 2] == 1 and np.trace(cm) == 3
