"""The course's tasks side by side: per-model summaries, usage at scale, and measured mitigations.

Everything here reads the results the task chapters stored (through the same cached
functions, so a warm cache means no retraining) or measures small extra workloads
(inference per item, batching), themselves cached under ``data/results/synthesis``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from . import classify, measure
from .measure import Measurement
from .store import cached


# ----------------------------------------------------------------------------------------
# Published reference points (cited, not measured here)
# ----------------------------------------------------------------------------------------
PUBLISHED = [
    # Luccioni, Jernite & Strubell, "Power Hungry Processing: Watts Driving the Cost of AI
    # Deployment?", FAccT 2024, Table 2: mean energy per 1,000 inferences over the models
    # tested for each task, measured with CodeCarbon on one NVIDIA A100-SXM4-80GB (AWS).
    # "ours" names the task of this course that the published figure is set against.
    {"task": "image classification", "kwh_per_1000": 0.007, "ours": "image classification"},
    {"task": "image generation", "kwh_per_1000": 2.907, "ours": "image generation"},
    {"task": "masked language modelling (fill-mask)", "kwh_per_1000": 0.003, "ours": "fill-in-the-blank"},
    {"task": "text generation", "kwh_per_1000": 0.047, "ours": "text generation"},
]
PUBLISHED_SOURCE = ("Luccioni, Jernite & Strubell, \"Power Hungry Processing: Watts Driving the "
                    "Cost of AI Deployment?\", ACM FAccT 2024, Table 2 (mean per task)")
PUBLISHED_HARDWARE = "one NVIDIA A100-SXM4-80GB GPU on AWS, measured with CodeCarbon"


# ----------------------------------------------------------------------------------------
# One row per model
# ----------------------------------------------------------------------------------------
@dataclass
class ModelSummary:
    """What one model costs and how good it is, with the methods behind the numbers."""

    task: str
    model: str
    family: str
    parameters: int
    train_energy_kwh: float | None
    train_emissions_kg: float | None
    train_method: str
    infer_energy_kwh: float          # per inference (one image, one query)
    infer_emissions_kg: float
    infer_method: str
    inference_unit: str
    quality_name: str
    quality: float
    data_source: str
    setup: str = ""            # the instrument (tracker, CPU power source, RAM model, grid)
    train_protocol: str = ""   # tracking mode, repeats and spread of the training figure
    infer_protocol: str = ""   # the same for the inference figure
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def classifier_inference_cost(config: classify.TrainConfig, *, batch_size: int = 100,
                              repeats: int = 5, min_seconds: float = 1.0) -> Measurement:
    """Energy per classified image for a trained classifier, predicting batches of ``batch_size``."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    settings = {**config.settings(), "batch_size": batch_size, "repeats": repeats,
                "min_seconds": min_seconds}

    def compute():
        import torch

        model, record = classify.load_trained(config, progress=False)
        data = classify.data_for(config)
        images = data.x_test[:batch_size]
        torch.manual_seed(0)
        return measure.measure_repeated(lambda: classify.predict(model, images, batch_size=batch_size),
                                        label=f"{record['label']} inference, batch {batch_size}",
                                        settings=settings, repeats=repeats, min_seconds=min_seconds,
                                        items_per_call=len(images),
                                        tracking_mode=config.tracking_mode)

    return cached("synthesis/classifier_inference", settings, compute,
                  code=(__name__, classify), decode=Measurement.from_dict)


def classifier_summary(config: classify.TrainConfig, **inference_kwargs) -> ModelSummary:
    record = classify.train_classifier(config, progress=False)
    tot = classify.totals(record)
    infer = classifier_inference_cost(config, **inference_kwargs)
    return ModelSummary(
        task="image classification", model=record["label"], family=record["family"],
        parameters=int(record["n_params"]),
        train_energy_kwh=tot["energy_kwh"], train_emissions_kg=tot["emissions_kg"],
        train_method=classify.method_of(record),
        infer_energy_kwh=infer.energy_kwh, infer_emissions_kg=infer.emissions_kg,
        infer_method=infer.method(), inference_unit="image",
        quality_name="test accuracy", quality=float(tot["test_acc"]),
        data_source=record["data"]["source"], setup=infer.method_setup(),
        train_protocol=(f"{record['settings'].get('tracking_mode', 'machine')} mode; each of the "
                        f"{tot['epochs']} epochs measured once (no spread)."),
        infer_protocol=infer.method_repeats(),
    )


