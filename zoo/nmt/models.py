"""English→Kannada translation models: recurrent taggers and an attentional encoder-decoder.

Every model is called as `model(batch, key=None, train=False) -> logits_BTV`, where `batch` is
a dict of int32 arrays padded with 0:

    src      B×S  English ids, <start> w1 … wn <end>
    tgt_in   B×T  Kannada ids fed to a decoder, <start> w1 … wm
    tgt_out  B×T  Kannada ids to predict, w1 … wm <end>

`key` is a JAX key for dropout, required when `train` is true. Taggers read only `src` and need
S = T; the encoder-decoder reads `src` and `tgt_in`. `model.translate(src_BS, max_len=...)`
returns predicted ids B×max_len (<end> then padding after each sentence).

Shape suffixes: B batch, S source steps, T target steps, E embedding, H hidden units,
M encoder memory features, V target vocabulary, K beam size.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import jax
import jax.numpy as jnp
from flax import nnx

from zoo.errors import ConfigError
from zoo.models import count_params
from zoo.nmt.cells import make_cell, run_cell
from zoo.nmt.tokenizers import END, PAD, START

__all__ = ["MODELS", "RecurrentTagger", "Seq2SeqAttention", "count_params", "create_model"]

Batch = Mapping[str, jax.Array]


def _dropout_key(key: jax.Array | None, train: bool, rate: float) -> jax.Array | None:
    if train and rate > 0 and key is None:
        raise ValueError("train=True with dropout needs a key: call model(batch, key=jax.random.key(seed), train=True)")
    return key


def _cut_after_end(ids_BT: jax.Array) -> jax.Array:
    """Replace every id after the first <end> of each row with padding."""
    ended_before_BT = jnp.cumsum(ids_BT == END, axis=1) - (ids_BT == END) > 0
    return jnp.where(ended_before_BT, PAD, ids_BT)


class RecurrentTagger(nnx.Module):
    """Many-to-many tagger: one Kannada token per English position.

    Embedding → recurrent layer returning every step → Dense(dense, relu) → Dropout →
    Dense(target vocabulary). Without an embedding (`embed_dim=None`) each id is fed as one
    float per step. The recurrent layer runs over padding too, so a target longer than its source
    still gets an output at every position. Because the outputs are independent given the input,
    per-position argmax is the exact best translation, and `translate` needs no beam.
    """

    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int,
        *,
        cell: str,
        hidden: int,
        embed_dim: int | None,
        dense: int = 1024,
        dropout: float = 0.2,
        rngs: nnx.Rngs,
        **cell_options: Any,
    ):
        self.embed = nnx.Embed(src_vocab_size, embed_dim, rngs=rngs) if embed_dim else None
        self.cell = make_cell(cell, embed_dim or 1, hidden, rngs=rngs, **cell_options)
        self.hidden = nnx.Linear(hidden, dense, rngs=rngs)
        self.dropout = nnx.Dropout(dropout)
        self.out = nnx.Linear(dense, tgt_vocab_size, rngs=rngs)

    def __call__(self, batch: Batch, key: jax.Array | None = None, train: bool = False) -> jax.Array:
        """Return logits_BSV for every source position (S must equal the target length)."""
        src_BS = batch["src"]
        if self.embed is not None:
            inputs_BSE = self.embed(src_BS)
        else:
            inputs_BSE = src_BS[..., None].astype(jnp.float32)
        _, states_BSH = run_cell(self.cell, inputs_BSE)
        features = jax.nn.relu(self.hidden(states_BSH))
        features = self.dropout(
            features, deterministic=not train, rngs=_dropout_key(key, train, self.dropout.rate)
        )
        return self.out(features)

    def translate(self, src_BS: jax.Array, *, max_len: int, beam_size: int = 1, alpha: float = 0.6) -> jax.Array:
        """Return ids_B×max_len, the argmax at each position of the source padded or cut to `max_len`.

        `beam_size` and `alpha` are accepted for a common interface and change nothing here.
        """
        del beam_size, alpha
        S = src_BS.shape[1]
        src = jnp.pad(src_BS, ((0, 0), (0, max(0, max_len - S))))[:, :max_len]
        ids_BT = jnp.argmax(self({"src": src}), axis=-1).astype(jnp.int32)
        return _cut_after_end(ids_BT)


class AdditiveAttention(nnx.Module):
    """Bahdanau attention: score(q, m) = vᵀ tanh(q W_q + m W_m)."""

    def __init__(self, query_dim: int, memory_dim: int, attention_dim: int, *, rngs: nnx.Rngs):
        self.query = nnx.Linear(query_dim, attention_dim, use_bias=False, rngs=rngs)
        self.memory = nnx.Linear(memory_dim, attention_dim, rngs=rngs)
        self.score = nnx.Linear(attention_dim, 1, use_bias=False, rngs=rngs)

    def prepare(self, memory_BSM: jax.Array) -> jax.Array:
        """Return the memory's half of the score, keys_BSA, computed once per sentence."""
        return self.memory(memory_BSM)

    def scores(self, query_BH: jax.Array, keys_BSA: jax.Array) -> jax.Array:
        return self.score(jnp.tanh(keys_BSA + self.query(query_BH)[:, None, :]))[..., 0]


