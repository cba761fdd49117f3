"""Published figures the course sets its own measurements against: cited, not measured here.
Every number a chapter quotes from the literature comes from here, with its source and how
the authors obtained it (hardware, protocol) as far as their paper or released code says."""

from __future__ import annotations

# -- Luccioni, Jernite & Strubell (2024), "Power Hungry Processing" ------------------------
POWER_HUNGRY_CITATION = ("Luccioni, Jernite & Strubell, \"Power Hungry Processing: Watts Driving "
                         "the Cost of AI Deployment?\", ACM FAccT 2024 (arXiv:2311.16863)")
# Table 2: mean energy per 1,000 inferences over the models tested for each task.
POWER_HUNGRY_SOURCE = f"{POWER_HUNGRY_CITATION}, Table 2 (mean per task)"
POWER_HUNGRY_HARDWARE = "one NVIDIA A100-SXM4-80GB GPU on AWS, measured with CodeCarbon"
# "ours" names the task of this course that the published figure is set against.
POWER_HUNGRY = [
    {"task": "image classification", "kwh_per_1000": 0.007, "ours": "image classification"},
    {"task": "image generation", "kwh_per_1000": 2.907, "ours": "image generation"},
    {"task": "masked language modelling (fill-mask)", "kwh_per_1000": 0.003, "ours": "fill-in-the-blank"},
    {"task": "text generation", "kwh_per_1000": 0.047, "ours": "text generation"},
]

# The abstract states the unit ("the amount of energy and carbon required to perform 1,000
# inferences on representative benchmark dataset[s]") and the hardware; the rest is read from
# the authors' scripts (one per task and dataset), which call a Hugging Face pipeline once per
# query inside one CodeCarbon task "query model" (loading tracked apart), sampling every second.
POWER_HUNGRY_CODE = {
    "repository": "https://github.com/sashavor/co2_inference",
    "commit": "6a9729129f941bfdb9ae9addb52c925b0a492ff9",
    "what": ("the authors' released experiment scripts (code/<task>/<task>_<dataset>.py); "
             "the repository's README calls the work 'Towards Sustainable Inference', the "
             "paper's earlier title"),
}
POWER_HUNGRY_COMMON = {
    "queries": 1000,            # abstract; and complete[:1000] / dset.take(1000) in every script
    "batch_size": 1,            # every script calls the pipeline on one input at a time
    "tracker_interval_s": 1,    # EmissionsTracker(measure_power_secs=1)
    "loading_tracked_apart": True,
    "repeats_stated": False,    # each script runs each model once per dataset; no repeats said
    # EmissionsTracker(project_name=..., measure_power_secs=1, ...) is built without a
    # tracking_mode in every script, so CodeCarbon's default applies: "machine" (the whole
    # machine's power, not the process's share). The course measures in "process" mode.
    "tracking_mode": "machine",
}
POWER_HUNGRY_PROTOCOL = {
    "image classification": {
        "input": "one image resized to 640×480 pixels (RGB) per query",
        "models": "the 8 most downloaded image-classification models of the Hugging Face Hub",
        "scripts": ["code/image_class/image_class_imagenet.py",
                    "code/image_class/image_class_cifar10.py",
                    "code/image_class/image_class_cifar100.py"],
        "not_stated": [],
    },
    "image generation": {
        "input": "one text prompt (its first 50 words) per query, one image drawn per prompt",
        "models": ("text-to-image diffusion pipelines: the most downloaded of the Hugging Face "
                   "Hub and two small distilled ones, each running its own number of denoising "
                   "steps (one pass of a large network per step)"),
        "scripts": ["code/tti/tti_diffusiondb.py", "code/tti/tti_imagereward.py",
                    "code/tti/tti_sd_prompts.py"],
        "not_stated": ["image resolution and number of denoising steps (each diffusion "
                       "pipeline's own defaults are used)"],
    },
    "masked language modelling (fill-mask)": {
        "input": "the first 20 words of a text, the last word replaced by the mask token",
        "models": "the 8 most downloaded English fill-mask models of the Hugging Face Hub",
        "words": 20,
        "scripts": ["code/fillmask/fillmask_c4.py", "code/fillmask/fillmask_bookcorpus.py",
                    "code/fillmask/fillmask_oscar.py"],
        "not_stated": [],
    },
    "text generation": {
        "input": "the first 20 words of a text as the prompt, 10 new tokens per query",
        "models": ("up to 8 of the 15 most downloaded text-generation models of the Hugging "
                   "Face Hub"),
        "words": 20,
        "new_tokens": 10,      # pipeline("text-generation", ..., max_new_tokens=10)
        "scripts": ["code/textgen/textgen_wikitext.py", "code/textgen/textgen_bookcorpus.py",
                    "code/textgen/textgen_oscar.py"],
        "not_stated": ["whether decoding was greedy or sampled (each model's default "
                       "generation settings are used)",
                       "whether every answer reached 10 tokens (max_new_tokens is a ceiling)"],
    },
}

# -- Strubell, Ganesh & McCallum (2019), ACL, Table 3: BERT-base pre-training ---------------
BERT_BASE = {
    "source": ("Strubell, Ganesh and McCallum (2019), 'Energy and Policy Considerations for Deep "
               "Learning in NLP', ACL 2019, Table 3"),
    "hardware": "64 V100 GPUs for 79 hours (NVIDIA's reported BERT-base set-up)",
    "energy_kwh": 1507.0,          # Table 3, "kWh-PUE": 12,041.51 W x 79 h x PUE 1.58
    "co2_lbs": 1438.0,
    "co2_kg": 1438.0 * 0.45359237,
    "pue": 1.58,
    "n_parameters": 110_000_000,
    # Devlin et al. (2019), appendix A.2: "batch size of 256 sequences (256 sequences * 512
    # tokens = 128,000 tokens/batch) for 1,000,000 steps". 90% of the steps used sequences
    # of 128 tokens, so the product of the three is an upper bound of the tokens seen.
    "steps": 1_000_000,
    "sequences_per_step": 256,
    "tokens_per_sequence": 512,
    "note": ("Strubell et al. estimate 1,438 lbs (652 kg) CO2e for BERT-base trained on GPUs, "
             "with a PUE of 1.58 and the 2018 US average grid. Devlin et al. (2019) trained it "
             "for 1M steps of 256 sequences of 512 tokens (4 days on 16 Cloud TPUs)."),
}

# -- One full smartphone charge, by the US EPA's Greenhouse Gas Equivalencies Calculator --
# ("smartphones charged": 14.46 Wh a day, less 22 hours of maintenance at 0.13 W = 0.012 kWh)
SMARTPHONE_CHARGE_KWH = 0.012
SMARTPHONE_CHARGE_SOURCE = ("US EPA, Greenhouse Gas Equivalencies Calculator: Calculations and "
                            "References, \"smartphones charged\"")
SMARTPHONE_CHARGE_URL = ("https://www.epa.gov/energy/"
                         "greenhouse-gases-equivalencies-calculator-calculations-and-references")
