"""Notices from the library to the reader: fallbacks, recomputations, clipped inputs,
results that could not be saved, and warnings CodeCarbon gave while measuring.

A notice is a Python warning of a :class:`Notice` category, so code can catch or filter
it (``pytest.warns``, ``warnings.catch_warnings``). It is *shown* on standard output as
``[mlfootprint] ...``: the book removes standard error from its pages (to keep
CodeCarbon's log chatter out), and the library's own notices must still reach the page.
Every notice is shown each time it happens, not once per place in the code.
"""

from __future__ import annotations

import sys
import warnings


class Notice(UserWarning):
    """Something the reader should know about how a result was obtained."""


class FallbackNotice(Notice):
    """Something asked for was not available, and something else was used instead."""


class RecomputeNotice(Notice):
    """A stored result or artefact was unusable: it was moved aside and computed again."""


class NotSavedNotice(Notice):
    """A result was computed but could not be stored; it is returned anyway."""


class ClippedNotice(Notice):
    """An input was larger than what is available or allowed, and a smaller one was used."""


class TrackerNotice(Notice):
    """CodeCarbon warned while measuring; the record says so too."""


PREFIX = "[mlfootprint]"


def notice(message: str, category: type[Notice] = Notice, stacklevel: int = 2) -> None:
    """Tell the reader ``message`` (a warning of ``category``, shown on standard output)."""
    if not (isinstance(category, type) and issubclass(category, Notice)):
        raise TypeError(f"category must be a Notice subclass, got {category!r}")
    warnings.warn(message, category, stacklevel=stacklevel + 1)


_original_showwarning = warnings.showwarning


def _showwarning(message, category, filename, lineno, file=None, line=None):
    if isinstance(category, type) and issubclass(category, Notice):
        print(f"{PREFIX} {message}", file=sys.stdout, flush=True)
        return
    _original_showwarning(message, category, filename, lineno, file, line)


def install() -> None:
    """Show notices on stdout, every time (idempotent; done when the package is imported)."""
    if warnings.showwarning is not _showwarning:
        warnings.showwarning = _showwarning
    warnings.filterwarnings("always", category=Notice)


install()