class MultiplicativeAttention(nnx.Module):
    """Luong "general" attention: score(q, m) = q · (m W)."""

    def __init__(self, query_dim: int, memory_dim: int, attention_dim: int, *, rngs: nnx.Rngs):
        del attention_dim  # the score lives in the query's space
        self.memory = nnx.Linear(memory_dim, query_dim, use_bias=False, rngs=rngs)

    def prepare(self, memory_BSM: jax.Array) -> jax.Array:
        """Return the projected memory keys_BSH, computed once per sentence."""
        return self.memory(memory_BSM)

    def scores(self, query_BH: jax.Array, keys_BSH: jax.Array) -> jax.Array:
        return jnp.einsum("bh,bsh->bs", query_BH, keys_BSH)


ATTENTIONS = {"additive": AdditiveAttention, "multiplicative": MultiplicativeAttention}


def _attend(attention, query_BH, keys_BSA, memory_BSM, mask_BS) -> tuple[jax.Array, jax.Array]:
    """Return the context vector context_BM and the attention weights weights_BS."""
    # A large finite negative keeps rows without any real token (eval padding) free of NaN.
    scores_BS = jnp.where(mask_BS, attention.scores(query_BH, keys_BSA), -1e9)
    weights_BS = jax.nn.softmax(scores_BS, axis=-1)
    return jnp.einsum("bs,bsm->bm", weights_BS, memory_BSM), weights_BS


