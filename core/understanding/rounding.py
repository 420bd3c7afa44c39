"""Python's ``round(x, digits)`` for a whole array at once.

Scores are rounded to four decimals so that ties and thresholds do not hinge on
float noise; rounding every outcome's score one by one in Python was a tenth of
the time a message took with many topics. ``np.round`` alone is not the same
thing: it rounds ``x * 10**digits``, which is itself rounded, so a value within
a hair of a half lands on the other side now and then. Those values, and only
those, are left to Python, which rounds the exact decimal value.
"""

from __future__ import annotations

import numpy as np

NEAR_HALF = 1e-6
"""Far wider than the error of ``x * 10**digits`` (under 1e-11 for scores up to 100)."""


def rounded(values: np.ndarray, digits: int) -> np.ndarray:
    """``[round(x, digits) for x in values]`` as a float64 array, to the last bit."""
    scale = 10.0**digits
    scaled = values * scale
    out = np.rint(scaled) / scale
    near_half = np.abs(scaled - np.floor(scaled) - 0.5) < NEAR_HALF
    if near_half.any():
        out[near_half] = [round(x, digits) for x in values[near_half].tolist()]
    return out
