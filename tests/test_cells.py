"""Recurrent cells against independent NumPy equations and against Flax's built-in cells."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from zoo.nmt import cells

B, T, I, H = 3, 5, 4, 6
TOL = dict(rtol=1e-5, atol=1e-5)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def randomise(cell, seed):
    """Give every parameter random values, biases included, so no term of an equation hides."""
    rng = np.random.default_rng(seed)
    for _, param in nnx.iter_graph(cell):
        if isinstance(param, nnx.Param):
            param[...] = jnp.asarray(rng.normal(0.0, 0.5, param[...].shape), jnp.float32)
    return cell


def weights(cell):
    return {name: np.asarray(getattr(cell, name)[...], np.float64)
            for name in ("input_kernel", "recurrent_kernel", "bias", "recurrent_bias")
            if getattr(cell, name, None) is not None}


def numpy_simple_rnn(w, xs):
    h = np.zeros((xs.shape[0], H))
    outputs = []
    for t in range(xs.shape[1]):
        h = np.tanh(xs[:, t] @ w["input_kernel"] + w["bias"] + h @ w["recurrent_kernel"])
        outputs.append(h)
    return h, np.stack(outputs, 1)


def numpy_gru(w, xs, reset_after):
    Wi, Wh, b = w["input_kernel"], w["recurrent_kernel"], w["bias"]
    Wir, Wiz, Win = Wi[:, :H], Wi[:, H : 2 * H], Wi[:, 2 * H :]
    Whr, Whz, Whn = Wh[:, :H], Wh[:, H : 2 * H], Wh[:, 2 * H :]
    bir, biz, bin_ = b[:H], b[H : 2 * H], b[2 * H :]
    bh = w["recurrent_bias"] if reset_after else np.zeros(3 * H)
    bhr, bhz, bhn = bh[:H], bh[H : 2 * H], bh[2 * H :]
    h = np.zeros((xs.shape[0], H))
    outputs = []
    for t in range(xs.shape[1]):
        x = xs[:, t]
        r = sigmoid(x @ Wir + bir + h @ Whr + bhr)
        z = sigmoid(x @ Wiz + biz + h @ Whz + bhz)
        if reset_after:
            n = np.tanh(x @ Win + bin_ + r * (h @ Whn + bhn))
        else:
            n = np.tanh(x @ Win + bin_ + (r * h) @ Whn)
        h = (1 - z) * n + z * h
        outputs.append(h)
    return h, np.stack(outputs, 1)


def numpy_lstm(w, xs):
    Wi, Wh, b = w["input_kernel"], w["recurrent_kernel"], w["bias"]
    blocks = [slice(k * H, (k + 1) * H) for k in range(4)]
    c = np.zeros((xs.shape[0], H))
    h = np.zeros((xs.shape[0], H))
    outputs = []
    for t in range(xs.shape[1]):
        x = xs[:, t]
        i, f, g, o = (x @ Wi[:, s] + h @ Wh[:, s] + b[s] for s in blocks)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        outputs.append(h)
    return (c, h), np.stack(outputs, 1)


@pytest.fixture(scope="module")
def xs():
    return np.random.default_rng(0).normal(size=(B, T, I)).astype(np.float32)


def test_simple_rnn_matches_numpy(xs):
    cell = randomise(cells.SimpleRNNCell(I, H, rngs=nnx.Rngs(0)), 1)
    final, ys = cells.run_cell(cell, jnp.asarray(xs))
    want_final, want_ys = numpy_simple_rnn(weights(cell), xs.astype(np.float64))
    np.testing.assert_allclose(ys, want_ys, **TOL)
    np.testing.assert_allclose(final, want_final, **TOL)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_matches_numpy(xs, reset_after):
    cell = randomise(cells.GRUCell(I, H, reset_after=reset_after, rngs=nnx.Rngs(0)), 2)
    final, ys = cells.run_cell(cell, jnp.asarray(xs))
    want_final, want_ys = numpy_gru(weights(cell), xs.astype(np.float64), reset_after)
    np.testing.assert_allclose(ys, want_ys, **TOL)
    np.testing.assert_allclose(final, want_final, **TOL)


def test_gru_conventions_differ(xs):
    after = randomise(cells.GRUCell(I, H, reset_after=True, rngs=nnx.Rngs(0)), 2)
    before = randomise(cells.GRUCell(I, H, reset_after=False, rngs=nnx.Rngs(0)), 2)
    assert after.recurrent_bias is not None
    assert before.recurrent_bias is None
    _, ys_after = cells.run_cell(after, jnp.asarray(xs))
    _, ys_before = cells.run_cell(before, jnp.asarray(xs))
    assert np.abs(np.asarray(ys_after) - np.asarray(ys_before)).max() > 1e-3


def test_lstm_matches_numpy(xs):
    cell = randomise(cells.LSTMCell(I, H, rngs=nnx.Rngs(0)), 3)
    (c, h), ys = cells.run_cell(cell, jnp.asarray(xs))
    (want_c, want_h), want_ys = numpy_lstm(weights(cell), xs.astype(np.float64))
    np.testing.assert_allclose(ys, want_ys, **TOL)
    np.testing.assert_allclose(c, want_c, **TOL)
    np.testing.assert_allclose(h, want_h, **TOL)


def test_lstm_fused_shapes_and_forget_bias():
    cell = cells.LSTMCell(I, H, rngs=nnx.Rngs(0))
    assert cell.input_kernel[...].shape == (I, 4 * H)
    assert cell.recurrent_kernel[...].shape == (H, 4 * H)
    bias = np.asarray(cell.bias[...])
    np.testing.assert_array_equal(bias[H : 2 * H], 1.0)
    np.testing.assert_array_equal(bias[:H], 0.0)
    np.testing.assert_array_equal(bias[2 * H :], 0.0)


def run_flax(flax_cell, carry, xs):
    outputs = []
    for t in range(xs.shape[1]):
        carry, y = flax_cell(carry, jnp.asarray(xs[:, t]))
        outputs.append(y)
    return carry, jnp.stack(outputs, 1)


def test_simple_rnn_matches_flax(xs):
    ours = randomise(cells.SimpleRNNCell(I, H, rngs=nnx.Rngs(0)), 4)
    theirs = nnx.SimpleCell(I, H, rngs=nnx.Rngs(1))
    theirs.dense_i.kernel[...] = ours.input_kernel[...]
    theirs.dense_i.bias[...] = ours.bias[...]
    theirs.dense_h.kernel[...] = ours.recurrent_kernel[...]
    _, want = run_flax(theirs, jnp.zeros((B, H)), xs)
    _, got = cells.run_cell(ours, jnp.asarray(xs))
    np.testing.assert_allclose(got, want, **TOL)


def test_gru_matches_flax(xs):
    ours = randomise(cells.GRUCell(I, H, reset_after=True, rngs=nnx.Rngs(0)), 5)
    # Flax's GRU has no recurrent bias: the r and z parts fold into the input bias, and the
    # candidate's part, which the reset gate multiplies, must be zero for the two to agree.
    recurrent_bias = ours.recurrent_bias[...].at[2 * H :].set(0.0)
    ours.recurrent_bias[...] = recurrent_bias
    theirs = nnx.GRUCell(I, H, rngs=nnx.Rngs(1))
    theirs.dense_i.kernel[...] = ours.input_kernel[...]
    theirs.dense_i.bias[...] = ours.bias[...] + recurrent_bias
    theirs.dense_h.kernel[...] = ours.recurrent_kernel[...]
    _, want = run_flax(theirs, jnp.zeros((B, H)), xs)
    _, got = cells.run_cell(ours, jnp.asarray(xs))
    np.testing.assert_allclose(got, want, **TOL)


def test_lstm_matches_flax(xs):
    ours = randomise(cells.LSTMCell(I, H, rngs=nnx.Rngs(0)), 6)
    theirs = nnx.LSTMCell(I, H, rngs=nnx.Rngs(1))
    kernel_i, kernel_h, bias = ours.input_kernel[...], ours.recurrent_kernel[...], ours.bias[...]
    for k, gate in enumerate("ifgo"):
        block = slice(k * H, (k + 1) * H)
        input_layer = getattr(theirs, "i" + ("f_" if gate == "f" else gate))
        recurrent_layer = getattr(theirs, "h" + gate)
        input_layer.kernel[...] = kernel_i[:, block]
        recurrent_layer.kernel[...] = kernel_h[:, block]
        recurrent_layer.bias[...] = bias[block]
    zeros = jnp.zeros((B, H))
    (want_c, want_h), want = run_flax(theirs, (zeros, zeros), xs)
    (c, h), got = cells.run_cell(ours, jnp.asarray(xs))
    np.testing.assert_allclose(got, want, **TOL)
    np.testing.assert_allclose(c, want_c, **TOL)


NUMPY_CELLS = {
    "simple_rnn": numpy_simple_rnn,
    "gru": lambda w, xs: numpy_gru(w, xs, reset_after=True),
    "lstm": numpy_lstm,
}


@pytest.mark.parametrize("kind", ["simple_rnn", "gru", "lstm"])
def test_masked_steps_leave_carry_unchanged(xs, kind):
    cell = randomise(cells.make_cell(kind, I, H, rngs=nnx.Rngs(0)), 7)
    lengths = np.array([5, 2, 3])
    mask = np.arange(T)[None, :] < lengths[:, None]
    final, ys = cells.run_cell(cell, jnp.asarray(xs), jnp.asarray(mask))
    for row, length in enumerate(lengths):
        # The carry after the last real step equals a run over the unpadded sequence alone.
        row_final, row_ys = NUMPY_CELLS[kind](weights(cell), xs[row : row + 1, :length].astype(np.float64))
        for got, want in zip(jax.tree.leaves(final), jax.tree.leaves(row_final)):
            np.testing.assert_allclose(got[row], want[0], **TOL)
        np.testing.assert_allclose(ys[row, :length], row_ys[0], **TOL)
        np.testing.assert_array_equal(ys[row, length:], 0.0)


def test_reverse_masked_run_starts_at_last_token(xs):
    cell = randomise(cells.GRUCell(I, H, rngs=nnx.Rngs(0)), 8)
    mask = np.array([[1, 1, 1, 0, 0]] * B, bool)
    final, ys = cells.run_cell(cell, jnp.asarray(xs), jnp.asarray(mask), reverse=True)
    want_final, want_ys = cells.run_cell(cell, jnp.asarray(xs[:, 2::-1]))
    np.testing.assert_allclose(final, want_final, **TOL)
    np.testing.assert_allclose(ys[:, :3], want_ys[:, ::-1], **TOL)


def test_unroll_and_jit_give_the_same_result(xs):
    cell = randomise(cells.LSTMCell(I, H, rngs=nnx.Rngs(0)), 9)
    _, plain = cells.run_cell(cell, jnp.asarray(xs))

    @nnx.jit
    def unrolled(cell, inputs):
        return cells.run_cell(cell, inputs, unroll=T)[1]

    np.testing.assert_allclose(unrolled(cell, jnp.asarray(xs)), plain, **TOL)


def test_unknown_cell_is_named():
    with pytest.raises(ValueError, match="'rnn'"):
        cells.make_cell("rnn", I, H, rngs=nnx.Rngs(0))
