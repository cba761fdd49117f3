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


@pytest.fixture(scope="session")
def book_build(request):
    """The book, built (so every chapter executed, through the caches) at most once per
    session; the chapter checks and the online test read what this build executed. Nothing
    heavy runs beside it: its measurements are baked into the pages. The online build (if
    selected) starts once it is done."""
    from book_pages import BOOK, ensure_built

    built = ensure_built(BOOK)
    _start_online_build(request.config)
    return built


@pytest.fixture(scope="session")
def playwright_session():
    """One Playwright driver for the whole session: its sync API runs an event loop, and a
    second ``sync_playwright()`` opened while the first is alive fails ("Sync API inside the
    asyncio loop"), so the browser test and the JupyterLab test share this one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


# Loopback stand-ins for the services the book uses online (tests/standins): 127.0.0.1 only,
# started and stopped by each test that asks for them.
@pytest.fixture(scope="session")
def standin_models(tmp_path_factory):
    """Tiny ``gpt2`` and ``bert-base-uncased`` (real architectures, random weights), built once."""
    from standins import models

    return models.build_all(tmp_path_factory.mktemp("standin-models"))


@pytest.fixture
def mnist_mirror(tmp_data):
    """An MNIST mirror of the bundled digits, set as torchvision's ``MNIST.mirrors`` and
    ``MNIST.resources`` (md5s) for this test only, with a private data folder."""
    from standins import mnist_mirror as mm

    with mm.serve() as mirror, mm.pointed_at(mirror.url, mirror.resources()):
        yield mirror


@pytest.fixture
def hub_standin(standin_models, tmp_data, tmp_path, monkeypatch):
    """The Hub stand-in serving ``gpt2`` and ``bert-base-uncased``, selected with
    ``HF_ENDPOINT``, with an empty ``HF_HOME``, no offline switch set and a private data
    folder (a fallback to an embedded model must not write into data/)."""
    from standins import hub

    with hub.serve(standin_models) as h:
        monkeypatch.setenv("HF_ENDPOINT", h.url)
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "MLFOOTPRINT_TEXT_OFFLINE",
                     "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
            monkeypatch.delenv(name, raising=False)
        yield h


# The Pages workflow's build step, online against the stand-ins (tests/test_online.py). It
# starts once the main book build is done (never beside it: that build's measurements are
# baked into the pages, and a second build beside it would charge them its load), and runs in
# the background while the other tests read the built book.
_ONLINE_BUILD = pytest.StashKey[object]()
_ONLINE_WANTED = pytest.StashKey[bool]()


def pytest_collection_finish(session):
    if session.config.option.collectonly:
        return
    session.config.stash[_ONLINE_WANTED] = any(
        "online_pages_build" in getattr(item, "fixturenames", ()) for item in session.items)


def _start_online_build(config):
    if config.stash.get(_ONLINE_WANTED, False) and config.stash.get(_ONLINE_BUILD, None) is None:
        from standins.pages_build import PagesBuild

        config.stash[_ONLINE_BUILD] = PagesBuild().start()


def pytest_sessionfinish(session, exitstatus):
    build = session.config.stash.get(_ONLINE_BUILD, None)
    if build is not None:
        build.close(keep=exitstatus != 0)
        if exitstatus != 0 and build.root is not None:
            print(f"\nthe online build's files are kept in {build.root}")


@pytest.fixture(scope="session")
def online_pages_build(request, book_build):
    """The online Pages build, started when the main book build was done."""
    request.config.stash[_ONLINE_WANTED] = True
    _start_online_build(request.config)
    return request.config.stash[_ONLINE_BUILD]
