"""A panel of judges scores a set of digits; every figure is the panel's mean and range.
The real held-out digits are split in two halves, alternate positions within each class: the
**reference** half is what generated digits are compared with; the **held-out** half is
scored like a generator's output ("real digits"). Generated sets are drawn at the reference's
size, since the Fréchet distance and precision/recall depend on sample size."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, fields
from typing import Callable, Iterable

import torch

from .. import store
from ..checks import integer
from .judges import (CODE as JUDGE_CODE, Judge, JudgeConfig, check_digit_labels, check_images,
                     data_settings, load_or_train_judge, predict)
from .measures import (frechet_distance, nearest_training_distance, precision_recall,
                       total_variance, within_class_diversity)

N_CLASSES = 10

# The measures, in the order tables show them, how each is read, and what "better" means.
MEASURES = ("accuracy", "diversity_ratio", "frechet", "precision", "recall", "novelty")
NAMES = {"accuracy": "judge accuracy", "diversity_ratio": "diversity vs real",
         "frechet": "Fréchet distance", "precision": "precision", "recall": "recall",
         "novelty": "novelty"}
# "higher", "lower", "near 1" (a diversity ratio above 1 is noise, not quality), or None
# for novelty, which is a memorisation check rather than a quality.
BETTER = {"accuracy": "higher", "diversity_ratio": "near 1", "frechet": "lower",
          "precision": "higher", "recall": "higher", "novelty": None}
RANKED = tuple(m for m in MEASURES if BETTER[m])


def goodness(measure: str, value: float) -> float:
    """A number that is larger when ``value`` is better on ``measure``."""
    if BETTER.get(measure) is None:
        raise ValueError(f"measure must be one of {', '.join(RANKED)} (ranked measures), got {measure!r}")
    return {"higher": value, "lower": -value, "near 1": -abs(1.0 - value)}[BETTER[measure]]


@dataclass
class QualityScores:
    """The measures of one set of digits by one judge."""

    accuracy: float          # share recognised as the requested class
    diversity: float         # mean within-class pairwise feature distance
    diversity_ratio: float   # diversity / the same on the real reference digits
    frechet: float           # Fréchet distance / total variance of the reference features
    frechet_raw: float       # Fréchet distance in the judge's own feature units
    precision: float         # share of the digits inside the real manifold
    recall: float            # share of real digits inside the digits' manifold
    novelty: float           # mean pixel distance to the nearest training digit of the class
    n_images: int

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d) -> "QualityScores":
        names = [f.name for f in fields(cls)]
        if not isinstance(d, dict) or sorted(d) != sorted(names):
            raise ValueError(f"not QualityScores: expected the fields {names}, got {d!r:.80}")
        return cls(**{n: (int(d[n]) if n == "n_images" else float(d[n])) for n in names})


@dataclass
class PanelScores:
    """One set of digits scored by every judge of a panel (judge name -> scores)."""

    by_judge: dict[str, QualityScores]

    def __post_init__(self):
        if not self.by_judge:
            raise ValueError("a panel's scores need at least one judge")

    @property
    def judges(self) -> list[str]:
        return list(self.by_judge)

    def values(self, measure: str) -> list[float]:
        if measure not in MEASURES:
            raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
        return [getattr(s, measure) for s in self.by_judge.values()]

    def mean(self, measure: str) -> float:
        return statistics.fmean(self.values(measure))

    def range(self, measure: str) -> tuple[float, float]:
        """(min, max) across the judges."""
        return min(self.values(measure)), max(self.values(measure))

    def to_dict(self) -> dict:
        # the judges' order is kept as a list: a stored dict may come back with sorted keys
        return {"judges": self.judges, "by_judge": {k: v.to_dict() for k, v in self.by_judge.items()}}

    @classmethod
    def from_dict(cls, d) -> "PanelScores":
        if not isinstance(d, dict) or not isinstance(d.get("by_judge"), dict) \
                or not isinstance(d.get("judges"), list) or sorted(d["judges"]) != sorted(d["by_judge"]):
            raise ValueError(f"not PanelScores: expected {{'judges': [...], 'by_judge': {{...}}}} "
                             f"naming the same judges, got {d!r:.80}")
        return cls({k: QualityScores.from_dict(d["by_judge"][k]) for k in d["judges"]})


def reference_split(labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(reference, held-out) indices into ``labels``: within each class, alternate positions,
    so each half has (nearly) the same number of each digit."""
    labels = torch.as_tensor(labels)
    ref, held = [], []
    for c in range(N_CLASSES):
        idx = (labels == c).nonzero().squeeze(1)
        ref.append(idx[0::2])
        held.append(idx[1::2])
    return torch.cat(ref).sort().values, torch.cat(held).sort().values


