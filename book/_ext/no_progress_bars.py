"""Keep progress-bar widgets out of the static pages, whoever made them.

The course's own bars are silent in the build (``mlfootprint.progress`` and
``static_build.py``), but a library may still draw one in a notebook kernel: tqdm's
notebook bar always passes ``disable=False`` explicitly, so ``TQDM_DISABLE`` does not reach
it (transformers' "Converting and de-quantizing GGUF tensors" is such a bar), and an
execution cached before the variable existed still holds bars. Baked into a page, a bar
is build plumbing ("100% 11/11") that a reader cannot use.

This extension wraps MyST-NB 1.4's ``NbElementRenderer.render_nb_finalise``, which
receives the notebook's widget state once every cell is rendered. It finds the widgets
that are tqdm-style bars (an ``HBox`` of HTML labels around one ``FloatProgress`` or
``IntProgress``), removes their views from the page (and the output box they leave
empty), and drops their models from the embedded widget state. A bar whose widget model
was closed before the state was saved is rendered from its text fallback; such text
outputs ("desc: 0%|   | 0/272 [...]") are removed too. Every other widget (the
course's sliders and views) is left untouched. The notebook in JupyterLab is not changed.
"""

from __future__ import annotations

import json
import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
PROGRESS_MODELS = {"FloatProgressModel", "IntProgressModel"}
LABEL_MODELS = {"HTMLModel", "LabelModel"}
_VIEW_RE = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>',
                      re.S)
_MARK = "_mlfootprint_no_progress_bars"


def _refs(value) -> set[str]:
    """Model ids that a widget's state refers to (``IPY_MODEL_<id>`` strings)."""
    found: set[str] = set()
    if isinstance(value, str) and value.startswith("IPY_MODEL_"):
        found.add(value[len("IPY_MODEL_"):])
    elif isinstance(value, dict):
        for v in value.values():
            found |= _refs(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            found |= _refs(v)
    return found


def progress_bar_ids(state: dict) -> set[str]:
    """Ids of the HBox models in ``state`` that are progress bars in tqdm's layout."""
    bars = set()
    for model_id, model in state.items():
        if not isinstance(model, dict) or model.get("model_name") != "HBoxModel":
            continue
        children = [c[len("IPY_MODEL_"):] for c in model.get("state", {}).get("children", [])
                    if isinstance(c, str) and c.startswith("IPY_MODEL_")]
        names = [state.get(c, {}).get("model_name") for c in children]
        if (sum(n in PROGRESS_MODELS for n in names) == 1
                and all(n in PROGRESS_MODELS | LABEL_MODELS for n in names)):
            bars.add(model_id)
    return bars


def _closure(state: dict, start: set[str]) -> set[str]:
    seen, todo = set(), list(start)
    while todo:
        mid = todo.pop()
        if mid in seen or mid not in state:
            continue
        seen.add(mid)
        todo.extend(_refs(state[mid].get("state", {})))
    return seen


def prune_state(state: dict, bars: set[str]) -> dict:
    """``state`` without the bars and the models only they use (layouts, styles, labels)."""
    bar_models = _closure(state, bars)
    others = _closure(state, set(state) - bar_models)
    return {k: v for k, v in state.items() if k not in bar_models - others}


def _view_id(node: nodes.raw) -> str | None:
    match = _VIEW_RE.search(node.astext())
    if not match:
        return None
    try:
        return json.loads(match.group(1).replace(r"<\/script>", "</script>")).get("model_id")
    except ValueError:
        return None


def _remove(node: nodes.Node) -> None:
    """Take ``node`` out of the page, and the output boxes it leaves empty (no empty grey
    strip on the page)."""
    parent = node.parent
    parent.remove(node)
    while parent is not None and isinstance(parent, nodes.container) and not parent.children \
            and parent.parent is not None:
        grand = parent.parent
        grand.remove(parent)
        parent = grand


def remove_bar_views(document: nodes.document, bars: set[str]) -> int:
    """Remove the raw widget views of ``bars`` from ``document``; returns how many."""
    removed = 0
    for raw in list(document.findall(nodes.raw)):
        if WIDGET_VIEW not in raw.astext() or _view_id(raw) not in bars:
            continue
        _remove(raw)
        removed += 1
    return removed


# tqdm's text form: "desc: 42%|####      | 114/272 [00:03<00:04, 38.2it/s]"
_TEXT_BAR_RE = re.compile(r"^[^\n]*\d+%\|[^\n|]*\|\s*[\d.]+[kMG]?/[\d.?]+[kMG]? \[[^\n]*\]\s*$")


def remove_text_bars(document: nodes.document) -> int:
    """Remove plain-text outputs that are only a tqdm bar: a bar widget whose model was closed
    before the notebook's widget state was saved is shown by its text fallback."""
    removed = 0
    for node in list(document.findall(nodes.Element)):
        if "text_plain" not in node.get("classes", ()) or node.parent is None:
            continue
        if not _TEXT_BAR_RE.match(node.astext().strip()):
            continue
        _remove(node)
        removed += 1
    return removed


def _wrap(render_nb_finalise):
    def render_nb_finalise_without_bars(self, metadata: dict) -> None:
        widgets = (metadata or {}).get("widgets") or {}
        state_mime = widgets.get(WIDGET_STATE) or {}
        state = state_mime.get("state") or {}
        bars = progress_bar_ids(state)
        if bars:
            removed = remove_bar_views(self.renderer.document, bars)
            logger.info(f"no_progress_bars: removed {removed} progress-bar view(s)")
            pruned = dict(state_mime, state=prune_state(state, bars))
            metadata = dict(metadata, widgets=dict(widgets, **{WIDGET_STATE: pruned}))
        text_bars = remove_text_bars(self.renderer.document)
        if text_bars:
            logger.info(f"no_progress_bars: removed {text_bars} progress bar(s) shown as text")
        return render_nb_finalise(self, metadata)

    setattr(render_nb_finalise_without_bars, _MARK, True)
    render_nb_finalise_without_bars.__wrapped__ = render_nb_finalise
    return render_nb_finalise_without_bars


def install() -> bool:
    try:
        from myst_nb.core.render import NbElementRenderer
    except ImportError:
        return False
    current = getattr(NbElementRenderer, "render_nb_finalise", None)
    if current is None:
        return False
    if not getattr(current, _MARK, False):
        NbElementRenderer.render_nb_finalise = _wrap(current)
    return True


def setup(app: Sphinx) -> dict:
    if not install():
        logger.warning("no_progress_bars: myst_nb.core.render.NbElementRenderer.render_nb_finalise "
                       "not found; progress-bar widgets stay in the pages")
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
