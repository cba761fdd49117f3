"""A Hugging Face Hub stand-in on 127.0.0.1, selected with ``HF_ENDPOINT``.

It answers the requests ``huggingface_hub`` (and so ``transformers``) sends for a model
download, with the headers they read, as huggingface.co does:

- ``HEAD``/``GET /{repo_id}/resolve/{revision}/{filename}``: a small file is answered
  directly with ``X-Repo-Commit``, ``ETag`` (the git blob sha1) and ``Content-Length``;
  a large ("LFS") file such as ``model.safetensors`` answers ``302`` to a download URL on
  another origin (a second loopback server, the stand-in's "CDN"), with ``X-Linked-Etag``
  (its sha256) and ``X-Linked-Size``, as the real hub's CDN redirect does. ``revision`` is ``main`` or the commit hash.
- ``GET /api/models/{repo_id}`` (and ``/revision/{rev}``): the model's info, as JSON,
  with its ``sha`` and ``siblings``; ``GET /api/models/{repo_id}/tree/{rev}[/path]``.
- Errors as the hub words them: an unknown repository ``401`` with
  ``X-Error-Code: RepoNotFound``; a missing file ``404`` with ``X-Error-Code:
  EntryNotFound`` (and the commit); an unknown revision ``404`` ``RevisionNotFound``.

Failure modes for tests: ``hub.fail(404 | 500 | "hang" | None)`` (see :mod:`.server`),
and ``hub.remove(repo_id, filename)`` to take one file away.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from .server import LoopbackServer, Reply

LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".h5", ".msgpack", ".gguf")
PIPELINE = {"gpt2": "text-generation", "bert-base-uncased": "fill-mask"}


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Repo:
    repo_id: str
    files: dict[str, bytes]
    sha: str = ""

    def __post_init__(self):
        digest = hashlib.sha1(self.repo_id.encode())
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        self.sha = digest.hexdigest()   # 40 hex digits, like a git commit

    @classmethod
    def from_folder(cls, repo_id: str, folder: Path) -> "Repo":
        files = {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir()) if p.is_file()}
        return cls(repo_id, files)

    def info(self) -> dict:
        return {"_id": hashlib.md5(self.repo_id.encode()).hexdigest()[:24], "id": self.repo_id,
                "modelId": self.repo_id, "sha": self.sha, "private": False, "disabled": False,
                "gated": False, "library_name": "transformers",
                "pipeline_tag": PIPELINE.get(self.repo_id), "tags": ["transformers", "safetensors"],
                "siblings": [{"rfilename": name} for name in sorted(self.files)]}

    def tree(self, prefix: str = "") -> list[dict]:
        out = []
        for name in sorted(self.files):
            if prefix and not name.startswith(prefix.rstrip("/") + "/"):
                continue
            data = self.files[name]
            entry = {"type": "file", "oid": git_blob_sha1(data), "size": len(data), "path": name}
            if name.endswith(LFS_SUFFIXES):
                entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data),
                                "pointerSize": 134}
            out.append(entry)
        return out


@dataclass
class HubStandin:
    repos: dict[str, Repo] = field(repr=False)
    server: LoopbackServer = field(default=None, repr=False)   # the hub (set by serve())
    cdn: LoopbackServer = field(default=None, repr=False)      # where large files are redirected to

    def fail(self, mode: int | str | None) -> None:
        """Answer every request (hub and CDN) with ``mode``: a status code, ``"hang"``, or normally (None)."""
        self.server.fail = self.cdn.fail = mode

    def __repr__(self) -> str:
        return f"HubStandin({self.server.url if self.server else 'stopped'}, repos={sorted(self.repos)})"

    @property
    def url(self) -> str:
        """What goes into ``HF_ENDPOINT``."""
        return self.server.url

    def remove(self, repo_id: str, filename: str) -> None:
        """Take one file out of a repository (the commit hash changes, as on the hub)."""
        repo = self.repos[repo_id]
        self.repos[repo_id] = Repo(repo_id, {k: v for k, v in repo.files.items() if k != filename})

    def add(self, repo_id: str, files: dict[str, bytes]) -> Repo:
        self.repos[repo_id] = Repo(repo_id, dict(files))
        return self.repos[repo_id]

    def downloads(self, repo_id: str | None = None) -> list[str]:
        """Files fetched with GET through the resolve URL (or its CDN redirect)."""
        out = []
        for path in self.server.paths("GET") + self.cdn.paths("GET"):
            path = unquote(path.split("?")[0])
            if "/resolve/" in path:
                repo, rest = path.lstrip("/").split("/resolve/", 1)
                name = rest.split("/", 1)[1] if "/" in rest else ""
            elif path.startswith("/cdn/"):
                repo, name = path[len("/cdn/"):].rsplit("/", 2)[0], path.rsplit("/", 1)[1]
            else:
                continue
            if repo_id is None or repo == repo_id:
                out.append(name)
        return out

    # -- the request handler ---------------------------------------------------------
    def handle(self, method: str, path: str, headers: dict) -> Reply:
        path = unquote(path.split("?")[0])
        if path.startswith("/api/models/"):
            return self._api(path[len("/api/models/"):])
        if path.startswith("/cdn/"):
            return self._cdn(path[len("/cdn/"):])
        if "/resolve/" in path:
            repo_id, rest = path.lstrip("/").split("/resolve/", 1)
            if "/" not in rest:
                return _error(404, "EntryNotFound", "no file name in the resolve URL")
            revision, filename = rest.split("/", 1)
            return self._resolve(repo_id, revision, filename)
        return _error(404, None, f"the hub stand-in does not serve {path}")

    def _repo(self, repo_id: str) -> Repo | None:
        return self.repos.get(repo_id)

    def _resolve(self, repo_id: str, revision: str, filename: str) -> Reply:
        repo = self._repo(repo_id)
        if repo is None:
            return _error(401, "RepoNotFound", "Repository not found")
        if revision not in ("main", repo.sha):
            return _error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        common = {"X-Repo-Commit": repo.sha, "Accept-Ranges": "bytes"}
        if filename not in repo.files:
            return _error(404, "EntryNotFound", f"{filename} does not exist on \"{revision}\"",
                          extra=common)
        data = repo.files[filename]
        if filename.endswith(LFS_SUFFIXES):
            sha256 = hashlib.sha256(data).hexdigest()
            location = f"{self.cdn.url}/cdn/{repo_id}/{repo.sha}/{filename}"
            return Reply(302, {**common, "Location": location, "ETag": f'"{sha256}"',
                               "X-Linked-Etag": f'"{sha256}"', "X-Linked-Size": str(len(data)),
                               "Content-Type": "text/plain; charset=utf-8"}, b"")
        return Reply(200, {**common, "ETag": f'"{git_blob_sha1(data)}"',
                           "Content-Type": _content_type(filename)}, data)

    def _cdn(self, rest: str) -> Reply:
        try:
            repo_path, sha, filename = rest.rsplit("/", 2)
        except ValueError:
            return _error(404, None, "bad CDN path")
        repo = self._repo(repo_path)
        if repo is None or sha != repo.sha or filename not in repo.files:
            return _error(404, None, "no such object")
        data = repo.files[filename]
        return Reply(200, {"ETag": f'"{hashlib.sha256(data).hexdigest()}"',
                           "Content-Type": "binary/octet-stream"}, data)

    def _api(self, rest: str) -> Reply:
        repo_id, sub = rest, None
        for marker in ("/revision/", "/tree/"):
            if marker in rest:
                repo_id, tail = rest.split(marker, 1)
                sub = (marker.strip("/"), tail)
                break
        repo = self._repo(repo_id)
        if repo is None:
            return _error(401, "RepoNotFound", "Repository not found")
        if sub is None:
            return _json(repo.info())
        kind, tail = sub
        revision, _, prefix = tail.partition("/")
        if revision not in ("main", repo.sha):
            return _error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        if kind == "revision":
            return _json(repo.info())
        entries = repo.tree(prefix)
        if prefix and not entries:
            return _error(404, "EntryNotFound", f"{prefix} does not exist on \"{revision}\"",
                          extra={"X-Repo-Commit": repo.sha})
        return _json(entries)


def _content_type(filename: str) -> str:
    if filename.endswith(".json"):
        return "application/json; charset=utf-8"
    return "text/plain; charset=utf-8"


def _json(obj) -> Reply:
    return Reply(200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(obj).encode())


def _error(status: int, code: str | None, message: str, extra: dict | None = None) -> Reply:
    headers = {"Content-Type": "application/json; charset=utf-8", **(extra or {})}
    if code:
        headers["X-Error-Code"] = code
        headers["X-Error-Message"] = message
    return Reply(status, headers, json.dumps({"error": message}).encode())


@contextlib.contextmanager
def serve(folders: dict[str, Path]):
    """Serve each ``{repo_id: folder}`` under its id: ``with serve(...) as hub: hub.url``."""
    hub = HubStandin({repo_id: Repo.from_folder(repo_id, folder) for repo_id, folder in folders.items()})
    with LoopbackServer(hub.handle, name="hub-stand-in") as server, \
            LoopbackServer(hub.handle, name="hub-cdn-stand-in") as cdn:
        hub.server, hub.cdn = server, cdn
        yield hub