class Seq2SeqAttention(nnx.Module):
    """Recurrent encoder-decoder with attention.

    The encoder embeds the source and runs a GRU or LSTM over it, optionally in both directions
    (outputs concatenated, padding masked so the backward pass starts at each sentence's end).
    A tanh bridge maps the encoder's final state to the decoder's initial state.

    Each decoder step, by `attention`:

    * "additive" (Bahdanau attention): attend with the previous decoder state, then feed
      [embedding; context] to the decoder cell.
    * "multiplicative" (Luong attention, "general" score with input feeding): feed
      [embedding; previous attentional vector] to the decoder cell. Then attend with its new
      state.

    Both then form the attentional vector tanh(W_c [state; context]) and project it to logits.
    Dropout applies to both embeddings and to the attentional vector. Training uses teacher
    forcing, and `translate` decodes greedily or with beam search.
    """

    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int,
        *,
        embed_dim: int = 128,
        hidden: int = 256,
        attention: str = "additive",
        attention_dim: int | None = None,
        bidirectional: bool = True,
        cell: str = "gru",
        dropout: float = 0.2,
        rngs: nnx.Rngs,
    ):
        if attention not in ATTENTIONS:
            raise ConfigError(f"model.attention={attention!r} is invalid; use one of {', '.join(ATTENTIONS)}")
        if cell not in ("gru", "lstm"):
            raise ConfigError(f"model.cell={cell!r} is invalid for seq2seq_attention; use 'gru' or 'lstm'")
        self.attention_kind = attention
        self.hidden_size = hidden
        memory_dim = 2 * hidden if bidirectional else hidden
        self.src_embed = nnx.Embed(src_vocab_size, embed_dim, rngs=rngs)
        self.encoder_forward = make_cell(cell, embed_dim, hidden, rngs=rngs)
        self.encoder_backward = make_cell(cell, embed_dim, hidden, rngs=rngs) if bidirectional else None
        carry_parts = 2 if cell == "lstm" else 1
        self.bridge = nnx.Linear(memory_dim * carry_parts, hidden * carry_parts, rngs=rngs)
        self.attention = ATTENTIONS[attention](hidden, memory_dim, attention_dim or hidden, rngs=rngs)
        feed_dim = memory_dim if attention == "additive" else hidden
        self.tgt_embed = nnx.Embed(tgt_vocab_size, embed_dim, rngs=rngs)
        self.decoder = make_cell(cell, embed_dim + feed_dim, hidden, rngs=rngs)
        self.combine = nnx.Linear(hidden + memory_dim, hidden, rngs=rngs)
        self.out = nnx.Linear(hidden, tgt_vocab_size, rngs=rngs)
        self.dropout = nnx.Dropout(dropout)

    # Encoder -------------------------------------------------------------------------------

    def encode(self, src_BS: jax.Array, key: jax.Array | None = None, train: bool = False) -> dict[str, Any]:
        """Return the encoder memory, its attention keys, the source mask and the decoder's first state."""
        mask_BS = src_BS != PAD
        inputs_BSE = self.dropout(self.src_embed(src_BS), deterministic=not train, rngs=key)
        forward_carry, memory_BSM = run_cell(self.encoder_forward, inputs_BSE, mask_BS)
        final_parts = jax.tree.leaves(forward_carry)
        if self.encoder_backward is not None:
            backward_carry, backward_BSH = run_cell(self.encoder_backward, inputs_BSE, mask_BS, reverse=True)
            memory_BSM = jnp.concatenate([memory_BSM, backward_BSH], axis=-1)
            final_parts = [
                jnp.concatenate([f, b], axis=-1)
                for f, b in zip(final_parts, jax.tree.leaves(backward_carry))
            ]
        bridged = jnp.tanh(self.bridge(jnp.concatenate(final_parts, axis=-1)))
        leaves = jnp.split(bridged, len(final_parts), axis=-1)
        carry = jax.tree.unflatten(jax.tree.structure(forward_carry), leaves)
        feed_BD = jnp.zeros((src_BS.shape[0], self.decoder.in_features - self.tgt_embed.features))
        return {
            "memory": memory_BSM,
            "keys": self.attention.prepare(memory_BSM),
            "mask": mask_BS,
            "state": (carry, feed_BD),
        }

    # Decoder -------------------------------------------------------------------------------

    def decode_step(
        self, state, embedded_BE: jax.Array, encoded: Mapping[str, jax.Array], key=None, train: bool = False
    ):
        """Advance the decoder by one token: return the new state and logits_BV."""
        carry, feed_BD = state
        memory, keys, mask = encoded["memory"], encoded["keys"], encoded["mask"]
        if self.attention_kind == "additive":
            previous_h = carry[1] if isinstance(carry, tuple) else carry
            context_BM, _ = _attend(self.attention, previous_h, keys, memory, mask)
            carry, h_BH = self.decoder(carry, jnp.concatenate([embedded_BE, context_BM], axis=-1))
        else:
            carry, h_BH = self.decoder(carry, jnp.concatenate([embedded_BE, feed_BD], axis=-1))
            context_BM, _ = _attend(self.attention, h_BH, keys, memory, mask)
        attentional_BH = jnp.tanh(self.combine(jnp.concatenate([h_BH, context_BM], axis=-1)))
        # The additive decoder carries its (unused) feed unchanged so both kinds share one state layout.
        new_feed = attentional_BH if self.attention_kind == "multiplicative" else feed_BD
        dropped = self.dropout(attentional_BH, deterministic=not train, rngs=key)
        return (carry, new_feed), self.out(dropped)

    def __call__(self, batch: Batch, key: jax.Array | None = None, train: bool = False) -> jax.Array:
        """Return teacher-forced logits_BTV for `batch["tgt_in"]`."""
        key = _dropout_key(key, train, self.dropout.rate)
        tgt_in_BT = batch["tgt_in"]
        T = tgt_in_BT.shape[1]
        if train and self.dropout.rate > 0:
            encoder_key, embed_key, steps_key = jax.random.split(key, 3)
            step_keys = jax.random.split(steps_key, T)
        else:
            encoder_key = embed_key = step_keys = None
        encoded = self.encode(batch["src"], encoder_key, train)
        embedded_TBE = jnp.swapaxes(
            self.dropout(self.tgt_embed(tgt_in_BT), deterministic=not train, rngs=embed_key), 0, 1
        )

        def step(state, inputs):
            embedded_BE, step_key = inputs
            return self.decode_step(state, embedded_BE, encoded, step_key, train)

        _, logits_TBV = jax.lax.scan(step, encoded["state"], (embedded_TBE, step_keys))
        return jnp.swapaxes(logits_TBV, 0, 1)

    # Inference -----------------------------------------------------------------------------

    def _log_probs(self, logits_NV: jax.Array) -> jax.Array:
        """Return log-probabilities with <pad> and <start> ruled out as next tokens."""
        logits = logits_NV.at[:, PAD].set(-jnp.inf).at[:, START].set(-jnp.inf)
        return jax.nn.log_softmax(logits, axis=-1)

    def greedy(self, src_BS: jax.Array, *, max_len: int) -> jax.Array:
        """Return ids_B×max_len, taking the most likely token at each step."""
        encoded = self.encode(src_BS)
        B = src_BS.shape[0]

        def cond(loop):
            t, _, _, _, finished_B = loop
            return (t < max_len) & ~jnp.all(finished_B)

        def body(loop):
            t, state, previous_B, ids_BT, finished_B = loop
            state, logits_BV = self.decode_step(state, self.tgt_embed(previous_B), encoded)
            token_B = jnp.argmax(self._log_probs(logits_BV), axis=-1).astype(jnp.int32)
            token_B = jnp.where(finished_B, PAD, token_B)
            ids_BT = ids_BT.at[:, t].set(token_B)
            return t + 1, state, token_B, ids_BT, finished_B | (token_B == END)

        start = (
            jnp.int32(0),
            encoded["state"],
            jnp.full((B,), START, jnp.int32),
            jnp.zeros((B, max_len), jnp.int32),
            jnp.zeros((B,), bool),
        )
        return jax.lax.while_loop(cond, body, start)[3]

    def beam_search(self, src_BS: jax.Array, *, max_len: int, beam_size: int, alpha: float = 0.6) -> jax.Array:
        """Return ids_B×max_len, the best of `beam_size` hypotheses under length normalisation.

        Hypotheses are ranked by summed log-probability while searching. A finished hypothesis
        keeps its beam slot and score and grows only padding. The final choice divides each
        score by the GNMT length penalty ((5 + length) / 6) ** alpha, so `alpha=0` picks the
        most probable hypothesis and larger values favour longer ones.
        """
        B, K = src_BS.shape[0], beam_size
        encoded = self.encode(jnp.repeat(src_BS, K, axis=0))  # rows b*K + k
        state = encoded["state"]
        V = self.out.out_features
        pad_only_V = jnp.full((V,), -jnp.inf).at[PAD].set(0.0)

        def regroup(x_N, beams_BK):
            """Reorder per-hypothesis rows (B*K, ...) so that slot k takes hypothesis beams_BK[b, k]."""
            x_BK = x_N.reshape(B, K, *x_N.shape[1:])
            index = beams_BK.reshape(B, K, *([1] * (x_N.ndim - 1)))
            return jnp.take_along_axis(x_BK, index, axis=1).reshape(x_N.shape)

        def cond(loop):
            t, *_, finished_BK, _ = loop
            return (t < max_len) & ~jnp.all(finished_BK)

        def body(loop):
            t, state, previous_BK, ids_BKT, scores_BK, finished_BK, lengths_BK = loop
            embedded = self.tgt_embed(previous_BK.reshape(B * K))
            state, logits_NV = self.decode_step(state, embedded, encoded)
            log_probs_BKV = self._log_probs(logits_NV).reshape(B, K, V)
            log_probs_BKV = jnp.where(finished_BK[..., None], pad_only_V, log_probs_BKV)
            candidates = (scores_BK[..., None] + log_probs_BKV).reshape(B, K * V)
            scores_BK, flat_BK = jax.lax.top_k(candidates, K)
            beams_BK, token_BK = flat_BK // V, (flat_BK % V).astype(jnp.int32)
            state = jax.tree.map(lambda x: regroup(x, beams_BK), state)
            ids_BKT = jnp.take_along_axis(ids_BKT, beams_BK[..., None], axis=1).at[:, :, t].set(token_BK)
            was_finished = jnp.take_along_axis(finished_BK, beams_BK, axis=1)
            lengths_BK = jnp.take_along_axis(lengths_BK, beams_BK, axis=1) + ~was_finished
            finished_BK = was_finished | (token_BK == END)
            return t + 1, state, token_BK, ids_BKT, scores_BK, finished_BK, lengths_BK

        # Only the first slot is live at the start, so the first step does not fill the beam with
        # K copies of the same hypothesis.
        first_scores = jnp.full((B, K), -jnp.inf).at[:, 0].set(0.0)
        start = (
            jnp.int32(0),
            state,
            jnp.full((B, K), START, jnp.int32),
            jnp.zeros((B, K, max_len), jnp.int32),
            first_scores,
            jnp.zeros((B, K), bool),
            jnp.zeros((B, K), jnp.int32),
        )
        _, _, _, ids_BKT, scores_BK, _, lengths_BK = jax.lax.while_loop(cond, body, start)
        normalised_BK = scores_BK / ((5.0 + lengths_BK) / 6.0) ** alpha
        best_B = jnp.argmax(normalised_BK, axis=1)
        return jnp.take_along_axis(ids_BKT, best_B[:, None, None], axis=1)[:, 0]

    def translate(self, src_BS: jax.Array, *, max_len: int, beam_size: int = 1, alpha: float = 0.6) -> jax.Array:
        """Return ids_B×max_len: greedy decoding for `beam_size` 1, beam search above."""
        if beam_size < 1:
            raise ValueError(f"beam_size is {beam_size}; use 1 for greedy decoding or more for beam search")
        if beam_size == 1:
            return self.greedy(src_BS, max_len=max_len)
        return self.beam_search(src_BS, max_len=max_len, beam_size=beam_size, alpha=alpha)


