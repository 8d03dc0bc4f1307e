import csv
import os
import signal
import subprocess
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from tests.conftest import REPO_ROOT, copy_sample
from zoo.config import load_config
from zoo.errors import CheckpointError, ConfigError
from zoo.fer.task import FerTask, create_fer_model_from_config
from zoo.fer.train import train_and_evaluate
from zoo.training.loop import NonFiniteLossError, make_optimizer
from zoo.training.restore import restore_model
from zoo.training.steps import make_train_step, split_model, zero_sums

SMOKE = REPO_ROOT / "configs" / "smoke.py"


def tiny_config(*overrides):
    return load_config(SMOKE, ["train.log_every=1", "data.subset=1.0", *overrides])


def synthetic_splits(count=64, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (count, 48, 48), dtype=np.uint8)
    labels = rng.integers(0, 7, count).astype(np.int32)
    return {name: (images, labels) for name in ("train", "val", "test", "test_all")}


def test_train_step_compiles_once():
    config = tiny_config("train.batch_size=16", "model.name=cnn_bn")
    task = FerTask(config, synthetic_splits())
    graphdef, params, rest = split_model(task.create_model(nnx.Rngs(0)))
    tx = make_optimizer(config.train)
    state = {"params": params, "rest": rest, "opt": tx.init(params), "step": jnp.zeros((), jnp.int32)}
    train_step = make_train_step(graphdef, tx, task)
    sums = zero_sums()
    for epoch in range(2):
        for batch in task.train_batches(epoch):
            state, sums = train_step(state, sums, batch, jax.random.key(0))
    assert int(state["step"]) == 8
    assert train_step._cache_size() == 1


def test_train_step_updates_batchnorm_statistics():
    config = tiny_config("train.batch_size=16", "model.name=cnn_bn")
    task = FerTask(config, synthetic_splits())
    graphdef, params, rest = split_model(task.create_model(nnx.Rngs(0)))
    before = jax.tree.map(np.asarray, rest)
    tx = make_optimizer(config.train)
    state = {"params": params, "rest": rest, "opt": tx.init(params), "step": jnp.zeros((), jnp.int32)}
    state, _ = make_train_step(graphdef, tx, task)(state, zero_sums(), next(task.train_batches(0)), jax.random.key(0))
    changed = jax.tree.map(lambda a, b: not np.allclose(a, b), before, jax.tree.map(np.asarray, state["rest"]))
    assert all(jax.tree.leaves(changed))


def test_training_writes_every_output(small_fer, tmp_path):
    workdir = tmp_path / "run"
    report = train_and_evaluate(tiny_config(), workdir, str(small_fer.parent))
    for name in ("config.json", "metrics.csv", "report.json", "curves.png"):
        assert (workdir / name).is_file(), name
    assert sorted(os.listdir(workdir / "checkpoints")) == ["best", "latest"]
    assert set(report["splits"]) == {"train", "val", "test", "test_all"}
    assert np.asarray(report["splits"]["test"]["confusion_matrix"]).sum() == 21
    assert set(report["splits"]["test"]["per_class"]["happy"]) == {"precision", "recall", "f1", "support"}
    assert report["parameters"] == 4_738_439


def test_workdir_of_another_model_is_rejected(small_fer, tmp_path):
    workdir = tmp_path / "run"
    train_and_evaluate(tiny_config("train.epochs=1"), workdir, str(small_fer.parent))
    with pytest.raises(ConfigError, match=r"other settings \(model\.name was \"cnn_baseline\", now \"cnn_bn\"\)"):
        train_and_evaluate(tiny_config("model.name=cnn_bn"), workdir, str(small_fer.parent))


def test_non_finite_loss_names_step_and_checkpoint(small_fer, tmp_path):
    config = tiny_config("train.learning_rate=1e30", "train.epochs=5")
    with pytest.raises(NonFiniteLossError, match=r"non-finite at step \d+; (the last good checkpoint is|no checkpoint)"):
        train_and_evaluate(config, tmp_path / "run", str(small_fer.parent))


def test_restore_model_rejects_other_task(small_fer, tmp_path):
    workdir = tmp_path / "run"
    train_and_evaluate(tiny_config("train.epochs=1"), workdir, str(small_fer.parent))
    with pytest.raises(CheckpointError) as raised:
        restore_model(workdir, "nmt", create_fer_model_from_config)
    assert str(raised.value) == (
        f"{workdir} holds a facial-expression run (train_fer.py), not a translation run. "
        "Pass the --workdir of a train_nmt.py run."
    )


def test_restore_model_without_checkpoints(tmp_path):
    with pytest.raises(CheckpointError, match=r"No checkpoints in"):
        restore_model(tmp_path, "fer", create_fer_model_from_config)


def train_command(data_dir, workdir):
    return [
        sys.executable, str(REPO_ROOT / "train_fer.py"), "--config", str(SMOKE), "--data-dir", str(data_dir),
        "--workdir", str(workdir), "--set", "data.subset=1.0", "--set", "train.epochs=5",
        "--set", "train.batch_size=16", "--set", "train.early_stopping.enabled=false",
    ]


def read_epochs(workdir):
    with open(workdir / "metrics.csv") as handle:
        return [row for row in csv.DictReader(handle)]


def test_resume_after_sigkill_matches_uninterrupted_run(data_dir, tmp_path):
    sample = copy_sample(data_dir, tmp_path / "data", per_class=20).parent
    env = {**os.environ, "TQDM_DISABLE": "1"}

    straight = tmp_path / "straight"
    subprocess.run(train_command(sample, straight), check=True, env=env, capture_output=True)

    resumed = tmp_path / "resumed"
    process = subprocess.Popen(train_command(sample, resumed), env=env, stderr=subprocess.PIPE)
    first_checkpoint = resumed / "checkpoints" / "latest" / "1"
    deadline = time.time() + 300
    while not first_checkpoint.is_dir() and process.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    epochs_before = len(list((resumed / "checkpoints" / "latest").iterdir()))
    assert epochs_before < 5

    second = subprocess.run(train_command(sample, resumed), check=True, env=env, capture_output=True, text=True)
    assert "Resuming from" in second.stderr
    assert [row["epoch"] for row in read_epochs(resumed)] == ["1", "2", "3", "4", "5"]
    for straight_row, resumed_row in zip(read_epochs(straight), read_epochs(resumed)):
        assert float(resumed_row["val_loss"]) == pytest.approx(float(straight_row["val_loss"]), rel=1e-5)

    model_straight, _, _ = restore_model(straight, "fer", create_fer_model_from_config, kind="latest")
    model_resumed, _, _ = restore_model(resumed, "fer", create_fer_model_from_config, kind="latest")
    for a, b in zip(jax.tree.leaves(nnx.state(model_straight)), jax.tree.leaves(nnx.state(model_resumed))):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def test_loop_compiles_train_step_once(monkeypatch, tmp_path):
    import zoo.training.loop as loop_module

    compiled_steps = []

    def recording_make_train_step(*args):
        step = make_train_step(*args)
        compiled_steps.append(step)
        return step

    monkeypatch.setattr(loop_module, "make_train_step", recording_make_train_step)
    config = tiny_config("train.batch_size=16", "train.epochs=2", "train.eval_batch_size=32")
    loop_module.train(FerTask(config, synthetic_splits()), config, tmp_path / "run", task_name="fer")
    assert compiled_steps[0]._cache_size() == 1