def against_published(best: dict[str, ModelSummary]) -> list[dict]:
    """Our per-1,000-inference energy beside the published mean for the same kind of task."""
    rows = []
    for p in PUBLISHED:
        s = best.get(p["ours"])
        if s is None:
            continue
        ours = s.infer_energy_kwh * 1000
        rows.append({"task": p["task"], "published kWh per 1,000": p["kwh_per_1000"],
                     "our model": s.model, "our kWh per 1,000": ours,
                     "published / ours": p["kwh_per_1000"] / ours if ours else float("nan")})
    return rows


# ----------------------------------------------------------------------------------------
# Scale
# ----------------------------------------------------------------------------------------
def at_scale(per_inference_kwh: float, *, queries_per_day: float = 1e6, days: int = 365,
             countries=("SWE", "FRA", "USA", "DEU", "CHN", "IND")) -> dict:
    """Energy of ``queries_per_day`` inferences for ``days`` days, and its CO2 on several grids."""
    for name, value in (("per_inference_kwh", per_inference_kwh), ("queries_per_day", queries_per_day)):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
            raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a positive integer, got {days!r}")
    kwh = per_inference_kwh * queries_per_day * days
    return {"kwh": kwh, "queries": queries_per_day * days,
            "kg_co2": {c: measure.kwh_to_kg(kwh, c) for c in countries}}


# ----------------------------------------------------------------------------------------
# Mitigations, each as a measured before/after
# ----------------------------------------------------------------------------------------
def _before_after(name: str, before: dict, after: dict, how: str) -> dict:
    saved = 1.0 - after["energy_kwh"] / before["energy_kwh"] if before["energy_kwh"] else float("nan")
    return {"mitigation": name, "before": before, "after": after, "energy_saved": saved, "how": how}


def smaller_model(records: list[dict], *, tolerance: float = 0.01) -> dict:
    """The most accurate classifier against the cheapest one within ``tolerance`` of its accuracy."""
    if not records:
        raise ValueError("smaller_model needs at least one trained record")
    tots = [(r, classify.totals(r)) for r in records]
    best_r, best_t = max(tots, key=lambda rt: rt[1]["test_acc"])
    ok = [(r, t) for r, t in tots if t["test_acc"] >= best_t["test_acc"] - tolerance]
    small_r, small_t = min(ok, key=lambda rt: rt[1]["energy_kwh"])
    row = lambda r, t: {"model": r["label"], "parameters": r["n_params"],  # noqa: E731
                        "energy_kwh": t["energy_kwh"], "quality": t["test_acc"]}
    return _before_after("a smaller model", row(best_r, best_t), row(small_r, small_t),
                         f"the cheapest model to train within {100 * tolerance:g} accuracy point(s) "
                         f"of the most accurate one")


def early_stopping(record: dict, *, patience: int = 2, min_delta: float = 0.002) -> dict:
    """Stop when the monitored accuracy has not improved by ``min_delta`` for ``patience`` epochs."""
    hist = record["history"]
    best, best_epoch, stop = -1.0, 0, len(hist)
    for i, epoch in enumerate(hist, start=1):
        if epoch["test_acc"] > best + min_delta:
            best, best_epoch = epoch["test_acc"], i
        elif i - best_epoch >= patience:
            stop = i
            break
    full, cut = classify.totals(record), classify.totals(classify.upto(record, stop))
    row = lambda t: {"model": record["label"], "epochs": t["epochs"],  # noqa: E731
                     "energy_kwh": t["energy_kwh"], "quality": t["test_acc"]}
    return _before_after("early stopping", row(full), row(cut),
                         f"stop after {patience} epochs without a gain of {100 * min_delta:.1f} "
                         f"points in held-out accuracy")


def evaluate_less_often(record: dict) -> dict:
    """Evaluate every epoch (as in the chapter) against evaluating only after the last epoch."""
    t = classify.totals(record)
    last_eval = record["history"][-1]["eval_energy_kwh"]
    before = {"model": record["label"], "energy_kwh": t["energy_kwh"], "quality": t["test_acc"],
              "evaluations": t["epochs"]}
    after = {"model": record["label"], "energy_kwh": t["train_energy_kwh"] + last_eval,
             "quality": t["test_acc"], "evaluations": 1}
    return _before_after("evaluating less often", before, after,
                         "one evaluation at the end instead of one per epoch (same final model)")


