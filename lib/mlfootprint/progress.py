"""Progress bars: ``tqdm.auto``'s, shown in JupyterLab, disabled whatever ``disable=`` says
while ``MLFOOTPRINT_STATIC_BUILD`` is on. The book's build sets it (``book/_ext/static_build.py``,
with ``HF_HUB_DISABLE_PROGRESS_BARS=1``), so the built pages carry no progress-bar widgets;
bars other libraries still draw are taken out by ``book/_ext/no_progress_bars.py``."""

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
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **({**kwargs, "disable": True} if static_build() else kwargs))


def trange(*args, **kwargs) -> tqdm:
    return tqdm(range(*args), **kwargs)
