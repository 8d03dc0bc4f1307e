"""Range and choice checks for config values, raising ConfigError before any data is read.

Each task's training module combines these into one `check_<task>_config(config)`, which
`train_and_evaluate` calls first.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import ml_collections

from zoo.errors import ConfigError


def config_value(config: ml_collections.ConfigDict, key: str) -> Any:
    """Return the value of the dotted `key`, e.g. "train.batch_size"."""
    node = config
    for part in key.split("."):
        node = node[part]
    return node


def require(config: ml_collections.ConfigDict, key: str, valid: Callable[[Any], bool], expectation: str) -> None:
    """Raise ConfigError naming `key`, its value and `expectation` unless `valid(value)` is true."""
    value = config_value(config, key)
    if not valid(value):
        raise ConfigError(
            f"{key}={value!r} is invalid; it must be {expectation}. Change it in the config file "
            f"or with --set {key}=VALUE."
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def require_int(config: ml_collections.ConfigDict, key: str, minimum: int) -> None:
    """Require an integer of at least `minimum`."""
    require(
        config, key, lambda value: isinstance(value, int) and not isinstance(value, bool) and value >= minimum,
        f"an integer of at least {minimum}",
    )


def require_positive(config: ml_collections.ConfigDict, key: str) -> None:
    """Require a number greater than 0."""
    require(config, key, lambda value: _is_number(value) and value > 0, "a number greater than 0")


def require_non_negative(config: ml_collections.ConfigDict, key: str) -> None:
    """Require a number of at least 0."""
    require(config, key, lambda value: _is_number(value) and value >= 0, "a number of at least 0")


def require_fraction(
    config: ml_collections.ConfigDict, key: str, *, allow_zero: bool = False, allow_one: bool = False
) -> None:
    """Require a number between 0 and 1; the bounds are excluded unless allowed."""
    low = "[" if allow_zero else "("
    high = "]" if allow_one else ")"

    def valid(value: Any) -> bool:
        if not _is_number(value):
            return False
        above_low = value >= 0 if allow_zero else value > 0
        below_high = value <= 1 if allow_one else value < 1
        return above_low and below_high

    require(config, key, valid, f"a fraction in {low}0, 1{high}")


def require_choice(config: ml_collections.ConfigDict, key: str, choices: Iterable[str]) -> None:
    """Require one of `choices`."""
    choices = list(choices)
    require(config, key, lambda value: value in choices, "one of " + ", ".join(repr(choice) for choice in choices))
