"""Where the project keeps its files, independent of the working directory."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
DATA_ENV = "MLFOOTPRINT_DATA"


class DataDirError(OSError):
    """The data folder cannot be used (it names the setting that chose it)."""


def repo_root() -> Path | None:
    """The repository root when the package runs from a checkout (``pip install -e .``)."""
    candidate = _PACKAGE_DIR.parent.parent  # lib/mlfootprint -> lib -> root
    if (candidate / "pyproject.toml").is_file() and (candidate / "book").is_dir():
        return candidate
    return None


def data_dir_origin() -> str:
    """What chose the data folder, in words (for error messages)."""
    if os.environ.get(DATA_ENV):
        return f"the environment variable {DATA_ENV}={os.environ[DATA_ENV]!r}"
    return "the checkout's data/ folder" if repo_root() else "the default ~/.cache/mlfootprint"


def data_dir(create: bool = True) -> Path:
    """The ``data/`` folder: ``$MLFOOTPRINT_DATA`` if set, else the checkout's ``data/``,
    else ``~/.cache/mlfootprint`` for a non-editable install. With ``create`` the folder
    is made; a path that is a file, or cannot be made, raises :class:`DataDirError`
    naming the setting."""
    env = os.environ.get(DATA_ENV)
    if env is not None and not env.strip():
        raise DataDirError(f"the environment variable {DATA_ENV} is set but empty; unset it or "
                           f"give a folder for the course's downloads and results")
    if env:
        path = Path(env).expanduser().resolve()
    else:
        root = repo_root()
        path = root / "data" if root else Path.home() / ".cache" / "mlfootprint"
    if path.exists() and not path.is_dir():
        raise DataDirError(f"{path} is a file, not a folder ({data_dir_origin()}); "
                           f"point {DATA_ENV} at a folder")
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataDirError(f"cannot create the data folder {path} ({data_dir_origin()}): {exc}") from exc
    return path


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` so that readers see the old file or the new one, never
    half; the temporary name is unique per process and call."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
