"""Resuming a run folder: a raised epoch cap trains on, a finished run logs why, other changes are rejected."""

from __future__ import annotations

import json
import logging
import shutil

import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from tests.conftest import REPO_ROOT
from zoo.config import load_config
from zoo.errors import CheckpointError, ConfigError, ZooError
from zoo.fer.train import train_and_evaluate as train_fer
from zoo.training.checkpoint import BEST, LATEST, Checkpoints
from zoo.training.loop import train
from zoo.training.resume import RESUMABLE_KEYS, changed_settings, prepare_run_folder

FER_SMOKE = REPO_ROOT / "configs" / "smoke.py"
NMT_SMOKE = REPO_ROOT / "configs" / "nmt_smoke.py"


class RegressionTask:
    """Fit y = 2·x₀ − x₁ with one linear layer: each epoch one batch drawn from the epoch number."""

    batch_size = 8

    def create_model(self, rngs):
        return nnx.Linear(2, 1, rngs=rngs)

    def _batch(self, seed):
        x = np.random.default_rng(seed).normal(size=(8, 2)).astype(np.float32)
        return {"x": x, "y": 2 * x[:, 0] - x[:, 1]}

    def loss(self, model, batch, key, train):
        losses = jnp.square(model(batch["x"])[:, 0] - batch["y"])
        count = jnp.asarray(losses.shape[0], jnp.float32)
        return jnp.mean(losses), {"loss": jnp.sum(losses), "correct": jnp.zeros(()), "count": count}

    def num_train_batches(self):
        return 1

    def train_batches(self, epoch):
        yield self._batch(epoch)

    def eval_batches(self, split):
        yield self._batch(1000)

    def checkpoint_extras(self):
        return {}


def fer_config(*overrides):
    return load_config(FER_SMOKE, ["train.learning_rate=0.05", *overrides])


def run(workdir, *overrides, config_path=FER_SMOKE, task_name="fer"):
    config = load_config(config_path, ["train.learning_rate=0.05", *overrides])
    return train(RegressionTask(), config, workdir, task_name=task_name)


def test_raised_epoch_cap_continues_like_a_longer_run(tmp_path, caplog):
    straight = run(tmp_path / "straight", "train.epochs=3")
    run(tmp_path / "continued", "train.epochs=2")
    caplog.set_level(logging.INFO)
    continued = run(tmp_path / "continued", "train.epochs=3")

    assert continued.epochs_run == 3
    assert [row["epoch"] for row in continued.history] == [1, 2, 3]
    for straight_row, continued_row in zip(straight.history, continued.history):
        assert continued_row["val_loss"] == pytest.approx(straight_row["val_loss"], rel=1e-6)
    assert "the run had reached its epoch cap of 2, and train.epochs=3 lets it train on" in caplog.text
    assert json.loads((tmp_path / "continued" / "config.json").read_text())["train"]["epochs"] == 3


def test_finished_run_names_its_epoch_cap(tmp_path, caplog):
    run(tmp_path / "run", "train.epochs=2")
    caplog.set_level(logging.INFO)
    result = run(tmp_path / "run", "train.epochs=2")
    assert result.epochs_run == 2
    assert "The run is already finished: it reached its epoch cap, train.epochs=2." in caplog.text
    assert "run the same command with a larger cap, e.g. --set train.epochs=4" in caplog.text
    assert "Resuming" not in caplog.text


def test_finished_run_names_its_early_stop(tmp_path, caplog):
    # A huge min_delta makes every epoch after the first count as no improvement.
    stopping = ["train.epochs=5", "train.early_stopping.patience=1", "train.early_stopping.min_delta=1e9"]
    first = run(tmp_path / "run", *stopping)
    assert first.stopped_early and first.epochs_run == 2
    caplog.set_level(logging.INFO)
    result = run(tmp_path / "run", *stopping[1:], "train.epochs=9")
    assert result.epochs_run == 2
    assert "The run is already finished: early stopping ended it at epoch 2" in caplog.text
    assert "start a new run with another --workdir" in caplog.text


def test_changed_settings_are_listed_and_config_json_kept(tmp_path):
    run(tmp_path / "run", "train.epochs=2")
    saved_config = (tmp_path / "run" / "config.json").read_text()
    with pytest.raises(ConfigError) as raised:
        run(tmp_path / "run", "train.epochs=3", "train.learning_rate=0.5", "seed=4")
    message = str(raised.value)
    assert message.startswith(
        f"The checkpoint in {tmp_path / 'run'} was trained with other settings (seed was 0, now 4; "
        "train.learning_rate was 0.05, now 0.5), and resuming it would mix two different runs."
    )
    assert "Use a new --workdir for the new settings, or drop the overrides" in message
    assert "Only these settings may change on resume: train.epochs, train.log_every" in message
    assert "decode.*" in message
    assert (tmp_path / "run" / "config.json").read_text() == saved_config


