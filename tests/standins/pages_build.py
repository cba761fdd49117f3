"""The Pages workflow's build step, run online against the stand-ins, in the background.

``.github/workflows/pages.yml`` builds the published book with one step (``make book
PYTHON=python``) on a machine that is online. :class:`PagesBuild` runs that step's own
``run:`` line (read from the workflow, with bash as Actions runs it) in a scratch copy of
the checkout:

- the MNIST mirror and the Hub stand-in selected through torchvision's ``MNIST.mirrors`` /
  ``MNIST.resources`` (an IPython startup file in every kernel) and ``HF_ENDPOINT``, with a
  temporary ``HF_HOME``;
- a temporary ``MLFOOTPRINT_DATA``, so nothing the stand-ins produce reaches ``data/``, and
  the scratch copy's own ``book/_build``, so nothing reaches the built book;
- a table of contents cut down to the pages whose output depends on the online sources.

It starts once the main book build is done (see tests/conftest.py), never beside it: that
build's measurements are baked into the pages, and a second build beside it would add its
load to them. It then runs in the background while the other tests read the built book.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
BOOK = ROOT / "book"
WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
ONLINE_PAGES = ("classification", "text", "synthesis")
MIRROR_SIZE = dict(n_train=600, n_test=200)   # digits the mirror serves: short online training
BUILD_TIMEOUT_S = 1800


def workflow_build_step(workflow: Path = WORKFLOW) -> tuple[dict, dict]:
    """The workflow's step that builds the book (its ``run`` calls ``make book``) and its job's env."""
    spec = yaml.safe_load(Path(workflow).read_text())
    found = [(step, job.get("env") or {}) for job in spec["jobs"].values()
             for step in job.get("steps", []) if "make book" in step.get("run", "")]
    if len(found) != 1:
        raise AssertionError(f"expected one step running `make book` in {workflow}, found {len(found)}")
    step, env = found[0]
    return step, {k: str(v) for k, v in env.items()}


def scratch_checkout(dest: Path, pages: tuple[str, ...]) -> Path:
    """What `make book` needs, with the checkout's .venv linked in and a table of contents of
    ``pages`` only. The install's prerequisites are dated 1970, so make sees the installation
    done (``make test`` has just made it) and never reinstalls into the shared .venv from here."""
    stamp = ROOT / ".venv" / ".installed-stamp"
    if not stamp.is_file():
        raise RuntimeError(f"{stamp} is missing: run the tests through `make test`, which installs first")
    dest.mkdir(parents=True)
    for name in ("Makefile", "requirements.txt", "requirements-nodeps.txt", "pyproject.toml"):
        shutil.copy2(ROOT / name, dest / name)
        os.utime(dest / name, (0, 0))
    os.symlink(ROOT / ".venv", dest / ".venv")
    shutil.copytree(BOOK, dest / "book", ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints"))
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    toc["chapters"] = [{"file": p} for p in pages]
    toc.pop("parts", None)
    (dest / "book" / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    return dest


# Trained artefacts that do not depend on the online sources: the course's pre-trained
# mini-BERT (the text chapter shows its pre-training online too). Kept by the result store
# under data/results/text/minibert/<key>/ (older layouts: data/models/course-minibert-*).
PRETRAINED = ("results/text/minibert", "models/course-minibert-*")


def seed_pretrained_models(data: Path) -> list[str]:
    """Copy the pre-trained mini-BERT from data/, if a build made it, so the online build
    does not pre-train it again (a key mismatch, e.g. changed code, re-trains it anyway)."""
    copied = []
    for pattern in PRETRAINED:
        for source in sorted((ROOT / "data").glob(pattern)):
            if source.is_dir() and any(source.iterdir()):
                target = data / source.relative_to(ROOT / "data")
                shutil.copytree(source, target, dirs_exist_ok=True)
                copied.append(str(source.relative_to(ROOT / "data")))
    return copied


def snapshot(folder: Path) -> set[Path]:
    return set(folder.rglob("*")) if folder.exists() else set()


@dataclass
class PagesBuild:
    """Start with :meth:`start`; :meth:`result` waits for the end; :meth:`close` stops all."""

    pages: tuple[str, ...] = ONLINE_PAGES
    mirror_size: dict = field(default_factory=lambda: dict(MIRROR_SIZE))
    timeout_s: float = BUILD_TIMEOUT_S
    prepare: object = None     # called with the running stand-ins before the build (to break one)
    # filled in as it runs
    root: Path | None = None
    checkout: Path | None = None
    online: object = None
    command: str = ""
    returncode: int | None = None
    seconds: float | None = None
    seeded: list = field(default_factory=list)
    new_in_data: set = field(default_factory=set)
    error: str = ""

    def start(self) -> "PagesBuild":
        self.root = Path(tempfile.mkdtemp(prefix="mlfootprint-online-"))
        self._done = threading.Event()
        self._stop = threading.Event()
        self._proc: subprocess.Popen | None = None
        self._thread = threading.Thread(target=self._run, name="online-pages-build", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        import standins

        try:
            step, job_env = workflow_build_step()
            self.command = step["run"]
            env_extra = {k: v for k, v in job_env.items() if not k.startswith("PIP_")}
            self.checkout = scratch_checkout(self.root / "checkout", self.pages)
            with standins.online(self.root / "services", self.root / "models",
                                 **self.mirror_size) as online:
                self.online = online
                if self.prepare is not None:
                    self.prepare(online)
                self.seeded = seed_pretrained_models(online.data)
                before = snapshot(ROOT / "data")
                start = time.monotonic()
                with open(self.root / "build.log", "w") as log:
                    self._proc = subprocess.Popen(
                        ["bash", "-e", "-c", self.command], cwd=self.checkout, stdout=log,
                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                        env=standins.child_env({**env_extra, **online.env}))
                    while self._proc.poll() is None:
                        if self._stop.wait(1.0):
                            break
                        if time.monotonic() - start > self.timeout_s:
                            self.error = f"the build ran past {self.timeout_s:.0f} s and was stopped"
                            break
                    self._kill()
                self.seconds = time.monotonic() - start
                self.returncode = self._proc.returncode
                self.new_in_data = snapshot(ROOT / "data") - before
                self._done.set()
                self._stop.wait()          # keep the stand-ins' logs until the tests are done
        except Exception as exc:  # reported by result()
            self.error = self.error or f"{type(exc).__name__}: {exc}"
        finally:
            self._done.set()

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGTERM)   # our own child's process group only
                self._proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()

    def result(self) -> "PagesBuild":
        """Wait for the build to end (never longer than its timeout and a margin)."""
        self._done.wait(self.timeout_s + 120)
        return self

    def __repr__(self) -> str:
        return (f"PagesBuild({self.command!r}, pages={self.pages}, returncode={self.returncode}, "
                f"seconds={self.seconds and round(self.seconds)}, root={self.root})")

    def log(self, chars: int = 8000) -> str:
        """The build's output: from the first failing cell if one failed, else its end."""
        path = self.root / "build.log" if self.root else None
        text = path.read_text(errors="replace") if path and path.is_file() else ""
        text = re.sub(r"\x1b\[[0-9;]*m", "", text)
        failed = text.find("An error occurred while executing the following cell")
        return text[failed:failed + chars] if failed >= 0 else text[-chars:]

    def close(self, keep: bool = False) -> None:
        if not hasattr(self, "_stop"):
            return
        self._stop.set()
        self._kill()
        self._thread.join(timeout=60)
        if not keep and self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
