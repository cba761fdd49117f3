"""Sentences chosen by the results: how cost per use relates to size within each task, how
far apart the tasks are, what the course's models cost at the scale of a real service, and
the tour's one line per task.

Each function reads summaries (:class:`~.summaries.ModelSummary`) and returns words that
cannot contradict the table beside them; the tests build them from synthetic results that
go each way.
"""

from __future__ import annotations

import math
from typing import Sequence

from .. import checks, measure, units, wording
from ..course import synthesis as course
from ..measure import Measurement
from .summaries import ModelSummary, best_per_task, by_task, check_one_mode


def times(a: float, b: float) -> str:
    """How many times ``b`` ``a`` is, in words without e-notation: "1.8 times",
    "230,000 times" or "about the same as"."""
    r = checks.number("a", a, lo=0) / checks.number("b", b, lo=0, lo_open=True)
    if 0.95 <= r <= 1.05:
        return "about the same as"
    return f"{units.number(r, 2)} times" if r > 1 else f"{units.number(1 / r, 2)} times less than"


# ----------------------------------------------------------------------------------------
# Cost per use against size
# ----------------------------------------------------------------------------------------
def size_trend(rows: Sequence[ModelSummary], *, tolerance: float = 0.05) -> dict:
    """Whether energy per use rises with parameters among ``rows`` (one task).

    Returns ``{"verdict": "rises" | "falls" | "mixed" | "one size", "counter": (smaller,
    larger) or None}``: ``counter`` is, when the cost does not rise, the pair where a model
    with fewer parameters costs more per use (by more than ``tolerance``), the one with
    the largest gap in size.
    """
    rows = list(rows)
    if len({s.parameters for s in rows}) < 2:
        return {"verdict": "one size", "counter": None}
    verdict = wording.trend([s.parameters for s in rows], [s.per_use.energy_kwh for s in rows],
                            rises="rises", falls="falls", mixed="mixed")
    counters = [(a, b) for a in rows for b in rows
                if a.parameters < b.parameters
                and a.per_use.energy_kwh > b.per_use.energy_kwh * (1 + tolerance)]
    counter = max(counters, key=lambda p: p[1].parameters / max(p[0].parameters, 1), default=None)
    return {"verdict": verdict, "counter": counter if verdict != "rises" else None}


def size_sentence(task: str, rows: Sequence[ModelSummary]) -> str:
    """One sentence on cost per use against size within ``task``, chosen by the data."""
    rows = list(rows)
    t = size_trend(rows)
    if t["verdict"] == "one size":
        names = wording.names([s.model for s in rows])
        return (f"In {task} there is one model size here ({names}), so size cannot be "
                f"compared within it.")
    if t["verdict"] == "rises":
        return (f"In {task}, each use costs more the more parameters the model has, across "
                f"all {units.count(len(rows))} models.")
    small, big = t["counter"] if t["counter"] else (None, None)
    if small is None:
        return (f"In {task}, cost per use does not rise steadily with size: some larger models "
                f"cost about the same per use as smaller ones.")
    lead = ("each use costs less the more parameters the model has, but not by much everywhere"
            if t["verdict"] == "falls" else "cost per use does not follow size")
    return (f"In {task}, {lead}: {small.model} has {units.count(small.parameters)} parameters "
            f"against {units.count(big.parameters)} for {big.model}, yet one use of it costs "
            f"{times(small.per_use.energy_kwh, big.per_use.energy_kwh)} as much.")


def size_findings(summaries: Sequence[ModelSummary]) -> str:
    """Markdown: one sentence per task on size, then the verdict across tasks and the gap
    between the dearest and the cheapest use."""
    summaries = check_one_mode(summaries)
    groups = by_task(summaries)
    lines = [f"- {size_sentence(task, rows)}" for task, rows in groups.items()]
    verdicts = [size_trend(rows)["verdict"] for rows in groups.values()]
    compared = [v for v in verdicts if v != "one size"]
    if compared and all(v == "rises" for v in compared):
        overall = "Within every task with several model sizes, cost per use rises with size."
    elif compared:
        overall = "So the number of parameters alone does not set what one use costs."
    else:
        overall = "No task here has several model sizes, so size is compared only across tasks."
    lo = min(summaries, key=lambda s: s.per_use.energy_kwh)
    hi = max(summaries, key=lambda s: s.per_use.energy_kwh)
    gap = ""
    if hi.task != lo.task:
        gap = (f" Across tasks: one {hi.use} from {hi.model} ({hi.task}) costs "
               f"{times(hi.per_use.energy_kwh, lo.per_use.energy_kwh)} what one "
               f"{lo.use} from {lo.model} ({lo.task}) costs.")
    return "\n".join(lines) + f"\n\n{overall}{gap}"


# ----------------------------------------------------------------------------------------
# At the scale of a service
# ----------------------------------------------------------------------------------------
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
    """The best model of each task (see :func:`best_per_task`) at the scale of a service:
    energy per year and its CO2e on several grids, in human units."""
    import pandas as pd

    rows = []
    for task, (s, _) in best_per_task(check_one_mode(summaries)).items():
        out = at_scale(s.per_use, **scale)
        rows.append({"Task": task, "Model": s.model, "kwh": out["kwh"],
                     **{f"co2_{c}": v for c, v in out["kg_co2"].items()}})
    df = pd.DataFrame(rows)
    spec = {"kwh": ("Energy", "kWh", "Wh")}
    spec.update({c: (f"CO₂e, {c[4:]}", "kg") for c in df.columns if c.startswith("co2_")})
    return units.table(df, spec)


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


