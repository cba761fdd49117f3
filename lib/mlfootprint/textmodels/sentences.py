"""Sentences about text models chosen by the data (which model is bigger, which cost is larger).

The online path serves ``gpt2`` and ``bert-base-uncased`` instead of the embedded models,
so no sentence may assume which model ran: each function compares the numbers it is given
and picks its words from :mod:`mlfootprint.wording`.
"""

from __future__ import annotations

from typing import Iterable

from .. import published, units, wording
from ..measure import Measurement
from .breakdown import QueryBreakdown
from .common import short_name
from .loading import LoadedModel
from .mitigation import Mitigation
from .smollm2 import quantization

_SAME_SIZE = 0.2  # models within 20% of each other's parameter count are "about the same size"


def size_comparison(a_params: int, b_params: int, a_name: str, b_name: str) -> str:
    """"A has 12 times the parameters of B", "... fewer ...", or "about the same size"."""
    a, b = short_name(a_name), short_name(b_name)
    how = wording.compare(a_params, b_params, more="more", less="less", same="same", tolerance=_SAME_SIZE)
    if how == "same":
        return (f"{a} and {b} are about the same size ({units.count(a_params, compact=True)} and "
                f"{units.count(b_params, compact=True)} parameters)")
    if how == "more":
        return f"{a} has {units.times(a_params / b_params)} the parameters of {b}"
    return f"{a} has {units.times(b_params / a_params)} fewer parameters than {b}"


def breakdown_text(b: QueryBreakdown) -> str:
    """The two causes of the headline ratio, in three sentences computed from the records."""
    gen, fill = short_name(b.generator["name"]), short_name(b.fill_model["name"])
    per_token = wording.compare(b.per_token_factor, 1.0, more="more than", less="less than",
                                same="about as much as", tolerance=0.1)
    passes = (f"**Passes, same model.** On {gen}, generating {b.n_tokens} tokens costs "
              f"{units.times(b.passes_factor)} one forward pass over the same {b.prompt_tokens}-token "
              f"prompt: each new token costs on average {per_token} one pass over the prompt "
              f"({units.times(b.per_token_factor)}).")
    cheaper = wording.compare(b.size_factor, 1.0, more="costs", less="costs only", same="costs",
                              tolerance=0.0)
    size = (f"**Size, one pass each.** One forward pass of {gen} {cheaper} "
            f"{units.times(b.size_factor)} one fill-in-the-blank query of {fill}; "
            f"{size_comparison(b.generator['n_parameters'], b.fill_model['n_parameters'], gen, fill)}.")
    larger = wording.compare(b.passes_factor, b.size_factor, tolerance=0.1,
                             more="The number of forward passes weighs more than the size of the model.",
                             less="The size of the model weighs more than the number of forward passes.",
                             same="Neither cause dominates: the two factors are about equal.")
    product = (f"**Together:** {units.times(b.passes_factor)} × {units.times(b.size_factor)} = "
               f"{units.times(b.total)}, the whole gap. {larger}")
    return "\n\n".join((passes, size, product))


def load_text(load: Measurement, query: Measurement, name: str, first: Measurement | None = None) -> str:
    """How many queries one load from disk is worth (and the first read, if given)."""
    n = load.energy_j / query.energy_j
    model = short_name(name)
    if wording.compare(n, 1.0, tolerance=0.5) == "more":
        text = (f"Loading {model} from disk costs as much energy as {units.count(round(n))} of its queries: "
                f"a service that loads a model per request spends most of its energy before answering. "
                f"Keep models loaded.")
    else:
        text = (f"Loading {model} from disk costs {units.times(n)} the energy of one of its queries here, "
                f"so reloading it adds little to what its answers cost.")
    if first is not None:
        text += (f" Reading it the first time, from its GGUF file, cost as much as "
                 f"{units.number(first.energy_j / query.energy_j)} queries: a one-off price the course "
                 f"pays once and keeps.")
    return text


