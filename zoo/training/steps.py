"""The jitted train and eval steps shared by every task.

The train state is a dict of pytrees: `params` (the `nnx.Param` leaves), `rest` (BatchNorm
statistics and other non-trainable variables), `opt` (the Optax state, whose injected
`learning_rate` the host changes between epochs) and `step`. The step key is
`fold_in(base_key, step)`, so a resumed run draws the same dropout masks and augmentations as
an uninterrupted one.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax
from flax import nnx

from zoo.training.task import Task

NO_NONFINITE_STEP = jnp.iinfo(jnp.int32).max


def split_model(model: nnx.Module):
    """Return (graphdef, params, rest) for `model`."""
    return nnx.split(model, nnx.Param, ...)


def zero_sums() -> dict[str, jax.Array]:
    """Return the epoch accumulator the train step adds into."""
    return {
        "loss": jnp.zeros((), jnp.float32),
        "correct": jnp.zeros((), jnp.float32),
        "count": jnp.zeros((), jnp.float32),
        "first_nonfinite_step": jnp.asarray(NO_NONFINITE_STEP, jnp.int32),
    }


def make_train_step(graphdef, tx: optax.GradientTransformation, task: Task):
    """Return `train_step(state, sums, batch, base_key) -> (state, sums)`, jitted with donated buffers."""

    def train_step(state, sums, batch, base_key):
        step = state["step"]
        key = jax.random.fold_in(base_key, step)

        def objective(params):
            model = nnx.merge(graphdef, params, state["rest"], copy=True)  # fresh Variables, mutable inside grad
            loss, metrics = task.loss(model, batch, key, True)
            _, _, rest = split_model(model)  # BatchNorm statistics updated by the forward pass
            return loss, (metrics, rest)

        (loss, (metrics, rest)), grads = jax.value_and_grad(objective, has_aux=True)(state["params"])
        updates, opt = tx.update(grads, state["opt"], state["params"])
        params = optax.apply_updates(state["params"], updates)

        new_sums = {name: sums[name] + metrics[name] for name in ("loss", "correct", "count")}
        nonfinite_here = jnp.where(jnp.isfinite(loss), NO_NONFINITE_STEP, step)
        new_sums["first_nonfinite_step"] = jnp.minimum(sums["first_nonfinite_step"], nonfinite_here)
        return {"params": params, "rest": rest, "opt": opt, "step": step + 1}, new_sums

    return jax.jit(train_step, donate_argnums=(0, 1))


def make_eval_step(graphdef, task: Task):
    """Return `eval_step(params, rest, batch) -> metric sums`, jitted."""

    def eval_step(params, rest, batch):
        model = nnx.merge(graphdef, params, rest)
        _, metrics = task.loss(model, batch, jax.random.key(0), False)
        return {name: metrics[name] for name in ("loss", "correct", "count")}

    return jax.jit(eval_step)


def evaluate(eval_step, params, rest, batches) -> dict[str, float]:
    """Run `eval_step` over `batches`; return mean loss, accuracy and the item count."""
    totals = None
    for batch in batches:
        sums = eval_step(params, rest, batch)
        totals = sums if totals is None else jax.tree.map(jnp.add, totals, sums)
    if totals is None:
        raise ValueError("evaluate() received no batches.")
    totals = jax.device_get(totals)
    count = float(totals["count"])
    return {"loss": float(totals["loss"]) / count, "accuracy": float(totals["correct"]) / count, "count": count}
