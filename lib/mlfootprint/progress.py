"""Progress bars for work that takes a while: shown in JupyterLab, silent in the static book.

``tqdm`` and ``trange`` are ``tqdm.auto``'s, disabled whatever ``disable=`` says while
``MLFOOTPRINT_STATIC_BUILD`` is on. The book's build sets it (``book/_ext/static_build.py``),
so the kernels that execute the chapters inherit it and the built pages carry no progress-bar
widgets, while a reader's kernel still shows the bars. That extension also sets
``HF_HUB_DISABLE_PROGRESS_BARS=1``; bars other libraries still draw are taken out of the pages
by ``book/_ext/no_progress_bars.py``.
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
