"""The quality instrument: each measure on synthetic data with known answers, the judges,
the panel's mean and range, the reference rows' ordering, and verdicts on both sides."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlfootprint import generate as gen
from mlfootprint import quality as q
from mlfootprint.mnist import MnistData
from mlfootprint.quality import verdicts


def _cloud(n=200, d=6, seed=0, shift=0.0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g) + shift


# ---------------------------------------------------------------- precision and recall --
def test_identical_sets_have_full_precision_and_recall():
    a = _cloud()
    assert q.precision_recall(a, a.clone()) == (1.0, 1.0)


def test_disjoint_sets_have_zero_precision_and_recall():
    assert q.precision_recall(_cloud(), _cloud(seed=1, shift=100.0)) == (0.0, 0.0)


def test_one_repeated_image_has_zero_recall_and_full_precision_inside_the_manifold():
    real = _cloud(300)
    inside = real.mean(0, keepdim=True)  # the centre of the cloud, not itself a real point
    p, r = q.precision_recall(real, inside.repeat(100, 1))
    assert p == 1.0 and r == 0.0
    far = torch.full((1, real.shape[1]), 50.0)
    assert q.precision_recall(real, far.repeat(100, 1)) == (0.0, 0.0)


def test_half_of_the_generated_points_outside_halves_precision_but_keeps_recall():
    real = _cloud(200)
    mixed = torch.cat([real[:100], _cloud(100, seed=3, shift=100.0)])
    p, r = q.precision_recall(real, mixed)
    assert p == pytest.approx(0.5)
    assert r > 0.4  # the half that is real still covers much of the real set
    # covering only one side of the real set lowers recall, not precision; as many points
    # spread over the whole set cover it
    side = real[real[:, 0] < -0.5]
    anywhere = real[torch.randperm(len(real), generator=torch.Generator().manual_seed(1))[:len(side)]]
    p2, r2 = q.precision_recall(real, side.clone())
    p3, r3 = q.precision_recall(real, anywhere.clone())
    assert p2 == p3 == 1.0 and r2 < 0.7 < 0.8 < r3


def test_knn_radius_ignores_the_point_itself_but_not_duplicates():
    f = torch.tensor([[0.0], [1.0], [3.0], [3.0]])
    assert q.knn_radii(f, 1).tolist() == [1.0, 1.0, 0.0, 0.0]
    assert q.knn_radii(f, 2).tolist() == [3.0, 2.0, 2.0, 2.0]
    with pytest.raises(ValueError, match="k=4"):
        q.knn_radii(f, 4)


def test_precision_recall_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match="same width"):
        q.precision_recall(_cloud(d=3), _cloud(d=4))
    with pytest.raises(ValueError, match="real must be a 2-D"):
        q.precision_recall(torch.zeros(5), _cloud())
    with pytest.raises(TypeError, match="k must be"):
        q.precision_recall(_cloud(), _cloud(), k=1.5)


# ---------------------------------------------------------- Fréchet and diversity -------
def test_frechet_distance_known_values():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 4))
    a -= a.mean(0)
    assert q.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    assert q.frechet_distance(a, a + np.array([3.0, 0, 0, 0])) == pytest.approx(9.0, rel=1e-6)
    wide = a * 2.0  # covariance 4x: Tr(S + 4S - 2*2S) = Tr(S)
    assert q.frechet_distance(a, wide) == pytest.approx(np.trace(np.cov(a, rowvar=False)), rel=1e-6)
    with pytest.raises(ValueError):
        q.frechet_distance(a, a[:, :3])


def test_relative_frechet_does_not_depend_on_the_feature_scale():
    a, b = _cloud(300).numpy(), _cloud(300, seed=1, shift=0.5).numpy()
    assert q.relative_frechet(a, b) == pytest.approx(q.relative_frechet(10 * a, 10 * b), rel=1e-6)
    assert q.relative_frechet(b, b) == pytest.approx(0.0, abs=1e-9)
    # one image repeated: no spread, so the distance is the whole spread of the reference plus the offset
    one = np.repeat(b.mean(0, keepdims=True), 300, axis=0)
    assert q.relative_frechet(one, b) == pytest.approx(1.0, rel=1e-6)
    with pytest.raises(ValueError, match="do not vary"):
        q.relative_frechet(b, one)


def test_diversity_is_zero_for_repeats_and_scales_with_spread():
    labels = torch.tensor([0] * 5 + [1] * 5)
    assert q.within_class_diversity(torch.ones(10, 3), labels) == 0.0
    f = _cloud(10, 3)
    assert q.within_class_diversity(3 * f, labels) == pytest.approx(3 * q.within_class_diversity(f, labels))
    with pytest.raises(ValueError, match="one label per"):
        q.within_class_diversity(f, labels[:4])


# ----------------------------------------------------------------------- the judges -----
def test_judge_configs_label_and_check():
    assert q.JudgeConfig().label() == "convolutions of 16 and 32 channels (3×3, max-pool), 64 features"
    aug = q.JudgeConfig("mlp", (64,), features=8, shift=2, noise=0.1)
    assert aug.label() == "dense layers of 64 and 8 units, trained with shifts up to 2 px and pixel noise 0.1"
    assert aug.augmented and q.JudgeConfig(widths=(4,)).label().startswith("convolutions of 4 channels")
    assert q.JudgeConfig(widths=np.int64(8), epochs=np.int64(2)).widths == (8,)
    for kwargs, error, match in [({"architecture": "rnn"}, ValueError, "architecture"),
                                 ({"widths": (8, 8, 8, 8)}, ValueError, "widths"),
                                 ({"kernel": 4}, ValueError, "kernel"),
                                 ({"shift": 9}, ValueError, "shift"),
                                 ({"noise": -0.1}, ValueError, "noise"),
                                 ({"lr": 0}, ValueError, "lr"),
                                 ({"epochs": "3"}, TypeError, "epochs"),
                                 ({"architecture": "hog", "cell": 5}, ValueError, "cell"),
                                 ({"architecture": "hog", "C": 0}, ValueError, "C"),
                                 ({"architecture": "hog", "shift": 1}, ValueError, "shift and noise")]:
        with pytest.raises(error, match=match):
            q.JudgeConfig(**kwargs)


def test_judges_are_named_by_one_rule_apart_from_the_classifiers():
    from mlfootprint.classify.models import model_label
    from mlfootprint.course import classification, generation

    assert q.JudgeConfig("cnn", (8, 16), kernel=5, pool="avg", shift=2).name == \
        "CNN judge 8-16-64 k5 avg, augmented"
    assert q.JudgeConfig("mlp", (256,)).name == "MLP judge 256-64"
    assert q.JudgeConfig("hog", cell=7, bins=8).name == "HOG judge 8×4×4, logistic"
    assert list(generation.JUDGES) == [c.name for c in generation.JUDGES.values()]
    assert len({c.architecture for c in generation.JUDGES.values()}) >= 3  # kinds, not only sizes
    classifiers = {model_label(c.family, c.sizes) for c in classification.configs()}
    for name in generation.JUDGES:
        assert "judge" in name and name not in classifiers
        assert not any(name.startswith(c + " ") or name == c for c in classifiers)


@pytest.mark.parametrize("config", [q.JudgeConfig(widths=(4,)), q.JudgeConfig(widths=(2, 4, 4), kernel=5, pool="avg"),
                                    q.JudgeConfig("mlp", (16, 8), features=6),
                                    q.JudgeConfig("hog", cell=7, bins=6)], ids=lambda c: c.label())
def test_every_judge_architecture_gives_classes_and_features(config):
    judge = q.Judge(config)
    pred, feats = q.predict(judge, torch.rand(7, 1, 28, 28))
    assert pred.shape == (7,) and feats.shape == (7, config.feature_width)


def test_oriented_gradients_read_the_direction_of_strokes():
    hog = q.judges.OrientedGradients(cell=14, bins=4)
    across, down = torch.zeros(1, 1, 28, 28), torch.zeros(1, 1, 28, 28)
    across[..., 10:14, :] = 1.0   # a horizontal bar: vertical gradients
    down[..., :, 10:14] = 1.0     # a vertical bar: horizontal gradients
    a, d = hog(across).view(4, 2, 2), hog(down).view(4, 2, 2)
    assert a.sum((1, 2)).argmax() == 2 and d.sum((1, 2)).argmax() == 0   # 90° and 0° bins
    assert float(hog(torch.zeros(1, 1, 28, 28)).abs().max()) == 0.0       # a blank image: no votes
    assert float((hog(across) ** 2).norm()) == pytest.approx(1.0, rel=1e-4)  # root of a unit vector


def test_a_hog_judge_is_a_seeded_logistic_regression(toy):
    config = q.JudgeConfig("hog", cell=7, bins=6, seed=4)
    judge, history = q.fit_judge(config, toy.x_train, toy.y_train)
    again, _ = q.fit_judge(config, toy.x_train, toy.y_train)
    assert torch.equal(judge.head.weight, again.head.weight) and history["loss"][0] < 1.0
    pred, _ = q.predict(judge, toy.x_test)
    assert float((pred == toy.y_test).float().mean()) > 0.8
    with pytest.raises(ValueError, match="every class"):
        q.fit_judge(config, toy.x_train[toy.y_train < 9], toy.y_train[toy.y_train < 9])


def test_augmentation_shifts_by_whole_pixels_and_adds_seeded_noise():
    x = torch.zeros(50, 1, 28, 28)
    x[:, 0, 14, 14] = 1.0
    moved = q.augment(x, 2, 0.0, torch.Generator().manual_seed(0))
    where = [tuple(m[0].nonzero()[0].tolist()) for m in moved]
    assert all(12 <= r <= 16 and 12 <= c <= 16 for r, c in where) and len(set(where)) > 5
    assert torch.equal(moved.sum((1, 2, 3)), torch.ones(50))  # moved, not blurred or lost
    a = q.augment(x, 1, 0.2, torch.Generator().manual_seed(3))
    b = q.augment(x, 1, 0.2, torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and float(a.min()) >= 0 and float(a.max()) <= 1 and float(a.std()) > 0.05


def test_a_judge_that_diverges_stops_with_a_clear_error():
    # black-and-white pixels (in [0, 1], as check_images requires) and the largest lr allowed
    x = (torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(0)) > 0.5).float()
    y = torch.arange(64) % 10
    with pytest.raises(FloatingPointError, match="lower lr"):
        q.fit_judge(q.JudgeConfig("mlp", (16,), epochs=3, lr=1.0, features=8), x, y)


# ------------------------------------------------------------------ panel and rows ------
def _toy_digits(n_per_class: int, seed: int):
    """Ten told-apart 'digits': class c is a bar at a class-specific row, jittered and noisy."""
    g = torch.Generator().manual_seed(seed)
    xs, ys = [], []
    for c in range(10):
        x = torch.rand(n_per_class, 1, 28, 28, generator=g) * 0.3
        shift = torch.randint(0, 3, (n_per_class,), generator=g)
        width = torch.randint(12, 22, (n_per_class,), generator=g)
        for i in range(n_per_class):
            r = 2 + 2 * c + int(shift[i])
            x[i, 0, r:r + 2, 4:4 + int(width[i])] = 0.9
            if c % 2:
                x[i, 0, 4:24, 13:15] = 0.9
        xs.append(x)
        ys.append(torch.full((n_per_class,), c))
    x, y = torch.cat(xs), torch.cat(ys)
    perm = torch.randperm(len(x), generator=g)
    return x[perm].clamp(0, 1), y[perm]


@pytest.fixture(scope="module")
def toy():
    x_train, y_train = _toy_digits(40, 0)
    x_test, y_test = _toy_digits(20, 1)
    return MnistData(x_train, y_train, x_test, y_test, source="toy", description="toy bars")


@pytest.fixture(scope="module")
def panel(toy):
    judges = {}
    for name, config in {"cnn": q.JudgeConfig(widths=(4, 8), features=16, epochs=2, lr=5e-3),
                         "mlp": q.JudgeConfig("mlp", (32,), features=16, epochs=3, lr=3e-3, seed=1),
                         "aug": q.JudgeConfig(widths=(4,), kernel=5, pool="avg", features=16, epochs=2,
                                              lr=5e-3, shift=1, noise=0.1, seed=2),
                         "hog": q.JudgeConfig("hog", cell=7, bins=6, seed=3)}.items():
        judges[name], _ = q.fit_judge(config, toy.x_train, toy.y_train)
    return q.Panel(judges, toy)


def test_reference_split_halves_each_class_without_overlap():
    labels = torch.arange(10).repeat_interleave(7)
    ref, held = q.reference_split(labels)
    assert len(set(ref.tolist()) & set(held.tolist())) == 0 and len(ref) + len(held) == 70
    for c in range(10):
        assert (labels[ref] == c).sum() == 4 and (labels[held] == c).sum() == 3


def test_panel_reports_every_judge_with_mean_and_range(panel):
    real = panel.real_digits()
    assert real.judges == ["cnn", "mlp", "aug", "hog"]
    for m in q.MEASURES:
        values = real.values(m)
        assert real.range(m) == (min(values), max(values))
        assert real.mean(m) == pytest.approx(sum(values) / 4)
        assert real.range(m)[0] <= real.mean(m) <= real.range(m)[1]
    assert len(set(real.values("frechet"))) == 4  # four instruments, four readings
    assert len(set(real.values("novelty"))) == 1  # measured on pixels, not by the judges
    again = q.PanelScores.from_dict(real.to_dict())
    assert again.to_dict() == real.to_dict()
    stored = real.to_dict()
    stored["by_judge"] = dict(sorted(stored["by_judge"].items()))  # as JSON may give it back
    assert q.PanelScores.from_dict(stored).judges == ["cnn", "mlp", "aug", "hog"]
    reordered = q.PanelScores({j: real.by_judge[j] for j in ("aug", "cnn", "hog", "mlp")})
    assert verdicts.compare(real, reordered, "recall") == verdicts.SPLIT  # equal, judge by judge
    with pytest.raises(ValueError, match="naming the same judges"):
        q.PanelScores.from_dict({"judges": ["x"], "by_judge": stored["by_judge"]})
    with pytest.raises(ValueError, match="measure must be"):
        real.mean("beauty")


def test_reference_rows_are_ordered_as_the_measures_promise(panel, toy):
    labels = gen.balanced_labels(panel.n_per_class)
    rows = {}
    for kind in ("copy", "class-mean"):
        model, _ = gen.fit(gen.GeneratorConfig(kind), toy.x_train, toy.y_train)
        rows[kind] = panel.score(model.sample(labels, 1.0, torch.Generator().manual_seed(0)), labels)
    real = panel.real_digits()
    mean = rows["class-mean"]
    # the class mean has no variety: near-zero diversity and recall, for every judge
    assert mean.range("diversity_ratio")[1] < 1e-6 and mean.range("recall")[1] <= 0.05
    assert verdicts.compare(real, mean, "recall") == verdicts.BETTER
    assert verdicts.compare(real, mean, "diversity_ratio") == verdicts.BETTER
    assert verdicts.compare(real, mean, "frechet") == verdicts.BETTER
    assert "recall" not in verdicts.broken_measures(mean, real)
    # the copy is as varied as real digits but not new: novelty 0
    assert rows["copy"].mean("novelty") == pytest.approx(0.0, abs=1e-5)
    assert real.mean("novelty") > 0.5
    assert rows["copy"].range("recall")[0] > 0.5


def test_scores_check_their_inputs(panel):
    with pytest.raises(ValueError, match="one label per image"):
        panel.score(torch.rand(4, 1, 28, 28), torch.tensor([1, 2]))
    with pytest.raises(ValueError, match="shape"):
        panel.score(torch.rand(4, 28, 28), torch.tensor([1, 2, 3, 4]))


# --------------------------------------------------------- verdicts on both sides ------
def _scores(**by_judge):
    base = dict(accuracy=0.9, diversity=1.0, diversity_ratio=0.9, frechet=0.1, frechet_raw=1.0,
                precision=0.8, recall=0.5, novelty=4.0, n_images=100)
    return q.PanelScores({j: q.QualityScores(**{**base, **v}) for j, v in by_judge.items()})


def test_a_claim_holds_only_when_every_judge_agrees():
    a = _scores(j1={"recall": 0.7}, j2={"recall": 0.6}, j3={"recall": 0.55})
    b = _scores(j1={"recall": 0.5}, j2={"recall": 0.5}, j3={"recall": 0.5})
    assert verdicts.compare(a, b, "recall") == "better"
    assert verdicts.compare(b, a, "recall") == "worse"
    assert verdicts.votes(a, b, "recall") == {"better": ["j1", "j2", "j3"], "worse": [], "equal": []}
    split = _scores(j1={"recall": 0.7}, j2={"recall": 0.4}, j3={"recall": 0.5})
    assert verdicts.compare(split, b, "recall") == "split"
    assert verdicts.votes(split, b, "recall") == {"better": ["j1"], "worse": ["j2"], "equal": ["j3"]}
    # lower is better for the Fréchet distance; near 1 for the diversity ratio
    far = _scores(j1={"frechet": 0.3}, j2={"frechet": 0.2}, j3={"frechet": 0.4})
    assert verdicts.compare(b, far, "frechet") == "better"
    noisy = _scores(j1={"diversity_ratio": 1.5}, j2={"diversity_ratio": 1.3}, j3={"diversity_ratio": 1.2})
    assert verdicts.compare(b, noisy, "diversity_ratio") == "better"
    with pytest.raises(ValueError, match="same judges"):
        verdicts.compare(a, _scores(x={}), "recall")
    with pytest.raises(ValueError, match="measure must be"):
        verdicts.compare(a, b, "novelty")


def test_a_probe_that_beats_real_digits_marks_the_measure_broken():
    real = _scores(j1={"accuracy": 0.95}, j2={"accuracy": 0.93})
    perfect = _scores(j1={"accuracy": 1.0, "diversity_ratio": 0.0, "recall": 0.0, "frechet": 0.5},
                      j2={"accuracy": 1.0, "diversity_ratio": 0.0, "recall": 0.0, "frechet": 0.5})
    assert verdicts.broken_measures(perfect, real) == ["accuracy"]
    assert verdicts.fooled(perfect, real)["accuracy"] == ["j1", "j2"]
    half = _scores(j1={"precision": 0.9}, j2={"precision": 0.7})
    assert verdicts.fooled(half, real)["precision"] == ["j1"]
    assert verdicts.broken_measures(half, real) == ["precision"]
    assert verdicts.broken_measures(_scores(j1={"recall": 0.1}, j2={"recall": 0.1}),
                                    _scores(j1={"recall": 0.5}, j2={"recall": 0.5})) == []


def test_the_largest_disagreement_is_found():
    rows = {"calm": _scores(j1={"accuracy": 0.9}, j2={"accuracy": 0.92}),
            "split": _scores(j1={"accuracy": 0.9}, j2={"accuracy": 0.3})}
    name, gap = verdicts.spread(rows, "accuracy")
    assert name == "split" and gap == pytest.approx(0.6)


# --------------------------------------------------------------------- kept judges ------
def test_a_judge_is_trained_once_kept_and_rebuilt_when_damaged(toy, tmp_data):
    from mlfootprint import store

    config = q.JudgeConfig(widths=(4,), features=8, epochs=1, lr=5e-3)
    judge, run = q.load_or_train_judge(toy, config)
    assert run.family == "judge" and run.evaluation is not None and run.training.single_run
    assert 0.0 <= run.extra["held_out_accuracy"] <= 1.0 and run.extra["n_held_out"] == toy.n_test
    assert run.training.threads == 1 and run.training.settings["threads"] == 1
    again, run2 = q.load_or_train_judge(toy, config)
    assert run2.training.energy_kwh == run.training.energy_kwh  # read back, not retrained
    x = toy.x_test[:8]
    assert torch.equal(judge(x), again(x))
    folder = store.default_store().artefact_folder("generation/judge",
                                                   {**config.settings(), **q.judges.data_settings(toy),
                                                    "threads": 1},
                                                   code=q.judges.CODE)
    (folder / store.WEIGHTS_FILE).write_bytes(b"garbage")
    with pytest.warns(UserWarning):
        rebuilt, run3 = q.load_or_train_judge(toy, config)
    assert torch.equal(rebuilt(x), judge(x))  # seeded: the same judge again


def test_a_panel_with_a_key_keeps_its_scores(toy, tmp_data, monkeypatch):
    configs = {"a": q.JudgeConfig(widths=(4,), features=8, epochs=1, lr=5e-3),
               "b": q.JudgeConfig("mlp", (16,), features=8, epochs=1, lr=3e-3)}
    panel, runs = q.load_panel(toy, configs)
    assert list(runs) == ["a", "b"] and panel.key["judges"]["b"]["architecture"] == "mlp"
    images = lambda: (toy.x_test[:20], toy.y_test[:20])  # noqa: E731
    first = panel.score_kept({"what": "twenty test digits"}, images)
    monkeypatch.setattr(panel, "score", lambda *a: pytest.fail("scored again instead of read back"))
    again = panel.score_kept({"what": "twenty test digits"}, images)
    assert again.to_dict() == first.to_dict()
    with pytest.raises(ValueError, match="non-empty dict"):
        q.load_panel(toy, {})


def test_a_hog_judge_is_kept_like_the_networks(toy, tmp_data):
    config = q.JudgeConfig("hog", cell=7, bins=6, C=0.5, seed=1)
    judge, run = q.load_or_train_judge(toy, config)
    assert run.settings["C"] == 0.5 and run.n_parameters == 10 * (config.feature_width + 1)
    again, run2 = q.load_or_train_judge(toy, config)
    assert run2.training.energy_kwh == run.training.energy_kwh  # read back, not refitted
    assert torch.equal(judge(toy.x_test), again(toy.x_test))
    other, _ = q.load_or_train_judge(toy, q.JudgeConfig("hog", cell=7, bins=6, C=5.0, seed=1))
    assert not torch.equal(other.head.weight, judge.head.weight)  # C is in the key


def test_the_course_judges_of_another_kind_read_real_digits_well(tmp_data):
    """Each judge the course adds beyond the networks is checked on the real held-out digits
    (the bundled MNIST: the same digits offline and in CI) before it may widen the panel."""
    from mlfootprint.course import generation
    from mlfootprint.mnist import load_mnist

    data = load_mnist(**{**generation.DATA, "source": "bundled"}, verbose=False)
    others = [c for c in generation.JUDGES.values() if c.architecture not in ("cnn", "mlp")]
    assert others
    for config in others:
        _, run = q.load_or_train_judge(data, config, threads=generation.THREADS)
        assert run.extra["held_out_accuracy"] >= 0.95, config.name
        assert run.training.duration_s < 60, config.name  # cheap: seconds on one thread
