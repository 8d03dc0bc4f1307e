"""The one training loop: epochs, validation, early stopping, plateau scaling, checkpoints, resume.

`train(task, config, workdir)` resumes from `workdir/checkpoints/latest` when it exists. The
config keys it reads are `seed`, `model` and the `train` block (see configs/fer_base.py).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import ml_collections
import optax
from flax import nnx
from tqdm import tqdm

from zoo.config import config_to_json
from zoo.config_checks import require_choice, require_fraction, require_int, require_non_negative, require_positive
from zoo.errors import ConfigError, ZooError
from zoo.training.callbacks import EarlyStopping, PlateauScaler
from zoo.training.checkpoint import BEST, LATEST, Checkpoints
from zoo.training.history import plot_curves, write_metrics_csv
from zoo.training.parallel import check_divisible, make_mesh, replicate, shard_batch
from zoo.training.resume import check_resumable, is_finished_on_resume, make_run_folder
from zoo.training.steps import (
    NO_NONFINITE_STEP,
    evaluate,
    make_eval_step,
    make_train_step,
    split_model,
    zero_sums,
)
from zoo.training.task import Task

log = logging.getLogger(__name__)


class NonFiniteLossError(ZooError):
    """The training loss became NaN or infinite."""


@dataclasses.dataclass
class TrainResult:
    model: nnx.Module  # best weights when early stopping restores them, else the last epoch's
    history: list[dict]  # one row per epoch, as in metrics.csv
    epochs_run: int
    best_epoch: int  # 1-based epoch with the lowest validation loss
    stopped_early: bool
    wall_time_s: float  # training time summed over every resumed part of the run


# The names make_optimizer builds: Adam, or SGD with momentum 0.9.
OPTIMIZERS = ("adam", "sgd")


def check_train_config(config: ml_collections.ConfigDict) -> None:
    """Raise ConfigError for an invalid `seed` or `train` value among the keys this loop reads."""
    require_int(config, "seed", 0)
    for key in ("train.epochs", "train.batch_size", "train.eval_batch_size", "train.log_every",
                "train.keep_checkpoints", "train.early_stopping.patience", "train.plateau.patience"):
        require_int(config, key, 1)
    require_int(config, "train.num_devices", 0)
    require_choice(config, "train.optimizer", OPTIMIZERS)
    require_positive(config, "train.learning_rate")
    for key in ("train.early_stopping.min_delta", "train.plateau.min_delta", "train.plateau.min_lr"):
        require_non_negative(config, key)
    require_fraction(config, "train.plateau.factor")


def make_optimizer(train_config: ml_collections.ConfigDict) -> optax.GradientTransformation:
    """Return the optimizer with an injected `learning_rate` that the plateau scaler can change."""
    name = train_config.optimizer
    if name == "adam":
        return optax.inject_hyperparams(optax.adam)(learning_rate=train_config.learning_rate)
    if name == "sgd":
        return optax.inject_hyperparams(optax.sgd)(learning_rate=train_config.learning_rate, momentum=0.9)
    raise ConfigError(f"train.optimizer={name!r} is invalid; use one of {', '.join(map(repr, OPTIMIZERS))}.")


def train(task: Task, config: ml_collections.ConfigDict, workdir: Path, task_name: str) -> TrainResult:
    """Fit the model of `task` with the settings in `config`, writing metrics, curves and checkpoints into `workdir`.

    Resumes the run checkpointed in `workdir`, if any; zoo.training.resume lists the settings that
    may differ from the checkpoint's.
    """
    workdir = make_run_folder(workdir)
    train_config = config.train
    model_config = config.model.to_dict()

    mesh = make_mesh(train_config.num_devices)
    check_divisible(task.batch_size, mesh, "train.batch_size")
    check_divisible(train_config.eval_batch_size, mesh, "train.eval_batch_size")
    if mesh.size > 1:
        log.info("Data parallel over %d devices.", mesh.size)

    model = task.create_model(nnx.Rngs(config.seed))
    graphdef, params, rest = split_model(model)
    tx = make_optimizer(train_config)
    state = {"params": params, "rest": rest, "opt": tx.init(params), "step": jnp.zeros((), jnp.int32)}

    early_stopping = EarlyStopping(train_config.early_stopping.patience, train_config.early_stopping.min_delta)
    plateau = PlateauScaler(
        train_config.plateau.factor, train_config.plateau.patience,
        train_config.plateau.min_delta, train_config.plateau.min_lr,
    )
    history: list[dict] = []
    learning_rate = float(train_config.learning_rate)
    start_epoch, wall_time, finished, stopped_early = 0, 0.0, False, False

    # Leaving the block closes Orbax's checkpoint managers, after an error or Ctrl-C too.
    with Checkpoints(workdir / "checkpoints", keep_latest=train_config.keep_checkpoints) as checkpoints:
        meta = checkpoints.read_meta(LATEST)
        if meta is not None:
            check_resumable(meta, config, task_name, workdir)
            state, meta = checkpoints.restore(LATEST, state)
            start_epoch = meta["epoch"]
            history = meta["history"]
            wall_time = meta["wall_time_s"]
            learning_rate = meta["learning_rate"]
            stopped_early = meta["stopped_early"]
            finished = is_finished_on_resume(meta, train_config.epochs, checkpoints.path(LATEST))
            early_stopping = EarlyStopping(**meta["early_stopping"])
            plateau = PlateauScaler(**meta["plateau"])
        state = replicate(state, mesh)
        (workdir / "config.json").write_text(config_to_json(config))

        train_step = make_train_step(graphdef, tx, task)
        eval_step = make_eval_step(graphdef, task)
        base_key = jax.random.fold_in(jax.random.key(config.seed), 1)
        steps_per_epoch = task.num_train_batches()
        compiled = False

        epoch = start_epoch
        while not finished and epoch < train_config.epochs:
            epoch_start = time.perf_counter()
            state["opt"].hyperparams["learning_rate"] = replicate(jnp.asarray(learning_rate, jnp.float32), mesh)
            sums = replicate(zero_sums(), mesh)  # committed like the step outputs, so no second compile
            progress = tqdm(
                total=steps_per_epoch, desc=f"epoch {epoch + 1}/{train_config.epochs}",
                leave=False, dynamic_ncols=True, mininterval=1.0,
            )
            for batch_index, batch in enumerate(task.train_batches(epoch)):
                batch = shard_batch(batch, mesh)
                if not compiled:
                    compile_start = time.perf_counter()
                    state, sums = train_step(state, sums, batch, base_key)
                    jax.block_until_ready(sums)
                    log.info("Compiled and ran the first train step in %.1f s.", time.perf_counter() - compile_start)
                    compiled = True
                else:
                    state, sums = train_step(state, sums, batch, base_key)
                progress.update(1)
                if (batch_index + 1) % train_config.log_every == 0:
                    _check_finite(sums, checkpoints)  # the only host sync inside an epoch
                    progress.set_postfix(loss=f"{float(sums['loss']) / max(float(sums['count']), 1):.4f}")
            progress.close()
            _check_finite(sums, checkpoints)

            sums = jax.device_get(sums)
            train_loss = float(sums["loss"]) / float(sums["count"])
            train_accuracy = float(sums["correct"]) / float(sums["count"])
            val_batches = (shard_batch(batch, mesh) for batch in task.eval_batches("val"))
            val = evaluate(eval_step, state["params"], state["rest"], val_batches)
            epoch_time = time.perf_counter() - epoch_start
            wall_time += epoch_time
            epoch += 1

            row = {
                "epoch": epoch, "train_loss": train_loss, "train_accuracy": train_accuracy,
                "val_loss": val["loss"], "val_accuracy": val["accuracy"], "learning_rate": learning_rate,
                "epoch_time_s": round(epoch_time, 2), "wall_time_s": round(wall_time, 2),
            }
            history.append(row)
            is_best, should_stop = early_stopping.update(epoch, val["loss"])
            if train_config.plateau.enabled:
                learning_rate = plateau.update(val["loss"], learning_rate)
            stopped_early = train_config.early_stopping.enabled and should_stop
            finished = stopped_early or epoch >= train_config.epochs

            meta = {
                "task": task_name, "model": model_config, "config": config.to_dict(), "epoch": epoch,
                "history": history, "wall_time_s": wall_time, "learning_rate": learning_rate,
                "finished": finished, "stopped_early": stopped_early,
                "early_stopping": early_stopping.state_dict(), "plateau": plateau.state_dict(),
                "extras": task.checkpoint_extras(),
            }
            if is_best:
                checkpoints.save(BEST, epoch, state, meta)
            checkpoints.save(LATEST, epoch, state, meta)
            write_metrics_csv(history, workdir / "metrics.csv")
            plot_curves(history, workdir / "curves.png", title=f"{task_name}: {model_config.get('name', '')}")
            log.info(
                "epoch %d/%d  train loss %.4f acc %.4f  val loss %.4f acc %.4f  lr %.2g  %.1fs%s",
                epoch, train_config.epochs, train_loss, train_accuracy, val["loss"], val["accuracy"],
                row["learning_rate"], epoch_time, "  *best" if is_best else "",
            )
            if stopped_early:
                log.info("Early stopping: validation loss has not improved for %d epochs.", early_stopping.wait)

        # Written again here because a run killed between its last checkpoint and these files
        # resumes straight to this point.
        write_metrics_csv(history, workdir / "metrics.csv")
        plot_curves(history, workdir / "curves.png", title=f"{task_name}: {model_config.get('name', '')}")
        if train_config.early_stopping.enabled and train_config.early_stopping.restore_best and history:
            state = _restore_best(checkpoints, state, epoch)
    final_model = nnx.merge(graphdef, state["params"], state["rest"])
    return TrainResult(
        model=final_model, history=history, epochs_run=epoch,
        best_epoch=early_stopping.best_epoch, stopped_early=stopped_early, wall_time_s=wall_time,
    )


def _restore_best(checkpoints: Checkpoints, state, last_epoch: int):
    """Return the state of the best checkpoint, or `state` with a warning when that checkpoint was deleted."""
    if checkpoints.latest_epoch(BEST) is None:
        log.warning(
            "No best checkpoint in %s, so the model keeps the weights of its last epoch, %d, instead of the best "
            "epoch's.", checkpoints.directory / BEST, last_epoch,
        )
        return state
    state, _ = checkpoints.restore(BEST, state)
    return state


def _check_finite(sums, checkpoints: Checkpoints) -> None:
    step = int(sums["first_nonfinite_step"])
    if step != NO_NONFINITE_STEP:
        last_good = checkpoints.path(LATEST)
        where = f"the last good checkpoint is {last_good}" if last_good else "no checkpoint was saved yet"
        raise NonFiniteLossError(
            f"The training loss became non-finite at step {step}; {where}. Lower train.learning_rate "
            "or check the input data, then run again to resume from that checkpoint."
        )
