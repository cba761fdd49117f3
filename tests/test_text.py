"""Text models: loading paths, fill-in-the-blank and generation, on tiny models built here."""

from __future__ import annotations

import http.server
import shutil
import threading

import numpy as np
import pytest
import torch
import transformers

from mlfootprint import textmodels as tm
from mlfootprint.notices import ClippedNotice, FallbackNotice
from mlfootprint.textmodels.evaluation import whole_word
from textfixtures import (SENTENCES, bert, gpt, no_forced_offline, tiny_bert_folder,  # noqa: F401
                          tiny_gpt2_folder, unreachable_hub)


# ---------------------------------------------------------------------------- loading
def test_local_folder_loads_through_the_same_path(tiny_bert_folder, tiny_gpt2_folder):
    bert = tm.load_model(str(tiny_bert_folder), "fill-mask")
    gpt = tm.load_model(tiny_gpt2_folder, "generation")
    assert bert.source == "local folder" and gpt.source == "local folder"
    assert bert.n_parameters == sum(p.numel() for p in bert.model.parameters()) > 0
    assert gpt.task == "generation" and gpt.tokenizer.pad_token_id is not None


def test_unreachable_hub_falls_back_and_says_so(tiny_gpt2_folder, unreachable_hub, capsys):
    with pytest.warns(FallbackNotice, match="could not be reached"):
        lm = tm.load_model("gpt2", "generation", fallback=tiny_gpt2_folder)
    assert lm.source == "embedded" and lm.offline
    assert "could not be reached" in lm.note and "gpt2" in lm.note
    # the note is for a reader; the cause (a refused connection) goes to standard error
    cause = capsys.readouterr().err
    assert "did not answer" in cause and "127.0.0.1:9" in cause
    assert "Errno" not in lm.note and "127.0.0.1" not in lm.note


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


def test_trust_remote_code_is_never_enabled(tiny_gpt2_folder, monkeypatch):
    seen = []
    original = transformers.AutoModelForCausalLM.from_pretrained

    def spy(*args, **kwargs):
        seen.append(kwargs.get("trust_remote_code"))
        return original(*args, **kwargs)

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", spy)
    tm.load_model(tiny_gpt2_folder, "generation")
    assert seen == [False]


def test_a_masked_lm_is_refused_for_generation_with_the_reason(tiny_bert_folder, tiny_gpt2_folder):
    with pytest.raises(ValueError, match=r"masked language model.*cannot generate.*task='fill-mask'"):
        tm.load_model(str(tiny_bert_folder), "generation")
    with pytest.raises(ValueError, match=r"continues text.*no masked-LM head.*task='generation'"):
        tm.load_model(str(tiny_gpt2_folder), "fill-mask")


# ---------------------------------------------------------------------------- fill-mask
def test_fill_mask_probabilities_sorted_and_at_most_one(bert):
    result = tm.fill_mask(bert, "The [MASK] statement is used for [MASK] execution.", top_k=7)
    assert len(result.predictions) == 2 and not result.truncated
    for preds in result.predictions:
        probs = [p["probability"] for p in preds]
        assert len(probs) == 7
        assert all(0 <= p <= 1 for p in probs)
        assert probs == sorted(probs, reverse=True)
        assert sum(probs) <= 1 + 1e-6


def test_a_long_fill_mask_text_is_cut_to_the_context_and_says_so(bert):
    text = "The [MASK] statement is used for conditional execution. " + "x " * 35_000   # 70,000+ chars
    assert len(text) > 70_000
    with pytest.warns(ClippedNotice, match="reads at most 64"):
        result = tm.fill_mask(bert, text)
    assert result.truncated and result.n_tokens == 64 and "only its first 64" in result.note
    with pytest.raises(ValueError, match="text has .* tokens .* cut off"):
        tm.fill_mask(bert, "x " * 200 + "The [MASK] statement.")


