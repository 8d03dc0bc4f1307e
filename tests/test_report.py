"""`python -m zoo.report`: the ablation table, the choice of the best run, figures and errors.

The runs here are report.json files in the layout zoo/fer/train.py writes, with curves drawn by
the training loop's own plot function. tests/test_infer.py also reports a run the real loop trained.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from zoo.data.fer import EMOTIONS
from zoo.errors import DataError
from zoo.report import best_run_index, main, write_report
from zoo.training.history import plot_curves, write_metrics_csv


def write_run(folder, model, accuracies, val_loss=1.0, curves=True):
    """Write report.json (and curves.png) like a finished train_fer.py run with the given split accuracies."""
    folder.mkdir(parents=True)
    matrix = np.eye(7, dtype=int) * 10 + 1
    splits = {}
    for split, accuracy in zip(("train", "val", "test", "test_all"), accuracies):
        splits[split] = {"loss": val_loss, "accuracy": accuracy, "count": 70, "description": split}
    splits["test"]["confusion_matrix"] = matrix.tolist()
    splits["test"]["per_class"] = {
        emotion: {"precision": 0.625, "recall": 10 / 16, "f1": 0.625, "support": 16} for emotion in EMOTIONS
    }
    report = {
        "model": model, "parameters": 123456, "epochs_run": 5, "best_epoch": 3, "stopped_early": True,
        "wall_time_s": 42.5, "splits": splits, "labels": list(EMOTIONS),
    }
    (folder / "report.json").write_text(json.dumps(report))
    if curves:
        history = [
            {"epoch": epoch, "train_loss": 2.0 / epoch, "train_accuracy": 0.2 * epoch, "val_loss": 2.1 / epoch,
             "val_accuracy": 0.18 * epoch, "learning_rate": 1e-3, "wall_time_s": 30.0 * epoch}
            for epoch in range(1, 4)
        ]
        plot_curves(history, folder / "curves.png", title=f"fer: {model}")
        write_metrics_csv(history, folder / "metrics.csv")
    return folder


def test_report_table_and_figures(tmp_path):
    baseline = write_run(tmp_path / "runs" / "baseline", "cnn_baseline", (0.9, 0.50, 0.52, 0.51))
    cnn4 = write_run(tmp_path / "runs" / "cnn4", "cnn4", (0.73, 0.62, 0.63, 0.625))
    out = tmp_path / "docs" / "experiments.md"
    markdown, written = write_report([baseline, cnn4], out)

    assert out.read_text() == markdown
    assert "| baseline | cnn_baseline | 123,456 | 5 | 3 | 0.9000 | 0.5000 | 0.5200 | 42.5 |" in markdown
    assert "| cnn4 (best) | cnn4 | 123,456 | 5 | 3 | 0.7300 | 0.6200 | 0.6300 | 42.5 |" in markdown
    assert "## Best run: cnn4 (cnn4)" in markdown
    assert "| angry | 0.625 | 0.625 | 0.625 | 16 |" in markdown
    assert "](experiments_curves.png)" in markdown  # relative to the page
    assert "](experiments_confusion.png)" in markdown

    curves = cv2.imread(str(tmp_path / "docs" / "experiments_curves.png"))
    single = cv2.imread(str(baseline / "curves.png"))
    assert curves.shape[1] > 1.5 * curves.shape[0]  # two runs side by side
    assert curves.shape[1] > single.shape[1]
    confusion = cv2.imread(str(tmp_path / "docs" / "experiments_confusion.png"))
    assert confusion is not None
    assert confusion.std() > 10

    assert "](experiments_time_to_accuracy.png)" in markdown
    timeline = cv2.imread(str(tmp_path / "docs" / "experiments_time_to_accuracy.png"))
    assert timeline is not None
    assert timeline.std() > 10
    assert written == [out, *(out.with_name(f"experiments_{kind}.png") for kind in ("curves", "time_to_accuracy", "confusion"))]


def test_best_run_uses_validation_not_test():
    reports = [
        {"splits": {"val": {"accuracy": 0.60, "loss": 1.0}, "test": {"accuracy": 0.70}}},
        {"splits": {"val": {"accuracy": 0.65, "loss": 1.0}, "test": {"accuracy": 0.50}}},
        {"splits": {"val": {"accuracy": 0.65, "loss": 0.9}, "test": {"accuracy": 0.40}}},
    ]
    assert best_run_index(reports) == 2  # equal accuracy: the lower validation loss wins


def test_report_names_duplicate_folders_by_path(tmp_path):
    first = write_run(tmp_path / "a" / "run", "cnn_bn", (0.6, 0.5, 0.5, 0.5), curves=False)
    second = write_run(tmp_path / "b" / "run", "cnn_bn", (0.6, 0.55, 0.5, 0.5), curves=False)
    markdown, written = write_report([first, second], tmp_path / "page.md")
    assert f"| {first} | cnn_bn |" in markdown
    assert f"| {second} (best) | cnn_bn |" in markdown
    assert f"No curves.png in: {first}, {second}." in markdown
    assert not (tmp_path / "page_curves.png").exists()
    assert tmp_path / "page_curves.png" not in written


def test_report_command_errors(tmp_path):
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    result = CliRunner().invoke(main, [str(unfinished), "--out", str(tmp_path / "page.md")])
    assert result.exit_code == 2
    assert f"{unfinished / 'report.json'} not found" in result.stderr

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "report.json").write_text("{not json")
    result = CliRunner().invoke(main, [str(broken), "--out", str(tmp_path / "page.md")])
    assert result.exit_code == 2
    assert "is not valid JSON" in result.stderr

    (broken / "report.json").write_text(json.dumps({"model": "cnn4"}))
    result = CliRunner().invoke(main, [str(broken), "--out", str(tmp_path / "page.md")])
    assert result.exit_code == 2
    assert "is missing parameters, epochs_run" in result.stderr


def test_report_command_names_every_file(tmp_path):
    run = write_run(tmp_path / "run", "mini_xception", (0.7, 0.6, 0.61, 0.6))
    out = tmp_path / "page.md"
    result = CliRunner().invoke(main, [str(run), "--out", str(out)])
    assert result.exit_code == 0, result.output
    figures = [tmp_path / f"page_{kind}.png" for kind in ("curves", "time_to_accuracy", "confusion")]
    assert result.stdout == f"Wrote {out}, {figures[0]}, {figures[1]} and {figures[2]}.\n"
    for path in (out, *figures):
        assert path.is_file()


def test_report_command_requires_out(tmp_path, monkeypatch):
    run = write_run(tmp_path / "run", "cnn4", (0.7, 0.6, 0.61, 0.6), curves=False)
    # Run in an empty folder, so a default --out could not overwrite this checkout's docs.
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(main, [str(run)])
    assert result.exit_code == 2
    assert "Missing option '--out'" in result.stderr
    assert list(folder.rglob("*")) == []


def test_report_rejects_translation_run(tmp_path):
    run = tmp_path / "nmt_run"
    run.mkdir()
    scores = {"pairs": 10, "pairs_scored": 10, "token_loss": 2.0, "masked_accuracy": 0.3, "tokens": 80}
    report = {
        "model": "seq2seq_attention", "parameters": 1000, "epochs_run": 2, "best_epoch": 2, "wall_time_s": 3.0,
        "tokenizer": "subword", "splits": {"train": scores, "val": {**scores, "bleu": 1.0}, "test": {**scores, "bleu": 1.0}},
    }
    (run / "report.json").write_text(json.dumps(report))
    result = CliRunner().invoke(main, [str(run), "--out", str(tmp_path / "page.md")])
    assert result.exit_code == 2
    assert "translation run" in result.stderr
    assert f"python -m zoo.nmt.summary {run}" in result.stderr
    assert not (tmp_path / "page.md").exists()


def test_report_names_split_without_accuracy(tmp_path):
    run = write_run(tmp_path / "run", "cnn4", (0.7, 0.6, 0.61, 0.6), curves=False)
    report = json.loads((run / "report.json").read_text())
    del report["splits"]["train"]["accuracy"]
    (run / "report.json").write_text(json.dumps(report))
    with pytest.raises(DataError, match="is missing splits.train.accuracy"):
        write_report([run], tmp_path / "page.md")


@pytest.mark.parametrize("missing", ["val", "test"])
def test_report_rejects_missing_split(tmp_path, missing):
    run = write_run(tmp_path / "run", "cnn4", (0.7, 0.6, 0.61, 0.6), curves=False)
    report = json.loads((run / "report.json").read_text())
    del report["splits"][missing]
    (run / "report.json").write_text(json.dumps(report))
    with pytest.raises(DataError, match=f"is missing splits.{missing}"):
        write_report([run], tmp_path / "page.md")


def test_report_budget_and_target_table(tmp_path):
    # write_run's epochs end at 0.5, 1.0 and 1.5 minutes with validation accuracy 0.18, 0.36 and 0.54.
    run = write_run(tmp_path / "runs" / "fast", "cnn_bn", (0.9, 0.54, 0.55, 0.55))
    markdown, _ = write_report([run], tmp_path / "page.md", budget_minutes=1.2, target_accuracy=0.3)
    assert "| fast | 0.3600 | 1.0 | 1.0 |" in markdown

    markdown, _ = write_report([run], tmp_path / "page.md", budget_minutes=0.2, target_accuracy=0.9)
    assert "| fast | no epoch ended | – | not met |" in markdown


def test_report_cli_rejects_bad_target(tmp_path):
    run = write_run(tmp_path / "runs" / "fast", "cnn_bn", (0.9, 0.54, 0.55, 0.55))
    result = CliRunner().invoke(main, [str(run), "--out", str(tmp_path / "page.md"), "--target-accuracy", "60"])
    assert result.exit_code == 2
    assert "60" in result.output


def test_report_cli_rejects_nan_budget(tmp_path):
    run = write_run(tmp_path / "runs" / "fast", "cnn_bn", (0.9, 0.54, 0.55, 0.55))
    result = CliRunner().invoke(main, [str(run), "--out", str(tmp_path / "page.md"), "--budget-minutes", "nan"])
    assert result.exit_code == 2
    assert "nan is not a number" in result.output
