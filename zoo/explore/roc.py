"""ROC AUC from ranks (the Mann–Whitney U statistic), with tied scores counted as half a win."""

from __future__ import annotations

import numpy as np


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Return 1-based ranks of `values` (N,), giving tied values the mean of the ranks they span."""
    values = np.asarray(values)
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    # Each run of equal values spans ranks first..last; all of them get (first + last) / 2.
    run_starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    run_ends = np.r_[run_starts[1:], len(values)]  # exclusive
    run_ranks = (run_starts + 1 + run_ends) / 2.0
    ranks = np.empty(len(values), np.float64)
    ranks[order] = np.repeat(run_ranks, run_ends - run_starts)
    return ranks


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Return the area under the ROC curve of `scores` (N,) for the boolean labels `positive` (N,).

    Equals the probability that a random positive scores higher than a random negative, ties
    counting 1/2: AUC = (R+ − n+(n+ + 1)/2) / (n+ n−), with R+ the sum of the positives' ranks.
    """
    scores = np.asarray(scores, np.float64)
    positive = np.asarray(positive, bool)
    if scores.shape != positive.shape or scores.ndim != 1:
        raise ValueError(f"scores {scores.shape} and labels {positive.shape} must be 1-D arrays of one length.")
    positives = int(positive.sum())
    negatives = len(positive) - positives
    if positives == 0 or negatives == 0:
        raise ValueError(f"ROC AUC needs both classes; got {positives} positive and {negatives} negative items.")
    rank_sum = average_ranks(scores)[positive].sum()
    return float((rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives))
