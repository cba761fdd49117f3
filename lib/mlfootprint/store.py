"""Results cached under ``data/results``, keyed by every setting that changes them.

A stored result is found again only when *all* of these match:

- the namespace (what kind of experiment: ``"classification/train"``, ...);
- the settings the caller passes (model sizes, epochs, seed, data source, ...);
- the country used to turn energy into CO2;
- the library version and a hash of the source code of the modules that compute it.

So a change of any setting, of the country, or of the code gives a new key and a fresh
computation: a stale result is never served. Files are written atomically. A file that
cannot be read back (corrupted, truncated, or written for other settings) is reported
with a :class:`CorruptResultWarning`, moved aside as ``*.corrupt`` for inspection, and
recomputed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import math
import sys
import time
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable

import numpy as np

from . import __version__
from .paths import atomic_write_bytes, data_dir


class CorruptResultWarning(UserWarning):
    """A stored result could not be used and will be recomputed."""


def to_jsonable(obj: Any) -> Any:
    """Turn records, dataclasses, numpy and torch values into plain JSON values."""
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return to_jsonable(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable(dataclasses.asdict(obj))
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if type(obj).__module__ == "torch" or type(obj).__name__ == "Tensor":
        return to_jsonable(obj.detach().cpu().numpy())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot store a value of type {type(obj).__name__}: {obj!r:.80}")


def _module_source_hash(modules: Iterable[ModuleType | str]) -> str:
    digest = hashlib.sha256()
    resolved = {sys.modules[m] if isinstance(m, str) else m for m in modules}
    for module in sorted(resolved, key=lambda m: m.__name__):
        try:
            digest.update(module.__name__.encode())
            digest.update(inspect.getsource(module).encode())
        except (OSError, TypeError):  # built in or defined interactively: name only
            pass
    return digest.hexdigest()[:16]


def code_version(*modules: ModuleType | str) -> str:
    """A short hash of the source of ``modules`` (modules or their names, e.g. ``__name__``)
    plus the measuring and storing code."""
    return _module_source_hash([*modules, f"{__package__}.measure", __name__])


class ResultStore:
    """JSON results under ``root`` (default ``data/results``)."""

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root is not None else data_dir() / "results"

    # -- keys -------------------------------------------------------------------------
    def key_material(self, namespace: str, settings: dict, code: Iterable[ModuleType] = ()) -> dict:
        from .measure import get_country

        if not namespace or ".." in namespace or namespace.startswith("/"):
            raise ValueError(f"bad namespace {namespace!r}")
        return {
            "namespace": namespace,
            "settings": to_jsonable(settings),
            "country": get_country(),
            "library_version": __version__,
            "code": code_version(*code),
        }

    @staticmethod
    def _key_of(material: dict) -> str:
        blob = json.dumps(material, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:24]

    def key(self, namespace: str, settings: dict, code: Iterable[ModuleType] = ()) -> str:
        return self._key_of(self.key_material(namespace, settings, code))

    def _locate(self, namespace: str, settings: dict, code) -> tuple[dict, Path]:
        """The key material and the file of a result (the code hashed once, not per use)."""
        material = self.key_material(namespace, settings, code)
        return material, self.path(namespace, self._key_of(material))

    def path(self, namespace: str, key: str, suffix: str = ".json") -> Path:
        return self.root / namespace / f"{key}{suffix}"

    def artifact_path(self, namespace: str, settings: dict, suffix: str,
                      code: Iterable[ModuleType] = ()) -> Path:
        """Where to keep a binary artifact (model weights, arrays) with the same key rules."""
        path = self.path(namespace, self.key(namespace, settings, code), suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    # -- reading and writing ---------------------------------------------------------------
    def _quarantine(self, path: Path, why: str) -> None:
        aside = path.with_name(path.name + f".corrupt-{int(time.time())}")
        try:
            path.replace(aside)
            where = f"moved aside to {aside.name}"
        except OSError:
            where = "left in place"
        warnings.warn(
            f"stored result {path} is unusable ({why}); it was {where} and will be recomputed",
            CorruptResultWarning,
            stacklevel=3,
        )

    def load(self, namespace: str, settings: dict, code: Iterable[ModuleType] = ()) -> Any | None:
        """The stored result for these settings, or ``None`` if there is none (or it was corrupt)."""
        return self._load_at(*self._locate(namespace, settings, code))

    def _load_at(self, material: dict, path: Path) -> Any | None:
        if not path.exists():
            return None
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            self._quarantine(path, f"not valid JSON: {exc}")
            return None
        if not isinstance(stored, dict) or "result" not in stored or "key_material" not in stored:
            self._quarantine(path, "missing 'result' or 'key_material'")
            return None
        if stored["key_material"] != material:
            self._quarantine(path, "written for other settings than its name says")
            return None
        return stored["result"]

    def save(self, namespace: str, settings: dict, result: Any,
             code: Iterable[ModuleType] = ()) -> Path:
        return self._save_at(*self._locate(namespace, settings, code), result)

    def _save_at(self, material: dict, path: Path, result: Any) -> Path:
        payload = {"key_material": material, "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                   "result": to_jsonable(result)}
        atomic_write_bytes(path, json.dumps(payload, indent=1, sort_keys=True).encode("utf-8"))
        return path

    def get_or_compute(self, namespace: str, settings: dict, compute: Callable[[], Any], *,
                       code: Iterable[ModuleType] = (), decode: Callable[[Any], Any] | None = None,
                       refresh: bool = False) -> Any:
        """Return the stored result for ``settings`` or compute, store and return it.

        The value returned is always the JSON round trip passed through ``decode``, so a
        freshly computed result and a stored one look exactly the same to the caller.
        """
        material, path = self._locate(namespace, settings, code)
        stored = None if refresh else self._load_at(material, path)
        if stored is None:
            stored = to_jsonable(compute())
            self._save_at(material, path, stored)
        return decode(stored) if decode else stored


_DEFAULT: ResultStore | None = None


def default_store() -> ResultStore:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = ResultStore()
    return _DEFAULT


def cached(namespace: str, settings: dict, compute: Callable[[], Any], *,
           code: Iterable[ModuleType] = (), decode: Callable[[Any], Any] | None = None,
           refresh: bool = False) -> Any:
    """:meth:`ResultStore.get_or_compute` on the default store under ``data/results``."""
    return default_store().get_or_compute(namespace, settings, compute, code=code,
                                          decode=decode, refresh=refresh)
