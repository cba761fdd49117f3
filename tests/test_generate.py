"""The generators, the judge and the quality measures, on small data made on the fly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from mlfootprint import generate as gen
from mlfootprint.mnist import MnistData


def _toy_digits(n_per_class: int, seed: int):
    """Ten easily told-apart 'digits': class c is a bright bar at a class-specific place,
    with noise and jitter, so real learning is needed but a few epochs suffice."""
    g = torch.Generator().manual_seed(seed)
    xs, ys = [], []
    for c in range(10):
        x = torch.rand(n_per_class, 1, 28, 28, generator=g) * 0.15
        row = 2 + 2 * c
        shift = torch.randint(0, 2, (n_per_class,), generator=g)
        for i in range(n_per_class):
            r = row + int(shift[i])
            x[i, 0, r:r + 2, 4:24] = 0.9
            if c % 2:
                x[i, 0, 4:24, 13:15] = 0.9  # odd classes get a vertical stroke too
        xs.append(x)
        ys.append(torch.full((n_per_class,), c))
    x, y = torch.cat(xs), torch.cat(ys)
    perm = torch.randperm(len(x), generator=g)
    return x[perm].clamp(0, 1), y[perm]


@pytest.fixture(scope="module")
def toy():
    x_train, y_train = _toy_digits(30, 0)
    x_test, y_test = _toy_digits(10, 1)
    return MnistData(x_train, y_train, x_test, y_test, source="toy", description="toy bars")


def _quick(kind, **kw):
    base = {"epochs": 1, "batch_size": 64}
    if kind in ("cvae-mlp", "cvae-cnn"):
        kw = {**base, **kw}
    if kind == "pca":
        kw.setdefault("n_components", 5)
    return gen.GeneratorConfig(kind, **kw)


ALL_CONFIGS = [
    _quick("cvae-mlp", hidden=(32,), latent=2),
    _quick("cvae-mlp", hidden=(64, 32), latent=3),
    _quick("cvae-cnn", channels=(4,), latent=2),
    _quick("cvae-cnn", channels=(4, 8), latent=2),
    _quick("cvae-cnn", channels=(2, 4, 4), latent=3),
    _quick("pca"),
    _quick("cvae-mlp", hidden=(32,), latent=4, mixture_components=2, sampler="mixture"),
    _quick("cvae-cnn", channels=(4, 4), latent=3, mixture_components=1, sampler="mixture",
           kl_warmup=1, beta=0.5),
    _quick("pixel"),
    _quick("copy"),
    _quick("class-mean"),
]


@pytest.mark.parametrize("config", ALL_CONFIGS, ids=lambda c: c.label())
def test_every_generator_draws_images_of_the_right_shape_and_range(toy, config):
    model, history = gen.fit(config, toy.x_train, toy.y_train, progress=False)
    labels = torch.tensor([0, 3, 9, 9, 5])
    temps = (0.0, 1.0, 2.0) if gen.HAS_TEMPERATURE[config.kind] else (1.0,)
    for t in temps:
        images = model.sample(labels, t, torch.Generator().manual_seed(0))
        assert images.shape == (5, 1, 28, 28)
        assert images.dtype == torch.float32
        assert torch.isfinite(images).all()
        assert float(images.min()) >= 0.0 and float(images.max()) <= 1.0
    if config.kind.startswith("cvae"):
        assert history["epoch"] == [1]
        assert all(np.isfinite(history[k][0]) for k in ("loss", "reconstruction", "kl"))
        assert history["kl"][0] >= 0
    assert gen.n_parameters(model) > 0


def test_cnn_sizes_cover_every_allowed_depth():
    for layers in range(1, gen.MAX_CNN_LAYERS + 1):
        model = gen.CVAECNN(tuple([3] * layers), latent=2)
        x = torch.rand(4, 1, 28, 28)
        loss, rec, kl = model.loss(x, torch.tensor([0, 1, 2, 3]))
        assert torch.isfinite(loss) and rec > 0 and kl >= 0
        assert torch.isclose(loss, rec + kl)


def test_cvae_loss_is_per_example_and_training_lowers_it(toy):
    config = gen.GeneratorConfig("cvae-mlp", hidden=(64,), latent=2, epochs=6, lr=3e-3, batch_size=32)
    model, history = gen.fit(config, toy.x_train, toy.y_train, progress=False)
    assert history["epoch"] == list(range(1, 7))
    assert history["loss"][-1] < history["loss"][0]
    # per example: the loss of a batch does not grow with its size
    torch.manual_seed(0)
    small = model.loss(toy.x_train[:10], toy.y_train[:10])[1].detach()
    torch.manual_seed(0)
    large = model.loss(toy.x_train[:200], toy.y_train[:200])[1].detach()
    assert float(large) < 3 * float(small)


def test_pca_samples_vary_and_scale_with_the_component_variance(toy):
    model, _ = gen.fit(gen.GeneratorConfig("pca", n_components=5), toy.x_train, toy.y_train)
    labels = torch.full((200,), 4)
    samples = model.sample(labels, 1.0, torch.Generator().manual_seed(0)).reshape(200, -1)
    mean = model.mean[4]
    assert float(samples.var(0).sum()) > 1e-3  # not every sample the class mean
    assert float((samples - mean).norm(dim=1).mean()) > 0.1
    at_zero = model.sample(labels[:3], 0.0).reshape(3, -1)
    assert torch.allclose(at_zero, mean.clamp(0, 1).expand(3, -1))
    hot = model.sample(labels, 2.0, torch.Generator().manual_seed(0)).reshape(200, -1)
    assert float(hot.var(0).sum()) > float(samples.var(0).sum())
    # the variance of the real digits along each component matches what was stored
    real = toy.x_train[toy.y_train == 4].reshape(-1, 784)
    proj = (real - real.mean(0)) @ model.components[4].T
    assert torch.allclose(proj.var(0), model.variance[4], rtol=1e-3, atol=1e-6)


def test_pixel_model_learns_class_means(toy):
    model, _ = gen.fit(gen.GeneratorConfig("pixel", smoothing=0.0), toy.x_train, toy.y_train)
    real_mean = toy.x_train[toy.y_train == 2].reshape(-1, 784).mean(0)
    assert torch.allclose(model.probs[2], real_mean, atol=1e-5)
    draws = model.sample(torch.full((400,), 2), 1.0, torch.Generator().manual_seed(0))
    assert set(draws.unique().tolist()) <= {0.0, 1.0}
    assert torch.allclose(draws.reshape(400, -1).mean(0), real_mean, atol=0.12)


def test_copy_generator_returns_training_digits_of_the_asked_class(toy):
    model, _ = gen.fit(gen.GeneratorConfig("copy"), toy.x_train, toy.y_train)
    labels = torch.tensor([1, 7, 7])
    images = model.sample(labels, 1.0, torch.Generator().manual_seed(0)).reshape(3, -1)
    train = toy.x_train.reshape(len(toy.x_train), -1)
    for img, c in zip(images, labels):
        d = (train - img).norm(dim=1)
        assert float(d.min()) == 0.0 and int(toy.y_train[d.argmin()]) == int(c)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"kind": "gan"}, ValueError, "kind"),
    ({"kind": "cvae-cnn", "channels": ()}, ValueError, "channels"),
    ({"kind": "cvae-cnn", "channels": (4, 4, 4, 4)}, ValueError, "channels"),
    ({"kind": "cvae-cnn", "channels": (0,)}, ValueError, "channels"),
    ({"kind": "cvae-mlp", "hidden": "256"}, TypeError, "hidden"),
    ({"kind": "cvae-mlp", "latent": 0}, ValueError, "latent"),
    ({"kind": "cvae-mlp", "epochs": 2.5}, TypeError, "epochs"),
    ({"kind": "cvae-mlp", "lr": -1.0}, ValueError, "lr"),
    ({"kind": "cvae-mlp", "lr": float("nan")}, ValueError, "lr"),
    ({"kind": "cvae-mlp", "beta": -1}, ValueError, "beta"),
    ({"kind": "cvae-mlp", "epochs": 3, "kl_warmup": 4}, ValueError, "kl_warmup"),
    ({"kind": "cvae-mlp", "sampler": "uniform"}, ValueError, "sampler"),
    ({"kind": "cvae-mlp", "sampler": "mixture"}, ValueError, "mixture_components"),
    ({"kind": "cvae-mlp", "mixture_components": 51}, ValueError, "mixture_components"),
    ({"kind": "pca", "n_components": 0}, ValueError, "n_components"),
    ({"kind": "pixel", "smoothing": -1}, ValueError, "smoothing"),
    ({"kind": "copy", "seed": -3}, ValueError, "seed"),
    ({"kind": "copy", "seed": 2**64}, ValueError, "seed"),
])
def test_bad_settings_raise_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        gen.GeneratorConfig(**kwargs)


def test_numpy_numbers_are_accepted_as_settings():
    config = gen.GeneratorConfig("cvae-mlp", latent=np.int64(8), epochs=np.int32(3), lr=np.float32(0.002))
    assert config.latent == 8 and isinstance(config.latent, int) and config.lr == pytest.approx(0.002)


def test_the_sampler_is_not_part_of_the_training_key():
    normal = gen.GeneratorConfig("cvae-mlp", latent=8, mixture_components=4)
    mixture = gen.GeneratorConfig("cvae-mlp", latent=8, mixture_components=4, sampler="mixture")
    assert normal.training_settings() == mixture.training_settings()
    assert normal.settings() != mixture.settings()
    assert mixture.label() == "CVAE-MLP 256, z=8, mixture codes"
    assert gen.GeneratorConfig("cvae-cnn", channels=(8, 16), latent=2, kl_warmup=5).label() == \
        "CVAE-CNN 8-16, z=2, KL warm-up 5 epochs, normal codes"


def test_kl_weight_rises_linearly_over_the_warm_up():
    config = gen.GeneratorConfig("cvae-mlp", epochs=6, kl_warmup=4, beta=0.5)
    assert [gen.kl_weight(config, e) for e in range(1, 7)] == [0.125, 0.25, 0.375, 0.5, 0.5, 0.5]
    assert gen.kl_weight(gen.GeneratorConfig("cvae-mlp"), 1) == 1.0


def _blobs(seed=0):
    """Codes in 2-D: per class, two tight clusters at known places."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.tensor([[-3.0, 0.0], [3.0, 1.0]])
    codes, labels = [], []
    for c in range(10):
        for k in range(2):
            codes.append(centres[k] + c + 0.1 * torch.randn(60, 2, generator=g))
            labels.append(torch.full((60,), c))
    return torch.cat(codes), torch.cat(labels)


