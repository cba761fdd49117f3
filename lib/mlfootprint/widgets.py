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

CONTROL_KINDS = {"slider": widgets.SelectionSlider, "dropdown": widgets.Dropdown,
                 "toggle": widgets.ToggleButtons}


def _as_widget(view: Any, alt: str) -> widgets.Widget:
    """A widget for one view; ``alt`` describes PNG bytes, which carry no title of their own."""
    from . import plots   # matplotlib only when a view is drawn

    if isinstance(view, widgets.Widget):
        return view
    if isinstance(view, (bytes, bytearray)):
        return widgets.HTML(value=plots.png_html(bytes(view), alt))
    if isinstance(view, str):
        return widgets.HTML(value=view)
    if hasattr(view, "savefig"):
        return widgets.HTML(value=plots.figure_html(view))
    raise TypeError(f"cannot show a view of type {type(view).__name__}; "
                    "return a matplotlib Figure, PNG bytes, an HTML string or a widget")


def _control(name: str, options: list, kind: str, value=None) -> widgets.Widget:
    extra = ({"continuous_update": True, "layout": widgets.Layout(width="420px", max_width="100%")}
             if kind == "slider" else {})   # a slider never wider than a phone
    return CONTROL_KINDS[kind](options=[(str(o), i) for i, o in enumerate(options)], description=name,
                               index=options.index(value) if value is not None else 0,
                               style={"description_width": "initial"}, **extra)


def _check_switcher(controls, render, kinds, values) -> dict[str, list]:
    """The arguments of :func:`view_switcher`, each error naming the control at fault;
    returns each control's values as a list."""
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
    for n, kind in kinds.items():
        if n not in controls:
            raise ValueError(f"kinds names a control {n!r} that is not among {list(controls)}")
        if kind not in CONTROL_KINDS:
            raise ValueError(f"kind {kind!r} for control {n!r} is not one of {', '.join(CONTROL_KINDS)}")
    options = {n: list(opts) for n, opts in controls.items()}
    for n, opts in options.items():
        if not opts:
            raise ValueError(f"control {n!r} has no values to choose from")
        if len({str(o) for o in opts}) != len(opts):
            raise ValueError(f"control {n!r} has duplicate values: {opts}")
    for n, v in values.items():
        if n not in options or v not in options[n]:
            raise ValueError(f"initial value {v!r} for {n!r} is not one of {options.get(n)}")
    return options


def view_switcher(controls: dict[str, Sequence], render: Callable[..., Any], *,
                  kinds: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                  live: bool = True, title: str | None = None) -> widgets.VBox:
    """One control per entry of ``controls`` (name -> allowed values) over precomputed views.

    ``render(**{name: value})`` is called once for every combination of values; its result
    (Figure, PNG bytes, HTML or widget) becomes one view. Controls are jslinked to the
    views, so they work in the static HTML; with ``live=True`` and a kernel, moving a
    control also calls ``render`` again for the new combination.
    """
    kinds, values = kinds or {}, values or {}
    options = _check_switcher(controls, render, kinds, values)
    names = list(options)
    kinds = {n: kinds.get(n, "slider" if len(options[n]) > 3 else "toggle") for n in names}
    leaves: dict[tuple, widgets.Widget] = {}
    stacks_at_level: list[list[widgets.Stack]] = [[] for _ in names]

    def alt(key: tuple) -> str:   # for a view given as PNG bytes: the title and the values
        return f"{title or 'View'}: " + ", ".join(f"{n} {v}" for n, v in zip(names, key))

    def build(level: int, prefix: tuple) -> widgets.Widget:
        name, children = names[level], []
        for value in options[name]:
            key = prefix + (value,)
            if level == len(names) - 1:
                leaves[key] = _as_widget(render(**dict(zip(names, key))), alt(key))
                children.append(leaves[key])
            else:
                children.append(build(level + 1, key))
        start = options[name].index(values[name]) if name in values else 0
        stacks_at_level[level].append(widgets.Stack(children=children, selected_index=start))
        return stacks_at_level[level][-1]

    root = build(0, ())
    ctrls = {n: _control(n, options[n], kinds[n], values.get(n)) for n in names}
    for level, n in enumerate(names):
        for stack in stacks_at_level[level]:
            widgets.jslink((ctrls[n], "index"), (stack, "selected_index"))

    if live:
        def rerender(_change=None):
            key = tuple(options[n][ctrls[n].index] for n in names)
            fresh, target = _as_widget(render(**dict(zip(names, key))), alt(key)), leaves[key]
            if type(fresh) is type(target) and isinstance(target, (widgets.Image, widgets.HTML)):
                target.value = fresh.value

        for c in ctrls.values():
            c.observe(rerender, names="index")

    parts = [widgets.HTML(f"<b>{title}</b>")] if title else []
    return widgets.VBox(parts + list(ctrls.values()) + [root])
