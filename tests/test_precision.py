"""Honest precision on every built page: ratios to two significant figures, spreads in whole
percent ("under 1%" below that, never "±0%").

The scan reads what a reader sees on each page of the built website (prose, tables and
printed output; not the source code of the cells, nor the figures' pixels) and fails on:

* a ratio ("4,402,018×", "1.05×", "3.25 times") with more than two significant figures;
* a spread ("±0.521%", "±12.5%") with decimals, or "±0%".

A dimension such as "256×256" or "28×28 pixels" is not a ratio. To see the scan fail, print
``f"{4402018.3:,.0f}×"`` in any chapter, or ``units.times`` with ``digits=6``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from book_pages import BOOK, visible_text

HTML = BOOK / "_build" / "html"

_NUMBER = r"(?<![\w.,])(\d[\d,]*(?:\.\d+)?)"
RATIO = re.compile(_NUMBER + r"\s?(?:×(?!\s?\d)|times\b)")
SPREAD = re.compile(r"±\s?(\d[\d,]*(?:\.\d+)?)\s?%")


def significant_figures(text: str) -> int:
    """Significant figures as written: "4,400,000" -> 2, "0.50" -> 2, "1.05" -> 3, "120" -> 2."""
    digits = text.replace(",", "")
    if "." in digits:
        return len(digits.replace(".", "").lstrip("0")) or 1
    return len(digits.lstrip("0").rstrip("0")) or 1


def precision_problems(text: str) -> list[str]:
    """Each ratio or spread in ``text`` printed with more precision than it has."""
    bad = []
    for m in RATIO.finditer(text):
        if significant_figures(m.group(1)) > 2:
            bad.append(m.group(0))
    for m in SPREAD.finditer(text):
        value = m.group(1)
        if "." in value or float(value.replace(",", "")) == 0:
            bad.append(m.group(0))
    return bad


@pytest.mark.parametrize("text, expected", [
    ("one use costs 4,402,018× as much", ["4,402,018×"]),
    ("then about 4,400,000× a line later", []),
    ("a ratio of 1.05× and of 1.0×, 0.50× or 12×", ["1.05×"]),
    ("it costs 684,841 times what", ["684,841 times"]),
    ("3.2 times as much, 2 times, 120 times", []),
    ("a spread of ±0.521% and ±0% and ±12.5%", ["±0.521%", "±0%", "±12.5%"]),
    ("a spread of ±6%, under 1%, ±170%", []),
    ("1,000 products of 256×256 matrices on 28 × 28 pixels", []),
])
def test_the_scan_finds_false_precision_and_only_that(text, expected):
    assert precision_problems(text) == expected


def test_source_code_is_not_scanned_but_outputs_are():
    html = ('<div class="cell_input"><pre>ratio = 1.2345 # 1.2345×</pre></div>'
            '<div class="cell_output"><pre>3.25×</pre></div><p>±0.5% spread</p>'
            '<script>var x = "9.999×";</script>')
    assert precision_problems(visible_text(html)) == ["3.25×", "±0.5%"]


@pytest.mark.chapter
def test_no_built_page_prints_a_ratio_or_spread_too_precisely(book_build):
    pages = [p for p in sorted(HTML.glob("*.html")) if p.name not in ("genindex.html", "search.html")]
    assert len(pages) >= 8
    problems = {p.name: precision_problems(visible_text(p.read_text(encoding="utf-8"))) for p in pages}
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, f"ratios or spreads printed too precisely: {problems}"
