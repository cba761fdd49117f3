"""The text chapter's examples and measurements (read again by the synthesis and the tour).

The chapter runs every model on ``THREADS`` CPU threads: on a machine shared with other
work, two threads that wait for each other make timings swing, one thread gives steadier
numbers. Each measuring function is given ``threads=THREADS`` and records what it used.
"""

from __future__ import annotations

THREADS = 1
FILL_EXAMPLE = "The [MASK] statement is used for conditional execution."
FILL_EXAMPLES = (FILL_EXAMPLE,
                 "A function can [MASK] a value to its caller.",
                 "The [MASK] loop is used to iterate over the [MASK] of a sequence.")
PROMPT = "The future of AI is"
PROMPTS = (PROMPT, "Training a neural network costs energy because")
SHOWN_TOKENS = 24                       # new tokens in the two greedy examples
VIEWS = dict(prompt="Once upon a time", token_options=(8, 16, 32), temperatures=(0.0, 1.0), seed=0)
SWEEP = dict(token_counts=(4, 8, 16, 32), repeats=3, min_seconds=0.5)
FILL_MEASURE = dict(repeats=5, min_seconds=1.0)
# Every comparison the chapter draws: A and B in interleaved pairs (compare.measure_pairs), each
# side one tracker window of at least min_seconds (one generation query outlasts it alone).
PAIRED = dict(pairs=5, min_seconds=1.0)
# The measured mitigation on generation: the same greedy queries one at a time, then in one batch,
# in `repeats` interleaved pairs.
MITIGATION = dict(kind="batching", n_tokens=8, repeats=5, min_seconds=0.5,
                  prompts=(PROMPT, "Training a neural network costs energy because",
                           "Once upon a time", "The best way to save energy is"))
