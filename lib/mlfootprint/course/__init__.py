"""The course's experiments: what each chapter trains and measures, defined once.

The computing modules (:mod:`mlfootprint.classify`, :mod:`mlfootprint.generate`,
:mod:`mlfootprint.textmodels`, ...) know nothing of chapters. The chapters, the synthesis
and the tour read their experiments from here, so the same stored runs are found again:

- :mod:`mlfootprint.course.classification` -- the sweep of MLPs and CNNs;
- :mod:`mlfootprint.course.generation` -- the generators and their data;
- :mod:`mlfootprint.course.text` -- the text chapter's examples, sweep and threads.

Each submodule is imported on its own (``from mlfootprint.course import classification``),
so reading one chapter's definitions does not import another chapter's libraries.
"""