class _Instrument:
    """One judge with what it saw of the reference digits."""

    def __init__(self, judge: Judge, x_ref: torch.Tensor, y_ref: torch.Tensor, k: int):
        self.judge, self.k = judge, k
        _, self.ref_features = predict(judge, x_ref)
        self.ref_diversity = within_class_diversity(self.ref_features, y_ref)
        self.ref_spread = total_variance(self.ref_features)

    def score(self, images, requested, novelty: float) -> QualityScores:
        pred, feats = predict(self.judge, images)
        div = within_class_diversity(feats, requested)
        raw = frechet_distance(feats, self.ref_features)
        precision, recall = precision_recall(self.ref_features, feats, self.k)
        return QualityScores(accuracy=float((pred == requested).float().mean()), diversity=div,
                             diversity_ratio=div / self.ref_diversity, frechet=raw / self.ref_spread,
                             frechet_raw=raw, precision=precision, recall=recall, novelty=novelty,
                             n_images=len(images))


class Panel:
    """Judges (name -> judge) and the real digits every set is compared with.
    ``score(images, requested)`` gives :class:`PanelScores`; :meth:`real_digits` scores the
    held-out half of the real digits the same way. ``k`` is the neighbour count of
    precision and recall."""

    def __init__(self, judges: dict[str, Judge], data, k: int = 3, key: dict | None = None):
        if not isinstance(judges, dict) or not judges:
            raise ValueError("judges must be a non-empty dict of name -> judge")
        self.data = data
        self.k = integer("k", k, lo=1, hi=100)
        self.key = key  # what makes these judges (see :func:`load_panel`); None: scores not kept
        self.reference_idx, self.held_out_idx = reference_split(data.y_test)
        x_ref, y_ref = data.x_test[self.reference_idx], data.y_test[self.reference_idx]
        self.instruments = {name: _Instrument(j, x_ref, y_ref, k) for name, j in judges.items()}

    @property
    def n_reference(self) -> int:
        return len(self.reference_idx)

    @property
    def n_per_class(self) -> int:
        """How many digits of each class a generated set should hold (the reference's size)."""
        return self.n_reference // N_CLASSES

    def score(self, images: torch.Tensor, requested) -> PanelScores:
        images = check_images(images)
        requested = check_digit_labels(requested, len(images), "requested")
        novelty = nearest_training_distance(images, requested, self.data.x_train, self.data.y_train)
        return PanelScores({name: inst.score(images, requested, novelty)
                            for name, inst in self.instruments.items()})

    def score_kept(self, what: dict, images: Callable[[], tuple[torch.Tensor, torch.Tensor]],
                   code: Iterable[str] = ()) -> PanelScores:
        """:meth:`score` of ``images()`` (images, requested labels), kept under
        ``data/results`` when the panel has a key: ``what`` must name everything that makes
        the images, ``code`` the modules that draw them."""
        if self.key is None:
            return self.score(*images())
        settings = {"panel": self.key, "k": self.k, "images": what}
        return store.cached("generation/scores", settings, lambda: self.score(*images()),
                            code=(__name__, "mlfootprint.quality.measures", *JUDGE_CODE, *code),
                            decode=PanelScores.from_dict)

    def real_digits(self) -> PanelScores:
        """The held-out half of the real digits, scored like any generator's output."""
        idx = self.held_out_idx
        return self.score(self.data.x_test[idx], self.data.y_test[idx])


def load_panel(data, configs: dict[str, JudgeConfig], *, threads: int = 1,
               k: int = 3) -> tuple[Panel, dict]:
    """The panel of judges ``configs`` (name -> config), each trained once and kept, and
    their records (name -> :class:`~mlfootprint.records.TrainedRun`)."""
    if not isinstance(configs, dict) or not configs:
        raise ValueError("configs must be a non-empty dict of name -> JudgeConfig")
    judges, runs = {}, {}
    for name, config in configs.items():
        judges[name], runs[name] = load_or_train_judge(data, config, threads=threads)
    key = {"judges": {n: c.settings() for n, c in configs.items()}, **data_settings(data),
           "threads": threads}
    return Panel(judges, data, k=k, key=key), runs
