"""Argument checks shared by the library's modules, with messages that say what is allowed."""

from __future__ import annotations

from typing import Any


def positive_int(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` if it is an integer (not a bool) of at least ``minimum``, else a clear ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        allowed = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return value
