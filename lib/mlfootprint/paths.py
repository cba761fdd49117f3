"""Where the project keeps its files, independent of the working directory."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def repo_root() -> Path | None:
    """The repository root when the package runs from a checkout (``pip install -e .``)."""
    candidate = _PACKAGE_DIR.parent.parent  # lib/mlfootprint -> lib -> root
    if (candidate / "pyproject.toml").is_file() and (candidate / "book").is_dir():
        return candidate
    return None


def data_dir() -> Path:
    """The ``data/`` folder: ``$MLFOOTPRINT_DATA`` if set, else the checkout's ``data/``,
    else ``~/.cache/mlfootprint`` for a non-editable install."""
    env = os.environ.get("MLFOOTPRINT_DATA")
    if env:
        path = Path(env).expanduser().resolve()
    else:
        root = repo_root()
        path = root / "data" if root else Path.home() / ".cache" / "mlfootprint"
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` so that readers see the old file or the new one, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
