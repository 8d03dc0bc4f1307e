"""English→Kannada translation as a `Task` for the training loop.

Sentences are encoded once, then grouped into length buckets: a batch is padded to its bucket's
length, so the jitted step compiles once per bucket rather than once per sentence length.
Source and target of a pair are padded to the same length, which the taggers need and the
encoder-decoder tolerates (its source mask hides the padding).

Config keys read (besides the loop's `seed`, `model` and `train` blocks):

    data.tokenizer        "word" or "subword"
    data.max_vocab        word vocabulary size limit, specials included (0: no limit)
    data.min_count        words seen fewer times become <unk>
    data.vocab_size       SentencePiece vocabulary size (an upper bound)
    data.bucket_lengths   padded lengths, ascending; longer pairs are left out
    train.batch_size, train.eval_batch_size
"""

from __future__ import annotations

import logging
from typing import Any, Iterator, Mapping, Sequence

import ml_collections
import numpy as np
from flax import nnx

from zoo.data.corpora import Pair
from zoo.errors import ConfigError, DataError
from zoo.nmt.losses import mean_loss, token_metrics
from zoo.nmt.models import create_model
from zoo.nmt.tokenizers import PAD, Tokenizer, fit_tokenizer, tokenizer_from_dict

log = logging.getLogger(__name__)

# One bucket's arrays, each N×L int32: src, tgt_in, tgt_out.
Bucket = dict[str, np.ndarray]


def fit_tokenizers(config: ml_collections.ConfigDict, train_pairs: Sequence[Pair]) -> tuple[Tokenizer, Tokenizer]:
    """Fit the English and Kannada tokenizers of `config.data` on the training pairs only."""
    kind = config.data.tokenizer
    if kind == "word":
        options = {"max_size": config.data.max_vocab or None, "min_count": config.data.min_count}
    elif kind == "subword":
        options = {"vocab_size": config.data.vocab_size}
    else:
        raise ConfigError(f"data.tokenizer={kind!r} is invalid; use 'word' or 'subword'")
    english = fit_tokenizer(kind, [en for en, _ in train_pairs], "en", **options)
    kannada = fit_tokenizer(kind, [kn for _, kn in train_pairs], "kn", **options)
    return english, kannada


def tokenizers_from_extras(extras: Mapping[str, Any]) -> tuple[Tokenizer, Tokenizer]:
    """Rebuild the tokenizers saved by `NmtTask.checkpoint_extras`."""
    return tokenizer_from_dict(extras["src_tokenizer"]), tokenizer_from_dict(extras["tgt_tokenizer"])


def check_bucket_lengths(lengths: Sequence[int]) -> tuple[int, ...]:
    """Return `lengths` as a tuple after checking that they are positive and ascending."""
    lengths = tuple(int(n) for n in lengths)
    if not lengths or lengths[0] < 3 or any(b <= a for a, b in zip(lengths, lengths[1:])):
        raise ConfigError(
            f"data.bucket_lengths={list(lengths)} is invalid; give ascending lengths of at least 3 "
            "(<start>, one token, <end>), e.g. [8, 16, 32, 64]"
        )
    return lengths


def encode_pairs(
    pairs: Sequence[Pair], src_tokenizer: Tokenizer, tgt_tokenizer: Tokenizer, bucket_lengths: Sequence[int]
) -> tuple[dict[int, Bucket], int]:
    """Encode `pairs` into length buckets; return {length: arrays} and the number left out as too long.

    A pair of source ids s (with <start> and <end>) and target ids t goes to the shortest bucket
    L ≥ max(len(s), len(t) − 1), because the decoder receives t[:-1] and predicts t[1:].
    """
    rows: dict[int, list[tuple[list[int], list[int]]]] = {length: [] for length in bucket_lengths}
    too_long = 0
    for en, kn in pairs:
        src, tgt = src_tokenizer.encode(en), tgt_tokenizer.encode(kn)
        need = max(len(src), len(tgt) - 1)
        length = next((b for b in bucket_lengths if b >= need), None)
        if length is None:
            too_long += 1
        else:
            rows[length].append((src, tgt))
    buckets = {}
    for length, members in rows.items():
        if not members:
            continue
        arrays = {name: np.zeros((len(members), length), np.int32) for name in ("src", "tgt_in", "tgt_out")}
        for i, (src, tgt) in enumerate(members):
            arrays["src"][i, : len(src)] = src
            arrays["tgt_in"][i, : len(tgt) - 1] = tgt[:-1]
            arrays["tgt_out"][i, : len(tgt) - 1] = tgt[1:]
        buckets[length] = arrays
    return buckets, too_long


