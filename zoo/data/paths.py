"""Data and cache folder resolution: a command-line flag, else `ZOO_DATA_DIR`, else `./data`."""

from __future__ import annotations

import os
from pathlib import Path

from zoo.errors import DataError

DATA_DIR_ENV = "ZOO_DATA_DIR"
CACHE_DIR_ENV = "ZOO_CACHE_DIR"


def resolve_data_dir(flag_value: str | os.PathLike | None) -> tuple[Path, str]:
    """Return the data folder and a phrase naming where the choice came from (for error messages)."""
    if flag_value:
        return Path(flag_value).expanduser(), "--data-dir"
    env_value = os.environ.get(DATA_DIR_ENV)
    if env_value:
        return Path(env_value).expanduser(), f"the environment variable {DATA_DIR_ENV}"
    return Path("data"), f"the default ./data, because neither --data-dir nor {DATA_DIR_ENV} is set"


def cache_dir() -> Path:
    """Create and return the folder for decoded-array caches: `ZOO_CACHE_DIR`, else `~/.cache/zoo`.

    Raises DataError when the folder cannot be created, e.g. because the path is a file.
    """
    env_value = os.environ.get(CACHE_DIR_ENV)
    if env_value:
        path, source = Path(env_value).expanduser(), f"the environment variable {CACHE_DIR_ENV}"
    else:
        path, source = Path.home() / ".cache" / "zoo", f"the default, because {CACHE_DIR_ENV} is not set"
    fix = (
        f"Set {CACHE_DIR_ENV} to a folder you can write to (it is created when missing), or, for a "
        "training run, set data.cache=False."
    )
    if path.exists() and not path.is_dir():
        raise DataError(f"The cache folder {path}, from {source}, is a file, not a folder. {fix}")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"Cannot create the cache folder {path}, from {source}: {error.strerror}. {fix}") from None
    return path
