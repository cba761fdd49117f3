"""A separate Python process that loads text models on request, for tests of the online path.

``huggingface_hub`` reads ``HF_ENDPOINT`` and ``HF_HOME`` once, when it is imported, as a
reader's fresh process does; so the library's hub branch is tested in a child process
started with those variables. The test writes one JSON request per line on its stdin:
``{"spec": "gpt2", "task": "generation", "fallback": null}`` and reads one line back,
prefixed with ``RESULT``: name, source, note, parameters, seconds, or the error.
"""

from __future__ import annotations

import json
import sys
import time

PREFIX = "RESULT "


def main() -> None:
    from mlfootprint import textmodels as tm

    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        start = time.monotonic()
        try:
            lm = tm.load_model(request["spec"], task=request["task"],
                               fallback=request.get("fallback"), verbose=False)
            out = {"ok": True, "name": lm.name, "source": lm.source, "note": lm.note,
                   "n_parameters": lm.n_parameters, "describe": lm.describe(),
                   "model_type": lm.model.config.model_type}
        except Exception as exc:
            out = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        out["seconds"] = time.monotonic() - start
        print(PREFIX + json.dumps(out), flush=True)


class TextChild:
    """``with TextChild(env) as child: child.load("gpt2", "generation")``."""

    def __init__(self, env: dict[str, str], timeout: float = 300):
        self.env, self.timeout = env, timeout

    def __enter__(self) -> "TextChild":
        import subprocess
        import tempfile

        self.stderr = tempfile.TemporaryFile(mode="w+")   # a file: a full pipe would block the child
        self.proc = subprocess.Popen([sys.executable, "-m", "standins.textchild"], env=self.env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True, cwd=_tests_dir())
        return self

    def load(self, spec: str, task: str, fallback: str | None = None) -> dict:
        import queue
        import threading

        self.proc.stdin.write(json.dumps({"spec": spec, "task": task, "fallback": fallback}) + "\n")
        self.proc.stdin.flush()
        answers: queue.Queue = queue.Queue()

        def read():
            for line in self.proc.stdout:
                if line.startswith(PREFIX):
                    answers.put(json.loads(line[len(PREFIX):]))
                    return
            answers.put(None)

        threading.Thread(target=read, daemon=True).start()
        try:
            answer = answers.get(timeout=self.timeout)
        except queue.Empty:
            raise TimeoutError(f"loading {spec!r} took more than {self.timeout:.0f} s") from None
        if answer is None:
            self.stderr.seek(0)
            raise RuntimeError(f"the child process died: {self.stderr.read()[-3000:]}")
        return answer

    def log(self) -> str:
        """What the child wrote to standard error so far (the build log of a page)."""
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read()

    def __exit__(self, *exc) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.stderr.close()


def _tests_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent)


if __name__ == "__main__":
    main()
