#!/usr/bin/env python3
"""Vendor the JavaScript that renders ipywidgets in the static book, so pages work offline.

myst-nb embeds each page's widget state in the HTML and, by default, loads the code that
draws the widgets from two CDNs (cdnjs for RequireJS, jsDelivr for the html-manager).
This script fetches pinned versions of those two npm packages with ``npm pack`` and copies
what the pages need into ``book/_extra/_static/jupyter-widgets/``:

* ``require.js`` from ``requirejs`` (the AMD loader ``embed-amd.js`` expects);
* ``embed-amd.js`` from ``@jupyter-widgets/html-manager`` (it bundles the base, controls
  and output widgets) and the font files it references (Font Awesome, loaded relative to
  the script's own URL).

``book/_extra`` is in ``html_extra_path``: Sphinx copies it into the HTML output as is,
and, unlike ``book/_static``, jupyter-book does not add its ``.js`` files to every page.
``nb_ipywidgets_js`` in ``book/_config.yml`` adds them only to pages that have widgets.

The files are committed (so the book builds offline); ``VERSIONS.json`` records the npm
versions, npm's integrity hashes and a sha256 per file. Run again to re-vendor, or with
``--check`` to verify the committed files against ``VERSIONS.json``::

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
DEST = ROOT / "book" / "_extra" / "_static" / "jupyter-widgets"
MANIFEST = DEST / "VERSIONS.json"

# html-manager 1.0.x renders ipywidgets 8 state (controls 2.0) and ipywidgets 7 state.
PACKAGES = {
    "requirejs": "2.3.8",
    "@jupyter-widgets/html-manager": "1.0.15",
}
FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".eot", ".svg")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def npm_pack(spec: str, workdir: Path) -> tuple[Path, dict]:
    if shutil.which("npm") is None:
        raise SystemExit("npm is not installed: install Node.js/npm, or use the committed files")
    out = subprocess.run(["npm", "pack", spec, "--json", "--pack-destination", str(workdir)],
                         check=True, capture_output=True, text=True, cwd=workdir, timeout=300)
    info = json.loads(out.stdout)[0]
    return workdir / info["filename"], info


def wanted_files(package: str, names: list[str]) -> dict[str, str]:
    """Map tarball member -> file name in DEST for one package."""
    if package == "requirejs":
        return {"package/require.js": "require.js"}
    bundle = "package/dist/embed-amd.js"
    if bundle not in names:
        raise SystemExit(f"{package}: {bundle} not found in the npm tarball")
    picked = {bundle: "embed-amd.js"}
    for name in names:
        if name.startswith("package/dist/") and name.endswith(FONT_SUFFIXES):
            picked[name] = name.rsplit("/", 1)[1]
    return picked


def vendor() -> None:
    manifest: dict = {"_comment": "written by tools/vendor_widgets_js.py; do not edit",
                      "packages": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        staged = tmpdir / "staged"
        staged.mkdir()
        for package, version in PACKAGES.items():
            tarball, info = npm_pack(f"{package}@{version}", tmpdir)
            with tarfile.open(tarball) as tar:
                members = {m.name: m for m in tar.getmembers() if m.isfile()}
                picked = wanted_files(package, list(members))
                files = {}
                for member, target in picked.items():
                    data = tar.extractfile(members[member]).read()
                    (staged / target).write_bytes(data)
                    files[target] = hashlib.sha256(data).hexdigest()
            # the bundle loads its fonts relative to its own URL: check they are all here
            if package != "requirejs":
                text = (staged / "embed-amd.js").read_text(encoding="utf-8")
                for name in list(files):
                    if name != "embed-amd.js" and name not in text:
                        (staged / name).unlink()
                        del files[name]
            manifest["packages"][package] = {"version": info["version"],
                                             "integrity": info.get("integrity"),
                                             "files": dict(sorted(files.items()))}
        if DEST.exists():
            shutil.rmtree(DEST)
        DEST.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staged, DEST)
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(p.stat().st_size for p in DEST.iterdir())
    print(f"vendored {', '.join(f'{k}@{v}' for k, v in PACKAGES.items())} "
          f"into {DEST.relative_to(ROOT)} ({total / 1e6:.1f} MB)")


def check() -> list[str]:
    """Problems with the committed files (empty list when they match VERSIONS.json)."""
    if not MANIFEST.is_file():
        return [f"{MANIFEST.relative_to(ROOT)} is missing: run tools/vendor_widgets_js.py"]
    manifest = json.loads(MANIFEST.read_text())
    problems = []
    for package, entry in manifest["packages"].items():
        if PACKAGES.get(package) != entry["version"]:
            problems.append(f"{package}: vendored {entry['version']}, pinned {PACKAGES.get(package)}")
        for name, digest in entry["files"].items():
            path = DEST / name
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
            print("vendored widget JS:", p, file=sys.stderr)
        print("vendored widget JS: OK" if not problems else "vendored widget JS: FAILED")
        return 1 if problems else 0
    vendor()
    return 0


if __name__ == "__main__":
    sys.exit(main())
