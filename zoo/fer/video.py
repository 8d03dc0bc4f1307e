"""Emotion recognition on a camera or video stream: label every face of every frame, overlay the FPS."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import cv2
import numpy as np

from zoo.data.fer import IMAGE_SIZE
from zoo.errors import DataError, ZooError
from zoo.fer.predict import EmotionClassifier, recognise_emotions
from zoo.vision.annotate import annotate, draw_fps
from zoo.vision.faces import DEFAULT_MARGIN, FaceDetector

log = logging.getLogger(__name__)

FALLBACK_FPS = 30.0  # for streams that report no frame rate, as many cameras do
FPS_SMOOTHING = 0.1  # weight of the newest frame in the FPS moving average
QUIT_KEYS = (ord("q"), 27)  # q and Esc close the preview window
VIDEO_SUFFIXES = (".mp4",)  # the writer encodes MPEG-4 Part 2 (fourcc mp4v), which belongs in an .mp4 file


def has_display_support() -> bool:
    """Return whether this OpenCV build can open windows (the headless wheels cannot)."""
    for line in cv2.getBuildInformation().splitlines():
        if line.strip().startswith("GUI:"):
            return line.split(":", 1)[1].strip().upper() != "NONE"
    return False


def open_capture(camera: int | None, video: str | Path | None) -> cv2.VideoCapture:
    """Open `video` (a file) when given, else camera number `camera`; raise a ZooError naming it on failure."""
    if video is not None:
        path = Path(video)
        if not path.is_file():
            raise DataError(f"Video {path} not found; check the path.")
        unreadable = (
            f"Cannot read video {path}: the file is empty, corrupt or not a format FFmpeg decodes. "
            "Pass a video file such as an .mp4 recording."
        )
        # OpenCV opens some files that contain no decodable frame, such as a text file named .jpg,
        # so the first frame is read here and the file is opened again to start from it.
        probe = cv2.VideoCapture(str(path))
        has_frame = probe.isOpened() and probe.read()[0]
        probe.release()
        if not has_frame:
            raise DataError(unreadable)
        capture = cv2.VideoCapture(str(path))
        if not capture.isOpened():
            raise DataError(unreadable)
        return capture
    capture = cv2.VideoCapture(camera)
    if not capture.isOpened():
        raise ZooError(
            f"Cannot open camera {camera}: no such device, or another program is using it. "
            "Pass another --camera number, or --video FILE to read a recording."
        )
    return capture


def open_writer(path: Path, fps: float, frame_size: tuple[int, int]) -> cv2.VideoWriter:
    """Open an MPEG-4 (mp4v) writer for frames of `frame_size` (width, height)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, frame_size)
    if not writer.isOpened():
        raise ZooError(f"Cannot write video {path}; use a writable path ending in .mp4.")
    return writer


def annotate_stream(
    capture: cv2.VideoCapture,
    classifier: EmotionClassifier,
    detector: FaceDetector,
    out: Path | None,
    *,
    margin: float = DEFAULT_MARGIN,
    max_frames: int | None = None,
) -> int:
    """Label the faces of every frame of `capture` and write the frames to `out` (or show them when None).

    Stops at the end of the stream, after `max_frames` frames, on Ctrl-C, or when q or Esc is
    pressed in the preview window. Returns the number of frames processed.
    """
    fps = capture.get(cv2.CAP_PROP_FPS)
    fps = fps if np.isfinite(fps) and fps > 0 else FALLBACK_FPS
    writer = None
    frames = 0
    smoothed_fps = None
    classifier.predict(np.zeros((1, IMAGE_SIZE, IMAGE_SIZE), np.uint8))  # compile now, so the FPS excludes it
    try:
        while max_frames is None or frames < max_frames:
            ok, frame = capture.read()
            if not ok:
                break
            started = time.perf_counter()
            annotated = annotate(frame, recognise_emotions(frame, classifier, detector, margin))
            rate = 1.0 / max(time.perf_counter() - started, 1e-6)
            smoothed_fps = rate if smoothed_fps is None else (1 - FPS_SMOOTHING) * smoothed_fps + FPS_SMOOTHING * rate
            draw_fps(annotated, smoothed_fps)
            frames += 1

            if out is not None:
                if writer is None:
                    writer = open_writer(out, fps, (annotated.shape[1], annotated.shape[0]))
                writer.write(annotated)
            else:
                # NOTE: only reachable with an OpenCV build that has GUI support; the project's
                # headless wheel never gets here, so this branch is untested.
                cv2.imshow("zoo emotion", annotated)
                if cv2.waitKey(1) & 0xFF in QUIT_KEYS:
                    break
    except KeyboardInterrupt:
        log.info("Interrupted after %d frames.", frames)
    finally:
        capture.release()
        if writer is not None:
            writer.release()
        if out is None and frames:
            cv2.destroyAllWindows()
    return frames