def test_the_code_mixture_finds_known_clusters_and_is_seeded():
    codes, labels = _blobs()
    mix = gen.LatentMixture(2, 2).fit(codes, labels, seed=0)
    for c in range(10):
        found = sorted(mix.means[c].tolist())
        assert found[0] == pytest.approx([-3.0 + c, c], abs=0.1)
        assert found[1] == pytest.approx([3.0 + c, 1.0 + c], abs=0.1)
        assert mix.weights[c].tolist() == pytest.approx([0.5, 0.5], abs=0.02)
    again = gen.LatentMixture(2, 2).fit(codes, labels, seed=0)
    assert all(torch.equal(a, b) for a, b in zip(mix.state_dict().values(), again.state_dict().values()))
    asked = torch.tensor([4] * 200)
    z1 = mix.sample(asked, 1.0, torch.Generator().manual_seed(5))
    z2 = mix.sample(asked, 1.0, torch.Generator().manual_seed(5))
    z3 = mix.sample(asked, 1.0, torch.Generator().manual_seed(6))
    assert torch.equal(z1, z2) and not torch.equal(z1, z3)
    near = torch.cdist(z1, mix.means[4]).min(1).values
    assert float(near.max()) < 0.6  # every draw lies in one of the two clusters
    at_zero = mix.sample(asked[:10], 0.0, torch.Generator().manual_seed(5))
    assert float(torch.cdist(at_zero, mix.means[4]).min(1).values.max()) < 1e-6
    with pytest.raises(ValueError, match="mixture_components=2 needs more than 2"):
        gen.LatentMixture(2, 2).fit(codes[:30], labels[:30])


