"""Exceptions whose message is meant for the user: the command line prints them without a traceback."""


class ZooError(Exception):
    """An error caused by input the user can fix: its message names the value and the fix."""


class DataError(ZooError):
    """A data folder, file or record is missing or invalid."""


class ConfigError(ZooError):
    """A config file or a `--set` override is invalid."""


class CheckpointError(ZooError):
    """A checkpoint is missing, unreadable or belongs to another model."""
