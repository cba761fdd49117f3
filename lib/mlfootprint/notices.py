"""Notices from the library to the reader: Python warnings of a :class:`Notice` category (so
code can catch or filter them), *shown* on standard output as ``[mlfootprint] ...`` every time
they happen: the book removes standard error from its pages (CodeCarbon's log chatter), and
the library's own notices must still reach the page."""

from __future__ import annotations

import sys
import warnings

PREFIX = "[mlfootprint]"


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


def notice(message: str, category: type[Notice] = Notice, stacklevel: int = 2) -> None:
    """Tell the reader ``message`` (a warning of ``category``, shown on standard output)."""
    if not (isinstance(category, type) and issubclass(category, Notice)):
        raise TypeError(f"category must be a Notice subclass, got {category!r}")
    warnings.warn(message, category, stacklevel=stacklevel + 1)


def _showwarning(message, category, filename, lineno, file=None, line=None, _original=warnings.showwarning):
    if isinstance(category, type) and issubclass(category, Notice):
        print(f"{PREFIX} {message}", file=sys.stdout, flush=True)
    else:
        _original(message, category, filename, lineno, file, line)


warnings.showwarning = _showwarning   # notices on stdout, every time
warnings.filterwarnings("always", category=Notice)
