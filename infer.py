"""Use trained models: facial expressions on photos, video and feature maps; English→Kannada translation.

    python infer.py emotion photo.jpg --out annotated.png
    python infer.py webcam --video clip.mp4 --out labelled.mp4
    python infer.py feature-maps face.png --out maps.png --saliency
    python infer.py translate "in front of her house" --workdir runs/nmt_base
    python infer.py translate --file sentences.en > sentences.kn
    cut -f1 pairs.tsv | python infer.py translate --file - > sentences.kn
"""

import json
import sys
from pathlib import Path

import click

from zoo.cli import configure_logging, exit_on_user_error
from zoo.nmt import DEFAULT_WORKDIR as NMT_DEFAULT_WORKDIR
from zoo.nmt import WORKDIR_ENV as NMT_WORKDIR_ENV

WORKDIR_HELP = "Training run folder to load the model from (default: $ZOO_FER_WORKDIR, else runs/cnn4)."
NMT_WORKDIR_HELP = (
    f"Run folder written by train_nmt.py to load the translator from "
    f"(default: ${NMT_WORKDIR_ENV}, else {NMT_DEFAULT_WORKDIR})."
)
MARGIN_HELP = "Widen each detected face box by this fraction of its size on every side before cropping."


@click.group()
def main():
    """Recognise facial expressions (train_fer.py runs) or translate English into Kannada (train_nmt.py runs)."""
    configure_logging()


@main.command()
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--workdir", default=None, help=WORKDIR_HELP)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Write the annotated image here (.png, .jpg, .jpeg, .bmp, .tif, .tiff or .webp); "
                   "with several IMAGES, each name gets _<image name> appended.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON instead of one line per face.")
@click.option("--no-detect", is_flag=True, help="Classify each whole image as one face (for already cropped faces).")
@click.option("--margin", type=click.FloatRange(min=0.0), default=None, help=MARGIN_HELP + " [default: 0]")
def emotion(images, workdir, out, as_json, no_detect, margin):
    """Find the faces in IMAGES and print each one's box, emotion, probability and emoji.

    For a folder of photos, pass its files, e.g. photos/*.jpg. The annotated image (--out) of a
    photo whose shorter side is under 480 pixels is enlarged so that its labels stay legible, but
    the printed and --json boxes are always in the pixel coordinates of the input image.
    """
    with exit_on_user_error():
        import cv2

        from zoo.cli import check_output_file
        from zoo.errors import DataError
        from zoo.fer.predict import EmotionClassifier, no_face_message, recognise_emotions
        from zoo.vision.annotate import annotate
        from zoo.vision.faces import DEFAULT_MARGIN, FaceDetector
        from zoo.vision.images import WRITABLE_IMAGE_SUFFIXES, read_image

        # Bad paths fail here, before the slow model load.
        if out is not None:
            check_output_file(out, WRITABLE_IMAGE_SUFFIXES)
        for path in images:
            if path.is_dir():
                raise DataError(
                    f"{path} is a folder, not an image. Pass its image files instead, e.g. "
                    f"python infer.py emotion {path / '*.jpg'} (the command takes any number of IMAGES)."
                )
        decoded = [read_image(path) for path in images]
        classifier = EmotionClassifier.from_workdir(workdir)
        detector = None if no_detect else FaceDetector()
        margin = DEFAULT_MARGIN if margin is None else margin

        results, missing = [], []
        for path, image in zip(images, decoded):
            faces = recognise_emotions(image, classifier, detector, margin)
            results.append({"image": str(path), "faces": [face.to_dict() for face in faces]})
            if not faces:
                missing.append(path)
                continue
            if out is not None:
                target = out if len(images) == 1 else out.with_name(f"{out.stem}_{path.stem}{out.suffix}")
                target.parent.mkdir(parents=True, exist_ok=True)
                if not cv2.imwrite(str(target), annotate(image, faces)):
                    raise DataError(f"Cannot write {target}; pass an --out path in a folder you can write to.")
                results[-1]["annotated"] = str(target)

        if as_json:
            click.echo(json.dumps(results, indent=2, ensure_ascii=False))
        else:
            for result in results:
                for index, face in enumerate(result["faces"], start=1):
                    box = face["box"]
                    click.echo(
                        f"{result['image']}: face {index} at x={box['x']} y={box['y']} "
                        f"w={box['width']} h={box['height']}: {face['emotion']} {face['probability']:.2f} {face['emoji']}"
                    )
                if "annotated" in result:
                    click.echo(f"Annotated image written to {result['annotated']}.")
        for path in missing:
            click.echo(f"Error: {no_face_message(str(path))}", err=True)
        if missing:
            sys.exit(2)


