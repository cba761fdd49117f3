"""The loopback stand-ins themselves, and the library's hub branch against them.

The stand-ins (tests/standins) must behave like the services they replace, or the online
tests prove nothing: the MNIST files are real IDX files torchvision reads, the Hub stand-in
answers ``huggingface_hub``'s own client with the headers it checks, and the models have
the real architectures. Then ``textmodels.hub_status`` and ``load_model`` are run against
it, including its failure modes: 404, 500, and a server that never answers.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
import urllib.request

import pytest

from mlfootprint import textmodels as tm
from standins import child_env
from standins import mnist_mirror as mm
from standins.server import SilentPort
from standins.textchild import TextChild


# ---------------------------------------------------------------- MNIST mirror ----------
def test_mirror_files_are_real_idx_files(tmp_path):
    from torchvision.datasets.mnist import read_image_file, read_label_file

    files = mm.mnist_files()
    assert sorted(files) == sorted(mm.FILES)
    for name, data in files.items():
        raw = tmp_path / name[:-3]
        raw.write_bytes(gzip.decompress(data))
        n = 4000 if name.startswith("train") else 1000
        if "images" in name:
            assert tuple(read_image_file(str(raw)).shape) == (n, 28, 28)
        else:
            labels = read_label_file(str(raw))
            assert tuple(labels.shape) == (n,) and set(labels.tolist()) == set(range(10))
    # built the same way twice, the bytes (so the md5s in MNIST.resources) are the same
    once, twice = mm.mnist_files_uncached(30, 10), mm.mnist_files_uncached(30, 10)
    assert {k: mm.md5(v) for k, v in once.items()} == {k: mm.md5(v) for k, v in twice.items()}


def test_mirror_serves_files_404s_the_rest_and_can_corrupt():
    with mm.serve(n_train=50, n_test=20) as mirror:
        body = urllib.request.urlopen(mirror.url + mm.FILES[1], timeout=10).read()
        assert mm.md5(body) == dict(mirror.resources())[mm.FILES[1]]
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(mirror.url + "nothing.gz", timeout=10)
        mirror.corrupt(mm.FILES[1])
        bad = urllib.request.urlopen(mirror.url + mm.FILES[1], timeout=10).read()
        assert len(bad) == len(body) and mm.md5(bad) != mm.md5(body)
    assert mirror.downloads() == [mm.FILES[1], mm.FILES[1]]


def test_mirror_setting_is_restored():
    from torchvision.datasets import MNIST

    before = (list(MNIST.mirrors), list(MNIST.resources))
    with mm.serve(n_train=10, n_test=10) as mirror, mm.pointed_at(mirror.url, mirror.resources()):
        assert MNIST.mirrors == [mirror.url]
    assert (MNIST.mirrors, MNIST.resources) == before


# ---------------------------------------------------------------- Hub stand-in ----------
def test_standin_models_have_the_real_architectures(standin_models):
    from transformers import AutoConfig, AutoTokenizer

    gpt2 = AutoConfig.from_pretrained(standin_models["gpt2"])
    assert gpt2.model_type == "gpt2" and gpt2.architectures == ["GPT2LMHeadModel"]
    assert (gpt2.n_positions, gpt2.activation_function, gpt2.layer_norm_epsilon) == (1024, "gelu_new", 1e-5)
    bert = AutoConfig.from_pretrained(standin_models["bert-base-uncased"])
    assert bert.model_type == "bert" and bert.architectures == ["BertForMaskedLM"]
    assert (bert.max_position_embeddings, bert.type_vocab_size, bert.hidden_act) == (512, 2, "gelu")
    # tokenizers trained on the course's corpus: real words become real tokens
    tok = AutoTokenizer.from_pretrained(standin_models["bert-base-uncased"])
    assert tok.mask_token == "[MASK]" and tok.tokenize("The IF Statement") == tok.tokenize("the if statement")
    ids = tok("The [MASK] statement is used for conditional execution.")["input_ids"]
    assert tok.mask_token_id in ids and tok.unk_token_id not in ids and len(ids) > 5
    tok = AutoTokenizer.from_pretrained(standin_models["gpt2"])
    assert tok.eos_token == "<|endoftext|>" and tok.eos_token_id == gpt2.eos_token_id
    ids = tok("The future of AI is")["input_ids"]
    assert ids and tok.decode(ids) == "The future of AI is"
    # files as on the hub: the slow tokenizers' vocabularies too
    assert {"vocab.json", "merges.txt", "model.safetensors"} <= {p.name for p in standin_models["gpt2"].iterdir()}
    assert "vocab.txt" in {p.name for p in standin_models["bert-base-uncased"].iterdir()}


def test_hub_answers_huggingface_hubs_own_client(hub_standin, tmp_path):
    """Metadata (commit, ETag, size; the redirect of a large file to another origin with
    X-Linked-Etag/Size) and downloads, through huggingface_hub itself."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url
    from huggingface_hub.errors import EntryNotFoundError, RepositoryNotFoundError

    from standins.hub import git_blob_sha1

    repo = hub_standin.repos["gpt2"]
    url = hf_hub_url("gpt2", "config.json", endpoint=hub_standin.url)
    meta = get_hf_file_metadata(url, endpoint=hub_standin.url)
    assert meta.commit_hash == repo.sha and len(repo.sha) == 40
    assert meta.etag == git_blob_sha1(repo.files["config.json"])
    assert meta.size == len(repo.files["config.json"])
    weights = repo.files["model.safetensors"]
    meta = get_hf_file_metadata(hf_hub_url("gpt2", "model.safetensors", endpoint=hub_standin.url),
                                endpoint=hub_standin.url)
    assert meta.etag == hashlib.sha256(weights).hexdigest() and meta.size == len(weights)
    assert meta.location.startswith(hub_standin.cdn.url)
    path = hf_hub_download("gpt2", "model.safetensors", cache_dir=tmp_path, endpoint=hub_standin.url)
    assert open(path, "rb").read() == weights
    assert "model.safetensors" in hub_standin.downloads("gpt2")
    with pytest.raises(EntryNotFoundError):
        hf_hub_download("gpt2", "no-such-file.json", cache_dir=tmp_path, endpoint=hub_standin.url)
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("nobody/nothing", "config.json", cache_dir=tmp_path, endpoint=hub_standin.url)
    info = json.loads(urllib.request.urlopen(f"{hub_standin.url}/api/models/gpt2", timeout=10).read())
    assert info["sha"] == repo.sha and {"rfilename": "config.json"} in info["siblings"]


