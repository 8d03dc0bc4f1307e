"""Emoji faces drawn with OpenCV shapes, so annotated images need no colour-emoji font.

One face per emotion, after the Unicode emoji in `zoo.data.fer.EMOJI`: angry 😠, disgust 🤢,
fear 😨, happy 😄, neutral 😐, sad 😢, surprise 😲. Faces are yellow, except disgust, which is
green. Each face is drawn 4× larger and shrunk with INTER_AREA, which anti-aliases the edges.

Drawing coordinates are in face units: the centre is (0, 0), the radius is 1, and y grows downwards.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from zoo.data.fer import EMOTIONS

SUPERSAMPLING = 4
OUTLINE_OUTER_RADIUS = 1.03  # the outline is centred on the unit circle

# BGR colours.
YELLOW = (51, 204, 255)
YELLOW_OUTLINE = (0, 128, 214)
GREEN = (82, 193, 140)
GREEN_OUTLINE = (40, 120, 60)
FEATURE = (40, 40, 70)  # dark brown for eyes, brows and mouths
WHITE = (255, 255, 255)
TONGUE = (90, 90, 225)
TEAR = (235, 175, 85)
FOREHEAD_BLUE = (230, 140, 60)


class _Canvas:
    """A square BGR canvas with drawing helpers in face units."""

    def __init__(self, size: int):
        self.size = size
        self.image = np.zeros((size, size, 3), np.uint8)
        self.radius = size / 2 * 0.92  # leaves room for the outline
        self.centre = size / 2

    def point(self, x: float, y: float) -> tuple[int, int]:
        return int(round(self.centre + x * self.radius)), int(round(self.centre + y * self.radius))

    def length(self, value: float) -> int:
        return max(1, int(round(value * self.radius)))

    def circle(self, x, y, r, colour, thickness=-1):
        cv2.circle(self.image, self.point(x, y), self.length(r), colour,
                   thickness if thickness < 0 else self.length(thickness), cv2.LINE_AA)

    def ellipse(self, x, y, rx, ry, colour, start=0, end=360, thickness=-1):
        cv2.ellipse(self.image, self.point(x, y), (self.length(rx), self.length(ry)), 0, start, end,
                    colour, thickness if thickness < 0 else self.length(thickness), cv2.LINE_AA)

    def line(self, x0, y0, x1, y1, colour, thickness):
        cv2.line(self.image, self.point(x0, y0), self.point(x1, y1), colour, self.length(thickness), cv2.LINE_AA)

    def polyline(self, points, colour, thickness):
        pixels = np.array([self.point(x, y) for x, y in points], np.int32)
        cv2.polylines(self.image, [pixels], False, colour, self.length(thickness), cv2.LINE_AA)

    def polygon(self, points, colour):
        pixels = np.array([self.point(x, y) for x, y in points], np.int32)
        cv2.fillPoly(self.image, [pixels], colour, cv2.LINE_AA)

    def tint_top(self, colour, top: float, bottom: float):
        """Blend the face towards `colour`: fully above y=`top`, fading out linearly down to y=`bottom`."""
        rows = (np.arange(self.size) + 0.5 - self.centre) / self.radius
        weight = np.clip((bottom - rows) / (bottom - top), 0.0, 1.0)[:, None, None]
        face = self.image.astype(np.float32)
        tinted = face * (1 - weight) + np.array(colour, np.float32) * weight
        inside = self.face_mask()[:, :, None] > 0
        self.image = np.where(inside, tinted, face).astype(np.uint8)

    def face_mask(self, radius: float = 1.0) -> np.ndarray:
        mask = np.zeros((self.size, self.size), np.uint8)
        cv2.circle(mask, self.point(0, 0), self.length(radius), 255, -1, cv2.LINE_AA)
        return mask


def _dot_eyes(canvas: _Canvas):
    for side in (-1, 1):
        canvas.ellipse(0.33 * side, -0.15, 0.09, 0.15, FEATURE)


def _open_eyes(canvas: _Canvas, radius: float):
    for side in (-1, 1):
        canvas.circle(0.34 * side, -0.12, radius, WHITE)
        canvas.circle(0.34 * side, -0.12, radius, FEATURE, 0.04)
        canvas.circle(0.34 * side, -0.10, radius * 0.45, FEATURE)


def _draw_angry(canvas: _Canvas):
    _dot_eyes(canvas)
    for side in (-1, 1):  # brows slanting down towards the nose
        canvas.line(0.62 * side, -0.50, 0.14 * side, -0.30, FEATURE, 0.1)
    canvas.ellipse(0, 0.62, 0.32, 0.18, FEATURE, 180, 360, thickness=0.09)


def _draw_disgust(canvas: _Canvas):
    for side in (-1, 1):  # screwed-up eyes and brows
        canvas.polyline([(0.55 * side, -0.22), (0.25 * side, -0.12), (0.55 * side, -0.02)], FEATURE, 0.08)
        canvas.line(0.6 * side, -0.45, 0.2 * side, -0.42, FEATURE, 0.07)
    xs = np.linspace(-0.45, 0.45, 40)
    canvas.polyline([(x, 0.48 + 0.07 * np.sin(x / 0.45 * 3 * np.pi)) for x in xs], FEATURE, 0.08)
    for side in (-1, 1):  # cheeks
        canvas.ellipse(0.6 * side, 0.25, 0.14, 0.09, GREEN_OUTLINE)


def _draw_fear(canvas: _Canvas):
    canvas.tint_top(FOREHEAD_BLUE, top=-0.7, bottom=-0.15)
    _open_eyes(canvas, 0.15)
    for side in (-1, 1):  # brows raised at the inner ends
        canvas.line(0.6 * side, -0.42, 0.2 * side, -0.56, FEATURE, 0.07)
    canvas.ellipse(0, 0.48, 0.24, 0.17, FEATURE)


def _draw_happy(canvas: _Canvas):
    for side in (-1, 1):  # smiling eyes: upward arcs
        canvas.ellipse(0.34 * side, -0.12, 0.16, 0.14, FEATURE, 180, 360, thickness=0.08)
    canvas.ellipse(0, 0.18, 0.58, 0.5, FEATURE, 0, 180)  # open mouth, flat top edge
    canvas.ellipse(0, 0.52, 0.27, 0.13, TONGUE)


def _draw_neutral(canvas: _Canvas):
    _dot_eyes(canvas)
    canvas.line(-0.36, 0.45, 0.36, 0.45, FEATURE, 0.09)


def _draw_sad(canvas: _Canvas):
    _dot_eyes(canvas)
    for side in (-1, 1):  # brows raised at the inner ends
        canvas.line(0.58 * side, -0.36, 0.2 * side, -0.5, FEATURE, 0.07)
    canvas.ellipse(0, 0.68, 0.34, 0.2, FEATURE, 180, 360, thickness=0.09)
    canvas.polygon([(-0.33, 0.02), (-0.43, 0.22), (-0.23, 0.22)], TEAR)  # tear drop under the left eye
    canvas.circle(-0.33, 0.25, 0.1, TEAR)


def _draw_surprise(canvas: _Canvas):
    _open_eyes(canvas, 0.17)
    for side in (-1, 1):  # high arched brows
        canvas.ellipse(0.34 * side, -0.46, 0.18, 0.1, FEATURE, 200, 340, thickness=0.07)
    canvas.ellipse(0, 0.5, 0.2, 0.26, FEATURE)


_FEATURE_DRAWERS = {
    "angry": _draw_angry,
    "disgust": _draw_disgust,
    "fear": _draw_fear,
    "happy": _draw_happy,
    "neutral": _draw_neutral,
    "sad": _draw_sad,
    "surprise": _draw_surprise,
}


@functools.lru_cache(maxsize=64)
def render_emoji(emotion: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the emoji of `emotion` as (BGR uint8 (size, size, 3), alpha float32 (size, size) in [0, 1]).

    The arrays are cached and read-only; copy them before changing them.
    """
    if emotion not in _FEATURE_DRAWERS:
        raise ValueError(f"No emoji for emotion {emotion!r}; expected one of {list(EMOTIONS)}.")
    if size < 1:
        raise ValueError(f"Emoji size {size} is invalid; use at least 1 pixel.")
    canvas = _Canvas(size * SUPERSAMPLING)
    fill, outline = (GREEN, GREEN_OUTLINE) if emotion == "disgust" else (YELLOW, YELLOW_OUTLINE)
    canvas.circle(0, 0, 1.0, fill)
    _FEATURE_DRAWERS[emotion](canvas)
    canvas.circle(0, 0, 1.0, outline, 2 * (OUTLINE_OUTER_RADIUS - 1.0))

    image = cv2.resize(canvas.image, (size, size), interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(canvas.face_mask(OUTLINE_OUTER_RADIUS), (size, size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    image.flags.writeable = False
    alpha.flags.writeable = False
    return image, alpha


def draw_emoji(image: np.ndarray, emotion: str, centre: tuple[int, int], size: int) -> None:
    """Draw the emoji of `emotion` into uint8 BGR `image` (H, W, 3) in place, clipped at the image edges."""
    patch, alpha = render_emoji(emotion, int(size))
    left, top = int(centre[0]) - patch.shape[1] // 2, int(centre[1]) - patch.shape[0] // 2
    height, width = image.shape[:2]
    x0, y0 = max(0, left), max(0, top)
    x1, y1 = min(width, left + patch.shape[1]), min(height, top + patch.shape[0])
    if x0 >= x1 or y0 >= y1:
        return
    patch = patch[y0 - top:y1 - top, x0 - left:x1 - left].astype(np.float32)
    weight = alpha[y0 - top:y1 - top, x0 - left:x1 - left, None]
    region = image[y0:y1, x0:x1].astype(np.float32)
    image[y0:y1, x0:x1] = (patch * weight + region * (1.0 - weight) + 0.5).astype(np.uint8)
