"""How good are the bench's forecasts? Predicted against actual over the chapters' models.

For every model of the classification sweep and for the generators, the bench's forecast
(a short calibration, scaled) is made first, then the run itself (not from the store:
``cache=False`` / a private data folder) is measured, and the two are compared as
ratios. Printed: each model's predicted/actual time and energy, then the median and worst
absolute error (|predicted/actual - 1|) and how many actual runs fell inside the interval.
Target: median <= 20%, worst <= 50%.

The models run with the chapters' own settings (epochs included), so the runs compared are
the ones a reader of the chapters sees; ``--epochs`` / ``--gen-epochs`` cut them for a quick
look (short runs weigh fixed costs and timer noise more). Timings come from a machine that
may be shared: the ratios are taken side by side, each forecast right before its run.

    .venv/bin/python benchmarks/bench_forecast.py [--epochs 2] [--gen-epochs 3] [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=None, help="classifiers' epochs (default: the chapter's)")
    parser.add_argument("--gen-epochs", type=int, default=None, help="at most this many CVAE epochs (default: the chapter's)")
    parser.add_argument("--quick", action="store_true", help="three classifiers and two generators")
    args = parser.parse_args()
    os.environ.setdefault("MLFOOTPRINT_DATA", tempfile.mkdtemp(prefix="bench-forecast-"))

    from mlfootprint import classify, forecast, generate as gen
    from mlfootprint.bench.classification import ClassificationAdapter
    from mlfootprint.bench.generation import GenerationAdapter
    from mlfootprint.course import classification as cc, generation as cg
    from mlfootprint.mnist import load_mnist

    comparisons = []

    def show(kind, label, cmp):
        comparisons.append(cmp)
        print(f"{kind:10s} {label:34s} time {cmp.predicted_s:7.2f} s / {cmp.actual_s:7.2f} s = "
              f"{cmp.time_ratio:5.2f}   energy ratio {cmp.energy_ratio:5.2f}   "
              f"{'inside' if cmp.time_inside and cmp.energy_inside else 'OUTSIDE'}", flush=True)

    adapter = ClassificationAdapter(cc.SETTINGS)
    configs = [c.with_(epochs=args.epochs) if args.epochs else c for c in cc.configs()]
    if args.quick:
        configs = [configs[0], configs[len(cc.MLPS) - 1], configs[-1]]
    for config in configs:
        fc = adapter.forecast(config)
        run = classify.train_classifier(config, cache=False, progress=False)
        t = classify.totals(run)
        show("classify", config.label, forecast.compare(fc, t["time_s"], t["energy_kwh"]))

    data = load_mnist(**cg.DATA, verbose=False)
    gadapter = GenerationAdapter(data, threads=cg.THREADS)
    gens = [replace(c, epochs=min(c.epochs, args.gen_epochs), kl_warmup=min(c.kl_warmup, args.gen_epochs))
            if c.is_cvae and args.gen_epochs else c for c in cg.CONFIGS.values()]
    if args.quick:
        gens = gens[:1] + gens[-1:]
    for config in gens:
        fc = gadapter.forecast(_job(config))
        _, run = gen.train_generator(config, data, progress=False, threads=cg.THREADS)
        show("generate", config.label(), forecast.compare(fc, run.training.duration_s, run.training.energy_kwh))

    s = forecast.error_summary(comparisons)
    print(f"\n{s['n']} runs (classifiers: {configs[0].epochs} epochs; CVAEs: "
          f"{', '.join(str(c.epochs) for c in gens if c.is_cvae)} epochs)")
    print(f"time:   median error {100 * s['time_median']:.0f}%, worst {100 * s['time_worst']:.0f}%")
    print(f"energy: median error {100 * s['energy_median']:.0f}%, worst {100 * s['energy_worst']:.0f}%")
    print(f"inside the forecast's interval: {100 * s['inside']:.0f}% of runs")
    ok = max(s["time_median"], s["energy_median"]) <= 0.20 and max(s["time_worst"], s["energy_worst"]) <= 0.50
    print("target (median <= 20%, worst <= 50%):", "met" if ok else "NOT met")
    return 0


def _job(config):
    from mlfootprint.bench.generation import Job

    return Job(config, 1.0)


if __name__ == "__main__":
    start = time.perf_counter()
    rc = main()
    print(f"benchmark took {time.perf_counter() - start:.0f} s")
    sys.exit(rc)
