"""The generators, the judge and the quality measures, on small data made on the fly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from mlfootprint import generate as gen
from mlfootprint import quality
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
    _quick("pixel"),
    _quick("copy"),
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


@pytest.mark.parametrize("kwargs, match", [
    ({"kind": "gan"}, "kind"),
    ({"kind": "cvae-cnn", "channels": ()}, "channels"),
    ({"kind": "cvae-cnn", "channels": (4, 4, 4, 4)}, "channels"),
    ({"kind": "cvae-cnn", "channels": (0,)}, "channels"),
    ({"kind": "cvae-mlp", "hidden": "256"}, "hidden"),
    ({"kind": "cvae-mlp", "latent": 0}, "latent"),
    ({"kind": "cvae-mlp", "epochs": 2.5}, "epochs"),
    ({"kind": "cvae-mlp", "lr": -1.0}, "lr"),
    ({"kind": "cvae-mlp", "lr": float("nan")}, "lr"),
    ({"kind": "pca", "n_components": 0}, "n_components"),
    ({"kind": "pixel", "smoothing": -1}, "smoothing"),
    ({"kind": "copy", "seed": -3}, "seed"),
])
def test_bad_settings_raise_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gen.GeneratorConfig(**kwargs)


def test_bad_sampling_requests_raise_clear_errors(toy):
    model, _ = gen.fit(gen.GeneratorConfig("pixel"), toy.x_train, toy.y_train)
    with pytest.raises(ValueError, match="0-9"):
        model.sample([3, 10])
    with pytest.raises(TypeError, match="integers"):
        model.sample(torch.tensor([1.5]))
    with pytest.raises(ValueError, match="temperature"):
        model.sample([1], temperature=-0.1)
    with pytest.raises(ValueError, match="PCA with 50 components"):
        gen.fit(gen.GeneratorConfig("pca", n_components=50), toy.x_train, toy.y_train)
    with pytest.raises(ValueError, match="shape"):
        gen.fit(gen.GeneratorConfig("pixel"), toy.x_train.reshape(-1, 784), toy.y_train)
    with pytest.raises(TypeError, match="GeneratorConfig"):
        gen.fit({"kind": "pca"}, toy.x_train, toy.y_train)


def test_frechet_distance_properties():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 4))
    a -= a.mean(0)
    assert quality.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    shifted = a + np.array([3.0, 0, 0, 0])
    assert quality.frechet_distance(a, shifted) == pytest.approx(9.0, rel=1e-6)
    wide = a * 2.0  # covariance 4x: Tr(S + 4S - 2*2S) = Tr(S)
    assert quality.frechet_distance(a, wide) == pytest.approx(np.trace(np.cov(a, rowvar=False)), rel=1e-6)
    with pytest.raises(ValueError):
        quality.frechet_distance(a, a[:, :3])


def test_diversity_is_zero_for_copies_and_grows_with_spread():
    labels = torch.tensor([0] * 5 + [1] * 5)
    same = torch.ones(10, 3)
    assert quality.within_class_diversity(same, labels) == 0.0
    g = torch.Generator().manual_seed(0)
    f = torch.randn(10, 3, generator=g)
    assert quality.within_class_diversity(3 * f, labels) == pytest.approx(
        3 * quality.within_class_diversity(f, labels))


def test_judge_recognises_real_held_out_digits_and_scores_generators(tmp_data):
    from mlfootprint.mnist import load_mnist

    toy = load_mnist("bundled", max_train=600, max_test=200)  # real digits, a small share
    config = quality.JudgeConfig(channels=(8, 16), features=32, epochs=3, lr=3e-3, batch_size=32)
    judge, info = quality.load_or_train_judge(toy, config, progress=False)
    assert info.held_out_accuracy > 0.6  # chance is 0.1
    assert info.training.energy_kwh > 0 and info.training.repeats == 1
    # cached: the second call returns the same judge without training
    judge2, info2 = quality.load_or_train_judge(toy, config, progress=False)
    assert info2.held_out_accuracy == info.held_out_accuracy
    x = toy.x_test[:8]
    assert torch.equal(judge(x).argmax(1), judge2(x).argmax(1))

    scorer = quality.Scorer(judge, toy)
    ceiling = quality.real_ceiling(scorer)
    assert ceiling.accuracy == pytest.approx(info.held_out_accuracy)
    assert ceiling.diversity_ratio == 1.0 and ceiling.novelty > 0
    labels = gen.balanced_labels(10)
    copy, _ = gen.fit(gen.GeneratorConfig("copy"), toy.x_train, toy.y_train)
    copied = scorer.score(copy.sample(labels, 1.0, torch.Generator().manual_seed(0)), labels)
    assert copied.novelty == pytest.approx(0.0, abs=1e-4)
    pca, _ = gen.fit(gen.GeneratorConfig("pca", n_components=5), toy.x_train, toy.y_train)
    flat = scorer.score(pca.sample(labels, 0.0), labels)
    assert flat.diversity == pytest.approx(0.0, abs=1e-4)  # temperature 0: all the class mean
    wrong = scorer.score(copy.sample(labels, 1.0, torch.Generator().manual_seed(0)), (labels + 1) % 10)
    assert wrong.accuracy < copied.accuracy


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