# ----------------------------------------------------------------------------------------
# The tour: one line per task
# ----------------------------------------------------------------------------------------
def task_overview(summaries: Sequence[ModelSummary]) -> str:
    """Markdown, one bullet per task: how many models, the range of energy per use, and
    the best quality measured (or that quality was not measured here)."""
    lines = []
    for task, rows in by_task(check_one_mode(summaries)).items():
        lo = min(rows, key=lambda s: s.per_use.energy_kwh)
        hi = max(rows, key=lambda s: s.per_use.energy_kwh)
        span = (units.energy(lo.per_use.energy_j) if len(rows) == 1 else
                f"{units.energy(lo.per_use.energy_j)} ({lo.model}) to "
                f"{units.energy(hi.per_use.energy_j)} ({hi.model})")
        scored = [s for s in rows if s.quality is not None]
        if scored:
            best = max(scored, key=lambda s: s.quality)
            quality = f"best {best.quality_name}: {units.percent(best.quality)} ({best.model})"
        else:
            quality = "quality not measured on this page (see the chapter)"
        n = units.count(len(rows))
        lines.append(f"- **{task}**: {n} model{'s' if len(rows) != 1 else ''}, {span} per "
                     f"{rows[0].use}; {quality}.")
    return "\n".join(lines)


def break_even(summaries: Sequence[ModelSummary], *, queries_per_day: float | None = None) -> str:
    """Markdown, one bullet per task's best model with a measured training: how many uses
    cost as much energy as its training, and how long a service of ``queries_per_day``
    takes to get there."""
    q = checks.number("queries_per_day", course.SCALE["queries_per_day"] if queries_per_day is None
                      else queries_per_day, lo=0, lo_open=True)
    lines = []
    for task, (s, _) in best_per_task(check_one_mode(summaries)).items():
        if s.training is None or not s.per_use.energy_kwh:
            continue
        uses = s.training.energy_kwh / s.per_use.energy_kwh
        lines.append(f"- **{s.model}** ({task}): {units.count(round(uses))} uses cost as much as its "
                     f"training; at {units.count(q)} a day, that is {units.duration(uses / q * 86_400)}.")
    return "\n".join(lines) if lines else "No model here has both a measured training and a measured use."


def _r2(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The share of the variance of ``ys`` a least-squares line in ``xs`` explains."""
    import numpy as np

    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    ss = float(((y - y.mean()) ** 2).sum())
    return 1.0 - float(((y - (slope * x + intercept)) ** 2).sum()) / ss if ss else 1.0


def chapter_findings(summaries: Sequence[ModelSummary]) -> dict[str, str]:
    """One computed sentence per task chapter for the tour (keys: the tasks present)."""
    groups = by_task(check_one_mode(summaries))
    out = {}
    rows = groups.get("image classification")
    if rows:
        params = [s.parameters for s in rows]
        acc = wording.trend(params, [s.quality for s in rows], rises="rises",
                            falls="falls", mixed="does not rise steadily")
        cost = wording.trend(params, [s.training.energy_kwh for s in rows], rises="rises with it",
                             falls="falls", mixed="does not rise steadily with it")
        out["image classification"] = (
            f"{units.count(len(rows))} classifiers ({wording.names(sorted({s.family for s in rows}))}) "
            f"from {units.count(min(params))} to {units.count(max(params))} parameters: test "
            f"accuracy {acc} with size, and training energy {cost}.")
    rows = groups.get("image generation")
    if rows:
        out["image generation"] = (f"{units.count(len(rows))} generators "
                                   f"({wording.names([s.model for s in rows])}). "
                                   f"{size_sentence('image generation', rows)}")
    texts = groups.get("fill-in-the-blank", []) + groups.get("text generation", [])
    if texts:
        parts = [f"{s.model} ({units.count(s.parameters, compact=True)} parameters) for "
                 f"{s.task}" for s in texts]
        sentence = f"{wording.names(parts)}."
        sweep = next((s.extra.get("sweep") for s in texts if s.extra.get("sweep")), None)
        if sweep and len({r.settings.get('n_tokens') for r in sweep}) > 1:
            n = [r.settings["n_tokens"] for r in sweep]
            e = [r.energy_kwh for r in sweep]
            grows = wording.trend(n, e, rises="rises with", falls="falls with",
                                  mixed="does not move steadily with")
            sentence += (f" The energy of one answer {grows} the number of new tokens "
                         f"({units.count(len(n))} lengths measured); a straight line explains "
                         f"{units.percent(max(_r2(n, e), 0.0))} of its variation.")
        out["text"] = sentence
    return out


def grid_sentence(record: Measurement, to: str) -> str:
    """The same record on the grid in force and on ``to``'s: energy, CO2e and the ratio."""
    g = grid_change(record, to)
    here, there = g["here"], g["there"]
    same = "the same energy" if g["energy_same"] else "a different energy (this should not happen)"
    return (f"{record.label}: {units.energy(here.energy_j)} on both grids ({same}); "
            f"{units.co2(here.emissions_kg)} CO₂e on the grid of {here.country_name} "
            f"({units.number(here.carbon_intensity_g_per_kwh)} g/kWh) and "
            f"{units.co2(there.emissions_kg)} on the grid of {there.country_name} "
            f"({units.number(there.carbon_intensity_g_per_kwh)} g/kWh): the CO₂e is multiplied by "
            f"{units.number(g['ratio'])}, the ratio of the two intensities.")
