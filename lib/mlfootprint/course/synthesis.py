"""The synthesis chapter's and the tour's settings: how the tasks are set side by side,
scaled to real use, compared with published figures, and which mitigations are measured.

The synthesis reads every task's models from the other course modules
(:mod:`.classification`, :mod:`.generation`, :mod:`.text`); what it adds is defined here.
"""

from __future__ import annotations

from . import generation as course_generation

# "One use" of every model, in every task: ONE query per call (one image classified, one
# digit drawn, one fill-in-the-blank query, one answer), measured with repeats, each repeat
# a window of at least ``min_seconds`` of such calls. The published study queried its
# models the same way (one input per call).
INFERENCE = dict(batch_size=1, repeats=3, min_seconds=0.5)

# The comparisons the pages draw between tasks or sizes: A and B measured in interleaved
# pairs (after a warm-up of each), one query per call, each side a window of at least
# ``min_seconds``; compare.verdict decides whether they differ. Half-second windows on one
# thread: the Measuring page's A/A test shows them within a few per cent of each other on a
# quiet machine, so longer windows would buy the rule little and cost the build.
PAIRS = dict(pairs=5, min_seconds=0.5)

# The model that stands for each task in the scale table, the break-even and the published
# comparison. Image generation: the generator the generation chapter chose by its goals
# (never judge accuracy alone: the class mean scores 100% and draws no new digit).
# Image classification: the most accurate classifier (the classification chapter's rule).
# The text tasks have one model each.
CHOSEN = {"image generation": course_generation.DEEP}

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
# query is repeated, and for at least how long, on this machine (as INFERENCE, so the image
# tasks' figures are the same records).
PROTOCOL_REPEATS = dict(repeats=3, min_seconds=0.5)
