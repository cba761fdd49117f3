"""Is the Hugging Face Hub there? A short probe (never a hang), the offline switches, id checks."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..environment import SWITCH_WORDS, declare, plain_text, read, switch

OFFLINE_ENV = "MLFOOTPRINT_TEXT_OFFLINE"
HUB_OFFLINE_ENV = "HF_HUB_OFFLINE"
ENDPOINT_ENV = "HF_ENDPOINT"
DEFAULT_ENDPOINT = "https://huggingface.co"
HUB_TIMEOUT_S = 3.0

_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")


def _endpoint(value: str) -> str:
    url = urllib.parse.urlsplit(plain_text(value))
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ValueError("it is not an http:// or https:// address")
    return value.rstrip("/")


declare(OFFLINE_ENV, SWITCH_WORDS, switch)
declare(HUB_OFFLINE_ENV, SWITCH_WORDS, switch)
declare(ENDPOINT_ENV, f"an http:// or https:// address of a Hugging Face Hub, such as {DEFAULT_ENDPOINT!r}",
        _endpoint)


def offline_forced(offline: bool | None = None) -> bool:
    """``offline`` if given, else ``$MLFOOTPRINT_TEXT_OFFLINE`` (1/true/yes) or ``$HF_HUB_OFFLINE``."""
    if offline is not None:
        if not isinstance(offline, bool):
            raise TypeError(f"offline must be True, False or None, got {offline!r}")
        return offline
    return bool(read(OFFLINE_ENV) or read(HUB_OFFLINE_ENV))


@dataclass(frozen=True)
class HubStatus:
    state: str   # "available" | "missing" | "unreachable"
    reason: str


def hub_status(repo_id: str, timeout: float = HUB_TIMEOUT_S) -> HubStatus:
    """Ask the hub (``$HF_ENDPOINT`` or huggingface.co) whether ``repo_id`` exists.

    Never waits more than ``timeout`` seconds: no network, no DNS, or a closed port all
    give ``"unreachable"`` quickly.
    """
    endpoint = read(ENDPOINT_ENV) or DEFAULT_ENDPOINT
    url = f"{endpoint}/api/models/{repo_id}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="GET"), timeout=timeout) as r:
            return HubStatus("available", f"{endpoint} answered {r.status}")
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 404):
            return HubStatus("missing", f"{endpoint} has no public model {repo_id!r} (HTTP {exc.code})")
        return HubStatus("unreachable", f"{endpoint} answered HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return HubStatus("unreachable", f"cannot reach {endpoint}: {reason}")


def looks_like_path(spec: str) -> bool:
    return (spec.startswith((".", "/", "~")) or "\\" in spec or spec.count("/") > 1
            or Path(spec).expanduser().exists())


def valid_hub_id(spec: str) -> bool:
    return bool(_HUB_ID.match(spec)) and ".." not in spec
