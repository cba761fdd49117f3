"""The environment variables the library reads: each declared once, by the module that owns
what it sets (``MLFOOTPRINT_DATA``: paths, ``MLFOOTPRINT_COUNTRY``: measure.grid, the hub's
switches and ``HF_ENDPOINT``: textmodels.hub, ``MLFOOTPRINT_STATIC_BUILD``: progress), and read
through :func:`read`, so a wrong value is a :class:`SettingError` naming the variable, the value
and what it accepts. The store and the measuring functions call :func:`check` before they read
a file or start any work, so a wrong setting never makes a good stored file look damaged.
"""

from __future__ import annotations

import os
from typing import Any, Callable, NamedTuple


class SettingError(ValueError):
    """An environment variable holds a value the library cannot use."""


class Variable(NamedTuple):
    accepted: str                    # in words, for the error message
    parse: Callable[[str], Any]      # the value, or a ValueError saying what is wrong


_VARIABLES: dict[str, Variable] = {}
_SWITCH = {**dict.fromkeys(("1", "true", "yes", "on"), True),
           **dict.fromkeys(("", "0", "false", "no", "off"), False)}
SWITCH_WORDS = "1/0, true/false, yes/no or on/off (any case), or empty for off"


def declare(name: str, accepted: str, parse: Callable[[str], Any]) -> Variable:
    """Declare the variable ``name`` (done once, by the module that reads it)."""
    _VARIABLES[name] = Variable(accepted, parse)
    return _VARIABLES[name]


def declared() -> dict[str, Variable]:
    return dict(_VARIABLES)


def raw(name: str) -> str | None:
    """The text of ``name`` as set, unchecked (for messages that say what chose a value)."""
    return os.environ.get(name)


def read(name: str) -> Any:
    """The parsed value of ``name``, ``None`` when it is not set, or a :class:`SettingError`."""
    var, value = _VARIABLES[name], os.environ.get(name)
    if value is None:
        return None
    try:
        return var.parse(value)
    except SettingError:
        raise
    except ValueError as exc:
        raise SettingError(f"the environment variable {name}={value!r} cannot be used: {exc}. "
                           f"{name} accepts {var.accepted}; correct it or unset it") from None


def check() -> None:
    """Read every declared variable: a :class:`SettingError` for the first wrong one."""
    for name in sorted(_VARIABLES):
        read(name)


def switch(value: str) -> bool:
    """A yes/no variable (:data:`SWITCH_WORDS`)."""
    if value.strip().lower() not in _SWITCH:
        raise ValueError(f"{value!r} is neither on nor off")
    return _SWITCH[value.strip().lower()]


def plain_text(value: str) -> str:
    """``value`` if it has no spaces around it and no control characters, else a ValueError."""
    if value != value.strip():
        raise ValueError("it has spaces or line breaks at its start or end")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("it holds a control character (a line break, a tab or a NUL)")
    return value