def test_vocab_size_change_is_rejected_for_translation(tmp_path):
    run(tmp_path / "run", "train.epochs=1", config_path=NMT_SMOKE, task_name="nmt")
    with pytest.raises(ConfigError, match=r"\(data\.vocab_size was 200, now 150\)"):
        run(tmp_path / "run", "train.epochs=1", "data.vocab_size=150", config_path=NMT_SMOKE, task_name="nmt")


def test_resumable_settings_may_change(tmp_path):
    run(tmp_path / "run", "train.epochs=1", config_path=NMT_SMOKE, task_name="nmt")
    changes = ["train.epochs=2", "train.log_every=1", "train.eval_batch_size=8", "train.keep_checkpoints=3",
               "decode.beam_size=1", "decode.samples=1"]
    result = run(tmp_path / "run", *changes, config_path=NMT_SMOKE, task_name="nmt")
    assert result.epochs_run == 2
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["decode"]["beam_size"] == 1
    assert saved["train"]["keep_checkpoints"] == 3


def test_changed_settings_compare_tuples_as_lists():
    saved = {"data": {"bucket_lengths": [16, 32], "cache": True}, "train": {"epochs": 2, "batch_size": 8}}
    current = {"data": {"bucket_lengths": (16, 32), "cache": False}, "train": {"epochs": 5, "batch_size": 8}}
    assert changed_settings(saved, current) == []
    current["data"]["new_key"] = 1
    assert changed_settings(saved, current) == [("data.new_key", "(absent)", 1)]
    assert "decode" in RESUMABLE_KEYS
    assert "train.epochs" in RESUMABLE_KEYS


def test_epoch_cap_below_trained_epochs_is_rejected(tmp_path):
    run(tmp_path / "run", "train.epochs=2")
    with pytest.raises(ConfigError, match=r"train\.epochs=1 is below the 2 epochs that the checkpoint in .* has "
                                          r"already trained\. Set train\.epochs to 2 or more, or use a new --workdir\."):
        run(tmp_path / "run", "train.epochs=1")


def test_run_of_other_task_is_rejected(tmp_path):
    run(tmp_path / "run", "train.epochs=1", config_path=NMT_SMOKE, task_name="nmt")
    with pytest.raises(CheckpointError) as raised:
        run(tmp_path / "run", "train.epochs=1")
    assert str(raised.value) == (
        f"{tmp_path / 'run'} holds a translation run (train_nmt.py), not a facial-expression run. "
        "Pass a new --workdir to start this training run."
    )


def test_changed_settings_fail_before_the_data_is_read(tmp_path):
    run(tmp_path / "run", "train.epochs=1")
    with pytest.raises(ConfigError, match=r"train\.learning_rate was 0\.05, now 0\.001"):
        train_fer(load_config(FER_SMOKE), tmp_path / "run", str(tmp_path / "no_data_here"))


def test_workdir_that_is_a_file_is_rejected(tmp_path):
    not_a_folder = tmp_path / "run.txt"
    not_a_folder.write_text("")
    with pytest.raises(ZooError, match=r"The run folder .*run\.txt \(--workdir\) is a file, not a folder\."):
        prepare_run_folder(not_a_folder, fer_config(), "fer")
    with pytest.raises(ZooError, match=r"is a file, not a folder"):
        run(not_a_folder)
    with pytest.raises(ZooError, match=r"Cannot create the run folder .*/inner \(--workdir\): Not a directory"):
        prepare_run_folder(not_a_folder / "inner", fer_config(), "fer")


def test_damaged_best_checkpoint_then_deleted(tmp_path, caplog):
    run(tmp_path / "run", "train.epochs=2")
    best = Checkpoints(tmp_path / "run" / "checkpoints").path(BEST)
    shutil.rmtree(best / "state" / "d")
    with pytest.raises(CheckpointError) as raised:
        run(tmp_path / "run", "train.epochs=2")
    message = str(raised.value)
    assert message.startswith(f"Checkpoint {best} is damaged or incomplete (NOT_FOUND reading {best}/state/d/")
    assert message.endswith(f"Delete the folder {best}: training and inference then use the latest checkpoint instead.")
    assert len(message) < 600

    shutil.rmtree(best)
    caplog.set_level(logging.INFO)
    result = run(tmp_path / "run", "train.epochs=2")
    assert result.epochs_run == 2
    assert "No best checkpoint in" in caplog.text


def test_damaged_latest_falls_back_a_step(tmp_path):
    run(tmp_path / "run", "train.epochs=2")
    checkpoints = Checkpoints(tmp_path / "run" / "checkpoints")
    latest = checkpoints.path(LATEST)
    checkpoints.close()
    (latest / "meta" / "metadata").write_text("{not json")
    with pytest.raises(CheckpointError, match=rf"Checkpoint {latest} is damaged or incomplete \(Expecting property"):
        run(tmp_path / "run", "train.epochs=2")

    shutil.rmtree(latest)
    result = run(tmp_path / "run", "train.epochs=2")
    assert [row["epoch"] for row in result.history] == [1, 2]
