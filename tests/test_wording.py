"""Lists in prose (mlfootprint.wording.names). Comparative words are tested with the rule that
picks them (tests/test_compare.py) and with each chapter's wording cells."""

import pytest

from mlfootprint import wording


@pytest.mark.parametrize("items, text", [([], "none"), (["a"], "a"), (["a", "b"], "a and b"),
                                         (["a", "b", "c"], "a, b and c"), ([1, 2], "1 and 2")])
def test_names(items, text):
    assert wording.names(items) == text


def test_names_with_another_conjunction():
    assert wording.names(["MLP", "CNN"], conjunction="or") == "MLP or CNN"