def mitigation_text(m: Mitigation) -> str:
    """Before and after in J per generated token, and whether the text stayed the same."""
    effect = wording.compare(m.j_per_token_after, m.j_per_token_before, more="more", less="less",
                             same="about the same", tolerance=0.05)
    amount = f"{units.percent(abs(m.saving))} {effect}" if effect in ("more", "less") else effect
    head = (f"{m.after_label[:1].upper()}{m.after_label[1:]} used {units.energy(m.j_per_token_after, 'J')} per generated "
            f"token against {units.energy(m.j_per_token_before, 'J')} for {m.before_label}: {amount} "
            f"energy per token.")
    changed = m.changes()
    if not changed:
        return f"{head} The {len(m.prompts)} outputs are identical, character for character."
    return (f"{head} The output changed for {len(changed)} of the {len(m.prompts)} queries "
            f"(shown below), so the saving is not free.")


def threads_text(records: Iterable[Measurement]) -> str:
    """The CPU threads the measurements ran on, as recorded with each of them."""
    used = sorted({r.threads for r in records if r.threads is not None})
    if not used:
        return "The records do not say how many CPU threads the work ran on."
    if len(used) == 1:
        n = used[0]
        return f"every measurement on this page ran on {'one CPU thread' if n == 1 else f'{n} CPU threads'}"
    return f"the measurements on this page ran on {wording.names([str(n) for n in used])} CPU threads"


def source_text(fill_lm: LoadedModel, gen_lm: LoadedModel) -> str:
    """Markdown for the top of the chapter: which models made the numbers, and why."""
    lines = []
    for what, lm in (("Generation", gen_lm), ("Fill-in-the-blank", fill_lm)):
        why = f" {lm.note}" if lm.note else ""
        line = f"**{what}:** {lm.describe()}.{why}"
        if lm.source == "embedded" and lm.task == "generation":
            q = quantization()
            bits = f" ({q['bits']}-bit weights)" if q["bits"] else ""
            line += (f" It is a copy de-quantized from the `{q['type']}` GGUF file `{q['file']}`{bits} "
                     f"that the package ships, so its weights are not the originally published ones.")
        lines.append(line)
    return "\n\n".join(lines)


def bert_base_text(n_parameters: int, name: str) -> str:
    """How a fill-mask model compares in size with BERT-base (published), or that it is BERT-base."""
    ref = published.BERT_BASE["n_parameters"]
    how = wording.compare(n_parameters, ref, more="more", less="less", same="same", tolerance=_SAME_SIZE)
    if how == "same":
        return (f"{short_name(name)} is about the size of BERT-base, so its cost per query is "
                f"close to what BERT-base's would be")
    direction = "lower" if how == "less" else "higher"
    return (f"{size_comparison(n_parameters, ref, name, 'BERT-base')}, so its cost per query is "
            f"{direction} than BERT-base's would be")


def published_ordering_text(b: QueryBreakdown) -> str:
    """Our generation/fill-mask ratio beside Power Hungry Processing's, and whether they agree."""
    rows = {p["ours"]: p for p in published.POWER_HUNGRY}
    gen, fill = rows["text generation"]["kwh_per_1000"], rows["fill-in-the-blank"]["kwh_per_1000"]
    agree = (b.total > 1) == (gen > fill)
    order = "the same ordering" if agree else "the opposite ordering"
    return (f"{published.POWER_HUNGRY_SOURCE} found {order} on GPUs ({published.POWER_HUNGRY_HARDWARE}), "
            f"as a mean over many models: {units.energy(gen, 'kWh')} per thousand text-generation queries "
            f"against {units.energy(fill, 'kWh')} for fill-mask, {units.times(gen / fill)}; here the ratio "
            f"is {units.times(b.total)}. Their queries, batches and models differ from ours, so compare "
            f"the orderings, not the values.")
