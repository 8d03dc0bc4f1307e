"""Config files (`get_config()` returning an ml_collections ConfigDict) and `--set key=value` overrides."""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
from pathlib import Path
from typing import NamedTuple

import ml_collections

from zoo.errors import ConfigError


class TaskInfo(NamedTuple):
    """The words and files that messages use for one task."""

    description: str  # e.g. "facial-expression"
    script: str  # the training script for the task's configs
    example_config: str
    config_prefix: str  # file-name prefix of the task's configs in configs/, "" for none


# The `task` key of every config, and of every checkpoint's meta, is one of these names.
TASKS = {
    "fer": TaskInfo("facial-expression", "train_fer.py", "configs/cnn4.py", ""),
    "nmt": TaskInfo("translation", "train_nmt.py", "configs/nmt_base.py", "nmt_"),
}


def describe_run(task: str | None) -> str:
    """Return the phrase that messages use for a run of `task`, e.g. "a translation run (train_nmt.py)"."""
    if task in TASKS:
        return f"a {TASKS[task].description} run ({TASKS[task].script})"
    return f"a run of the unknown task {task!r}"


def read_config(path: str | Path) -> ml_collections.ConfigDict:
    """Run the `get_config()` of the config file at `path` and return its (unlocked) config."""
    path = Path(path)
    if not path.is_file():
        examples = " or ".join(info.example_config for info in TASKS.values())
        raise ConfigError(f"Config file {path} not found; pass a file from configs/, e.g. {examples}.")
    # Variants import their base as `configs.<name>`, so the folder above configs/ must be importable.
    root = str(path.resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    spec = importlib.util.spec_from_file_location(f"_zoo_config_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "get_config"):
        raise ConfigError(f"Config file {path} defines no get_config() function.")
    return module.get_config()


def resolve_config_path(path: str | Path, task: str) -> Path:
    """Return `path`, or the task's config of the same name when `path` is missing or another task's.

    Translation configs are named `nmt_<name>.py` beside the FER ones, so `train_nmt.py --config
    configs/smoke.py` means configs/nmt_smoke.py. A file that is itself a config of `task` is
    always used as given.
    """
    path = Path(path)
    prefix = TASKS[task].config_prefix
    sibling = path.with_name(prefix + path.name)
    if not prefix or path.name.startswith(prefix) or not sibling.is_file():
        return path
    if path.is_file() and read_config(path).get("task") == task:
        return path
    return sibling


def load_config(
    path: str | Path, overrides: list[str] | tuple[str, ...] = (), task: str | None = None
) -> ml_collections.ConfigDict:
    """Load the config file at `path`, apply `key=value` overrides, and return the locked config.

    With `task` ("fer" or "nmt"), a config written for the other task raises ConfigError
    before the overrides are applied, because its keys would not match them.
    """
    path = Path(path)
    config = read_config(path)
    if task is not None:
        check_task(config, path, task)
    apply_overrides(config, overrides)
    config.lock()
    return config


def check_task(config: ml_collections.ConfigDict, path: Path, task: str) -> None:
    """Raise ConfigError when the config loaded from `path` is not a config of `task`."""
    found = config.get("task")
    if found == task:
        return
    expected = TASKS[task]
    if found in TASKS:
        raise ConfigError(
            f"Config file {path} is a {TASKS[found].description} config (task={found!r}), but this command needs "
            f"a {expected.description} config (task={task!r}). Train it with {TASKS[found].script}, or pass a "
            f"{expected.description} config such as {expected.example_config}."
        )
    raise ConfigError(
        f"Config file {path} has task={found!r}, but this command needs a {expected.description} config "
        f"(task={task!r}). Set config.task = {task!r} in get_config(), or pass a config such as "
        f"{expected.example_config}."
    )


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
    expected = _expected_value(key, current)
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise ConfigError(f"--set {key}={text} is invalid; {key} takes {expected}.") from None
    if isinstance(current, float) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(current, (list, tuple)) and isinstance(value, (list, tuple)):
        return type(current)(value)
    if type(value) is not type(current):
        raise ConfigError(f"--set {key}={text} is invalid; {key} takes {expected}, not {_kind_of(value)}.")
    return value


def _expected_value(key: str, current) -> str:
    """Return the kind of value `key` takes, with an example `--set` value that parses."""
    if isinstance(current, int):
        return f"an integer, e.g. {key}={current}"
    if isinstance(current, float):
        return f"a number, e.g. {key}={current}"
    if isinstance(current, (list, tuple)) and current and all(isinstance(item, (int, float)) for item in current):
        first = current[0]
        second = current[1] if len(current) > 1 else 2 * first
        return f"a comma-separated list, e.g. {key}={first},{second}"
    if isinstance(current, (list, tuple)):
        return f"a list in Python syntax, e.g. {key}={list(current[:1])!r}"
    return f"a {type(current).__name__}"


def _kind_of(value) -> str:
    kinds = {bool: "true or false", int: "an integer", float: "a number", str: "a string", tuple: "a list",
             list: "a list", dict: "a dict"}
    return kinds.get(type(value), f"a {type(value).__name__}")


def config_to_json(config: ml_collections.ConfigDict) -> str:
    """Serialise a config to indented JSON (tuples become lists)."""
    return json.dumps(config.to_dict(), indent=2, sort_keys=True)