def test_a_trained_cvae_switches_sampler_without_retraining(toy):
    config = gen.GeneratorConfig("cvae-mlp", hidden=(32,), latent=3, epochs=1, mixture_components=2)
    model, _ = gen.fit(config, toy.x_train, toy.y_train, progress=False)
    labels = gen.balanced_labels(3)
    normal = model.sample(labels, 1.0, torch.Generator().manual_seed(0))
    mixed = model.use_sampler("mixture").sample(labels, 1.0, torch.Generator().manual_seed(0))
    assert not torch.equal(normal, mixed)
    assert torch.equal(mixed, model.sample(labels, 1.0, torch.Generator().manual_seed(0)))
    bare, _ = gen.fit(gen.GeneratorConfig("cvae-mlp", hidden=(8,), latent=2, epochs=1),
                      toy.x_train, toy.y_train, progress=False)
    with pytest.raises(ValueError, match="no fitted mixture"):
        bare.use_sampler("mixture")


def test_cvae_training_that_diverges_stops_with_a_clear_error():
    config = gen.GeneratorConfig("cvae-mlp", hidden=(16,), latent=2, epochs=3, lr=1.0)
    x = torch.rand(300, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        gen.fit(config, x, torch.arange(300) % 10, progress=False)


def test_bad_sampling_requests_raise_clear_errors(toy):
    model, _ = gen.fit(gen.GeneratorConfig("pixel"), toy.x_train, toy.y_train)
    with pytest.raises(ValueError, match="0-9"):
        model.sample([3, 10])
    with pytest.raises(TypeError, match="integers"):
        model.sample(torch.tensor([1.5]))
    with pytest.raises(ValueError, match="temperature"):
        model.sample([1], temperature=-0.1)
    for bad in ("3", ["3"], None, [10**20]):
        with pytest.raises(TypeError, match="labels must be a list of digits 0-9"):
            model.sample(bad)
    with pytest.raises(TypeError, match="generator"):
        model.sample([1], 1.0, 7)
    with pytest.raises(ValueError, match="PCA with n_components=50"):
        gen.fit(gen.GeneratorConfig("pca", n_components=50), toy.x_train, toy.y_train)
    with pytest.raises(ValueError, match="shape"):
        gen.fit(gen.GeneratorConfig("pixel"), toy.x_train.reshape(-1, 784), toy.y_train)
    with pytest.raises(TypeError, match="GeneratorConfig"):
        gen.fit({"kind": "pca"}, toy.x_train, toy.y_train)


def test_load_or_train_caches_weights_and_measures_generation(toy, tmp_data):
    config = gen.GeneratorConfig("cvae-cnn", channels=(4,), latent=2, epochs=1)
    model, record = gen.load_or_train(config, toy, progress=False)
    assert record.training.energy_kwh > 0 and record.history["epoch"] == [1]
    assert record.n_parameters == gen.n_parameters(model)
    again, record2 = gen.load_or_train(config, toy, progress=False)
    assert record2.training.to_dict() == record.training.to_dict()
    for a, b in zip(model.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)
    other, record3 = gen.load_or_train(gen.GeneratorConfig("cvae-cnn", channels=(4,), latent=2,
                                                           epochs=2), toy, progress=False)
    assert record3.history["epoch"] == [1, 2]  # a different setting is a different result
    cost = gen.measure_generation(model, config, batch_size=20, repeats=2, min_seconds=0.05)
    assert cost.repeats == 2 and cost.items_per_repeat % 20 == 0
    assert cost.energy_kwh > 0 and cost.energy_spread["n"] == 2
    with pytest.raises(TypeError, match="unknown argument"):
        gen.generation_cost(model, config, toy, batches=3)
    with pytest.raises(ValueError, match="min_seconds"):
        gen.generation_cost(model, config, toy, min_seconds=1e6)


def test_configs_differing_only_in_sampler_share_one_training_run(toy, tmp_data):
    before = torch.get_num_threads()
    normal = gen.GeneratorConfig("cvae-mlp", hidden=(16,), latent=3, epochs=1, mixture_components=2)
    mixture = gen.GeneratorConfig("cvae-mlp", hidden=(16,), latent=3, epochs=1, mixture_components=2,
                                  sampler="mixture")
    m1, r1 = gen.load_or_train(normal, toy, progress=False)
    m2, r2 = gen.load_or_train(mixture, toy, progress=False)
    assert r1.training.to_dict() == r2.training.to_dict()  # read back, not trained again
    assert (m1.sampler, m2.sampler) == ("normal", "mixture")
    assert r2.label.endswith("mixture codes") and r2.settings["sampler"] == "mixture"
    assert r1.family == "CVAE-MLP" and r1.evaluation is None
    assert r1.training.threads == 1 and r1.training.settings["threads"] == 1
    _, on_two = gen.load_or_train(normal, toy, progress=False, threads=2)  # the threads used are a setting
    assert on_two.training.threads == 2 and on_two.training.to_dict() != r1.training.to_dict()
    assert torch.get_num_threads() == before


def test_damaged_generator_weights_are_detected_and_rebuilt(toy, tmp_data):
    from mlfootprint import store
    from mlfootprint.notices import RecomputeNotice

    config = gen.GeneratorConfig("pca", n_components=3)
    model, run = gen.load_or_train(config, toy, progress=False)
    folder = store.default_store().artefact_folder(
        "generation/generator", {**config.training_settings(), **gen.train.data_settings(toy), "threads": 1},
        code=gen.train.CODE)
    weights = folder / store.WEIGHTS_FILE
    for damage in (b"", b"garbage", weights.read_bytes()[:100]):
        weights.write_bytes(damage)
        with pytest.warns(RecomputeNotice, match=str(folder.name)):
            again, _ = gen.load_or_train(config, toy, progress=False)
        assert torch.equal(again.mean, model.mean)
        weights = folder / store.WEIGHTS_FILE


# ------------------------------------------- the chapter's goals, tables and paired costs --
from factories import measurement  # noqa: E402
from mlfootprint import quality as q  # noqa: E402
from mlfootprint.generate import summary  # noqa: E402


def _panel(**by_measure):
    """Scores from three judges; each keyword is measure=(j1, j2, j3)."""
    base = dict(accuracy=0.9, diversity=1.0, diversity_ratio=0.9, frechet=0.1, frechet_raw=1.0,
                precision=0.8, recall=0.5, novelty=4.0, n_images=100)
    return q.PanelScores({j: q.QualityScores(**{**base, **{m: v[i] for m, v in by_measure.items()}})
                          for i, j in enumerate(("j1", "j2", "j3"))})


def _same(**values):
    return _panel(**{m: (v, v, v) for m, v in values.items()})


def test_quality_tables_show_the_panel_mean_in_one_format_per_measure():
    s = _panel(accuracy=(0.9, 0.95, 1.0), novelty=(4.0, 4.0, 4.0))
    assert summary.cell("accuracy", s.mean("accuracy")) == "95"
    assert summary.cell("novelty", 4.0) == "4" and summary.cell("frechet", 0.0004) == "< 0.001"
    table = summary.quality_table([summary.Row("x", s)])
    assert list(table.columns)[0] == "digits from" and table.iloc[0, 1] == "95"
    assert "(" not in " ".join(table.iloc[0].astype(str))   # the mean only, no min-max in the cell


def test_goals_judge_diversity_by_its_distance_to_real_digits():
    shallow = _same(frechet=0.1, precision=0.9, recall=0.5)
    good = dict(accuracy=0.96, frechet=0.05, precision=0.95, recall=0.6)
    assert all(summary.goals_met(_same(diversity_ratio=0.85, **good), shallow))
    assert all(summary.goals_met(_same(diversity_ratio=1.15, **good), shallow))
    # overshooting real variety by more than the goal is missed, like falling short of it
    assert summary.goals_met(_same(diversity_ratio=1.3, **good), shallow)[1] is False
    assert summary.goals_met(_same(diversity_ratio=0.7, **good), shallow)[1] is False
    short = summary.goals_met(_same(diversity_ratio=0.9, **{**good, "accuracy": 0.94}), shallow)
    assert short == [False, True, True, True, True]


def test_the_choice_is_most_goals_then_the_simplest_unless_every_judge_prefers_another():
    shallow = _same(frechet=0.1, precision=0.9, recall=0.5)
    full = _same(accuracy=0.96, diversity_ratio=0.9, frechet=0.05, precision=0.95, recall=0.6)
    better_frechet = _same(accuracy=0.96, diversity_ratio=0.9, frechet=0.01, precision=0.95, recall=0.6)
    four = _same(accuracy=0.99, diversity_ratio=0.9, frechet=0.2, precision=0.99, recall=0.9)
    split = _panel(accuracy=(0.96,) * 3, diversity_ratio=(0.9,) * 3, frechet=(0.01, 0.01, 0.06),
                   precision=(0.95,) * 3, recall=(0.6,) * 3)   # lower on the mean, not by every judge
    assert summary.choose({"four": four, "simple": full, "split": split}, shallow) == "simple"
    assert summary.choose({"four": four, "simple": full, "refined": better_frechet}, shallow) == "refined"
    assert summary.choose({"four": four}, shallow) == "four"
    table = summary.tried_table([summary.Row("simple", full), summary.Row("four", four)], shallow)
    assert list(table["goals met"]) == ["5 of 5", "4 of 5"]
    with pytest.raises(ValueError, match="no candidates"):
        summary.choose({}, shallow)


def test_paired_costs_are_measured_once_and_read_back(tmp_data):
    calls = []

    def side(name, energy_j):
        def measure():
            calls.append(name)
            return None, measurement(name, energy_j=energy_j)
        return measure

    deep, pca = gen.GeneratorConfig("cvae-mlp", latent=2), gen.GeneratorConfig("pca")
    data = MnistData(torch.zeros(20, 1, 28, 28), torch.arange(20) % 10, torch.zeros(10, 1, 28, 28),
                     torch.arange(10), source="toy", description="zeros")
    first = summary.kept_pairs("t", deep, pca, data, side("A", 3.0), side("B", 1.0), pairs=3)
    assert calls == ["A", "B", "A", "B", "B", "A", "A", "B"]   # a warm-up each, then interleaved
    again = summary.kept_pairs("t", deep, pca, data, side("A", 3.0), side("B", 1.0), pairs=3)
    assert len(calls) == 8 and [r.to_dict() for r in again.a] == [r.to_dict() for r in first.a]
    assert first.verdict().differs and first.verdict().ratio == pytest.approx(3.0)
    assert summary.typical(first.a) == pytest.approx(3.0 / 3.6e6)
    summary.kept_pairs("t", deep, pca, data, side("A", 3.0), side("B", 1.0), pairs=3, batch=2)
    assert len(calls) == 16   # another setting, another measurement
    with pytest.raises(TypeError, match="config_a must be a GeneratorConfig"):
        summary.kept_pairs("t", "pca", pca, data, side("A", 1), side("B", 1), pairs=3)
    with pytest.raises(ValueError, match="positive and finite"):
        summary.typical([measurement(energy_j=0.0)])


def test_panel_scores_of_a_generator_are_drawn_seeded_and_kept(toy, tmp_data):
    configs = {"a": q.JudgeConfig(widths=(4,), features=8, epochs=1, lr=5e-3),
               "b": q.JudgeConfig("mlp", (16,), features=8, epochs=1, lr=3e-3)}
    panel, _ = q.load_panel(toy, configs)
    config = gen.GeneratorConfig("pca", n_components=3)
    model, _ = gen.load_or_train(config, toy, progress=False)
    s1 = gen.panel_scores(panel, model, config, toy, temperature=1.0, seed=4)
    s2 = gen.panel_scores(panel, model, config, toy, temperature=1.0, seed=4)
    cold = gen.panel_scores(panel, model, config, toy, temperature=0.0, seed=4)
    assert s1.to_dict() == s2.to_dict() and s1.judges == ["a", "b"]
    assert s1.by_judge["a"].n_images == panel.n_reference
    assert cold.range("diversity_ratio")[1] < 1e-6 < s1.range("diversity_ratio")[0]  # temperature 0: the mean


_TRAIN_ONE = """
import sys, torch
sys.path.insert(0, {tests!r})
from test_generate import _toy_digits
from mlfootprint import generate as gen
from mlfootprint.mnist import MnistData
x, y = _toy_digits(30, 0)
data = MnistData(x, y, x[:50], y[:50], source="toy", description="toy bars")
model, run = gen.load_or_train(gen.GeneratorConfig("cvae-mlp", hidden=(16,), latent=2, epochs=2), data,
                               progress=False)
print("mean", float(model.decode(torch.zeros(1, 2), [3]).mean()))
"""


def test_two_processes_training_the_same_generator_both_finish_and_leave_one_valid_copy(tmp_data):
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = _TRAIN_ONE.format(tests=str(Path(__file__).parent))
    env = {**os.environ, "MLFOOTPRINT_DATA": str(tmp_data)}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-500:] for _, err in outs]
    assert all(out.startswith("mean") for out, _ in outs)
    folders = list((tmp_data / "results" / "generation" / "generator").iterdir())
    assert len([f for f in folders if f.is_dir() and not f.name.startswith(".")]) == 1
    x, y = _toy_digits(30, 0)
    data = MnistData(x, y, x[:50], y[:50], source="toy", description="toy bars")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a damaged copy would be moved aside with a notice
        model, _ = gen.load_or_train(gen.GeneratorConfig("cvae-mlp", hidden=(16,), latent=2, epochs=2),
                                     data, progress=False)
    assert outs[0][0].strip() == f"mean {float(model.decode(torch.zeros(1, 2), [3]).mean())}"


