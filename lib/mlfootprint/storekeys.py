"""The stored form of results, and the key of settings and code (for :mod:`mlfootprint.store`).

- :func:`to_jsonable` -- records, dataclasses, numpy and torch values as plain JSON values;
- :func:`key_value` -- settings as a key: NaN, infinities and ``None`` stay different
  values, and so do the dict keys ``1`` and ``"1"``;
- :func:`module_source_hash` -- a hash of the source of modules (or of modules named,
  imported if they are not yet), so results computed by other code get other keys.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import inspect
import json
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable

import numpy as np


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


def key_value(obj: Any) -> Any:
    """Like :func:`to_jsonable`, but NaN, +inf, -inf and None stay four different values
    (and differ from the strings "nan" and "inf"), so each gets its own key; so do the
    dict keys ``1`` and ``"1"`` (a dict with a key that is not a string keeps its keys' types)."""
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {k: key_value(v) for k, v in obj.items()}
        pairs = [[key_value(k), key_value(v)] for k, v in obj.items()]
        return {"__dict__": sorted(pairs, key=lambda kv: json.dumps(kv[0], sort_keys=True))}
    if isinstance(obj, (list, tuple)):
        return [key_value(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return {"__float__": repr(obj)}
    if isinstance(obj, (np.ndarray,)) or dataclasses.is_dataclass(obj) or hasattr(obj, "to_dict") \
            or type(obj).__name__ == "Tensor":
        return key_value(to_jsonable(obj))
    return to_jsonable(obj)


def _sources(module: ModuleType) -> list[tuple[str, str]]:
    """(name, source) of a module, or of every file of a package (a package's ``__init__``
    alone would miss the code of its submodules)."""
    paths = getattr(module, "__path__", None)
    if paths:
        return [(f"{module.__name__}/{p.relative_to(Path(base)).as_posix()}", p.read_text(encoding="utf-8"))
                for base in paths for p in sorted(Path(base).rglob("*.py"))]
    try:
        return [(module.__name__, inspect.getsource(module))]
    except (OSError, TypeError):  # built in or defined interactively: name only
        return [(module.__name__, "")]


def _module(m: Any) -> ModuleType:
    """A module, or the module named ``m`` (imported if it is not yet), or a clear error."""
    if isinstance(m, ModuleType):
        return m
    if not isinstance(m, str):
        raise TypeError(f"code must list modules or their names such as __name__, got {m!r:.60}")
    try:
        return sys.modules.get(m) or importlib.import_module(m)
    except ImportError as exc:
        raise ValueError(f"code names the module {m!r}, which cannot be imported ({exc}); "
                         f"give the modules that compute the result, such as __name__") from None


def module_source_hash(modules: Iterable[ModuleType | str]) -> str:
    digest = hashlib.sha256()
    resolved = {_module(m) for m in modules}
    for module in sorted(resolved, key=lambda m: m.__name__):
        for name, source in _sources(module):
            digest.update(name.encode())
            digest.update(source.encode())
    return digest.hexdigest()[:16]
