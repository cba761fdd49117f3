"""The generation chapter's experiments: data, judges, generators, references and what was
tried (read again by the synthesis and the tour)."""

from __future__ import annotations

from ..generate import GeneratorConfig
from ..quality import JudgeConfig

DATA = dict(source="auto", max_train=4000, max_test=1000)
THREADS = 1  # every judge and generator trains, and draws, on one CPU thread (keyed by it)

# Four judges that differ in kind, architecture and training: two CNNs (the second sees
# every training digit shifted by up to two pixels and speckled with pixel noise, a new draw
# every epoch), an MLP, and a logistic regression on histograms of oriented gradients, which
# learns no features and reads stroke directions (so it sees independent-pixel speckle
# differently from the networks). Each is named by ``JudgeConfig.name``.
JUDGES = {c.name: c for c in (
    JudgeConfig("cnn", (8, 16), kernel=3, pool="max", epochs=4, lr=3e-3, seed=0),
    JudgeConfig("mlp", (256,), epochs=8, lr=1e-3, seed=1),
    JudgeConfig("cnn", (8, 16), kernel=5, pool="avg", epochs=8, lr=3e-3, shift=2, noise=0.1, seed=2),
    JudgeConfig("hog", cell=4, bins=9, C=1.0, seed=3),
)}

_CVAE = dict(kind="cvae-mlp", hidden=(256,), epochs=15, lr=2e-3)
_MIXTURE = 10  # components per class of the code mixture

# The CVAEs tried for random digits, simplest first: a longer code, drawn from the prior or
# from a mixture fitted to the codes of the training digits, and with a KL warm-up. Configs
# that differ only in ``sampler`` share one trained network.
TRIED = {
    "CVAE z=2": GeneratorConfig(latent=2, **_CVAE),
    "CVAE z=8 (normal codes)": GeneratorConfig(latent=8, mixture_components=_MIXTURE, **_CVAE),
    "CVAE z=8 (mixture codes)": GeneratorConfig(latent=8, mixture_components=_MIXTURE,
                                                sampler="mixture", **_CVAE),
    "CVAE z=16 (normal codes)": GeneratorConfig(latent=16, mixture_components=_MIXTURE, **_CVAE),
    "CVAE z=16 (mixture codes)": GeneratorConfig(latent=16, mixture_components=_MIXTURE,
                                                 sampler="mixture", **_CVAE),
    "CVAE z=16 (KL warm-up, mixture codes)": GeneratorConfig(
        latent=16, mixture_components=_MIXTURE, sampler="mixture", kl_warmup=10, **_CVAE),
}

# The course's best image generator, chosen by the generation chapter's goals (never by
# judge accuracy alone: the class mean scores 100%): of TRIED, the one that meets most goals,
# the simplest among equals unless every judge reads a lower Fréchet distance for
# a later one (``generate.summary.choose``). The chapter checks that its
# measurements still choose it. The synthesis and the tour use it as the image generator.
DEEP = "CVAE z=16 (mixture codes)"
SHALLOW = "PCA"          # the shallow generator the deep ones must beat
WALK = "CVAE z=2"        # the generator whose two-number code the chapter walks through

# The generators compared in the chapter, the synthesis and the tour, under one name each.
CONFIGS = {
    "per-pixel": GeneratorConfig("pixel", smoothing=1.0),
    SHALLOW: GeneratorConfig("pca", n_components=20),
    WALK: TRIED[WALK],
    DEEP: TRIED[DEEP],
}

# Rows that keep the measures honest (scored by the same panel, never ranked as generators).
REFERENCES = {
    "copy": GeneratorConfig("copy"),
    "class mean": GeneratorConfig("class-mean"),
}

SAMPLE_SEED = 2          # the digits every measure is computed on
# Costs the chapter compares (DEEP against SHALLOW), measured in interleaved pairs: trainings
# (a few seconds each), and drawing one digit per call and in batches, windows of a second.
TRAINING_PAIRS = 3
DRAWING_PAIRS = 5
DRAW_BATCHES = (1, 100)
TEMPERATURES = [0.0, 0.5, 1.0, 2.0]
