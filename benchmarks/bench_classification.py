"""Training throughput of mlfootprint.classify against a tutorial-style PyTorch loop.

Both sides train the same architecture on the same images with the same batch size,
optimiser, learning rate, seed, thread count and number of epochs, in this one process.
Throughput is images trained per second of wall time over whole epochs *including*
each epoch's evaluation.

- baseline: the way common tutorials do it -- a torchvision-style ``Dataset`` that turns
  each uint8 image into a PIL image and applies ``transforms.ToTensor()`` per item, a
  ``DataLoader`` (shuffle=True, batch 64) for training, and evaluation on the full
  training set and the test set every epoch (``DataLoader`` with batch 1000, as in
  pytorch/examples' MNIST).
- ours: ``train_classifier(config, cache=False)``: in-memory tensors, seeded
  permutation batches, evaluation on the test set and a fixed 1,000-image training
  sample, CodeCarbon tracking of training and evaluation per epoch (its overhead is
  counted on our side), a divergence check on every batch's loss.

Usage: python benchmarks/bench_classification.py [--epochs 2] [--threads 1] [--repeats 2]
Timings on a shared machine are noisy; the script reports the best of ``--repeats`` runs
for each side, run alternately.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from PIL import Image
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

from mlfootprint import classify
from mlfootprint.mnist import load_mnist


class TutorialMNIST(Dataset):
    """Like ``torchvision.datasets.MNIST``: uint8 images, a PIL image and a transform per item."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, transform):
        self.data = (images[:, 0] * 255).round().to(torch.uint8)
        self.targets = labels
        self.transform = transform

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        img = Image.fromarray(self.data[i].numpy(), mode="L")
        return self.transform(img), int(self.targets[i])


def baseline_run(config: classify.TrainConfig, data) -> float:
    """Tutorial-style training; returns wall seconds for all epochs (with evaluation)."""
    tf = transforms.ToTensor()
    train_set = TutorialMNIST(data.x_train, data.y_train, tf)
    test_set = TutorialMNIST(data.x_test, data.y_test, tf)
    torch.manual_seed(config.seed)
    model = classify.build_model(config.family, config.sizes)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    train_loader = DataLoader(train_set, batch_size=config.batch_size, shuffle=True)
    eval_loaders = [DataLoader(train_set, batch_size=1000), DataLoader(test_set, batch_size=1000)]
    start = time.perf_counter()
    for _epoch in range(config.epochs):
        model.train()
        for x, y in train_loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            for loader in eval_loaders:
                total, correct = 0.0, 0
                for x, y in loader:
                    out = model(x)
                    total += F.cross_entropy(out, y, reduction="sum").item()
                    correct += (out.argmax(1) == y).sum().item()
    return time.perf_counter() - start


def ours_run(config: classify.TrainConfig) -> tuple[float, float]:
    """Wall seconds of a whole uncached ``train_classifier`` call, and of its training steps alone."""
    start = time.perf_counter()
    record = classify.train_classifier(config, progress=False, cache=False)
    return time.perf_counter() - start, record.training.duration_s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--source", default="bundled")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    models = [("MLP", (256, 128, 64)), ("CNN", (8, 16)), ("CNN", (16, 32))]
    print(f"torch {torch.__version__}, {args.threads} thread(s), {args.epochs} epochs, "
          f"best of {args.repeats} alternating runs per side; timings are noisy on a shared machine.")
    results = []
    for family, sizes in models:
        config = classify.TrainConfig(family, sizes, epochs=args.epochs, source=args.source,
                                      threads=args.threads)
        data = classify.data_for(config)
        n_images = len(data.y_train) * args.epochs
        ours_run(config.with_(epochs=1))  # warm-up: tracker start, data, kernels
        base_t, our_t = [], []
        for _ in range(args.repeats):
            base_t.append(baseline_run(config, data))
            our_t.append(ours_run(config))
        b = min(base_t)
        o, o_train = min(our_t)
        ratio = b / o
        results.append((config.label, ratio))
        print(f"{config.label:<22} baseline {n_images / b:8.0f} img/s ({b:6.2f} s)   "
              f"ours {n_images / o:8.0f} img/s ({o:6.2f} s, of which {100 * o_train / o:.0f}% "
              f"training steps)   ratio {ratio:5.2f}x", flush=True)
    print("ratios: " + ", ".join(f"{label} {r:.2f}x" for label, r in results))
    print("The training steps (forward, backward, optimiser) are the same arithmetic on both sides;\n"
          "only data handling and evaluation can be saved, which bounds the ratio (Amdahl's law).")


if __name__ == "__main__":
    main()