def test_editing_the_visible_generator_setting_changes_what_the_chapter_prints(tmp_data, monkeypatch):
    """The generation chapter builds its chosen CVAE in a visible cell; a learner who edits
    its code length there sees another network (and its size) printed."""
    from pathlib import Path

    import jupytext
    import nbformat
    from nbclient import NotebookClient

    chapter = Path(__file__).resolve().parents[1] / "book" / "generation.md"
    visible = "config = course.CONFIGS[DEEP]"
    cells = [c for c in jupytext.read(chapter).cells if c.cell_type == "code"]
    build = next(c for c in cells if visible in c.source)
    assert not {"hide-input", "remove-cell", "remove-input"} & set(build.metadata.get("tags", []))
    edited = build.source.replace(visible, "import dataclasses\n"
                                  "config = dataclasses.replace(course.CONFIGS[DEEP], latent=4)")
    edited += "\nprint(gen.n_parameters(gen.build(config)))"
    original = build.source + "\nprint(gen.n_parameters(gen.build(config)))"
    new = nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(cells=[new(cells[0].source), new(original), new(edited)])
    monkeypatch.setenv("MLFOOTPRINT_STATIC_BUILD", "1")
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(chapter.parent)}}).execute()
    before, after = ("".join(o.get("text", "") for o in c.outputs if o.output_type == "stream")
                     for c in nb.cells[1:])
    assert "out_features=32" in before and "out_features=8" in after   # mean and spread per code number
    assert int(before.split()[-1]) > int(after.split()[-1])
