"""One record type for a trained run, whatever the model family: what was trained, on which
data, how it learned (``history``, never CO2) and what it cost. ``training`` is the training
alone and ``evaluation`` (if any) measured apart, so "training" means one thing in every table.
CO2 is not stored: it is derived from each energy on the grid in force when it is read.
Family-specific extras (a classifier's test predictions, a generator's settings) go in ``extra``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from .measure import Measurement


@dataclass
class TrainedRun:
    label: str
    family: str
    settings: dict
    n_parameters: int
    training: Measurement
    evaluation: Measurement | None = None
    history: Any = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.training, Measurement):
            raise TypeError(f"training must be a Measurement, got {type(self.training).__name__}")
        if self.evaluation is not None and not isinstance(self.evaluation, Measurement):
            raise TypeError(f"evaluation must be a Measurement or None, got {type(self.evaluation).__name__}")

    @property
    def total_energy_kwh(self) -> float:
        """Training plus evaluation (when there was one)."""
        return self.training.energy_kwh + (self.evaluation.energy_kwh if self.evaluation else 0.0)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)} | {
            "training": self.training.to_dict(),
            "evaluation": self.evaluation.to_dict() if self.evaluation else None}

    @classmethod
    def from_dict(cls, d: Any) -> "TrainedRun":
        """Checked: a dict missing a field, or with a field of the wrong type, raises
        ValueError naming it (the store then moves the file aside and recomputes)."""
        if not isinstance(d, dict):
            raise ValueError(f"not a TrainedRun: expected a dict, got {type(d).__name__}")
        names = [f.name for f in fields(cls)]
        missing, unknown = [n for n in names if n not in d], sorted(set(d) - set(names))
        if missing or unknown:
            raise ValueError(f"not a TrainedRun: missing fields {missing}, unknown fields {unknown}")
        for name, kind in (("label", str), ("family", str), ("settings", dict), ("data", dict),
                           ("extra", dict)):
            if not isinstance(d[name], kind):
                raise ValueError(f"not a TrainedRun: {name} must be a {kind.__name__}, got {d[name]!r:.60}")
        n = d["n_parameters"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"not a TrainedRun: n_parameters must be an integer >= 0, got {n!r}")
        evaluation = Measurement.from_dict(d["evaluation"]) if d["evaluation"] is not None else None
        return cls(**d | {"training": Measurement.from_dict(d["training"]), "evaluation": evaluation})
