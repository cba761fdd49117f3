#!/usr/bin/env python3
"""Vendor the JavaScript the static book needs, so its pages work offline (no CDN).

myst-nb embeds each page's widget state in the HTML and, by default, loads the code that
draws the widgets from two CDNs (cdnjs for RequireJS, jsDelivr for the html-manager), and
Sphinx loads MathJax from jsDelivr. This script fetches pinned versions of those npm
packages with ``npm pack`` and copies what the pages need into ``book/_extra/_static/``:

* ``jupyter-widgets/require.js`` from ``requirejs`` (the AMD loader ``embed-amd.js`` expects);
* ``jupyter-widgets/embed-amd.js`` from ``@jupyter-widgets/html-manager`` (it bundles the
  base, controls and output widgets) and the font files it references;
* ``mathjax/``: MathJax 3's ``tex-mml-chtml.js`` component, its CHTML web fonts and the TeX
  extensions it autoloads, in the layout MathJax expects next to the script.

``book/_extra`` is in ``html_extra_path``: Sphinx copies it into the HTML output as is,
and, unlike ``book/_static``, jupyter-book does not add its ``.js`` files to every page.
``nb_ipywidgets_js`` and ``mathjax_path`` in ``book/_config.yml`` add them only to pages
that need them. ``book/_extra/_static/jupyter-widgets-offline.js`` (ours, not vendored)
tells the widget bundle where its fonts are.

The files are committed (so the book builds offline); ``tools/vendored.json`` records the
npm versions, npm's integrity hashes and a sha256 per file. Run again to re-vendor, or with
``--check`` to verify the committed files against it::

    python tools/vendor_widgets_js.py            # fetch with npm and (re)write the files
    python tools/vendor_widgets_js.py --check    # verify, exit 1 on any mismatch
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "book" / "_extra" / "_static"
MANIFEST = ROOT / "tools" / "vendored.json"
FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".eot", ".svg")


def _requirejs(names: list[str]) -> dict[str, str]:
    return {"package/require.js": "require.js"}


def _html_manager(names: list[str]) -> dict[str, str]:
    bundle = "package/dist/embed-amd.js"
    if bundle not in names:
        raise SystemExit(f"{bundle} not found in the html-manager tarball")
    picked = {bundle: "embed-amd.js"}
    for name in names:  # fonts, loaded relative to the bundle's own URL
        if name.startswith("package/dist/") and name.endswith(FONT_SUFFIXES):
            picked[name] = name.rsplit("/", 1)[1]
    return picked


def _mathjax(names: list[str]) -> dict[str, str]:
    root = "package/es5/"
    keep = ("tex-mml-chtml.js", "output/chtml/fonts/woff-v2/", "input/tex/extensions/")
    picked = {n: n[len(root):] for n in names
              if n.startswith(root) and n[len(root):].startswith(keep)}
    if f"{root}tex-mml-chtml.js" not in picked:
        raise SystemExit("es5/tex-mml-chtml.js not found in the mathjax tarball")
    return picked


# package -> (version, folder under book/_extra/_static, member selection)
# html-manager 1.0.x renders ipywidgets 8 state (controls 2.0) and ipywidgets 7 state.
BUNDLES = {
    "requirejs": ("2.3.8", "jupyter-widgets", _requirejs),
    "@jupyter-widgets/html-manager": ("1.0.15", "jupyter-widgets", _html_manager),
    "mathjax": ("3.2.2", "mathjax", _mathjax),
}
PACKAGES = {name: spec[0] for name, spec in BUNDLES.items()}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def npm_pack(spec: str, workdir: Path) -> tuple[Path, dict]:
    if shutil.which("npm") is None:
        raise SystemExit("npm is not installed: install Node.js/npm, or use the committed files")
    out = subprocess.run(["npm", "pack", spec, "--json", "--pack-destination", str(workdir)],
                         check=True, capture_output=True, text=True, cwd=workdir, timeout=300)
    info = json.loads(out.stdout)[0]
    return workdir / info["filename"], info


def vendor() -> None:
    manifest: dict = {"_comment": "written by tools/vendor_widgets_js.py; do not edit",
                      "packages": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        staged = tmpdir / "staged"
        for package, (version, folder, select) in BUNDLES.items():
            tarball, info = npm_pack(f"{package}@{version}", tmpdir)
            files = {}
            with tarfile.open(tarball) as tar:
                members = {m.name: m for m in tar.getmembers() if m.isfile()}
                for member, target in select(list(members)).items():
                    data = tar.extractfile(members[member]).read()
                    dest = staged / folder / target
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(data)
                    files[f"{folder}/{target}"] = hashlib.sha256(data).hexdigest()
            if package == "@jupyter-widgets/html-manager":  # keep only fonts it references
                text = (staged / folder / "embed-amd.js").read_text(encoding="utf-8")
                for name in [n for n in files if n.endswith(FONT_SUFFIXES)]:
                    if name.rsplit("/", 1)[1] not in text:
                        (staged / name).unlink()
                        del files[name]
            manifest["packages"][package] = {"version": info["version"],
                                             "integrity": info.get("integrity"),
                                             "files": dict(sorted(files.items()))}
        for folder in {spec[1] for spec in BUNDLES.values()}:
            if (STATIC / folder).exists():
                shutil.rmtree(STATIC / folder)
            shutil.copytree(staged / folder, STATIC / folder)
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(STATIC.joinpath(n).stat().st_size
                for e in manifest["packages"].values() for n in e["files"])
    print(f"vendored {', '.join(f'{k}@{v}' for k, v in PACKAGES.items())} "
          f"into {STATIC.relative_to(ROOT)} ({total / 1e6:.1f} MB)")


def check() -> list[str]:
    """Problems with the committed files (empty list when they match tools/vendored.json)."""
    if not MANIFEST.is_file():
        return [f"{MANIFEST.relative_to(ROOT)} is missing: run tools/vendor_widgets_js.py"]
    manifest = json.loads(MANIFEST.read_text())
    problems = []
    for package, entry in manifest["packages"].items():
        if PACKAGES.get(package) != entry["version"]:
            problems.append(f"{package}: vendored {entry['version']}, pinned {PACKAGES.get(package)}")
        for name, digest in entry["files"].items():
            path = STATIC / name
            if not path.is_file():
                problems.append(f"{name} is missing")
            elif sha256(path) != digest:
                problems.append(f"{name} differs from the vendored {package}@{entry['version']}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the committed files")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for p in problems:
            print("vendored JS:", p, file=sys.stderr)
        print("vendored JS: OK" if not problems else "vendored JS: FAILED")
        return 1 if problems else 0
    vendor()
    return 0


if __name__ == "__main__":
    sys.exit(main())
