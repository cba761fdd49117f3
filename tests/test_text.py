"""Text models: loading paths, fill-in-the-blank, generation, pre-training, on tiny models built here."""

from __future__ import annotations

import http.server
import threading
import time
from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from mlfootprint import corpus, textmodels as tm  # noqa: E402

SENTENCES = [
    "The if statement is used for conditional execution.",
    "A function returns a value to the caller.",
    "The for statement is used to iterate over the elements of a sequence.",
    "An object is an instance of a class.",
    "The while statement is used for repeated execution as long as an expression is true.",
    "Names refer to objects and are introduced by name binding operations.",
] * 4


@pytest.fixture(autouse=True)
def no_forced_offline(monkeypatch):
    for name in (tm.OFFLINE_ENV, "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def tiny_bert_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-bert")
    tok = tm.train_wordpiece(SENTENCES, 120)
    config = transformers.BertConfig(vocab_size=len(tok), hidden_size=16, num_hidden_layers=1,
                                     num_attention_heads=2, intermediate_size=32,
                                     max_position_embeddings=64, pad_token_id=tok.pad_token_id)
    torch.manual_seed(0)
    transformers.BertForMaskedLM(config).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_gpt2_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-gpt2")
    tok = tm.train_wordpiece(SENTENCES, 120, bert_template=False)
    config = transformers.GPT2Config(vocab_size=len(tok), n_positions=32, n_embd=16, n_layer=1, n_head=2,
                                     eos_token_id=tok.eos_token_id, bos_token_id=tok.eos_token_id,
                                     pad_token_id=tok.pad_token_id)
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(config)
    with torch.no_grad():  # make end-of-text very unlikely, so lengths can be checked exactly
        model.lm_head.weight[tok.eos_token_id] = 0.0
        model.transformer.wte.weight[tok.eos_token_id] = 0.0
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture
def unreachable_hub(monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: refused at once


# ---------------------------------------------------------------------------- loading
def test_local_folder_loads_through_the_same_path(tiny_bert_folder, tiny_gpt2_folder):
    bert = tm.load_model(str(tiny_bert_folder), "fill-mask")
    gpt = tm.load_model(tiny_gpt2_folder, "generation")
    assert bert.source == "local folder" and gpt.source == "local folder"
    assert bert.n_parameters == sum(p.numel() for p in bert.model.parameters()) > 0
    assert gpt.task == "generation" and gpt.tokenizer.pad_token_id is not None


def test_unreachable_hub_falls_back_quickly_and_says_so(tiny_gpt2_folder, unreachable_hub, capsys):
    start = time.perf_counter()
    lm = tm.load_model("gpt2", "generation", fallback=tiny_gpt2_folder)
    assert time.perf_counter() - start < 10
    assert lm.source == "embedded" and lm.offline
    assert "unreachable" in lm.note and "gpt2" in lm.note
    assert "embedded" in capsys.readouterr().out


def test_offline_can_be_forced(tiny_bert_folder, monkeypatch):
    monkeypatch.setenv(tm.OFFLINE_ENV, "1")
    lm = tm.load_model("bert-base-uncased", "fill-mask", fallback=tiny_bert_folder, verbose=False)
    assert lm.source == "embedded" and "forced" in lm.note
    lm2 = tm.load_model("bert-base-uncased", "fill-mask", offline=True, fallback=tiny_bert_folder,
                        verbose=False)
    assert lm2.source == "embedded"


class _NotFound(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_unknown_hub_id_is_a_clear_error(monkeypatch):
    server = http.server.HTTPServer(("127.0.0.1", 0), _NotFound)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
        with pytest.raises(ValueError, match="unknown model id 'no-such-model-xyz'"):
            tm.load_model("no-such-model-xyz", "generation")
    finally:
        server.shutdown()


@pytest.mark.parametrize("spec, error, match", [
    ("not a valid id!", ValueError, "neither an existing folder nor a valid"),
    ("./no/such/folder", FileNotFoundError, "does not exist"),
    ("", TypeError, "hub id"),
    (42, TypeError, "hub id"),
])
def test_bad_specs(spec, error, match, unreachable_hub):
    with pytest.raises(error, match=match):
        tm.load_model(spec, "generation")


def test_folder_without_config_and_bad_task(tmp_path):
    with pytest.raises(ValueError, match="no config.json"):
        tm.load_model(str(tmp_path), "fill-mask")
    with pytest.raises(ValueError, match="task must be one of"):
        tm.load_model(str(tmp_path), "translation")


def test_trust_remote_code_is_never_enabled(tiny_gpt2_folder, monkeypatch):
    seen = []
    original = transformers.AutoModelForCausalLM.from_pretrained

    def spy(*args, **kwargs):
        seen.append(kwargs.get("trust_remote_code"))
        return original(*args, **kwargs)

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", spy)
    tm.load_model(tiny_gpt2_folder, "generation")
    assert seen == [False]


# ---------------------------------------------------------------------------- fill-mask
def test_fill_mask_probabilities_sorted_and_at_most_one(tiny_bert_folder):
    lm = tm.load_model(tiny_bert_folder, "fill-mask")
    result = tm.fill_mask(lm, "The [MASK] statement is used for [MASK] execution.", top_k=7)
    assert len(result.predictions) == 2
    for preds in result.predictions:
        probs = [p["probability"] for p in preds]
        assert len(probs) == 7
        assert all(0 <= p <= 1 for p in probs)
        assert probs == sorted(probs, reverse=True)
        assert sum(probs) <= 1 + 1e-6


def test_fill_mask_explains_a_missing_blank_and_bad_model(tiny_bert_folder, tiny_gpt2_folder):
    lm = tm.load_model(tiny_bert_folder, "fill-mask")
    with pytest.raises(ValueError, match=r"no blank.*\[MASK\]"):
        tm.fill_mask(lm, "There is nothing to fill in here.")
    with pytest.raises(ValueError, match="top_k"):
        tm.fill_mask(lm, "The [MASK] statement.", top_k=0)
    gen = tm.load_model(tiny_gpt2_folder, "generation")
    with pytest.raises(ValueError, match="needs a fill-mask model"):
        tm.fill_mask(gen, "The [MASK] statement.")


# ---------------------------------------------------------------------------- generation
@pytest.mark.parametrize("n", [1, 5, 12])
def test_max_new_tokens_is_honoured_and_only_new_tokens_count(tiny_gpt2_folder, n):
    lm = tm.load_model(tiny_gpt2_folder, "generation")
    prompt = "The if statement is"
    n_prompt = len(lm.tokenizer(prompt)["input_ids"])
    result = tm.generate(lm, prompt, n, temperature=0.9, seed=3)
    assert result.n_prompt_tokens == n_prompt
    if not result.stopped_at_eos:
        assert result.n_new_tokens == n
    exact = tm.generate(lm, prompt, n, stop_at_eos=False)
    assert exact.n_new_tokens == n and not exact.stopped_at_eos


def test_sampling_is_seeded(tiny_gpt2_folder):
    lm = tm.load_model(tiny_gpt2_folder, "generation")
    a = tm.generate(lm, "A function", 8, temperature=1.5, top_k=50, top_p=0.95, seed=11)
    b = tm.generate(lm, "A function", 8, temperature=1.5, top_k=50, top_p=0.95, seed=11)
    assert a.new_text == b.new_text


def test_long_prompt_is_truncated_with_a_note(tiny_gpt2_folder):
    lm = tm.load_model(tiny_gpt2_folder, "generation")
    long_prompt = " ".join(SENTENCES)  # far more than the 32 positions
    result = tm.generate(lm, long_prompt, 6, stop_at_eos=False)
    assert result.truncated and "last" in result.note
    assert result.n_prompt_tokens + result.n_new_tokens <= tm.context_size(lm)
    assert result.n_new_tokens == 6
    with pytest.raises(ValueError, match="leaves no room"):
        tm.generate(lm, "A function", 32)


@pytest.mark.parametrize("kwargs, match", [
    ({"max_new_tokens": 0}, "max_new_tokens"),
    ({"temperature": -1}, "temperature"),
    ({"top_p": 0}, "top_p"),
    ({"top_k": 0}, "top_k"),
    ({"seed": -2}, "seed"),
])
def test_generation_settings_are_checked(tiny_gpt2_folder, kwargs, match):
    lm = tm.load_model(tiny_gpt2_folder, "generation")
    with pytest.raises(ValueError, match=match):
        tm.generate(lm, "A function", **{"max_new_tokens": 4, **kwargs})
    with pytest.raises(ValueError, match="non-empty"):
        tm.generate(lm, "  ", 4)


# ---------------------------------------------------------------------------- pre-training
def test_corpus_is_named_licensed_and_split():
    c = corpus.load_corpus()
    assert "PSF" in c.licence and c.n_words > 10_000
    assert c.train and c.heldout and not set(c.train) & set(c.heldout)


def test_pretraining_is_cached_under_data_with_its_measurement(tmp_data, monkeypatch):
    small = dict(vocab_size=300, hidden=16, layers=1, heads=2, intermediate=32, seq_len=32,
                 batch_size=4, steps=3)
    first = tm.course_minibert(small, progress=False)
    assert first.folder.is_dir() and str(tmp_data) in str(first.folder)
    assert first.record.energy_kwh > 0 and first.record.duration_s > 0
    ev = first.evaluation
    assert 0 <= ev["top5"] <= 1 and ev["top1"] <= ev["top5"] and ev["n_masked_words"] > 0
    assert len(first.losses) == 3
    monkeypatch.setattr(tm, "pretrain_masked_lm", lambda *a, **k: pytest.fail("retrained"))
    again = tm.course_minibert(small, progress=False)
    assert again.evaluation == first.evaluation and again.folder == first.folder
    lm = tm.load_model(str(first.folder), "fill-mask")
    assert lm.name == tm.MINIBERT_NAME
    with pytest.raises(ValueError, match="unknown pre-training setting"):
        tm.course_minibert({"epochs": 3})


def test_line_fit_recovers_a_slope():
    fake = [SimpleNamespace(settings={"n_tokens": n}, energy_j=2.0 + 0.5 * n) for n in (4, 8, 16)]
    fit = tm.fit_energy_per_token(fake)
    assert fit.slope_j_per_token == pytest.approx(0.5) and fit.intercept_j == pytest.approx(2.0)
    with pytest.raises(ValueError):
        tm.fit_energy_per_token(fake[:1])


def test_masked_word_evaluation_matches_a_plain_forward_pass(tiny_bert_folder):
    lm = tm.load_model(tiny_bert_folder, "fill-mask")
    model, tok = lm.model, lm.tokenizer
    sentences = SENTENCES[:6]
    words = torch.tensor([tm._whole_word(tok, i) for i in range(len(tok))])
    baseline = [i for i in range(len(tok)) if words[i]][:5]
    ev = tm.evaluate_masked_words(model, tok, sentences, baseline, batch_size=3)
    n = top1 = top5 = base5 = 0
    with torch.inference_mode():
        for sentence in sentences:  # one example at a time, no padding, full logits
            ids = tok(sentence)["input_ids"]
            for pos in range(1, len(ids) - 1):
                if not tm._whole_word(tok, ids[pos]) or tok.convert_ids_to_tokens(ids[pos + 1]).startswith("##"):
                    continue
                masked = torch.tensor([ids[:pos] + [tok.mask_token_id] + ids[pos + 1:]])
                logits = model(input_ids=masked).logits[0, pos].masked_fill(~words, float("-inf"))
                best = logits.topk(5).indices.tolist()
                n, top1, top5 = n + 1, top1 + (best[0] == ids[pos]), top5 + (ids[pos] in best)
                base5 += ids[pos] in baseline
    assert ev["n_masked_words"] == n > 0
    assert ev["top1"] == pytest.approx(top1 / n) and ev["top5"] == pytest.approx(top5 / n)
    assert ev["baseline_top5"] == pytest.approx(base5 / n)


@pytest.mark.parametrize("bad", [{"dropout": 1.5}, {"init_range": 0}, {"threads": 0}, {"grad_clip": -1},
                                 {"lr": 2}])
def test_pretraining_settings_are_checked(bad):
    with pytest.raises(ValueError):
        tm._pretrain_settings(bad)
