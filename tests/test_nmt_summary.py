"""`python -m zoo.nmt.summary`: mean ± std per model over seeds, probe translations, bad run folders."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from zoo.errors import DataError
from zoo.nmt.summary import main, summarise

PROBES = ["Economic Development and Social Change", "in front of her house"]


def write_run(folder, model, parameters, epochs, wall, accuracy, bleu, chrf, translations=("ಮನೆ", "ಅವಳ ಮನೆಯ ಮುಂದೆ")):
    """Write a report.json in the layout zoo/nmt/train.py writes, with the given test scores."""
    folder.mkdir(parents=True)
    report = {
        "model": model, "parameters": parameters, "epochs_run": epochs, "best_epoch": epochs,
        "wall_time_s": wall,
        "splits": {"test": {"pairs": 5, "masked_accuracy": accuracy, "bleu": bleu, "chrf": chrf}},
        "probes": [{"english": english, "translation": kannada} for english, kannada in zip(PROBES, translations)],
    }
    (folder / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    return folder


def test_summary_groups_models_with_sample_std(tmp_path):
    runs = [
        write_run(tmp_path / "gru_s0", "gru", 100, 10, 30.0, 0.20, 1.0, 10.0),
        write_run(tmp_path / "gru_s1", "gru", 120, 12, 50.0, 0.30, 3.0, 14.0),
        write_run(tmp_path / "lstm_s0", "lstm", 5000, 7, 9.4, 0.5, 2.5, 20.25, translations=("", "a | b")),
    ]
    markdown = summarise(runs)

    # gru: epochs 11 ± 1.414, wall 40 ± 14.1, accuracy 0.25 ± 0.0707, BLEU 2 ± 1.414, chrF++ 12 ± 2.83.
    assert "| `gru` | 100–120 | 11.0 ± 1.4 | 40 ± 14 | 5 | 0.250 ± 0.071 | 2.00 ± 1.41 | 12.00 ± 2.83 | 2 |" in markdown
    assert "| `lstm` | 5,000 | 7.0 | 9 | 5 | 0.500 | 2.50 | 20.25 | 1 |" in markdown
    assert markdown.index("`gru` | 100") < markdown.index("`lstm` | 5,000")
    # Probe translations, one row per run; empty output and table pipes stay readable.
    assert '| run | model | "Economic Development and Social Change" | "in front of her house" |' in markdown
    assert "| gru_s0 | `gru` | ಮನೆ | ಅವಳ ಮನೆಯ ಮುಂದೆ |" in markdown
    assert "| lstm_s0 | `lstm` | (empty) | a \\| b |" in markdown


def test_summary_cli_writes_markdown(tmp_path):
    run = write_run(tmp_path / "runs" / "gru_s0", "gru", 100, 10, 30.0, 0.2, 1.0, 10.0)
    out = tmp_path / "docs" / "nmt.md"
    result = CliRunner().invoke(main, [str(run), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "| `gru` | 100 |" in out.read_text(encoding="utf-8")


def test_summary_names_missing_report(tmp_path):
    with pytest.raises(DataError, match="report.json not found.*--workdir"):
        summarise([tmp_path])
    result = CliRunner().invoke(main, [str(tmp_path)])
    assert result.exit_code == 2
    assert "report.json not found" in result.output


def test_summary_rejects_fer_report(tmp_path):
    folder = tmp_path / "fer_run"
    folder.mkdir()
    (folder / "report.json").write_text(json.dumps({
        "model": "cnn4", "parameters": 1, "epochs_run": 1, "wall_time_s": 1.0,
        "splits": {"test": {"accuracy": 0.5, "loss": 1.0}},
    }))
    with pytest.raises(DataError, match="is missing probes, splits.test.masked_accuracy, splits.test.bleu, splits.test.chrf"):
        summarise([folder])


def test_summary_of_real_run(nmt_run):
    workdir, report = nmt_run
    markdown = summarise([workdir])
    assert f"| `gru` | {report['parameters']:,} | {float(report['epochs_run']):.1f} |" in markdown
    assert f"| {workdir.name} | `gru` |" in markdown


def test_summary_rejects_repeated_run(tmp_path):
    run = write_run(tmp_path / "gru_s0", "gru", 100, 10, 30.0, 0.2, 1.0, 10.0)
    with pytest.raises(DataError, match="given twice"):
        summarise([run, tmp_path / "gru_s0" / "."])


def test_summary_names_parent_folder(tmp_path):
    write_run(tmp_path / "runs" / "gru_s0", "gru", 100, 10, 30.0, 0.2, 1.0, 10.0)
    with pytest.raises(DataError, match="contains run folders"):
        summarise([tmp_path / "runs"])
    with pytest.raises(DataError, match="not found"):
        summarise([tmp_path / "missing"])
