"""infer.py end to end (emotion, webcam, feature-maps) with a tiny model trained by the real loop.

The model trains for one epoch on random 48×48 images, so its labels are meaningless. The test
that the astronaut photo is labelled happy needs a trained run and reads it from ZOO_FER_WORKDIR.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import cv2
import jax.numpy as jnp
import numpy as np
import pytest
from click.testing import CliRunner
from flax import nnx

from zoo.config import load_config
from zoo.data.fer import EMOJI, EMOTIONS
from zoo.fer.evaluate import predict_probabilities
from zoo.fer.feature_maps import grad_cam, layer_feature_maps
from zoo.fer.predict import WORKDIR_ENV, EmotionClassifier
from zoo.fer.train import train_and_evaluate
from zoo.fer.task import to_model_input
from zoo.models import create_fer_model
from zoo.models.layers import BatchNorm, Conv, Dense, Flatten, GlobalAveragePool, MaxPool, Sequential
from zoo.report import write_report
from zoo.training.loop import train
from zoo.vision.faces import Box

REPO_ROOT = Path(__file__).resolve().parent.parent
ASTRONAUT = REPO_ROOT / "tests" / "data" / "astronaut.jpg"
ASTRONAUT_FACE = Box(88, 33, 50, 57)  # hand-labelled: forehead to chin, cheek to cheek


def load_infer_script():
    spec = importlib.util.spec_from_file_location("infer_script", REPO_ROOT / "infer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


infer = load_infer_script()


def write_random_fer(root: Path, per_class: int = 4) -> Path:
    """Write a FER-2013 folder layout of random images: `per_class` training and 2 test images per class."""
    rng = np.random.default_rng(0)
    for split, names in (("train", [f"Training_{i}" for i in range(per_class)]), ("test", ["PublicTest_0", "PrivateTest_0"])):
        for emotion in EMOTIONS:
            folder = root / "fer2013" / split / emotion
            folder.mkdir(parents=True)
            for name in names:
                cv2.imwrite(str(folder / f"{name}.png"), rng.integers(0, 256, (48, 48), dtype=np.uint8))
    return root


def tiny_config(*overrides):
    return load_config(REPO_ROOT / "configs" / "smoke.py", [
        "data.subset=1.0", "data.cache=false", "train.epochs=1", "train.batch_size=8",
        "train.eval_batch_size=16", *overrides,
    ])


@pytest.fixture(scope="module")
def fer_run(tmp_path_factory) -> Path:
    """A workdir with a 1-epoch cnn_baseline checkpoint written by the FER training loop."""
    data_dir = write_random_fer(tmp_path_factory.mktemp("data"))
    workdir = tmp_path_factory.mktemp("fer_run")
    train_and_evaluate(tiny_config(), workdir, str(data_dir))
    return workdir


class LinearTask:
    """A two-weight regression task: the cheapest way to get the loop to write a checkpoint of another task."""

    batch_size = 4

    def __init__(self):
        self.batch = {"x": jnp.ones((4, 2)), "y": jnp.zeros(4)}

    def create_model(self, rngs):
        return nnx.Linear(2, 1, rngs=rngs)

    def loss(self, model, batch, key, train):
        losses = jnp.square(model(batch["x"])[:, 0] - batch["y"])
        return jnp.mean(losses), {"loss": jnp.sum(losses), "correct": jnp.zeros(()), "count": jnp.asarray(4.0)}

    def num_train_batches(self):
        return 1

    def train_batches(self, epoch):
        yield self.batch

    def eval_batches(self, split):
        yield self.batch

    def checkpoint_extras(self):
        return {}


@pytest.fixture(scope="module")
def other_task_run(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("nmt_run")
    train(LinearTask(), tiny_config(), workdir, task_name="nmt")
    return workdir


def run_infer(*args, env=None):
    environment = {WORKDIR_ENV: None, **(env or {})}  # ignore a ZOO_FER_WORKDIR set by the caller
    return CliRunner().invoke(infer.main, [str(arg) for arg in args], env=environment)


def intersection_over_union(a: Box, b: Box) -> float:
    width = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
    height = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
    inter = max(0, width) * max(0, height)
    return inter / (a.area + b.area - inter)


# emotion


def test_emotion_finds_astronaut_face(fer_run, tmp_path):
    out = tmp_path / "annotated.png"
    result = run_infer("emotion", ASTRONAUT, "--workdir", fer_run, "--out", out)
    assert result.exit_code == 0, result.output
    face_lines = [line for line in result.stdout.splitlines() if ": face " in line]
    assert len(face_lines) == 1
    match = re.fullmatch(r".*: face 1 at x=(\d+) y=(\d+) w=(\d+) h=(\d+): (\w+) ([\d.]+) (\S+)", face_lines[0])
    assert match, face_lines[0]
    box = Box(*(int(value) for value in match.groups()[:4]))
    assert intersection_over_union(box, ASTRONAUT_FACE) > 0.6
    emotion, probability, emoji = match.groups()[4:]
    assert emotion in EMOTIONS
    assert 0.0 < float(probability) <= 1.0
    assert emoji == EMOJI[emotion]

    annotated = cv2.imread(str(out))
    assert annotated is not None
    assert annotated.shape[0] >= 256


def test_emotion_json_output(fer_run):
    result = run_infer("emotion", ASTRONAUT, "--workdir", fer_run, "--json")
    assert result.exit_code == 0, result.output
    images = json.loads(result.stdout)
    assert [entry["image"] for entry in images] == [str(ASTRONAUT)]
    faces = images[0]["faces"]
    assert len(faces) == 1
    face = faces[0]
    assert set(face["box"]) == {"x", "y", "width", "height"}
    assert set(face["probabilities"]) == set(EMOTIONS)
    assert sum(face["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    assert face["emotion"] == max(face["probabilities"], key=face["probabilities"].get)
    assert face["probability"] == face["probabilities"][face["emotion"]]
    assert face["emoji"] == EMOJI[face["emotion"]]


def test_emotion_reports_every_face(fer_run, tmp_path):
    photo = cv2.imread(str(ASTRONAUT))
    cv2.imwrite(str(tmp_path / "pair.png"), np.hstack([photo, photo[:, ::-1]]))
    result = run_infer("emotion", tmp_path / "pair.png", "--workdir", fer_run, "--json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)[0]["faces"]) == 2


def test_emotion_no_face_suggests_no_detect(fer_run, tmp_path):
    cv2.imwrite(str(tmp_path / "wall.png"), np.full((120, 160, 3), 90, np.uint8))
    result = run_infer("emotion", tmp_path / "wall.png", "--workdir", fer_run)
    assert result.exit_code == 2
    assert f"No face found in {tmp_path / 'wall.png'}" in result.stderr
    assert "--no-detect" in result.stderr


def test_emotion_no_detect_uses_whole_image(fer_run, tmp_path):
    cv2.imwrite(str(tmp_path / "wall.png"), np.full((120, 160, 3), 90, np.uint8))
    result = run_infer("emotion", tmp_path / "wall.png", "--workdir", fer_run, "--json", "--no-detect")
    assert result.exit_code == 0, result.output
    faces = json.loads(result.stdout)[0]["faces"]
    assert len(faces) == 1
    assert faces[0]["box"] == {"x": 0, "y": 0, "width": 160, "height": 120}


def test_emotion_unreadable_file_is_named(tmp_path):
    (tmp_path / "notes.jpg").write_text("not a picture")
    # The image is read before the model, so even a missing run reports the file first.
    result = run_infer("emotion", ASTRONAUT, tmp_path / "notes.jpg", "--workdir", tmp_path / "no_run")
    assert result.exit_code == 2
    assert f"Cannot read image {tmp_path / 'notes.jpg'}" in result.stderr
    assert "Traceback" not in result.output


def bad_image_outputs(tmp_path: Path) -> list[tuple[Path, str]]:
    """Return (--out path, expected message part) for every kind of unwritable annotated-image path."""
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    cases = [
        (tmp_path / "ann.txt", "has the extension '.txt'"),
        (tmp_path / "ann", "has no extension"),
        (tmp_path, "is a folder; pass a file path"),
        (tmp_path / "notes.txt" / "ann.png", f"{tmp_path / 'notes.txt'} is a file, not a folder"),
    ]
    if Path("/proc/self").is_dir():  # Linux: no one, root included, can create a folder in /proc
        cases.append((Path("/proc/nope/ann.png"), "cannot create the folder /proc/nope"))
    return cases


def test_emotion_rejects_unwritable_out(tmp_path):
    for out, expected in bad_image_outputs(tmp_path):
        # The path is checked before the model loads, so the missing run is never reached.
        result = run_infer("emotion", ASTRONAUT, "--workdir", tmp_path / "no_run", "--out", out)
        assert result.exit_code == 2, (out, result.output)
        assert expected in result.stderr, (out, result.stderr)
        assert "Traceback" not in result.output
    assert ".png, .jpg, .jpeg, .bmp, .tif, .tiff, .webp" in run_infer("emotion", ASTRONAUT, "--out", "a.txt").stderr


def test_image_suffixes_have_opencv_writers():
    from zoo.vision.images import WRITABLE_IMAGE_SUFFIXES

    for suffix in WRITABLE_IMAGE_SUFFIXES:
        assert cv2.haveImageWriter(f"x{suffix}"), suffix


def test_emotion_folder_suggests_its_files(tmp_path):
    result = run_infer("emotion", tmp_path, "--workdir", tmp_path / "no_run")
    assert result.exit_code == 2
    assert f"{tmp_path} is a folder, not an image" in result.stderr
    assert f"python infer.py emotion {tmp_path / '*.jpg'}" in result.stderr


def test_emotion_help_states_box_coordinates():
    result = run_infer("emotion", "--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "enlarged" in text
    assert "pixel coordinates of the input image" in text


def test_emotion_json_boxes_use_input_pixels(fer_run, tmp_path):
    small = cv2.resize(cv2.imread(str(ASTRONAUT)), (240, 240))
    cv2.imwrite(str(tmp_path / "small.png"), small)
    out = tmp_path / "annotated.png"
    result = run_infer("emotion", tmp_path / "small.png", "--workdir", fer_run, "--json", "--no-detect",
                       "--out", out)
    assert result.exit_code == 0, result.output
    [face] = json.loads(result.stdout)[0]["faces"]
    assert face["box"] == {"x": 0, "y": 0, "width": 240, "height": 240}
    assert cv2.imread(str(out)).shape[:2] == (480, 480)


def test_emotion_workdir_without_checkpoint(tmp_path):
    result = run_infer("emotion", ASTRONAUT, "--workdir", tmp_path)
    assert result.exit_code == 2
    assert f"No checkpoints in {tmp_path}" in result.stderr
    assert "came from --workdir" in result.stderr

    from_env = run_infer("emotion", ASTRONAUT, env={WORKDIR_ENV: str(tmp_path)})
    assert from_env.exit_code == 2
    assert f"came from the environment variable {WORKDIR_ENV}" in from_env.stderr


def test_emotion_checkpoint_of_other_task(other_task_run):
    result = run_infer("emotion", ASTRONAUT, "--workdir", other_task_run)
    assert result.exit_code == 2
    assert f"{other_task_run} holds a translation run (train_nmt.py), not a facial-expression run. " \
           "Pass the --workdir of a train_fer.py run." in result.stderr


@pytest.mark.skipif(
    not os.environ.get(WORKDIR_ENV),
    reason=f"needs a trained FER run: set {WORKDIR_ENV} to its workdir (e.g. runs/cnn4 after train_fer.py)",
)
def test_astronaut_labelled_happy():
    result = CliRunner().invoke(infer.main, ["emotion", str(ASTRONAUT), "--json"])
    assert result.exit_code == 0, result.output
    faces = json.loads(result.stdout)[0]["faces"]
    assert len(faces) == 1
    assert faces[0]["emotion"] == "happy"


# Library pieces behind the commands


def test_classifier_matches_evaluation_path(fer_run):
    classifier = EmotionClassifier.from_workdir(fer_run, batch_size=4)
    faces = np.random.default_rng(3).integers(0, 256, (6, 48, 48), dtype=np.uint8)  # two padded batches
    expected = predict_probabilities(classifier.model, faces, batch_size=8)
    np.testing.assert_allclose(classifier.predict(faces), expected, atol=1e-5)
    assert classifier.labels == list(EMOTIONS)


def test_feature_maps_list_conv_pool_dropout_layers():
    model = create_fer_model("cnn_dropout", rngs=nnx.Rngs(0))
    face = np.random.default_rng(4).integers(0, 256, (48, 48), dtype=np.uint8)
    maps = layer_feature_maps(model, face)
    assert [name for name, _ in maps] == ["conv1", "dropout1", "conv2", "dropout2", "maxpool"]
    assert maps[0][1].shape == (48, 48, 32)
    assert maps[-1][1].shape == (24, 24, 64)


def test_grad_cam_with_pooled_head_is_class_channel():
    # When only global average pooling follows the last convolution, d(logit k)/dA is 1/(H*W) on
    # channel k and zero elsewhere, so Grad-CAM is channel k, ReLU-ed and scaled to a peak of 1.
    model = Sequential([
        ("conv", Conv(1, 3, relu=False, rngs=nnx.Rngs(0))),
        ("pool", GlobalAveragePool()),
    ])
    face = np.random.default_rng(5).integers(0, 256, (48, 48), dtype=np.uint8)
    _, outputs = model.features(to_model_input(jnp.asarray(face)[None]))
    activation = np.asarray(outputs[0][1][0])
    channel = np.maximum(activation[:, :, 2], 0.0)
    cam, chosen, layer = grad_cam(model, face, class_index=2)
    assert layer == "conv"
    assert chosen == 2
    assert channel.max() > 0
    np.testing.assert_allclose(cam, channel / channel.max(), atol=1e-5)


def test_grad_cam_takes_batchnorm_after_last_conv():
    model = Sequential([
        ("conv", Conv(1, 3, rngs=nnx.Rngs(0))),
        ("batchnorm", BatchNorm(3, rngs=nnx.Rngs(1))),
        ("pool", MaxPool(2)),
        ("flatten", Flatten()),
        ("logits", Dense(24 * 24 * 3, 7, relu=False, rngs=nnx.Rngs(2))),
    ])
    face = np.random.default_rng(7).integers(0, 256, (48, 48), dtype=np.uint8)
    cam, _, layer = grad_cam(model, face)
    assert layer == "batchnorm"  # the last output of the convolution's shape, before pooling
    assert cam.shape == (48, 48)


def test_grad_cam_with_dense_head_matches_formula():
    # With a linear head, d(logit k)/dA is the dense kernel's column k reshaped to A's shape.
    model = Sequential([
        ("conv", Conv(1, 4, rngs=nnx.Rngs(1))),
        ("pool", MaxPool(4)),
        ("flatten", Flatten()),
        ("logits", Dense(12 * 12 * 4, 7, relu=False, rngs=nnx.Rngs(2))),
    ])
    face = np.random.default_rng(6).integers(0, 256, (48, 48), dtype=np.uint8)
    logits, outputs = model.features(to_model_input(jnp.asarray(face)[None]))
    activation_HWC = np.asarray(outputs[0][1][0])
    predicted = int(np.argmax(logits[0]))
    cam, chosen, layer = grad_cam(model, face)
    assert chosen == predicted
    assert layer == "conv"
    # Max pooling routes each window's gradient to its maximum, so rebuild that routing.
    kernel_HWC = np.asarray(model.layers[3].linear.kernel[...])[:, predicted].reshape(12, 12, 4)
    windows = activation_HWC.reshape(12, 4, 12, 4, 4)
    is_max = windows == windows.max(axis=(1, 3), keepdims=True)
    gradient = (is_max * kernel_HWC[:, None, :, None, :]).reshape(48, 48, 4)
    expected = np.maximum((activation_HWC * gradient.mean(axis=(0, 1))).sum(-1), 0.0)
    np.testing.assert_allclose(cam, expected / expected.max(), atol=1e-4)


# webcam and feature-maps


def write_clip(path: Path, frames: int) -> Path:
    """Write an MPEG-4 clip of the astronaut photo shifted a little more in every frame."""
    photo = cv2.imread(str(ASTRONAUT))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (256, 256))
    for shift in range(frames):
        writer.write(np.roll(photo, 3 * shift, axis=1))
    writer.release()
    return path


def test_webcam_video_keeps_frame_count(fer_run, tmp_path):
    clip = write_clip(tmp_path / "clip.mp4", 9)
    out = tmp_path / "labelled.mp4"
    result = run_infer("webcam", "--video", clip, "--out", out, "--workdir", fer_run)
    assert result.exit_code == 0, result.output
    assert "Wrote 9 annotated frames" in result.stdout
    capture = cv2.VideoCapture(str(out))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    assert len(frames) == 9
    assert frames[0].shape[:2] == (480, 480)  # enlarged to keep labels legible


def test_webcam_without_out_needs_display(tmp_path):
    result = run_infer("webcam", "--camera", "0", "--workdir", tmp_path)
    assert result.exit_code == 2
    assert "Pass --out FILE.mp4" in result.stderr


def test_webcam_missing_video_is_named(tmp_path):
    result = run_infer("webcam", "--video", tmp_path / "absent.mp4", "--out", tmp_path / "x.mp4")
    assert result.exit_code == 2
    assert f"Video {tmp_path / 'absent.mp4'} not found" in result.stderr


def test_webcam_one_frame_is_singular(fer_run, tmp_path):
    clip = write_clip(tmp_path / "clip.mp4", 3)
    result = run_infer("webcam", "--video", clip, "--out", tmp_path / "one.mp4", "--workdir", fer_run,
                       "--max-frames", 1)
    assert result.exit_code == 0, result.output
    assert f"Wrote 1 annotated frame to {tmp_path / 'one.mp4'}." in result.stdout


def test_webcam_video_without_frames_is_rejected(tmp_path):
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_text("not a picture")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    for video in (corrupt, empty):
        # The video is probed before the model loads, so no run is needed to see the error.
        result = run_infer("webcam", "--video", video, "--out", tmp_path / "labelled.mp4", "--workdir", tmp_path)
        assert result.exit_code == 2, result.output
        assert f"Cannot read video {video}" in result.stderr
        assert "Traceback" not in result.output
        assert not (tmp_path / "labelled.mp4").exists()


@pytest.mark.parametrize("name", ["labelled.avi", "labelled"])
def test_webcam_out_needs_mp4(tmp_path, name):
    clip = write_clip(tmp_path / "clip.mp4", 1)
    result = run_infer("webcam", "--video", clip, "--out", tmp_path / name, "--workdir", tmp_path)
    assert result.exit_code == 2, result.output
    assert f"--out {tmp_path / name} has" in result.stderr
    assert ".mp4" in result.stderr


def test_feature_maps_and_saliency_written(fer_run, tmp_path):
    out = tmp_path / "maps.png"
    result = run_infer("feature-maps", ASTRONAUT, "--workdir", fer_run, "--out", out, "--saliency")
    assert result.exit_code == 0, result.output
    figure = cv2.imread(str(out))
    saliency = cv2.imread(str(tmp_path / "maps_gradcam.png"))
    assert figure is not None
    assert saliency is not None
    assert figure.shape[1] > 1000  # 17 columns: the label and 16 channels
    assert figure.std() > 10


def test_feature_maps_no_face(fer_run, tmp_path):
    cv2.imwrite(str(tmp_path / "wall.png"), np.full((120, 160, 3), 90, np.uint8))
    result = run_infer("feature-maps", tmp_path / "wall.png", "--workdir", fer_run, "--out", tmp_path / "maps.png")
    assert result.exit_code == 2
    assert "No face found" in result.stderr
    assert not (tmp_path / "maps.png").exists()


def test_feature_maps_out_needs_figure_extension(tmp_path):
    result = run_infer("feature-maps", ASTRONAUT, "--workdir", tmp_path, "--out", tmp_path / "m.txt")
    assert result.exit_code == 2, result.output
    assert f"--out {tmp_path / 'm.txt'} has the extension '.txt'" in result.stderr
    assert ".png, .jpg, .jpeg, .pdf, .svg" in result.stderr
    assert "Traceback" not in result.output


# The report of a run the real loop trained


def test_report_reads_real_run(fer_run, tmp_path):
    markdown, _ = write_report([fer_run], tmp_path / "experiments.md")
    assert f"| {fer_run.name} (best) | cnn_baseline | 4,738,439 | 1 | 1 |" in markdown
    assert (tmp_path / "experiments_curves.png").is_file()
    assert (tmp_path / "experiments_confusion.png").is_file()