def simple_rnn(src_vocab_size: int, tgt_vocab_size: int, *, rngs: nnx.Rngs, embed_dim: int = 64,
               hidden: int = 256, dense: int = 1024, dropout: float = 0.2) -> RecurrentTagger:
    """Tagger with a SimpleRNN layer: embedding 64, 256 units."""
    return RecurrentTagger(src_vocab_size, tgt_vocab_size, cell="simple_rnn", embed_dim=embed_dim,
                           hidden=hidden, dense=dense, dropout=dropout, rngs=rngs)


def gru(src_vocab_size: int, tgt_vocab_size: int, *, rngs: nnx.Rngs, embed_dim: int = 64,
        hidden: int = 256, dense: int = 1024, dropout: float = 0.2, reset_after: bool = True) -> RecurrentTagger:
    """Tagger with a GRU layer: embedding 64 and 256 units, the sizes of the SimpleRNN tagger so the two compare."""
    return RecurrentTagger(src_vocab_size, tgt_vocab_size, cell="gru", embed_dim=embed_dim, hidden=hidden,
                           dense=dense, dropout=dropout, reset_after=reset_after, rngs=rngs)


def gru_no_embed(src_vocab_size: int, tgt_vocab_size: int, *, rngs: nnx.Rngs, hidden: int = 256,
                 dense: int = 1024, dropout: float = 0.2, reset_after: bool = True) -> RecurrentTagger:
    """Tagger with a GRU layer fed each raw token id as one float: the baseline that shows why embeddings help."""
    return RecurrentTagger(src_vocab_size, tgt_vocab_size, cell="gru", embed_dim=None, hidden=hidden,
                           dense=dense, dropout=dropout, reset_after=reset_after, rngs=rngs)


