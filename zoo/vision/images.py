"""Read any photo as an upright 8-bit BGR image (H, W, 3).

Handles grayscale, alpha (composited over white), 16-bit and float images, and the EXIF
orientation tag. OpenCV applies the orientation itself only when it also drops alpha and
depth (`IMREAD_COLOR`), so the image is decoded unchanged and the tag is applied here.
"""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np

from zoo.data.fer import IMAGE_SIZE
from zoo.errors import DataError

EXIF_ORIENTATION_TAG = 0x0112
TIFF_SHORT = 3

# Extensions that cv2.imwrite encodes in the opencv-python 4.14 wheels, which pick the format by extension.
WRITABLE_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def read_image(path: str | Path) -> np.ndarray:
    """Return the image at `path` as upright uint8 BGR (H, W, 3); raise DataError naming the file."""
    path = Path(path)
    try:
        buffer = np.fromfile(path, dtype=np.uint8)
    except FileNotFoundError:
        raise DataError(f"Image {path} not found; check the path.") from None
    except IsADirectoryError:
        raise DataError(f"Cannot read image {path}: it is a folder. Pass an image file inside it.") from None
    except (PermissionError, OSError) as error:
        raise DataError(f"Cannot read image {path}: {error.strerror or error}. Check the path and its permissions.") from None
    image = decode_image(buffer)
    if image is None:
        raise DataError(
            f"Cannot read image {path}: the file is empty, corrupt or not an image format OpenCV "
            "decodes (JPEG, PNG, BMP, TIFF, WebP, ...). Pass a photo."
        )
    return image


def decode_image(buffer: np.ndarray) -> np.ndarray | None:
    """Decode encoded bytes (N,) uint8 to upright uint8 BGR (H, W, 3); return None when undecodable."""
    if buffer.size == 0:
        return None
    image, metadata_types, metadata = cv2.imdecodeWithMetadata(buffer, flags=cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        return None
    orientation = 1
    for kind, block in zip(np.asarray(metadata_types).ravel(), metadata):
        if kind == cv2.IMAGE_METADATA_EXIF:
            orientation = exif_orientation(np.asarray(block, np.uint8).tobytes())
    bgr = to_bgr8(image)
    return apply_orientation(bgr, orientation)


def to_bgr8(image: np.ndarray) -> np.ndarray:
    """Convert a decoded image (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) of any depth to uint8 BGR (H, W, 3)."""
    image = _to_uint8(image)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    channels = image.shape[2]
    if channels == 1:
        return cv2.cvtColor(image[:, :, 0], cv2.COLOR_GRAY2BGR)
    if channels == 4:
        return _composite_over_white(image)
    return image[:, :, :3]


def _to_uint8(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        return (image.astype(np.uint32) // 257).astype(np.uint8)  # 65535 / 257 = 255
    if np.issubdtype(image.dtype, np.floating):
        # Floating-point images (EXR, HDR, float TIFF) are taken to span [0, 1], and brighter values clip.
        return (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)


def _composite_over_white(image_BGRA: np.ndarray) -> np.ndarray:
    # Fully transparent pixels often hold black or garbage colour, so they are replaced by
    # white, the background a viewer shows, instead of having their alpha dropped.
    alpha = image_BGRA[:, :, 3:4].astype(np.float32) / 255.0
    colour = image_BGRA[:, :, :3].astype(np.float32)
    blended = colour * alpha + 255.0 * (1.0 - alpha)
    return (blended + 0.5).astype(np.uint8)


def exif_orientation(exif: bytes) -> int:
    """Return the orientation tag (1 to 8) of a TIFF-structured EXIF block, or 1 when it is absent or invalid."""
    if exif.startswith(b"Exif\x00\x00"):
        exif = exif[6:]
    if len(exif) < 8 or exif[:2] not in (b"II", b"MM"):
        return 1
    order = "<" if exif[:2] == b"II" else ">"
    (first_ifd,) = struct.unpack_from(order + "I", exif, 4)
    if first_ifd + 2 > len(exif):
        return 1
    (entry_count,) = struct.unpack_from(order + "H", exif, first_ifd)
    for index in range(entry_count):
        offset = first_ifd + 2 + 12 * index
        if offset + 12 > len(exif):
            return 1
        tag, value_type, count = struct.unpack_from(order + "HHI", exif, offset)
        if tag == EXIF_ORIENTATION_TAG and value_type == TIFF_SHORT and count >= 1:
            (value,) = struct.unpack_from(order + "H", exif, offset + 8)
            return value if 1 <= value <= 8 else 1
    return 1


def apply_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    """Turn an image stored with EXIF `orientation` upright, as OpenCV's IMREAD_COLOR does."""
    transforms = {
        1: lambda a: a,
        2: lambda a: a[:, ::-1],  # mirrored left to right
        3: lambda a: a[::-1, ::-1],  # rotated 180°
        4: lambda a: a[::-1, :],  # mirrored top to bottom
        5: lambda a: np.swapaxes(a, 0, 1),  # transposed
        6: lambda a: np.swapaxes(a, 0, 1)[:, ::-1],  # rotated 90° clockwise
        7: lambda a: np.swapaxes(a, 0, 1)[::-1, ::-1],  # transversed
        8: lambda a: np.swapaxes(a, 0, 1)[::-1, :],  # rotated 90° counter-clockwise
    }
    return np.ascontiguousarray(transforms.get(orientation, transforms[1])(image))


def to_gray48(image: np.ndarray) -> np.ndarray:
    """Convert a uint8 BGR (H, W, 3) or gray (H, W) image to the model's (48, 48) uint8 grayscale.

    Uses the same colour conversion and INTER_AREA resize as `zoo.data.fer.decode_gray48`,
    which prepared the training images.
    """
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    if gray.shape != (IMAGE_SIZE, IMAGE_SIZE):
        gray = cv2.resize(gray, (IMAGE_SIZE, IMAGE_SIZE), interpolation=cv2.INTER_AREA)
    return gray
