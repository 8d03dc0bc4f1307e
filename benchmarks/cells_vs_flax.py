"""zoo's hand-written recurrent cells against Flax's built-in cells, forward and backward over a sequence.

    python benchmarks/cells_vs_flax.py [--seq-len 7 --seq-len 40] [--batch-size 64]

For each cell kind, one jitted function takes inputs x (B, T, I) and returns the gradients of
sum(outputs (B, T, H)) with respect to the cell's parameters and to x. That is the work a
recurrent layer does in a train step. zoo's cells run under `zoo.nmt.cells.run_cell` (the input
projection of all steps as one matmul, then a `lax.scan` over the recurrent part); Flax's
run under `nnx.RNN` (an `nnx.scan` whose every step applies the whole cell). Sizes are those
of the zoo taggers: the LSTM reads 128 features into 64 units, the GRU and the SimpleRNN 64
into 256.

Pairs: zoo LSTMCell with `nnx.LSTMCell` and `nnx.OptimizedLSTMCell`, zoo GRUCell
(reset-after, the form of `nnx.GRUCell`) with `nnx.GRUCell`, zoo SimpleRNNCell with
`nnx.SimpleCell`. Each zoo cell is also timed "projected per step": scanned through its own
one-step call, which projects each input inside the loop as Flax's cells do, to show what
`run_cell`'s hoisted projection gains or loses.
"""

from __future__ import annotations

import statistics
import time

import click
import flax
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

import harness
from zoo.nmt.cells import GRUCell, LSTMCell, SimpleRNNCell, run_cell

# kind: (input features, hidden units, zoo cell, [(label, Flax cell)])
CASES = {
    "LSTM": (128, 64, LSTMCell, [("nnx.LSTMCell", nnx.LSTMCell), ("nnx.OptimizedLSTMCell", nnx.OptimizedLSTMCell)]),
    "GRU": (64, 256, GRUCell, [("nnx.GRUCell", nnx.GRUCell)]),
    "SimpleRNN": (64, 256, SimpleRNNCell, [("nnx.SimpleCell", nnx.SimpleCell)]),
}


class GradientTimer:
    """Timer for the jitted gradient of sum(layer(x)) with respect to the layer's parameters and x."""

    def __init__(self, layer: nnx.Module, apply, x_BTI: jax.Array):
        graphdef, params, rest = nnx.split(layer, nnx.Param, ...)

        def total(params, x_BTI):
            # Fresh Variables (copy=True) may be updated inside the trace: nnx.RNN advances its carry RNG.
            return jnp.sum(apply(nnx.merge(graphdef, params, rest, copy=True), x_BTI))

        self.gradients = jax.jit(jax.grad(total, argnums=(0, 1)))
        self.params, self.x = params, x_BTI

    def time_steps(self, count: int) -> list[float]:
        times = []
        for _ in range(count):
            start = time.perf_counter()
            jax.block_until_ready(self.gradients(self.params, self.x))
            times.append(time.perf_counter() - start)
        return times


def zoo_side(cell_type, in_features, hidden, x_BTI) -> GradientTimer:
    cell = cell_type(in_features, hidden, rngs=nnx.Rngs(0))
    return GradientTimer(cell, lambda cell, x: run_cell(cell, x)[1], x_BTI)


def projected_per_step(cell, x_BTI):
    """Return the outputs (B, T, H) of `cell` scanned over raw inputs: x is projected inside the loop, as in Flax."""
    _, outputs_TBH = jax.lax.scan(cell, cell.initial_carry(x_BTI.shape[0]), jnp.swapaxes(x_BTI, 0, 1))
    return jnp.swapaxes(outputs_TBH, 0, 1)


def zoo_per_step_side(cell_type, in_features, hidden, x_BTI) -> GradientTimer:
    return GradientTimer(cell_type(in_features, hidden, rngs=nnx.Rngs(0)), projected_per_step, x_BTI)


def flax_side(cell_type, in_features, hidden, x_BTI) -> GradientTimer:
    rnn = nnx.RNN(cell_type(in_features, hidden, rngs=nnx.Rngs(0)))
    return GradientTimer(rnn, lambda rnn, x: rnn(x), x_BTI)


@click.command()
@click.option("--seq-len", "seq_lens", multiple=True, type=int, default=(7, 40), show_default=True)
@click.option("--batch-size", default=64, show_default=True)
@click.option("--rounds", default=5, show_default=True, help="Alternating rounds per case.")
@click.option("--steps", default=20, show_default=True, help="Calls per side per round.")
@click.option("--warmup", default=3, show_default=True, help="Untimed calls per side after compiling.")
def main(seq_lens, batch_size, rounds, steps, warmup):
    """Compare forward+backward time of zoo's recurrent cells and Flax's."""
    machine_before = harness.machine()
    rows = []
    for kind, (in_features, hidden, zoo_cell, flax_cells) in CASES.items():
        for seq_len in seq_lens:
            x_BTI = jax.random.normal(jax.random.key(0), (batch_size, seq_len, in_features))
            sides = {f"zoo {zoo_cell.__name__}": zoo_side(zoo_cell, in_features, hidden, x_BTI)}
            for label, flax_cell in flax_cells:
                sides[label] = flax_side(flax_cell, in_features, hidden, x_BTI)
            sides[f"zoo {zoo_cell.__name__}, projected per step"] = zoo_per_step_side(
                zoo_cell, in_features, hidden, x_BTI)
            harness.log(f"{kind}, T={seq_len}")
            medians = harness.alternate(
                {label: side.time_steps for label, side in sides.items()}, rounds=rounds, steps=steps, warmup=warmup,
            )
            zoo_label = next(iter(sides))
            for label in list(sides)[1:]:
                rows.append([
                    kind, str(seq_len), f"{in_features}→{hidden}",
                    f"{1e3 * statistics.median(medians[zoo_label]):.2f}", label,
                    f"{1e3 * statistics.median(medians[label]):.2f}",
                    f"{harness.speed_ratio(medians[zoo_label], medians[label]):.2f}×",
                ])

    print(f"## Recurrent cells, forward + backward over a sequence (batch {batch_size})\n")
    print(harness.markdown_table(
        ["cell", "T", "I→H", "zoo ms", "compared with", "its ms", "zoo speed / its speed"], rows,
    ))
    print()
    machine_after = harness.machine()
    print(f"- times: median over {rounds} alternating rounds of each round's median of {steps} calls; "
          f"ratio: median over rounds of (its time / zoo's time), above 1 when zoo is faster")
    print(harness.machine_line(machine_before, machine_after))
    print("\n".join(harness.software_lines(jax, flax, np)))


if __name__ == "__main__":
    main()
