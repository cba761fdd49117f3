"""The synthesis chapter's and the tour's settings: how the tasks are set side by side,
scaled to real use, compared with published figures, and which mitigations are measured.

The synthesis reads every task's models from the other course modules
(:mod:`.classification`, :mod:`.generation`, :mod:`.text`); what it adds is defined here.
"""

from __future__ import annotations

# Energy per use of the classifiers in the summary table: batches of this many test images,
# measured with repeats (the generation chapter measures its generators the same way).
INFERENCE = dict(batch_size=100, repeats=3, min_seconds=0.5)

# "At real scale": a service answering this many queries a day for this many days, and the
# grids (ISO 3166 alpha-3) its CO2 is shown on.
SCALE = dict(queries_per_day=1_000_000, days=365, countries=("SWE", "USA", "IND"))

# Mitigations, each run on the course's own workloads.
MITIGATIONS = dict(
    # a smaller model: the cheapest classifier to train within this many accuracy points
    # (as a fraction) of the most accurate one
    tolerance=0.01,
    # early stopping: validation images carved from the training images (never the test
    # set), and the patience and minimum gain on the validation accuracy
    val_size=500, patience=2, min_delta=0.002,
    # batching classifier inference: images per call, one at a time against a batch
    batch_small=1, batch_large=100,
    # running where the grid is cleaner (ISO 3166 alpha-3)
    clean_grid="SWE",
)

# Measurements under the published protocol (Power Hungry Processing): how many times each
# query is repeated, and for at least how long, on this machine.
PROTOCOL_REPEATS = dict(repeats=3, min_seconds=0.5)
