"""Rebuild a trained model from a run directory alone (config and weights come from the checkpoint)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import jax.numpy as jnp
import ml_collections
from flax import nnx

from zoo.config import TASKS
from zoo.errors import CheckpointError
from zoo.training.checkpoint import BEST, LATEST, Checkpoints, check_run_task
from zoo.training.loop import make_optimizer
from zoo.training.steps import split_model


def resolve_run_dir(flag_value: str | os.PathLike | None, env_name: str, default: Path) -> tuple[Path, str]:
    """Return the run folder (a `--workdir` value, else `$env_name`, else `default`) and a phrase
    naming where the choice came from, for error messages."""
    if flag_value:
        return Path(flag_value).expanduser(), "--workdir"
    env_value = os.environ.get(env_name)
    if env_value:
        return Path(env_value).expanduser(), f"the environment variable {env_name}"
    return Path(default), f"the default (neither --workdir nor {env_name} is set)"


def restore_model(
    workdir: str | Path,
    task_name: str,
    create_model: Callable[[ml_collections.ConfigDict, nnx.Rngs], nnx.Module],
    kind: str = BEST,
) -> tuple[nnx.Module, ml_collections.ConfigDict, dict]:
    """Return (model, its config, the checkpoint meta) from `workdir`'s `kind` checkpoint ("best" or "latest").

    Falls back to the latest checkpoint when no best one exists. `create_model(config, rngs)`
    builds the untrained model whose structure the weights are restored into.
    """
    workdir = Path(workdir)
    directory = workdir / "checkpoints"
    if not directory.is_dir():
        raise CheckpointError(
            f"No checkpoints in {workdir} (looked for {directory}). Pass the --workdir of a finished training run."
        )
    checkpoints = Checkpoints(directory)
    try:
        if checkpoints.latest_epoch(kind) is None:
            kind = LATEST
        meta = checkpoints.read_meta(kind)
        if meta is None:
            raise CheckpointError(f"{directory} contains no complete checkpoint; train a model into {workdir} first.")
        check_run_task(meta, task_name, workdir, f"Pass the --workdir of a {TASKS[task_name].script} run.")
        config = ml_collections.ConfigDict(meta["config"])
        model = create_model(config, nnx.Rngs(config.seed))
        graphdef, params, rest = split_model(model)
        like_state = {
            "params": params, "rest": rest,
            "opt": make_optimizer(config.train).init(params), "step": jnp.zeros((), jnp.int32),
        }
        state, meta = checkpoints.restore(kind, like_state)
    finally:
        checkpoints.close()
    return nnx.merge(graphdef, state["params"], state["rest"]), config, meta
