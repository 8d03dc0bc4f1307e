"""Classification metrics for FER: predictions, confusion matrix, per-class precision, recall and F1."""

from __future__ import annotations

import jax
import numpy as np
import optax
from flax import nnx

from zoo.fer.task import to_model_input


def predict_probabilities(model: nnx.Module, images_NHW: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Return softmax probabilities (N, num_classes) for uint8 images (N, 48, 48)."""
    graphdef, state = nnx.split(model)

    @jax.jit
    def probabilities(state, images_BHW):
        logits = nnx.merge(graphdef, state)(to_model_input(images_BHW), train=False)
        return jax.nn.softmax(logits.astype(np.float32), axis=-1)

    outputs = []
    for start in range(0, len(images_NHW), batch_size):
        chunk = images_NHW[start:start + batch_size]
        real = len(chunk)
        if real < batch_size:  # pad so every batch has one shape and compiles once
            chunk = np.concatenate([chunk, np.zeros((batch_size - real, *chunk.shape[1:]), chunk.dtype)])
        outputs.append(np.asarray(probabilities(state, chunk))[:real])
    return np.concatenate(outputs)


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """Return counts (num_classes, num_classes): rows are true classes, columns predicted ones."""
    matrix = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    return matrix


def per_class_scores(matrix: np.ndarray, class_names) -> dict[str, dict[str, float]]:
    """Return precision, recall, F1 and support per class; a class never predicted gets precision 0."""
    true_positive = np.diag(matrix).astype(float)
    predicted = matrix.sum(axis=0)
    actual = matrix.sum(axis=1)
    scores = {}
    for index, name in enumerate(class_names):
        precision = true_positive[index] / predicted[index] if predicted[index] else 0.0
        recall = true_positive[index] / actual[index] if actual[index] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[name] = {"precision": precision, "recall": recall, "f1": f1, "support": int(actual[index])}
    return scores


def split_metrics(probabilities: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Return mean cross-entropy and accuracy of predicted `probabilities` (N, C) against `labels` (N,)."""
    log_probabilities = np.log(np.clip(probabilities, 1e-12, 1.0))
    loss = float(np.mean(optax.losses.softmax_cross_entropy_with_integer_labels(log_probabilities, labels)))
    accuracy = float(np.mean(probabilities.argmax(-1) == labels))
    return {"loss": loss, "accuracy": accuracy, "count": int(len(labels))}
