"""The course's models at the scale of a service: energy and CO2 of a year of queries, the
number of uses that costs as much as a model's training, and the same record on another
grid. Numbers only: the chapters write the sentences.
"""

from __future__ import annotations

import math
from typing import Sequence

from .. import checks, measure, units
from ..course import synthesis as course
from ..measure import Measurement
from .summaries import ModelSummary, best_per_task, check_one_mode, one_unit


def at_scale(per_use: Measurement | float, *, queries_per_day: float | None = None,
             days: int | None = None, countries: Sequence[str] | None = None) -> dict:
    """Energy (kWh) of ``queries_per_day`` uses for ``days`` days, and its CO2 (kg) on each
    grid of ``countries``. ``per_use`` is a Measurement or an energy in kWh."""
    scale = course.SCALE
    kwh_one = per_use.energy_kwh if isinstance(per_use, Measurement) else \
        checks.number("per_use", per_use, lo=0)
    q = checks.number("queries_per_day", scale["queries_per_day"] if queries_per_day is None
                      else queries_per_day, lo=0)
    d = checks.integer("days", scale["days"] if days is None else days, lo=1)
    countries = tuple(scale["countries"] if countries is None else countries)
    kwh = kwh_one * q * d
    return {"kwh": kwh, "uses": q * d, "kg_co2": {c: measure.kwh_to_kg(kwh, c) for c in countries}}


def scale_table(summaries: Sequence[ModelSummary], **scale):
    """The model that stands for each task (:func:`best_per_task`) at the scale of a
    service: energy of the period and its CO2e on several grids. Every CO2e column shares
    one unit (they are one quantity), chosen so that no cell needs five digits where one
    unit can do it."""
    import pandas as pd

    rows = []
    for task, (s, _) in best_per_task(check_one_mode(summaries)).items():
        out = at_scale(s.per_use, **scale)
        rows.append({"Task": task, "Model": s.model, "kwh": out["kwh"],
                     **{f"co2_{c}": v for c, v in out["kg_co2"].items()}})
    df = pd.DataFrame(rows)
    co2 = [c for c in df.columns if c.startswith("co2_")]
    unit = one_unit([v for c in co2 for v in df[c]], "kg").unit
    energy = one_unit(df["kwh"].tolist(), "kWh", system="Wh")
    table = df.drop(columns=["kwh"] + co2)
    table[energy.header("Energy")] = list(energy.cells)
    for c in co2:
        table[f"CO₂e, {c[4:]} ({unit})"] = list(units.column(df[c].tolist(), "kg", to=unit).cells)
    return table


def break_even(summaries: Sequence[ModelSummary], *, queries_per_day: float | None = None) -> list[dict]:
    """For the model that stands for each task, when it has a measured training: the number
    of uses that cost as much energy as its training, and the seconds a service of
    ``queries_per_day`` takes to get there. ``[{"task", "summary", "uses", "seconds"}]``."""
    q = checks.number("queries_per_day", course.SCALE["queries_per_day"] if queries_per_day is None
                      else queries_per_day, lo=0, lo_open=True)
    out = []
    for task, (s, _) in best_per_task(check_one_mode(summaries)).items():
        if s.training is None or not s.per_use.energy_kwh:
            continue
        uses = s.training.energy_kwh / s.per_use.energy_kwh
        out.append({"task": task, "summary": s, "uses": uses, "seconds": uses / q * 86_400})
    return out


def grid_note(countries: Sequence[str] | None = None) -> str:
    """The intensities used for ``countries`` (CodeCarbon's yearly averages), in one line."""
    countries = course.SCALE["countries"] if countries is None else countries
    parts = []
    for c in countries:
        g = measure.carbon_intensity(c)
        parts.append(f"{g.country_name} ({c}) {units.number(g.g_per_kwh)} g/kWh")
    return "Grids: " + "; ".join(parts) + " (CodeCarbon's yearly averages)."


def grid_change(record: Measurement, to: str) -> dict:
    """The same record on another grid: energy identical, CO2 scaled by the intensities."""
    there = record.on_grid(to)
    return {"here": record, "there": there,
            "energy_same": there.energy_kwh == record.energy_kwh,
            "ratio": (there.emissions_kg / record.emissions_kg) if record.emissions_kg else math.nan}
