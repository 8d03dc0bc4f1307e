"""The contract between the generic training loop and a problem (FER, translation)."""

from __future__ import annotations

from typing import Any, Iterator, Protocol

import jax
from flax import nnx

Batch = Any  # a pytree of arrays; every leaf has the batch as its leading axis


class Task(Protocol):
    """A problem the training loop can fit.

    Metric sums returned by `loss` must contain `loss` (summed over the counted items),
    `correct` (number of correct predictions) and `count` (number of counted items: images
    for FER, non-padding target tokens for translation). The loop divides sums by counts on
    the host, so padded rows and a short last batch count correctly.
    """

    batch_size: int  # training batch size (global, over all devices)

    def create_model(self, rngs: nnx.Rngs) -> nnx.Module:
        """Build the model with freshly initialised weights."""

    def loss(
        self, model: nnx.Module, batch: Batch, key: jax.Array, train: bool
    ) -> tuple[jax.Array, dict[str, jax.Array]]:
        """Return the scalar objective to differentiate and the metric sums of the batch.

        Runs inside `jax.jit`. `key` is already unique to the step; `train` is static.
        """

    def train_batches(self, epoch: int) -> Iterator[Batch]:
        """Yield the training batches of `epoch`, in an order that depends only on the seed and `epoch`."""

    def num_train_batches(self) -> int:
        """Return the number of batches `train_batches` yields per epoch."""

    def eval_batches(self, split: str) -> Iterator[Batch]:
        """Yield batches of a named split; padding rows must contribute nothing to the sums."""

    def checkpoint_extras(self) -> dict[str, Any]:
        """Return JSON-serialisable data saved beside the weights (vocabularies, label names)."""
