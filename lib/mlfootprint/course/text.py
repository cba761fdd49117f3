"""The text chapter's examples and measurements (read again by the synthesis and the tour)."""

from __future__ import annotations

THREADS = 1
FILL_EXAMPLE = "The [MASK] statement is used for conditional execution."
PROMPT = "The future of AI is"
SWEEP = dict(token_counts=(4, 8, 16, 32), repeats=3, min_seconds=0.5)
