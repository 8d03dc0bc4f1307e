"""Draw face boxes with their emotion label, probability and emoji, and an FPS counter, onto BGR images."""

from __future__ import annotations

from typing import Iterable, Protocol

import cv2
import numpy as np

from zoo.vision.emoji import draw_emoji
from zoo.vision.faces import Box

# Box and label-bar colours (BGR), one per emotion.
EMOTION_COLOURS = {
    "angry": (40, 40, 220),
    "disgust": (50, 150, 50),
    "fear": (150, 60, 150),
    "happy": (0, 170, 255),
    "neutral": (140, 140, 140),
    "sad": (190, 110, 30),
    "surprise": (170, 170, 0),
}
FONT = cv2.FONT_HERSHEY_SIMPLEX

# Small images are enlarged before drawing so that labels stay legible.
MIN_ANNOTATED_SIDE = 480


class LabelledFace(Protocol):
    box: Box
    emotion: str
    probability: float


def annotation_scale(image: np.ndarray) -> float:
    """Return the factor by which `annotate` enlarges `image` (1.0 when its shorter side is long enough)."""
    return max(1.0, MIN_ANNOTATED_SIDE / min(image.shape[:2]))


def annotate(image_BGR: np.ndarray, faces: Iterable[LabelledFace]) -> np.ndarray:
    """Return a copy of `image_BGR` (H, W, 3) with each face's box, label bar and emoji drawn in.

    Images with a shorter side below 480 pixels are enlarged first (boxes scaled to match).
    """
    scale = annotation_scale(image_BGR)
    canvas = image_BGR.copy()
    if scale > 1.0:
        canvas = cv2.resize(canvas, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    for face in faces:
        draw_face_label(canvas, face.box.scaled(scale), face.emotion, face.probability)
    return canvas


def draw_face_label(canvas: np.ndarray, box: Box, emotion: str, probability: float) -> None:
    """Draw `box`, then a bar reading "<emoji> emotion NN%" above it (inside it at the image top), in place."""
    colour = EMOTION_COLOURS.get(emotion, (255, 255, 255))
    thickness = max(2, int(round(min(canvas.shape[:2]) / 250)))
    cv2.rectangle(canvas, (box.x, box.y), (box.x + box.width, box.y + box.height), colour, thickness, cv2.LINE_AA)

    bar_height = int(np.clip(0.25 * box.width, 28, 90))
    text = f"{emotion} {probability:.0%}"
    font_scale = _font_scale_for_height(0.55 * bar_height)
    font_thickness = max(1, int(round(bar_height / 14)))
    (text_width, text_height), _ = cv2.getTextSize(text, FONT, font_scale, font_thickness)
    pad = max(2, bar_height // 8)
    bar_width = bar_height + 2 * pad + text_width  # the emoji takes a square at the left of the bar

    top = box.y - bar_height if box.y - bar_height >= 0 else box.y
    left = min(max(0, box.x - thickness // 2), max(0, canvas.shape[1] - bar_width))
    cv2.rectangle(canvas, (left, top), (left + bar_width, top + bar_height), colour, -1)
    draw_emoji(canvas, emotion, (left + pad + bar_height // 2, top + bar_height // 2), bar_height - 2)
    text_origin = (left + bar_height + pad, top + (bar_height + text_height) // 2)
    cv2.putText(canvas, text, text_origin, FONT, font_scale, _text_colour(colour), font_thickness, cv2.LINE_AA)


def draw_fps(canvas: np.ndarray, fps: float) -> None:
    """Write "NN.N FPS" in the top-left corner of `canvas`, in place, on a dark background."""
    text = f"{fps:.1f} FPS"
    height = max(18, min(canvas.shape[:2]) // 20)
    font_scale = _font_scale_for_height(0.6 * height)
    font_thickness = max(1, height // 14)
    (text_width, text_height), _ = cv2.getTextSize(text, FONT, font_scale, font_thickness)
    cv2.rectangle(canvas, (0, 0), (text_width + height // 2, height), (0, 0, 0), -1)
    origin = (height // 4, (height + text_height) // 2)
    cv2.putText(canvas, text, origin, FONT, font_scale, (255, 255, 255), font_thickness, cv2.LINE_AA)


def _font_scale_for_height(pixels: float) -> float:
    (_, unit_height), _ = cv2.getTextSize("Hg", FONT, 1.0, 1)
    return pixels / unit_height


def _text_colour(background: tuple[int, int, int]) -> tuple[int, int, int]:
    blue, green, red = background
    luminance = 0.114 * blue + 0.587 * green + 0.299 * red
    return (0, 0, 0) if luminance > 128 else (255, 255, 255)
