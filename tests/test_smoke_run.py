"""The smoke command from the README, end to end on the real data."""

import json
import os
import subprocess
import sys

from tests.conftest import REPO_ROOT


def test_smoke_run_beats_majority_class(data_dir, tmp_path):
    workdir = tmp_path / "smoke"
    command = [
        sys.executable, str(REPO_ROOT / "train_fer.py"), "--config", str(REPO_ROOT / "configs" / "smoke.py"),
        "--data-dir", str(data_dir), "--workdir", str(workdir),
    ]
    result = subprocess.run(command, env={**os.environ, "TQDM_DISABLE": "1"}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Done: cnn_baseline" in result.stdout

    for name in ("config.json", "metrics.csv", "curves.png", "report.json"):
        assert (workdir / name).is_file(), name
    report = json.loads((workdir / "report.json").read_text())
    test = report["splits"]["test"]
    assert test["accuracy"] > test["majority_class_rate"]
    assert report["epochs_run"] == 2
