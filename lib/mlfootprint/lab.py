"""Reading the chapters in JupyterLab as on the website: glued numbers in the prose.

myst-nb pastes values into the prose with ``{glue:text}`name``` roles; jupyterlab-myst knows
no glue role but evaluates ``{eval}`expr``` roles in the live kernel. :class:`LabContentsManager`
(server side, over jupytext's) shows each glue role outside code as
``{eval}`glued("glue:text", "name")``` (an author's eval role of that form gets one more pair
of parentheses) and writes them back on saving, dropping jupyterlab-myst's
``user_expressions``, so a chapter opened, run and saved stays byte for byte as it was; it
sets ``MLFOOTPRINT_LAB=1`` for its kernels, which then load :func:`load_ipython_extension`
(``binder/ipython_kernel_config.py``): it remembers what each cell glues, defines ``glued``,
and keeps hidden glue outputs (JupyterLab's "No renderer could be found") off the page.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass

GLUE_ROLE = re.compile(r"\{(glue(?::[a-z]*)?)\}`([^`]+)`")   # group 1: the role, 2: its content
LAB_ENV = "MLFOOTPRINT_LAB"
LAB_METADATA = ("user_expressions",)   # what jupyterlab-myst adds to markdown cells

# Inline markdown as myst-parser reads it: a role ({name}, then content between backtick
# strings of one length), or a code span.
_INLINE = re.compile(r"(?<!\\)\{(?P<name>[A-Za-z0-9_\-+:]+)\}(?P<ticks>`+)(?!`)(?P<body>.+?)(?P=ticks)"
                     r"|(?<!`)(?P<code>`+)(?!`).+?(?<!`)(?P=code)(?!`)", re.S)
_GLUE_NAME = re.compile(r"glue(?::[a-z]*)?")
# The bridge's expression, glued("glue:text", "<content as JSON>"), inside k pairs of
# parentheses: k = 0 is a chapter's glue role, k > 0 an author's eval role (shown with one more).
_GLUED_CALL = re.compile(r'(?P<open>\(*)glued\("(?P<role>glue(?::[a-z]*)?)", (?P<content>"(?:[^"\\]|\\.)*")\)'
                    r'(?P<close>\)*)', re.S)
_FENCE = re.compile(r"[ ]{0,3}(?P<fence>`{3,}|~{3,})\s*(?P<info>\S*)")
_PROSE_FENCES = ("{", ":")     # a MyST directive's body is markdown ({code-cell} etc. excepted)
_CODE_DIRECTIVES = ("{code", "{sourcecode", "{literalinclude")


def _segments(markdown: str) -> list[tuple[bool, str]]:
    """(is_code, text): fenced code blocks apart from prose (and from directive bodies)."""
    out, buf, fence = [], [], None
    for line in markdown.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence is None and m:
            info = m.group("info")
            code = not info.startswith(_PROSE_FENCES) or info.startswith(_CODE_DIRECTIVES)
            if code:
                out.append((False, "".join(buf)))
                buf, fence = [line], m.group("fence")
                continue
        elif fence is not None and line.strip().startswith(fence[0] * len(fence)) \
                and not line.strip().strip(fence[0]):
            out.append((True, "".join(buf) + line))
            buf, fence = [], None
            continue
        buf.append(line)
    out.append((fence is not None, "".join(buf)))
    return [seg for seg in out if seg[1]]


def _rewrite(markdown: str, role: "callable") -> str:
    """``markdown`` with each role outside code passed through ``role(match)``."""
    if not isinstance(markdown, str):
        raise TypeError(f"markdown must be a cell's text (a string), got {type(markdown).__name__}")

    def one(m):
        return role(m) if m.group("name") else m.group(0)

    return "".join(text if code else _INLINE.sub(one, text) for code, text in _segments(markdown))


def _glued_eval(m) -> tuple[int, str, str] | None:
    """(parentheses, glue role, content) of an eval role in the bridge's form, else None."""
    if m.group("name") != "eval" or m.group("ticks") != "`":
        return None
    g = _GLUED_CALL.fullmatch(m.group("body"))
    if not g or len(g.group("open")) != len(g.group("close")):
        return None
    return len(g.group("open")), g.group("role"), json.loads(g.group("content"))


def _to_eval(m) -> str:
    if _glued_eval(m) is not None:    # written by the chapter's author: one more pair of parentheses
        return f"{{eval}}`({m.group('body')})`"
    if _GLUE_NAME.fullmatch(m.group("name")) and m.group("ticks") == "`":
        content = json.dumps(m.group("body"), ensure_ascii=False)
        return f'{{eval}}`glued("{m.group("name")}", {content})`'
    return m.group(0)


def _to_glue(m) -> str:
    form = _glued_eval(m)   # (parentheses, role, content)
    if form is None:
        return m.group(0)
    return f"{{{form[1]}}}`{form[2]}`" if form[0] == 0 else f"{{eval}}`{m.group('body')[1:-1]}`"


def glue_to_eval(markdown: str) -> str:
    """``{glue:text}`x:.1f``` -> ``{eval}`glued("glue:text", "x:.1f")``` outside code."""
    return _rewrite(markdown, _to_eval)


