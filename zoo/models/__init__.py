"""Model registry: `create_model(name, rngs=..., **options)` and parameter counting."""

from __future__ import annotations

import jax
from flax import nnx

from zoo.errors import ConfigError
from zoo.models.cnn import cnn4, cnn_baseline, cnn_bn, cnn_dropout
from zoo.models.mini_xception import mini_xception

FER_MODELS = {
    "cnn_baseline": cnn_baseline,
    "cnn_bn": cnn_bn,
    "cnn_dropout": cnn_dropout,
    "cnn4": cnn4,
    "mini_xception": mini_xception,
}


def create_fer_model(name: str, *, rngs: nnx.Rngs, **options) -> nnx.Module:
    """Build the FER model called `name` with constructor `options` (from the config's `model` block)."""
    if name not in FER_MODELS:
        raise ConfigError(f"model.name={name!r} is not a FER model; choose one of {sorted(FER_MODELS)}.")
    try:
        return FER_MODELS[name](rngs=rngs, **options)
    except TypeError as error:
        raise ConfigError(f"Invalid options {sorted(options)} for model {name!r}: {error}") from None


def count_params(model: nnx.Module) -> int:
    """Return the number of trainable parameters (`nnx.Param` elements)."""
    params = nnx.state(model, nnx.Param)
    return sum(int(leaf.size) for leaf in jax.tree.leaves(params))
