"""The translation pipeline end to end: configs, the real training loop, report.json and saved vocabularies."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from flax import nnx

from tests.conftest import REPO_ROOT
from zoo.config import load_config
from zoo.nmt import models
from zoo.nmt.train import saved_tokenizers, train_and_evaluate

NMT_CONFIGS = sorted(path.stem for path in (REPO_ROOT / "configs").glob("nmt_*.py"))
# A small GRU tagger in one length bucket: one train and one eval compilation.
TINY = [
    "model.embed_dim=8", "model.hidden=16", "model.dense=32", "data.bucket_lengths=(12,)",
    "train.epochs=2", "train.batch_size=8", "train.eval_batch_size=16", "train.learning_rate=0.01",
    "decode.batch_size=8", "decode.samples=2",
]


@pytest.mark.parametrize("name", NMT_CONFIGS)
def test_every_config_builds_its_model(name):
    config = load_config(REPO_ROOT / "configs" / f"{name}.py")
    options = {key: value for key, value in config.model.to_dict().items() if key != "name"}
    model = nnx.eval_shape(lambda: models.create_model(config.model.name, 50, 60, rngs=nnx.Rngs(0), **options))
    assert models.count_params(model) > 0


def test_tagger_configs_rebuild_the_reference_sizes():
    taggers = [("nmt_simple_rnn", "simple_rnn"), ("nmt_gru", "gru"), ("nmt_gru_no_embed", "gru_no_embed"), ("nmt_lstm", "lstm")]
    for name, model in taggers:
        config = load_config(REPO_ROOT / "configs" / f"{name}.py")
        assert config.model.name == model
        assert config.data.max_words == 5
        assert config.model.dense == 1024


def test_training_writes_the_report_and_resumes(tmp_path):
    config = load_config(REPO_ROOT / "configs" / "nmt_gru.py", TINY)
    report = train_and_evaluate(config, tmp_path)
    with open(tmp_path / "metrics.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2
    assert float(rows[1]["train_loss"]) < float(rows[0]["train_loss"])

    saved = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert saved == report
    assert report["model"] == "gru"
    assert set(report["splits"]) == {"train", "val", "test"}
    test = report["splits"]["test"]
    assert 0.0 <= test["bleu"] <= 100.0
    assert 0.0 <= test["token_accuracy"] <= 1.0
    assert "tok:13a" in test["bleu_signature"]
    assert len(report["samples"]) == 2
    assert report["samples"][0]["english"]

    # A resumed run takes its vocabularies from the checkpoint, not from a new fit.
    english, kannada = saved_tokenizers(tmp_path)
    assert english.vocab_size == report["vocab_size"]["en"]
    assert kannada.vocab_size == report["vocab_size"]["kn"]


def test_cli_reports_a_bad_override(tmp_path):
    from train_nmt import main

    result = CliRunner().invoke(
        main, ["--config", str(REPO_ROOT / "configs" / "nmt_gru.py"), "--workdir", str(tmp_path), "--set", "data.nope=1"]
    )
    assert result.exit_code == 2
    assert "data.nope" in result.output


def test_cli_reports_a_missing_data_dir(tmp_path):
    from train_nmt import main

    result = CliRunner().invoke(
        main, ["--config", str(REPO_ROOT / "configs" / "nmt_gru.py"), "--workdir", str(tmp_path),
               "--data-dir", str(tmp_path / "absent")],
    )
    assert result.exit_code == 2
    assert "absent" in result.output
