"""The generation chapter's generators and data (read again by the synthesis and the tour)."""

from __future__ import annotations

from ..generate import GeneratorConfig

DATA = dict(source="auto", max_train=4000, max_test=1000)
CONFIGS = {
    "per-pixel": GeneratorConfig("pixel", smoothing=1.0),
    "PCA": GeneratorConfig("pca", n_components=20),
    "CVAE-MLP": GeneratorConfig("cvae-mlp", hidden=(256,), latent=2, epochs=20, lr=2e-3),
    "CVAE-CNN": GeneratorConfig("cvae-cnn", channels=(8, 16), latent=2, epochs=20, lr=3e-3),
    "copy": GeneratorConfig("copy"),
}
