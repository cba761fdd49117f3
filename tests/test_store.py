import json
import warnings

import pytest

from mlfootprint import measure, mnist, store
from mlfootprint.store import CorruptResultWarning, ResultStore


@pytest.fixture
def st(tmp_data):
    return ResultStore()


def test_results_live_under_data(st, tmp_data):
    assert st.root == tmp_data / "results"


def test_key_changes_with_every_setting(st):
    base = {"model": "mlp", "hidden": [64, 32], "epochs": 10, "lr": 1e-3, "seed": 0, "source": "bundled"}
    k0 = st.key("exp", base)
    variants = [dict(base, model="cnn"), dict(base, hidden=[64]), dict(base, epochs=11),
                dict(base, lr=2e-3), dict(base, seed=1), dict(base, source="torchvision")]
    keys = {st.key("exp", v) for v in variants}
    assert k0 not in keys and len(keys) == len(variants)
    assert st.key("other", base) != k0
    assert st.key("exp", dict(reversed(list(base.items())))) == k0  # order does not matter


def test_key_includes_country_and_code(st, monkeypatch):
    settings = {"a": 1}
    k_usa = st.key("exp", settings)
    monkeypatch.setattr(measure, "_country", "FRA")
    assert st.key("exp", settings) != k_usa
    monkeypatch.setattr(measure, "_country", None)
    assert st.key("exp", settings, code=(mnist,)) != k_usa


def test_get_or_compute_computes_once_and_round_trips(st):
    calls = []

    def compute():
        calls.append(1)
        return {"acc": 0.9, "history": [1, 2, 3]}

    a = st.get_or_compute("exp", {"s": 1}, compute)
    b = st.get_or_compute("exp", {"s": 1}, compute)
    assert a == b == {"acc": 0.9, "history": [1, 2, 3]}
    assert len(calls) == 1
    st.get_or_compute("exp", {"s": 2}, compute)
    assert len(calls) == 2


def test_records_are_stored_and_decoded(st):
    rec = measure.measure_repeated(lambda: sum(range(1000)), repeats=2, min_seconds=0.05)
    out = st.get_or_compute("rec", {"x": 1}, lambda: rec, decode=measure.Measurement.from_dict)
    assert out == rec


@pytest.mark.parametrize("damage", ["truncate", "garbage", "wrong_settings", "no_result"])
def test_corrupted_file_is_reported_moved_aside_and_recomputed(st, damage):
    settings = {"s": 1}
    st.get_or_compute("exp", settings, lambda: {"v": 1})
    path = st.path("exp", st.key("exp", settings))
    text = path.read_text()
    if damage == "truncate":
        path.write_text(text[: len(text) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00\xff not json")
    elif damage == "wrong_settings":
        payload = json.loads(text)
        payload["key_material"]["settings"] = {"s": 2}
        path.write_text(json.dumps(payload))
    else:
        payload = json.loads(text)
        del payload["result"]
        path.write_text(json.dumps(payload))
    with pytest.warns(CorruptResultWarning, match="recomputed"):
        out = st.get_or_compute("exp", settings, lambda: {"v": 2})
    assert out == {"v": 2}  # recomputed, the damaged value is never served
    aside = list(path.parent.glob(path.name + ".corrupt-*"))
    assert len(aside) == 1  # nothing lost: the damaged file is kept for inspection
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert st.get_or_compute("exp", settings, lambda: {"v": 3}) == {"v": 2}


def test_writes_are_atomic(st, monkeypatch):
    st.save("exp", {"s": 1}, {"v": 1})
    path = st.path("exp", st.key("exp", {"s": 1}))
    import os

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        st.save("exp", {"s": 1}, {"v": 2})
    assert json.loads(path.read_text())["result"] == {"v": 1}
    assert not list(path.parent.glob(".*.tmp"))


def test_unstorable_values_are_refused(st):
    with pytest.raises(TypeError, match="cannot store"):
        st.save("exp", {"s": 1}, {"f": object()})
