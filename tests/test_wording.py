"""Sentences chosen by the data (mlfootprint.wording): ratios in plain digits, both directions."""

import pytest

from mlfootprint import wording


@pytest.mark.parametrize("a,b,words", [(3.2, 1, "3.2 times"), (1258.0, 1, "1,258 times"),
                                       (944_101.0, 1, "944,101 times"), (1, 62.0, "62 times less than"),
                                       (1.01, 1, "about the same as")])
def test_times_in_plain_digits(a, b, words):
    assert wording.times(a, b) == words
    assert "e+" not in wording.times(a, b)


def test_times_refuses_a_zero_baseline():
    with pytest.raises(ValueError, match="b"):
        wording.times(1.0, 0.0)