def lstm(src_vocab_size: int, tgt_vocab_size: int, *, rngs: nnx.Rngs, embed_dim: int = 128,
         hidden: int = 64, dense: int = 1024, dropout: float = 0.2) -> RecurrentTagger:
    """Tagger with an LSTM layer: embedding 128, 64 units."""
    return RecurrentTagger(src_vocab_size, tgt_vocab_size, cell="lstm", embed_dim=embed_dim,
                           hidden=hidden, dense=dense, dropout=dropout, rngs=rngs)


def seq2seq_attention(src_vocab_size: int, tgt_vocab_size: int, *, rngs: nnx.Rngs, **options: Any) -> Seq2SeqAttention:
    """Attentional encoder-decoder; `options` are those of `Seq2SeqAttention`."""
    return Seq2SeqAttention(src_vocab_size, tgt_vocab_size, rngs=rngs, **options)


MODELS: dict[str, Callable[..., nnx.Module]] = {
    "simple_rnn": simple_rnn,
    "gru": gru,
    "gru_no_embed": gru_no_embed,
    "lstm": lstm,
    "seq2seq_attention": seq2seq_attention,
}


def create_model(name: str, src_vocab_size: int, tgt_vocab_size: int, *, rngs: nnx.Rngs, **options: Any) -> nnx.Module:
    """Build the translation model `name` with constructor `options` (from the config's `model` block)."""
    if name not in MODELS:
        raise ConfigError(f"model.name={name!r} is not a translation model; choose one of {sorted(MODELS)}")
    try:
        return MODELS[name](src_vocab_size, tgt_vocab_size, rngs=rngs, **options)
    except TypeError as error:
        raise ConfigError(f"invalid options {sorted(options)} for model {name!r}: {error}") from None
