"""The text bench: the only module of the bench that calls :mod:`mlfootprint.textmodels`.

Your sentence with one or more ``[MASK]`` (one forward pass, measured with repeats, stored),
and your prompt continued by N new tokens at a temperature (one query, under the tracker).
Forecast: queries of 2 and 6 new tokens, three times each, give a cost per query and per
token. While it runs, a streamer counts the tokens (the progress bar) and a stopping rule
ends the query when Stop is pressed; the tokens made so far, and their energy, are kept.
"""

from __future__ import annotations

import functools
import html
import time
from dataclasses import dataclass, replace

import ipywidgets as widgets

from .. import forecast, measure, store, units
from .. import textmodels as tm
from .core import STYLE, Bench, BenchInputError, cost_and_comparison, per_unit_and_fixed, png, time_sizes, watts

MAX_TOKENS = 512          # the bench's own ceiling on new tokens (the model's context may be larger)
MAX_CHARS = 4_000         # a sentence or prompt: far more than the bench's models read at once
CAL_TOKENS = (2, 6)       # the calibration's two queries: this many new tokens each


@dataclass
class Job:
    sentence: str
    prompt: str
    n_tokens: int
    temperature: float


@dataclass
class Result:
    job: Job
    fill: object = None          # FillMaskResult
    fill_record: object = None   # Measurement per query (repeats)
    generation: object = None    # GenerationResult (maybe cut short)
    gen_record: object = None    # Measurement of the one generation query
    n_made: int = 0
    stopped: bool = False