def eval_to_glue(markdown: str) -> str:
    """The inverse of :func:`glue_to_eval`: ``eval_to_glue(glue_to_eval(md)) == md``."""
    return _rewrite(markdown, _to_glue)


def _markdown_cells(nb: dict, rewrite) -> list[dict]:
    """The markdown cells of ``nb``, their source rewritten in place."""
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise TypeError(f"nb must be a notebook: a dict with a list of 'cells', got {type(nb).__name__}")
    markdown = [c for c in cells if c.get("cell_type") == "markdown"]
    for cell in markdown:
        src = cell.get("source", "")
        cell["source"] = rewrite("".join(src) if isinstance(src, list) else src)
    return markdown


def to_lab(nb: dict) -> dict:
    """A notebook's markdown cells with glue roles as eval roles (in place; returned)."""
    _markdown_cells(nb, glue_to_eval)
    return nb


def from_lab(nb: dict) -> dict:
    """The notebook as it was read: eval roles back to glue, JupyterLab-only metadata dropped."""
    for cell in _markdown_cells(nb, eval_to_glue):
        for key in LAB_METADATA:
            cell.get("metadata", {}).pop(key, None)
    return nb


def _contents_manager_class():
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class

    base = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)

    class LabContentsManager(base):
        """jupytext's contents manager, with glue roles shown as eval roles in JupyterLab."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            os.environ[LAB_ENV] = "1"   # the kernels this server starts load the glue extension

        async def get(self, path, *args, **kwargs):
            model = await super().get(path, *args, **kwargs)
            if model.get("type") == "notebook" and model.get("content") is not None:
                to_lab(model["content"])
            return model

        async def save(self, model, path=""):
            if model.get("type") == "notebook" and model.get("content") is not None:
                model = dict(model, content=from_lab(copy.deepcopy(model["content"])))
            return await super().save(model, path)

    return LabContentsManager


def __getattr__(name: str):
    if name != "LabContentsManager":
        raise AttributeError(name)
    globals()[name] = _contents_manager_class()   # built lazily: only the server needs jupyter_server
    return globals()[name]


# ------------------------------------------------------------------- kernel side ---------
_GLUED: dict[str, dict] = {}


@dataclass
class Pasted:
    """A glued value rendered as myst-nb renders the role (text, markdown or any)."""

    role: str
    content: str

    def _repr_mimebundle_(self, include=None, exclude=None):
        kind = self.role.split(":", 1)[1] if ":" in self.role else ""
        content = self.content.replace("\n", " ")   # a role over two lines, read as myst-parser does
        key, spec = (content.rsplit(":", 1) + [""])[:2] if ":" in content else (content, "")
        if key not in _GLUED:
            raise KeyError(f"nothing was glued as {key!r} yet: run the cells above this one")
        data = _GLUED[key]
        if kind == "text":
            from myst_nb.core.variables import format_plain_text

            return {"text/plain": format_plain_text(data["text/plain"], spec or "s")}
        if "text/markdown" in data:
            from markdown_it import MarkdownIt

            md = str(data["text/markdown"])
            return {"text/html": MarkdownIt().renderInline(md), "text/plain": md}
        if kind == "md":
            raise KeyError(f"{key!r} was glued without markdown")
        return {"text/plain": str(data.get("text/plain", ""))}


def glued(role: str, content: str) -> Pasted:
    """What ``{role}`content``` shows on the website, for the live kernel."""
    if not isinstance(role, str) or not _GLUE_NAME.fullmatch(role):
        raise ValueError(f"role must be a glue role such as 'glue', 'glue:text' or 'glue:md', got {role!r}")
    if not isinstance(content, str) or not content.strip():
        raise ValueError(f"content must be the name glued (with an optional ':format'), got {content!r}")
    return Pasted(role, content)


def _hook(msg: dict) -> dict | None:
    content = msg.get("content", {}) if isinstance(msg, dict) else {}
    meta = content.get("metadata") or {}
    scrap = meta.get("scrapbook") if isinstance(meta, dict) else None
    if not scrap or "name" not in scrap:
        return msg
    prefix = scrap.get("mime_prefix", "")
    _GLUED[scrap["name"]] = {k[len(prefix):]: v for k, v in content.get("data", {}).items()}
    return None if prefix else msg   # hidden glue: nothing for JupyterLab to show


def load_ipython_extension(ip) -> None:
    """Remember glued values and define ``glued`` in the user's namespace."""
    ip.user_ns.setdefault("glued", glued)
    pub = getattr(ip, "display_pub", None)
    if pub is not None and hasattr(pub, "register_hook"):
        pub.register_hook(_hook)


def execute_chapter(path, timeout: int = 1800):
    """Execute the chapter at ``path`` (MyST ``.md`` or ``.ipynb``) in a fresh python3 kernel
    in its folder, as *Run All* does, writing nothing back: (the notebook, None), or (the
    notebook as far as it ran, the failing cell's error)."""
    from pathlib import Path

    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = jupytext.read(Path(path))
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    except CellExecutionError as exc:
        return nb, exc
    return nb, None
