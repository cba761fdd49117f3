"""Text models: loading, the embedded models, fill-in-the-blank, generation and their cost.

Two kinds of language model are contrasted in the course:

- a **masked LM** (BERT-style) fills in ``[MASK]`` blanks: *one forward pass per query*;
- an **autoregressive LM** (GPT-style) continues a prompt: *one forward pass per new token*.

The package, one module per job (each imports only the ones above it in this list):

- :mod:`.common` -- names, the task check, CPU threads, memory;
- :mod:`.hub` -- is the Hugging Face Hub there (a short probe), offline switches, id checks;
- :mod:`.folders` -- the one way a model is read (refusing the wrong kind or damaged weights);
- :mod:`.pretraining`, :mod:`.evaluation` -- pre-training a small BERT and scoring its blanks;
- :mod:`.minibert` -- the course's mini-BERT, pre-trained once and kept by the store;
- :mod:`.smollm2` -- SmolLM2-135M-Instruct, de-quantized once from its GGUF file and kept;
- :mod:`.loading` -- :func:`load_model`: hub id, folder or embedded model, with notices;
- :mod:`.fillmask`, :mod:`.generation` -- the two tasks;
- :mod:`.cost` -- one query of each kind measured repeated, and the token sweep;
- :mod:`.paired` -- two queries (or a load and a query) measured in interleaved pairs;
- :mod:`.mitigation` -- batching and bf16, both sides measured in pairs, in J per generated token.

Sentences are written in the chapter, with :mod:`mlfootprint.compare` choosing the words.

The corpus of the mini-BERT is :mod:`mlfootprint.corpus`; the chapter's examples are
:mod:`mlfootprint.course.text`; published figures are :mod:`mlfootprint.published`.
Everything a chapter calls is re-exported here: ``from mlfootprint import textmodels as tm``.
"""

from .common import MASK, MINIBERT_NAME, ONLINE_DEFAULTS, SMOLLM2_NAME, TASKS, short_name, torch_threads
from .cost import measure_fill_mask, measure_generation, token_sweep
from .evaluation import evaluate_masked_words
from .fillmask import FillMaskResult, fill_mask
from .folders import DamagedModelError
from .generation import (GenerationResult, context_size, generate, generate_batch, generation_views,
                         greedy_examples, prompt_ids, score_prompt)
from .hub import HUB_TIMEOUT_S, OFFLINE_ENV, HubStatus, hub_status, offline_forced
from .loading import LoadedModel, embedded, load_folder, load_model
from .minibert import PretrainResult, course_minibert
from .mitigation import KINDS as MITIGATIONS
from .mitigation import Mitigation, measure_mitigation
from .paired import measure_pair, merged
from .pretraining import DEFAULT_PRETRAIN, bert_defaults, pretrain_masked_lm, pretrain_settings, train_wordpiece
from .smollm2 import gguf_load_record, quantization, smollm2_folder, smollm2_gguf

__all__ = [
    "MASK", "MINIBERT_NAME", "ONLINE_DEFAULTS", "SMOLLM2_NAME", "TASKS", "short_name", "torch_threads",
    "HUB_TIMEOUT_S", "OFFLINE_ENV", "HubStatus", "hub_status", "offline_forced",
    "DamagedModelError", "LoadedModel", "embedded", "load_folder", "load_model",
    "DEFAULT_PRETRAIN", "bert_defaults", "pretrain_masked_lm", "pretrain_settings", "train_wordpiece",
    "evaluate_masked_words", "PretrainResult", "course_minibert",
    "gguf_load_record", "quantization", "smollm2_folder", "smollm2_gguf",
    "FillMaskResult", "fill_mask", "GenerationResult", "context_size", "generate", "generate_batch",
    "generation_views", "greedy_examples", "prompt_ids", "score_prompt",
    "measure_fill_mask", "measure_generation", "token_sweep", "measure_pair", "merged",
    "MITIGATIONS", "Mitigation", "measure_mitigation",
]
