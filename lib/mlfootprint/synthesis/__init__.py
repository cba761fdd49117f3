"""The course's tasks side by side: every model on one table (:mod:`.summaries`), the
comparisons between tasks measured in pairs, one query per call (:mod:`.pairs`), usage at
scale (:mod:`.scale`), the published protocol (:mod:`.comparison`) and mitigations with how
each was obtained (:mod:`.mitigations`). Numbers and records only: the chapters write the
sentences; what the synthesis runs is set in :mod:`mlfootprint.course.synthesis`."""

from .comparison import ProtocolRow, prompt_words, protocol_table, under_protocol
from .mitigations import (COMPUTED, MEASURED, Mitigation, batching, cleaner_grid, course_mitigations,
                          early_stopping, evaluate_less_often, smaller_model, text_generation)
from .pairs import Query, classify_query, draw_query, lesson_queries, paired, query_for, size_ends
from .scale import at_scale, break_even, grid_change, grid_note, scale_table
from .summaries import (ModelSummary, all_summaries, best_per_task, by_task, check_one_mode,
                        classification_summaries, generation_summaries, instruments, one_unit,
                        quality_label, sources_note, summary_table, text_summaries)
