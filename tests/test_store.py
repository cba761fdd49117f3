import json
import math
import multiprocessing
import os
import warnings

import pytest
import torch

from mlfootprint import measure, mnist, store
from mlfootprint.notices import NotSavedNotice
from mlfootprint.paths import DataDirError, data_dir
from mlfootprint.records import TrainedRun
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


def test_key_includes_code_but_not_the_grid(st, monkeypatch):
    settings = {"a": 1}
    k_usa = st.key("exp", settings)
    monkeypatch.setattr(measure.grid, "_country", "FRA")
    assert st.key("exp", settings) == k_usa       # the grid changes CO2, not the result
    assert st.key("exp", settings, code=(mnist,)) != k_usa


def test_nan_none_and_infinities_get_different_keys(st):
    values = [None, float("nan"), float("inf"), float("-inf"), "inf", "nan", 0.0]
    keys = {st.key("exp", {"v": v}) for v in values}
    assert len(keys) == len(values)


def test_settings_are_checked_before_any_work(st):
    calls = []
    with pytest.raises(TypeError, match="settings must be a dict"):
        st.get_or_compute("exp", "abc", lambda: calls.append(1))
    with pytest.raises(TypeError, match="cannot store"):
        st.get_or_compute("exp", {"f": object()}, lambda: calls.append(1))
    with pytest.raises(ValueError, match="namespace"):
        st.get_or_compute("../up", {}, lambda: calls.append(1))
    assert calls == []


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


def test_changing_the_grid_recomputes_nothing_and_scales_emissions(st, monkeypatch):
    """Records built under one country, read under another: same energy, emissions on the
    new grid (exactly), no recomputation."""
    monkeypatch.setattr(measure.grid, "_country", "USA")
    calls = []

    def compute():
        calls.append(1)
        _, rec = measure.measure_once(lambda: sum(range(20_000)), label="work")
        return rec

    usa = st.get_or_compute("rec", {"x": 1}, compute, decode=measure.Measurement.from_dict)
    monkeypatch.setattr(measure.grid, "_country", "FRA")
    fra = st.get_or_compute("rec", {"x": 1}, compute, decode=measure.Measurement.from_dict)
    assert calls == [1]
    assert fra.energy_kwh == usa.energy_kwh and fra.cpu_energy_kwh == usa.cpu_energy_kwh
    assert usa.country_iso == "USA" and fra.country_iso == "FRA"
    grid_fra, grid_usa = measure.carbon_intensity("FRA"), measure.carbon_intensity("USA")
    assert fra.emissions_kg == pytest.approx(fra.energy_kwh * grid_fra.g_per_kwh / 1000, rel=1e-12)
    assert fra.emissions_kg / usa.emissions_kg == pytest.approx(grid_fra.g_per_kwh / grid_usa.g_per_kwh,
                                                                rel=1e-9)


def _damage(path, how):
    text = path.read_text()
    if how == "truncate":
        path.write_text(text[: len(text) // 2])
    elif how == "garbage":
        path.write_bytes(b"\x00\xff not json")
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "wrong_settings":
        payload = json.loads(text)
        payload["key_material"]["settings"] = {"s": 2}
        path.write_text(json.dumps(payload))
    elif how == "no_result":
        payload = json.loads(text)
        del payload["result"]
        path.write_text(json.dumps(payload))
    elif how == "empty_result":
        payload = json.loads(text)
        payload["result"] = {}
        path.write_text(json.dumps(payload))
    elif how == "wrong_type":
        payload = json.loads(text)
        payload["result"]["energy_kwh"] = "lots"
        path.write_text(json.dumps(payload))
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "wrong_settings", "no_result",
                                    "empty_result", "wrong_type"])
def test_unusable_file_is_named_moved_aside_and_recomputed(st, damage):
    settings = {"s": 1}
    first = measure.measure_repeated(lambda: sum(range(500)), repeats=2, min_seconds=0.02)
    decode = measure.Measurement.from_dict
    st.get_or_compute("exp", settings, lambda: first, decode=decode)
    path = st.path("exp", st.key("exp", settings))
    _damage(path, damage)
    second = measure.measure_repeated(lambda: sum(range(500)), repeats=3, min_seconds=0.02)
    with pytest.warns(CorruptResultWarning, match="recomputed") as caught:
        out = st.get_or_compute("exp", settings, lambda: second, decode=decode)
    assert str(path) in str(caught[0].message)          # the warning names the file
    assert out.repeats == 3  # recomputed, the damaged value is never served
    aside = list(path.parent.glob(path.name + ".corrupt-*"))
    assert len(aside) == 1  # nothing lost: the damaged file is kept for inspection
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert st.get_or_compute("exp", settings, lambda: first, decode=decode).repeats == 3


def test_writes_are_atomic(st, monkeypatch):
    st.save("exp", {"s": 1}, {"v": 1})
    path = st.path("exp", st.key("exp", {"s": 1}))

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.warns(NotSavedNotice, match="disk full"):
        assert st.save("exp", {"s": 1}, {"v": 2}) is None
    assert json.loads(path.read_text())["result"] == {"v": 1}
    assert not list(path.parent.glob(".*.tmp"))


def test_unstorable_values_are_refused(st):
    with pytest.raises(TypeError, match="cannot store"):
        st.save("exp", {"s": 1}, {"f": object()})


