"""Figures built from records: one module per chapter's family of figures; shared helpers here.

**Colours.** :data:`PALETTE` is Okabe-Ito's (2008) plus a dark grey and Paul Tol's indigo;
every pair stays at least 16 CIELAB units apart under simulated protanopia, deuteranopia and
tritanopia (checked by ``tests/test_plots.py``); it is matplotlib's colour cycle once this
package is imported. Each family has a colour *and* a marker: no figure relies on colour alone.

**Alt text and captions.** Importing this package wraps IPython's PNG formatter so that each
figure's PNG output carries ``{"alt": ..., "caption": ...}``, which ``book/_ext/figure_alt.py``
writes into ``<img alt>`` and ``<figcaption>``: what :func:`describe` set, else alt text made
from the titles, axis labels (with log scales) and legend entries.
"""

from __future__ import annotations

import base64
import html
import io
import re
import weakref

import matplotlib
import matplotlib.pyplot as plt
from cycler import cycler
from matplotlib.figure import Figure

from .. import units

# Okabe-Ito, then a dark grey and Paul Tol's indigo for the ninth and tenth series.
PALETTE = {
    "blue": "#0072B2", "vermillion": "#D55E00", "bluish green": "#009E73",
    "reddish purple": "#CC79A7", "orange": "#E69F00", "sky blue": "#56B4E9",
    "black": "#000000", "yellow": "#F0E442", "dark grey": "#555555", "indigo": "#332288",
}
# The order of the default colour cycle: yellow (weak on white) last.
CYCLE = [PALETTE[k] for k in ("blue", "vermillion", "bluish green", "reddish purple", "orange",
                              "sky blue", "black", "indigo", "dark grey", "yellow")]

# Each family's colour (a PALETTE name) and marker.
_FAMILIES = {"MLP": ("blue", "o"), "CNN": ("vermillion", "s"), "CVAE-MLP": ("bluish green", "^"),
             "CVAE-CNN": ("reddish purple", "v"), "PCA": ("orange", "D"), "Pixel": ("sky blue", "P"),
             "Copy": ("dark grey", "X"), "Real": ("black", "*"), "fill-mask": ("yellow", "h"),
             "generation": ("indigo", "p")}
FAMILY_COLOURS = {family: PALETTE[colour] for family, (colour, _) in _FAMILIES.items()}
FAMILY_MARKERS = {family: marker for family, (_, marker) in _FAMILIES.items()}

UNDESCRIBED = "Figure without a title or axis labels"
MAX_ALT_CHARS = 600

matplotlib.rcParams["axes.prop_cycle"] = cycler(color=CYCLE)


def family_colour(family: str) -> str:
    """The colour of a model family (dark grey for an unknown one)."""
    return FAMILY_COLOURS.get(family, PALETTE["dark grey"])


def family_marker(family: str) -> str:
    """The marker of a model family (``"o"`` for an unknown one)."""
    return FAMILY_MARKERS.get(family, "o")


def new_figure(width: float = 6.4, height: float = 4.0):
    fig, ax = plt.subplots(figsize=(width, height), constrained_layout=True)
    ax.grid(True, which="both", alpha=0.3)
    return fig, ax


def method_footnote(fig, record_or_text) -> None:
    """Put the measurement method under a figure, in small print."""
    text = record_or_text if isinstance(record_or_text, str) else record_or_text.method_short()
    fig.text(0.0, -0.02, f"Method: {text}", fontsize=7, ha="left", va="top", wrap=True, alpha=0.8)


def energy_barh(ax, items, unit: str | None = None) -> None:
    """Horizontal bars, top to bottom, of ``(label, energy in J, colour)`` items on a log axis,
    each labelled with its energy (in ``unit``, else each in its own)."""
    labels, values, colours = (list(column)[::-1] for column in zip(*items))
    ax.barh(labels, values, color=colours, edgecolor="#333333")
    ax.set_xscale("log")
    for y, v in enumerate(values):
        ax.text(v, y, " " + units.energy(v, "J", to=unit), va="center", fontsize=8)


# ------------------------------------------------------------------ alt text, captions --
_DESCRIPTIONS: "weakref.WeakKeyDictionary[Figure, dict]" = weakref.WeakKeyDictionary()


def describe(fig: Figure, alt: str | None = None, caption: str | None = None) -> Figure:
    """Give ``fig`` its own alt text and/or a caption (shown under it); returns ``fig``."""
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    given = {name: value for name, value in (("alt", alt), ("caption", caption)) if value is not None}
    for name, value in given.items():
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name} must be a non-empty string or None, got {value!r}")
    _DESCRIPTIONS.setdefault(fig, {}).update({name: " ".join(v.split()) for name, v in given.items()})
    return fig


def _clean(text: str) -> str:
    """Matplotlib text as read aloud: mathtext markers and newlines removed."""
    return " ".join(re.sub(r"\$|\\mathrm|[{}]", "", text).split())


