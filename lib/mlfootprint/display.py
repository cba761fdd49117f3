"""Readable blocks for the pages: admonitions (:func:`source_note`, :func:`admonition`) and
tables (:func:`table`: a caption above, the method note under it, scrolling on its own on a
narrow screen). Each shows as HTML in the book and JupyterLab (the theme's ``admonition``
classes, styled by ``book/_static/mlfootprint.css``), as Markdown or text elsewhere.
"""

from __future__ import annotations

import html
import math
import numbers
from typing import Any

KINDS = ("note", "tip", "important", "warning", "caution", "attention", "seealso")


def _inline_markdown(text: str) -> str:
    """Markdown (links, emphasis, ``code``) to HTML paragraphs; raw HTML is escaped."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # pragma: no cover - markdown-it-py comes with the book's tools
        return "".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())
    return MarkdownIt("commonmark", {"html": False}).render(text).strip()


def _check_text(name: str, value: Any, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value.strip()


class Admonition:
    """A titled note box (see :func:`admonition`)."""

    def __init__(self, text: str, kind: str = "note", title: str | None = None):
        self.text = _check_text("text", text)
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        self.kind = kind
        self.title = _check_text("title", title, optional=True) or kind.capitalize()

    def _repr_html_(self) -> str:
        return (f'<div class="admonition {self.kind} mlf-note">'
                f'<p class="admonition-title">{html.escape(self.title)}</p>'
                f"{_inline_markdown(self.text)}</div>")

    def _repr_markdown_(self) -> str:
        body = "\n".join(f"> {line}" if line else ">" for line in self.text.splitlines())
        return f"> **{self.title}.**\n>\n{body}"

    def __repr__(self) -> str:
        return f"{self.title}: {' '.join(self.text.split())}"


def admonition(text: str, kind: str = "note", *, title: str | None = None) -> Admonition:
    """A note box: ``admonition("The CPU power is estimated ...", "warning", title="Estimate")``.
    ``text`` is Markdown (links, *emphasis*, `code`); ``kind`` is one of :data:`KINDS`."""
    return Admonition(text, kind, title)


def source_note(text: str, *, title: str = "Where these results come from",
                kind: str = "note") -> Admonition:
    """The note at the top of a chapter that says which data and models produced its numbers,
    and which fallback was used and why, e.g.
    ``source_note(f"Digits: {source.description}. {source.reason}")``."""
    return Admonition(text, kind, title)


# ---------------------------------------------------------------------------- tables ---
def _cell(value: Any) -> Any:
    """Floats shown positionally (no e-notation); everything else as is."""
    from .units import MISSING, number

    if value is None:
        return MISSING
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral)):
        return MISSING if math.isnan(float(value)) else number(value)
    return value


class Table:
    """A pandas table with a caption above and a note under it (see :func:`table`)."""

    def __init__(self, df, caption: str | None = None, note: str | None = None,
                 index: bool = False):
        import pandas as pd  # heavy, and only for tables

        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
        self.caption = _check_text("caption", caption, optional=True)
        self.note = _check_text("note", note, optional=True)
        self.index = bool(index)
        self.df = df.map(_cell) if hasattr(df, "map") else df.applymap(_cell)

    def _repr_html_(self) -> str:
        table = self.df.to_html(index=self.index, border=0, escape=True,
                                classes=["dataframe", "mlf-table"])
        cap = (f'<p class="mlf-table-caption">{html.escape(self.caption)}</p>'
               if self.caption else "")
        note = f'<div class="mlf-table-note">{_inline_markdown(self.note)}</div>' if self.note else ""
        return (f'<div class="mlf-table-block">{cap}<div class="mlf-table-scroll">{table}</div>'
                f"{note}</div>")

    def _repr_markdown_(self) -> str:
        parts = [f"**{self.caption}**", ""] if self.caption else []
        try:
            parts.append(self.df.to_markdown(index=self.index))
        except ImportError:   # to_markdown needs tabulate
            parts.append(self.df.to_string(index=self.index))
        if self.note:
            parts += ["", self.note]
        return "\n".join(parts)

    def __repr__(self) -> str:
        parts = [self.caption] if self.caption else []
        parts.append(self.df.to_string(index=self.index))
        if self.note:
            parts.append(self.note)
        return "\n\n".join(parts)


def table(df, *, caption: str | None = None, note: str | None = None,
          index: bool = False) -> Table:
    """Show ``df`` (already formatted, e.g. by :func:`mlfootprint.units.table`) with an
    optional ``caption`` above and ``note`` (Markdown; the method, stated once) under it.
    Remaining float cells are shown without e-notation; the index is hidden unless
    ``index=True``."""
    return Table(df, caption=caption, note=note, index=index)


__all__ = ["admonition", "source_note", "table", "Admonition", "Table", "KINDS"]
