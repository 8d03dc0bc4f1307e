"""Orbax checkpoints: `latest` (every epoch, for resuming) and `best` (lowest validation loss).

Each checkpoint contains the train state (parameters, BatchNorm statistics, optimizer state, step)
and a JSON `meta` item with the resolved config, the loop's bookkeeping and task extras such as
vocabularies, so a run directory alone rebuilds the model. Orbax writes into a temporary folder
and renames it when complete, so a run killed while saving leaves the previous checkpoint usable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import orbax.checkpoint as ocp

from zoo.errors import CheckpointError

LATEST, BEST = "latest", "best"


class Checkpoints:
    """The `latest` and `best` checkpoint series of one run directory."""

    def __init__(self, directory: Path, keep_latest: int = 2):
        self.directory = Path(directory).resolve()
        options = dict(enable_async_checkpointing=False, create=True)
        self.managers = {
            LATEST: ocp.CheckpointManager(
                self.directory / LATEST, options=ocp.CheckpointManagerOptions(max_to_keep=keep_latest, **options)
            ),
            BEST: ocp.CheckpointManager(
                self.directory / BEST, options=ocp.CheckpointManagerOptions(max_to_keep=1, **options)
            ),
        }

    def latest_epoch(self, kind: str = LATEST) -> int | None:
        """Return the epoch number of the newest complete checkpoint of `kind`, or None."""
        return self.managers[kind].latest_step()

    def path(self, kind: str = LATEST) -> Path | None:
        epoch = self.latest_epoch(kind)
        return None if epoch is None else self.directory / kind / str(epoch)

    def save(self, kind: str, epoch: int, state: Any, meta: dict) -> None:
        args = ocp.args.Composite(state=ocp.args.StandardSave(state), meta=ocp.args.JsonSave(meta))
        self.managers[kind].save(epoch, args=args, force=True)
        self.managers[kind].wait_until_finished()

    def read_meta(self, kind: str = LATEST) -> dict | None:
        """Return the JSON meta of the newest checkpoint of `kind`, or None when there is none."""
        epoch = self.latest_epoch(kind)
        if epoch is None:
            return None
        restored = self.managers[kind].restore(epoch, args=ocp.args.Composite(meta=ocp.args.JsonRestore()))
        return restored.meta

    def restore(self, kind: str, like_state: Any) -> tuple[Any, dict]:
        """Restore the newest checkpoint of `kind` into the structure of `like_state`; return (state, meta)."""
        epoch = self.latest_epoch(kind)
        if epoch is None:
            raise CheckpointError(f"No {kind} checkpoint in {self.directory}.")
        abstract = jax.tree.map(ocp.utils.to_shape_dtype_struct, like_state)
        try:
            restored = self.managers[kind].restore(
                epoch,
                args=ocp.args.Composite(state=ocp.args.StandardRestore(abstract), meta=ocp.args.JsonRestore()),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise CheckpointError(
                f"Checkpoint {self.directory / kind / str(epoch)} does not match the model being built: {error}"
            ) from None
        return restored.state, restored.meta

    def close(self) -> None:
        for manager in self.managers.values():
            manager.close()


def check_same_model(meta: dict, model_config: dict, task_name: str, workdir: Path) -> None:
    """Raise CheckpointError when the checkpoint in `workdir` was written for another task or model."""
    saved_task = meta.get("task")
    saved_model = meta.get("model")
    if saved_task != task_name or saved_model != model_config:
        raise CheckpointError(
            f"{workdir} contains a checkpoint of task {saved_task!r}, model {saved_model}, but this run builds "
            f"task {task_name!r}, model {model_config}. Use another --workdir, or delete "
            f"{workdir / 'checkpoints'} to start over."
        )