@main.command()
@click.option("--camera", type=int, default=0, show_default=True, help="Camera device number to read.")
@click.option("--video", type=click.Path(path_type=Path), default=None, help="Read this video file instead of a camera.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Write the annotated video to this .mp4 file instead of showing a window.")
@click.option("--workdir", default=None, help=WORKDIR_HELP)
@click.option("--max-frames", type=click.IntRange(min=1), default=None, help="Stop after this many frames.")
@click.option("--margin", type=click.FloatRange(min=0.0), default=None, help=MARGIN_HELP + " [default: 0]")
def webcam(camera, video, out, workdir, max_frames, margin):
    """Label the faces in every frame of a camera or video with emotion and emoji, plus an FPS counter."""
    with exit_on_user_error():
        from zoo.cli import check_output_file
        from zoo.errors import ZooError
        from zoo.fer.predict import EmotionClassifier
        from zoo.fer.video import VIDEO_SUFFIXES, annotate_stream, has_display_support, open_capture
        from zoo.vision.faces import DEFAULT_MARGIN, FaceDetector

        if out is not None:
            check_output_file(out, VIDEO_SUFFIXES)
        elif not has_display_support():
            raise ZooError(
                "No display is available: this OpenCV build (opencv-python-headless) cannot open windows. "
                "Pass --out FILE.mp4 to write the annotated video instead."
            )
        capture = open_capture(camera, video)
        classifier = EmotionClassifier.from_workdir(workdir)
        frames = annotate_stream(
            capture, classifier, FaceDetector(), out,
            margin=DEFAULT_MARGIN if margin is None else margin, max_frames=max_frames,
        )
        if frames == 0 and video is not None:
            raise ZooError(f"No frames were read from video {video}. Check that it plays in a video player, or pass another --video.")
        if frames == 0:
            raise ZooError(
                f"No frames were read from camera {camera}. Check that it works in another program, "
                "or pass another --camera number or --video FILE."
            )
        if out is not None:
            click.echo(f"Wrote {frames} annotated frame{'s' if frames != 1 else ''} to {out}.")


@main.command("feature-maps")
@click.argument("image", type=click.Path(path_type=Path))
@click.option("--workdir", default=None, help=WORKDIR_HELP)
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Write the feature-map figure here (.png, .jpg, .jpeg, .pdf or .svg).")
@click.option("--saliency", is_flag=True,
              help="Also write a Grad-CAM map of the predicted class, to <out name>_gradcam.png beside --out.")
