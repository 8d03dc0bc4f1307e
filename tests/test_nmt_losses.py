"""Masked loss and accuracy: padding never counts."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from zoo.nmt import losses

V = 7
TARGETS = jnp.array([[4, 5, 3, 0, 0], [6, 3, 0, 0, 0]])
MASK = TARGETS != 0


def one_hot_logits(ids, scale=10.0):
    return scale * jax.nn.one_hot(ids, V)


def test_padding_only_predictions_score_zero_accuracy():
    logits = one_hot_logits(jnp.zeros_like(TARGETS))
    correct, count = losses.masked_accuracy(logits, TARGETS, MASK)
    assert float(count) == 5.0
    assert float(correct) == 0.0
    # Unmasked, the same predictions would look 50% right because half the positions are padding.
    assert float(jnp.mean(jnp.argmax(logits, -1) == TARGETS)) == 0.5


def test_perfect_predictions_score_full_accuracy():
    correct, count = losses.masked_accuracy(one_hot_logits(TARGETS), TARGETS, MASK)
    assert float(correct) == float(count) == 5.0


def test_cross_entropy_matches_numpy_on_real_tokens():
    logits = jax.random.normal(jax.random.key(0), (2, 5, V))
    loss_sum, count = losses.masked_cross_entropy(logits, TARGETS, MASK)
    log_probs = np.asarray(jax.nn.log_softmax(logits))
    expected = -sum(
        log_probs[b, t, TARGETS[b, t]] for b in range(2) for t in range(5) if bool(MASK[b, t])
    )
    np.testing.assert_allclose(float(loss_sum), expected, rtol=1e-5)
    assert float(count) == 5.0


def test_padding_logits_do_not_change_the_loss():
    logits = jax.random.normal(jax.random.key(1), (2, 5, V))
    changed = logits.at[:, 3:].set(100.0)
    first, _ = losses.masked_cross_entropy(logits, TARGETS, MASK)
    second, _ = losses.masked_cross_entropy(changed, TARGETS, MASK)
    assert float(first) == float(second)


def test_token_metrics_and_empty_batch():
    metrics = losses.token_metrics(one_hot_logits(TARGETS), TARGETS, MASK)
    assert set(metrics) == {"loss", "correct", "count"}
    assert float(metrics["correct"]) == 5.0
    empty = jnp.zeros_like(MASK)
    loss_sum, count = losses.masked_cross_entropy(one_hot_logits(TARGETS), TARGETS, empty)
    assert float(losses.mean_loss(loss_sum, count)) == 0.0
