"""Config files (`get_config()` returning an ml_collections ConfigDict) and `--set key=value` overrides."""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
from pathlib import Path

import ml_collections

from zoo.errors import ConfigError


def load_config(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> ml_collections.ConfigDict:
    """Load the config file at `path`, apply `key=value` overrides, and return the locked config."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Config file {path} not found; pass a file from configs/, e.g. configs/cnn4.py.")
    # Variants import their base as `configs.<name>`, so the folder above configs/ must be importable.
    root = str(path.resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    spec = importlib.util.spec_from_file_location(f"_zoo_config_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "get_config"):
        raise ConfigError(f"Config file {path} defines no get_config() function.")
    config = module.get_config()
    apply_overrides(config, overrides)
    config.lock()
    return config


def flat_keys(config: ml_collections.ConfigDict, prefix: str = "") -> list[str]:
    """Return every leaf key of `config` in dotted form, sorted."""
    keys = []
    for name, value in config.items():
        dotted = f"{prefix}{name}"
        if isinstance(value, ml_collections.ConfigDict):
            keys.extend(flat_keys(value, dotted + "."))
        else:
            keys.append(dotted)
    return sorted(keys)


def apply_overrides(config: ml_collections.ConfigDict, overrides) -> None:
    """Set each `key=value` in place; the key must exist and the value must parse to the key's type."""
    valid = flat_keys(config)
    for override in overrides:
        if "=" not in override:
            raise ConfigError(f"--set {override!r} is invalid; write it as key=value, e.g. train.epochs=5.")
        key, text = (part.strip() for part in override.split("=", 1))
        if key not in valid:
            raise ConfigError(f"Unknown config key {key!r} in --set {override!r}. Valid keys: {', '.join(valid)}.")
        *parents, leaf = key.split(".")
        node = config
        for parent in parents:
            node = node[parent]
        node[leaf] = _parse_value(key, text, node[leaf])


def _parse_value(key: str, text: str, current):
    if isinstance(current, bool):
        if text.lower() in ("true", "1", "yes"):
            return True
        if text.lower() in ("false", "0", "no"):
            return False
        raise ConfigError(f"--set {key}={text} is invalid; {key} takes true or false.")
    if isinstance(current, str) or current is None:
        return text
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise ConfigError(f"--set {key}={text} is invalid; {key} takes a {type(current).__name__}.") from None
    if isinstance(current, float) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(current, (list, tuple)) and isinstance(value, (list, tuple)):
        return type(current)(value)
    if type(value) is not type(current):
        raise ConfigError(
            f"--set {key}={text} is invalid; {key} takes a {type(current).__name__}, got {type(value).__name__}."
        )
    return value


def config_to_json(config: ml_collections.ConfigDict) -> str:
    """Serialise a config to indented JSON (tuples become lists)."""
    return json.dumps(config.to_dict(), indent=2, sort_keys=True)