def _axes_description(ax) -> str:
    """"x axis: label (log scale); y axis: label; legend: a, b" for the parts ``ax`` has."""
    parts = [f"{which} axis: {_clean(label)}" + (" (log scale)" if axis.get_scale() == "log" else "")
             for which, axis, label in (("x", ax.xaxis, ax.get_xlabel()), ("y", ax.yaxis, ax.get_ylabel()))
             if _clean(label)]
    legend = ax.get_legend()
    entries = [] if legend is None else [_clean(t.get_text()) for t in legend.get_texts() if t.get_text().strip()]
    return "; ".join(parts + (["legend: " + ", ".join(entries)] if entries else []))


def alt_text(fig: Figure) -> str:
    """Alt text for ``fig``: the one set with :func:`describe`, else its titles, axis labels
    and legend entries; :data:`UNDESCRIBED` when it has none (the browser test flags it)."""
    own = _DESCRIPTIONS.get(fig, {}).get("alt")
    if own:
        return own
    suptitle = _clean(fig.get_suptitle() if hasattr(fig, "get_suptitle") else "")
    sentences = [suptitle] if suptitle else []
    described_axes = []
    for ax in fig.get_axes():
        if not ax.get_visible() or (not ax.axison and not ax.get_title()):
            continue
        title = _clean(" ".join(t for t in (ax.get_title("left"), ax.get_title(),
                                             ax.get_title("right")) if t))
        rest = _axes_description(ax)
        if title or rest:
            described_axes.append((title, rest))
    if len(described_axes) == 1:
        title, rest = described_axes[0]
        sentences += [s for s in (title, rest[:1].upper() + rest[1:]) if s]
    else:
        for i, (title, rest) in enumerate(described_axes, 1):
            head = f"Panel {i}" + (f", {title}" if title else "")
            sentences.append(f"{head}: {rest}" if rest else head)
    if not sentences:
        return UNDESCRIBED
    text = ". ".join(s.rstrip(".") for s in sentences) + "."
    if len(text) > MAX_ALT_CHARS:
        text = text[:MAX_ALT_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return f"Figure: {text}"


def figure_metadata(fig: Figure) -> dict:
    """The PNG output metadata that carries alt text and caption into the built page."""
    cap = _DESCRIPTIONS.get(fig, {}).get("caption")
    return {"alt": alt_text(fig), **({"caption": cap} if cap else {})}


def figure_png(fig: Figure, dpi: int = 90) -> bytes:
    """PNG bytes of ``fig``; the figure is then closed (so it is not shown twice)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def png_html(png: bytes, alt: str, caption: str | None = None) -> str:
    """An HTML ``<figure>`` with the PNG inline, its alt text and an optional caption."""
    if not isinstance(png, (bytes, bytearray)) or not bytes(png).startswith(b"\x89PNG"):
        raise ValueError("png must be the bytes of a PNG image")
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError(f"alt must be a non-empty string saying what the image shows, got {alt!r}")
    src = "data:image/png;base64," + base64.b64encode(bytes(png)).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (f'<figure class="mlf-figure"><img src="{src}" alt="{html.escape(alt, quote=True)}"'
            f' style="max-width:100%;height:auto">{cap}</figure>')


def figure_html(fig: Figure, dpi: int = 90) -> str:
    """``fig`` as an HTML ``<figure>`` (inline PNG, alt text, caption), for widget views."""
    meta = figure_metadata(fig)
    return png_html(figure_png(fig, dpi=dpi), meta["alt"], meta.get("caption"))


# ------------------------------------------------------------------ IPython formatter ---
def _wrap_printer(printer):
    def png_with_description(fig):
        data = printer(fig)
        if data is None:
            return None
        data, meta = data if isinstance(data, tuple) else (data, None)
        return data, {**(meta or {}), **figure_metadata(fig)}

    png_with_description.mlfootprint_wrapped = True
    return png_with_description


def _shell():
    """The running IPython shell, or None (a script, or IPython not installed)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the course
        return None
    shell = get_ipython()
    return shell if shell is not None and hasattr(shell, "display_formatter") else None


def _ensure_png_metadata(*_args) -> None:
    """Make the PNG formatter for figures add alt text and caption (idempotent)."""
    shell = _shell()
    formatter = shell.display_formatter.formatters.get("image/png") if shell else None
    if formatter is None:
        return
    try:
        printer = formatter.lookup_by_type(Figure)
    except KeyError:
        return  # no inline backend: figures are not shown as PNG outputs
    if not getattr(printer, "mlfootprint_wrapped", False):
        formatter.for_type(Figure, _wrap_printer(printer))


def install_figure_metadata() -> None:
    """Called on import: activate the inline backend now (it registers its PNG formatter on
    the first figure otherwise), wrap that formatter, and re-check before every cell in case
    ``%matplotlib inline`` or ``%config InlineBackend`` replaced it."""
    shell = _shell()
    if shell is None or not hasattr(shell, "events"):
        return
    formatter = shell.display_formatter.formatters.get("image/png")
    backend = matplotlib.get_backend()
    if formatter is not None and Figure not in formatter.type_printers and "inline" in backend:
        plt.switch_backend(backend)  # no figure yet, so switching closes nothing
    _ensure_png_metadata()
    callbacks = shell.events.callbacks.get("pre_execute", [])
    if not any(getattr(cb, "__name__", "") == _ensure_png_metadata.__name__ for cb in callbacks):
        shell.events.register("pre_execute", _ensure_png_metadata)


install_figure_metadata()
