"""FER-2013 as a `Task` for the training loop: data resident on the device, augmentation inside the step."""

from __future__ import annotations

from typing import Iterator

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
from flax import nnx

from zoo.data.fer import EMOTIONS
from zoo.models import create_fer_model
from zoo.training.augment import augment

# Values of train.dtype, the compute dtype; parameters stay float32 with either.
DTYPES = ("float32", "bfloat16")


def model_options(config: ml_collections.ConfigDict) -> dict:
    """Return the constructor options of `config.model` (everything but `name`), plus the compute dtype."""
    options = {key: value for key, value in config.model.to_dict().items() if key != "name"}
    options["dtype"] = None if config.train.dtype == "float32" else jnp.dtype(config.train.dtype)
    options["num_classes"] = len(EMOTIONS)
    return options


def to_model_input(images_BHW: jax.Array) -> jax.Array:
    """Scale uint8 images (B, 48, 48) to float32 (B, 48, 48, 1) in [0, 1], as the reference's rescale 1/255."""
    return images_BHW.astype(jnp.float32)[..., None] / 255.0


class FerTask:
    """Classify 48×48 faces into the seven emotions; `splits` maps split name to (images, labels)."""

    def __init__(self, config: ml_collections.ConfigDict, splits: dict[str, tuple[np.ndarray, np.ndarray]]):
        self.config = config
        self.splits = splits
        train_images, train_labels = splits["train"]
        self.batch_size = min(config.train.batch_size, len(train_labels))
        self.train_images = jax.device_put(train_images)  # uint8 keeps the device copy small
        self.train_labels = jax.device_put(train_labels)
        self.order_key = jax.random.fold_in(jax.random.key(config.seed), 2)

    def create_model(self, rngs: nnx.Rngs) -> nnx.Module:
        return create_fer_model_from_config(self.config, rngs)

    def loss(self, model, batch, key, train):
        images = to_model_input(batch["images"])
        labels = batch["labels"]
        weights = batch.get("weights", jnp.ones(labels.shape, jnp.float32))
        augment_config = self.config.train.augment
        if train and augment_config.enabled:
            images = augment(images, jax.random.fold_in(key, 0), zoom=augment_config.zoom, flip=augment_config.flip)
        logits = model(images, train=train, key=jax.random.fold_in(key, 1)).astype(jnp.float32)
        losses = optax.softmax_cross_entropy_with_integer_labels(logits, labels)
        loss_sum = jnp.sum(losses * weights)
        count = jnp.sum(weights)
        objective = loss_sum / count
        if train:
            objective = objective + model.l2_penalty()
        correct = jnp.sum((jnp.argmax(logits, -1) == labels) * weights)
        return objective, {"loss": loss_sum, "correct": correct, "count": count}

    def num_train_batches(self) -> int:
        return len(self.splits["train"][1]) // self.batch_size  # the short last batch is dropped

    def train_batches(self, epoch: int) -> Iterator[dict]:
        count = self.num_train_batches() * self.batch_size
        order = jax.random.permutation(jax.random.fold_in(self.order_key, epoch), len(self.splits["train"][1]))
        order_NB = order[:count].reshape(-1, self.batch_size)
        for index in range(order_NB.shape[0]):
            rows = order_NB[index]
            yield {"images": self.train_images[rows], "labels": self.train_labels[rows]}

    def eval_batches(self, split: str) -> Iterator[dict]:
        """Yield fixed-size batches of `split`; the last is padded with zero-weight rows, so one shape compiles."""
        images, labels = self.splits[split]
        size = self.config.train.eval_batch_size
        for start in range(0, len(labels), size):
            chunk_images, chunk_labels = images[start:start + size], labels[start:start + size]
            real = len(chunk_labels)
            weights = np.zeros(size, np.float32)
            weights[:real] = 1.0
            if real < size:
                chunk_images = np.concatenate([chunk_images, np.zeros((size - real, *images.shape[1:]), images.dtype)])
                chunk_labels = np.concatenate([chunk_labels, np.zeros(size - real, labels.dtype)])
            yield {"images": chunk_images, "labels": chunk_labels, "weights": weights}

    def checkpoint_extras(self) -> dict:
        return {"labels": list(EMOTIONS)}


def create_fer_model_from_config(config: ml_collections.ConfigDict, rngs: nnx.Rngs) -> nnx.Module:
    """Build the untrained FER model that `config` describes."""
    return create_fer_model(config.model.name, rngs=rngs, **model_options(config))
