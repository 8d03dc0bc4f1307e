"""The translation pipeline end to end: configs, the real training loop, report.json, restoring and the CLIs."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from flax import nnx

from tests.conftest import REPO_ROOT
from zoo.config import load_config
from zoo.nmt import models
from zoo.nmt.predict import Translator
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


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("nmt_run")
    config = load_config(REPO_ROOT / "configs" / "nmt_gru.py", TINY)
    return workdir, train_and_evaluate(config, workdir)


def test_training_writes_the_report(trained_run):
    workdir, report = trained_run
    with open(workdir / "metrics.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2
    assert float(rows[1]["train_loss"]) < float(rows[0]["train_loss"])

    saved = json.loads((workdir / "report.json").read_text(encoding="utf-8"))
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
    english, kannada = saved_tokenizers(workdir)
    assert english.vocab_size == report["vocab_size"]["en"]
    assert kannada.vocab_size == report["vocab_size"]["kn"]


def test_translator_restores_the_run(trained_run, tmp_path):
    workdir, report = trained_run
    translator = Translator.from_workdir(workdir)
    sample = report["samples"][0]
    assert translator.translate([sample["english"]]) == [sample["translation"]]

    src = tmp_path / "test.en"
    ref = tmp_path / "test.kn"
    src.write_text(sample["english"] + "\n", encoding="utf-8")
    ref.write_text(sample["reference"] + "\n", encoding="utf-8")
    scored = translator.score_files(src, ref)
    assert scored["translations"] == [sample["translation"]]
    assert scored["scores"]["pairs"] == 1


def test_translate_cli_rejects_kannada_input(trained_run):
    from translate_nmt import main

    workdir, _ = trained_run
    result = CliRunner().invoke(main, ["--workdir", str(workdir), "ಅರ್ಧ ನನಗೆ ಕೊಡು."])
    assert result.exit_code == 2
    assert "already in Kannada" in result.output


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
