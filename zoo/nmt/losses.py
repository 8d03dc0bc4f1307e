"""Token-level loss and accuracy that ignore padding.

Each function returns a sum and a count instead of a mean. The training loop adds sums and
counts over batches and divides once, so batches with different numbers of real tokens (and
eval batches padded with empty rows) are weighted correctly.

Shapes: B batch, T target steps, V target vocabulary.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax


def masked_cross_entropy(
    logits_BTV: jax.Array, targets_BT: jax.Array, mask_BT: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """Return the summed cross-entropy over tokens where `mask_BT` is true, and their number.

    The mean loss is `sum / count`; computing it from the sums keeps padding out of both.
    """
    mask = mask_BT.astype(jnp.float32)
    nll_BT = optax.softmax_cross_entropy_with_integer_labels(logits_BTV.astype(jnp.float32), targets_BT)
    return jnp.sum(nll_BT * mask), jnp.sum(mask)


def masked_accuracy(
    logits_BTV: jax.Array, targets_BT: jax.Array, mask_BT: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """Return the number of correctly predicted tokens where `mask_BT` is true, and their number."""
    mask = mask_BT.astype(jnp.float32)
    hits_BT = (jnp.argmax(logits_BTV, axis=-1) == targets_BT).astype(jnp.float32)
    return jnp.sum(hits_BT * mask), jnp.sum(mask)


def token_metrics(logits_BTV: jax.Array, targets_BT: jax.Array, mask_BT: jax.Array) -> dict[str, jax.Array]:
    """Return the metric sums the training loop expects: `loss`, `correct` and `count`."""
    loss_sum, count = masked_cross_entropy(logits_BTV, targets_BT, mask_BT)
    correct, _ = masked_accuracy(logits_BTV, targets_BT, mask_BT)
    return {"loss": loss_sum, "correct": correct, "count": count}


def mean_loss(loss_sum: jax.Array, count: jax.Array) -> jax.Array:
    """Return `loss_sum / count`, or 0 for a batch without real tokens instead of NaN."""
    return loss_sum / jnp.maximum(count, 1.0)
