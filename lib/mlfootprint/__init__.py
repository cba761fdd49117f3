"""mlfootprint: measure, store and show what machine-learning models cost.

The helper library of the AI Impacts Lab course. Chapters import it; it never
knows about chapters. One module per job:

- :mod:`mlfootprint.measure`  -- energy and CO2 of a piece of work (CodeCarbon, offline)
- :mod:`mlfootprint.store`    -- results cached under ``data/``, keyed by every setting
- :mod:`mlfootprint.mnist`    -- MNIST, real download or the bundled 5,000 digits
- :mod:`mlfootprint.plots`    -- figures built from records
- :mod:`mlfootprint.widgets`  -- controls that work with a kernel and in the static book
"""

__version__ = "0.1.0"
