"""A loopback HTTP server for the stand-ins: 127.0.0.1 only, a free port, started and
stopped by the tests, with a log of every request and switchable failure modes.

Failure modes (``server.fail = ...``), for testing how the library copes:

- ``None``: answer normally;
- ``404`` / ``500`` (any int): answer every request with that status;
- ``"hang"``: accept the connection and never answer (the client must give up on its own).

:class:`SilentPort` is the other kind of server that never answers: a port that accepts
connections (the kernel completes the handshake) but whose program never reads them.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

HOST = "127.0.0.1"


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes = b""


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    status: int


class LoopbackServer:
    """``with LoopbackServer(handle) as server:`` serves ``handle(method, path, headers) -> Reply``.

    ``server.url`` is ``http://127.0.0.1:<port>``; ``server.requests`` lists what was asked.
    """

    def __init__(self, handle: Callable[[str, str, dict], Reply], name: str = "stand-in"):
        self.handle = handle
        self.name = name
        self.fail: int | str | None = None
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._release = threading.Event()   # lets "hang" handlers go when the server stops
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> "LoopbackServer":
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # each connection's own timeout, whatever socket.setdefaulttimeout() says at
            # the moment it is accepted (mlfootprint.mnist sets it around downloads)
            timeout = 120

            def _serve(self):
                headers = {k.lower(): v for k, v in self.headers.items()}
                if outer.fail == "hang":
                    outer._log(self.command, self.path, headers, 0)
                    outer._release.wait()      # never answers while the server runs
                    self.close_connection = True
                    return
                if isinstance(outer.fail, int):
                    reply = Reply(outer.fail, {"Content-Type": "text/plain"},
                                  f"{outer.name}: failing on purpose with {outer.fail}\n".encode())
                else:
                    try:
                        reply = outer.handle(self.command, self.path, headers)
                    except Exception as exc:  # a bug in the stand-in: say so, loudly
                        reply = Reply(599, {"Content-Type": "text/plain"},
                                      f"{outer.name} bug: {type(exc).__name__}: {exc}\n".encode())
                outer._log(self.command, self.path, headers, reply.status)
                try:
                    self.send_response(reply.status)
                    sent = {k.lower() for k in reply.headers}
                    for key, value in reply.headers.items():
                        self.send_header(key, str(value))
                    if "content-length" not in sent:
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    if self.command != "HEAD" and reply.body:
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    # the client read the headers and hung up (torchvision's redirect check
                    # does exactly that): nothing is wrong
                    self.close_connection = True

            do_GET = do_HEAD = _serve

            def log_message(self, format, *args):  # keep test output clean
                pass

        self._httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "LoopbackServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- introspection ---------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._httpd is not None, "the server is not running"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def _log(self, method, path, headers, status) -> None:
        with self._lock:
            self.requests.append(Request(method, path, headers, status))

    def paths(self, method: str | None = None) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests if method is None or r.method == method]


class SilentPort:
    """A listening port whose program never accepts or answers: connecting works, reading hangs."""

    def __init__(self):
        self._sock: socket.socket | None = None

    def __enter__(self) -> "SilentPort":
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((HOST, 0))
        self._sock.listen(64)
        return self

    def __exit__(self, *exc) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    @property
    def url(self) -> str:
        assert self._sock is not None
        return f"http://{HOST}:{self._sock.getsockname()[1]}"
