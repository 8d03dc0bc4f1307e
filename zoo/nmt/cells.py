"""Recurrent cells written out in Flax NNX, and a masked `lax.scan` that runs one over time.

Each cell is one step `(carry, x_BI) -> (carry, y_BH)`. The input half of every gate does not
depend on the carry, so `project_inputs` computes it for all steps at once (one large matmul
outside the loop) and `step` does only the recurrent matmul inside it. `run_cell` combines the
two.

Shape suffixes: B batch, T time, I input features, H hidden units, G = gates × H.

Initialisation follows Keras, the reference for the models built on these cells: Glorot-uniform
input kernels, orthogonal recurrent kernels and zero biases, except the LSTM forget gate (bias 1).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import nnx

Carry = Any  # jax.Array (SimpleRNN, GRU) or a (c, h) tuple (LSTM)


class _Cell(nnx.Module):
    """Shared parameters: an input kernel of `gates` blocks, a recurrent kernel and a bias."""

    gates = 1

    def __init__(self, in_features: int, hidden_features: int, *, rngs: nnx.Rngs):
        if in_features < 1 or hidden_features < 1:
            raise ValueError(
                f"{type(self).__name__} needs positive sizes, got in_features={in_features}, "
                f"hidden_features={hidden_features}"
            )
        self.in_features = in_features
        self.hidden_features = hidden_features
        width = self.gates * hidden_features
        self.input_kernel = nnx.Param(nnx.initializers.glorot_uniform()(rngs.params(), (in_features, width)))
        self.recurrent_kernel = nnx.Param(
            nnx.initializers.orthogonal()(rngs.params(), (hidden_features, width))
        )
        self.bias = nnx.Param(jnp.zeros((width,)))

    def project_inputs(self, inputs: jax.Array) -> jax.Array:
        """Return the input contribution to every gate, `x @ W_i + b`, for any leading axes (..., I) -> (..., G)."""
        return inputs @ self.input_kernel[...] + self.bias[...]

    def initial_carry(self, batch_size: int) -> Carry:
        """Return the zero state of a batch."""
        return jnp.zeros((batch_size, self.hidden_features))

    def step(self, carry: Carry, projected_BG: jax.Array) -> tuple[Carry, jax.Array]:
        raise NotImplementedError

    def __call__(self, carry: Carry, x_BI: jax.Array) -> tuple[Carry, jax.Array]:
        """Advance one step on raw input `x_BI`; returns the new carry and the output y_BH."""
        return self.step(carry, self.project_inputs(x_BI))


class SimpleRNNCell(_Cell):
    """Elman cell: h' = tanh(x W_i + b + h W_h); the output is h'."""

    gates = 1

    def step(self, carry: jax.Array, projected_BG: jax.Array) -> tuple[jax.Array, jax.Array]:
        h_BH = jnp.tanh(projected_BG + carry @ self.recurrent_kernel[...])
        return h_BH, h_BH


class GRUCell(_Cell):
    """Gated recurrent unit, gates in the order reset r, update z, candidate n.

    With `reset_after=True` (the default) the reset gate scales the recurrent projection:

        r = σ(x W_ir + b_ir + h W_hr + b_hr)       z = σ(x W_iz + b_iz + h W_hz + b_hz)
        n = tanh(x W_in + b_in + r ⊙ (h W_hn + b_hn))
        h' = (1 − z) ⊙ n + z ⊙ h

    This is the Keras/TensorFlow 2 default, the cuDNN kernel and Flax's `nnx.GRUCell` (which has
    no recurrent bias), and it needs one recurrent matmul per step. With `reset_after=False` it is
    the form of Cho et al. (2014), where the reset gate scales h before its matmul:

        n = tanh(x W_in + b_in + (r ⊙ h) W_hn)

    so the candidate needs a second, dependent matmul, and the layer has no recurrent bias.
    """

    gates = 3

    def __init__(self, in_features: int, hidden_features: int, *, reset_after: bool = True, rngs: nnx.Rngs):
        super().__init__(in_features, hidden_features, rngs=rngs)
        self.reset_after = reset_after
        # Only the reset-after form needs it: elsewhere a recurrent bias would just add to `bias`.
        self.recurrent_bias = nnx.Param(jnp.zeros((self.gates * hidden_features,))) if reset_after else None

    def step(self, carry: jax.Array, projected_BG: jax.Array) -> tuple[jax.Array, jax.Array]:
        h_BH = carry
        H = self.hidden_features
        x_r, x_z, x_n = jnp.split(projected_BG, 3, axis=-1)
        kernel = self.recurrent_kernel[...]
        if self.reset_after:
            h_r, h_z, h_n = jnp.split(h_BH @ kernel + self.recurrent_bias[...], 3, axis=-1)
            r = jax.nn.sigmoid(x_r + h_r)
            z = jax.nn.sigmoid(x_z + h_z)
            n = jnp.tanh(x_n + r * h_n)
        else:
            h_r, h_z = jnp.split(h_BH @ kernel[:, : 2 * H], 2, axis=-1)
            r = jax.nn.sigmoid(x_r + h_r)
            z = jax.nn.sigmoid(x_z + h_z)
            n = jnp.tanh(x_n + (r * h_BH) @ kernel[:, 2 * H :])
        new_h = (1.0 - z) * n + z * h_BH
        return new_h, new_h


class LSTMCell(_Cell):
    """Long short-term memory, gates in the order input i, forget f, cell g, output o.

        [i f g o] = x W_i + b + h W_h        (one input and one recurrent matmul for all gates)
        c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)        h' = σ(o) ⊙ tanh(c')

    The carry is `(c, h)` as in Flax, and the output is h'. The forget-gate bias starts at 1, as
    with Keras `unit_forget_bias`, so that early in training the cell keeps its memory and
    gradients reach further back.
    """

    gates = 4

    def __init__(self, in_features: int, hidden_features: int, *, rngs: nnx.Rngs):
        super().__init__(in_features, hidden_features, rngs=rngs)
        H = hidden_features
        self.bias[...] = self.bias[...].at[H : 2 * H].set(1.0)

    def initial_carry(self, batch_size: int) -> tuple[jax.Array, jax.Array]:
        zeros = jnp.zeros((batch_size, self.hidden_features))
        return zeros, zeros

    def step(
        self, carry: tuple[jax.Array, jax.Array], projected_BG: jax.Array
    ) -> tuple[tuple[jax.Array, jax.Array], jax.Array]:
        c_BH, h_BH = carry
        gates_BG = projected_BG + h_BH @ self.recurrent_kernel[...]
        i, f, g, o = jnp.split(gates_BG, 4, axis=-1)
        new_c = jax.nn.sigmoid(f) * c_BH + jax.nn.sigmoid(i) * jnp.tanh(g)
        new_h = jax.nn.sigmoid(o) * jnp.tanh(new_c)
        return (new_c, new_h), new_h


CELLS = {"simple_rnn": SimpleRNNCell, "gru": GRUCell, "lstm": LSTMCell}


def make_cell(kind: str, in_features: int, hidden_features: int, *, rngs: nnx.Rngs, **options: Any) -> _Cell:
    """Build a cell by name: "simple_rnn", "gru" or "lstm"."""
    if kind not in CELLS:
        raise ValueError(f"recurrent cell {kind!r} is unknown; use one of {', '.join(CELLS)}")
    return CELLS[kind](in_features, hidden_features, rngs=rngs, **options)


def run_cell(
    cell: _Cell,
    inputs_BTI: jax.Array,
    mask_BT: jax.Array | None = None,
    *,
    initial_carry: Carry | None = None,
    reverse: bool = False,
    unroll: int | bool = 1,
) -> tuple[Carry, jax.Array]:
    """Run `cell` over the time axis of `inputs_BTI` with `jax.lax.scan`.

    Where `mask_BT` is 0 the step is skipped: the carry passes through unchanged and the output
    is zero. With right-padded sequences and `reverse=True` the backward pass therefore starts
    at each sequence's own last token, which is what a bidirectional encoder needs. `unroll` is
    passed to `lax.scan` (more unrolling trades compile time for speed on short sequences).

    Returns the final carry and the outputs y_BTH.
    """
    batch_size = inputs_BTI.shape[0]
    carry = cell.initial_carry(batch_size) if initial_carry is None else initial_carry
    projected_TBG = jnp.swapaxes(cell.project_inputs(inputs_BTI), 0, 1)

    if mask_BT is None:
        final, outputs_TBH = jax.lax.scan(cell.step, carry, projected_TBG, reverse=reverse, unroll=unroll)
        return final, jnp.swapaxes(outputs_TBH, 0, 1)

    def masked_step(carry: Carry, inputs: tuple[jax.Array, jax.Array]) -> tuple[Carry, jax.Array]:
        projected_BG, keep_B = inputs
        new_carry, y_BH = cell.step(carry, projected_BG)
        keep_B1 = keep_B[:, None]
        carry = jax.tree.map(lambda new, old: jnp.where(keep_B1, new, old), new_carry, carry)
        return carry, jnp.where(keep_B1, y_BH, 0.0)

    keep_TB = jnp.swapaxes(mask_BT, 0, 1).astype(bool)
    final, outputs_TBH = jax.lax.scan(masked_step, carry, (projected_TBG, keep_TB), reverse=reverse, unroll=unroll)
    return final, jnp.swapaxes(outputs_TBH, 0, 1)
