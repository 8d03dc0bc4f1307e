"""FER-2013 loading: the Kaggle folder layout and the original `fer2013.csv`, one label mapping.

Label ids follow the alphabetical order of the folder names (`EMOTIONS`). The CSV numbers the
classes differently (0=Angry 1=Disgust 2=Fear 3=Happy 4=Sad 5=Surprise 6=Neutral), so its
labels pass through `CSV_LABEL_TO_ID`.

Images are returned as `uint8` arrays of shape (N, 48, 48); colour images are converted to
grayscale and other sizes resized, and both are counted in `FerData.converted`.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np

from zoo.data.paths import cache_dir
from zoo.errors import DataError

EMOTIONS = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")
EMOJI = {
    "angry": "\U0001F620",
    "disgust": "\U0001F922",
    "fear": "\U0001F628",
    "happy": "\U0001F604",
    "neutral": "\U0001F610",
    "sad": "\U0001F622",
    "surprise": "\U0001F632",
}
IMAGE_SIZE = 48

# fer2013.csv label -> EMOTIONS index. The CSV order is Angry, Disgust, Fear, Happy, Sad, Surprise, Neutral.
CSV_LABEL_TO_ID = np.array([0, 1, 2, 3, 5, 6, 4], dtype=np.int32)

# Usage codes stored per image. Folder images come from the file-name prefix; test images with
# no known prefix get USAGE_TEST, which belongs to the whole test folder but to neither half.
USAGE_TRAINING, USAGE_PUBLIC_TEST, USAGE_PRIVATE_TEST, USAGE_TEST = 0, 1, 2, 3
USAGE_NAMES = {"Training": USAGE_TRAINING, "PublicTest": USAGE_PUBLIC_TEST, "PrivateTest": USAGE_PRIVATE_TEST}

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".pgm", ".tif", ".tiff", ".webp"}
CACHE_VERSION = 1

HOW_TO_GET = (
    "Download FER-2013 (the Kaggle folder layout with train/<emotion>/ and test/<emotion>/, "
    "or the original fer2013.csv) and pass its folder with --data-dir or the environment "
    "variable ZOO_DATA_DIR."
)


@dataclasses.dataclass
class FerData:
    """Decoded FER-2013 images with labels and the official usage of each image."""

    images: np.ndarray  # (N, 48, 48) uint8
    labels: np.ndarray  # (N,) int32, index into EMOTIONS
    usage: np.ndarray  # (N,) int8, one of the USAGE_* codes
    names: list[str]  # source file name or "csv row K", for error messages and samples
    source: str  # the folder or CSV file that was read
    converted: int = 0  # colour or non-48x48 images that were converted
    skipped: int = 0  # unreadable images skipped because skip_corrupt was set


def find_fer_source(data_dir: Path, described_as: str = "--data-dir") -> Path:
    """Return the FER-2013 folder (holding train/ and test/) or CSV file under `data_dir`."""
    candidates = [
        data_dir / "fer2013",
        data_dir,
        data_dir / "fer2013" / "fer2013.csv",
        data_dir / "fer2013.csv",
    ]
    for candidate in candidates:
        if candidate.suffix == ".csv":
            if candidate.is_file():
                return candidate
        elif (candidate / "train").is_dir() and (candidate / "test").is_dir():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    if not data_dir.exists():
        raise DataError(f"Data folder {data_dir} does not exist; the path came from {described_as}. {HOW_TO_GET}")
    raise DataError(
        f"FER-2013 not found under {data_dir}, a path that came from {described_as}. Looked for train/ and "
        f"test/ folders or fer2013.csv at: {looked}. {HOW_TO_GET}"
    )


def load_fer(source: Path, *, skip_corrupt: bool = False, use_cache: bool = True) -> FerData:
    """Load FER-2013 from a folder layout or a CSV file, using the decoded-array cache when it matches."""
    source = Path(source)
    if source.suffix == ".csv":
        fingerprint = [(source.name, source.stat().st_size, source.stat().st_mtime_ns)]
        loader = lambda: _load_csv(source)  # noqa: E731
    else:
        files = _list_folder(source)
        fingerprint = [(str(path.relative_to(source)), path.stat().st_size) for path, _, _ in files]
        loader = lambda: _load_folder(source, files, skip_corrupt)  # noqa: E731

    key = hashlib.sha256(
        json.dumps([CACHE_VERSION, str(source.resolve()), skip_corrupt, fingerprint]).encode()
    ).hexdigest()[:20]
    if not use_cache:
        return loader()
    cache_path = cache_dir() / f"fer2013-{key}.npz"
    if cache_path.is_file():
        try:
            return _read_cache(cache_path, source)
        except (OSError, ValueError, KeyError):
            cache_path.unlink(missing_ok=True)  # a cache cut short by a killed run is rebuilt

    data = loader()
    _write_cache(cache_path, data)
    return data


def _list_folder(root: Path) -> list[tuple[Path, int, int]]:
    """Return (path, label id, usage code) for every image under root/train and root/test."""
    files = []
    for split in ("train", "test"):
        split_dir = root / split
        class_dirs = sorted(p for p in split_dir.iterdir() if p.is_dir())
        unknown = [p.name for p in class_dirs if p.name.lower() not in EMOTIONS]
        if unknown:
            raise DataError(
                f"Unknown class folder(s) {unknown} in {split_dir}; expected only {list(EMOTIONS)}. "
                "Rename or remove them."
            )
        for class_dir in class_dirs:
            images = sorted(p for p in class_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not images:
                raise DataError(
                    f"Class folder {class_dir} contains no images ({', '.join(sorted(IMAGE_SUFFIXES))}); "
                    "the data set is incomplete, so download it again."
                )
            label = EMOTIONS.index(class_dir.name.lower())
            for path in images:
                files.append((path, label, _usage_from_name(path.name, split)))
    return files


def _usage_from_name(name: str, split: str) -> int:
    if split == "train":
        return USAGE_TRAINING
    prefix = name.split("_", 1)[0]
    return {"PublicTest": USAGE_PUBLIC_TEST, "PrivateTest": USAGE_PRIVATE_TEST}.get(prefix, USAGE_TEST)


def decode_gray48(buffer: np.ndarray) -> tuple[np.ndarray | None, bool]:
    """Decode an encoded image to (48, 48) uint8 grayscale; return (image or None, whether it was converted).

    An empty buffer (a 0-byte file) returns None like any other unreadable image.
    """
    if buffer.size == 0:
        return None, False  # cv2.imdecode raises on an empty buffer instead of returning None
    image = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        return None, False
    converted = False
    if image.dtype != np.uint8:
        image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
        converted = True
    if image.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        image = cv2.cvtColor(image, code) if image.shape[2] in (3, 4) else image[:, :, 0]
        converted = True
    if image.shape != (IMAGE_SIZE, IMAGE_SIZE):
        image = cv2.resize(image, (IMAGE_SIZE, IMAGE_SIZE), interpolation=cv2.INTER_AREA)
        converted = True
    return image, converted


def _read_and_decode(path: Path) -> tuple[np.ndarray | None, bool]:
    try:
        buffer = np.fromfile(path, dtype=np.uint8)
    except OSError:
        return None, False
    return decode_gray48(buffer)


def _load_folder(root: Path, files: list[tuple[Path, int, int]], skip_corrupt: bool) -> FerData:
    # OpenCV releases the GIL while decoding, so threads decode in parallel.
    with ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 1) * 2)) as pool:
        decoded = list(pool.map(_read_and_decode, [path for path, _, _ in files], chunksize=256))

    images, labels, usage, names = [], [], [], []
    converted = skipped = 0
    for (path, label, usage_code), (image, was_converted) in zip(files, decoded):
        if image is None:
            if not skip_corrupt:
                raise DataError(
                    f"Cannot read image {path}: the file is corrupt or not an image. Delete or replace "
                    "it, or set data.skip_corrupt=True to skip unreadable images."
                )
            skipped += 1
            continue
        converted += was_converted
        images.append(image)
        labels.append(label)
        usage.append(usage_code)
        names.append(str(path.relative_to(root)))
    return FerData(
        images=np.stack(images),
        labels=np.asarray(labels, np.int32),
        usage=np.asarray(usage, np.int8),
        names=names,
        source=str(root),
        converted=converted,
        skipped=skipped,
    )


def _load_csv(path: Path) -> FerData:
    images, labels, usage, names = [], [], [], []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        expected = ["emotion", "pixels", "Usage"]
        if header is None or [h.strip() for h in header] != expected:
            raise DataError(f"{path}: row 1 must be the header {','.join(expected)}, found {header}.")
        for row_number, row in enumerate(reader, start=2):
            where = f"{path}: row {row_number}"
            if len(row) != 3:
                raise DataError(f"{where} has {len(row)} fields; expected 3 (emotion,pixels,Usage).")
            emotion, pixels, usage_name = row
            if not emotion.strip().isdigit() or not 0 <= int(emotion) <= 6:
                raise DataError(f"{where}: emotion {emotion!r} is not an integer from 0 to 6.")
            try:
                values = np.array(pixels.split(), dtype=np.int64)
            except ValueError:
                raise DataError(f"{where}: pixels contain a value that is not an integer.") from None
            if values.size != IMAGE_SIZE * IMAGE_SIZE or values.min() < 0 or values.max() > 255:
                raise DataError(
                    f"{where}: pixels must be {IMAGE_SIZE * IMAGE_SIZE} integers from 0 to 255, "
                    f"found {values.size} values."
                )
            if usage_name.strip() not in USAGE_NAMES:
                raise DataError(
                    f"{where}: Usage {usage_name!r} is not one of {sorted(USAGE_NAMES)}."
                )
            images.append(values.astype(np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE))
            labels.append(CSV_LABEL_TO_ID[int(emotion)])
            usage.append(USAGE_NAMES[usage_name.strip()])
            names.append(f"csv row {row_number}")
    if not images:
        raise DataError(f"{path} contains a header but no rows; add data rows or use another file.")
    return FerData(
        images=np.stack(images),
        labels=np.asarray(labels, np.int32),
        usage=np.asarray(usage, np.int8),
        names=names,
        source=str(path),
    )


def _write_cache(path: Path, data: FerData) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + f".{os.getpid()}.tmp")
    with open(partial, "wb") as handle:
        np.savez(
            handle,
            images=data.images,
            labels=data.labels,
            usage=data.usage,
            names=np.asarray(data.names),
            counts=np.asarray([data.converted, data.skipped]),
        )
    os.replace(partial, path)  # atomic, so a killed run never leaves half a cache


def _read_cache(path: Path, source: Path) -> FerData:
    with np.load(path) as arrays:
        converted, skipped = (int(v) for v in arrays["counts"])
        return FerData(
            images=arrays["images"],
            labels=arrays["labels"],
            usage=arrays["usage"],
            names=arrays["names"].tolist(),
            source=str(source),
            converted=converted,
            skipped=skipped,
        )