# ---------------------------------------------------------------- hub_status ------------
def test_hub_status_available_and_missing(hub_standin):
    status = tm.hub_status("gpt2", timeout=5)
    assert status.state == "available" and hub_standin.url in status.reason
    status = tm.hub_status("nobody/nothing", timeout=5)
    assert status.state == "missing" and "nobody/nothing" in status.reason


@pytest.mark.parametrize("mode, state, why", [(404, "missing", "HTTP 404"),
                                               (500, "unreachable", "HTTP 500"),
                                               ("hang", "unreachable", "timed out")])
def test_hub_status_failure_modes(hub_standin, mode, state, why):
    """Every failure is reported with its reason; a server that never answers is given up
    after the timeout, not waited on."""
    hub_standin.fail(mode)
    start = time.monotonic()
    status = tm.hub_status("gpt2", timeout=1.0)
    waited = time.monotonic() - start
    assert (status.state, why in status.reason) == (state, True), status
    assert waited < 15, f"the probe took {waited:.1f} s with a 1 s timeout"   # generous: a bound, not a speed test


def test_hub_status_silent_port_and_closed_port(monkeypatch):
    with SilentPort() as silent:
        monkeypatch.setenv("HF_ENDPOINT", silent.url)
        start = time.monotonic()
        status = tm.hub_status("gpt2", timeout=1.0)
        assert status.state == "unreachable" and "timed out" in status.reason
        assert time.monotonic() - start < 15
        closed = silent.url
    monkeypatch.setenv("HF_ENDPOINT", closed)   # nothing listens there any more
    status = tm.hub_status("gpt2", timeout=1.0)
    assert status.state == "unreachable" and "cannot reach" in status.reason


# ---------------------------------------------------------------- load_model online ------
def test_load_model_takes_the_online_branch(hub_standin, standin_models):
    """In a fresh process pointed at the stand-in (HF_ENDPOINT, empty HF_HOME): the hub
    models download and load with source "hub"; the same process then meets each failure."""
    with TextChild(child_env({})) as child:
        gen = child.load("gpt2", "generation")
        assert gen["ok"], gen
        assert (gen["name"], gen["source"], gen["model_type"]) == ("gpt2", "hub", "gpt2")
        fill = child.load("bert-base-uncased", "fill-mask")
        assert fill["ok"], fill
        assert (fill["name"], fill["source"], fill["model_type"]) == ("bert-base-uncased", "hub", "bert")
        assert "Hugging Face Hub" in fill["describe"]
        for repo_id in ("gpt2", "bert-base-uncased"):
            assert {"config.json", "model.safetensors"} <= set(hub_standin.downloads(repo_id))

        # the hub answers 500: the copy downloaded above is used, and the note says why
        hub_standin.fail(500)
        cached = child.load("gpt2", "generation")
        assert cached["ok"] and cached["source"] == "hub cache", cached
        assert "could not be reached" in cached["note"] and "HTTP 500" not in cached["note"], cached
        assert "HTTP 500" in child.log()          # the cause: in the log, not in the reader's note

        # the hub never answers: given up after the probe's timeout; a model never
        # downloaded falls back (here to the given folder) and says why
        hub_standin.fail("hang")
        hub_standin.add("course/never-downloaded", hub_standin.repos["gpt2"].files)
        fallback = child.load("course/never-downloaded", "generation",
                              fallback=str(standin_models["gpt2"]))
        assert fallback["ok"] and fallback["source"] == "embedded", fallback
        assert "could not be reached" in fallback["note"] and "timed out" in child.log()
        assert fallback["seconds"] < tm.HUB_TIMEOUT_S + 60   # it gave up, it did not wait on

        # the hub answers 404 for everything: an unknown id is an error, not a fallback
        hub_standin.fail(404)
        missing = child.load("gpt2", "generation")
        assert not missing["ok"] and "unknown model id 'gpt2'" in missing["error"], missing

        # a repository without its weights: the error names the missing file
        hub_standin.fail(None)
        hub_standin.add("course/no-weights", {k: v for k, v in hub_standin.repos["gpt2"].files.items()
                                              if k != "model.safetensors"})
        broken = child.load("course/no-weights", "generation")
        assert not broken["ok"] and "model.safetensors" in broken["error"], broken
