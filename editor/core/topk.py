"""The best few of a vocabulary-sized array without sorting all of it (Qt-free).

Ranking sorted whole pools in Python: after a one-letter prefix that is a tenth of the
vocabulary (a thousand tuples and a thousand key calls per keystroke on a 12k-word model,
the large model's tail in issue 18). `np.argpartition` finds the best few in linear time, but
it picks arbitrarily among equal values at the cut, so a plain "first n of the partition"
could differ from a full sort on ties. `best_indices` keeps every value tied with the n-th
best, so sorting what it returns by (-value, tie key) gives exactly the full sort's first n.
"""

from __future__ import annotations

import numpy as np


def best_indices(values: np.ndarray, n: int) -> np.ndarray:
    """Indices of the `n` largest values, plus every value equal to the n-th largest.

    In index order (ascending), never fewer than min(n, len(values)); NaN counts as smallest.
    """
    size = len(values)
    if n <= 0 or size == 0:
        return np.zeros(0, np.intp)
    if n >= size:
        return np.arange(size)
    # The n-th largest value is at position size - n of an ascending partition.
    cut = np.partition(np.nan_to_num(values, nan=-np.inf), size - n)[size - n]
    return np.flatnonzero(values >= cut)


def top_sorted(values: np.ndarray, n: int) -> np.ndarray:
    """The first `n` indices of a descending sort by value, ties by index (a stable sort of
    -values), computed from `best_indices`."""
    idx = best_indices(values, n)
    order = np.lexsort((idx, -values[idx]))
    return idx[order][:n]
