"""Controls that work in JupyterLab *and* in the static book.

A static page has no kernel, so :func:`view_switcher` renders every view up front, puts them
in nested ``ipywidgets.Stack`` widgets and ``jslink``s each control to them: moving a control
switches views in the browser. With a live kernel it also renders the chosen view again, so a
reader who changed the code sees fresh results. Figures become HTML ``<figure><img alt>``
views (``ipywidgets.Image`` has no alt text).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import ipywidgets as widgets

CONTROL_KINDS = ("slider", "dropdown", "toggle")


def figure_png(fig, dpi: int = 90) -> bytes:
    """PNG bytes of a matplotlib figure, which is then closed (so it is not shown twice)."""
    from .plots import figure_png as _png

    return _png(fig, dpi=dpi)


def _as_widget(view: Any, alt: str = "Figure") -> widgets.Widget:
    """A widget for one view; ``alt`` describes PNG bytes, which carry no title of their own."""
    if isinstance(view, widgets.Widget):
        return view
    if isinstance(view, (bytes, bytearray)):
        from .plots import png_html

        return widgets.HTML(value=png_html(bytes(view), alt))
    if isinstance(view, str):
        return widgets.HTML(value=view)
    if hasattr(view, "savefig"):
        from .plots import figure_html

        return widgets.HTML(value=figure_html(view))
    raise TypeError(f"cannot show a view of type {type(view).__name__}; "
                    "return a matplotlib Figure, PNG bytes, an HTML string or a widget")


def _update(target: widgets.Widget, view: Any, alt: str = "Figure") -> None:
    fresh = _as_widget(view, alt)
    if type(fresh) is type(target) and isinstance(target, (widgets.Image, widgets.HTML)):
        target.value = fresh.value


def _control(name: str, options: Sequence, kind: str, value=None) -> widgets.Widget:
    labels = [(str(o), i) for i, o in enumerate(options)]
    index = list(options).index(value) if value is not None else 0
    style = {"description_width": "initial"}
    layout = widgets.Layout(width="420px", max_width="100%")  # never wider than a phone
    if kind == "slider":
        return widgets.SelectionSlider(options=labels, index=index, description=name,
                                       continuous_update=True, style=style, layout=layout)
    if kind == "dropdown":
        return widgets.Dropdown(options=labels, index=index, description=name, style=style)
    if kind == "toggle":
        return widgets.ToggleButtons(options=labels, index=index, description=name, style=style)
    raise ValueError(f"control kind must be one of {CONTROL_KINDS}, got {kind!r}")


def _check_switcher(controls, render, kinds) -> None:
    """The arguments of :func:`view_switcher`, each error naming the control at fault."""
    if not isinstance(controls, dict) or not controls:
        raise ValueError(f"view_switcher needs a dict of at least one control, got {controls!r:.60}")
    for n, opts in controls.items():
        if isinstance(opts, (str, bytes, dict)) or not hasattr(opts, "__iter__"):
            raise TypeError(f"control {n!r}: its values must be a list or tuple such as [1, 2, 4], "
                            f"got {opts!r:.60}")
        for o in opts:
            try:
                hash(o)
            except TypeError:
                raise TypeError(f"control {n!r}: the value {o!r:.40} cannot be a choice (a list or "
                                f"dict cannot; use a tuple or a string)") from None
    if not callable(render):
        raise TypeError(f"render must be a function of the controls' values, got {type(render).__name__}")
    for n, kind in (kinds or {}).items():
        if n not in controls:
            raise ValueError(f"kinds names a control {n!r} that is not among {list(controls)}")
        if kind not in CONTROL_KINDS:
            raise ValueError(f"kind {kind!r} for control {n!r} is not one of {', '.join(CONTROL_KINDS)}")


def view_switcher(controls: dict[str, Sequence], render: Callable[..., Any], *,
                  kinds: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                  live: bool = True, title: str | None = None) -> widgets.VBox:
    """One control per entry of ``controls`` (name -> allowed values) over precomputed views.

    ``render(**{name: value})`` is called once for every combination of values; its result
    (Figure, PNG bytes, HTML or widget) becomes one view. Controls are jslinked to the
    views, so they work in the static HTML; with ``live=True`` and a kernel, moving a
    control also calls ``render`` again for the new combination.
    """
    _check_switcher(controls, render, kinds)
    names = list(controls)
    options = {n: list(controls[n]) for n in names}
    for n, opts in options.items():
        if not opts:
            raise ValueError(f"control {n!r} has no values to choose from")
        if len({str(o) for o in opts}) != len(opts):
            raise ValueError(f"control {n!r} has duplicate values: {opts}")
    kinds = {n: (kinds or {}).get(n, "slider" if len(options[n]) > 3 else "toggle") for n in names}
    values = values or {}
    for n, v in values.items():
        if n not in options or v not in options[n]:
            raise ValueError(f"initial value {v!r} for {n!r} is not one of {options.get(n)}")

    leaves: dict[tuple, widgets.Widget] = {}
    stacks_at_level: list[list[widgets.Stack]] = [[] for _ in names]

    def build(level: int, prefix: tuple) -> widgets.Widget:
        name = names[level]
        children = []
        for value in options[name]:
            key = prefix + (value,)
            if level == len(names) - 1:
                leaf = _as_widget(render(**dict(zip(names, key))), _view_alt(title, names, key))
                leaves[key] = leaf
                children.append(leaf)
            else:
                children.append(build(level + 1, key))
        start = options[name].index(values[name]) if name in values else 0
        stack = widgets.Stack(children=children, selected_index=start)
        stacks_at_level[level].append(stack)
        return stack

    root = build(0, ())
    ctrls = {n: _control(n, options[n], kinds[n], values.get(n)) for n in names}
    for level, n in enumerate(names):
        for stack in stacks_at_level[level]:
            widgets.jslink((ctrls[n], "index"), (stack, "selected_index"))

    if live:
        def rerender(_change=None):
            key = tuple(options[n][ctrls[n].index] for n in names)
            _update(leaves[key], render(**dict(zip(names, key))), _view_alt(title, names, key))

        for c in ctrls.values():
            c.observe(rerender, names="index")

    parts = [widgets.HTML(f"<b>{title}</b>")] if title else []
    return widgets.VBox(parts + list(ctrls.values()) + [root])


def _view_alt(title: str | None, names: Sequence[str], key: tuple) -> str:
    """Alt text for a view given as PNG bytes: the switcher's title and the control values."""
    values = ", ".join(f"{n} {v}" for n, v in zip(names, key))
    return f"{title or 'View'}: {values}"

