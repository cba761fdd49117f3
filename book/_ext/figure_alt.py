"""Alt text and captions for figures that notebook cells output, taken from the output itself.

MyST-NB 1.4 turns an ``image/png`` output into ``<img src="_images/<sha256>.png"
alt="_images/<sha256>.png">``: ``NbElementRenderer.render_image`` reads ``alt`` only from
the *cell's* static metadata (``mystnb: image: alt:``), and from the output's own metadata
only ``width`` and ``height``. A screen reader then reads a hash.

``mlfootprint.plots`` puts, on every figure a kernel displays, the output metadata
``{"image/png": {"alt": "...", "caption": "..."}}`` (title, axes, legend, or what the
chapter gave with ``plots.describe``). This extension wraps ``render_image`` so that this
metadata reaches the page: ``alt`` becomes the image's alt attribute (unless the cell's
metadata already sets one), and a ``caption`` wraps the image in a ``<figure>`` with a
``<figcaption>``. Outputs without that metadata render exactly as before.

A documented alternative would be a MyST-NB renderer plugin, but plugins are found
through package entry points; a wrapper kept with the book needs no installed package.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)
_MARK = "_mlfootprint_figure_alt"


def output_description(data) -> tuple[str | None, str | None]:
    """(alt, caption) from the output metadata of one MyST-NB ``MimeData``."""
    meta = getattr(data, "output_metadata", None) or {}
    own = meta.get(data.mime_type, {}) if isinstance(meta, dict) else {}
    if not isinstance(own, dict):
        return None, None

    def text(key):
        value = own.get(key)
        return " ".join(value.split()) if isinstance(value, str) and value.strip() else None

    return text("alt"), text("caption")


def _wrap(render_image):
    def render_image_with_alt(self, data):
        out = render_image(self, data)
        alt, caption = output_description(data)
        if not out or not isinstance(out[0], nodes.image) or not (alt or caption):
            return out
        image = out[0]
        if alt and not image.get("alt"):
            image["alt"] = alt
        if caption:
            figure = nodes.figure("", image, classes=["mlf-figure"])
            figure += nodes.caption(caption, caption)
            return [figure] + list(out[1:])
        return out

    setattr(render_image_with_alt, _MARK, True)
    render_image_with_alt.__wrapped__ = render_image
    return render_image_with_alt


def install() -> bool:
    """Wrap ``NbElementRenderer.render_image`` once; False if MyST-NB has no such method."""
    try:
        from myst_nb.core.render import NbElementRenderer
    except ImportError:
        return False
    current = getattr(NbElementRenderer, "render_image", None)
    if current is None:
        return False
    if not getattr(current, _MARK, False):
        NbElementRenderer.render_image = _wrap(current)
    return True


def setup(app: Sphinx) -> dict:
    if not install():
        logger.warning("figure_alt: myst_nb.core.render.NbElementRenderer.render_image not found; "
                       "figures keep MyST-NB's file-name alt text")
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
