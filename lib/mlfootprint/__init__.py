"""mlfootprint: measure, store and show what machine-learning models cost.

The helper library of the AI Impacts Lab course; see ``lib/mlfootprint/README.md`` for
the layers and which module owns what.
"""

__version__ = "0.2.0"

from . import notices as _notices  # noqa: E402,F401 -- shows the library's notices on stdout
