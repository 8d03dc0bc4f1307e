"""Data parallelism: a one-axis device mesh over the batch; parameters are replicated on every device.

Under `jax.jit`, XLA partitions the step from the input shardings alone, so the same train step
runs on one device or many. Gradients, the loss and BatchNorm batch statistics are reduced
over the whole global batch. Results match single-device training up to the order of
floating-point additions.
"""

from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from zoo.errors import ConfigError

BATCH_AXIS = "batch"


def make_mesh(num_devices: int = 0) -> Mesh:
    """Return a mesh over the first `num_devices` local devices (0 means all of them)."""
    # NOTE: one host only. Several hosts need jax.distributed.initialize(), a mesh over
    # jax.devices() and per-process batches (docs/performance.md, "Going beyond one machine").
    devices = jax.local_devices()
    if num_devices < 0 or num_devices > len(devices):
        raise ConfigError(
            f"train.num_devices={num_devices} is invalid: this host has {len(devices)} device(s); "
            "use 0 for all of them."
        )
    chosen = devices[: num_devices or len(devices)]
    return Mesh(np.asarray(chosen), (BATCH_AXIS,))


def check_divisible(batch_size: int, mesh: Mesh, name: str) -> None:
    """Raise ConfigError when `batch_size` does not split evenly over the mesh's devices."""
    if batch_size % mesh.size:
        raise ConfigError(
            f"{name}={batch_size} does not divide evenly over {mesh.size} devices; "
            f"use a multiple of {mesh.size} or set train.num_devices."
        )


def replicate(tree, mesh: Mesh):
    """Place a copy of every array of `tree` on every device of `mesh`."""
    return jax.device_put(tree, NamedSharding(mesh, PartitionSpec()))


def shard_batch(batch, mesh: Mesh):
    """Split every array of `batch` along its leading axis over the devices of `mesh`."""
    if mesh.size == 1:
        return batch
    return jax.device_put(batch, NamedSharding(mesh, PartitionSpec(BATCH_AXIS)))
