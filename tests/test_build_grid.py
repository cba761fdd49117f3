"""The grid exercise of the Synthesis page, done to the whole book: rebuilding it with
``MLFOOTPRINT_COUNTRY=FRA`` executes every page again (``book/_ext/fresh_pages.py``), re-runs
no experiment, and changes exactly what the grid changes.

After the main build, the book is built a second time into a temporary folder with France's
grid, against the same results store. Then, page by page:

* no experiment ran: the results store is byte for byte what it was;
* every method note that named the United States' grid names France's, and none names the
  USA's (tables of several grids chosen by the page, such as Synthesis's, stay as they are);
* every energy figure is the same, in the same order (except in the cells tagged
  ``measured-live``, which measure afresh whenever they run and say so);
* every CO₂e figure is the USA's figure times the ratio of the two grids' intensities (to the
  rounding of the printed digits); a published figure, or one put on another grid the page
  names, stays as it is.
"""

from __future__ import annotations

import math
import os
import re
import sys
from pathlib import Path

import pytest

import browser_helpers as bh
from book_pages import BOOK, toc_pages, visible_text

sys.path.insert(0, str(BOOK / "_ext"))
import fresh_pages  # noqa: E402  (a Sphinx extension of the book, not a package)

NUMBER = r"(\d[\d,]*(?:\.\d+)?)"
ENERGY = re.compile(NUMBER + r"\s?(µJ|mJ|kJ|MJ|GJ|J|µWh|mWh|kWh|MWh|GWh|Wh)(?![\w/])")
# a CO₂e figure, and the grid it names when it names one ("2.11 mg CO₂e (Sweden, 40.7 g/kWh)")
CO2 = re.compile(NUMBER + r"\s?(µg|mg|kg|g|t)\s?CO₂e?(?:\s\(([A-Z][^,()]+),)?")
GRID_NOTE = re.compile(r"Grid: [^(\n]+ \((\w{3})\)")   # a method note's grid (method_instrument)
MASS = {"µg": 1e-9, "mg": 1e-6, "g": 1e-3, "kg": 1.0, "t": 1e3}


LIVE = "measured-live"   # a cell that measures afresh whenever it runs, and says so


def page_text(path: Path) -> str:
    """What a reader sees of a built page (its prose and glued values included), without the
    cells that measure live by design."""
    return visible_text(path.read_text(encoding="utf-8"), skip=(f"tag_{LIVE}",))


def co2_values(text: str, grid_in_force: str) -> list[tuple[float, bool]]:
    """Every CO₂e figure in kg, with whether it stays as it is whatever the grid in force: a
    published one (cited on a line that says "published") or one the page puts on a grid it
    names, other than the grid in force (Sweden's, in "Running where the grid is cleaner")."""
    return [(float(n.replace(",", "")) * MASS[u],
             "published" in line.lower() or bool(grid and grid != grid_in_force))
            for line in text.splitlines() for n, u, grid in CO2.findall(line)]


def energies(text: str) -> list[tuple[str, str]]:
    return ENERGY.findall(text)


@pytest.mark.chapter
def test_a_rebuild_on_another_grid_changes_only_the_co2(book_build, tmp_path):
    from mlfootprint import measure, paths

    data = paths.data_dir(create=False)
    store_before = fresh_pages.store_digest(data)
    env = dict(os.environ, MLFOOTPRINT_COUNTRY="FRA")
    log = bh.build_book(BOOK, env=env, path_output=tmp_path)
    assert fresh_pages.store_digest(data) == store_before, "the FRA build ran an experiment again"

    usa, fra = measure.carbon_intensity("USA"), measure.carbon_intensity("FRA")
    ratio = fra.g_per_kwh / usa.g_per_kwh
    checked_co2 = named = 0
    for name in toc_pages(BOOK):
        before_path = BOOK / "_build" / "html" / f"{name}.html"
        after_path = tmp_path / "_build" / "html" / f"{name}.html"
        if not before_path.is_file():
            continue
        assert f"{name}.md: Executing notebook" in log, f"{name} was not executed again for FRA"
        before, after = page_text(before_path), page_text(after_path)
        notes_before, notes_after = GRID_NOTE.findall(before), GRID_NOTE.findall(after)
        assert len(notes_before) == len(notes_after), f"{name}: not the same method notes"
        assert set(notes_before) <= {usa.country_iso}, f"{name}: the first build was not on USA's grid"
        assert set(notes_after) <= {fra.country_iso}, f"{name}: a method note does not name France"
        named += bool(notes_after)
        assert energies(after) == energies(before), f"{name}: an energy figure changed"
        old, new = co2_values(before, usa.country_name), co2_values(after, fra.country_name)
        assert len(old) == len(new), f"{name}: not the same CO₂e figures"
        for (a, cited), (b, _) in zip(old, new):
            if cited:
                assert a == b, f"{name}: a published or named-grid CO₂e figure changed with our grid"
                continue
            # three significant digits are printed: each side is within 0.5% of its value
            assert math.isclose(b, a * ratio, rel_tol=0.012) or (a == 0 and b == 0), \
                f"{name}: CO₂e {a} kg on {usa.country_iso} became {b} kg on {fra.country_iso}, not ×{ratio:.3f}"
            checked_co2 += 1
    assert named >= 3 and checked_co2 >= 5, (named, checked_co2)
