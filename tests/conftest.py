import os
from pathlib import Path

import pytest

# Figures drawn inside the test process need no screen. This must not go through the
# MPLBACKEND environment variable: chapter kernels inherit it, and with it set they stop
# using the inline backend, so executed chapters would show no figures.
import matplotlib

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tmp_data(tmp_path, monkeypatch):
    """A private data/ folder for one test, so library tests never touch the real cache."""
    from mlfootprint import store

    monkeypatch.setenv("MLFOOTPRINT_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(store, "_DEFAULT", None)
    return tmp_path / "data"
