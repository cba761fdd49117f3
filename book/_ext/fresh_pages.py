"""Pages re-execute whenever what they show could change, not only when their code cells do.

jupyter-cache (``execute_notebooks: cache``) keys an executed page on its code cells and its
kernelspec, nothing else: a change to the course library, to a setting the course documents
(``MLFOOTPRINT_COUNTRY``, the data folder, offline switches, threads) or to the results store
would leave every page as it was. This extension computes one **build fingerprint** from all
of that and writes it into each notebook's kernelspec as it is read (``source-read``; the file
on disk is not touched), so jupyter-cache's own key covers it; it is also a Sphinx config
value that invalidates the environment, so Sphinx reads every page again when it changes.

The fingerprint hashes:

* the source of the course library (every ``.py``/``.json`` of the ``mlfootprint`` package)
  and of these Sphinx extensions;
* the versions of the packages whose results the pages print (torch, CodeCarbon, ...);
* the environment variables that change a page: every ``MLFOOTPRINT_*``, and those of
  :data:`SETTINGS_ENV`;
* the results store (the data folder): every file's name and size, and the content of every
  small one (records are small; large weights files are listed in the records with their
  SHA-256, and by size and modification time here).

The store changes *during* a build, since pages store what they measure. So the fingerprint of
a build is saved with the store as that build left it (:data:`RECORD_NAME`, beside
jupyter-cache's database, so a CI cache carries it along). The next build reuses that
fingerprint when the code, the settings *and* the store are exactly as the last build left
them -- nothing to re-execute -- and otherwise derives a new one from the old one, so a page is
never served from an execution made against other code, settings or results.

Two variables reach the kernels of a build without entering the fingerprint:
``BOOK_BUILD_STARTED`` (when the build started) and ``BOOK_BUILD_READS`` (a file, one per
fingerprint, where :mod:`mlfootprint.store` lists every result a page uses). The page on what
building the book cost reads both.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import time
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

CONFIG_NAME = "mlfootprint_build"          # the Sphinx config value (rebuild: env)
KERNELSPEC_KEY = "mlfootprint_build"       # written into each page's kernelspec
RECORD_NAME = "mlfootprint-build.json"     # beside jupyter-cache's database
# When this build started, for the kernels (the page on what building the book cost tells
# what this build measured from what it found stored). Not part of the fingerprint.
STARTED_ENV = "BOOK_BUILD_STARTED"
# Where the pages list the stored results they use (mlfootprint.store writes to it), one list
# per fingerprint, so it holds every page's results even when only some pages execute.
USES_ENV = "BOOK_BUILD_READS"
LIBRARY = "mlfootprint"
SETTINGS_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_ENDPOINT", "HF_HOME",
                "OMP_NUM_THREADS", "MKL_NUM_THREADS")
PACKAGES = ("torch", "torchvision", "codecarbon", "transformers", "tokenizers", "numpy",
            "scikit-learn", "matplotlib", "mlxtend", "pandas", "myst-nb", "ipywidgets", "gguf")
SMALL_FILE = 1 << 20  # files up to this size are hashed by content


def _hash_tree(digest, root: Path, suffixes: tuple[str, ...]) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in suffixes and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())


def library_dir() -> Path:
    spec = importlib.util.find_spec(LIBRARY)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the course library {LIBRARY!r} is not installed; run `make install`")
    return Path(list(spec.submodule_search_locations)[0])


def settings_in_force() -> dict[str, str]:
    """The environment variables a page's output depends on, with their values."""
    return {k: v for k, v in sorted(os.environ.items())
            if k.startswith("MLFOOTPRINT_") or k in SETTINGS_ENV}


def code_and_settings(ext_dir: Path) -> str:
    """Hash of the library's and extensions' code, the package versions and the settings."""
    digest = hashlib.sha256()
    _hash_tree(digest, library_dir(), (".py", ".json"))
    _hash_tree(digest, ext_dir, (".py",))
    for name in PACKAGES:
        try:
            digest.update(f"{name}=={importlib.metadata.version(name)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{name} absent".encode())
    digest.update(json.dumps(settings_in_force()).encode())
    return digest.hexdigest()[:20]


def data_folder(book_dir: Path) -> Path:
    """The results store's folder, by the library's rule (``$MLFOOTPRINT_DATA``, else the
    checkout's ``data/``), without importing the library into Sphinx."""
    env = os.environ.get("MLFOOTPRINT_DATA", "")
    return Path(env).expanduser() if env else book_dir.resolve().parent / "data"


