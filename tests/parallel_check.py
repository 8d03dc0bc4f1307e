"""Train the same tiny FER run on 1 and on 4 devices and print how far apart they end.

Run as a script with XLA_FLAGS=--xla_force_host_platform_device_count=4, which must be set
before JAX starts; tests/test_parallel.py does that in a subprocess.
"""

import json
import sys
import tempfile
from pathlib import Path

import jax
import numpy as np
from flax import nnx

from zoo.config import load_config
from zoo.fer.task import FerTask
from zoo.training.loop import train

REPO_ROOT = Path(__file__).resolve().parent.parent


def run(num_devices: int, workdir: Path):
    config = load_config(
        REPO_ROOT / "configs" / "smoke.py",
        ["model.name=cnn_dropout", "train.batch_size=16", "train.eval_batch_size=32", "train.epochs=1",
         f"train.num_devices={num_devices}", "train.early_stopping.enabled=false",
         # One epoch of SGD, because rounding differences of the reordered gradient sums grow
         # over steps, and Adam divides them by the root of tiny second moments.
         "train.optimizer=sgd", "train.learning_rate=0.001"],
    )
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (64, 48, 48), dtype=np.uint8)
    labels = rng.integers(0, 7, 64).astype(np.int32)
    splits = {name: (images, labels) for name in ("train", "val", "test", "test_all")}
    result = train(FerTask(config, splits), config, workdir, task_name="fer")
    return result


def main():
    assert jax.device_count() == 4, f"expected 4 devices, found {jax.device_count()}"
    with tempfile.TemporaryDirectory() as tmp:
        single = run(1, Path(tmp) / "one")
        parallel = run(4, Path(tmp) / "four")
    leaves_single = jax.tree.leaves(nnx.state(single.model))
    leaves_parallel = jax.tree.leaves(nnx.state(parallel.model))
    max_difference = max(float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
                         for a, b in zip(leaves_single, leaves_parallel))
    shardings = {leaf.sharding.mesh.size for leaf in leaves_parallel if hasattr(leaf.sharding, "mesh")}
    json.dump({
        "max_parameter_difference": max_difference,
        "val_loss_single": [row["val_loss"] for row in single.history],
        "val_loss_parallel": [row["val_loss"] for row in parallel.history],
        "parallel_mesh_sizes": sorted(shardings),
    }, sys.stdout)


if __name__ == "__main__":
    main()
