"""Image reading, face detection and cropping, emoji and annotation drawing (no model needed)."""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np
import pytest

from zoo.data.fer import EMOTIONS, decode_gray48
from zoo.errors import DataError
from zoo.vision.annotate import MIN_ANNOTATED_SIDE, annotate
from zoo.vision.emoji import draw_emoji, render_emoji
from zoo.vision.faces import Box, FaceDetector, crop, crop_face_gray48, expand_box
from zoo.vision.images import decode_image, exif_orientation, read_image, to_gray48

ASTRONAUT = Path(__file__).parent / "data" / "astronaut.jpg"
# Hand-labelled on the 256×256 test photo: forehead to chin, cheek to cheek, and feature points.
ASTRONAUT_FACE = Box(88, 33, 50, 57)
ASTRONAUT_EYES_AND_MOUTH = [(97, 46), (117, 46), (108, 72)]


def jpeg_with_orientation(image: np.ndarray, orientation: int, byte_order: str = "<") -> bytes:
    """Encode `image` as JPEG with an EXIF block holding only the orientation tag."""
    marker = b"II" if byte_order == "<" else b"MM"
    tiff = (
        marker + struct.pack(byte_order + "HI", 42, 8) + struct.pack(byte_order + "H", 1)
        + struct.pack(byte_order + "HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(byte_order + "I", 0)
    )
    app1 = b"Exif\x00\x00" + tiff
    encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 100])[1].tobytes()
    return encoded[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + encoded[2:]


def intersection_over_union(a: Box, b: Box) -> float:
    width = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
    height = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
    inter = max(0, width) * max(0, height)
    return inter / (a.area + b.area - inter)


@pytest.fixture(scope="module")
def detector():
    return FaceDetector()


@pytest.fixture(scope="module")
def astronaut():
    return read_image(ASTRONAUT)


# Image reading


@pytest.mark.parametrize("byte_order", ["<", ">"])
def test_exif_orientation_matches_opencv(byte_order):
    rng = np.random.default_rng(0)
    blocks = rng.integers(0, 256, (4, 6, 3), dtype=np.uint8)
    image = cv2.resize(blocks, (48, 32), interpolation=cv2.INTER_NEAREST)  # non-square, so rotations show
    for orientation in range(1, 9):
        buffer = np.frombuffer(jpeg_with_orientation(image, orientation, byte_order), np.uint8)
        expected = cv2.imdecode(buffer, cv2.IMREAD_COLOR)  # OpenCV applies the tag in this mode
        ours = decode_image(buffer)
        assert ours.shape == expected.shape, f"orientation {orientation}"
        assert np.array_equal(ours, expected), f"orientation {orientation}"


def test_exif_orientation_of_rotated_photo_is_upright(tmp_path):
    rotated = cv2.rotate(cv2.imread(str(ASTRONAUT)), cv2.ROTATE_90_COUNTERCLOCKWISE)
    path = tmp_path / "rotated.jpg"
    path.write_bytes(jpeg_with_orientation(rotated, 6))  # 6: display rotated 90° clockwise
    upright = read_image(path)
    assert upright.shape == (256, 256, 3)
    assert len(FaceDetector().detect(upright)) == 1


def test_exif_orientation_invalid_blocks():
    assert exif_orientation(b"") == 1
    assert exif_orientation(b"XX*\x00\x08\x00\x00\x00") == 1
    assert exif_orientation(b"II*\x00\xff\x00\x00\x00") == 1  # first directory past the end


def test_alpha_composited_over_white(tmp_path):
    bgra = np.zeros((10, 10, 4), np.uint8)
    bgra[:, :5] = (0, 0, 255, 255)  # opaque red
    bgra[:, 5:] = (0, 0, 0, 0)  # transparent black
    cv2.imwrite(str(tmp_path / "alpha.png"), bgra)
    image = read_image(tmp_path / "alpha.png")
    assert image.shape == (10, 10, 3)
    assert tuple(image[0, 0]) == (0, 0, 255)
    assert tuple(image[0, 9]) == (255, 255, 255)


def test_grayscale_and_16_bit_images(tmp_path):
    gray = np.tile(np.arange(0, 256, 16, dtype=np.uint8), (4, 1))
    cv2.imwrite(str(tmp_path / "gray.png"), gray)
    cv2.imwrite(str(tmp_path / "deep.png"), gray.astype(np.uint16) * 257)
    for name in ("gray.png", "deep.png"):
        image = read_image(tmp_path / name)
        assert image.shape == (4, 16, 3), name
        assert np.array_equal(image[:, :, 0], gray), name
        assert np.array_equal(image[:, :, 2], gray), name


def test_missing_image_is_named(tmp_path):
    with pytest.raises(DataError, match=r"Image .*absent\.jpg not found"):
        read_image(tmp_path / "absent.jpg")


def test_corrupt_image_is_named(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("not a picture")
    with pytest.raises(DataError, match=r"Cannot read image .*notes\.jpg: the file is empty, corrupt"):
        read_image(path)


def test_empty_file_and_folder_are_named(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(DataError, match=r"empty\.png"):
        read_image(tmp_path / "empty.png")
    with pytest.raises(DataError, match=r"Cannot read image"):
        read_image(tmp_path)


# Cropping to the model input


def test_gray48_matches_training_decoder():
    rng = np.random.default_rng(1)
    for shape in [(97, 61, 3), (48, 48, 3), (30, 200, 3)]:
        image = rng.integers(0, 256, shape, dtype=np.uint8)
        lossless = cv2.imencode(".png", image)[1]
        expected, _ = decode_gray48(lossless)
        assert np.array_equal(to_gray48(image), expected), shape


def test_expand_box_adds_margin_on_every_side():
    assert expand_box(Box(10, 20, 40, 40), 0.25) == Box(0, 10, 60, 60)
    assert expand_box(Box(10, 20, 40, 40), 0.0) == Box(10, 20, 40, 40)


def test_crop_outside_image_repeats_edge():
    image = np.arange(25, dtype=np.uint8).reshape(5, 5)
    patch = crop(image, Box(-2, 3, 4, 4))
    assert patch.shape == (4, 4)
    assert np.array_equal(patch[:2, 2:], image[3:5, 0:2])  # the part inside the image
    assert np.all(patch[:2, 0] == image[3:5, 0])  # left padding repeats column 0
    assert np.all(patch[3, 2:] == image[4, 0:2])  # bottom padding repeats row 4


def test_crop_face_gray48_takes_box_region():
    image = np.zeros((100, 100, 3), np.uint8)
    image[20:60, 30:70] = 200  # a bright square exactly filling the box
    face = crop_face_gray48(image, Box(30, 20, 40, 40))
    assert face.shape == (48, 48)
    assert face.dtype == np.uint8
    assert face.min() == face.max() == to_gray48(np.full((4, 4, 3), 200, np.uint8))[0, 0]
    with_margin = crop_face_gray48(image, Box(30, 20, 40, 40), margin=0.25)
    assert with_margin[0, 0] == 0  # the margin reaches the dark surroundings
    assert with_margin[24, 24] == face[0, 0]


# Face detection


def test_detector_finds_astronaut_face(detector, astronaut):
    boxes = detector.detect(astronaut)
    assert len(boxes) == 1
    box = boxes[0]
    assert intersection_over_union(box, ASTRONAUT_FACE) > 0.6
    for x, y in ASTRONAUT_EYES_AND_MOUTH:
        assert box.x <= x <= box.x + box.width
        assert box.y <= y <= box.y + box.height


def test_detector_finds_every_face(detector, astronaut):
    pair = np.hstack([astronaut, astronaut[:, ::-1]])
    boxes = detector.detect(pair)
    assert len(boxes) == 2
    assert boxes[0].x < 256 <= boxes[1].x  # ordered left to right
    assert abs(boxes[1].x + boxes[1].width - (512 - boxes[0].x)) <= 4  # the mirror image of the first


def test_detector_on_large_image_returns_full_resolution_boxes(detector, astronaut):
    large = cv2.resize(astronaut, (2048, 2048), interpolation=cv2.INTER_CUBIC)
    boxes = detector.detect(large)
    assert len(boxes) == 1
    assert intersection_over_union(boxes[0].scaled(256 / 2048), ASTRONAUT_FACE) > 0.6


def test_detector_finds_no_face_in_plain_images(detector):
    assert detector.detect(np.full((120, 160, 3), 128, np.uint8)) == []
    noise = np.random.default_rng(2).integers(0, 256, (120, 160), dtype=np.uint8)
    assert detector.detect(noise) == []


# Emoji and annotation


def test_emoji_are_distinct_and_not_blank():
    patches = {emotion: render_emoji(emotion, 64) for emotion in EMOTIONS}
    for emotion, (image, alpha) in patches.items():
        assert image.shape == (64, 64, 3), emotion
        assert alpha[32, 32] == pytest.approx(1.0), emotion
        assert alpha[0, 0] == pytest.approx(0.0), emotion
        inside = image[alpha > 0.99]
        assert inside.std() > 20, f"{emotion} has no drawn features"
    for first in EMOTIONS:
        for second in EMOTIONS:
            if first < second:
                difference = np.abs(patches[first][0].astype(int) - patches[second][0].astype(int)).mean()
                assert difference > 3, f"{first} and {second} look alike"


def test_emoji_colours():
    for emotion in EMOTIONS:
        image, _ = render_emoji(emotion, 64)
        blue, green, red = (int(value) for value in image[40, 12])  # the left cheek
        if emotion == "disgust":
            assert green > red + 40, emotion
            assert green > blue + 40, emotion
        else:
            assert red > 200, emotion
            assert green > 150, emotion
            assert blue < 120, emotion


def test_emoji_clipped_at_image_edge():
    canvas = np.zeros((40, 40, 3), np.uint8)
    draw_emoji(canvas, "happy", (0, 0), 30)  # three quarters fall outside
    drawn = canvas.sum(axis=2) > 0
    assert drawn[:8, :8].all()
    assert not drawn[16:, :].any()
    assert not drawn[:, 16:].any()
    draw_emoji(canvas, "sad", (500, 500), 30)  # entirely outside: nothing drawn, no error


def test_annotate_draws_box_and_label(astronaut):
    class Face:
        box = Box(85, 30, 54, 54)
        emotion = "happy"
        probability = 0.87

    annotated = annotate(astronaut, [Face()])
    scale = MIN_ANNOTATED_SIDE / 256
    assert annotated.shape == (MIN_ANNOTATED_SIDE, MIN_ANNOTATED_SIDE, 3)
    assert annotated is not astronaut
    enlarged = cv2.resize(astronaut, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    changed = np.any(annotated != enlarged, axis=2)
    box = Face.box.scaled(scale)
    assert changed[box.y + box.height // 2, box.x]  # the box's left edge
    assert changed[box.y - 5, box.x + 5:box.x + 40].all()  # the label bar above the box
    assert not changed[400:, :].any()  # nothing drawn far from the face
