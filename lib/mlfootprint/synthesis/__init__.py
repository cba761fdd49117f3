"""The course's tasks side by side: every model on one table, usage at scale, published
figures measured like for like, and mitigations with how each was obtained.

The rooms behind this face:

- :mod:`.summaries` -- :class:`ModelSummary` (training only, one use, quality) for every
  model of the chapters, read from their stored results; :func:`check_one_mode` (every
  figure in the course's tracking mode); the summary table and its methods note;
  :func:`best_per_task`;
- :mod:`.findings` -- sentences chosen by the results (cost per use against size, the gap
  between tasks), :func:`at_scale` and its table, the tour's line per task;
- :mod:`.comparison` -- our best models measured under the published protocol
  (:data:`mlfootprint.published.POWER_HUNGRY_PROTOCOL`), the table, the differences that
  remain and the orderings;
- :mod:`.mitigations` -- :class:`Mitigation`: each before/after, *measured* or *computed
  from a measured run*.

What the synthesis runs is set in :mod:`mlfootprint.course.synthesis`.
"""

from .comparison import (ProtocolRow, comparison_sentence, differences_text, masked_words,
                         prompt_words, protocol_table, relation, under_protocol)
from .findings import (at_scale, break_even, chapter_findings, grid_change, grid_sentence, grid_note, scale_table, size_findings, size_sentence,
                       size_trend, task_overview)
from .mitigations import (COMPUTED, MEASURED, Mitigation, batching, change_words, cleaner_grid,
                          course_mitigations, describe, early_stopping, evaluate_less_often,
                          instrument_note, smaller_model, text_generation)
from .summaries import (ModelSummary, all_summaries, best_per_task, by_task, check_one_mode,
                        classification_summaries, generation_summaries, instruments,
                        load_text_models, methods_note, protocol, quality_label, short_name,
                        sources_note, summary_table, text_summaries)

__all__ = [
    "ProtocolRow", "comparison_sentence", "differences_text", "masked_words", "prompt_words",
    "protocol_table", "relation", "under_protocol", "at_scale", "grid_change", "grid_note",
    "break_even", "chapter_findings", "grid_sentence", "sources_note", "scale_table", "size_findings", "size_sentence", "size_trend", "task_overview", "COMPUTED",
    "MEASURED", "Mitigation", "batching", "change_words", "cleaner_grid", "course_mitigations",
    "describe", "early_stopping", "evaluate_less_often", "instrument_note", "smaller_model",
    "text_generation", "ModelSummary", "all_summaries", "best_per_task", "by_task",
    "check_one_mode", "classification_summaries", "generation_summaries", "instruments",
    "load_text_models", "methods_note", "protocol", "quality_label", "short_name",
    "summary_table", "text_summaries",
]