def batching(config: classify.TrainConfig, *, small: int = 1, large: int = 100) -> dict:
    """Inference one image at a time against batches of ``large`` images (energy per image)."""
    one = classifier_inference_cost(config, batch_size=small)
    many = classifier_inference_cost(config, batch_size=large)
    row = lambda m, b: {"model": config.label, "batch": b, "energy_kwh": m.energy_kwh,  # noqa: E731
                        "method": m.method()}
    return _before_after("batching inference", row(one, small), row(many, large),
                         f"classify {large} images per call instead of {small}")


def cleaner_grid(energy_kwh: float, *, to: str = "SWE") -> dict:
    """The same energy on the course's grid against a low-carbon grid."""
    here = measure.carbon_intensity()
    there = measure.carbon_intensity(to)
    before = {"country": here.country_name, "energy_kwh": energy_kwh,
              "kg_co2": energy_kwh * here.g_per_kwh / 1000}
    after = {"country": there.country_name, "energy_kwh": energy_kwh,
             "kg_co2": energy_kwh * there.g_per_kwh / 1000}
    out = _before_after("running where the grid is cleaner", before, after,
                        f"the same work on {there.country_name}'s grid ({there.g_per_kwh:.0f} g/kWh) "
                        f"instead of {here.country_name}'s ({here.g_per_kwh:.0f} g/kWh)")
    out["co2_saved"] = 1.0 - after["kg_co2"] / before["kg_co2"] if before["kg_co2"] else float("nan")
    return out


# ----------------------------------------------------------------------------------------
# Every model of every chapter
# ----------------------------------------------------------------------------------------
def classification_summaries(*, progress: bool = True) -> list[ModelSummary]:
    """One summary per model of the classification chapter's sweep (stored runs)."""
    from tqdm.auto import tqdm

    configs = classify.chapter_configs()
    return [classifier_summary(c, repeats=3, min_seconds=0.5)
            for c in tqdm(configs, desc="classifiers", disable=not progress)]


def generation_summaries(*, progress: bool = True) -> list[ModelSummary]:
    """One summary per generator of the generation chapter (the memorising "copy" baseline
    is left out: it learns nothing, so it has no training cost to compare)."""
    import torch
    from tqdm.auto import tqdm

    from . import generate as gen, quality
    from .mnist import load_mnist

    data = load_mnist(**gen.CHAPTER_DATA, verbose=False)
    judge, _ = quality.load_or_train_judge(data, progress=False)
    scorer = quality.Scorer(judge, data)
    labels = gen.balanced_labels(100)
    out = []
    configs = {k: c for k, c in gen.CHAPTER_CONFIGS.items() if c.kind != "copy"}
    for name, config in tqdm(configs.items(), desc="generators", disable=not progress):
        model, trained = gen.load_or_train(config, data, progress=False)
        cost = gen.generation_cost(model, config, data)
        # the same samples (seed 2, temperature 1) the generation chapter scores
        score = scorer.score(model.sample(labels, 1.0, torch.Generator().manual_seed(2)), labels)
        out.append(ModelSummary(
            task="image generation", model=name, family=trained.family,
            parameters=int(trained.n_parameters),
            train_energy_kwh=trained.training.energy_kwh,
            train_emissions_kg=trained.training.emissions_kg,
            train_method=trained.training.method(),
            infer_energy_kwh=cost.energy_kwh, infer_emissions_kg=cost.emissions_kg,
            infer_method=cost.method(), inference_unit="image",
            quality_name="judge accuracy", quality=float(score.accuracy),
            data_source=data.source, setup=cost.method_setup(),
            train_protocol=trained.training.method_repeats(), infer_protocol=cost.method_repeats()))
    return out


