"""Scores are rounded in bulk exactly as Python's round() rounds them one by one,
so a decision never depends on which of the two did it."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.understanding.rounding import rounded

near_halves = st.integers(-20_000, 20_000).map(lambda n: (n + 0.5) / 1e4)
scores = st.one_of(
    st.floats(-100, 100),
    near_halves,
    near_halves.map(lambda x: float(np.nextafter(x, 1.0))),
    near_halves.map(lambda x: float(np.nextafter(x, -1.0))),
)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(scores, max_size=50))
def test_rounded_matches_python_round_to_the_last_bit(values):
    got = rounded(np.array(values, dtype=np.float64), 4)
    assert [x.hex() for x in got.tolist()] == [round(x, 4).hex() for x in values]
