"""Progress bars for work that takes a while: shown in JupyterLab, silent in the static book.

Use it exactly like ``tqdm.auto``::

    from mlfootprint.progress import tqdm, trange

    for config in tqdm(configs, desc="sweep", unit="model"):
        ...

When the environment variable ``MLFOOTPRINT_STATIC_BUILD`` is on (``1``, ``true``, ``yes``,
``on``), every bar made here is disabled, whatever ``disable=`` says; a value that is
neither on nor off is refused (:class:`~mlfootprint.environment.SettingError`). The book's build
sets it (``book/_ext/static_build.py``, at config time), so the kernels that execute the
chapters inherit it and the built pages carry no progress-bar widgets, while a reader's
kernel in JupyterLab or Binder, which does not have it, still shows the bars. The same
extension sets ``HF_HUB_DISABLE_PROGRESS_BARS=1`` for the download bars of huggingface_hub
and transformers; bars that other libraries still draw (tqdm's notebook bar ignores
``TQDM_DISABLE``) are taken out of the pages by ``book/_ext/no_progress_bars.py``.
"""

from __future__ import annotations

from tqdm.auto import tqdm as _auto_tqdm

from .environment import SWITCH_WORDS, declare, read, switch

STATIC_BUILD_ENV = "MLFOOTPRINT_STATIC_BUILD"
# What the static build sets, for the kernels it starts (see book/_ext/static_build.py).
STATIC_BUILD_ENVIRONMENT = {STATIC_BUILD_ENV: "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
declare(STATIC_BUILD_ENV, SWITCH_WORDS, switch)


def static_build() -> bool:
    """True while the book is being built into static pages (no one watches the bars)."""
    return bool(read(STATIC_BUILD_ENV))


class tqdm(_auto_tqdm):  # noqa: N801 - a drop-in for tqdm.auto.tqdm
    """``tqdm.auto.tqdm``, disabled during the static build (see the module docstring)."""

    def __init__(self, *args, **kwargs):
        if static_build():
            kwargs["disable"] = True
        super().__init__(*args, **kwargs)


def trange(*args, **kwargs) -> tqdm:
    """``tqdm(range(*args), **kwargs)``."""
    return tqdm(range(*args), **kwargs)


__all__ = ["tqdm", "trange", "static_build", "STATIC_BUILD_ENV", "STATIC_BUILD_ENVIRONMENT"]
