"""Latency of the two inference paths users wait on, after warm-up, as medians over repeats.

1. Emotion: Haar face detection plus classification of every face on a 512×512 photo
   (the test photo of the repository, resized), timed as a whole and in its two parts.
2. Translation: greedy decoding (beam 1) of one 10-word English sentence.

    python benchmarks/inference_latency.py --fer-workdir runs/cnn4 --nmt-workdir runs/nmt_base

Each path loads its trained run once, runs a few untimed warm-up calls (compilation), then
times `--repeats` calls one by one and prints a markdown table.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import click
import cv2
import jax
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import log, machine, markdown_table, versions  # noqa: E402

from zoo.fer.predict import EmotionClassifier, recognise_emotions  # noqa: E402
from zoo.nmt.predict import Translator  # noqa: E402
from zoo.vision.faces import FaceDetector  # noqa: E402
from zoo.vision.images import read_image  # noqa: E402

PHOTO = Path(__file__).resolve().parent.parent / "tests" / "data" / "astronaut.jpg"
SENTENCE = "the old man walked slowly to the market every morning"  # 10 words


def time_calls(call, repeats: int, warmup: int) -> list[float]:
    """Return the wall time in seconds of each of `repeats` calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def emotion_rows(workdir: Path, repeats: int, warmup: int) -> list[list[str]]:
    image = cv2.resize(read_image(PHOTO), (512, 512), interpolation=cv2.INTER_AREA)
    classifier = EmotionClassifier.from_workdir(workdir)
    detector = FaceDetector()
    faces = recognise_emotions(image, classifier, detector)
    log(f"emotion: {len(faces)} face(s), {[face.emotion for face in faces]}")
    crops = np.zeros((max(len(faces), 1), 48, 48), np.uint8)

    total = time_calls(lambda: recognise_emotions(image, classifier, detector), repeats, warmup)
    detection = time_calls(lambda: detector.detect(image), repeats, warmup)
    classification = time_calls(lambda: classifier.predict(crops), repeats, warmup)
    return [
        [f"emotion, 512×512 photo ({workdir})", "detection + classification", ms(total)],
        ["", "detection only", ms(detection)],
        ["", f"classification only ({len(crops)} face)", ms(classification)],
    ]


def translation_rows(workdir: Path, repeats: int, warmup: int) -> list[list[str]]:
    translator = Translator.from_workdir(workdir)
    output = translator.translate([SENTENCE], beam_size=1)
    log(f"translation: {SENTENCE!r} -> {output[0]!r}")
    times = time_calls(lambda: translator.translate([SENTENCE], beam_size=1), repeats, warmup)
    return [[f"translation, 10 words ({workdir})", "greedy decoding", ms(times)]]


def ms(seconds: list[float]) -> str:
    return f"{1e3 * statistics.median(seconds):.1f} (min {1e3 * min(seconds):.1f})"


@click.command()
@click.option("--fer-workdir", type=click.Path(path_type=Path), default=None, help="A train_fer.py run folder.")
@click.option("--nmt-workdir", type=click.Path(path_type=Path), default=None, help="A train_nmt.py run folder.")
@click.option("--repeats", default=30, show_default=True, help="Timed calls per measurement.")
@click.option("--warmup", default=3, show_default=True, help="Untimed calls before timing.")
def main(fer_workdir, nmt_workdir, repeats, warmup):
    """Time emotion inference and greedy translation with trained runs."""
    if fer_workdir is None and nmt_workdir is None:
        raise click.UsageError("Give --fer-workdir, --nmt-workdir or both.")
    rows = []
    if fer_workdir is not None:
        rows += emotion_rows(fer_workdir, repeats, warmup)
    if nmt_workdir is not None:
        rows += translation_rows(nmt_workdir, repeats, warmup)
    info = machine()
    print(markdown_table(["path", "part", "median ms"], rows))
    print()
    print(f"Machine: {info['cpu']}, {info['cores']} cores, load average {info['load average (1, 5, 15 min)']}; "
          f"{versions(jax, np, cv2)}; backend {jax.default_backend()}.")
    print(f"Command: python {' '.join(sys.argv)}")


if __name__ == "__main__":
    main()