@click.option("--no-detect", is_flag=True, help="Use the whole image as the face (for already cropped faces).")
@click.option("--margin", type=click.FloatRange(min=0.0), default=None, help=MARGIN_HELP + " [default: 0]")
def feature_maps(image, workdir, out, saliency, no_detect, margin):
    """Plot the first 16 channels of every convolution, pooling and dropout layer's output for the face in IMAGE.

    With several faces in IMAGE, the largest one is used.
    """
    with exit_on_user_error():
        from zoo.cli import check_output_file
        from zoo.fer.feature_maps import (
            FIGURE_SUFFIXES, grad_cam, layer_feature_maps, plot_feature_maps, plot_grad_cam,
        )
        from zoo.fer.predict import EmotionClassifier, NoFaceError, no_face_message
        from zoo.vision.faces import DEFAULT_MARGIN, FaceDetector, crop_face_gray48
        from zoo.vision.images import read_image, to_gray48

        check_output_file(out, FIGURE_SUFFIXES)
        picture = read_image(image)
        if no_detect:
            face = to_gray48(picture)
        else:
            boxes = FaceDetector().detect(picture)
            if not boxes:
                raise NoFaceError(no_face_message(str(image)))
            largest = max(boxes, key=lambda box: box.area)
            if len(boxes) > 1:
                click.echo(f"{len(boxes)} faces found; using the largest, at x={largest.x} y={largest.y}.")
            face = crop_face_gray48(picture, largest, DEFAULT_MARGIN if margin is None else margin)

        classifier = EmotionClassifier.from_workdir(workdir)
        probabilities = classifier.predict(face[None])[0]
        predicted = classifier.labels[int(probabilities.argmax())]
        title = f"{image.name}: predicted {predicted} ({probabilities.max():.0%})"
        out.parent.mkdir(parents=True, exist_ok=True)
        plot_feature_maps(face, layer_feature_maps(classifier.model, face), out, title)
        click.echo(f"Feature maps written to {out}.")

        if saliency:
            cam, class_index, layer_name = grad_cam(classifier.model, face)
            saliency_path = out.with_name(f"{out.stem}_gradcam.png")
            plot_grad_cam(face, cam, saliency_path,
                          f"{image.name}: Grad-CAM of '{classifier.labels[class_index]}' at layer {layer_name}")
            click.echo(f"Grad-CAM map written to {saliency_path}.")
            if cam.max() == 0:
                click.echo(f"The Grad-CAM map is zero everywhere: no position of {layer_name} raises the class logit.")


@main.command()
@click.argument("text", required=False)
@click.option("--file", "file_path", default=None,
              type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
              help="Translate this UTF-8 file instead, or standard input when FILE is -: one English "
                   "sentence a line in, one translation a line out.")
@click.option("--workdir", default=None, help=NMT_WORKDIR_HELP)
@click.option("--beam", type=click.IntRange(min=1), default=None,
              help="Beam width; 1 decodes greedily [default: the run's decode.beam_size].")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: each sentence with its translation, pieces, truncation and unknown words.")
def translate(text, file_path, workdir, beam, as_json):
    """Translate the English TEXT, or each line of --file, into Kannada.

    A TEXT with line breaks is translated like a file: one translation per input line. A sentence
    longer than the model was trained on is translated in pieces cut at sentence, clause or word
    boundaries, and words outside the model's vocabulary are read as <unk>. Both are reported on
    standard error.
    """
    with exit_on_user_error():
        from zoo.data.corpora import check_english_lines, decode_lines, read_english_file, split_lines
        from zoo.errors import ConfigError
        from zoo.nmt.text import check_english

        # Input is checked before the model loads, so a mistake is reported at once.
        if text is not None and file_path is not None:
            raise ConfigError(
                f"give either one English TEXT or --file FILE, not both (got TEXT {text!r} and --file {file_path})"
            )
        if text is None and file_path is None:
            raise ConfigError(
                'give an English TEXT or --file FILE, e.g. python infer.py translate "in front of her house"'
            )
        # `source` starts each message about one line, as in "in.en:3: ...". It is None for a one-line TEXT.
        if file_path is not None and str(file_path) == "-":
            source = "<stdin>"
            raw = sys.stdin.buffer.read()
            sentences = check_english_lines(decode_lines(raw, source), source, "standard input (--file -)")
        elif file_path is not None:
            source = str(file_path)
            sentences = read_english_file(file_path)
        elif len(split_lines(text)) > 1:
            source = "TEXT"
            sentences = check_english_lines(split_lines(text), source, "TEXT")
        else:
            source = None
            check_english(text)
            sentences = [text]

        from zoo.nmt.predict import Translator

        translator = Translator.from_workdir(workdir)
        results = translator.translate_detailed(sentences, check_input=False, beam_size=beam)
        for number, result in enumerate(results, start=1):
            where = f"{source}:{number}: " if source is not None else ""
            for note in result.notes():
                click.echo(f"Note: {where}{note}.", err=True)
        if as_json:
            click.echo(json.dumps([result.to_dict() for result in results], indent=2, ensure_ascii=False))
        else:
            for result in results:
                click.echo(result.text)


if __name__ == "__main__":
    main()
