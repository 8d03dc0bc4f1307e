"""train_fer.py and train_nmt.py on user errors and Ctrl-C: one line on standard error, no traceback."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import REPO_ROOT

CONFIGS = REPO_ROOT / "configs"


def load_script(name):
    spec = importlib.util.spec_from_file_location(f"{name}_script", REPO_ROOT / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


train_fer = load_script("train_fer")
train_nmt = load_script("train_nmt")


def invoke(script, *args):
    return CliRunner().invoke(script.main, [str(arg) for arg in args])


def error_line(result) -> str:
    """Return the only line of standard error, failing when there are more."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_train_fer_rejects_a_translation_config(tmp_path):
    config = CONFIGS / "nmt_smoke.py"
    result = invoke(train_fer, "--config", config, "--workdir", tmp_path / "run", "--data-dir", tmp_path)
    assert result.exit_code == 2
    assert error_line(result) == (
        f"Error: Config file {config} is a translation config (task='nmt'), but this command needs a "
        "facial-expression config (task='fer'). Train it with train_nmt.py, or pass a facial-expression config "
        "such as configs/cnn4.py."
    )


def test_train_nmt_rejects_a_fer_config(tmp_path):
    # cnn4.py has no translation config of the same name (configs/nmt_cnn4.py) to fall back on.
    result = invoke(train_nmt, "--config", CONFIGS / "cnn4.py", "--workdir", tmp_path / "run")
    assert result.exit_code == 2
    assert "is a facial-expression config (task='fer')" in error_line(result)
    assert "Train it with train_fer.py" in error_line(result)


@pytest.mark.parametrize(
    "script, config, override",
    [(train_fer, "smoke.py", "train.batch_size=0"), (train_fer, "smoke.py", "train.epochs=-1"),
     (train_nmt, "nmt_smoke.py", "decode.beam_size=0"), (train_nmt, "nmt_smoke.py", "train.learning_rate=-5")],
)
def test_invalid_value_fails_in_one_line(tmp_path, script, config, override):
    result = invoke(script, "--config", CONFIGS / config, "--workdir", tmp_path / "run", "--set", override)
    assert result.exit_code == 2
    key = override.split("=")[0]
    assert error_line(result).startswith(f"Error: {key}=")
    assert f"Change it in the config file or with --set {key}=VALUE." in error_line(result)
    assert not (tmp_path / "run").exists()


def test_workdir_file_fails_in_one_line(tmp_path):
    not_a_folder = tmp_path / "run.txt"
    not_a_folder.write_text("")
    result = invoke(train_fer, "--config", CONFIGS / "smoke.py", "--workdir", not_a_folder, "--data-dir", tmp_path)
    assert result.exit_code == 2
    assert error_line(result) == (
        f"Error: The run folder {not_a_folder} (--workdir) is a file, not a folder. Pass the path of a folder, "
        "which is created when missing, or move the file away."
    )


def interrupt_after(epochs):
    """Return a stand-in for train_and_evaluate that leaves `epochs` checkpoints and then gets Ctrl-C."""
    def interrupted(config, workdir, data_dir=None):
        for epoch in epochs:
            (Path(workdir) / "checkpoints" / "latest" / str(epoch)).mkdir(parents=True)
        raise KeyboardInterrupt

    return interrupted


@pytest.mark.parametrize("script, module, config", [(train_fer, "zoo.fer.train", "smoke.py"),
                                                     (train_nmt, "zoo.nmt.train", "nmt_smoke.py")])
def test_ctrl_c_says_how_to_resume(tmp_path, monkeypatch, script, module, config):
    monkeypatch.setattr(f"{module}.train_and_evaluate", interrupt_after([1, 2]))
    result = invoke(script, "--config", CONFIGS / config, "--workdir", tmp_path / "run")
    assert result.exit_code == 130
    assert error_line(result) == (
        f"Interrupted: training in {tmp_path / 'run'} stopped. Running the same command again resumes from the "
        "last checkpoint, saved after epoch 2."
    )
    assert "Aborted!" not in result.output


def test_ctrl_c_before_the_first_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setattr("zoo.fer.train.train_and_evaluate", interrupt_after([]))
    result = invoke(train_fer, "--config", CONFIGS / "smoke.py", "--workdir", tmp_path / "run")
    assert result.exit_code == 130
    assert error_line(result).endswith("Running the same command again starts it again, because no checkpoint "
                                       "was saved yet.")
