"""Measured mitigations for text generation: both sides run and tracked, in J per generated token.

- ``"batching"``: the same greedy queries answered together in one batch instead of one at
  a time. A single new token multiplies a vector by every weight matrix, so the weights are
  read from memory for very little arithmetic; a batch reuses each read for every query.
- ``"bf16"``: the same queries, one at a time, with the weights in bfloat16 instead of fp32
  (half the bytes to read; the arithmetic is rounded, so the text may change).

The two sides are measured in interleaved pairs (:func:`mlfootprint.compare.measure_pairs`,
the outputs computed first serve as each side's warm-up), so :meth:`Mitigation.verdict` applies
the course's one rule to the saving. Each :class:`Mitigation` holds both sides' records (merged
over the pairs), the energies of every pair, and both outputs, so a page can say whether the
text stayed the same and show where it changed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

import torch

from .. import compare
from ..checks import choice, integer, number
from ..measure import Measurement, measure_repeated
from ..store import cached
from . import paired
from .common import torch_threads
from .folders import from_pretrained
from .generation import generate, generate_batch
from .loading import LoadedModel, require

KINDS = ("batching", "bf16")
CODE = (*paired.CODE, __name__)
LABELS = {"batching": ("one query at a time", "all queries in one batch"),
          "bf16": ("fp32 weights", "bf16 weights")}


@dataclass
class Mitigation:
    kind: str
    before_label: str
    after_label: str
    before: Measurement          # energy per generated token (merged over the pairs)
    after: Measurement           # energy per generated token (merged over the pairs)
    prompts: list[str]
    n_tokens: int
    outputs_before: list[str]
    outputs_after: list[str]
    pairs_before: list[float] = field(default_factory=list)   # kWh per token, pair by pair
    pairs_after: list[float] = field(default_factory=list)

    def verdict(self) -> compare.Verdict:
        """The course's rule on before over after (above 1: the mitigation saves energy)."""
        if not self.pairs_before:
            raise ValueError("this mitigation was not measured in pairs: no verdict can be drawn")
        return compare.verdict(self.pairs_before, self.pairs_after, paired=True)

    @property
    def j_per_token_before(self) -> float:
        return self.before.energy_j

    @property
    def j_per_token_after(self) -> float:
        return self.after.energy_j

    @property
    def ratio(self) -> float:
        """Energy per token before / after (above 1: the mitigation saves energy)."""
        return self.before.energy_j / self.after.energy_j

    @property
    def saving(self) -> float:
        """The fraction of the energy per token saved (negative: it costs more)."""
        return 1 - self.after.energy_j / self.before.energy_j

    @property
    def same_output(self) -> bool:
        return self.outputs_before == self.outputs_after

    def changes(self) -> list[dict]:
        """Each query whose output changed: prompt, both outputs, first differing character."""
        out = []
        for prompt, a, b in zip(self.prompts, self.outputs_before, self.outputs_after):
            if a != b:
                first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
                out.append({"prompt": prompt, "before": a, "after": b, "first_difference": first})
        return out

    def to_dict(self) -> dict:
        d = asdict(self)
        d["before"], d["after"] = self.before.to_dict(), self.after.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: Any) -> "Mitigation":
        if not isinstance(d, dict) or set(d) != {f for f in cls.__dataclass_fields__}:
            raise ValueError(f"not a Mitigation: expected the fields {sorted(cls.__dataclass_fields__)}")
        lists = ("prompts", "outputs_before", "outputs_after")
        if not all(isinstance(d[k], list) and len(d[k]) == len(d["prompts"]) for k in lists):
            raise ValueError("not a Mitigation: prompts and outputs must be lists of the same length")
        if not isinstance(d["pairs_before"], list) or len(d["pairs_before"]) != len(d["pairs_after"]):
            raise ValueError("not a Mitigation: the energies of the pairs must come in pairs")
        return cls(**{**d, "before": Measurement.from_dict(d["before"]),
                      "after": Measurement.from_dict(d["after"])})