def _take_rows(bucket: Bucket, rows: np.ndarray, batch_size: int) -> dict[str, np.ndarray]:
    """Gather `rows` of a bucket and pad to `batch_size` rows of padding ids, which carry no loss."""
    batch = {}
    for name, array in bucket.items():
        chosen = array[rows]
        if len(rows) < batch_size:
            chosen = np.concatenate([chosen, np.full((batch_size - len(rows), array.shape[1]), PAD, np.int32)])
        batch[name] = chosen
    return batch


class NmtTask:
    """Translate English into Kannada; `splits` maps "train", "val" and "test" to sentence pairs.

    Tokenizers are fitted on the training split unless given (a resumed run passes the ones saved
    in its checkpoint, so ids keep their meaning).
    """

    def __init__(
        self,
        config: ml_collections.ConfigDict,
        splits: Mapping[str, Sequence[Pair]],
        tokenizers: tuple[Tokenizer, Tokenizer] | None = None,
    ):
        self.config = config
        self.src_tokenizer, self.tgt_tokenizer = tokenizers or fit_tokenizers(config, splits["train"])
        self.bucket_lengths = check_bucket_lengths(config.data.bucket_lengths)
        self.batch_size = config.train.batch_size
        self.eval_batch_size = config.train.eval_batch_size
        self.buckets: dict[str, dict[int, Bucket]] = {}
        for name, pairs in splits.items():
            self.buckets[name], too_long = encode_pairs(
                pairs, self.src_tokenizer, self.tgt_tokenizer, self.bucket_lengths
            )
            if too_long:
                log.info(
                    "%s: left out %d of %d pairs longer than %d tokens (data.bucket_lengths).",
                    name, too_long, len(pairs), self.bucket_lengths[-1],
                )
        if not self.buckets.get("train"):
            raise DataError(
                f"no training pair fits in {self.bucket_lengths[-1]} tokens; add a longer length to "
                "data.bucket_lengths or shorten the sentences with data.max_words"
            )

    def split_size(self, split: str) -> int:
        """Return the number of encoded pairs of `split`."""
        return sum(len(bucket["src"]) for bucket in self.buckets.get(split, {}).values())

    def create_model(self, rngs: nnx.Rngs) -> nnx.Module:
        options = {key: value for key, value in self.config.model.to_dict().items() if key != "name"}
        return create_model(
            self.config.model.name,
            self.src_tokenizer.vocab_size,
            self.tgt_tokenizer.vocab_size,
            rngs=rngs,
            **options,
        )

    def loss(self, model, batch, key, train):
        logits_BTV = model(batch, key=key, train=train)
        targets_BT = batch["tgt_out"]
        metrics = token_metrics(logits_BTV, targets_BT, targets_BT != PAD)
        return mean_loss(metrics["loss"], metrics["count"]), metrics

    def num_train_batches(self) -> int:
        return sum(-(-len(bucket["src"]) // self.batch_size) for bucket in self.buckets["train"].values())

    def train_batches(self, epoch: int) -> Iterator[dict[str, np.ndarray]]:
        """Yield every training pair once, shuffled within buckets, batches in shuffled order.

        A bucket's last batch is filled up with padding rows instead of being dropped, so small
        buckets still train.
        """
        rng = np.random.default_rng([self.config.seed, epoch])
        plan = []
        for length, bucket in sorted(self.buckets["train"].items()):
            order = rng.permutation(len(bucket["src"]))
            plan.extend((length, order[i : i + self.batch_size]) for i in range(0, len(order), self.batch_size))
        for index in rng.permutation(len(plan)):
            length, rows = plan[index]
            yield _take_rows(self.buckets["train"][length], rows, self.batch_size)

    def eval_batches(self, split: str) -> Iterator[dict[str, np.ndarray]]:
        """Yield the pairs of `split` bucket by bucket, in fixed-size batches padded with empty rows."""
        if split not in self.buckets:
            raise DataError(f"split {split!r} is not loaded; use one of {', '.join(self.buckets)}")
        for _, bucket in sorted(self.buckets[split].items()):
            for start in range(0, len(bucket["src"]), self.eval_batch_size):
                rows = np.arange(start, min(start + self.eval_batch_size, len(bucket["src"])))
                yield _take_rows(bucket, rows, self.eval_batch_size)

    def checkpoint_extras(self) -> dict[str, Any]:
        return {"src_tokenizer": self.src_tokenizer.to_dict(), "tgt_tokenizer": self.tgt_tokenizer.to_dict()}

