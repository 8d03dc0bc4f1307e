import pytest

from zoo.config import apply_overrides, flat_keys, load_config
from zoo.errors import ConfigError
from tests.conftest import REPO_ROOT

CONFIGS = REPO_ROOT / "configs"


@pytest.mark.parametrize(
    "name, model", [("baseline", "cnn_baseline"), ("batchnorm", "cnn_bn"), ("dropout", "cnn_dropout"),
                    ("early_stopping", "cnn_dropout"), ("augment", "cnn_dropout"), ("cnn4", "cnn4"),
                    ("mini_xception", "mini_xception"), ("smoke", "cnn_baseline"),
                    ("fast", "cnn_bn")],
)
def test_every_config_loads(name, model):
    assert load_config(CONFIGS / f"{name}.py").model.name == model


def test_ablation_steps_add_one_change_each():
    dropout = load_config(CONFIGS / "dropout.py")
    early = load_config(CONFIGS / "early_stopping.py")
    augmented = load_config(CONFIGS / "augment.py")
    assert not dropout.train.early_stopping.enabled
    assert early.train.early_stopping.enabled and early.train.plateau.enabled
    assert not early.train.augment.enabled
    assert augmented.train.augment.enabled


def test_cnn4_matches_reference_recipe():
    config = load_config(CONFIGS / "cnn4.py")
    assert config.train.learning_rate == 1e-4
    assert config.train.batch_size == 32
    assert config.train.early_stopping.patience == 3
    assert config.train.plateau.factor == 0.2
    assert config.train.plateau.patience == 2
    assert config.train.augment.zoom == 0.3


def test_overrides_parse_types():
    config = load_config(CONFIGS / "cnn4.py", ["train.epochs=1", "data.subset=0.05", "train.augment.flip=false"])
    assert config.train.epochs == 1
    assert config.data.subset == 0.05
    assert config.train.augment.flip is False


def test_unknown_key_lists_valid_keys():
    config = load_config(CONFIGS / "smoke.py")
    config.unlock()
    with pytest.raises(ConfigError, match=r"Unknown config key 'train.epoch'.*train\.epochs"):
        apply_overrides(config, ["train.epoch=3"])


def test_wrong_type_names_expected_type_with_example():
    config = load_config(CONFIGS / "smoke.py")
    config.unlock()
    with pytest.raises(ConfigError, match=r"^--set train\.epochs=many is invalid; train\.epochs takes an integer, "
                                          r"e\.g\. train\.epochs=2\.$"):
        apply_overrides(config, ["train.epochs=many"])
    with pytest.raises(ConfigError, match=r"train\.learning_rate takes a number, e\.g\. train\.learning_rate=0\.001, "
                                          r"not a string\.$"):
        apply_overrides(config, ["train.learning_rate='fast'"])


def test_list_type_error_example_parses():
    config = load_config(CONFIGS / "nmt_base.py")
    config.unlock()
    with pytest.raises(ConfigError) as raised:
        apply_overrides(config, ["data.bucket_lengths=many"])
    assert str(raised.value) == (
        "--set data.bucket_lengths=many is invalid; data.bucket_lengths takes a comma-separated list, "
        "e.g. data.bucket_lengths=16,32."
    )
    apply_overrides(config, ["data.bucket_lengths=16,32"])
    assert config.data.bucket_lengths == (16, 32)

    with pytest.raises(ConfigError, match=r"data\.bucket_lengths takes a comma-separated list, "
                                          r"e\.g\. data\.bucket_lengths=16,32, not an integer\.$"):
        apply_overrides(config, ["data.bucket_lengths=16"])
    with pytest.raises(ConfigError, match=r"decode\.probes takes a list in Python syntax, "
                                          r"e\.g\. decode\.probes=\['Economic Development and Social Change'\], "
                                          r"not an integer\.$"):
        apply_overrides(config, ["decode.probes=3"])


def test_one_length_list_example_has_two_values():
    config = load_config(CONFIGS / "nmt_smoke.py")
    config.unlock()
    with pytest.raises(ConfigError, match=r"e\.g\. data\.bucket_lengths=32,64\.$"):
        apply_overrides(config, ["data.bucket_lengths=x"])


@pytest.mark.parametrize(
    "config_name, task, found, script, example",
    [("nmt_smoke", "fer", "a translation config (task='nmt')", "train_nmt.py", "a facial-expression config such as "
      "configs/cnn4.py"),
     ("smoke", "nmt", "a facial-expression config (task='fer')", "train_fer.py", "a translation config such as "
      "configs/nmt_base.py")],
)
def test_config_of_other_task_is_rejected(config_name, task, found, script, example):
    path = CONFIGS / f"{config_name}.py"
    # The override exists only in the right task's configs: the task check must come first.
    override = "decode.beam_size=2" if task == "nmt" else "data.skip_corrupt=true"
    with pytest.raises(ConfigError) as raised:
        load_config(path, [override], task=task)
    message = str(raised.value)
    assert message.startswith(f"Config file {path} is {found}, but this command needs")
    assert message.endswith(f"Train it with {script}, or pass {example}.")


def test_config_without_task_is_rejected(tmp_path):
    path = tmp_path / "no_task.py"
    path.write_text("import ml_collections\n\n\ndef get_config():\n    return ml_collections.ConfigDict({'seed': 0})\n")
    with pytest.raises(ConfigError, match=r"has task=None, but this command needs a translation config.*"
                                          r"Set config\.task = 'nmt' in get_config\(\)"):
        load_config(path, task="nmt")


def test_config_of_right_task_loads():
    assert load_config(CONFIGS / "nmt_smoke.py", ["decode.beam_size=2"], task="nmt").decode.beam_size == 2


def test_override_without_equals_sign():
    with pytest.raises(ConfigError, match=r"write it as key=value"):
        load_config(CONFIGS / "smoke.py", ["train.epochs"])


def test_missing_config_file():
    with pytest.raises(ConfigError, match=r"nope\.py not found"):
        load_config(CONFIGS / "nope.py")


def test_flat_keys_are_dotted():
    keys = flat_keys(load_config(CONFIGS / "smoke.py"))
    assert "train.early_stopping.patience" in keys
    assert "model.name" in keys


@pytest.mark.parametrize("given, expected", [
    ("smoke.py", "nmt_smoke.py"), ("lstm.py", "nmt_lstm.py"), ("nmt_gru.py", "nmt_gru.py"), ("cnn4.py", "cnn4.py"),
])
def test_translation_config_names_resolve(given, expected):
    from zoo.config import resolve_config_path

    assert resolve_config_path(CONFIGS / given, "nmt") == CONFIGS / expected
    assert resolve_config_path(CONFIGS / given, "fer") == CONFIGS / given


def test_translation_config_of_own_name_is_kept(tmp_path):
    from zoo.config import resolve_config_path

    (tmp_path / "mine.py").write_text("import ml_collections\n\ndef get_config():\n    return ml_collections.ConfigDict({'task': 'nmt'})\n")
    (tmp_path / "nmt_mine.py").write_text("")
    assert resolve_config_path(tmp_path / "mine.py", "nmt") == tmp_path / "mine.py"
