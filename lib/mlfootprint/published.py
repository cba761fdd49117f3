"""Published figures the course sets its own measurements against: cited, not measured here.

Every number a chapter quotes from the literature comes from this module, with its
source, so the pages never retype one. Each entry says how the authors obtained it
(hardware, protocol) as far as their paper states it.
"""

from __future__ import annotations

# Luccioni, Jernite & Strubell, "Power Hungry Processing: Watts Driving the Cost of AI
# Deployment?", ACM FAccT 2024, Table 2: mean energy per 1,000 inferences over the models
# tested for each task, measured with CodeCarbon on one NVIDIA A100-SXM4-80GB (AWS).
# "ours" names the task of this course that the published figure is set against.
POWER_HUNGRY_SOURCE = ("Luccioni, Jernite & Strubell, \"Power Hungry Processing: Watts Driving the "
                       "Cost of AI Deployment?\", ACM FAccT 2024, Table 2 (mean per task)")
POWER_HUNGRY_HARDWARE = "one NVIDIA A100-SXM4-80GB GPU on AWS, measured with CodeCarbon"
POWER_HUNGRY = [
    {"task": "image classification", "kwh_per_1000": 0.007, "ours": "image classification"},
    {"task": "image generation", "kwh_per_1000": 2.907, "ours": "image generation"},
    {"task": "masked language modelling (fill-mask)", "kwh_per_1000": 0.003, "ours": "fill-in-the-blank"},
    {"task": "text generation", "kwh_per_1000": 0.047, "ours": "text generation"},
]

# Strubell, Ganesh & McCallum (2019), "Energy and Policy Considerations for Deep Learning in
# NLP", ACL 2019, Table 3: BERT-base pre-training.
BERT_BASE = {
    "source": ("Strubell, Ganesh and McCallum (2019), 'Energy and Policy Considerations for Deep "
               "Learning in NLP', ACL 2019, Table 3"),
    "hardware": "64 V100 GPUs for 79 hours (NVIDIA's reported BERT-base set-up)",
    "energy_kwh": 1507.0,          # Table 3, "kWh-PUE": 12,041.51 W x 79 h x PUE 1.58
    "co2_lbs": 1438.0,
    "co2_kg": 1438.0 * 0.45359237,
    "pue": 1.58,
    "n_parameters": 110_000_000,
    "note": ("Strubell et al. estimate 1,438 lbs (652 kg) CO2e for BERT-base trained on GPUs, "
             "with a PUE of 1.58 and the 2018 US average grid. Devlin et al. (2019) trained it "
             "for 1M steps of 256 sequences of 512 tokens (4 days on 16 Cloud TPUs)."),
}
