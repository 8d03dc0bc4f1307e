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


def test_wrong_type_names_expected_type():
    config = load_config(CONFIGS / "smoke.py")
    config.unlock()
    with pytest.raises(ConfigError, match=r"train\.epochs takes a int"):
        apply_overrides(config, ["train.epochs=many"])


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
