"""`train_and_evaluate(config, workdir)` for FER-2013: data, training loop, report.json."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import ml_collections
import numpy as np
from flax import nnx

from zoo.config_checks import require_choice, require_fraction, require_non_negative
from zoo.data.fer import EMOTIONS, find_fer_source, load_fer
from zoo.data.paths import resolve_data_dir
from zoo.data.splits import SPLITS, VALIDATION_CHOICES, fer_splits
from zoo.fer.evaluate import confusion_matrix, per_class_scores, predict_probabilities, split_metrics
from zoo.fer.task import DTYPES, FerTask, create_fer_model_from_config
from zoo.models import count_params
from zoo.training.loop import check_train_config, train
from zoo.training.resume import prepare_run_folder

log = logging.getLogger(__name__)

SPLIT_DESCRIPTIONS = {
    "train": "training images",
    "val": "validation (PublicTest, or a slice of train when data.validation=train_slice)",
    "test": "PrivateTest",
    "test_all": "the whole test folder (PublicTest + PrivateTest)",
}


def check_fer_config(config: ml_collections.ConfigDict) -> None:
    """Raise ConfigError for an invalid value in a FER config; reads no data.

    Builds the model abstractly (shapes only, no weights), so an unknown model.name or an
    option its constructor does not take fails here too.
    """
    check_train_config(config)
    require_choice(config, "data.validation", VALIDATION_CHOICES)
    require_fraction(config, "data.val_fraction")
    require_fraction(config, "data.subset", allow_one=True)
    require_choice(config, "train.dtype", DTYPES)
    require_fraction(config, "train.augment.zoom", allow_zero=True)
    for key in config.model.keys():
        if key.endswith("dropout"):
            require_fraction(config, f"model.{key}", allow_zero=True)
        elif key == "l2":
            require_non_negative(config, "model.l2")
    nnx.eval_shape(lambda: create_fer_model_from_config(config, nnx.Rngs(config.seed)))


def load_splits(config: ml_collections.ConfigDict, data_dir: str | None) -> dict:
    """Find, load and split FER-2013 with the settings in `config.data`."""
    directory, described_as = resolve_data_dir(data_dir)
    source = find_fer_source(directory, described_as)
    data = load_fer(source, skip_corrupt=config.data.skip_corrupt, use_cache=config.data.cache)
    log.info(
        "Loaded %d images from %s (%d converted to 48x48 grayscale, %d unreadable skipped).",
        len(data.labels), source, data.converted, data.skipped,
    )
    splits = fer_splits(
        data, validation=config.data.validation, val_fraction=config.data.val_fraction,
        subset=config.data.subset, seed=config.seed,
    )
    log.info("Split sizes: %s.", ", ".join(f"{name} {len(splits[name][1])}" for name in SPLITS))
    return splits


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str | Path, data_dir: str | None = None) -> dict:
    """Train the configured FER model in `workdir` (resuming if possible) and write report.json; return the report."""
    check_fer_config(config)
    workdir = prepare_run_folder(workdir, config, "fer")
    splits = load_splits(config, data_dir)
    task = FerTask(config, splits)
    result = train(task, config, workdir, task_name="fer")
    parameters = count_params(result.model)
    log.info("Trainable parameters: %s.", f"{parameters:,}")

    report = {
        "model": config.model.name,
        "parameters": parameters,
        "epochs_run": result.epochs_run,
        "best_epoch": result.best_epoch,
        "stopped_early": result.stopped_early,
        "wall_time_s": round(result.wall_time_s, 1),
        "splits": {},
        "labels": list(EMOTIONS),
    }
    for name in SPLITS:
        images, labels = splits[name]
        probabilities = predict_probabilities(result.model, images, config.train.eval_batch_size)
        metrics = split_metrics(probabilities, labels)
        metrics["description"] = SPLIT_DESCRIPTIONS[name]
        metrics["majority_class_rate"] = float(np.bincount(labels, minlength=len(EMOTIONS)).max() / len(labels))
        if name in ("test", "test_all"):
            matrix = confusion_matrix(labels, probabilities.argmax(-1), len(EMOTIONS))
            metrics["confusion_matrix"] = matrix.tolist()
            metrics["per_class"] = per_class_scores(matrix, EMOTIONS)
        report["splits"][name] = metrics
        log.info("%-8s loss %.4f  accuracy %.4f  (%d images)", name, metrics["loss"], metrics["accuracy"], len(labels))

    (workdir / "report.json").write_text(json.dumps(report, indent=2))
    return report
