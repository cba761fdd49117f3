"""Stop Sphinx 7.4 from writing inline ``<script>`` bodies twice into every page.

Symptom: every page of a jupyter-book 1.0.4 build logs, in the browser console,
``SyntaxError: Identifier 'THEBE_JS_URL' has already been declared``.

Cause (Sphinx 7.4.7, ``sphinx/builders/html/__init__.py``): an extension that calls
``app.add_js_file(None, body=...)`` *after* the HTML builder was created (sphinx-thebe
0.3.1 does so in ``env-before-read-docs``, sphinx-togglebutton in ``builder-inited``)
registers the script twice: in ``app.registry.js_files`` and, directly, in the builder's
own list with ``filename=None``. Before writing pages, ``prepare_writing`` re-adds every
registry entry as ``add_js_file(filename or '', ...)``; ``_JavaScript('')`` is not equal
to ``_JavaScript(None)``, so the de-duplication misses it and the body is emitted twice.
sphinx-thebe's body is ``const THEBE_JS_URL = ...``, and a second ``const`` is an error.

Fix: once the other extensions have added their scripts (a late ``env-before-read-docs``
handler), store inline scripts in the builder with ``filename=''``, the spelling that
``prepare_writing`` uses, so its own de-duplication recognises them.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def normalise_inline_scripts(app: Sphinx, *_args) -> None:
    builder = app.builder
    scripts = getattr(builder, "_js_files", None)
    if scripts is None:  # not an HTML builder
        return
    try:
        from sphinx.builders.html._assets import _JavaScript
    except ImportError:  # other Sphinx versions: nothing to fix here
        return
    fixed = []
    for js in scripts:
        if isinstance(js, _JavaScript) and js.filename is None:
            attributes = dict(js.attributes)
            js = _JavaScript("", priority=js.priority, **attributes)
        if js not in fixed:
            fixed.append(js)
    scripts[:] = fixed


def setup(app: Sphinx) -> dict:
    # priority 900: after sphinx-thebe's env-before-read-docs handler (default 500)
    app.connect("env-before-read-docs", normalise_inline_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
