"""The translation task: length buckets, batch coverage, padding rows, extras, scoring."""

from __future__ import annotations

import json

import jax
import ml_collections
import numpy as np
import pytest
from flax import nnx

from configs import nmt_base
from zoo.data import corpora
from zoo.errors import ConfigError, DataError
from zoo.nmt import task as nmt_task
from zoo.nmt import translate
from zoo.nmt.losses import token_metrics
from zoo.nmt.tokenizers import END, PAD, START


def make_config(**model_options) -> ml_collections.ConfigDict:
    config = ml_collections.ConfigDict()
    config.seed = 0
    config.data = ml_collections.ConfigDict(
        {"tokenizer": "word", "max_vocab": 0, "min_count": 1, "vocab_size": 200, "bucket_lengths": (6, 8, 12)}
    )
    config.model = ml_collections.ConfigDict({"name": "gru", "embed_dim": 8, "hidden": 16, "dense": 32, **model_options})
    config.train = nmt_base.get_config().train
    config.train.update(
        {"epochs": 2, "batch_size": 8, "eval_batch_size": 16, "learning_rate": 0.01, "log_every": 5, "keep_checkpoints": 1}
    )
    return config


@pytest.fixture(scope="module")
def splits():
    return corpora.load_corpus([{"kind": "tab", "path": "kan-eng/kan.txt"}], seed=0, max_words=5)


@pytest.fixture(scope="module")
def task(splits):
    return nmt_task.NmtTask(make_config(), splits)


def test_buckets_hold_shifted_targets(task):
    for length, bucket in task.buckets["train"].items():
        assert length in (6, 8, 12)
        assert bucket["src"].shape[1] == length
        np.testing.assert_array_equal(bucket["src"][:, 0], START)
        np.testing.assert_array_equal(bucket["tgt_in"][:, 0], START)
        # tgt_out is tgt_in moved one step left, with <end> last.
        follows = bucket["tgt_in"][:, 1:] != PAD
        np.testing.assert_array_equal(bucket["tgt_out"][:, :-1][follows], bucket["tgt_in"][:, 1:][follows])
        last = (bucket["tgt_out"] != PAD).sum(axis=1) - 1
        np.testing.assert_array_equal(bucket["tgt_out"][np.arange(len(last)), last], END)


def test_too_long_pairs_are_left_out(splits, task):
    _, too_long = nmt_task.encode_pairs(splits["train"], task.src_tokenizer, task.tgt_tokenizer, (5,))
    assert too_long > 0
    assert task.split_size("train") == len(splits["train"])


def test_train_batches_cover_every_pair_once(task):
    batches = list(task.train_batches(epoch=0))
    assert len(batches) == task.num_train_batches()
    rows = [tuple(row) for batch in batches for row in batch["src"] if row[0] != PAD]
    expected = [tuple(row) for bucket in task.buckets["train"].values() for row in bucket["src"]]
    assert sorted(rows) == sorted(expected)
    assert {batch["src"].shape[0] for batch in batches} == {8}
    assert all(batch["src"].shape == batch["tgt_out"].shape for batch in batches)


def test_train_order_depends_on_epoch_only(task):
    first = [batch["src"].tolist() for batch in task.train_batches(epoch=1)]
    again = [batch["src"].tolist() for batch in task.train_batches(epoch=1)]
    other = [batch["src"].tolist() for batch in task.train_batches(epoch=2)]
    assert first == again
    assert first != other


def test_padding_rows_add_nothing_to_the_sums(task):
    batch = next(iter(task.eval_batches("train")))
    real = int((batch["src"][:, 0] != PAD).sum())
    assert 0 < real < len(batch["src"])
    for array in batch.values():
        np.testing.assert_array_equal(array[real:], PAD)
    logits = jax.random.normal(jax.random.key(0), (*batch["tgt_out"].shape, task.tgt_tokenizer.vocab_size))
    padded = token_metrics(logits, batch["tgt_out"], batch["tgt_out"] != PAD)
    trimmed = token_metrics(logits[:real], batch["tgt_out"][:real], batch["tgt_out"][:real] != PAD)
    for name in ("loss", "correct", "count"):
        np.testing.assert_allclose(padded[name], trimmed[name], rtol=1e-6)


def test_eval_batches_are_fixed_size_and_complete(task):
    batches = list(task.eval_batches("test"))
    assert {batch["src"].shape[0] for batch in batches} == {16}
    assert sum(int((batch["src"][:, 0] != PAD).sum()) for batch in batches) == task.split_size("test")


def test_extras_rebuild_the_tokenizers(task):
    extras = json.loads(json.dumps(task.checkpoint_extras()))
    src, tgt = nmt_task.tokenizers_from_extras(extras)
    assert src.vocab == task.src_tokenizer.vocab
    assert tgt.vocab == task.tgt_tokenizer.vocab


@pytest.mark.parametrize("lengths", [(), (8, 8), (2, 8)])
def test_bad_bucket_lengths_are_config_errors(lengths):
    with pytest.raises(ConfigError, match="bucket_lengths"):
        nmt_task.check_bucket_lengths(lengths)


def test_unknown_tokenizer_is_a_config_error(splits):
    config = make_config()
    config.data.tokenizer = "chars"
    with pytest.raises(ConfigError, match="'chars'"):
        nmt_task.NmtTask(config, splits)


def test_subword_task_sizes_the_model(splits):
    config = make_config(name="seq2seq_attention", embed_dim=8, hidden=16)
    del config.model["dense"]
    config.data.tokenizer = "subword"
    config.data.bucket_lengths = (16, 64)
    subword = nmt_task.NmtTask(config, splits)
    assert subword.split_size("train") == len(splits["train"])
    model = nnx.eval_shape(lambda: subword.create_model(nnx.Rngs(0)))
    assert model.src_embed.num_embeddings == subword.src_tokenizer.vocab_size
    assert model.out.out_features == subword.tgt_tokenizer.vocab_size
    batch = next(subword.train_batches(0))
    assert batch["src"].shape[1] in (16, 64)


def test_scores_of_a_perfect_and_a_wrong_translation():
    references = ["ಅರ್ಧ ನನಗೆ ಕೊಡು.", "ಟಾಮ್ ಏಳಿದನು."]
    perfect = translate.score_translations(references, references)
    assert perfect["bleu"] == 100.0
    assert perfect["chrf"] == 100.0
    # A decomposed vowel sign (e + length mark) in the hypothesis still matches after NFC.
    decomposed = ["ಅರ್ಧ ನನಗೆ ಕೊಡು.", "ಟಾಮ್ ಏಳಿದನು.".replace("\u0cc7", "\u0cc6\u0cd5")]
    assert translate.score_translations(decomposed, references)["bleu"] == 100.0
    wrong = translate.score_translations(["ಹೋಗು", "ಬಾ"], references)
    assert wrong["bleu"] < 10.0
    assert "nw:2" in wrong["chrf_signature"]


def test_translate_rejects_kannada_input(task):
    with pytest.raises(DataError, match="already in Kannada"):
        translate.translate_sentences(None, task.src_tokenizer, task.tgt_tokenizer, ["ಅರ್ಧ ಕೊಡು"], check_input=True)
