"""The course's tasks side by side: every model on one table (one query per call for every
task), the comparisons between tasks measured in pairs, usage at scale, published figures,
and mitigations with how each was obtained. Numbers and records only: the chapters write
the sentences.

The rooms behind this face:

- :mod:`.summaries` -- :class:`ModelSummary` (training only, one use, quality) for every
  model of the chapters, read from their stored results; :func:`check_one_mode` (every
  figure in the course's tracking mode); the summary table; :func:`best_per_task` (the
  model that stands for each task, :data:`mlfootprint.course.synthesis.CHOSEN`);
- :mod:`.pairs` -- :class:`Query` (one use of one model, one query per call) and
  :func:`paired` (two queries measured interleaved, kept by the store); the lessons'
  queries and the size ends of each task;
- :mod:`.scale` -- a year of queries, the break-even against training, another grid;
- :mod:`.comparison` -- our models queried under the published protocol
  (:data:`mlfootprint.published.POWER_HUNGRY_PROTOCOL`) and the table beside the published
  figures;
- :mod:`.mitigations` -- :class:`Mitigation`: each before/after, *measured* or *computed
  from a measured run*, with the rule's verdict where both sides were measured in pairs.

What the synthesis runs is set in :mod:`mlfootprint.course.synthesis`.
"""

from .comparison import ProtocolRow, masked_words, prompt_words, protocol_table, under_protocol
from .mitigations import (COMPUTED, MEASURED, Mitigation, batching, cleaner_grid, course_mitigations,
                          early_stopping, evaluate_less_often, smaller_model, text_generation)
from .pairs import (Query, answer_query, classify_query, draw_query, fill_query, lesson_queries,
                    paired, query_for, size_ends)
from .scale import at_scale, break_even, grid_change, grid_note, scale_table
from .summaries import (ModelSummary, all_summaries, best_per_task, by_task, check_one_mode,
                        classification_summaries, generation_summaries, instruments,
                        load_text_models, one_unit, quality_label, short_name, sources_note,
                        summary_table, text_summaries)

__all__ = [
    "ProtocolRow", "masked_words", "prompt_words", "protocol_table", "under_protocol",
    "COMPUTED", "MEASURED", "Mitigation", "batching", "cleaner_grid", "course_mitigations",
    "early_stopping", "evaluate_less_often", "smaller_model", "text_generation",
    "Query", "answer_query", "classify_query", "draw_query", "fill_query", "lesson_queries",
    "paired", "query_for", "size_ends",
    "at_scale", "break_even", "grid_change", "grid_note", "scale_table",
    "ModelSummary", "all_summaries", "best_per_task", "by_task", "check_one_mode",
    "classification_summaries", "generation_summaries", "instruments", "load_text_models",
    "one_unit", "quality_label", "short_name", "sources_note", "summary_table", "text_summaries",
]
