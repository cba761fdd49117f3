"""What an artefact folder holds, file by file (sizes and SHA-256 digests), and the check that
it still holds exactly that, naming the first file missing or changed, so a truncated or edited
weights file is found before it is loaded (used by :func:`mlfootprint.store.keep`)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

RECORD_FILE = "record.json"  # the artefact's own record, inside its folder (not in the manifest)

_DIGESTS: dict[tuple[str, int, int], str] = {}


def _sha256(path: Path) -> str:
    stat = path.stat()
    memo = (str(path), stat.st_size, stat.st_mtime_ns)
    if memo not in _DIGESTS:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        _DIGESTS[memo] = digest.hexdigest()
    return _DIGESTS[memo]


def manifest(folder: Path) -> dict[str, dict]:
    """Every file under ``folder``: relative path -> {"size", "sha256"}."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): {"size": p.stat().st_size, "sha256": _sha256(p)}
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != RECORD_FILE}


def check_manifest(folder: Path, expected: Any) -> None:
    """Raise ValueError naming the first file of ``folder`` that differs from ``expected``."""
    if not isinstance(expected, dict) or not expected:
        raise ValueError("the record lists no files for its artefact")
    if not Path(folder).is_dir():
        raise ValueError(f"the artefact folder {folder} is missing")
    for rel, meta in expected.items():
        if not isinstance(meta, dict):
            raise ValueError(f"the record's entry for {rel} is not a dict")
        path = Path(folder) / rel
        if not path.is_file():
            raise ValueError(f"{path} is missing")
        if path.stat().st_size != meta.get("size"):
            raise ValueError(f"{path} has {path.stat().st_size:,} bytes, expected {meta.get('size'):,}")
        if _sha256(path) != meta.get("sha256"):
            raise ValueError(f"{path} does not have the content it was saved with (SHA-256 differs)")
