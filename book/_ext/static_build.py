"""Tell the chapters' kernels that they run for the static book, so they show no progress bars.

The book is built by ``jupyter-book build``, which executes every chapter in a kernel that
this Sphinx process starts (MyST-NB / jupyter-cache / nbclient); a kernel inherits the
environment of the process that starts it. At config time this extension sets:

* ``MLFOOTPRINT_STATIC_BUILD=1`` -- ``mlfootprint.progress.tqdm`` disables its bars;
* ``HF_HUB_DISABLE_PROGRESS_BARS=1`` -- huggingface_hub and transformers' download bars.

(``TQDM_DISABLE`` would not help: tqdm's notebook bar passes ``disable=False`` explicitly,
which beats the variable. Bars that other libraries still draw are removed from the pages
by ``no_progress_bars.py``.)

A reader's JupyterLab or Binder kernel does not have these variables and shows the bars.
The values must match ``mlfootprint.progress.STATIC_BUILD_ENVIRONMENT`` (checked by
``tests/test_web_ext.py``); they are repeated here so that the book's build configuration
does not import the course library.
"""

from __future__ import annotations

import os

from sphinx.application import Sphinx

STATIC_BUILD_ENVIRONMENT = {"MLFOOTPRINT_STATIC_BUILD": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}


def mark_static_build(app: Sphinx, config) -> None:
    os.environ.update(STATIC_BUILD_ENVIRONMENT)


def setup(app: Sphinx) -> dict:
    # config-inited comes before any notebook is read, so before any kernel starts
    app.connect("config-inited", mark_static_build)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
