"""Data and cache folder resolution: a command-line flag, else `ZOO_DATA_DIR`, else `./data`."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "ZOO_DATA_DIR"
CACHE_DIR_ENV = "ZOO_CACHE_DIR"


def resolve_data_dir(flag_value: str | os.PathLike | None) -> tuple[Path, str]:
    """Return the data folder and a phrase naming where the choice came from (for error messages)."""
    if flag_value:
        return Path(flag_value).expanduser(), "--data-dir"
    env_value = os.environ.get(DATA_DIR_ENV)
    if env_value:
        return Path(env_value).expanduser(), f"the environment variable {DATA_DIR_ENV}"
    return Path("data"), f"the default ./data (neither --data-dir nor {DATA_DIR_ENV} was set)"


def cache_dir() -> Path:
    """Return the folder for decoded-array caches: `ZOO_CACHE_DIR`, else `~/.cache/zoo`."""
    env_value = os.environ.get(CACHE_DIR_ENV)
    if env_value:
        return Path(env_value).expanduser()
    return Path.home() / ".cache" / "zoo"
