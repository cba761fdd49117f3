"""Bad input to the classifier library, tried as a new user would: each case gets an error
of the right type whose message names the argument (and what is allowed), before any work
is done; numpy numbers are accepted wherever a Python number is."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlfootprint import classify, mnist
from mlfootprint.classify import TrainConfig

RUN = classify.synthetic_run("MLP 16", [0.8, 0.9, 0.9], 1.0, 0.1)
CFG = TrainConfig("MLP", (16,), epochs=1, source="bundled", n_train=256, n_test=128, eval_train_size=128)

CASES = [
    # (case id, call, exception, words the message must contain)
    ("family unknown", lambda: TrainConfig("RNN", (8,)), ValueError, ["family", "'RNN'", "MLP"]),
    ("family not a string", lambda: TrainConfig(3, (8,)), ValueError, ["family"]),
    ("sizes a string", lambda: TrainConfig("MLP", "64"), TypeError, ["sizes", "'64'"]),
    ("sizes None", lambda: TrainConfig("MLP", None), TypeError, ["sizes"]),
    ("sizes a float", lambda: TrainConfig("MLP", (3.5,)), TypeError, ["sizes[0]", "3.5"]),
    ("sizes a bool", lambda: TrainConfig("MLP", (True,)), TypeError, ["sizes[0]"]),
    ("sizes zero", lambda: TrainConfig("MLP", (0,)), ValueError, ["sizes[0]", "from 1"]),
    ("sizes negative numpy", lambda: TrainConfig("CNN", (np.int64(-3),)), ValueError, ["sizes[0]", "-3"]),
    ("sizes a billion", lambda: TrainConfig("MLP", (10 ** 9,)), ValueError, ["sizes[0]", "65,536"]),
    ("sizes too many parameters", lambda: TrainConfig("MLP", (20_000, 20_000)), ValueError,
     ["sizes", "parameters", "50,000,000"]),
    ("sizes too deep", lambda: TrainConfig("CNN", (4,) * 33), ValueError, ["sizes", "33"]),
    ("CNN without layers", lambda: TrainConfig("CNN", ()), ValueError, ["sizes", "CNN"]),
    ("labels as strings", lambda: TrainConfig("MLP", ["3"]), TypeError, ["sizes[0]", "'3'"]),
    ("sizes list of huge", lambda: TrainConfig("MLP", [10 ** 20]), ValueError, ["sizes[0]"]),
    ("epochs zero", lambda: CFG.with_(epochs=0), ValueError, ["epochs", "0"]),
    ("epochs numpy negative", lambda: CFG.with_(epochs=np.int64(-3)), ValueError, ["epochs", "-3"]),
    ("epochs a float", lambda: CFG.with_(epochs=2.5), TypeError, ["epochs", "2.5"]),
    ("epochs a million", lambda: CFG.with_(epochs=10 ** 6), ValueError, ["epochs", "1,000"]),
    ("lr negative", lambda: CFG.with_(lr=-1.0), ValueError, ["lr", "-1"]),
    ("lr zero", lambda: CFG.with_(lr=0), ValueError, ["lr"]),
    ("lr nan", lambda: CFG.with_(lr=float("nan")), ValueError, ["lr", "nan"]),
    ("lr infinite", lambda: CFG.with_(lr=float("inf")), ValueError, ["lr", "inf"]),
    ("lr a string", lambda: CFG.with_(lr="fast"), TypeError, ["lr", "'fast'"]),
    ("lr absurd", lambda: CFG.with_(lr=1e9), ValueError, ["lr"]),
    ("batch_size float", lambda: CFG.with_(batch_size=2.5), TypeError, ["batch_size"]),
    ("batch_size numpy negative", lambda: CFG.with_(batch_size=np.int64(-3)), ValueError, ["batch_size", "-3"]),
    ("batch_size too big for the layer", lambda: CFG.with_(batch_size=10 ** 6, sizes=(4096,)), ValueError,
     ["batch_size", "GB"]),
    ("seed negative", lambda: CFG.with_(seed=-1), ValueError, ["seed", "-1"]),
    ("seed numpy negative", lambda: CFG.with_(seed=np.int64(-3)), ValueError, ["seed", "-3"]),
    ("seed 2**64", lambda: CFG.with_(seed=2 ** 64), ValueError, ["seed", "18,446,744,073,709,551,615"]),
    ("seed a string", lambda: CFG.with_(seed="0"), TypeError, ["seed"]),
    ("source unknown", lambda: CFG.with_(source="web"), ValueError, ["source", "'web'", "bundled"]),
    ("n_train zero", lambda: CFG.with_(n_train=0), ValueError, ["n_train"]),
    ("n_train a billion", lambda: CFG.with_(n_train=10 ** 9), ValueError, ["n_train", "10,000,000"]),
    ("n_test float", lambda: CFG.with_(n_test=1.5), TypeError, ["n_test"]),
    ("eval_train_size zero", lambda: CFG.with_(eval_train_size=0), ValueError, ["eval_train_size"]),
    ("device unknown", lambda: CFG.with_(device="tpu"), ValueError, ["device", "'tpu'", "cuda"]),
    ("optimizer unknown", lambda: CFG.with_(optimizer="lion"), ValueError, ["optimizer", "'lion'", "adam"]),
    ("threads zero", lambda: CFG.with_(threads=0), ValueError, ["threads", "0"]),
    ("threads float", lambda: CFG.with_(threads=1.5), TypeError, ["threads"]),
    ("val_size negative", lambda: CFG.with_(val_size=-1), ValueError, ["val_size"]),
    ("val_size all training images", lambda: CFG.with_(val_size=256), ValueError, ["val_size", "n_train=256"]),
    ("patience without validation", lambda: CFG.with_(patience=2), ValueError, ["patience=2", "val_size"]),
    ("patience zero", lambda: CFG.with_(val_size=10, patience=0), ValueError, ["patience"]),
    ("eval_every zero", lambda: CFG.with_(eval_every=0), ValueError, ["eval_every"]),
    ("min_delta above one", lambda: CFG.with_(min_delta=2.0), ValueError, ["min_delta"]),
    ("unknown setting", lambda: CFG.with_(epoch=3), TypeError, ["epoch", "has no setting"]),
    ("tracking_mode is not a setting", lambda: CFG.with_(tracking_mode="machine"), TypeError,
     ["tracking_mode"]),
    ("build_model family", lambda: classify.build_model("RNN", (8,)), ValueError, ["family"]),
    ("MLP hidden string", lambda: classify.MLP("64"), TypeError, ["hidden"]),
    ("CNN channels zero", lambda: classify.CNN((0,)), ValueError, ["channels[0]"]),
    ("choose_device unknown", lambda: classify.choose_device("gpu"), ValueError, ["device", "'gpu'"]),
    ("train_classifier a dict", lambda: classify.train_classifier({"family": "MLP"}), TypeError,
     ["config", "TrainConfig", "dict"]),
    ("train_sweep a dict inside", lambda: classify.train_sweep([CFG, {"family": "MLP"}]), TypeError,
     ["configs[1]", "TrainConfig"]),
    ("data_for a dict", lambda: classify.data_for({"source": "bundled"}), TypeError, ["config"]),
    ("predict wrong shape", lambda: classify.predict(classify.MLP((4,)), torch.zeros(3, 28, 28)), ValueError,
     ["x", "(N, 1, 28, 28)"]),
    ("predict a list", lambda: classify.predict(classify.MLP((4,)), [[0.0]]), ValueError, ["x"]),
    ("predict batch_size zero", lambda: classify.predict(classify.MLP((4,)), torch.zeros(2, 1, 28, 28), 0),
     ValueError, ["batch_size"]),
    ("evaluate no images", lambda: classify.evaluate(classify.MLP((4,)), torch.zeros(0, 1, 28, 28),
                                                     torch.zeros(0, dtype=torch.long)), ValueError, ["image"]),
    ("torch_threads zero", lambda: classify.torch_threads(0).__enter__(), ValueError, ["threads"]),
    ("upto beyond the run", lambda: classify.upto(RUN, 4), ValueError, ["epochs", "1 to 3"]),
    ("upto a float", lambda: classify.upto(RUN, 1.5), TypeError, ["epochs"]),
    ("upto a dict", lambda: classify.upto({"history": [1]}, 1), TypeError, ["run", "TrainedRun"]),
    ("totals a dict", lambda: classify.totals({"history": []}), TypeError, ["run", "TrainedRun"]),
    ("best no runs", lambda: classify.best([]), ValueError, ["runs"]),
    ("best unknown family", lambda: classify.best([RUN], "RNN"), ValueError, ["'RNN'"]),
    ("cheapest level above one", lambda: classify.cheapest([RUN], 1.5), ValueError, ["min_accuracy"]),
    ("cheapest level a string", lambda: classify.cheapest([RUN], "high"), TypeError, ["min_accuracy"]),
    ("pareto a string cost", lambda: classify.pareto_front([("a", 0.9)]), TypeError, ["points[0] cost"]),
    ("confusion lengths", lambda: classify.confusion_matrix([0, 1], [0]), ValueError, ["y", "pred", "length"]),
    ("confusion labels strings", lambda: classify.confusion_matrix(["3"], ["3"]), ValueError, ["y", "integer"]),
    ("confusion labels too big", lambda: classify.confusion_matrix([0], [10 ** 20]), ValueError, ["pred"]),
    ("top_confusions n zero", lambda: classify.top_confusions(np.eye(3), 0), ValueError, ["n"]),
    ("epoch_windows phase", lambda: classify.epoch_windows(RUN, "test"), ValueError, ["phase", "'test'"]),
    ("learning_state last zero", lambda: classify.learning_state(RUN, 0), ValueError, ["last"]),
    ("learning_state last beyond", lambda: classify.learning_state(RUN, 9), ValueError, ["last"]),
    ("learning_state tolerance", lambda: classify.learning_state(RUN, 1, tolerance=2), ValueError,
     ["tolerance"]),
    ("learning_state one epoch", lambda: classify.learning_state(classify.synthetic_run("x", [0.9], 1.0)),
     ValueError, ["only once"]),
    ("Training not a config", lambda: classify.Training({"family": "MLP"}), TypeError, ["config", "TrainConfig"]),
    ("inference_pairs not a config", lambda: classify.inference_pairs(CFG, "CNN 8-16"), TypeError,
     ["config_b", "TrainConfig"]),
    ("inference_pairs batch zero", lambda: classify.inference_pairs(CFG, CFG, batch_size=0), ValueError,
     ["batch_size"]),
    ("inference_pairs pairs zero", lambda: classify.inference_pairs(CFG, CFG, pairs=0), ValueError, ["pairs"]),
    ("inference_pairs threads differ", lambda: classify.inference_pairs(CFG, CFG.with_(threads=2)), ValueError,
     ["same threads"]),
    ("synthetic_run no epochs", lambda: classify.synthetic_run("x", [], 1.0), ValueError, ["test_accs"]),
    ("synthetic_run negative energy", lambda: classify.synthetic_run("x", [0.9], -1.0), ValueError, ["train_kwh"]),
    ("measure_inference batch zero", lambda: classify.measure_inference(CFG, batch_size=0), ValueError,
     ["batch_size"]),
    ("measure_inference repeats", lambda: classify.measure_inference(CFG, repeats=10 ** 6), ValueError,
     ["repeats", "1,000"]),
    ("measure_inference min_seconds", lambda: classify.measure_inference(CFG, min_seconds=1e6), ValueError,
     ["min_seconds"]),
    ("load_mnist max_train float", lambda: mnist.load_mnist("bundled", max_train=2.5), TypeError, ["max_train"]),
    ("load_mnist max_test zero", lambda: mnist.load_mnist("bundled", max_test=0), ValueError, ["max_test"]),
]


@pytest.mark.parametrize("call, exc, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_error(tmp_data, call, exc, words):
    with pytest.raises(exc) as caught:
        call()
    message = str(caught.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    # checked before any work: nothing was trained or stored
    assert not (tmp_data / "results").exists()


def test_the_table_is_large():
    assert len(CASES) >= 60


def test_numpy_scalars_work_everywhere_a_number_does(tmp_data):
    config = TrainConfig("MLP", (np.int64(8),), epochs=np.int64(1), lr=np.float32(0.003), seed=np.int64(0),
                         batch_size=np.int64(32), source="bundled", n_train=np.int64(128), n_test=np.int64(64),
                         eval_train_size=np.int64(64))
    run = classify.train_classifier(config, progress=False, cache=False)
    assert run.settings["n_train"] == 128 and isinstance(run.settings["lr"], float)
    assert classify.upto(run, np.int64(1)) is run
    assert classify.cheapest([run], np.float32(0.0)) is run
    data = classify.data_for(config)
    model = classify.build_model("MLP", (np.int64(8),))
    assert len(classify.predict(model, data.x_test, batch_size=np.int64(16))) == 64
    assert mnist.load_mnist("bundled", max_train=np.int64(10), verbose=False).n_train == 10
