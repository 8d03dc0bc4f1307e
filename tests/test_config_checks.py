"""The per-task config checks: each invalid value fails with its key and value, before any data is read."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from zoo.config import load_config
from zoo.data.fer import EMOTIONS
from zoo.errors import ConfigError
from zoo.fer.train import check_fer_config
from zoo.fer.train import train_and_evaluate as train_fer
from zoo.nmt.train import check_nmt_config

CONFIGS = REPO_ROOT / "configs"


@pytest.mark.parametrize(
    "override, message",
    [
        ("train.batch_size=0", "train.batch_size=0 is invalid; it must be an integer of at least 1."),
        ("train.eval_batch_size=0", "train.eval_batch_size=0 is invalid; it must be an integer of at least 1."),
        ("train.epochs=0", "train.epochs=0 is invalid; it must be an integer of at least 1."),
        ("train.epochs=-1", "train.epochs=-1 is invalid; it must be an integer of at least 1."),
        ("train.learning_rate=-5", "train.learning_rate=-5.0 is invalid; it must be a number greater than 0."),
        ("train.optimizer=foo", "train.optimizer='foo' is invalid; it must be one of 'adam', 'sgd'."),
        ("train.log_every=0", "train.log_every=0 is invalid; it must be an integer of at least 1."),
        ("train.num_devices=-1", "train.num_devices=-1 is invalid; it must be an integer of at least 0."),
        ("train.plateau.factor=1.5", "train.plateau.factor=1.5 is invalid; it must be a fraction in (0, 1)."),
        ("train.early_stopping.patience=0",
         "train.early_stopping.patience=0 is invalid; it must be an integer of at least 1."),
        ("seed=-1", "seed=-1 is invalid; it must be an integer of at least 0."),
        ("data.subset=2", "data.subset=2.0 is invalid; it must be a fraction in (0, 1]."),
        ("data.subset=0", "data.subset=0.0 is invalid; it must be a fraction in (0, 1]."),
        ("data.validation=foo", "data.validation='foo' is invalid; it must be one of 'public_test', 'train_slice'."),
        ("data.val_fraction=1", "data.val_fraction=1.0 is invalid; it must be a fraction in (0, 1)."),
        ("train.dtype=float8", "train.dtype='float8' is invalid; it must be one of 'float32', 'bfloat16'."),
        ("train.augment.zoom=1", "train.augment.zoom=1.0 is invalid; it must be a fraction in [0, 1)."),
    ],
)
def test_fer_value_is_rejected(override, message):
    config = load_config(CONFIGS / "smoke.py", [override])
    with pytest.raises(ConfigError) as raised:
        check_fer_config(config)
    assert str(raised.value) == f"{message} Change it in the config file or with --set {override.split('=')[0]}=VALUE."


def test_fer_model_name_is_checked():
    config = load_config(CONFIGS / "smoke.py", ["model.name=resnet"])
    with pytest.raises(ConfigError, match=r"model\.name='resnet' is not a FER model; choose one of \['cnn4'"):
        check_fer_config(config)


def test_fer_model_option_is_checked():
    config = load_config(CONFIGS / "dropout.py", ["model.conv_dropout=1.5"])
    with pytest.raises(ConfigError, match=r"model\.conv_dropout=1\.5 is invalid; it must be a fraction in \[0, 1\)"):
        check_fer_config(config)


def test_fer_unknown_model_option_is_checked():
    config = load_config(CONFIGS / "dropout.py", ["model.name=cnn_baseline"])
    with pytest.raises(ConfigError, match=r"Invalid options .* for model 'cnn_baseline'"):
        check_fer_config(config)


@pytest.mark.parametrize("name", ["smoke", "cnn4", "mini_xception", "augment"])
def test_shipped_fer_configs_pass(name):
    check_fer_config(load_config(CONFIGS / f"{name}.py"))


def write_fer_folder_with_corrupt_image(root):
    """Write a FER folder of random images, with one corrupt file, and return the folder holding it."""
    rng = np.random.default_rng(0)
    for split, name in (("train", "Training_0"), ("test", "PublicTest_0"), ("test", "PrivateTest_0")):
        for emotion in EMOTIONS:
            folder = root / "fer2013" / split / emotion
            folder.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(folder / f"{name}.png"), rng.integers(0, 256, (48, 48), dtype=np.uint8))
    (root / "fer2013" / "train" / "sad" / "Training_broken.jpg").write_bytes(b"not a jpeg")
    return root


@pytest.mark.parametrize("override", ["model.name=resnet", "train.batch_size=0", "data.subset=2"])
def test_fer_config_is_checked_before_the_data(tmp_path, override):
    data_dir = write_fer_folder_with_corrupt_image(tmp_path / "data")
    config = load_config(CONFIGS / "smoke.py", [override])
    with pytest.raises(ConfigError, match=override.split("=")[0].replace(".", r"\.")):
        train_fer(config, tmp_path / "run", str(data_dir))
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "override, message",
    [
        ("decode.beam_size=0", "decode.beam_size=0 is invalid; it must be an integer of at least 1."),
        ("decode.batch_size=0", "decode.batch_size=0 is invalid; it must be an integer of at least 1."),
        ("decode.length_ratio=0", "decode.length_ratio=0.0 is invalid; it must be a number greater than 0."),
        ("decode.alpha=-1", "decode.alpha=-1.0 is invalid; it must be a number of at least 0."),
        ("train.batch_size=0", "train.batch_size=0 is invalid; it must be an integer of at least 1."),
        ("train.epochs=0", "train.epochs=0 is invalid; it must be an integer of at least 1."),
        ("data.tokenizer=bpe", "data.tokenizer='bpe' is invalid; it must be one of 'word', 'subword'."),
        ("data.vocab_size=4", "data.vocab_size=4 is invalid; it must be an integer of at least 5."),
        ("data.max_vocab=3",
         "data.max_vocab=3 is invalid; it must be 0 (no limit) or more than the 4 special tokens."),
        ("data.min_count=0", "data.min_count=0 is invalid; it must be an integer of at least 1."),
        ("data.val_fraction=1", "data.val_fraction=1.0 is invalid; it must be a fraction in [0, 1)."),
        ("data.test_fraction=0.95",
         "data.test_fraction=0.95 is invalid; it must be below 1 - data.val_fraction = 0.9, so that pairs are "
         "left for training."),
        ("data.max_words=-1", "data.max_words=-1 is invalid; it must be an integer of at least 0."),
        ("model.hidden=0", "model.hidden=0 is invalid; it must be an integer of at least 1."),
        ("model.dropout=1", "model.dropout=1.0 is invalid; it must be a fraction in [0, 1)."),
    ],
)
def test_nmt_value_is_rejected(override, message):
    config = load_config(CONFIGS / "nmt_smoke.py", [override])
    with pytest.raises(ConfigError) as raised:
        check_nmt_config(config)
    assert str(raised.value) == f"{message} Change it in the config file or with --set {override.split('=')[0]}=VALUE."


@pytest.mark.parametrize(
    "override, message",
    [
        ("model.name=transformer", r"model\.name='transformer' is not a translation model"),
        ("model.cell=rnn", r"model\.cell='rnn' is invalid for seq2seq_attention"),
        ("model.attention=dot", r"model\.attention='dot' is invalid"),
        ("model.name=gru", r"invalid options .* for model 'gru'"),  # the tagger takes no attention option
        ("data.bucket_lengths=2,", r"data\.bucket_lengths=\[2\] is invalid"),
    ],
)
def test_nmt_model_and_buckets_are_checked(override, message):
    config = load_config(CONFIGS / "nmt_smoke.py", [override])
    with pytest.raises(ConfigError, match=message):
        check_nmt_config(config)


@pytest.mark.parametrize(
    "name", ["nmt_smoke", "nmt_base", "nmt_luong", "nmt_simple_rnn", "nmt_gru_no_embed", "nmt_lstm"]
)
def test_shipped_nmt_configs_pass(name):
    check_nmt_config(load_config(CONFIGS / f"{name}.py"))
