"""Orbax checkpoints: `latest` (every epoch, for resuming) and `best` (lowest validation loss).

Each checkpoint contains the train state (parameters, BatchNorm statistics, optimizer state, step)
and a JSON `meta` item with the resolved config, the loop's bookkeeping and task extras such as
vocabularies, so a run directory alone rebuilds the model. Orbax writes into a temporary folder
and renames it when complete, so a run killed while saving leaves the previous checkpoint usable.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import jax
import orbax.checkpoint as ocp

from zoo.config import TASKS, describe_run
from zoo.errors import CheckpointError

LATEST, BEST = "latest", "best"

# The next step after deleting a damaged checkpoint folder, per kind. With the folder gone, the
# newest `latest` step is the older one that train.keep_checkpoints kept, if any.
DAMAGED_NEXT_STEP = {
    LATEST: "the next run then resumes from the checkpoint before it, or starts over when there is none",
    BEST: "training and inference then use the latest checkpoint instead",
}
# Prefix of the TensorStore errors that Orbax passes on when a file cannot be read, e.g. "NOT_FOUND: ".
STORAGE_STATUS = re.compile(r"^(NOT_FOUND|DATA_LOSS|FAILED_PRECONDITION|OUT_OF_RANGE|PERMISSION_DENIED|UNAVAILABLE"
                            r"|INVALID_ARGUMENT|INTERNAL|UNKNOWN): ")


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
        """Save `state` and `meta` as the checkpoint of `epoch`, replacing one saved for that epoch before.

        A run resumed from an older checkpoint trains such an epoch again, e.g. after the newer
        `latest` checkpoint was deleted or the run was killed between saving `best` and `latest`.
        """
        manager = self.managers[kind]
        if epoch in manager.all_steps():
            manager.delete(epoch)
        args = ocp.args.Composite(state=ocp.args.StandardSave(state), meta=ocp.args.JsonSave(meta))
        manager.save(epoch, args=args, force=True)
        manager.wait_until_finished()

    def read_meta(self, kind: str = LATEST) -> dict | None:
        """Return the JSON meta of the newest checkpoint of `kind`, or None when there is none."""
        epoch = self.latest_epoch(kind)
        if epoch is None:
            return None
        try:
            restored = self.managers[kind].restore(epoch, args=ocp.args.Composite(meta=ocp.args.JsonRestore()))
        except (OSError, ValueError, KeyError) as error:  # json.JSONDecodeError is a ValueError
            raise self._damaged_error(kind, epoch, error) from None
        return restored.meta

    def restore(self, kind: str, like_state: Any) -> tuple[Any, dict]:
        """Restore the newest checkpoint of `kind` into the structure of `like_state`; return (state, meta).

        Raises CheckpointError, telling a damaged checkpoint (a file missing or unreadable) apart
        from one whose arrays do not fit `like_state`.
        """
        epoch = self.latest_epoch(kind)
        if epoch is None:
            raise CheckpointError(f"No {kind} checkpoint in {self.directory}.")
        abstract = jax.tree.map(ocp.utils.to_shape_dtype_struct, like_state)
        _install_orphaned_read_filter()
        try:
            restored = self.managers[kind].restore(
                epoch,
                args=ocp.args.Composite(state=ocp.args.StandardRestore(abstract), meta=ocp.args.JsonRestore()),
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            if _is_storage_error(error):
                raise self._damaged_error(kind, epoch, error) from None
            raise CheckpointError(
                f"Checkpoint {self.directory / kind / str(epoch)} does not match the model being built: "
                f"{_shorten(str(error))} It was probably written by another version of the model code; "
                "train the model again into a new --workdir."
            ) from None
        return restored.state, restored.meta

    def _damaged_error(self, kind: str, epoch: int, error: Exception) -> CheckpointError:
        folder = self.directory / kind / str(epoch)
        return CheckpointError(
            f"Checkpoint {folder} is damaged or incomplete ({_storage_problem(error)}). "
            f"Delete the folder {folder}: {DAMAGED_NEXT_STEP[kind]}."
        )

    def close(self) -> None:
        for manager in self.managers.values():
            manager.close()

    def __enter__(self) -> "Checkpoints":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def saved_epochs(directory: Path) -> list[int]:
    """Return the epochs of the complete checkpoints in one series folder (e.g. checkpoints/latest), ascending.

    Reads only folder names, without Orbax: a step folder gets its number once it is complete,
    because Orbax writes into a temporary folder and renames it.
    """
    if not directory.is_dir():
        return []
    return sorted(int(path.name) for path in directory.iterdir() if path.is_dir() and path.name.isdigit())


def check_run_task(meta: dict, task_name: str, workdir: Path, next_step: str) -> None:
    """Raise CheckpointError, ending with `next_step`, when the checkpoint in `workdir` belongs to another task."""
    saved_task = meta.get("task")
    if saved_task != task_name:
        raise CheckpointError(
            f"{workdir} holds {describe_run(saved_task)}, not a {TASKS[task_name].description} run. {next_step}"
        )


def _is_storage_error(error: Exception) -> bool:
    """Return True when `error` means a checkpoint file is missing or unreadable (not a model mismatch)."""
    if isinstance(error, (OSError, json.JSONDecodeError)):
        return True
    if isinstance(error, KeyError):  # Orbax: 'Item "state" was not found in the checkpoint.'
        return "not found" in str(error)
    return isinstance(error, ValueError) and STORAGE_STATUS.match(str(error)) is not None


def _storage_problem(error: Exception) -> str:
    """Describe in a few words why a checkpoint could not be read, naming the file when the error does."""
    files = re.findall(r'local file "([^"]+)"', str(error))
    if files:
        status = str(error).split(":", 1)[0]
        return f"{status} reading {files[-1]}"
    return _shorten(str(error).strip("'\""), limit=200)


def _shorten(text: str, limit: int = 300) -> str:
    """Return the first line of `text`, cut to `limit` characters."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _install_orphaned_read_filter() -> None:
    """Install, once per process, a filter that drops the "Event loop is closed" errors of failed restores.

    Orbax 0.12 reads all arrays concurrently in a private event loop. When one read fails it
    closes that loop, and each read still in flight then reports `RuntimeError: Event loop is
    closed` from a TensorStore thread, through `sys.unraisablehook`, as dozens of tracebacks
    after the real error. The filter drops only those reports and the reports of the Orbax
    coroutines that the closed loop abandoned. It passes every other report to the previous hook.
    """
    previous = sys.unraisablehook
    if getattr(previous, "_zoo_filter", False):
        return

    def hook(unraisable) -> None:
        error = unraisable.exc_value
        if isinstance(error, RuntimeError) and str(error) == "Event loop is closed":
            return
        code = getattr(unraisable.object, "cr_code", None)
        if code is not None and "orbax" in code.co_filename:
            return
        previous(unraisable)

    hook._zoo_filter = True
    sys.unraisablehook = hook