def text_summaries(*, progress: bool = True) -> list[ModelSummary]:
    """The text chapter's two models: one fill-in-the-blank query and one 32-token generation."""
    import torch

    from . import textmodels as tm

    threads = torch.get_num_threads()
    torch.set_num_threads(tm.CHAPTER_THREADS)  # the chapter's measurements are keyed by threads
    try:
        gen_lm = tm.load_model(task="generation", verbose=progress)
        fill_lm = tm.load_model(task="fill-mask", verbose=progress)
        fill = tm.measure_fill_mask(fill_lm, tm.CHAPTER_FILL_EXAMPLE)
        query = tm.token_sweep(gen_lm, tm.CHAPTER_PROMPT, progress=False, **tm.CHAPTER_SWEEP)[-1]
        pre = tm.course_minibert(progress=False) if fill_lm.source == "embedded" else None
    finally:
        torch.set_num_threads(threads)
    n_tokens = tm.CHAPTER_SWEEP["token_counts"][-1]
    return [
        ModelSummary(
            task="fill-in-the-blank", model=fill_lm.name.split(" (")[0], family="masked LM",
            parameters=int(fill_lm.n_parameters),
            train_energy_kwh=pre.record.energy_kwh if pre else None,
            train_emissions_kg=pre.record.emissions_kg if pre else None,
            train_method=pre.record.method() if pre else "pre-trained elsewhere; not measured here.",
            infer_energy_kwh=fill.energy_kwh, infer_emissions_kg=fill.emissions_kg,
            infer_method=fill.method(), inference_unit="query",
            quality_name="top-5 accuracy on held-out masked words" if pre else "",
            quality=float(pre.evaluation["top5"]) if pre else float("nan"),
            data_source=fill_lm.source, setup=fill.method_setup(),
            train_protocol=pre.record.method_repeats() if pre else "not measured here.",
            infer_protocol=fill.method_repeats()),
        ModelSummary(
            task="text generation", model=gen_lm.name.split(" (")[0], family="causal LM",
            parameters=int(gen_lm.n_parameters),
            train_energy_kwh=None, train_emissions_kg=None,
            train_method="pre-trained elsewhere; not measured here.",
            infer_energy_kwh=query.energy_kwh, infer_emissions_kg=query.emissions_kg,
            infer_method=query.method(), inference_unit=f"query of {n_tokens} new tokens",
            quality_name="", quality=float("nan"), data_source=gen_lm.source,
            setup=query.method_setup(), train_protocol="not measured here.",
            infer_protocol=query.method_repeats()),
    ]


def all_summaries(*, progress: bool = True) -> list[ModelSummary]:
    """Every model of the course, from the chapters' stored results."""
    return (classification_summaries(progress=progress) + generation_summaries(progress=progress)
            + text_summaries(progress=progress))


def summary_table(summaries: list[ModelSummary]):
    """A DataFrame with units in the column names (methods: :func:`methods_text`)."""
    import pandas as pd

    rows = []
    for s in summaries:
        rows.append({
            "task": s.task, "model": s.model, "parameters": s.parameters,
            "training (Wh)": None if s.train_energy_kwh is None else s.train_energy_kwh * 1000,
            "training (g CO2e)": None if s.train_emissions_kg is None else s.train_emissions_kg * 1000,
            "per 1,000 uses (Wh)": s.infer_energy_kwh * 1e6,
            "per 1,000 uses (g CO2e)": s.infer_emissions_kg * 1e6,
            "one use": s.inference_unit,
            # short label here; the full name of each measure is in the methods below the table
            "quality": (f"{s.quality_name.split(' on ')[0].replace('accuracy', 'acc.')} {s.quality:.1%}"
                        if s.quality_name else "not measured"),
        })
    return pd.DataFrame(rows)


def methods_text(summaries: list[ModelSummary]) -> str:
    """Markdown: the instrument once (when shared), then each task's training and inference protocol."""
    setups = list(dict.fromkeys(s.setup for s in summaries))
    lines = [f"**Instrument for every figure.** {setups[0]}"] if len(setups) == 1 else []
    seen = set()
    for s in summaries:
        if s.task in seen:
            continue
        seen.add(s.task)
        own = "" if len(setups) == 1 else f" {s.setup}"
        quality = f" *Quality:* {s.quality_name}." if s.quality_name else ""
        lines.append(f"- **{s.task}**{own} *Training:* {s.train_protocol} "
                     f"*Per use:* {s.infer_protocol}{quality}")
    return "\n".join(lines)
