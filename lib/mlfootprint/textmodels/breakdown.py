"""Why a generation query costs more than a fill-in-the-blank query: two causes, separated.

A generation query of N new tokens and a fill-mask query differ in two ways at once: the
generator runs N forward passes where the masked LM runs one, and the two models differ in
size. Measured on the *same* generator, a query of N tokens against one forward pass over
its prompt (scoring it) gives the cost of the passes; one forward pass of the generator
against one fill-mask query gives the cost of the model. The two factors multiply to the
headline ratio exactly:

    generation / fill-mask = (generation / one pass) x (one pass / fill-mask)
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..measure import Measurement


def _model(record: Measurement, role: str) -> dict:
    model = record.settings.get("model")
    if not isinstance(model, dict) or "n_parameters" not in model or "name" not in model:
        raise ValueError(f"the {role} record does not say which model it measured "
                         f"(settings['model'] with name and n_parameters)")
    return model


@dataclass
class QueryBreakdown:
    generation: Measurement     # one query of n_tokens new tokens
    prompt_pass: Measurement    # the same generator, one forward pass over the same prompt
    fill: Measurement           # one fill-in-the-blank query

    def __post_init__(self):
        gen, one = _model(self.generation, "generation"), _model(self.prompt_pass, "prompt-pass")
        _model(self.fill, "fill-mask")
        if gen != one:
            raise ValueError("the generation and the single forward pass must be measured on the same "
                             f"model, got {gen['name']!r} and {one['name']!r}")
        if self.generation.settings.get("prompt") != self.prompt_pass.settings.get("prompt"):
            raise ValueError("the generation and the single forward pass must read the same prompt")

    @property
    def n_tokens(self) -> int:
        return int(self.generation.settings["n_tokens"])

    @property
    def prompt_tokens(self) -> int:
        return int(self.prompt_pass.settings["n_tokens"])

    @property
    def fill_tokens(self) -> int | None:
        return self.fill.settings.get("n_tokens")

    @property
    def generator(self) -> dict:
        return _model(self.generation, "generation")

    @property
    def fill_model(self) -> dict:
        return _model(self.fill, "fill-mask")

    @property
    def passes_factor(self) -> float:
        """A query of N new tokens against one forward pass over the prompt, same model."""
        return self.generation.energy_j / self.prompt_pass.energy_j

    @property
    def per_token_factor(self) -> float:
        """Each new token, on average, in units of one forward pass over the prompt."""
        return self.passes_factor / self.n_tokens

    @property
    def size_factor(self) -> float:
        """One forward pass of the generator against one fill-mask query."""
        return self.prompt_pass.energy_j / self.fill.energy_j

    @property
    def total(self) -> float:
        """The headline ratio: one generation query against one fill-mask query."""
        return self.generation.energy_j / self.fill.energy_j

    @property
    def parameter_ratio(self) -> float:
        return self.generator["n_parameters"] / self.fill_model["n_parameters"]

    def rows(self) -> list[dict]:
        """The three measured queries, for a table (energies in J)."""
        return [{"query": f"fill-in-the-blank ({self.fill_model['name'].split(' (')[0]})",
                 "forward passes": 1, "energy_j": self.fill.energy_j, "record": self.fill},
                {"query": f"score the prompt ({self.generator['name'].split(' (')[0]})",
                 "forward passes": 1, "energy_j": self.prompt_pass.energy_j, "record": self.prompt_pass},
                {"query": f"generate {self.n_tokens} tokens ({self.generator['name'].split(' (')[0]})",
                 "forward passes": self.n_tokens, "energy_j": self.generation.energy_j,
                 "record": self.generation}]

    def table(self) -> pd.DataFrame:
        """One row per query: forward passes, energy (J) and time (s) per query."""
        return pd.DataFrame([{"query": r["query"], "forward passes": r["forward passes"],
                              "energy_j": r["energy_j"], "duration_s": r["record"].duration_s}
                             for r in self.rows()])
