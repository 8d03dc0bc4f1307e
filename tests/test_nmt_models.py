"""Translation models: shapes, parameter counts, masking, dropout keys, decoding and a short fit."""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

from zoo.errors import ConfigError
from zoo.nmt import losses, models
from zoo.nmt.tokenizers import END, PAD, START, UNK

SRC_V, TGT_V = 12, 9
SMALL_TAGGER = dict(hidden=8, dense=16)
SMALL_SEQ2SEQ = dict(embed_dim=6, hidden=8, dropout=0.2)

SRC = jnp.array([[START, 5, 6, 7, END, PAD], [START, 8, END, PAD, PAD, PAD]], jnp.int32)
TGT_IN = jnp.array([[START, 4, 5, 6, PAD, PAD], [START, 7, 8, 4, 5, PAD]], jnp.int32)
TGT_OUT = jnp.array([[4, 5, 6, END, PAD, PAD], [7, 8, 4, 5, END, PAD]], jnp.int32)
BATCH = {"src": SRC, "tgt_in": TGT_IN, "tgt_out": TGT_OUT}


@nnx.jit(static_argnames="train")
def forward(model, batch, key=None, train=False):
    """Jitted `model(batch, key, train)`: compiled once per model and shape, so tests stay fast."""
    return model(batch, key=key, train=train)


@nnx.jit(static_argnames=("max_len", "beam_size"))
def decode(model, src, alpha=0.6, *, max_len, beam_size):
    return model.translate(src, max_len=max_len, beam_size=beam_size, alpha=alpha)


def tagger_count(embed, hidden, gates, dense, recurrent_bias=0):
    embedding = SRC_V * embed if embed else 0
    cell = (embed or 1) * gates * hidden + hidden * gates * hidden + gates * hidden + recurrent_bias
    return embedding + cell + hidden * dense + dense + dense * TGT_V + TGT_V


@pytest.mark.parametrize(
    "name,expected",
    [
        ("simple_rnn", tagger_count(64, 256, 1, 1024)),
        ("gru", tagger_count(64, 256, 3, 1024, recurrent_bias=3 * 256)),
        ("gru_no_embed", tagger_count(None, 256, 3, 1024, recurrent_bias=3 * 256)),
        ("lstm", tagger_count(128, 64, 4, 1024)),
    ],
)
def test_tagger_default_sizes(name, expected):
    model = nnx.eval_shape(lambda: models.create_model(name, SRC_V, TGT_V, rngs=nnx.Rngs(0)))
    assert models.count_params(model) == expected


@pytest.mark.parametrize("name", ["simple_rnn", "gru_no_embed"])
def test_tagger_output_shape(name):
    model = models.create_model(name, SRC_V, TGT_V, rngs=nnx.Rngs(0), **SMALL_TAGGER)
    assert forward(model, BATCH).shape == (2, 6, TGT_V)


def test_tagger_dropout_needs_key_and_changes_output():
    model = models.create_model("gru", SRC_V, TGT_V, rngs=nnx.Rngs(0), **SMALL_TAGGER)
    with pytest.raises(ValueError, match="needs a key"):
        model(BATCH, train=True)
    first = forward(model, BATCH, jax.random.key(1), train=True)
    second = forward(model, BATCH, jax.random.key(2), train=True)
    assert not np.allclose(first, second)
    np.testing.assert_array_equal(forward(model, BATCH), forward(model, BATCH, jax.random.key(1)))


def test_tagger_is_causal_over_padding():
    model = models.create_model("lstm", SRC_V, TGT_V, rngs=nnx.Rngs(0), **SMALL_TAGGER)
    longer = jnp.pad(SRC, ((0, 0), (0, 3)))
    np.testing.assert_allclose(forward(model, {"src": longer})[:, :6], forward(model, {"src": SRC}), rtol=1e-5, atol=1e-5)


