import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tmp_data(tmp_path, monkeypatch):
    """A private data/ folder for one test, so library tests never touch the real cache."""
    from mlfootprint import store

    monkeypatch.setenv("MLFOOTPRINT_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(store, "_DEFAULT", None)
    return tmp_path / "data"
