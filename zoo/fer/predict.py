"""Emotion recognition on photos: restore a trained FER model, find faces, classify each one.

`EmotionClassifier.from_workdir(dir)` restores the best checkpoint of a training run.
`recognise_emotions(image, classifier, detector)` returns one `FaceEmotion` per detected face.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from zoo.data.fer import EMOJI, IMAGE_SIZE
from zoo.errors import CheckpointError, ZooError
from zoo.fer.task import create_fer_model_from_config, to_model_input
from zoo.training.restore import resolve_run_dir, restore_model
from zoo.vision.faces import DEFAULT_MARGIN, Box, FaceDetector, crop_face_gray48
from zoo.vision.images import to_gray48

WORKDIR_ENV = "ZOO_FER_WORKDIR"
DEFAULT_WORKDIR = Path("runs") / "cnn4"


def resolve_workdir(flag_value: str | os.PathLike | None) -> tuple[Path, str]:
    """Return the run folder and a phrase naming where the choice came from (for error messages)."""
    return resolve_run_dir(flag_value, WORKDIR_ENV, DEFAULT_WORKDIR)


class EmotionClassifier:
    """A trained FER model with its label names; `predict` maps 48×48 faces to probabilities.

    Faces are classified in fixed-size padded batches, so the jitted forward pass compiles
    once however many faces each call brings (one per video frame, say).
    """

    def __init__(self, model: nnx.Module, labels: list[str], batch_size: int = 8):
        unknown = [label for label in labels if label not in EMOJI]
        if unknown:
            raise CheckpointError(f"The checkpoint's labels {unknown} are not FER emotions {sorted(EMOJI)}.")
        self.model = model
        self.labels = list(labels)
        self.batch_size = batch_size
        graphdef, state = nnx.split(model)
        self._state = state

        @jax.jit
        def probabilities(state, images_BHW):
            logits = nnx.merge(graphdef, state)(to_model_input(images_BHW), train=False)
            return jax.nn.softmax(logits.astype(jnp.float32), axis=-1)

        self._probabilities = probabilities

    @classmethod
    def from_workdir(cls, workdir: str | os.PathLike | None, batch_size: int = 8) -> "EmotionClassifier":
        """Restore the best checkpoint of the FER run in `workdir` (None: $ZOO_FER_WORKDIR, else runs/cnn4)."""
        directory, described_as = resolve_workdir(workdir)
        try:
            model, _config, meta = restore_model(directory, "fer", create_fer_model_from_config)
        except CheckpointError as error:
            raise CheckpointError(f"{error} The folder {directory} came from {described_as}.") from None
        labels = meta.get("extras", {}).get("labels")
        if not labels:
            raise CheckpointError(f"The checkpoint in {directory} stores no label names; train it again with train_fer.py.")
        return cls(model, labels, batch_size)

    def predict(self, faces_NHW: np.ndarray) -> np.ndarray:
        """Return softmax probabilities (N, num_labels) for uint8 faces (N, 48, 48)."""
        faces_NHW = np.asarray(faces_NHW, np.uint8)
        if faces_NHW.ndim != 3 or faces_NHW.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
            raise ValueError(f"Faces must have shape (N, {IMAGE_SIZE}, {IMAGE_SIZE}); got {faces_NHW.shape}.")
        outputs = []
        for start in range(0, len(faces_NHW), self.batch_size):
            chunk = faces_NHW[start:start + self.batch_size]
            real = len(chunk)
            padded = np.zeros((self.batch_size, IMAGE_SIZE, IMAGE_SIZE), np.uint8)
            padded[:real] = chunk
            outputs.append(np.asarray(self._probabilities(self._state, padded))[:real])
        if not outputs:
            return np.zeros((0, len(self.labels)), np.float32)
        return np.concatenate(outputs)


@dataclasses.dataclass
class FaceEmotion:
    """One classified face: its box in the image, the top emotion and every class probability."""

    box: Box
    emotion: str
    probability: float
    probabilities: dict[str, float]

    @property
    def emoji(self) -> str:
        return EMOJI[self.emotion]

    def to_dict(self) -> dict:
        return {
            "box": self.box.to_dict(),
            "emotion": self.emotion,
            "probability": round(self.probability, 4),
            "emoji": self.emoji,
            "probabilities": {label: round(value, 4) for label, value in self.probabilities.items()},
        }


def recognise_emotions(
    image_BGR: np.ndarray,
    classifier: EmotionClassifier,
    detector: FaceDetector | None,
    margin: float = DEFAULT_MARGIN,
) -> list[FaceEmotion]:
    """Classify every face `detector` finds in `image_BGR` (H, W, 3); with no detector, the whole image as one face.

    Returns an empty list when the detector finds no face.
    """
    if detector is None:
        height, width = image_BGR.shape[:2]
        boxes = [Box(0, 0, width, height)]
        faces = [to_gray48(image_BGR)]
    else:
        boxes = detector.detect(image_BGR)
        faces = [crop_face_gray48(image_BGR, box, margin) for box in boxes]
    if not boxes:
        return []
    probabilities = classifier.predict(np.stack(faces))
    results = []
    for box, row in zip(boxes, probabilities):
        best = int(np.argmax(row))
        results.append(FaceEmotion(
            box=box,
            emotion=classifier.labels[best],
            probability=float(row[best]),
            probabilities={label: float(value) for label, value in zip(classifier.labels, row)},
        ))
    return results


class NoFaceError(ZooError):
    """The face detector found no face in an image."""


def no_face_message(name: str) -> str:
    return (
        f"No face found in {name}. The detector finds upright, frontal faces at least 24 pixels wide. "
        "If the image is already a cropped face, pass --no-detect to classify the whole image."
    )
