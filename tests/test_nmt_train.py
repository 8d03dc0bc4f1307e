"""The translation pipeline end to end: configs, the real training loop, report.json, restoring and train_nmt.py."""

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
from zoo.nmt.train import saved_tokenizers

NMT_CONFIGS = sorted(path.stem for path in (REPO_ROOT / "configs").glob("nmt_*.py"))


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


def test_training_writes_the_report(nmt_run):
    workdir, report = nmt_run
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
    assert 0.0 <= test["masked_accuracy"] <= 1.0
    assert "tok:13a" in test["bleu_signature"]
    assert len(report["samples"]) == 2
    assert report["samples"][0]["english"]
    probes = {probe["english"]: probe["translation"] for probe in report["probes"]}
    assert set(probes) == {"Economic Development and Social Change", "in front of her house"}
    assert all(isinstance(translation, str) for translation in probes.values())

    # A resumed run takes its vocabularies from the checkpoint, not from a new fit.
    english, kannada = saved_tokenizers(workdir)
    assert english.vocab_size == report["vocab_size"]["en"]
    assert kannada.vocab_size == report["vocab_size"]["kn"]


def test_translator_restores_the_run(nmt_run, tmp_path):
    workdir, report = nmt_run
    translator = Translator.from_workdir(workdir)
    sample = report["samples"][0]
    assert translator.translate([sample["english"]]) == [sample["translation"]]
    probes = report["probes"]
    assert translator.translate([probe["english"] for probe in probes]) == [probe["translation"] for probe in probes]

    src = tmp_path / "test.en"
    ref = tmp_path / "test.kn"
    src.write_text(sample["english"] + "\n", encoding="utf-8")
    ref.write_text(sample["reference"] + "\n", encoding="utf-8")
    scored = translator.score_files(src, ref)
    assert scored["translations"] == [sample["translation"]]
    assert scored["scores"]["pairs"] == 1


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
