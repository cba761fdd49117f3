"""Where the project keeps its files, independent of the working directory."""

from __future__ import annotations

import errno
import os
import uuid
from pathlib import Path

from .environment import SettingError, declare, plain_text, raw, read

_PACKAGE_DIR = Path(__file__).resolve().parent
DATA_ENV = "MLFOOTPRINT_DATA"


class DataDirError(OSError):
    """The data folder cannot be used (it names the setting that chose it)."""


class DataSettingError(SettingError, DataDirError):
    """``MLFOOTPRINT_DATA`` is not a usable path: empty, spaces around it, a symlink loop."""


DATA_ACCEPTED = "the path of a folder (made if missing), without spaces around it"


def _parse_data(value: str) -> Path:
    if not value.strip():
        raise DataSettingError(f"the environment variable {DATA_ENV} is set but empty; unset it or "
                               f"give a folder for the course's downloads and results")
    try:
        plain_text(value)
        # expanduser fails on an unknown ~user; resolve on a symlink loop (RuntimeError
        # before Python 3.13, OSError from 3.13 on)
        return Path(value).expanduser().resolve()
    except (ValueError, RuntimeError, OSError) as exc:
        why = "it leads into a symlink loop" if getattr(exc, "errno", None) == errno.ELOOP else exc
        raise DataSettingError(f"the environment variable {DATA_ENV}={value!r} cannot be used: {why}. "
                               f"{DATA_ENV} accepts {DATA_ACCEPTED}; correct it or unset it") from None


declare(DATA_ENV, DATA_ACCEPTED, _parse_data)


def repo_root() -> Path | None:
    """The repository root when the package runs from a checkout (``pip install -e .``)."""
    root = _PACKAGE_DIR.parent.parent  # lib/mlfootprint -> lib -> root
    return root if (root / "pyproject.toml").is_file() and (root / "book").is_dir() else None


def data_dir_origin() -> str:
    """What chose the data folder, in words (for error messages)."""
    if raw(DATA_ENV):
        return f"the environment variable {DATA_ENV}={raw(DATA_ENV)!r}"
    return "the checkout's data/ folder" if repo_root() else "the default ~/.cache/mlfootprint"


def chosen_data_dir() -> Path:
    """``$MLFOOTPRINT_DATA`` if set, else the checkout's ``data/``, else ``~/.cache/mlfootprint``
    (a non-editable install); not checked to be usable."""
    path, root = read(DATA_ENV), repo_root()
    return path or (root / "data" if root else Path.home() / ".cache" / "mlfootprint")


def data_dir(create: bool = True) -> Path:
    """The data folder (:func:`chosen_data_dir`), made with ``create``; a file, or a folder
    that cannot be made, is a :class:`DataDirError` naming the setting that chose it."""
    path = chosen_data_dir()
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
    """Write ``payload`` to ``path``: readers see the old file or the new one, never half."""
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