def test_tagger_translate_pads_after_end():
    model = models.create_model("simple_rnn", SRC_V, TGT_V, rngs=nnx.Rngs(0), **SMALL_TAGGER)
    model.out.bias[...] = jnp.zeros(TGT_V).at[END].set(100.0)  # predicts <end> everywhere
    ids = model.translate(SRC, max_len=8)
    assert ids.shape == (2, 8)
    np.testing.assert_array_equal(ids[:, 0], END)
    np.testing.assert_array_equal(ids[:, 1:], PAD)


def test_unknown_model_and_options_are_config_errors():
    with pytest.raises(ConfigError, match="'transformer'"):
        models.create_model("transformer", SRC_V, TGT_V, rngs=nnx.Rngs(0))
    with pytest.raises(ConfigError, match="'gru'"):
        models.create_model("gru", SRC_V, TGT_V, rngs=nnx.Rngs(0), units=3)
    with pytest.raises(ConfigError, match="'dot'"):
        models.create_model("seq2seq_attention", SRC_V, TGT_V, rngs=nnx.Rngs(0), attention="dot")


# Between them the two variants cover both attentions, both cells and both encoder directions.
SEQ2SEQ_VARIANTS = [
    dict(attention="additive", cell="gru", bidirectional=True),
    dict(attention="multiplicative", cell="lstm", bidirectional=False),
]


@pytest.fixture(scope="module", params=SEQ2SEQ_VARIANTS, ids=lambda v: f"{v['attention']}-{v['cell']}")
def seq2seq(request):
    return models.create_model("seq2seq_attention", SRC_V, TGT_V, rngs=nnx.Rngs(0), **SMALL_SEQ2SEQ, **request.param)


def test_seq2seq_ignores_source_padding(seq2seq):
    logits = forward(seq2seq, BATCH)
    assert logits.shape == (2, 6, TGT_V)
    # The second sentence alone, with four more padding columns, must score exactly as in the batch.
    alone = forward(seq2seq, {"src": jnp.pad(SRC[1:], ((0, 0), (0, 4))), "tgt_in": TGT_IN[1:]})
    np.testing.assert_allclose(alone[0], logits[1], rtol=1e-5, atol=1e-5)


def test_seq2seq_dropout_uses_the_key():
    seq2seq = models.create_model("seq2seq_attention", SRC_V, TGT_V, rngs=nnx.Rngs(0), **SMALL_SEQ2SEQ)
    first = forward(seq2seq, BATCH, jax.random.key(1), train=True)
    again = forward(seq2seq, BATCH, jax.random.key(1), train=True)
    other = forward(seq2seq, BATCH, jax.random.key(2), train=True)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_greedy_agrees_with_teacher_forcing(seq2seq):
    ids = decode(seq2seq, SRC, max_len=5, beam_size=1)
    assert ids.shape == (2, 5)
    tgt_in = jnp.concatenate([jnp.full((2, 1), START), ids[:, :-1]], axis=1)
    logits = forward(seq2seq, {"src": SRC, "tgt_in": tgt_in})
    best = jnp.argmax(seq2seq._log_probs(logits.reshape(-1, TGT_V)), -1).reshape(2, 5)
    real = np.cumsum(np.asarray(ids) == END, axis=1) - (np.asarray(ids) == END) == 0
    np.testing.assert_array_equal(np.asarray(ids)[real], np.asarray(best)[real])
    np.testing.assert_array_equal(np.asarray(ids)[~real], PAD)


def test_beam_of_one_is_greedy(seq2seq):
    greedy = decode(seq2seq, SRC, max_len=5, beam_size=1)
    beam = nnx.jit(lambda model, src: model.beam_search(src, max_len=5, beam_size=1))(seq2seq, SRC)
    np.testing.assert_array_equal(beam, greedy)