def _one_at_a_time(lm: LoadedModel, prompts: list[str], n: int) -> list[str]:
    return [generate(lm, p, n, stop_at_eos=False, announce=False).new_text for p in prompts]


def _batched(lm: LoadedModel, prompts: list[str], n: int) -> list[str]:
    return [lm.tokenizer.decode(ids, skip_special_tokens=True) for ids in generate_batch(lm, prompts, n)]


def _bf16_copy(lm: LoadedModel) -> LoadedModel:
    model, tokenizer = from_pretrained(lm.location, lm.task, local_only=lm.source != "hub",
                                       dtype=torch.bfloat16)
    return LoadedModel(model, tokenizer, lm.task, f"{lm.name}, bf16", lm.source, lm.requested,
                       lm.location, lm.n_parameters, 0.0, lm.note)


def _sides(lm: LoadedModel, kind: str, prompts: list[str], n: int):
    """(before work, after work) for ``kind``: each returns the outputs of every prompt."""
    if kind == "batching":
        return (lambda: _one_at_a_time(lm, prompts, n)), (lambda: _batched(lm, prompts, n))
    light = _bf16_copy(lm)
    return (lambda: _one_at_a_time(lm, prompts, n)), (lambda: _one_at_a_time(light, prompts, n))


def _run(lm: LoadedModel, kind: str, settings: dict, repeats: int, min_seconds: float) -> Mitigation:
    prompts, n = settings["prompts"], settings["n_tokens"]
    before_work, after_work = _sides(lm, kind, prompts, n)
    outputs = [before_work(), after_work()]   # the outputs compared; also each side's warm-up
    before_label, after_label = LABELS[kind]

    def window(label, work):   # one tracker window per side and pair, per generated token
        return lambda: measure_repeated(work, label=f"{label}: {lm.name}", settings={**settings, "side": label},
                                        repeats=1, min_seconds=min_seconds, warmup=False,
                                        items_per_call=len(prompts) * n)

    p = compare.measure_pairs(window(before_label, before_work), window(after_label, after_work),
                              pairs=repeats, warmup=False)
    return Mitigation(kind, before_label, after_label, paired.merged(p.a), paired.merged(p.b), prompts, n,
                      *outputs, p.costs("a"), p.costs("b"))


def measure_mitigation(lm: LoadedModel, kind: str = "batching", prompts: Sequence[str] = (),
                       n_tokens: int = 16, *, repeats: int = 3, min_seconds: float = 0.5,
                       threads: int | None = None) -> Mitigation:
    """Measure ``kind`` (``"batching"`` or ``"bf16"``) on ``lm``: the same greedy queries
    (``n_tokens`` new tokens for each of ``prompts``, end-of-text ignored) before and after,
    both tracked in ``repeats`` interleaved pairs, in energy per generated token; with both
    sides' outputs. Cached."""
    require(lm, "generation")
    kind = choice("kind", kind, KINDS)
    if isinstance(prompts, str) or not prompts or not all(isinstance(p, str) and p.strip() for p in prompts):
        raise ValueError(f"prompts must be a non-empty list of non-empty strings, got {prompts!r:.80}")
    n = integer("n_tokens", n_tokens, lo=1, hi=4096)
    repeats = integer("repeats", repeats, lo=1, hi=1000)
    min_seconds = number("min_seconds", min_seconds, lo=0, hi=60)
    with torch_threads(threads) as used:
        settings = {"mitigation": kind, "model": lm.identity(), "prompts": list(prompts), "n_tokens": n,
                    "threads": used}
        return cached("text/mitigation", {**settings, "repeats": repeats, "min_seconds": min_seconds},
                      lambda: _run(lm, kind, settings, repeats, min_seconds), code=CODE,
                      decode=Mitigation.from_dict)