def test_fill_mask_explains_a_missing_blank_and_bad_model(bert, gpt):
    with pytest.raises(ValueError, match=r"text has no blank.*\[MASK\]"):
        tm.fill_mask(bert, "There is nothing to fill in here.")
    with pytest.raises(ValueError, match="needs a fill-mask model"):
        tm.fill_mask(gpt, "The [MASK] statement.")


# ---------------------------------------------------------------------------- generation
@pytest.mark.parametrize("n", [1, 5, 12])
def test_max_new_tokens_is_honoured_and_only_new_tokens_count(gpt, n):
    prompt = "The if statement is"
    n_prompt = len(gpt.tokenizer(prompt)["input_ids"])
    result = tm.generate(gpt, prompt, n, temperature=0.9, seed=3)
    assert result.n_prompt_tokens == n_prompt
    if not result.stopped_at_eos:
        assert result.n_new_tokens == n
    exact = tm.generate(gpt, prompt, n, stop_at_eos=False)
    assert exact.n_new_tokens == n and not exact.stopped_at_eos


def test_sampling_is_seeded(gpt):
    a = tm.generate(gpt, "A function", 8, temperature=1.5, top_k=50, top_p=0.95, seed=11)
    b = tm.generate(gpt, "A function", 8, temperature=1.5, top_k=50, top_p=0.95, seed=11)
    assert a.new_text == b.new_text


def test_numpy_numbers_are_accepted_where_numbers_are(gpt):
    a = tm.generate(gpt, "A function", np.int64(6), temperature=np.float32(0.7), top_k=np.int32(20),
                    seed=np.int64(4), stop_at_eos=False)
    b = tm.generate(gpt, "A function", 6, temperature=0.7, top_k=20, seed=4, stop_at_eos=False)
    assert a.n_new_tokens == 6 and a.new_text == b.new_text
    assert type(a.settings["max_new_tokens"]) is int and type(a.settings["seed"]) is int


def test_long_prompt_is_truncated_with_a_note(gpt):
    long_prompt = " ".join(SENTENCES)  # far more than the 32 positions
    with pytest.warns(ClippedNotice, match="only its last"):
        result = tm.generate(gpt, long_prompt, 6, stop_at_eos=False)
    assert result.truncated and "last" in result.note
    assert result.n_prompt_tokens + result.n_new_tokens <= tm.context_size(gpt)
    assert result.n_new_tokens == 6
    short = tm.generate(gpt, long_prompt, 4, stop_at_eos=False, max_context=10, announce=False)
    assert short.n_prompt_tokens == 6


def test_a_batch_gives_exact_lengths_and_the_same_greedy_text(gpt):
    prompts = ["The if statement is", "A function", "An object is an instance of"]
    ids = tm.generate_batch(gpt, prompts, 5)
    assert [len(row) for row in ids] == [5, 5, 5]
    one = [gpt.tokenizer.decode(tm.generate_batch(gpt, [p], 5)[0]) for p in prompts]
    alone = [tm.generate(gpt, p, 5, stop_at_eos=False).new_text for p in prompts]
    assert [t.strip() for t in one] == [t.strip() for t in alone]


# ---------------------------------------------------------------------------- bad input
BAD_GENERATION = [
    ({"max_new_tokens": 0}, ValueError, "max_new_tokens"),
    ({"max_new_tokens": "8"}, TypeError, "max_new_tokens"),
    ({"max_new_tokens": 32}, ValueError, "max_new_tokens=32 leaves no room"),
    ({"temperature": -1}, ValueError, "temperature"),
    ({"temperature": float("nan")}, ValueError, "temperature"),
    ({"top_p": 0}, ValueError, "top_p"),
    ({"top_k": 0}, ValueError, "top_k"),
    ({"top_k": 2.5}, TypeError, "top_k"),
    ({"seed": -2}, ValueError, "seed"),
    ({"seed": 2**64}, ValueError, "seed"),
    ({"max_context": -5}, ValueError, "max_context must be an integer >= 2, got -5"),
    ({"max_context": True}, TypeError, "max_context"),
    ({"prompt": "  "}, ValueError, "prompt must be a non-empty string"),
    ({"prompt": None}, ValueError, "prompt"),
]