def sequence_scores(model, src_1S, candidates, alpha):
    """Score every candidate output (a list of id lists) by teacher forcing, as beam search ranks them."""
    length = max(len(c) for c in candidates)
    tgt_in = np.zeros((len(candidates), length), np.int32)
    tgt_out = np.zeros((len(candidates), length), np.int32)
    for row, candidate in enumerate(candidates):
        tgt_in[row, : len(candidate)] = [START, *candidate[:-1]]
        tgt_out[row, : len(candidate)] = candidate
    src = jnp.repeat(src_1S, len(candidates), axis=0)
    logits = forward(model, {"src": src, "tgt_in": jnp.asarray(tgt_in)})
    vocab = logits.shape[-1]
    log_probs = model._log_probs(logits.reshape(-1, vocab)).reshape(len(candidates), length, vocab)
    picked = np.take_along_axis(np.asarray(log_probs), tgt_out[..., None], axis=-1)[..., 0]
    lengths = np.array([len(c) for c in candidates])
    sums = np.where(tgt_out != PAD, picked, 0.0).sum(axis=1)
    return sums / ((5.0 + lengths) / 6.0) ** alpha


def test_wide_beam_finds_the_exact_best():
    # With 6 target ids only <unk>, 4, 5 and <end> may be chosen, so a beam of 64 keeps every
    # hypothesis of up to 3 tokens and the search must return the true optimum.
    model = models.create_model("seq2seq_attention", SRC_V, 6, rngs=nnx.Rngs(3), **SMALL_SEQ2SEQ)
    # Sharper distributions and this <end> bias make the optimum differ between the cases:
    # for the first sentence, length normalisation turns <end> alone into a three-word output.
    model.out.kernel[...] = 8.0 * model.out.kernel[...]
    model.out.bias[...] = model.out.bias[...].at[END].set(1.0)
    words = [UNK, 4, 5]
    candidates = [list(prefix) + [END] for n in range(3) for prefix in itertools.product(words, repeat=n)]
    candidates += [list(prefix) for prefix in itertools.product(words, repeat=3)]
    winners = set()
    for alpha, row in itertools.product([0.0, 2.0], range(2)):
        scores = sequence_scores(model, SRC[row : row + 1], candidates, alpha)
        best = candidates[int(np.argmax(scores))]
        winners.add(tuple(best))
        found = np.asarray(decode(model, SRC[row : row + 1], jnp.float32(alpha), max_len=3, beam_size=64))[0]
        assert list(found[: len(best)]) == best
        np.testing.assert_array_equal(found[len(best) :], PAD)
    assert len(winners) > 1


def test_beam_search_jits_and_pads_after_end():
    model = models.create_model("seq2seq_attention", SRC_V, TGT_V, rngs=nnx.Rngs(0), **SMALL_SEQ2SEQ)
    ids = np.asarray(decode(model, SRC, max_len=7, beam_size=3))
    assert ids.shape == (2, 7)
    for row in ids:
        ends = np.flatnonzero(row == END)
        if ends.size:
            assert np.all(row[ends[0] + 1 :] == PAD)
    assert np.all(ids != START)


@pytest.mark.parametrize("name", ["gru", "seq2seq_attention"])
def test_short_fit_lowers_the_loss(name):
    options = SMALL_TAGGER if name == "gru" else dict(SMALL_SEQ2SEQ, dropout=0.0)
    model = models.create_model(name, SRC_V, TGT_V, rngs=nnx.Rngs(0), **options)
    batch = BATCH
    optimizer = nnx.Optimizer(model, optax.adam(0.02), wrt=nnx.Param)

    @nnx.jit
    def train_step(model, optimizer, key):
        def loss_fn(model):
            logits = model(batch, key=key, train=True)
            return losses.mean_loss(*losses.masked_cross_entropy(logits, batch["tgt_out"], batch["tgt_out"] != PAD))

        loss, grads = nnx.value_and_grad(loss_fn)(model)
        optimizer.update(model, grads)
        return loss

    first = float(train_step(model, optimizer, jax.random.key(0)))
    for step in range(1, 40):
        last = float(train_step(model, optimizer, jax.random.key(step)))
    assert last < 0.3 * first