def test_a_result_that_cannot_be_saved_is_returned_with_a_notice(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file")
    monkeypatch.setenv("MLFOOTPRINT_DATA", str(blocker))
    calls = []
    with pytest.warns(NotSavedNotice, match="MLFOOTPRINT_DATA"):
        out = ResultStore().get_or_compute("exp", {"s": 1}, lambda: calls.append(1) or {"v": 42})
    assert out == {"v": 42} and calls == [1]
    with pytest.raises(DataDirError, match="MLFOOTPRINT_DATA"):
        data_dir()
    monkeypatch.setenv("MLFOOTPRINT_DATA", "")
    with pytest.raises(DataDirError, match="MLFOOTPRINT_DATA is set but empty"):
        data_dir()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
def test_read_only_folder_keeps_the_result(st, tmp_data):  # pragma: no cover - not as root
    (tmp_data / "results").mkdir(parents=True)
    os.chmod(tmp_data / "results", 0o500)
    with pytest.warns(NotSavedNotice):
        assert st.get_or_compute("exp", {"s": 1}, lambda: {"v": 1}) == {"v": 1}


# ----------------------------------------------------------------------------------------
# Artefacts
# ----------------------------------------------------------------------------------------
def _make_linear(seed=0, n_in=3):
    def make():
        torch.manual_seed(seed)
        model = torch.nn.Linear(n_in, 2)
        _, rec = measure.measure_once(lambda: None, label="fit")
        return model, TrainedRun("linear", "test", {"seed": seed}, 8, rec)
    return make


def _keep(st, settings, make, calls=None):
    def counted():
        if calls is not None:
            calls.append(1)
        return make()
    return st.keep("models", settings, make=counted, save=store.save_module,
                   load=store.load_module(lambda: torch.nn.Linear(3, 2)), code=(__name__,),
                   decode=TrainedRun.from_dict)


def test_keep_makes_once_then_loads(st):
    calls = []
    model, rec = _keep(st, {"seed": 0}, _make_linear(), calls)
    again, rec2 = _keep(st, {"seed": 0}, _make_linear(), calls)
    assert calls == [1]
    assert torch.equal(model.weight, again.weight) and rec2.label == "linear"
    folder = st.artefact_folder("models", {"seed": 0}, code=(__name__,))
    assert (folder / store.WEIGHTS_FILE).is_file() and (folder / store.RECORD_FILE).is_file()


def _other_model_weights(path):
    torch.save(torch.nn.Linear(5, 7).state_dict(), path)


def _same_shape_other_weights(path):
    torch.manual_seed(123)
    torch.save(torch.nn.Linear(3, 2).state_dict(), path)


@pytest.mark.parametrize("damage", ["garbage", "half", "empty", "deleted", "other_model",
                                    "same_shape_other_weights", "record_garbage", "record_empty_result"])
def test_damaged_artefact_is_named_moved_aside_and_rebuilt(st, damage):
    calls = []
    _keep(st, {"seed": 0}, _make_linear(), calls)
    folder = st.artefact_folder("models", {"seed": 0}, code=(__name__,))
    weights, record = folder / store.WEIGHTS_FILE, folder / store.RECORD_FILE
    data = weights.read_bytes()
    if damage == "garbage":
        weights.write_bytes(os.urandom(len(data)))
    elif damage == "half":
        weights.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        weights.write_bytes(b"")
    elif damage == "deleted":
        weights.unlink()
    elif damage == "other_model":
        _other_model_weights(weights)
    elif damage == "same_shape_other_weights":
        _same_shape_other_weights(weights)
    elif damage == "record_garbage":
        record.write_text("{ not json")
    else:
        payload = json.loads(record.read_text())
        payload["result"] = {}
        record.write_text(json.dumps(payload))
    with pytest.warns(CorruptResultWarning) as caught:
        model, rec = _keep(st, {"seed": 0}, _make_linear(), calls)
    assert any(str(folder) in str(w.message) for w in caught)
    assert calls == [1, 1] and isinstance(model, torch.nn.Linear) and rec.label == "linear"
    assert list(folder.parent.glob(folder.name + ".corrupt-*"))   # kept for inspection
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _keep(st, {"seed": 0}, _make_linear(), calls)   # intact again: loaded, no warning
    assert calls == [1, 1]


def test_artefact_that_cannot_be_saved_is_returned(st, monkeypatch):
    def no_save(artefact, folder):
        raise PermissionError("read-only file system")

    with pytest.warns(NotSavedNotice, match="read-only"):
        model, rec = st.keep("models", {"s": 1}, make=_make_linear(), save=no_save,
                             load=store.load_module(lambda: torch.nn.Linear(3, 2)))
    assert isinstance(model, torch.nn.Linear) and rec["label"] == "linear"


def _keep_in_child(root, queue):
    st = ResultStore(root)
    _, rec = _keep(st, {"seed": 0}, _make_linear())
    queue.put(rec.label)


def test_two_processes_making_the_same_artefact_both_finish(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_keep_in_child, args=(tmp_path / "results", queue)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0, 0]
    assert sorted(queue.get(timeout=5) for _ in procs) == ["linear", "linear"]
    st = ResultStore(tmp_path / "results")
    calls = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # the stored artefact is intact: no warning
        _keep(st, {"seed": 0}, _make_linear(), calls)
    assert calls == []
    assert not list((tmp_path / "results" / "models").glob(".*tmp"))


def test_manifest_detects_every_change(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"abc")
    files = store.manifest(tmp_path)
    store.check_manifest(tmp_path, files)
    (tmp_path / "a.bin").write_bytes(b"abd")
    with pytest.raises(ValueError, match="SHA-256"):
        store.check_manifest(tmp_path, files)
    (tmp_path / "a.bin").write_bytes(b"ab")
    with pytest.raises(ValueError, match="bytes"):
        store.check_manifest(tmp_path, files)
    with pytest.raises(ValueError, match="no files"):
        store.check_manifest(tmp_path, {})
