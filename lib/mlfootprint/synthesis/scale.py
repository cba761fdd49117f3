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


def _default(value, name: str):
    return course.SCALE[name] if value is None else value


def at_scale(per_use: Measurement | float, *, queries_per_day: float | None = None,
             days: int | None = None, countries: Sequence[str] | None = None) -> dict:
    """Energy (kWh) of ``queries_per_day`` uses (``per_use``: a Measurement or kWh) for
    ``days`` days, and its CO2 (kg) on each grid of ``countries``."""
    kwh_one = per_use.energy_kwh if isinstance(per_use, Measurement) else \
        checks.number("per_use", per_use, lo=0)
    q = checks.number("queries_per_day", _default(queries_per_day, "queries_per_day"), lo=0)
    d = checks.integer("days", _default(days, "days"), lo=1)
    countries = tuple(_default(countries, "countries"))
    kwh = kwh_one * q * d
    return {"kwh": kwh, "uses": q * d, "kg_co2": {c: measure.kwh_to_kg(kwh, c) for c in countries}}


def scale_table(summaries: Sequence[ModelSummary], **scale):
    """:func:`at_scale` for the model that stands for each task, every CO2e column in one unit."""
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
    """For the model that stands for each task, when it has a measured training: the uses
    that cost as much energy as its training, and the seconds a service of
    ``queries_per_day`` takes to get there. ``[{"task", "summary", "uses", "seconds"}]``."""
    q = checks.number("queries_per_day", _default(queries_per_day, "queries_per_day"), lo=0, lo_open=True)
    out = []
    for task, (s, _) in best_per_task(check_one_mode(summaries)).items():
        if s.training is None or not s.per_use.energy_kwh:
            continue
        uses = s.training.energy_kwh / s.per_use.energy_kwh
        out.append({"task": task, "summary": s, "uses": uses, "seconds": uses / q * 86_400})
    return out


def grid_note(countries: Sequence[str] | None = None) -> str:
    """The intensities used for ``countries`` (CodeCarbon's yearly averages), in one line."""
    grids = {c: measure.carbon_intensity(c) for c in _default(countries, "countries")}
    return "Grids: " + "; ".join(f"{g.country_name} ({c}) {units.number(g.g_per_kwh)} g/kWh"
                                 for c, g in grids.items()) + " (CodeCarbon's yearly averages)."


def grid_change(record: Measurement, to: str) -> dict:
    """The same record on another grid: energy identical, CO2 scaled by the intensities."""
    there = record.on_grid(to)
    return {"here": record, "there": there,
            "energy_same": there.energy_kwh == record.energy_kwh,
            "ratio": (there.emissions_kg / record.emissions_kg) if record.emissions_kg else math.nan}
