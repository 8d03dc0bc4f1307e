"""The run folder (`--workdir`) and the rules for resuming the run it holds.

Running a training command again with the same run folder continues the checkpointed run. The
config may then differ from the checkpoint's only in `RESUMABLE_KEYS`, so that config.json,
rewritten on every start, always describes the checkpoint being trained.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import ml_collections

from zoo.errors import ConfigError, ZooError
from zoo.training.checkpoint import LATEST, Checkpoints, check_run_task

log = logging.getLogger(__name__)

# Settings that may change when a run resumes. A prefix such as "decode" covers every key below
# it. They set how long the run trains, what it logs and keeps, how many devices share each
# batch, and how it evaluates and decodes. The data, the model, the seed and the update rule stay
# as the checkpoint has them. A larger train.epochs continues a run that ended at its epoch cap.
# NOTE: another train.num_devices splits the same batches differently, which may change float rounding.
RESUMABLE_KEYS = (
    "train.epochs",
    "train.log_every",
    "train.eval_batch_size",
    "train.keep_checkpoints",
    "train.num_devices",
    "decode",
    "data.cache",
)
ABSENT = "(absent)"


def make_run_folder(workdir: str | Path) -> Path:
    """Create the run folder `workdir` when missing and return it; raise ZooError when it cannot be a folder."""
    workdir = Path(workdir)
    if workdir.exists() and not workdir.is_dir():
        raise ZooError(
            f"The run folder {workdir} (--workdir) is a file, not a folder. Pass the path of a folder, "
            "which is created when missing, or move the file away."
        )
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ZooError(
            f"Cannot create the run folder {workdir} (--workdir): {error.strerror}. "
            "Pass a folder path you can write to."
        ) from None
    return workdir


def prepare_run_folder(workdir: str | Path, config: ml_collections.ConfigDict, task_name: str) -> Path:
    """Create `workdir` and check that the run it holds, if any, can resume with `config`; return `workdir`.

    Called before the data is loaded, so a wrong folder fails in seconds.
    """
    workdir = make_run_folder(workdir)
    if (workdir / "checkpoints").is_dir():
        with Checkpoints(workdir / "checkpoints") as checkpoints:
            meta = checkpoints.read_meta(LATEST)
        if meta is not None:
            check_resumable(meta, config, task_name, workdir)
    return workdir


def check_resumable(meta: dict, config: ml_collections.ConfigDict, task_name: str, workdir: Path) -> None:
    """Raise unless the checkpoint with `meta` in `workdir` can go on training with `config`.

    Raises CheckpointError for a checkpoint of another task, and ConfigError for changed
    settings outside `RESUMABLE_KEYS` or an epoch cap below the epochs already trained.
    """
    check_run_task(meta, task_name, workdir, "Pass a new --workdir to start this training run.")
    changes = changed_settings(meta["config"], config.to_dict())
    if changes:
        listed = "; ".join(f"{key} was {_show(old)}, now {_show(new)}" for key, old, new in changes)
        allowed = ", ".join(key if key.count(".") else f"{key}.*" for key in RESUMABLE_KEYS)
        raise ConfigError(
            f"The checkpoint in {workdir} was trained with other settings ({listed}), and resuming it would mix "
            "two different runs. Use a new --workdir for the new settings, or drop the overrides or config "
            f"edits that changed them. Only these settings may change on resume: {allowed}."
        )
    trained = meta["epoch"]
    if config.train.epochs < trained:
        raise ConfigError(
            f"train.epochs={config.train.epochs} is below the {trained} epochs that the checkpoint in {workdir} "
            f"has already trained. Set train.epochs to {trained} or more, or use a new --workdir."
        )


def changed_settings(saved: dict, current: dict) -> list[tuple[str, Any, Any]]:
    """Return (dotted key, saved value, current value) for every setting outside `RESUMABLE_KEYS` that differs.

    A key present on one side only is paired with `ABSENT`. Values are compared as JSON, because
    the checkpoint stores tuples as lists.
    """
    saved_flat = _flatten(json.loads(json.dumps(saved)))
    current_flat = _flatten(json.loads(json.dumps(current)))
    changes = []
    for key in sorted(saved_flat.keys() | current_flat.keys()):
        if _is_resumable(key):
            continue
        old, new = saved_flat.get(key, ABSENT), current_flat.get(key, ABSENT)
        if old != new:
            changes.append((key, old, new))
    return changes


def is_finished_on_resume(meta: dict, epochs: int, checkpoint: Path) -> bool:
    """Log whether the run resumed from `checkpoint` trains on or is already finished, and why.

    Returns True when it is finished: early stopping ended it, or it has trained `epochs`
    (train.epochs) epochs. A run that ended at a smaller epoch cap trains on.
    """
    trained = meta["epoch"]
    if meta["stopped_early"]:
        log.info(
            "The run is already finished: early stopping ended it at epoch %d, because the validation loss "
            "had stopped improving. Nothing is left to train. To train longer, start a new run with another "
            "--workdir, e.g. with a larger train.early_stopping.patience.", trained,
        )
        return True
    if trained >= epochs:
        log.info(
            "The run is already finished: it reached its epoch cap, train.epochs=%d. Nothing is left to train. "
            "To train on, run the same command with a larger cap, e.g. --set train.epochs=%d.", epochs, 2 * epochs,
        )
        return True
    if meta["finished"]:
        saved_cap = meta["config"]["train"]["epochs"]
        log.info(
            "Resuming from %s after epoch %d: the run had reached its epoch cap of %d, and train.epochs=%d "
            "lets it train on.", checkpoint, trained, saved_cap, epochs,
        )
    else:
        log.info("Resuming from %s after epoch %d of %d.", checkpoint, trained, epochs)
    return False


def _is_resumable(key: str) -> bool:
    return any(key == allowed or key.startswith(allowed + ".") for allowed in RESUMABLE_KEYS)


def _flatten(tree: dict, prefix: str = "") -> dict[str, Any]:
    flat = {}
    for name, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def _show(value: Any) -> str:
    text = value if value is ABSENT else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"
