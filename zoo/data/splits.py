"""Named FER-2013 splits and stratified sampling."""

from __future__ import annotations

import numpy as np

from zoo.data.fer import (
    USAGE_PRIVATE_TEST,
    USAGE_PUBLIC_TEST,
    USAGE_TEST,
    USAGE_TRAINING,
    FerData,
)
from zoo.errors import ConfigError, DataError

SPLITS = ("train", "val", "test", "test_all")
VALIDATION_CHOICES = ("public_test", "train_slice")


def stratified_indices(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Return sorted indices keeping `fraction` of each class (at least one image per class)."""
    rng = np.random.default_rng(seed)
    kept = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        count = max(1, int(round(fraction * members.size)))
        kept.append(rng.permutation(members)[:count])
    return np.sort(np.concatenate(kept))


def fer_splits(
    data: FerData,
    *,
    validation: str = "public_test",
    val_fraction: float = 0.1,
    subset: float = 1.0,
    seed: int = 0,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Split FER-2013 into train, val, test (PrivateTest) and test_all (the whole test folder).

    `validation="public_test"` validates on PublicTest; `"train_slice"` carves a stratified
    `val_fraction` of train instead. `subset` keeps a stratified fraction of every split.
    Returns {split: (images (N, 48, 48) uint8, labels (N,) int32)}.
    """
    if validation not in VALIDATION_CHOICES:
        raise ConfigError(f"data.validation={validation!r} is invalid; use one of {VALIDATION_CHOICES}.")
    if not 0.0 < subset <= 1.0:
        raise ConfigError(f"data.subset={subset} is invalid; use a fraction in (0, 1].")

    train = np.flatnonzero(data.usage == USAGE_TRAINING)
    public = np.flatnonzero(data.usage == USAGE_PUBLIC_TEST)
    private = np.flatnonzero(data.usage == USAGE_PRIVATE_TEST)
    test_all = np.flatnonzero(np.isin(data.usage, [USAGE_PUBLIC_TEST, USAGE_PRIVATE_TEST, USAGE_TEST]))
    if train.size == 0:
        raise DataError(f"{data.source} contains no training images; check that train/ has images in its emotion folders.")
    if test_all.size == 0:
        raise DataError(f"{data.source} contains no test images; check that test/ has images in its emotion folders.")

    if validation == "public_test":
        if public.size == 0:
            raise DataError(
                f"{data.source} has no PublicTest images (test file names must start with PublicTest_ "
                "and PrivateTest_). Set data.validation=train_slice to validate on a slice of train."
            )
        val = public
    else:
        if not 0.0 < val_fraction < 1.0:
            raise ConfigError(f"data.val_fraction={val_fraction} is invalid; use a fraction in (0, 1).")
        val_positions = stratified_indices(data.labels[train], val_fraction, seed)
        val = train[val_positions]
        train = np.delete(train, val_positions)
    # Without the official halves, the test split is the whole test folder.
    test = private if private.size else test_all

    splits = {}
    for offset, (name, indices) in enumerate(zip(SPLITS, (train, val, test, test_all))):
        if subset < 1.0:
            indices = indices[stratified_indices(data.labels[indices], subset, seed + offset)]
        splits[name] = (data.images[indices], data.labels[indices])
    return splits