class TextAdapter:
    title = "Your own sentence and prompt"

    def __init__(self, gen_lm=None, fill_lm=None, chapter: dict | None = None, threads: int | None = None):
        self._gen, self._fill = gen_lm, fill_lm
        self.chapter = dict(chapter or {})   # label -> Measurement per query, drawn beside yours
        self.threads = threads

    @functools.cached_property
    def gen_lm(self):
        return self._gen or tm.load_model(task="generation")

    @functools.cached_property
    def fill_lm(self):
        return self._fill or tm.load_model(task="fill-mask")

    def controls(self) -> dict:
        wide = widgets.Layout(width="560px")
        return {
            "sentence": widgets.Text(value="A [MASK] is used to store a value.", description="sentence with [MASK]",
                                     style=STYLE, layout=wide),
            "prompt": widgets.Text(value="The cheapest way to train a model is", description="prompt",
                                   style=STYLE, layout=wide),
            "n_tokens": widgets.IntText(value=16, description="new tokens", style=STYLE),
            "temperature": widgets.FloatText(value=0.0, description="temperature (0 = greedy)", style=STYLE),
        }

    def parse(self, values: dict) -> Job:
        sentence, prompt = values["sentence"], values["prompt"]
        for name, text in (("sentence", sentence), ("prompt", prompt)):
            if not isinstance(text, str):
                raise BenchInputError(f"The {name} must be text, got {text!r:.60}.")
            if len(text) > MAX_CHARS:
                raise BenchInputError(f"Your {name} has {len(text):,} characters; the bench takes at most "
                                      f"{MAX_CHARS:,} (its models read a few hundred words at once). Shorten it.")
        if tm.MASK not in sentence:
            raise BenchInputError(f"Your sentence has no blank: write {tm.MASK} where the missing word goes, "
                                  f"e.g. 'A {tm.MASK} is used to store a value.'")
        if not prompt.strip():
            raise BenchInputError("Write a prompt for the generator to continue.")
        n = values["n_tokens"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise BenchInputError(f"new tokens must be a whole number of at least 1, got {n!r}.")
        if n > MAX_TOKENS:
            ctx = tm.context_size(self.gen_lm)
            raise BenchInputError(f"{n:,} new tokens is more than the bench allows ({MAX_TOKENS:,}); "
                                  f"{self.gen_lm.name} reads at most {ctx:,} tokens in all, prompt included.")
        t = float(values["temperature"])
        if not 0 <= t <= 5:
            raise BenchInputError(f"temperature must be from 0 (greedy) to 5, got {t:g}.")
        return Job(sentence, prompt, n, t)

    def _query(self, job: Job, n: int):
        return tm.generate(self.gen_lm, job.prompt, n, temperature=job.temperature, stop_at_eos=False,
                           announce=False)

    def forecast(self, job: Job) -> forecast.Forecast:
        tm.fill_mask(self.fill_lm, job.sentence)  # fails early (with its message) on a bad sentence
        with tm.torch_threads(self.threads):
            fill_part, _ = forecast.calibrate(lambda: tm.fill_mask(self.fill_lm, job.sentence), 1,
                                              name="fill-in-the-blank query", samples=3, min_seconds=0.2)
            self._query(job, CAL_TOKENS[0])  # warm-up
            start = time.perf_counter()
            with measure.track("calibration: generation") as t:
                rounds = time_sizes(lambda n: self._query(job, n), CAL_TOKENS)
        took, power = time.perf_counter() - start, watts(t.record.energy_kwh, t.record.duration_s)
        per_token, setup = per_unit_and_fixed(rounds, CAL_TOKENS)
        parts = [fill_part,
                 forecast.Part("generation query set-up (prompt)", setup, 1, power, took / 2),
                 forecast.Part("new tokens", per_token, job.n_tokens, power, took / 2)]
        return forecast.extrapolate(parts, label=f"{job.n_tokens} new tokens and one blank-filling query",
                                    instrument=t.record.method_instrument())

    def run(self, job: Job, reporter) -> Result:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        result = Result(job)
        reporter.progress(0, job.n_tokens, "filling in the blank…")
        with tm.torch_threads(self.threads):
            result.fill = tm.fill_mask(self.fill_lm, job.sentence)
            result.fill_record = tm.measure_fill_mask(self.fill_lm, job.sentence, repeats=3, min_seconds=0.5,
                                                      threads=self.threads)
        reporter.check_stop()
        settings = {"model": self.gen_lm.identity(), "prompt": job.prompt, "n_tokens": job.n_tokens,
                    "temperature": job.temperature, "threads": self.threads}
        stored = store.default_store().load("bench/text-generation", settings, code=(__name__,))
        if stored is not None:
            result.generation = tm.GenerationResult(**stored["generation"])
            result.gen_record = measure.Measurement.from_dict(stored["record"])
            result.n_made = result.generation.n_new_tokens
            reporter.progress(job.n_tokens, job.n_tokens, "read back from the results store")
            return result

        class Watch(StoppingCriteria):  # asked after every new token: count it, stop after Stop
            def __call__(self, input_ids, scores, **kwargs):
                result.n_made += 1
                reporter.progress(result.n_made, job.n_tokens, f"{result.n_made} of {job.n_tokens} new "
                                  f"tokens, {units.duration(reporter.elapsed())} elapsed")
                return torch.full((input_ids.shape[0],), reporter.stop_requested.is_set(), dtype=torch.bool)

        model = self.gen_lm.model
        original = model.generate

        def generate(*args, **kwargs):  # the library's query, with the counter and Stop rule added
            kwargs["stopping_criteria"] = StoppingCriteriaList([*kwargs.get("stopping_criteria", []), Watch()])
            return original(*args, **kwargs)

        model.generate = generate
        try:
            with tm.torch_threads(self.threads), measure.track(f"your query: {job.n_tokens} new tokens",
                                                                 settings={"bench": "text"}) as t:
                result.generation = self._query(job, job.n_tokens)
        finally:
            del model.generate
        result.gen_record = t.record
        result.stopped = reporter.stop_requested.is_set()
        if not result.stopped:
            store.default_store().save("bench/text-generation", settings,
                                       {"generation": result.generation.to_dict(), "record": t.record.to_dict()},
                                       code=(__name__,))
        return result

    def after(self, result: Result, fc):
        gen, rec = result.generation, result.gen_record
        made = gen.n_new_tokens if gen is not None else 0
        parts = list(fc.parts[1:])   # the generation query only
        if result.stopped and made < result.job.n_tokens:
            parts[-1] = replace(parts[-1], total_units=made)
        cost, against, cmp = cost_and_comparison(rec.duration_s, rec.energy_kwh,
                                                 forecast.extrapolate(parts, label=fc.label),
                                                 " (generation query)")
        best = ", ".join(html.escape(p[0]["token"]) for p in result.fill.predictions)
        text = (f"<div class='mlfp-bench-result'><b>Yours</b>: blank(s) filled with <b>{best}</b> "
                f"({units.energy(result.fill_record.energy_kwh, 'kWh')} per query, "
                f"{result.fill_record.repeats} repeats).<br>"
                f"<span style='color:#777'>{html.escape(gen.prompt)}</span><b>{html.escape(gen.new_text)}</b><br>"
                f"{made} new tokens{' (stopped)' if result.stopped else ''}: {cost} (single run).<br>"
                f"{against}</div>")
        return text, png(figure(self.chapter, result)), cmp


def figure(chapter: dict, result: Result):
    """Energy per query: the chapter's queries and yours (marked "yours"), log scale."""
    from ..plots import energy_barh, family_colour, new_figure

    items = [(label, rec.energy_j, family_colour("generation" if "token" in label else "fill-mask"))
             for label, rec in chapter.items()]
    items += [("yours: fill-in-the-blank", result.fill_record.energy_j, "gold"),
              (f"yours: {result.generation.n_new_tokens} new tokens", result.gen_record.energy_j, "gold")]
    fig, ax = new_figure(6.8, 0.55 * len(items) + 1.6)
    energy_barh(ax, items)
    ax.set_xlabel("energy per query (J, log scale)")
    ax.set_title("Cost per query: the chapter's and yours")
    return fig


def text_bench(gen_lm=None, fill_lm=None, chapter: dict | None = None, *, threads: int | None = None,
               background: bool = True) -> Bench:
    """The bench for the text chapter: the chapter's loaded models (loaded here if not given)
    and its measured queries ``chapter`` (label -> Measurement) to draw beside yours."""
    return Bench(TextAdapter(gen_lm, fill_lm, chapter, threads), background=background)
