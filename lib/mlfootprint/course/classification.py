"""The classification chapter's sweep (read again by the synthesis and the tour).

The sweep's models train in about a minute and a half together on one idle CPU thread.
"""

from __future__ import annotations

from ..classify import TrainConfig, sweep_configs

# Settings shared by every model of the sweep.
SETTINGS = dict(epochs=10, lr=1e-3, batch_size=64, seed=0, source="auto",
                n_train=4000, n_test=1000, eval_train_size=1000, device="auto", threads=1)
MLPS = [(12,), (24, 4), (32, 16), (64, 32), (128, 64, 32), (256, 128, 64)]
CNNS = [(4,), (8,), (8, 16), (16, 32), (32, 64)]
# Accuracy levels the chapter asks the cheapest model for, and how many early epochs it
# looks at for "most of the gain".
LEVELS = (0.90, 0.95)
EARLY_EPOCHS = 2


def configs() -> list[TrainConfig]:
    """One TrainConfig per model of the sweep, MLPs first."""
    return sweep_configs(MLPS, CNNS, **SETTINGS)
# The MLP and the CNN the chapter compares, measured side by side: training repeated with
# these seeds (three runs each, the fewest the rule in mlfootprint.compare compares), and
# classification in interleaved pairs, one image per call as the synthesis's "one use".
SEEDS = (0, 1, 2)
INFERENCE_PAIRS = dict(batch_size=1, pairs=5, min_seconds=1.0)