@pytest.mark.parametrize("kwargs, error, match", BAD_GENERATION)
def test_bad_generation_settings_name_the_argument(gpt, kwargs, error, match):
    args = {"prompt": "A function", "max_new_tokens": 4, **kwargs}
    with pytest.raises(error, match=match):
        tm.generate(gpt, args.pop("prompt"), **args)


BAD_LOADS = [
    ("not a valid id!", "generation", ValueError, "neither an existing folder nor a valid"),
    ("./no/such/folder", "generation", FileNotFoundError, "does not exist"),
    ("", "generation", TypeError, "spec must be"),
    (42, "generation", TypeError, "spec must be"),
    ("gpt2", "translation", ValueError, "task must be one of"),
    ("gpt2", None, ValueError, "task must be one of"),
]


@pytest.mark.parametrize("spec, task, error, match", BAD_LOADS)
def test_bad_loads_name_what_is_wrong(spec, task, error, match, unreachable_hub):
    with pytest.raises(error, match=match):
        tm.load_model(spec, task)


def test_folder_without_config_or_with_a_corrupt_course_file(tmp_path, tiny_bert_folder):
    with pytest.raises(ValueError, match="no config.json"):
        tm.load_model(str(tmp_path), "fill-mask")
    copy = tmp_path / "copy"
    shutil.copytree(tiny_bert_folder, copy)
    (copy / "course_model.json").write_text("{not json")
    with pytest.raises(tm.DamagedModelError, match="course_model.json is not valid JSON"):
        tm.load_model(str(copy), "fill-mask")


@pytest.mark.parametrize("kwargs, error, match", [
    ({"top_k": 0}, ValueError, "top_k"),
    ({"top_k": np.int64(3)}, None, None),
    ({"text": 3}, TypeError, "text must be a string"),
])
def test_bad_fill_mask_arguments(bert, kwargs, error, match):
    args = {"text": "The [MASK] statement.", **kwargs}
    if error is None:
        assert len(tm.fill_mask(bert, args.pop("text"), **args).predictions[0]) == 3
        return
    with pytest.raises(error, match=match):
        tm.fill_mask(bert, args.pop("text"), **args)


# ---------------------------------------------------------------------------- evaluation
def test_masked_word_evaluation_matches_a_plain_forward_pass(bert):
    model, tok = bert.model, bert.tokenizer
    sentences = SENTENCES[:6]
    words = torch.tensor([whole_word(tok, i) for i in range(len(tok))])
    baseline = [i for i in range(len(tok)) if words[i]][:5]
    ev = tm.evaluate_masked_words(model, tok, sentences, baseline, batch_size=3)
    n = top1 = top5 = base5 = 0
    with torch.inference_mode():
        for sentence in sentences:  # one example at a time, no padding, full logits
            ids = tok(sentence)["input_ids"]
            for pos in range(1, len(ids) - 1):
                if not whole_word(tok, ids[pos]) or tok.convert_ids_to_tokens(ids[pos + 1]).startswith("##"):
                    continue
                masked = torch.tensor([ids[:pos] + [tok.mask_token_id] + ids[pos + 1:]])
                logits = model(input_ids=masked).logits[0, pos].masked_fill(~words, float("-inf"))
                best = logits.topk(5).indices.tolist()
                n, top1, top5 = n + 1, top1 + (best[0] == ids[pos]), top5 + (ids[pos] in best)
                base5 += ids[pos] in baseline
    assert ev["n_masked_words"] == n > 0
    assert ev["top1"] == pytest.approx(top1 / n) and ev["top5"] == pytest.approx(top5 / n)
    assert ev["baseline_top5"] == pytest.approx(base5 / n)