def store_digest(folder: Path) -> str:
    """Hash of what the data folder holds (names, sizes; contents of small files)."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue  # temporary files of a write in progress start with a dot
            stat = path.stat()
            digest.update(f"{path.relative_to(folder).as_posix()}|{stat.st_size}".encode())
            if stat.st_size <= SMALL_FILE:
                digest.update(hashlib.sha256(path.read_bytes()).digest())
            else:
                digest.update(str(stat.st_mtime_ns).encode())
    return digest.hexdigest()[:20]


def record_path(app: Sphinx) -> Path:
    cache = getattr(app.config, "nb_execution_cache_path", "") or ""
    folder = Path(cache) if cache else Path(app.outdir).parent / ".jupyter_cache"
    if not folder.is_absolute():
        folder = Path(app.srcdir) / folder
    return folder / RECORD_NAME


def read_record(path: Path) -> dict:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return record if isinstance(record, dict) else {}
    except (OSError, ValueError):
        return {}


def fingerprint(code: str, store: str, last: dict) -> str:
    """The last build's fingerprint when nothing changed since it ended, else a new one
    (chained to the last, so it can never equal a fingerprint used before)."""
    if last.get("code") == code and last.get("store") == store and last.get("fingerprint"):
        return last["fingerprint"]
    material = json.dumps([code, store, last.get("fingerprint")])
    return hashlib.sha256(material.encode()).hexdigest()[:20]


def set_fingerprint(app: Sphinx, config) -> None:
    os.environ[STARTED_ENV] = f"{time.time():.3f}"
    code = code_and_settings(Path(__file__).resolve().parent)
    store = store_digest(data_folder(Path(app.srcdir)))
    record = record_path(app)
    last = read_record(record)
    setattr(config, CONFIG_NAME, fingerprint(code, store, last))
    record.parent.mkdir(parents=True, exist_ok=True)
    os.environ[USES_ENV] = str(record.with_name(f"uses-{config[CONFIG_NAME]}.txt"))
    app._mlfootprint_code = code  # kept for the record written when the build ends
    if last.get("fingerprint") != config[CONFIG_NAME]:
        logger.info(f"[fresh_pages] build fingerprint {config[CONFIG_NAME]} "
                    f"(was {last.get('fingerprint')}): every page is executed again")


_KERNELSPEC = re.compile(r"^kernelspec:[ \t]*\n(?P<indent>[ \t]+)", re.MULTILINE)


def stamp_kernelspec(text: str, value: str) -> str:
    """``text`` with ``KERNELSPEC_KEY: value`` added to the kernelspec of its front matter
    (unchanged when it has no front matter or no kernelspec)."""
    if not text.startswith("---"):
        return text
    end = text.find("\n---", 3)
    if end < 0:
        return text
    match = _KERNELSPEC.search(text, 0, end)
    if match is None:
        return text
    line = f"{match.group('indent')}{KERNELSPEC_KEY}: '{value}'\n"
    return text[:match.start("indent")] + line + text[match.start("indent"):]


def stamp_page(app: Sphinx, docname: str, source: list[str]) -> None:
    source[0] = stamp_kernelspec(source[0], app.config[CONFIG_NAME])


def save_record(app: Sphinx, exception) -> None:
    if exception is not None or not hasattr(app, "_mlfootprint_code"):
        return  # a failed build proves nothing about the store it left
    path = record_path(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"fingerprint": app.config[CONFIG_NAME], "code": app._mlfootprint_code,
              "store": store_digest(data_folder(Path(app.srcdir))),
              "settings": settings_in_force()}
    path.write_text(json.dumps(record, indent=1), encoding="utf-8")
    current = Path(os.environ.get(USES_ENV, ""))
    for old in path.parent.glob("uses-*.txt"):   # lists of earlier fingerprints: no page reads them
        if old != current:
            old.unlink(missing_ok=True)


def setup(app: Sphinx) -> dict:
    app.add_config_value(CONFIG_NAME, "", "env")
    # after static_build (priority 500), whose variables are part of the settings
    app.connect("config-inited", set_fingerprint, priority=900)
    app.connect("source-read", stamp_page)
    app.connect("build-finished", save_record)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
